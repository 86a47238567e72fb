// Integration test database: TEST_DATABASE_URL when set (local hosts only: the schema is wiped),
// otherwise a throwaway embedded PGlite in a temp directory. The public schema is reset and
// migrated once; tests reach it through DATABASE_URL (see setup-env.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { EMBEDDED_POOL_MAX, startEmbeddedDatabase } from "@/lib/db/embedded";
import { assertLocalDatabaseUrl } from "@/lib/db/local-url";
import { applyMigrations } from "@/lib/db/migrate";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    databasePoolMax: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  let url = process.env.TEST_DATABASE_URL;
  let teardown = async () => {};
  let poolMax = process.env.DATABASE_POOL_MAX ?? "5";
  if (url) {
    assertLocalDatabaseUrl(url);
  } else {
    const dataDir = mkdtempSync(path.join(tmpdir(), "promptdeck-it-"));
    const db = await startEmbeddedDatabase({ dataDir, handleSignals: false });
    url = db.url;
    poolMax = String(EMBEDDED_POOL_MAX);
    teardown = async () => {
      await db.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
  try {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query("DROP SCHEMA IF EXISTS public CASCADE");
      // The eval job queue (pg-boss) keeps its own schema: start each run without old jobs.
      await client.query("DROP SCHEMA IF EXISTS pgboss CASCADE");
      await client.query("CREATE SCHEMA public");
    } finally {
      await client.end();
    }
    await applyMigrations(url);
  } catch (error) {
    await teardown();
    throw error;
  }
  console.log(`[integration] database ready in ${Date.now() - started} ms (${process.env.TEST_DATABASE_URL ? "TEST_DATABASE_URL" : "embedded PGlite"})`);
  project.provide("databaseUrl", url);
  project.provide("databasePoolMax", poolMax);
  return teardown;
}
