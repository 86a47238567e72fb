/**
 * Serving speed on the real server, the way apps call it: `GET /api/v1/prompts/<name>?label=production`
 * with `Authorization: Bearer pd_...` against the production server (`server.ts`, as `npm start`
 * runs it: the front process answering the API, Next in its web process behind the front's proxy,
 * having served a page; key auth, the shared rate limiter with its
 * limits lifted through PROMPTDECK_RATE_LIMIT_PER_SECOND / _BURST, the serving cache), compared
 * with a bare `node:http` server (its own process) answering the same bytes and headers, measured
 * in the same run, back to back (autocannon, in this process).
 *
 * Scenarios: one key, and 200 keys (each connection cycles through them), at 10 and 100
 * connections. Each is measured in rounds (bare and server alternate which goes first); the
 * figures are medians over the rounds, the ratio is the median of the per-round ratios.
 * Target at 100 connections: server >= 0.75x bare throughput, p99 <= 2x bare p99, no non-2xx.
 *
 * Database: BENCH_DATABASE_URL (or DATABASE_URL) when set, a local PostgreSQL (a project with a
 * unique slug, a prompt and 201 keys are added to it), else a throwaway embedded PGlite.
 * Without a production build (`npx next build`) the server runs `--api-only` (no Next), said so
 * in the output.
 *
 * Run:  npx tsx bench/serving.ts
 *   BENCH_SECONDS=5 (per measurement)  BENCH_ROUNDS=3  BENCH_CONNECTIONS=10,100  BENCH_KEYS=1,200
 *   --api-only                   the server without Next even when a build exists
 *   --with-api-only              also start `server.ts --api-only` (the same process without Next
 *                                loaded) and measure it in every round too, against the same bare
 *                                rounds: what serving the API from a process without Next would give
 *   --cpu-prof DIR               the server runs with --cpu-prof; its profile goes to DIR and the
 *                                functions with the most CPU time are printed after the run
 *   BENCH_SERVER_NODE_ARGS="--perf-basic-prof"   more node flags for the server (then
 *                                `perf record -g -p <its pid>` names the JavaScript frames)
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";

const ROOT = path.resolve(import.meta.dirname, "..");
const PROMPT_NAME = "support-bench";
const SERVED_PATH = `/api/v1/prompts/${PROMPT_NAME}?label=production`;
/** Per-key limits given to the server: far above anything one machine can send. */
const LIFTED_LIMIT = "1000000";
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

// ------------------------------------------------------------------ child processes

interface BareSpec {
  body: string; // base64
  headers: Record<string, string>;
}

