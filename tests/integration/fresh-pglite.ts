import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "@/lib/generated/prisma/client";

/**
 * A database of the test's own: an in-memory PGlite with every migration applied, for tests that
 * need an empty database (no users, no demo project) rather than the shared integration one.
 */
export async function freshPGliteDatabase(): Promise<{ db: PrismaClient; close: () => Promise<void> }> {
  const pg = new PGlite();
  const dir = path.resolve(import.meta.dirname, "../../prisma/migrations");
  for (const name of readdirSync(dir)
    .filter((n) => /^\d+_/.test(n))
    .sort()) {
    await pg.exec(readFileSync(path.join(dir, name, "migration.sql"), "utf8"));
  }
  const db = new PrismaClient({ adapter: new PrismaPGlite(pg) });
  return {
    db,
    close: async () => {
      await db.$disconnect();
      await pg.close();
    },
  };
}
