import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "@/lib/db/embedded";

/**
 * PGlite is one PostgreSQL session shared by every socket connection, so the server must keep
 * each connection's extended-protocol sequence (Parse..Sync) and open transaction together.
 */
let dir: string;
let db: EmbeddedDatabase;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "promptdeck-sessions-"));
  db = await startEmbeddedDatabase({ dataDir: dir, handleSignals: false });
}, 60_000);

afterAll(async () => {
  await db?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  return client;
}

describe("embedded database with concurrent connections", () => {
  it("keeps parameterised queries of concurrent connections apart", async () => {
    const clients = await Promise.all([connect(), connect(), connect(), connect()]);
    try {
      const results = await Promise.all(
        clients.map(async (client, c) => {
          const seen: number[] = [];
          for (let i = 0; i < 150; i++) {
            // A different statement text per client makes a mixed-up Parse visible.
            const { rows } = await client.query(`SELECT $1::int + ${c} AS v, '${"x".repeat(c)}' AS pad`, [i]);
            seen.push(Number(rows[0].v) - c);
          }
          return seen;
        }),
      );
      for (const seen of results) expect(seen).toEqual(Array.from({ length: 150 }, (_, i) => i));
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
  }, 60_000);

  it("keeps a statement whose parameters span many TCP reads apart from other connections", async () => {
    const [big, small] = await Promise.all([connect(), connect()]);
    try {
      const payload = "p".repeat(1_000_000);
      const bigQueries = (async () => {
        for (let i = 0; i < 10; i++) {
          const { rows } = await big.query("SELECT length($1::text) AS n, $2::int AS i", [payload, i]);
          expect(rows[0]).toEqual({ n: payload.length, i });
        }
      })();
      const smallQueries = (async () => {
        for (let i = 0; i < 300; i++) {
          const { rows } = await small.query("SELECT $1::int * 2 AS doubled", [i]);
          expect(rows[0].doubled).toBe(i * 2);
        }
      })();
      await Promise.all([bigQueries, smallQueries]);
    } finally {
      await Promise.all([big.end(), small.end()]);
    }
  }, 60_000);

  it("does not let another connection's statements into an open transaction", async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    try {
      await a.query("CREATE TABLE IF NOT EXISTS tx_probe (id int)");
      await a.query("BEGIN");
      await a.query("INSERT INTO tx_probe VALUES ($1)", [1]);
      // b's statement waits for a's transaction instead of running inside it.
      const fromB = b.query("INSERT INTO tx_probe VALUES ($1)", [2]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await a.query("ROLLBACK");
      await fromB;
      const { rows } = await a.query("SELECT id FROM tx_probe ORDER BY id");
      expect(rows.map((row) => row.id)).toEqual([2]);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  }, 60_000);

  it("rolls back the transaction of a connection that goes away", async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    try {
      await a.query("CREATE TABLE IF NOT EXISTS tx_abandoned (id int)");
      await a.query("BEGIN");
      await a.query("INSERT INTO tx_abandoned VALUES ($1)", [1]);
      a.on("error", () => {}); // the abrupt end below is the point of the test
      (a as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      const { rows } = await b.query("SELECT count(*)::int AS n FROM tx_abandoned");
      expect(rows[0].n).toBe(0);
    } finally {
      await b.end();
    }
  }, 60_000);
});