/** `--bare`: a node:http server answering every request with the API's bytes and headers. */
async function serveBare(): Promise<void> {
  const spec = await new Promise<BareSpec>((resolve) => process.once("message", (m) => resolve(m as BareSpec)));
  const body = Buffer.from(spec.body, "base64");
  const server = http.createServer((_req, res) => {
    res.writeHead(200, spec.headers);
    res.end(body);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  process.send?.((server.address() as AddressInfo).port);
  process.on("message", (m) => {
    if (m === "stop") server.close(() => process.exit(0));
  });
  process.on("disconnect", () => process.exit(0));
}

/** `--db`: a throwaway embedded PGlite for machines without PostgreSQL (own process: its queries stay off the load generator's loop). */
async function serveEmbeddedDb(): Promise<void> {
  const { startEmbeddedDatabase } = await import("@/lib/db/embedded");
  const dataDir = mkdtempSync(path.join(tmpdir(), "promptdeck-bench-"));
  const db = await startEmbeddedDatabase({ dataDir, handleSignals: false });
  const stop = () =>
    void db
      .stop()
      .then(() => rmSync(dataDir, { recursive: true, force: true }))
      .finally(() => process.exit(0));
  process.send?.(db.url);
  process.on("message", (m) => m === "stop" && stop());
  process.on("disconnect", stop);
}

function forkSelf(mode: string): ChildProcess {
  return fork(import.meta.filename, [mode], { execArgv: process.execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
}

function firstMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    child.once("message", (m) => resolve(m as T));
    child.once("exit", (code) => reject(new Error(`${what} exited with ${code}`)));
  });
}

// ------------------------------------------------------------------ database and seed

async function database(): Promise<{ url: string; stop: () => void; description: string }> {
  const given = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
  if (given) {
    const { assertLocalDatabaseUrl } = await import("@/lib/db/local-url");
    assertLocalDatabaseUrl(given, process.env.BENCH_DATABASE_URL ? "BENCH_DATABASE_URL" : "DATABASE_URL");
    return { url: given, stop: () => {}, description: "PostgreSQL" };
  }
  const child = forkSelf("--db");
  const url = await firstMessage<string>(child, "the embedded database");
  return { url, stop: () => child.send("stop"), description: "embedded PGlite" };
}

/** A project with the prompt (label production) and 201 read keys: [0] for the one-key runs, [1..200] for the many-keys runs. */
async function seed(url: string, keyCount: number): Promise<string[]> {
  const { applyMigrations } = await import("@/lib/db/migrate");
  const { createPrismaClient, registerDb } = await import("@/lib/db/client");
  const { generateApiKey } = await import("@/lib/auth/api-keys");
  const { createPrompt, publishDraft, moveLabel } = await import("@/lib/prompts/mutations");
  await applyMigrations(url);
  const db = createPrismaClient(url, 2);
  registerDb(db);
  try {
    const suffix = `${Date.now().toString(36)}-${process.pid}`;
    const user = await db.user.create({ data: { email: `bench-${suffix}@example.test` } });
    const project = await db.project.create({ data: { slug: `bench-${suffix}`, name: "Serving bench" } });
    const actor = { kind: "user" as const, userId: user.id, projectId: project.id, role: "ADMIN" as const };
    const instructions = Array.from(
      { length: 12 },
      (_, i) => `Rule ${i + 1}: answer the customer's question precisely, cite the policy section, and never invent order details.`,
    ).join("\n");
    const prompt = await createPrompt(actor, {
      name: PROMPT_NAME,
      content: {
        system: [{ type: "text", role: "instructions", text: `You are a support assistant.\n${instructions}` }],
        messages: [{ role: "user", content: [{ type: "text", text: "{{question}}" }] }],
        variables: { question: { type: "string", required: true, description: "The customer's message" } },
        modelConfig: { model: "claude-sonnet-5-5", max_tokens: 1024 },
        outputSchema: { format: "text" },
        policy: {},
      },
    });
    const version = await publishDraft(actor, { promptId: prompt.id, changelog: "bench" });
    await moveLabel(actor, { promptId: prompt.id, label: "production", versionId: version.id });
    const keys = Array.from({ length: keyCount }, () => generateApiKey());
    await db.apiKey.createMany({
      data: keys.map((k, i) => ({ projectId: project.id, name: `bench ${i}`, prefix: k.prefix, hash: k.hash, scopes: ["prompts:read"] })),
    });
    return keys.map((k) => k.key);
  } finally {
    await db.$disconnect();
  }
}

// ------------------------------------------------------------------ the real server

interface RunningServer {
  base: string;
  pid: number | undefined;
  mode: string;
  /** SIGTERM, then resolves when the process has exited (its CPU profile written). */
  stop: () => Promise<void>;
}

async function startServer(databaseUrl: string, options: { apiOnly: boolean; cpuProfDir?: string }): Promise<RunningServer> {
  const { ANTHROPIC_API_KEY: _key, ANTHROPIC_BASE_URL: _base, ...inherited } = process.env;
  const nodeArgs = [
    "--import",
    "tsx",
    ...(options.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}`] : []),
    // e.g. --perf-basic-prof, to read the server with `perf record -g -p <pid>`
    ...(process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean),
  ];
  const child = spawn(process.execPath, [...nodeArgs, "server.ts", ...(options.apiOnly ? ["--api-only"] : [])], {
    cwd: ROOT,
    env: {
      ...inherited,
      NODE_ENV: "production",
      PORT: process.env.BENCH_PORT ?? "0",
      PROMPTDECK_HOST: "127.0.0.1",
      DATABASE_URL: databaseUrl,
      AUTH_SECRET: process.env.AUTH_SECRET ?? "bench-only-secret-0123456789abcdef",
      NEXT_TELEMETRY_DISABLED: "1",
      CHECKPOINT_DISABLE: "1",
      PROMPTDECK_RATE_LIMIT_PER_SECOND: LIFTED_LIMIT,
      PROMPTDECK_RATE_LIMIT_BURST: LIFTED_LIMIT,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const tail: string[] = [];
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > 30) tail.shift();
  };
  createInterface({ input: child.stderr! }).on("line", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const base = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      keep(line);
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m?.[1]) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`server.ts exited with ${code} before listening:\n${tail.join("\n")}`)));
  });
  return {
    base,
    pid: child.pid,
    mode: options.apiOnly
      ? "server.ts --api-only (no Next)"
      : "server.ts, production (the front answers the API, Next in its web process behind the front's proxy; cpu = the front's)",
    stop: async () => {
      child.kill("SIGTERM");
      const code = await exited;
      if (code !== 0) console.error(`server.ts exited with ${code}:\n${tail.join("\n")}`);
    },
  };
}

// ------------------------------------------------------------------ load

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
  requests?: { headers: Record<string, string> }[];
}) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  bad: number;
  /** CPU time (user + system, all threads) the server process spent per answered request, in µs; NaN where /proc is missing. */
  cpuUs: number;
}

/** user + system CPU of a process so far, in µs (Linux /proc; NaN elsewhere). */
function processCpuUs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of stat (11 and 12 after the command name), in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1e6;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = 100;

/** One closed-loop run; with several keys each connection cycles through them (requests pre-built, same for both servers). */
async function load(url: string, pid: number | undefined, connections: number, seconds: number, keys: string[]): Promise<Measured> {
  const requests = keys.map((key) => ({ headers: { authorization: `Bearer ${key}` } }));
  const cpu0 = processCpuUs(pid);
  const r = await autocannon({ url, connections, duration: seconds, ...(requests.length === 1 ? { headers: requests[0]!.headers } : { requests }) });
  const cpuUs = (processCpuUs(pid) - cpu0) / Math.max(1, r.requests.total);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, bad: r.non2xx + r.errors + r.timeouts, cpuUs };
}

/** One request per key, 20 at a time: every key's first sight (lookup, lease) is behind us before the measurements. */
async function primeKeys(url: string, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 20) {
    await Promise.all(
      keys.slice(i, i + 20).map(async (key) => {
        const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`priming a key: the server answered ${res.status}`);
      }),
    );
  }
}

const COLUMNS = [
  "keys",
  "conns",
  "round",
  "bare req/s",
  "server req/s",
  "ratio",
  "bare p50/p99 ms",
  "server p50/p99 ms",
  "bare cpu µs/req",
  "server cpu µs/req",
  "non-2xx bare/server",
];

/** One line of the table: medians when several measurements are given. */
function row(keys: number, connections: number, label: string, bare: Measured[], server: Measured[], ratios: number[]): (string | number)[] {
  const m = (xs: Measured[], f: (x: Measured) => number) => median(xs.map(f));
  const bad = (xs: Measured[]) => xs.reduce((n, x) => n + x.bad, 0);
  return [
    keys,
    connections,
    label,
    Math.round(m(bare, (x) => x.rps)),
    Math.round(m(server, (x) => x.rps)),
    median(ratios).toFixed(2),
    `${m(bare, (x) => x.p50)}/${m(bare, (x) => x.p99)}`,
    `${m(server, (x) => x.p50)}/${m(server, (x) => x.p99)}`,
    m(bare, (x) => x.cpuUs).toFixed(1),
    m(server, (x) => x.cpuUs).toFixed(1),
    `${bad(bare)}/${bad(server)}`,
  ];
}

interface Scenario {
  keys: number;
  connections: number;
  bare: Measured[];
  server: Measured[];
  /** `server.ts --api-only` in the same rounds (with --with-api-only). */
  apiOnly: Measured[];
}

// ------------------------------------------------------------------ CPU profile summary

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Self and inclusive CPU time per function of a .cpuprofile (recursion counted once per sample). */
function summariseProfile(file: string, top = 30): string {
  const profile = JSON.parse(readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode) => {
    const { functionName, url, lineNumber } = n.callFrame;
    const where = url ? `${url.replace(`file://${ROOT}/`, "").replace(/^.*node_modules\//, "~/")}:${lineNumber + 1}` : "";
    return `${functionName || "(anonymous)"} ${where}`.trim();
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    all += dt;
    if (node.callFrame.functionName === "(idle)") idle += dt;
    self.set(label(node), (self.get(label(node)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (!n) break;
      const l = label(n);
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + dt);
    }
  });
  const busy = all - idle;
  const pct = (v: number) => `${((100 * v) / busy).toFixed(1).padStart(5)}%`;
  const rows = (m: Map<string, number>) =>
    [...m]
      .filter(([l]) => !l.startsWith("(idle)") && !l.startsWith("(root)"))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([l, v]) => `  ${pct(v)}  ${l}`)
      .join("\n");
  return `busy ${(busy / 1e6).toFixed(1)} s of ${(all / 1e6).toFixed(1)} s sampled (percentages of busy time)\nself time:\n${rows(self)}\ninclusive time:\n${rows(total)}`;
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const argValue = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const connectionList = (process.env.BENCH_CONNECTIONS ?? "10,100").split(",").map(Number);
  const keyCounts = (process.env.BENCH_KEYS ?? "1,200").split(",").map(Number);
  const hasBuild = existsSync(path.join(ROOT, ".next", "BUILD_ID"));
  const apiOnly = args.includes("--api-only") || !hasBuild;
  const cpuProfDir = argValue("--cpu-prof");
  if (cpuProfDir) {
    mkdirSync(cpuProfDir, { recursive: true });
    for (const f of readdirSync(cpuProfDir)) if (f.endsWith(".cpuprofile")) rmSync(path.join(cpuProfDir, f));
  }

  const db = await database();
  const cleanup: (() => Promise<void> | void)[] = [db.stop];
  try {
    const keys = await seed(db.url, 1 + Math.max(...keyCounts.filter((k) => k > 1), 0));
    const server = await startServer(db.url, { apiOnly, cpuProfDir: cpuProfDir ? path.resolve(cpuProfDir) : undefined });
    cleanup.unshift(server.stop);
    const serverUrl = `${server.base.replace("localhost", "127.0.0.1")}${SERVED_PATH}`;
    const second = !apiOnly && args.includes("--with-api-only") ? await startServer(db.url, { apiOnly: true }) : undefined;
    if (second) cleanup.unshift(second.stop);
    const secondUrl = second && `${second.base.replace("localhost", "127.0.0.1")}${SERVED_PATH}`;

    // The exact bytes and headers the server sends, for the bare server.
    const sample = await fetch(serverUrl, { headers: { Authorization: `Bearer ${keys[0]}` } });
    const body = Buffer.from(await sample.arrayBuffer());
    if (sample.status !== 200) throw new Error(`the server answered ${sample.status}: ${body.toString()}`);
    const headers: Record<string, string> = {};
    sample.headers.forEach((value, name) => {
      if (!["date", "connection", "keep-alive", "transfer-encoding"].includes(name)) headers[name] = value;
    });
    const bareChild = forkSelf("--bare");
    cleanup.unshift(() => void bareChild.send("stop"));
    bareChild.send({ body: body.toString("base64"), headers } satisfies BareSpec);
    const barePort = await firstMessage<number>(bareChild, "the bare server");
    const bareUrl = `http://127.0.0.1:${barePort}${SERVED_PATH}`;

    // As in production, the process has served a dashboard page before the API traffic (Next
    // sets up its request context, e.g. AsyncLocalStorage, on the first one).
    if (!apiOnly) {
      const page = await fetch(`${server.base.replace("localhost", "127.0.0.1")}/signin`, { redirect: "manual" });
      await page.arrayBuffer();
      if (page.status >= 500) throw new Error(`the server answered ${page.status} for /signin`);
    }

    console.log(
      `GET ${SERVED_PATH} (${body.length} bytes of JSON), ${server.mode}, database ${db.description}; bare node:http answering the same bytes and headers`,
    );
    if (second) console.log(`rounds marked "api": ${second.mode}, measured in the same rounds against the same bare figures`);
    console.log(`${seconds} s per measurement, ${rounds} rounds, node ${process.version}, load average ${loadavg()[0]?.toFixed(1)}`);
    console.log("cpu = CPU time of the server process per request (user + system, all threads); it moves less than req/s when other work shares the machine");
    const table = (cells: (string | number)[]) => cells.map((c, i) => String(c).padStart(COLUMNS[i]!.length)).join(" | ");
    console.log(COLUMNS.join(" | "));

    const scenarios: Scenario[] = [];
    for (const keyCount of keyCounts) {
      const used = keyCount === 1 ? keys.slice(0, 1) : keys.slice(1, 1 + keyCount);
      for (const connections of connectionList) {
        const s: Scenario = { keys: keyCount, connections, bare: [], server: [], apiOnly: [] };
        // Warm-up: the server's key cache and rate-limit lease for every key (each key's first
        // request waits for its lookup and lease; under closed-loop load the connections walk the
        // keys in step, so a timed warm-up alone can end before the last key was seen on a busy
        // machine), then connections and JIT.
        await primeKeys(serverUrl, used);
        await load(bareUrl, bareChild.pid, connections, 1, used);
        await load(serverUrl, server.pid, connections, 2, used);
        if (second && secondUrl) {
          await primeKeys(secondUrl, used);
          await load(secondUrl, second.pid, connections, 2, used);
        }
        const targets = { bare: { url: bareUrl, pid: bareChild.pid }, server: { url: serverUrl, pid: server.pid }, api: { url: secondUrl, pid: second?.pid } };
        const kinds = second ? (["bare", "server", "api"] as const) : (["bare", "server"] as const);
        for (let round = 0; round < rounds; round++) {
          // Each round starts with another of them (the machine's load drifts).
          const order = kinds.map((_, i) => kinds[(i + round) % kinds.length]!);
          const got: Partial<Record<"bare" | "server" | "api", Measured>> = {};
          for (const which of order) got[which] = await load(targets[which].url!, targets[which].pid, connections, seconds, used);
          const bare = got.bare!;
          const srv = got.server!;
          s.bare.push(bare);
          s.server.push(srv);
          console.log(table(row(keyCount, connections, `${round + 1}`, [bare], [srv], [srv.rps / bare.rps])));
          if (got.api) {
            s.apiOnly.push(got.api);
            console.log(table(row(keyCount, connections, `${round + 1} api`, [bare], [got.api], [got.api.rps / bare.rps])));
          }
        }
        scenarios.push(s);
      }
    }

    console.log("\nmedians over the rounds (ratio = median of the per-round ratios; non-2xx summed)");
    console.log(COLUMNS.join(" | "));
    const verdicts: string[] = [];
    for (const s of scenarios) {
      const ratios = s.server.map((m, i) => m.rps / s.bare[i]!.rps);
      console.log(table(row(s.keys, s.connections, "median", s.bare, s.server, ratios)));
      if (s.apiOnly.length > 0)
        console.log(
          table(
            row(
              s.keys,
              s.connections,
              "med api",
              s.bare,
              s.apiOnly,
              s.apiOnly.map((m, i) => m.rps / s.bare[i]!.rps),
            ),
          ),
        );
      if (s.connections === 100) {
        const ratio = median(ratios);
        const bareP99 = median(s.bare.map((m) => m.p99));
        const serverP99 = median(s.server.map((m) => m.p99));
        const bad = s.server.reduce((n, m) => n + m.bad, 0);
        const ok = ratio >= 0.75 && serverP99 <= 2 * Math.max(bareP99, 1) && bad === 0;
        verdicts.push(
          `${s.keys} key(s), 100 connections: ${ok ? "met" : "NOT met"} (ratio ${ratio.toFixed(2)}, p99 ${serverP99} ms vs bare ${bareP99} ms, ${bad} non-2xx/errors)`,
        );
      }
    }
    if (verdicts.length > 0) {
      console.log(`\ntarget at 100 connections: >= 0.75x bare req/s, p99 <= 2x bare p99 (at least 1 ms), no non-2xx:\n  ${verdicts.join("\n  ")}`);
    }
  } finally {
    for (const step of cleanup) await step();
  }
  if (cpuProfDir) {
    const profiles = readdirSync(cpuProfDir).filter((f) => f.endsWith(".cpuprofile"));
    for (const f of profiles) console.log(`\nCPU profile of the server: ${path.join(cpuProfDir, f)}\n${summariseProfile(path.join(cpuProfDir, f))}`);
    if (profiles.length === 0) console.log(`\nno CPU profile was written to ${cpuProfDir}`);
  }
}

if (process.argv.includes("--bare")) await serveBare();
else if (process.argv.includes("--db")) await serveEmbeddedDb();
else await main();
