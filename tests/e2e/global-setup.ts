import { applyMigrations } from "@/lib/db/migrate";
import { createPrismaClient } from "@/lib/db/client";
import { seedDemo } from "@/prisma/seed";

/** Refuses anything but a loopback database: the e2e run writes demo data into it. */
function assertLocalDatabase(url: string | undefined): string {
  if (!url) throw new Error("DATABASE_URL must point at a local test database for the e2e tests (npm test sets it).");
  const host = new URL(url).hostname;
  if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host)) {
    throw new Error(`Refusing to run e2e tests against a non-local database (${host}).`);
  }
  return url;
}

export default async function globalSetup(): Promise<void> {
  const url = assertLocalDatabase(process.env.DATABASE_URL);
  // Idempotent: nothing to do when the test runner already migrated.
  await applyMigrations(url);
  const db = createPrismaClient(url, 2);
  try {
    await seedDemo(db);
  } finally {
    await db.$disconnect();
  }
}
