/**
 * A 10,000-item eval of two versions (production vs draft) in batch mode through the simulator's
 * Message Batches API, end to end: createEvalRun (contract check of every item x version, the
 * estimate, 20,000 pending results in one INSERT), then the worker's steps (one batch of 20,000
 * requests submitted, polled, its results streamed and matched by custom_id, each call logged at
 * the batch price, code scores), then summarizeRun. Reports seconds per phase, calls logged, the
 * run's cost against its estimate, and the process's peak RSS (sampled every 20 ms, and the
 * kernel's high-water mark).
 *
 * Run:  createdb -h 127.0.0.1 -U postgres promptdeck_evals_bench
 *       npx tsx bench/evals-batch.ts [--items 10000] [--batch-ms 2000]
 * BENCH_DATABASE_URL overrides postgresql://postgres@127.0.0.1:5432/promptdeck_evals_bench
 * (local hosts only: the schema is wiped). Target: 10k x 2 in < 120 s with peak RSS < 500 MB.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { applyMigrations } from "@/lib/db/migrate";
import { assertLocalDatabaseUrl } from "@/lib/db/local-url";
import { arg, kernelPeakRssMb, mb } from "./support";

const ITEMS = Number(arg("items", "10000"));
const BATCH_MS = Number(arg("batch-ms", "2000"));
const URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/promptdeck_evals_bench";

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
  const { addItems, createDataset } = await import("@/lib/datasets/mutations");
  const { createPrompt, publishDraft, saveDraft, moveLabel } = await import("@/lib/prompts/mutations");
  const { createEvalRun, getEvalRun } = await import("@/lib/evals/runs");
  const { advanceEvalRun } = await import("@/lib/evals/worker");
  const { startSimulator } = await import("@/lib/claude-simulator");
  const { createClaudeTransport } = await import("@/lib/claude/client");
  const { closeCallLogWriter, getCallLogWriter } = await import("@/lib/metrics/call-log-writer");

  const db = getDb();
  const user = await db.user.create({ data: { email: `bench-${randomUUID().slice(0, 8)}@example.test`, name: "Bench" } });
  const project = await db.project.create({ data: { slug: `bench-${randomUUID().slice(0, 8)}`, name: "Bench" } });
  await db.membership.create({ data: { userId: user.id, projectId: project.id, role: "ADMIN" } });
  const actor = { kind: "user" as const, userId: user.id, projectId: project.id, role: "ADMIN" as const };
  const content = (labels: string) => ({
    system: [{ type: "text" as const, role: "instructions" as const, text: `Route the support ticket. Answer with one of: ${labels}` }],
    messages: [{ role: "user" as const, content: [{ type: "text" as const, text: "Ticket: {{question}}" }] }],
    variables: { question: { type: "string" as const, required: true } },
    modelConfig: { model: "claude-haiku-4-5", max_tokens: 64 },
    outputSchema: { format: "text" as const },
    policy: {},
  });
  const prompt = await createPrompt(actor, { name: "ticket-router", content: content("shipping, refund, billing") });
  const v1 = await publishDraft(actor, { promptId: prompt.id, changelog: "bench" });
  await moveLabel(actor, { promptId: prompt.id, label: "production", versionId: v1.id });
  await saveDraft(actor, { promptId: prompt.id, content: content("shipping, refund, billing, account") });
  const dataset = await createDataset(project.id, { name: "tickets", description: "" }, actor);
  const intents = ["shipping", "refund", "billing", "account"];
  const items = Array.from({ length: ITEMS }, (_, i) => {
    const intent = intents[i % intents.length]!;
    return {
      key: `t${i}`,
      variables: { question: `Ticket ${i}: a question about ${intent} for order #${100000 + i}. ${"Some context. ".repeat(i % 5)}` },
      expected: intent,
    };
  });
  await addItems(dataset.id, items, actor);

  const sim = await startSimulator({ port: 0, speed: Infinity, batchProcessingMs: BATCH_MS });
  const transport = createClaudeTransport({ baseURL: sim.url });

  global.gc?.();
  const baseRss = process.memoryUsage().rss;
  let peakRss = baseRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const started = performance.now();
  const run = await createEvalRun(
    {
      prompt: "ticket-router",
      versions: ["draft"],
      baseline: "production",
      dataset: "tickets",
      evaluators: [{ type: "exact_match", id: "exact" }],
      mode: "batch",
    },
    { projectId: project.id, actor },
  );
  const created = performance.now();
  let steps = 0;
  const phases: Record<string, number> = {};
  let phaseStart = performance.now();
  let phase = "generate";
  for (;;) {
    const next = await advanceEvalRun(run.id, { pollSeconds: 0.25, stepBudgetMs: 60_000, deps: { batch: { transport } } });
    steps++;
    const now = (await db.evalRun.findUniqueOrThrow({ where: { id: run.id }, select: { phase: true } })).phase;
    if (now !== phase) {
      phases[phase] = (performance.now() - phaseStart) / 1000;
      phaseStart = performance.now();
      phase = now;
    }
    if (next === null) break;
    if (next > 0) await new Promise((resolve) => setTimeout(resolve, next * 1000));
  }
  await getCallLogWriter().flush();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);

  const done = (await getEvalRun(run.id, project.id))!;
  const calls = await db.callLog.count({ where: { projectId: project.id, source: "eval", batch: true } });
  const estimate = done.estimate!;
  console.log(
    `eval run: ${ITEMS.toLocaleString("en-US")} items x 2 versions = ${(ITEMS * 2).toLocaleString("en-US")} requests in batch mode, status ${done.status}`,
  );
  console.log(
    `  end to end ${seconds.toFixed(2)} s: create (contract check + estimate + results rows) ${((created - started) / 1000).toFixed(2)} s, worker ${steps} steps ` +
      `(${Object.entries(phases)
        .map(([p, s]) => `${p} ${s.toFixed(2)} s`)
        .join(", ")}; simulator batch processing ${BATCH_MS} ms)`,
  );
  console.log(
    `  calls logged: ${calls.toLocaleString("en-US")} (source eval, batch price); results: ${done.versions.map((v) => `${v.display} ${v.counts.succeeded} ok`).join(", ")}`,
  );
  console.log(
    `  cost $${(done.costMicros / 1e6).toFixed(4)} (estimate: batch $${(estimate.batchMicros / 1e6).toFixed(4)}, realtime $${(estimate.realtimeMicros / 1e6).toFixed(4)})`,
  );
  console.log(
    `  RSS before ${mb(baseRss)} MB, peak ${mb(peakRss)} MB (+${mb(peakRss - baseRss)} MB); kernel high-water mark ${kernelPeakRssMb()?.toFixed(0) ?? "n/a"} MB`,
  );
  for (const v of done.versions) {
    const s = v.summary as { combined?: { mean: number | null }; regressions?: number | null } | null;
    console.log(
      `  ${v.display}${v.baseline ? " (baseline)" : ""}: mean score ${s?.combined?.mean?.toFixed(3) ?? "-"}${s?.regressions ? `, ${s.regressions} regressions` : ""}`,
    );
  }
  await closeCallLogWriter();
  await sim.close();
  await db.$disconnect();
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
