import { afterEach, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { DataDirInUseError, LOCK_FILE_NAME, startEmbeddedDatabase } from "@/lib/db/embedded";

// Starts real embedded databases (PGlite), so it lives with the integration tests; the lock
// itself is unit-tested in tests/unit/db-lock.test.ts.
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "promptdeck-lock-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("embedded database", () => {
  it("refuses a second launcher on the same directory and keeps data across restarts", async () => {
    const dir = tempDir();
    const first = await startEmbeddedDatabase({ dataDir: dir, handleSignals: false });
    try {
      await expect(startEmbeddedDatabase({ dataDir: dir, handleSignals: false })).rejects.toThrow(DataDirInUseError);
      const client = new pg.Client({ connectionString: first.url });
      await client.connect();
      await client.query("CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)");
      await client.end();
    } finally {
      await first.stop();
    }
    expect(existsSync(path.join(dir, LOCK_FILE_NAME))).toBe(false);

    const second = await startEmbeddedDatabase({ dataDir: dir, handleSignals: false });
    try {
      const client = new pg.Client({ connectionString: second.url });
      await client.connect();
      const { rows } = await client.query<{ n: number }>("SELECT n FROM kept");
      await client.end();
      expect(rows).toEqual([{ n: 42 }]);
    } finally {
      await second.stop();
    }
  }, 120_000);
});
