// bench/runner-overhead.ts: (1) the runner's added latency over a bare SDK call to the same
// simulator (instant responses, so only client-side work is measured), p50/p99; (2) the call-log
// writer's sustained inserts/s against PostgreSQL.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/promptdeck_bench npx tsx bench/runner-overhead.ts
//   (createdb -h 127.0.0.1 -U postgres promptdeck_bench; migrate with npx tsx scripts/db-migrate.ts)
// Without DATABASE_URL only part (1) runs. Targets: < 1 ms added at p50; >= 10,000 logged calls/s.
import { randomUUID } from "node:crypto";
import pino from "pino";
import { startSimulator } from "@/lib/claude-simulator";
import { callLogRowFromResult } from "@/lib/calls/record";
import { CallLogWriter, createCallLogPool, DEFAULT_CONCURRENCY, pgRawExecutor, prismaCallLogSink, sqlCallLogSink, unnestCallLogSink } from "@/lib/calls/writer";
import { createClaudeTransport, type ClaudeRequest } from "@/lib/claude/client";
import { createPriceBook } from "@/lib/models/pricing";
import { ResponseCache } from "@/lib/claude/response-cache";
import { runPrompt, type RunResult, type RunnableVersion } from "@/lib/claude/runner";
import { rollupCallLogSink } from "@/lib/metrics/rollup-sql";
import { renderVersion } from "@/lib/prompts/render";

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 2000);
const WRITER_ROWS = Number(process.env.BENCH_ROWS ?? 100_000);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

const version: RunnableVersion = {
  system: [{ type: "text", text: "You are a concise support assistant for Acme.", role: "instructions" }],
  messages: [{ role: "user", content: [{ type: "text", text: "{{question}}" }] }],
  variables: { question: { type: "string", required: true } },
  modelConfig: { model: "claude-haiku-5-5", max_tokens: 64 },
  outputSchema: { format: "text" },
  policy: { fallback_model: "claude-sonnet-5-5" },
};

async function runnerOverhead(): Promise<RunResult> {
  const sim = await startSimulator({ port: 0, speed: Infinity, requestLogSize: 10 });
  const transport = createClaudeTransport({ baseURL: sim.url });
  const prices = createPriceBook(async () => []);
  const responseCache = new ResponseCache();
  const request = renderVersion(version, { question: "How do I reset my password?" }) as ClaudeRequest;
  const bare = async () => {
    const t = performance.now();
    await transport.createMessage(request, { timeoutMs: 60_000 });
    return performance.now() - t;
  };
  let last: RunResult | undefined;
  const viaRunner = async () => {
    const t = performance.now();
    last = await runPrompt({
      version,
      variables: { question: "How do I reset my password?" },
      options: { source: "api" },
      deps: { transport, prices, responseCache },
    });
    return performance.now() - t;
  };
  for (let i = 0; i < 300; i++) {
    await bare();
    await viaRunner();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    // Interleaved so both see the same machine state.
    if (i % 2 === 0) {
      a.push(await bare());
      b.push(await viaRunner());
    } else {
      b.push(await viaRunner());
      a.push(await bare());
    }
  }
  await sim.close();
  a.sort((x, y) => x - y);
  b.sort((x, y) => x - y);
  console.log(`\nRunner overhead over a bare SDK call (simulator at instant speed, ${ITERATIONS} calls each, sequential)`);
  console.log(`  bare SDK messages.create   p50 ${fmt(percentile(a, 50))}   p99 ${fmt(percentile(a, 99))}`);
  console.log(`  runPrompt (render, policy, retry loop, timers, cost, cache)   p50 ${fmt(percentile(b, 50))}   p99 ${fmt(percentile(b, 99))}`);
  console.log(`  added: p50 ${fmt(percentile(b, 50) - percentile(a, 50))}   p99 ${fmt(percentile(b, 99) - percentile(a, 99))}   (target: < 1 ms at p50)`);
  if (!last) throw new Error("no run");
  return last;
}

