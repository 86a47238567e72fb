/**
 * The live stream (GET /api/v1/stream), the way the issue asks it to be measured:
 *
 * 1. Propagation across instances: two real server processes (`server.ts --api-only`) on one
 *    database. The typed client (`PromptdeckClient` with `subscribe`) is connected to instance B;
 *    a label move is made through instance A's API (`PUT /api/v1/prompts/{name}/labels/production`,
 *    alternating between two versions). Measured per move, from sending the PUT: (a) the change
 *    event reaching the client, (b) the client's `getPrompt` serving the new version. p50 / p99 /
 *    max over BENCH_MOVES moves.
 * 2. Open streams on one instance: BENCH_STREAMS (1,000) raw streams held open on instance B
 *    (each its own connection); B's RSS before and with them, and its CPU while they are idle
 *    (heartbeats only: the window, BENCH_IDLE_SECONDS = 30 by default, spans two of the hub's 15 s
 *    heartbeats, so their cost is in the figure) and while one move is broadcast to all of them
 *    (time until every stream got it).
 *
 * Baseline it compares with: without the stream, a client sees a move after its cache TTL
 * (`cacheTtlMs`, 60 s by default; the server's own caches are told at once by the change feed).
 *
 * Database: BENCH_DATABASE_URL (or DATABASE_URL), a local PostgreSQL (migrated; a project with a
 * unique slug is added). LISTEN/NOTIFY is what carries a move between instances.
 *
 * Run:  BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/pd_bench npx tsx bench/stream.ts
 *   BENCH_MOVES=50  BENCH_STREAMS=1000  BENCH_IDLE_SECONDS=30  BENCH_MOVE_GAP_MS=100
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import { loadavg } from "node:os";
import path from "node:path";
import { PromptdeckClient, type PromptChangeEvent } from "@/lib/client";

const ROOT = path.resolve(import.meta.dirname, "..");
const MOVES = Number(process.env.BENCH_MOVES ?? 50);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 1000);
// At least one heartbeat interval (15 s): a shorter window could measure no heartbeat at all.
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
const MOVE_GAP_MS = Number(process.env.BENCH_MOVE_GAP_MS ?? 100);
const PROMPT = "stream-bench";

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------------ setup

async function prepare(url: string): Promise<{ adminKey: string; readKey: string; versions: string[] }> {
  const { assertLocalDatabaseUrl } = await import("@/lib/db/local-url");
  assertLocalDatabaseUrl(url, process.env.BENCH_DATABASE_URL ? "BENCH_DATABASE_URL" : "DATABASE_URL");
  const { applyMigrations } = await import("@/lib/db/migrate");
  await applyMigrations(url);
  const { createPrismaClient, registerDb } = await import("@/lib/db/client");
  const db = createPrismaClient(url, 2);
  registerDb(db);
  const { generateApiKey } = await import("@/lib/auth/api-keys");
  const { createPrompt, publishDraft, saveDraft } = await import("@/lib/prompts/mutations");
  const suffix = randomUUID().slice(0, 8);
  const user = await db.user.create({ data: { email: `stream-bench-${suffix}@example.test`, name: "Stream bench" } });
  const project = await db.project.create({ data: { slug: `stream-bench-${suffix}`, name: `Stream bench ${suffix}` } });
  await db.membership.create({ data: { userId: user.id, projectId: project.id, role: "ADMIN" } });
  const actor = { kind: "user" as const, userId: user.id, projectId: project.id, role: "ADMIN" as const };
  const content = (text: string) => ({
    system: [{ type: "text" as const, role: "instructions" as const, text }],
    messages: [{ role: "user" as const, content: [{ type: "text" as const, text: "{{question}}" }] }],
    variables: { question: { type: "string" as const, required: true } },
    modelConfig: { model: "claude-sonnet-5-5", max_tokens: 256 },
    outputSchema: { format: "text" as const },
    policy: {},
  });
  const prompt = await createPrompt(actor, { name: PROMPT, content: content("First.") });
  const first = await publishDraft(actor, { promptId: prompt.id, changelog: "first", labels: ["production"] });
  await saveDraft(actor, { promptId: prompt.id, content: content("Second.") });
  const second = await publishDraft(actor, { promptId: prompt.id, changelog: "second" });
  const keys = [];
  for (const scopes of [["prompts:read", "prompts:write", "admin"], ["prompts:read"]]) {
    const generated = generateApiKey();
    await db.apiKey.create({
      data: {
        projectId: project.id,
        name: scopes.join(","),
        prefix: generated.prefix,
        hash: generated.hash,
        scopes,
        rateLimitPerSecond: 100_000,
        rateLimitBurst: 100_000,
      },
    });
    keys.push(generated.key);
  }
  await db.$disconnect();
  const v = (x: { major: number; minor: number; patch: number }) => `${x.major}.${x.minor}.${x.patch}`;
  return { adminKey: keys[0]!, readKey: keys[1]!, versions: [v(first), v(second)] };
}

interface Server {
  child: ChildProcess;
  url: string;
  pid: number;
  /** What it wrote so far (printed when the bench fails). */
  output: () => string;
}

