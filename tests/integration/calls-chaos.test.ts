// The chaos probe of issue 17 ("Done when"), against the real server process (`server.ts
// --api-only`: the composition root with the call journal) and a real PostgreSQL that is stopped
// and started: this file's OWN throwaway cluster (initdb into a temporary directory, its own port;
// the shared server on 5432 is never touched).
//
// 1. Server A under load (/run on keep-alive connections and ingest); PostgreSQL stops; the load
//    goes on (cached prompts and keys: acknowledged into the journal); SIGTERM during the outage.
// 2. Server B starts while PostgreSQL is still down; PostgreSQL starts; B stores A's journal and
//    serves load; PostgreSQL stops again; SIGKILL during that outage.
// 3. Server C starts and stores B's journal; SIGTERM.
// Every acknowledged id (a 200/502 with a call id, a 202 record id) is stored exactly once (and no
// request twice); no answer is a 500; after a SIGTERM, a request sent later is refused (503 or a
// refused/reset connection), never served. The figures are printed.
import { execFileSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startSimulator, type Simulator } from "@/lib/claude-simulator";
import type { PrismaClient } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { makeTestProject, publishPrompt, simpleContent } from "./serving-helpers";
import { postJson, startServerProcess, until } from "./server-process";

const work = mkdtempSync(path.join(tmpdir(), "pd-chaos-"));
const pgDir = path.join(work, "pg");
const journalDir = path.join(work, "journal");
let pgPort = 0;
const chaosUrl = () => `postgresql://postgres@127.0.0.1:${pgPort}/promptdeck`;

// Everything this file reads and writes through getDb() goes to the throwaway cluster.
vi.mock("@/lib/db/client", async (importOriginal) => {
  const original = await importOriginal<typeof import("@/lib/db/client")>();
  let client: PrismaClient | undefined;
  return {
    ...original,
    getDb: () => {
      client ??= original.createPrismaClient(chaosUrl(), 3);
      return client;
    },
  };
});
const { getDb } = await import("@/lib/db/client");

function asPostgres(command: string, args: string[]): string {
  return execFileSync("runuser", ["-u", "postgres", "--", command, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}
const pgStart = () =>
  asPostgres("pg_ctl", [
    "-D",
    path.join(pgDir, "data"),
    "-o",
    `-p ${pgPort} -k ${pgDir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=32MB -c max_connections=60`,
    "-l",
    path.join(pgDir, "log"),
    "-w",
    "start",
  ]);
const pgStop = () => asPostgres("pg_ctl", ["-D", path.join(pgDir, "data"), "-m", "fast", "-w", "stop"]);

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let sim: Simulator;
let runKeys: string[] = [];
let ingestKeys: string[] = [];
const runId = randomUUID();

beforeAll(async () => {
  pgPort = await freePort();
  chmodSync(work, 0o755); // the postgres user reaches its directory through it
  mkdirSync(pgDir);
  chownSync(
    pgDir,
    Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()),
    Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim()),
  );
  asPostgres("initdb", ["-D", path.join(pgDir, "data"), "--auth=trust", "-U", "postgres", "-N"]);
  pgStart();
  asPostgres("createdb", ["-h", "127.0.0.1", "-p", String(pgPort), "-U", "postgres", "promptdeck"]);
  await applyMigrations(chaosUrl());
  const ctx = await makeTestProject();
  await publishPrompt(ctx.admin, "chaos-answerer", [simpleContent("You answer in one short sentence.")]);
  runKeys = await Promise.all(Array.from({ length: 6 }, async () => (await ctx.key(["prompts:run"])).key));
  ingestKeys = await Promise.all(Array.from({ length: 3 }, async () => (await ctx.key(["calls:write"])).key));
  sim = await startSimulator({ port: 0, host: "127.0.0.1", speed: 20 });
}, 60_000);

afterAll(async () => {
  await getDb()
    .$disconnect()
    .catch(() => {});
  try {
    pgStop();
  } catch {
    // already stopped
  }
  await sim?.close();
  rmSync(work, { recursive: true, force: true });
});

