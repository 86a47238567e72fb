/**
 * GET /api/v1/prompts/{name} throughput and latency through the lean API handler (key auth, rate
 * limit, in-process cache, ETag) versus a bare node:http server returning the same bytes, at 1,
 * 10 and 100 connections (autocannon). Target: >= half the bare throughput and p99 < 5 ms at 100.
 *
 * The servers run in a child process (own event loop), autocannon in this one. Database:
 * DATABASE_URL when set, else a throwaway embedded PGlite.
 *
 * Run: npx tsx bench/serving.ts            (BENCH_SECONDS=5 per run by default)
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";

interface Endpoints {
  apiUrl: string;
  bareUrl: string;
  key: string;
  bytes: number;
}

// ------------------------------------------------------------------ child: the servers
async function serve(): Promise<void> {
  const { startEmbeddedDatabase } = await import("@/lib/db/embedded");
  const { applyMigrations } = await import("@/lib/db/migrate");
  let stopDb = async () => {};
  if (!process.env.DATABASE_URL) {
    const dataDir = mkdtempSync(path.join(tmpdir(), "promptdeck-bench-"));
    const db = await startEmbeddedDatabase({ dataDir, handleSignals: false });
    process.env.DATABASE_URL = db.url;
    process.env.DATABASE_POOL_MAX = "4";
    stopDb = async () => {
      await db.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
  await applyMigrations(process.env.DATABASE_URL ?? "");
  const { getDb } = await import("@/lib/db/client");
  const { generateApiKey } = await import("@/lib/auth/api-keys");
  const { createPrompt, publishDraft, moveLabel } = await import("@/lib/prompts/mutations");
  const { ApiV1Handler } = await import("@/lib/http/api-v1");

  const db = getDb();
  const suffix = Date.now().toString(36);
  const user = await db.user.create({ data: { email: `bench-${suffix}@example.test` } });
  const project = await db.project.create({ data: { slug: `bench-${suffix}`, name: "Bench" } });
  const actor = { kind: "user" as const, userId: user.id, projectId: project.id, role: "ADMIN" as const };
  const generated = generateApiKey();
  await db.apiKey.create({ data: { projectId: project.id, name: "bench", prefix: generated.prefix, hash: generated.hash, scopes: ["prompts:read"] } });
  const instructions = Array.from(
    { length: 12 },
    (_, i) => `Rule ${i + 1}: answer the customer's question precisely, cite the policy section, and never invent order details.`,
  ).join("\n");
  const prompt = await createPrompt(actor, {
    name: "support-bench",
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

  const handler = new ApiV1Handler({ rateLimit: { perSecond: 1e9, burst: 1e9 } });
  await handler.start();
  const api = http.createServer((req, res) => {
    void handler.handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  api.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
  const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/api/v1/prompts/support-bench`;

  // The exact bytes and headers the API sends, for the bare server.
  const sample = await fetch(apiUrl, { headers: { Authorization: `Bearer ${generated.key}` } });
  if (sample.status !== 200) throw new Error(`API answered ${sample.status}: ${await sample.text()}`);
  const body = Buffer.from(await sample.arrayBuffer());
  const etag = sample.headers.get("etag") ?? "";
  const bare = http.createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Content-Length": body.length, ETag: etag });
    res.end(body);
  });
  bare.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;

  const endpoints: Endpoints = { apiUrl, bareUrl, key: generated.key, bytes: body.length };
  process.send?.(endpoints);
  process.on("message", (message) => {
    if (message !== "stop") return;
    api.close();
    bare.close();
    void handler
      .stop()
      .then(() => db.$disconnect())
      .then(stopDb)
      .finally(() => process.exit(0));
  });
}

// ------------------------------------------------------------------ parent: the load
interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
  pipelining?: number;
  /** Open loop: requests per second over all connections (instead of as fast as answered). */
  overallRate?: number;
}) => Promise<AutocannonResult>;

