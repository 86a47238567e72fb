/**
 * A 100,000-item batch job for apps, end to end through the public API and the simulator's Message
 * Batches API: POST /api/v1/prompts/{name}/batches (every item validated, the job and its items
 * stored in one transaction), the worker's steps (the items rendered and submitted, polled, the
 * results streamed and matched by custom_id, every call logged at the batch price), then
 * GET .../results read as JSON lines and matched to the caller's ids. Reports seconds per phase,
 * calls logged, the job's cost, and the process's peak RSS (sampled every 20 ms, and the kernel's
 * high-water mark). The simulator runs in a child process by default (`--sim inprocess` keeps it in
 * this one): its store of every submitted request is the simulator's memory, not the app's, and
 * would hide what the worker holds.
 *
 * Baseline: `--chunk 100000` submits the job as one Message Batch built whole in memory (what the
 * worker did before it submitted in batches of DEFAULT_REQUESTS_PER_BATCH = 10,000).
 *
 * Run:  createdb -h 127.0.0.1 -U postgres promptdeck_batch_bench
 *       npx tsx bench/batch-jobs.ts [--items 100000] [--batch-ms 2000] [--chunk 10000] [--sim child|inprocess] [--post-only yes]
 * BENCH_DATABASE_URL overrides postgresql://postgres@127.0.0.1:5432/promptdeck_batch_bench
 * (local hosts only: the schema is wiped).
 */
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { cpus, loadavg } from "node:os";
import pg from "pg";
import { applyMigrations } from "@/lib/db/migrate";
import { assertLocalDatabaseUrl } from "@/lib/db/local-url";
import { arg, kernelPeakRssMb, mb } from "./support";

const ITEMS = Number(arg("items", "100000"));
const BATCH_MS = Number(arg("batch-ms", "2000"));
const CHUNK = arg("chunk", "");
const SIM = arg("sim", "child");
/** `--post-only yes`: stop after the 202 (compare ways of storing the items without running the job). */
const POST_ONLY = arg("post-only", "") !== "";
const URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/promptdeck_batch_bench";

const secs = (from: number, to = performance.now()) => ((to - from) / 1000).toFixed(2);

/** The standalone simulator (scripts/simulator.ts) in a child process; resolves with its URL. */
function spawnSimulator(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/simulator.ts", "--port", "0", "--speed", "instant", "--batch-ms", String(BATCH_MS)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolve({ url: match[1], child });
    });
    child.once("exit", (code) => reject(new Error(`the simulator exited (${code}) before listening: ${out}`)));
  });
}

