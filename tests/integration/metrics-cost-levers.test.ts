// The cost page's levers per prompt against real PostgreSQL: calls logged through the production
// sink (CallLog insert + rollups in one statement) from every source, batched or not, with and
// without a subject; the non-interactive share, the batch saving at current prices and the
// realised savings are compared with figures computed independently from the raw rows.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import { newCallId, type CallLogRow } from "@/lib/calls/record";
import { CallLogWriter } from "@/lib/calls/writer";
import { computeCallCost, findModel, SEED_MODEL_CATALOG, type ModelSpec } from "@/lib/models/catalog";
import { getDb } from "@/lib/db/client";
import { getCostMetrics } from "@/lib/metrics/queries";
import { metricsApiResponseSchema } from "@/lib/metrics/api-schema";
import { nonInteractiveReason } from "@/lib/metrics/cost-levers";
import { rollupCallLogSink } from "@/lib/metrics/rollup-sql";
import { parseMetricsFilter } from "@/lib/metrics/window";
import { makeTestProject, publishPrompt, simpleContent, type TestProject } from "./serving-helpers";

let project: TestProject;
let writer: CallLogWriter;
const prompts: Array<{ id: string; versionId: string }> = [];
const sonnet = findModel("claude-sonnet-5-5") as ModelSpec;
const haiku = findModel("claude-haiku-5-5") as ModelSpec;
const rows: CallLogRow[] = [];

/** Every combination the definition tells apart. */
const KINDS = [
  { source: "api", batch: false, subject: "user-1" },
  { source: "api", batch: false, subject: null },
  { source: "api", batch: true, subject: null }, // a batch job for apps
  { source: "playground", batch: false, subject: null },
  { source: "experiment", batch: false, subject: "user-2" },
  { source: "eval", batch: false, subject: null },
  { source: "eval", batch: true, subject: null },
  { source: "ingest", batch: false, subject: null }, // an app's own background call
  { source: "ingest", batch: false, subject: "user-3" },
  { source: "ingest", batch: true, subject: null },
] as const;

function row(i: number): CallLogRow {
  const kind = KINDS[i % KINDS.length]!;
  const prompt = prompts[Math.floor(i / KINDS.length) % 2]!;
  const spec = i % 3 === 0 ? haiku : sonnet;
  const usage = {
    inputTokens: 1000 + i,
    outputTokens: 200 + (i % 50),
    cacheWriteTokens: i % 5 === 0 ? 300 : 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: i % 4 === 0 ? 2000 : 0,
  };
  return {
    id: newCallId(),
    projectId: project.projectId,
    promptId: prompt.id,
    versionId: prompt.versionId,
    experimentId: null,
    variantId: null,
    source: kind.source,
    model: spec.model,
    requestedModel: spec.model,
    status: "ok",
    errorType: null,
    errorMessage: null,
    httpStatus: null,
    stopReason: "end_turn",
    refusalCategory: null,
    attempts: 1,
    fallbackUsed: null,
    simulated: true,
    batch: kind.batch,
    latencyMs: 400,
    ttftMs: null,
    outputChars: 300,
    score: null,
    expectedOutput: null,
    subjectHash: kind.subject,
    request: null,
    response: null,
    metadata: kind.batch && kind.source === "api" ? { batchJobId: "job-1" } : {},
    createdAt: new Date(Date.now() - (i % 40) * 60_000 - 1_000),
    ...usage,
    costMicros: BigInt(computeCallCost(usage, spec, { batch: kind.batch }).totalMicros),
  };
}

beforeAll(async () => {
  project = await makeTestProject();
  for (const name of ["levers-a", "levers-b"]) {
    const id = await publishPrompt(project.admin, `${name}-${randomUUID().slice(0, 6)}`, [simpleContent("v1")]);
    const version = await getDb().promptVersion.findFirstOrThrow({ where: { promptId: id, status: "PUBLISHED" } });
    prompts.push({ id, versionId: version.id });
  }
  writer = new CallLogWriter({ sink: rollupCallLogSink(getDb()), flushIntervalMs: 20, batchSize: 50, concurrency: 2, logger: pino({ level: "silent" }) });
  for (let i = 0; i < 300; i++) rows.push(row(i));
  // A call without a version is in no rollup and in no lever either.
  rows.push({ ...row(300), versionId: null });
  for (const r of rows) expect(writer.enqueue(r)).toBe(true);
  await writer.flush();
});

afterAll(async () => {
  await writer?.close();
});

const sum = (xs: Iterable<number>) => [...xs].reduce((a, b) => a + b, 0);
const specOf = (model: string, catalog: readonly ModelSpec[]) => catalog.find((m) => m.model === model)!;

/** The expected figures for one prompt, from the raw rows and a catalog. */
function expected(promptId: string, catalog: readonly ModelSpec[]) {
  const mine = rows.filter((r) => r.promptId === promptId && r.versionId !== null);
  const non = mine.filter((r) => nonInteractiveReason({ source: r.source, batch: r.batch, subjectHash: r.subjectHash }) !== null);
  const unbatched = non.filter((r) => !r.batch);
  // Per-call pricing; the query prices summed tokens, which may differ by the per-line rounding.
  const wouldSave = sum(
    unbatched.map((r) => computeCallCost(r, specOf(r.model, catalog)).totalMicros - computeCallCost(r, specOf(r.model, catalog), { batch: true }).totalMicros),
  );
  return { calls: mine.length, nonInteractive: non.length, batched: non.length - unbatched.length, unbatched: unbatched.length, wouldSave };
}