function startServer(url: string, name: string): Promise<Server> {
  const { ANTHROPIC_API_KEY: _k, ANTHROPIC_BASE_URL: _b, ...env } = process.env;
  const child = spawn(process.execPath, ["--import", "tsx", "server.ts", "--api-only"], {
    cwd: ROOT,
    env: {
      ...env,
      DATABASE_URL: url,
      PORT: "0",
      PROMPTDECK_HOST: "127.0.0.1",
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      PROMPTDECK_STREAM_MAX_PER_KEY: String(STREAMS + 100),
      PROMPTDECK_CALL_JOURNAL_DIR: "off",
      DATABASE_POOL_MAX: "4",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1]) resolve({ child, url: m[1], pid: child.pid ?? 0, output: () => out });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => reject(new Error(`instance ${name} exited (${code}) before listening:\n${out.slice(-3000)}`)));
  });
}

// ------------------------------------------------------------------ process figures (Linux /proc)

const TICKS = 100; // USER_HZ
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
}
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Moves production through the API; a 5xx (a cold server's first transaction on a loaded machine can time out) is retried twice and reported. */
async function moveLabel(server: Server, key: string, version: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${server.url}/api/v1/prompts/${PROMPT}/labels/production`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ version, reason: "bench" }),
    });
    if (response.ok) return;
    const text = await response.text();
    if (response.status < 500 || attempt >= 3) throw new Error(`move to ${version}: ${response.status} ${text}`);
    console.warn(`   (move to ${version} answered ${response.status}; retrying)`);
  }
}

/** One raw stream (its own connection): counts events containing `marker` as they arrive. */
function openRawStream(server: Server, key: string, onData: (text: string) => void): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${server.url}/api/v1/stream?prompt=${PROMPT}`, { headers: { Authorization: `Bearer ${key}` }, agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream: ${res.statusCode}`));
      res.setEncoding("utf8");
      res.on("data", onData);
      res.on("error", () => {});
      resolve(req);
    });
    req.on("error", reject);
  });
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error("Set BENCH_DATABASE_URL (a local PostgreSQL; LISTEN/NOTIFY carries moves between instances)");
  console.log(
    `stream bench: ${MOVES} moves, ${STREAMS} streams; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  const { adminKey, readKey, versions } = await prepare(url);
  const [a, b] = await Promise.all([startServer(url, "A"), startServer(url, "B")]);
  const stopAll = () => {
    a.child.kill("SIGTERM");
    b.child.kill("SIGTERM");
  };
  try {
    // 1. A move on A -> the client on B.
    let waiting: { version: string; resolve: (at: number) => void } | undefined;
    const client = new PromptdeckClient({
      baseUrl: b.url,
      apiKey: readKey,
      cacheTtlMs: 3_600_000,
      subscribe: {
        prompts: [PROMPT],
        onChange: (e: PromptChangeEvent) => {
          if (waiting && e.version === waiting.version) waiting.resolve(performance.now());
        },
      },
    });
    await client.subscribe().ready;
    // Warm-up (not measured): one move there and back through A.
    await moveLabel(a, adminKey, versions[1]!);
    await moveLabel(a, adminKey, versions[0]!);
    await sleep(500);
    await client.getPrompt(PROMPT);
    const toEvent: number[] = [];
    const toServed: number[] = [];
    for (let i = 0; i < MOVES; i++) {
      const version = versions[(i + 1) % 2]!;
      const event = new Promise<number>((resolve) => (waiting = { version, resolve }));
      const sent = performance.now();
      await moveLabel(a, adminKey, version);
      const eventAt = await Promise.race([event, sleep(10_000).then(() => NaN)]);
      if (Number.isNaN(eventAt)) throw new Error(`move ${i}: no event within 10 s`);
      let served = (await client.getPrompt(PROMPT)).prompt.version;
      while (served !== version) {
        await sleep(1);
        served = (await client.getPrompt(PROMPT)).prompt.version;
      }
      toEvent.push(eventAt - sent);
      toServed.push(performance.now() - sent);
      await sleep(MOVE_GAP_MS);
    }
    client.close();
    console.log(`\n1. label move through instance A -> client subscribed on instance B (${MOVES} moves)`);
    console.log(`   event received:          p50 ${fmt(percentile(toEvent, 50))}  p99 ${fmt(percentile(toEvent, 99))}  max ${fmt(Math.max(...toEvent))}`);
    console.log(`   new version served:      p50 ${fmt(percentile(toServed, 50))}  p99 ${fmt(percentile(toServed, 99))}  max ${fmt(Math.max(...toServed))}`);
    console.log(`   baseline without stream: up to the client's cache TTL (default 60 s)`);

    // 2. Many open streams on B.
    await sleep(1_000);
    const rssBefore = rssMb(b.pid);
    let marker = "";
    let got = 0;
    const streams: http.ClientRequest[] = [];
    const opening = performance.now();
    for (let i = 0; i < STREAMS; i += 50) {
      const batch = Array.from({ length: Math.min(50, STREAMS - i) }, () => openRawStream(b, readKey, (text) => (marker && text.includes(marker) ? got++ : 0)));
      streams.push(...(await Promise.all(batch)));
    }
    const openMs = performance.now() - opening;
    await sleep(2_000);
    const rssOpen = rssMb(b.pid);
    const cpu0 = cpuMs(b.pid);
    const t0 = performance.now();
    await sleep(IDLE_SECONDS * 1000);
    const idleCpu = (cpuMs(b.pid) - cpu0) / (performance.now() - t0);
    // One move broadcast to every stream.
    const version = versions[MOVES % 2 === 0 ? 1 : 0]!;
    marker = `"version":"${version}"`;
    const cpu1 = cpuMs(b.pid);
    const sent = performance.now();
    await moveLabel(a, adminKey, version);
    while (got < STREAMS && performance.now() - sent < 30_000) await sleep(5);
    const fanoutMs = performance.now() - sent;
    const fanoutCpuMs = cpuMs(b.pid) - cpu1;
    console.log(`\n2. ${STREAMS} open streams on instance B (opened in ${fmt(openMs)})`);
    console.log(
      `   RSS: ${rssBefore.toFixed(1)} MB before, ${rssOpen.toFixed(1)} MB with the streams (+${(((rssOpen - rssBefore) * 1024) / STREAMS).toFixed(1)} KB per stream)`,
    );
    console.log(`   CPU while idle (heartbeats): ${(idleCpu * 100).toFixed(2)} % of a core over ${IDLE_SECONDS} s`);
    console.log(`   one move to all of them: ${got}/${STREAMS} streams had it after ${fmt(fanoutMs)}; B's CPU meanwhile ${fmt(fanoutCpuMs)}`);
    for (const s of streams) s.destroy();
    console.log(
      `\nload average at the end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")} (2 cores, shared)`,
    );
  } catch (error) {
    await sleep(1_000);
    console.error(`instance A:\n${a.output().slice(-3000)}\ninstance B:\n${b.output().slice(-3000)}`);
    throw error;
  } finally {
    stopAll();
  }
}

await main();
process.exit(0);
