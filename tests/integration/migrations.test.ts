import { describe, expect, inject, it } from "vitest";
import pg from "pg";
import { applyMigrations, diffDatabaseToSchema, diffMigrationsToSchema, listMigrationNames } from "@/lib/db/migrate";

const url = inject("databaseUrl");

async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("migrations", () => {
  it("records every migration folder in _prisma_migrations, all finished", async () => {
    const folders = await listMigrationNames();
    expect(folders.length).toBeGreaterThan(0);
    const rows = await query<{ migration_name: string; finished_at: Date | null; rolled_back_at: Date | null }>(
      `SELECT migration_name, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.map((r) => r.migration_name)).toEqual(folders);
    for (const row of rows) {
      expect(row.finished_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
    }
  });

  it("applying again is a no-op", async () => {
    const before = await query<{ n: string }>(`SELECT count(*)::text AS n FROM "_prisma_migrations"`);
    expect(await applyMigrations(url)).toEqual([]);
    const after = await query<{ n: string }>(`SELECT count(*)::text AS n FROM "_prisma_migrations"`);
    expect(after).toEqual(before);
  });

  it("the migrations produce exactly schema.prisma (no missing migration)", async () => {
    expect(await diffMigrationsToSchema(url)).toBe("");
  });

  it("the migrated database has no drift against schema.prisma", async () => {
    expect(await diffDatabaseToSchema(url)).toBe("");
  });

  it("detects drift when the database differs from the schema", async () => {
    await query(`ALTER TABLE "Project" ADD COLUMN "driftProbe" integer`);
    try {
      expect(await diffDatabaseToSchema(url)).toMatch(/DROP COLUMN "driftProbe"/);
    } finally {
      await query(`ALTER TABLE "Project" DROP COLUMN "driftProbe"`);
    }
  });
});