describe("cost levers per prompt", () => {
  it("reports the non-interactive share, the batch saving at current prices and the realised savings", async () => {
    const cost = await getCostMetrics(project.projectId, parseMetricsFilter({ range: "7d" }));
    expect(metricsApiResponseSchema.safeParse(JSON.parse(JSON.stringify({ view: "cost", ...cost }))).success).toBe(true);
    expect(cost.levers.byPrompt).toHaveLength(2);
    for (const p of prompts) {
      const want = expected(p.id, SEED_MODEL_CATALOG);
      const got = cost.levers.byPrompt.find((r) => r.promptId === p.id)!;
      expect(got.calls).toBe(want.calls);
      expect(got.nonInteractiveCalls).toBe(want.nonInteractive);
      expect(got.nonInteractiveShare).toBeCloseTo(want.nonInteractive / want.calls, 10);
      expect(got.batchedCalls).toBe(want.batched);
      expect(got.unbatchedCalls).toBe(want.unbatched);
      expect(Math.abs(got.batchWouldSaveMicros - want.wouldSave)).toBeLessThanOrEqual(5 * want.unbatched);
      expect(got.batchWouldSaveMicros).toBeGreaterThan(0);
      // Realised savings are the cost rows' own (rollups), side by side.
      const costRow = cost.byPrompt.find((r) => r.key === p.id)!;
      expect(got.cacheSavingsMicros).toBe(costRow.cacheSavingsMicros);
      expect(got.batchSavingsMicros).toBe(costRow.batchSavingsMicros);
      expect(got.batchSavingsMicros).toBeGreaterThan(0);
    }
    // 5 of the 10 kinds are non-interactive: batch (3), realtime eval, ingest without a subject.
    expect(cost.levers.total.nonInteractiveCalls).toBe(150);
    expect(cost.levers.total.nonInteractiveShare).toBeCloseTo(0.5, 10);
    expect(cost.levers.total.batchWouldSaveMicros).toBe(sum(cost.levers.byPrompt.map((r) => r.batchWouldSaveMicros)));
  });

  it("prices the opportunity with the current price book, not the logged cost (prices are data)", async () => {
    const doubled = SEED_MODEL_CATALOG.map((m) => ({ ...m, inputPerMTok: m.inputPerMTok * 2, outputPerMTok: m.outputPerMTok * 2 }));
    const before = await getCostMetrics(project.projectId, parseMetricsFilter({ range: "7d" }));
    const after = await getCostMetrics(project.projectId, parseMetricsFilter({ range: "7d" }), { catalog: doubled });
    for (const p of prompts) {
      const want = expected(p.id, doubled);
      const got = after.levers.byPrompt.find((r) => r.promptId === p.id)!;
      expect(Math.abs(got.batchWouldSaveMicros - want.wouldSave)).toBeLessThanOrEqual(5 * want.unbatched);
      expect(got.batchWouldSaveMicros).toBeGreaterThan(before.levers.byPrompt.find((r) => r.promptId === p.id)!.batchWouldSaveMicros);
      // What was spent does not change with today's prices.
      expect(got.unbatchedCostMicros).toBe(before.levers.byPrompt.find((r) => r.promptId === p.id)!.unbatchedCostMicros);
    }
  });

  it("follows the page's filters: a prompt, a source, a model, and an empty project", async () => {
    const first = await getDb().prompt.findUniqueOrThrow({ where: { id: prompts[0]!.id } });
    const one = await getCostMetrics(project.projectId, parseMetricsFilter({ range: "7d", prompt: first.name }));
    expect(one.levers.byPrompt.map((r) => r.promptId)).toEqual([first.id]);
    const onlyEval = await getCostMetrics(project.projectId, parseMetricsFilter({ range: "7d", source: "eval" }));
    expect(onlyEval.levers.total.nonInteractiveShare).toBe(1);
    expect(onlyEval.levers.total.calls).toBe(rows.filter((r) => r.source === "eval" && r.versionId !== null).length);
    const onlyApi = await getCostMetrics(project.projectId, parseMetricsFilter({ range: "7d", source: "api" }));
    expect(onlyApi.levers.total.nonInteractiveCalls).toBe(onlyApi.levers.total.batchedCalls); // only batch jobs are non-interactive /run traffic
    expect(onlyApi.levers.total.batchWouldSaveMicros).toBe(0);
    const onlyHaiku = await getCostMetrics(project.projectId, parseMetricsFilter({ range: "7d", model: haiku.model }));
    expect(onlyHaiku.levers.total.calls).toBe(rows.filter((r) => r.model === haiku.model && r.versionId !== null).length);
    const other = await makeTestProject();
    const empty = await getCostMetrics(other.projectId, parseMetricsFilter({ range: "7d" }));
    expect(empty.levers.byPrompt).toEqual([]);
    expect(empty.levers.total).toMatchObject({ calls: 0, nonInteractiveCalls: 0, nonInteractiveShare: null, batchWouldSaveMicros: 0 });
  });
});