async function main() {
  assertLocalDatabaseUrl(URL);
  const admin = new pg.Client({ connectionString: URL });
  await admin.connect();
  await admin.query("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public; DROP SCHEMA IF EXISTS pgboss CASCADE");
  await admin.end();
  await applyMigrations(URL);
  process.env.DATABASE_URL = URL;
  process.env.LOG_LEVEL ??= "warn";

  const { getDb } = await import("@/lib/db/client");
  const { createPrompt, publishDraft, moveLabel } = await import("@/lib/prompts/mutations");
  const { generateApiKey } = await import("@/lib/auth/api-keys");
  const { ApiV1Handler } = await import("@/lib/http/api-v1");
  const { advanceBatchJob, DEFAULT_REQUESTS_PER_BATCH } = await import("@/lib/batch-jobs/worker");
  const { startSimulator } = await import("@/lib/claude-simulator");
  const { createClaudeTransport } = await import("@/lib/claude/client");
  const { closeCallLogWriter, getCallLogWriter } = await import("@/lib/metrics/call-log-writer");

  const db = getDb();
  const suffix = randomUUID().slice(0, 8);
  const user = await db.user.create({ data: { email: `bench-${suffix}@example.test`, name: "Bench" } });
  const project = await db.project.create({ data: { slug: `bench-${suffix}`, name: "Bench" } });
  await db.membership.create({ data: { userId: user.id, projectId: project.id, role: "ADMIN" } });
  const actor = { kind: "user" as const, userId: user.id, projectId: project.id, role: "ADMIN" as const };
  const prompt = await createPrompt(actor, {
    name: "ticket-summary",
    content: {
      system: [{ type: "text", role: "instructions", text: "Summarise the support ticket in one sentence." }],
      messages: [{ role: "user", content: [{ type: "text", text: "Ticket: {{ticket}}" }] }],
      variables: { ticket: { type: "string", required: true } },
      modelConfig: { model: "claude-haiku-4-5", max_tokens: 128 },
      outputSchema: { format: "text" },
      policy: {},
    },
  });
  const v1 = await publishDraft(actor, { promptId: prompt.id, changelog: "bench" });
  await moveLabel(actor, { promptId: prompt.id, label: "production", versionId: v1.id });
  const key = generateApiKey();
  await db.apiKey.create({ data: { projectId: project.id, name: "bench", prefix: key.prefix, hash: key.hash, scopes: ["prompts:run"] } });

  const handler = new ApiV1Handler({ changeFeed: false, rateLimit: { perSecond: 1e6, burst: 1e6, shared: false } });
  await handler.start();
  const server = http.createServer((req, res) => {
    void Promise.resolve(handler.handle(req, res)).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sim = SIM === "inprocess" ? await startSimulator({ port: 0, speed: Infinity, batchProcessingMs: BATCH_MS }) : null;
  const child = sim ? null : await spawnSimulator();
  const transport = createClaudeTransport({ baseURL: sim?.url ?? child!.url });
  const chunking = CHUNK ? { maxRequestsPerBatch: Number(CHUNK) } : {};

  const items = Array.from({ length: ITEMS }, (_, i) => ({
    id: `ticket-${i}`,
    variables: { ticket: `Order #${100000 + i} arrived late and the box was damaged. ${"More detail. ".repeat(i % 4)}` },
  }));
  const body = JSON.stringify({ items });

  global.gc?.();
  const baseRss = process.memoryUsage().rss;
  let peakRss = baseRss;
  // The peak of each phase too (POST, worker, results): where the memory goes.
  let phasePeak = baseRss;
  const phasePeaks: number[] = [];
  const endPhase = () => {
    phasePeak = Math.max(phasePeak, process.memoryUsage().rss);
    phasePeaks.push(phasePeak);
    phasePeak = 0;
  };
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    peakRss = Math.max(peakRss, rss);
    phasePeak = Math.max(phasePeak, rss);
  }, 20);
  const started = performance.now();
  const response = await fetch(`${base}/api/v1/prompts/ticket-summary/batches`, {
    method: "POST",
    headers: { Authorization: `Bearer ${key.key}`, "Content-Type": "application/json" },
    body,
  });
  const job = (await response.json()) as { id: string; status: string; itemCount: number };
  if (response.status !== 202) throw new Error(`create answered ${response.status}: ${JSON.stringify(job)}`);
  const created = performance.now();
  endPhase();
  if (POST_ONLY) {
    const stored = await db.batchJobItem.count({ where: { jobId: job.id } });
    console.log(
      `batch job POST: ${ITEMS.toLocaleString("en-US")} items (${mb(Buffer.byteLength(body))} MB of JSON) -> ${response.status} in ${secs(started, created)} s, ${stored.toLocaleString("en-US")} items stored; RSS before ${mb(baseRss)} MB, peak ${mb(peakRss)} MB; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    clearInterval(sampler);
    server.close();
    await handler.stop();
    await closeCallLogWriter();
    await sim?.close();
    child?.child.kill("SIGTERM");
    await db.$disconnect();
    return;
  }

  let steps = 0;
  for (;;) {
    const next = await advanceBatchJob(job.id, { pollSeconds: 0.25, ...chunking, deps: { batch: { transport } } });
    steps++;
    if (next === null) break;
    if (next > 0) await new Promise((resolve) => setTimeout(resolve, next * 1000));
  }
  await getCallLogWriter().flush();
  const worked = performance.now();
  endPhase();

  const results = await fetch(`${base}/api/v1/batches/${job.id}/results`, { headers: { Authorization: `Bearer ${key.key}` } });
  let lines = 0;
  let matched = 0;
  let buffered = "";
  const decoder = new TextDecoder();
  for await (const chunk of results.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = JSON.parse(buffered.slice(0, newline)) as { id: string; status: string };
      if (line.id === `ticket-${lines}` && line.status === "succeeded") matched++;
      lines++;
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf("\n");
    }
  }
  const read = performance.now();
  endPhase();
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);

  const done = await db.batchJob.findUniqueOrThrow({ where: { id: job.id } });
  const calls = await db.callLog.count({ where: { projectId: project.id, batch: true } });
  const batches = await db.batchJobBatch.count({ where: { jobId: job.id } });
  console.log(
    `batch job: ${ITEMS.toLocaleString("en-US")} items (${mb(Buffer.byteLength(body))} MB of JSON), status ${done.status}, ${batches} message batch(es) of at most ${(CHUNK ? Number(CHUNK) : DEFAULT_REQUESTS_PER_BATCH).toLocaleString("en-US")}, simulator ${sim ? "in this process" : "in a child process"}`,
  );
  console.log(
    `  end to end ${secs(started, read)} s: POST -> 202 ${secs(started, created)} s (validate + store), worker ${secs(created, worked)} s in ${steps} steps ` +
      `(simulator batch processing ${BATCH_MS} ms), results as JSON lines ${secs(worked, read)} s`,
  );
  console.log(`  results: ${lines.toLocaleString("en-US")} lines, ${matched.toLocaleString("en-US")} succeeded and matched to their ids in order`);
  console.log(`  calls logged: ${calls.toLocaleString("en-US")} (batch price); job cost $${(Number(done.costMicros) / 1e6).toFixed(4)}`);
  console.log(
    `  RSS before ${mb(baseRss)} MB, peak ${mb(peakRss)} MB (+${mb(peakRss - baseRss)} MB; POST ${mb(phasePeaks[0]!)}, worker ${mb(phasePeaks[1]!)}, results ${mb(phasePeaks[2]!)} MB); kernel high-water mark ${kernelPeakRssMb()?.toFixed(0) ?? "n/a"} MB`,
  );
  console.log(
    `  load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} (${cpus().length} cores)`,
  );
  server.close();
  await handler.stop();
  await closeCallLogWriter();
  await sim?.close();
  child?.child.kill("SIGTERM");
  await db.$disconnect();
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