async function main(): Promise<void> {
  const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const child: ChildProcess = fork(import.meta.filename, ["--serve"], {
    execArgv: process.execArgv,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", CHECKPOINT_DISABLE: "1", LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const endpoints = await new Promise<Endpoints>((resolve, reject) => {
    child.once("message", (m) => resolve(m as Endpoints));
    child.once("exit", (code) => reject(new Error(`server process exited with ${code}`)));
  });
  console.log(`GET one prompt (${endpoints.bytes} bytes of JSON), ${seconds} s per run, node ${process.version}, load average ${loadavg()[0]?.toFixed(1)}`);
  console.log("conns | server | req/s    | p50 ms | p99 ms | errors/non-2xx");
  const rows: { connections: number; api: AutocannonResult; bare: AutocannonResult }[] = [];
  let openLoop: { rate: number; results: { name: string; r: AutocannonResult }[] } | undefined;
  try {
    for (const connections of [1, 10, 100]) {
      // Short warm-up for both, then the measured runs.
      await autocannon({ url: endpoints.bareUrl, connections, duration: 1 });
      await autocannon({ url: endpoints.apiUrl, connections, duration: 1, headers: { Authorization: `Bearer ${endpoints.key}` } });
      const bare = await autocannon({ url: endpoints.bareUrl, connections, duration: seconds });
      const api = await autocannon({ url: endpoints.apiUrl, connections, duration: seconds, headers: { Authorization: `Bearer ${endpoints.key}` } });
      rows.push({ connections, api, bare });
      for (const [name, r] of [
        ["bare", bare],
        ["api", api],
      ] as const) {
        console.log(
          `${String(connections).padStart(5)} | ${name.padEnd(6)} | ${Math.round(r.requests.average).toString().padStart(8)} | ${r.latency.p50.toFixed(1).padStart(6)} | ${r.latency.p99.toFixed(1).padStart(6)} | ${r.errors + r.timeouts}/${r.non2xx}`,
        );
      }
    }
    // Closed loop, 100 connections each waiting for its answer: mean latency = 100 / throughput
    // (Little's law), so p99 < 5 ms would need > 20,000 req/s from the machine. The latency a
    // client sees at a given traffic comes from an open loop: 100 connections sharing a fixed
    // request rate (half of what the bare server sustained above), for both servers.
    const bare100 = rows.find((r) => r.connections === 100)?.bare.requests.average ?? 10_000;
    const rate = Number(process.env.BENCH_RATE ?? Math.round(bare100 / 2 / 100) * 100);
    openLoop = { rate, results: [] };
    for (const [name, url, headers] of [
      ["bare", endpoints.bareUrl, undefined],
      ["api", endpoints.apiUrl, { Authorization: `Bearer ${endpoints.key}` }],
    ] as const) {
      const r = await autocannon({ url, connections: 100, duration: seconds, overallRate: rate, headers });
      openLoop.results.push({ name, r });
    }
  } finally {
    child.send("stop");
  }
  if (openLoop) {
    console.log(`\n100 connections, open loop at ${openLoop.rate} req/s in all:`);
    console.log("server | req/s    | p50 ms | p99 ms | errors/non-2xx");
    for (const { name, r } of openLoop.results) {
      console.log(
        `${name.padEnd(6)} | ${Math.round(r.requests.average).toString().padStart(8)} | ${r.latency.p50.toFixed(1).padStart(6)} | ${r.latency.p99.toFixed(1).padStart(6)} | ${r.errors + r.timeouts}/${r.non2xx}`,
      );
    }
  }
  console.log("\nratio api/bare throughput; p99 at 100 connections (target: ratio >= 0.5, p99 < 5 ms)");
  for (const { connections, api, bare } of rows) {
    console.log(
      `  ${String(connections).padStart(3)} conns: ${(api.requests.average / bare.requests.average).toFixed(2)}  (api p99 ${api.latency.p99} ms, bare p99 ${bare.latency.p99} ms)`,
    );
  }
  const at100 = rows.find((r) => r.connections === 100);
  const apiOpen = openLoop?.results.find((x) => x.name === "api")?.r;
  if (openLoop && apiOpen) {
    console.log(
      `p99 target at 100 connections, open loop at ${openLoop.rate} req/s: api p99 ${apiOpen.latency.p99} ms: ${apiOpen.latency.p99 < 5 && apiOpen.non2xx === 0 ? "met" : "NOT met"}`,
    );
  }
  if (at100) {
    const ratioOk = at100.api.requests.average / at100.bare.requests.average >= 0.5 && at100.api.non2xx === 0;
    const p99Ok = at100.api.latency.p99 < 5;
    console.log(`throughput target (>= 0.5 of bare): ${ratioOk ? "met" : "NOT met"}`);
    if (p99Ok) console.log("p99 target (< 5 ms at 100 connections, closed loop): met");
    else if (at100.bare.latency.p99 >= 5) {
      console.log(
        `p99 target (< 5 ms at 100 connections, closed loop): not judgeable here: the bare server's own p99 is ${at100.bare.latency.p99} ms (load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(" ")} on this machine)`,
      );
    } else console.log("p99 target (< 5 ms at 100 connections, closed loop): NOT met");
  }
}

if (process.argv.includes("--serve")) await serve();
else await main();
