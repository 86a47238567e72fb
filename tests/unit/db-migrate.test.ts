import { describe, expect, it } from "vitest";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { listMigrationNames, migrationTimestamp, readMigrationsList, slugifyMigrationName } from "@/lib/db/migrate";

describe("migration files", () => {
  it("formats Prisma's UTC timestamp prefix", () => {
    expect(migrationTimestamp(new Date("2026-03-04T05:06:07.890Z"))).toBe("20260304050607");
  });

  it("slugifies names like prisma migrate dev", () => {
    expect(slugifyMigrationName("Add prompt Archived-flag!")).toBe("add_prompt_archived_flag");
    expect(() => slugifyMigrationName("  !! ")).toThrow(/Invalid migration name/);
  });

  it("reads migration folders in order with the lock file, ignoring other entries", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "promptdeck-migrations-"));
    try {
      for (const name of ["20260102000000_second", "20260101000000_first"]) {
        mkdirSync(path.join(dir, name));
        writeFileSync(path.join(dir, name, "migration.sql"), `-- ${name}\n`);
      }
      mkdirSync(path.join(dir, "not_a_migration"));
      writeFileSync(path.join(dir, "migration_lock.toml"), 'provider = "postgresql"\n');
      const list = await readMigrationsList(dir);
      expect(list.migrationDirectories.map((d) => d.path)).toEqual(["20260101000000_first", "20260102000000_second"]);
      expect(list.migrationDirectories[0]?.migrationFile.content).toEqual({ tag: "ok", value: "-- 20260101000000_first\n" });
      expect(list.lockfile.content).toContain("postgresql");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the repository's migrations folder is in Prisma's layout", async () => {
    const names = await listMigrationNames();
    expect(names.length).toBeGreaterThan(0);
    expect(names[0]).toMatch(/^\d{14}_init$/);
    const lock = readFileSync(path.join(import.meta.dirname, "..", "..", "prisma", "migrations", "migration_lock.toml"), "utf8");
    expect(lock).toMatch(/provider = "postgresql"/);
  });
});