interface Server {
  child: ChildProcess;
  port: Promise<number>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

function startServer(): Server {
  const server = startServerProcess({
    DATABASE_URL: chaosUrl(),
    PROMPTDECK_SIMULATOR_URL: sim.url,
    PROMPTDECK_CALL_JOURNAL_DIR: journalDir,
    PROMPTDECK_SHUTDOWN_DRAIN_MS: "5000",
    LOG_LEVEL: "warn",
  });
  return { ...server, exited: server.exited.then(({ code, signal }) => ({ code, signal })) };
}

interface Outcome {
  kind: "run" | "ingest";
  server: string;
  sentAt: number;
  status?: number;
  connection?: string;
  error?: string;
  /** Acknowledged call ids. */
  ids: string[];
}

let seq = 0;

/** Load on one server until `stop()`: /run workers and ingest workers on keep-alive connections. */
function load(name: string, port: number, outcomes: Outcome[]): { stop: () => Promise<void> } {
  let stopped = false;
  const agent = new http.Agent({ keepAlive: true, maxSockets: runKeys.length + ingestKeys.length });
  const pause = () => new Promise((resolve) => setTimeout(resolve, 50));
  const runWorker = async (key: string) => {
    while (!stopped) {
      const n = seq++;
      const sentAt = Date.now();
      const question = n % 5 === 0 ? `[[sim:400]] q${n}` : `q${n}`;
      try {
        const res = await postJson(
          port,
          "/api/v1/prompts/chaos-answerer/run",
          { variables: { question }, metadata: { chaos: runId, seq: n } },
          key,
          agent,
          20_000,
        );
        const id = res.headers["x-promptdeck-call-id"];
        const ids = (res.status === 200 || res.status === 502) && typeof id === "string" ? [id] : [];
        outcomes.push({ kind: "run", server: name, sentAt, status: res.status, connection: res.headers.connection, ids });
      } catch (error) {
        outcomes.push({ kind: "run", server: name, sentAt, error: (error as { code?: string }).code ?? String(error), ids: [] });
        await pause();
      }
    }
  };
  const ingestWorker = async (key: string) => {
    while (!stopped) {
      const calls = Array.from({ length: 10 }, (_, i) => {
        const n = seq++;
        return {
          model: "claude-haiku-5-5",
          inputTokens: 20,
          outputTokens: 4,
          // Every third batch names its prompt: that needs the database (503 during the outage, never 500).
          ...(n % 3 === 0 && i === 0 ? { prompt: "chaos-answerer" } : {}),
          metadata: { chaos: runId, seq: n },
        };
      });
      const sentAt = Date.now();
      try {
        const res = await postJson(port, "/api/v1/calls", { calls }, key, agent, 20_000);
        const ids = res.status === 202 ? (JSON.parse(res.text) as { results: Array<{ id?: string }> }).results.flatMap((r) => (r.id ? [r.id] : [])) : [];
        outcomes.push({ kind: "ingest", server: name, sentAt, status: res.status, connection: res.headers.connection, ids });
      } catch (error) {
        outcomes.push({ kind: "ingest", server: name, sentAt, error: (error as { code?: string }).code ?? String(error), ids: [] });
        await pause();
      }
    }
  };
  const workers = [...runKeys.map(runWorker), ...ingestKeys.map(ingestWorker)];
  return {
    async stop() {
      stopped = true;
      await Promise.all(workers);
      agent.destroy();
    },
  };
}

/** The shared wait, polling every 50 ms (conditions here may query the database). */
const untilPolled = (condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string) => until(condition, timeoutMs, what, 50);

const acked = (outcomes: Outcome[]) => outcomes.flatMap((o) => o.ids);

async function storedOf(ids: string[]): Promise<number> {
  let stored = 0;
  for (let i = 0; i < ids.length; i += 5_000) stored += await getDb().callLog.count({ where: { id: { in: ids.slice(i, i + 5_000) } } });
  return stored;
}

describe("chaos: load, PostgreSQL stopped, SIGTERM, SIGKILL, restarts", () => {
  it("stores every acknowledged call exactly once and never answers 500", async () => {
    const outcomes: Outcome[] = [];

    // 1. Server A: load, PostgreSQL stops, load during the outage, SIGTERM during the outage.
    const a = startServer();
    const portA = await a.port;
    const loadA = load("A", portA, outcomes);
    await untilPolled(() => acked(outcomes).length >= 200, 20_000, "the load on A to get going");
    pgStop();
    const outageAt = Date.now();
    await untilPolled(() => outcomes.filter((o) => o.sentAt > outageAt + 300 && o.ids.length > 0).length >= 30, 10_000, "calls acknowledged during the outage");
    const sigtermAt = Date.now();
    a.child.kill("SIGTERM");
    const exitA = await a.exited;
    await loadA.stop();
    const ackA = acked(outcomes.filter((o) => o.server === "A"));
    const ackDuringOutage = acked(outcomes.filter((o) => o.server === "A" && o.sentAt > outageAt + 300)).length;
    expect(exitA, a.output()).toEqual({ code: 0, signal: null });

    // After the signal no request is served: a request sent after it is refused (503 + Connection:
    // close, or a closed connection); only requests in flight at the signal finish.
    const afterSignal = outcomes.filter((o) => o.server === "A" && o.sentAt > sigtermAt + 50);
    for (const o of afterSignal) expect(o.status === 503 || ["ECONNREFUSED", "ECONNRESET", "EPIPE"].includes(o.error ?? ""), JSON.stringify(o)).toBe(true);
    for (const o of outcomes.filter((o) => o.server === "A" && o.status === 503 && o.sentAt > sigtermAt)) expect(o.connection).toBe("close");

    // 2. Server B starts while PostgreSQL is still down, then PostgreSQL starts: B stores A's journal
    //    and takes load; PostgreSQL stops again and B is killed (SIGKILL) during that outage.
    const b = startServer();
    const portB = await b.port;
    pgStart();
    await untilPolled(async () => (await storedOf(ackA)) === ackA.length, 30_000, "B to store A's journal");
    const loadB = load("B", portB, outcomes);
    await untilPolled(() => acked(outcomes.filter((o) => o.server === "B")).length >= 200, 20_000, "the load on B");
    // A second outage, and SIGKILL during it: what B acknowledged meanwhile is only in its journal.
    pgStop();
    const secondOutageAt = Date.now();
    await untilPolled(
      () => outcomes.filter((o) => o.server === "B" && o.sentAt > secondOutageAt + 300 && o.ids.length > 0).length >= 20,
      10_000,
      "calls acknowledged by B during the outage",
    );
    b.child.kill("SIGKILL");
    expect(await b.exited).toEqual({ code: null, signal: "SIGKILL" });
    await loadB.stop();
    const ackB = acked(outcomes.filter((o) => o.server === "B"));
    pgStart();
    const storedBAtKill = await storedOf(ackB);

    // 3. Server C stores B's journal.
    const c = startServer();
    await c.port;
    await untilPolled(async () => (await storedOf(ackB)) === ackB.length, 30_000, "C to store B's journal");
    c.child.kill("SIGTERM");
    expect((await c.exited).code, c.output()).toBe(0);

    // Exactly once: every acknowledged id is stored, and no request was stored twice (under two ids).
    const all = [...ackA, ...ackB];
    expect(new Set(all).size).toBe(all.length);
    const storedA = await storedOf(ackA);
    const storedB = await storedOf(ackB);
    const twice = await getDb().$queryRawUnsafe<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM (SELECT metadata->>'seq' FROM "CallLog" WHERE metadata->>'chaos' = $1 GROUP BY 1 HAVING count(*) > 1) d`,
      runId,
    );
    const rows = await getDb().callLog.count({ where: { metadata: { path: ["chaos"], equals: runId } } });
    const statuses: Record<string, number> = {};
    for (const o of outcomes) statuses[String(o.status ?? o.error)] = (statuses[String(o.status ?? o.error)] ?? 0) + 1;
    const figures = {
      sigtermDuringOutage: { acknowledged: ackA.length, acknowledgedDuringOutage: ackDuringOutage, stored: storedA, lost: ackA.length - storedA },
      sigkillDuringOutage: { acknowledged: ackB.length, storedAtKill: storedBAtKill, stored: storedB, lost: ackB.length - storedB },
      duplicated: twice[0]?.n ?? -1,
      rowsStored: rows,
      notAcknowledgedButStored: rows - storedA - storedB,
      answers: statuses,
    };
    console.log(`[chaos] ${JSON.stringify(figures)}`);
    expect(figures.sigtermDuringOutage.lost).toBe(0);
    expect(figures.sigkillDuringOutage.lost).toBe(0);
    // The SIGKILL left acknowledged calls that only the journal had.
    expect(storedBAtKill).toBeLessThan(ackB.length);
    expect(figures.duplicated).toBe(0);
    expect(ackDuringOutage).toBeGreaterThan(0);
    expect(outcomes.filter((o) => (o.status ?? 0) >= 500 && o.status !== 502 && o.status !== 503)).toEqual([]);
  }, 120_000);
});