async function writerThroughput(sample: RunResult): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.log("\nCall-log writer: skipped (set DATABASE_URL to a migrated local PostgreSQL database)");
    return;
  }
  const { createPrismaClient } = await import("@/lib/db/client");
  const db = createPrismaClient(url, 4);
  const suffix = randomUUID().slice(0, 8);
  const project = await db.project.create({ data: { slug: `bench-${suffix}`, name: `Bench ${suffix}` } });
  // A prompt with two versions, so every call is rolled up (the production sink's real work).
  const promptId = `bench-prompt-${suffix}`;
  await db.$executeRawUnsafe(`INSERT INTO "Prompt" ("id", "projectId", "name", "tags", "updatedAt") VALUES ($1, $2, $1, '{}', now())`, promptId, project.id);
  const versionIds = [0, 1].map((v) => `bench-version-${suffix}-${v}`);
  for (const [v, id] of versionIds.entries()) {
    await db.$executeRawUnsafe(
      `INSERT INTO "PromptVersion" ("id", "promptId", "major", "minor", "patch", "status", "system", "messages", "variables", "modelConfig", "contentHash", "publishedAt", "updatedAt")
       VALUES ($1, $2, 1, $3, 0, 'PUBLISHED', '[]', '[]', '{}', '{}', $1, now(), now())`,
      id,
      promptId,
      v,
    );
  }
  // The production writer's defaults unless BENCH_BATCH / BENCH_CONCURRENCY say otherwise.
  const batchSize = process.env.BENCH_BATCH ? Number(process.env.BENCH_BATCH) : undefined;
  const concurrency = process.env.BENCH_CONCURRENCY ? Number(process.env.BENCH_CONCURRENCY) : undefined;
  // BENCH_SINK: the default ("rollup") is the production sink as getCallLogWriter runs it
  // (CallLog insert + rollup upserts in one statement, over the writer's own pg pool);
  // "rollup-prisma" is the same statement through Prisma; plain|unnest|createMany (through
  // Prisma) compare inserts without rollups.
  const sinkName = process.env.BENCH_SINK ?? "rollup";
  const pool = createCallLogPool(url, concurrency ?? DEFAULT_CONCURRENCY);
  const sink =
    sinkName === "createMany"
      ? prismaCallLogSink(db)
      : sinkName === "unnest"
        ? unnestCallLogSink(db)
        : sinkName === "plain"
          ? sqlCallLogSink(db)
          : sinkName === "rollup-prisma"
            ? rollupCallLogSink(db)
            : rollupCallLogSink(pgRawExecutor(pool));
  const writer = new CallLogWriter({ sink, batchSize, concurrency, maxBufferedBytes: Number.MAX_SAFE_INTEGER, logger: pino({ level: "warn" }) });
  // Calls spread over the last hour (60 minute buckets), two versions, two sources.
  const startMs = Date.now() - 3_600_000;
  const rows = Array.from({ length: WRITER_ROWS }, (_, i) =>
    callLogRowFromResult(sample, {
      projectId: project.id,
      promptId,
      versionId: versionIds[i % 2] ?? null,
      source: i % 10 === 0 ? "experiment" : "api",
      metadata: { i },
      createdAt: new Date(startMs + Math.floor((i / WRITER_ROWS) * 3_600_000)),
    }),
  );
  const t0 = performance.now();
  let maxEnqueue = 0;
  for (const row of rows) {
    const t = performance.now();
    writer.enqueue(row);
    maxEnqueue = Math.max(maxEnqueue, performance.now() - t);
  }
  const enqueued = performance.now() - t0;
  await writer.flush();
  const total = performance.now() - t0;
  const stored = await db.callLog.count({ where: { projectId: project.id } });
  const rolled = await db.metricRollup.aggregate({ where: { promptId, grainMinutes: 60 }, _sum: { calls: true } });
  const rolledTotals = await db.metricRollupVersion.aggregate({ where: { promptId, grainMinutes: 1440 }, _sum: { calls: true } });
  console.log(
    `\nCall-log writer against PostgreSQL (${WRITER_ROWS} rows, ${sinkName} batches of ${writer.options.batchSize}, ${writer.options.concurrency} in flight)`,
  );
  console.log(`  enqueue: ${((enqueued / WRITER_ROWS) * 1000).toFixed(2)} µs per record (max ${fmt(maxEnqueue)})`);
  console.log(
    `  sustained: ${Math.round(WRITER_ROWS / (total / 1000)).toLocaleString("en-US")} inserts/s (${(total / 1000).toFixed(2)} s, ${stored} rows stored, ${rolled._sum.calls ?? 0} / ${rolledTotals._sum.calls ?? 0} calls in the hour / per-version day rollups)   (target: >= 10,000/s)`,
  );
  // Baseline: the same number of rows inserted by the server itself (no client, no parameters),
  // with a request body of similar size: the ceiling this database and machine allow right now.
  const b0 = performance.now();
  await db.$executeRawUnsafe(
    `INSERT INTO "CallLog" (id, "projectId", source, model, "requestedModel", status, metadata, request) SELECT 'bench-' || $1 || '-' || i, $2, 'api', 'm', 'm', 'ok', '{}', jsonb_build_object('x', repeat('y', 600)) FROM generate_series(1, $3::int) i`,
    suffix,
    project.id,
    WRITER_ROWS,
  );
  const baseline = performance.now() - b0;
  console.log(
    `  baseline (server-side INSERT ... SELECT generate_series, same row count): ${Math.round(WRITER_ROWS / (baseline / 1000)).toLocaleString("en-US")} rows/s`,
  );
  await db.project.delete({ where: { id: project.id } });
  await writer.close();
  await pool.end();
  await db.$disconnect();
}

const sample = await runnerOverhead();
await writerThroughput(sample);
