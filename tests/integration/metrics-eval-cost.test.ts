// The cost page by source and its Evaluations panel: calls logged through the production sink
// (CallLog insert + rollups in one statement) with sources api, playground, experiment and eval
// (a batch share at the 50% discount); the query's figures are compared with the raw rows and
// with the realtime price computed independently from the model's price.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import { newCallId, type CallLogRow } from "@/lib/calls/record";
import { CallLogWriter } from "@/lib/calls/writer";
import { computeCallCost, findModel, type ModelSpec } from "@/lib/models/catalog";
import { getDb } from "@/lib/db/client";
import { getCostMetrics } from "@/lib/metrics/queries";
import { metricsApiResponseSchema } from "@/lib/metrics/api-schema";
import { metricsCsv } from "@/lib/metrics/csv";
import { rollupCallLogSink } from "@/lib/metrics/rollup-sql";
import { parseMetricsFilter } from "@/lib/metrics/window";
import { insertGateEval } from "../fixtures/gate-evals";
import { makeTestProject, publishPrompt, simpleContent, type TestProject } from "./serving-helpers";

let project: TestProject;
let promptId: string;
let writer: CallLogWriter;
const sonnet = findModel("claude-sonnet-5-5") as ModelSpec;
const rows: CallLogRow[] = [];
const SOURCES = ["api", "playground", "experiment", "eval"] as const;

function row(i: number, versionId: string): CallLogRow {
  const source = SOURCES[i % 4] as (typeof SOURCES)[number];
  // Two thirds of the eval calls went through Message Batches.
  const batch = source === "eval" && i % 3 !== 0;
  const usage = { inputTokens: 1000 + i, outputTokens: 200 + (i % 50), cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 };
  const cost = computeCallCost(usage, sonnet, { batch });
  return {
    id: newCallId(),
    projectId: project.projectId,
    promptId,
    versionId,
    experimentId: null,
    variantId: null,
    source,
    model: sonnet.model,
    requestedModel: sonnet.model,
    status: "ok",
    errorType: null,
    errorMessage: null,
    httpStatus: null,
    stopReason: "end_turn",
    refusalCategory: null,
    attempts: 1,
    fallbackUsed: null,
    simulated: true,
    batch,
    latencyMs: 400,
    ttftMs: null,
    outputChars: 300,
    score: null,
    expectedOutput: null,
    subjectHash: null,
    request: null,
    response: null,
    metadata: {},
    createdAt: new Date(Date.now() - (i % 40) * 60_000 - 1_000),
    ...usage,
    costMicros: BigInt(cost.totalMicros),
  };
}

beforeAll(async () => {
  project = await makeTestProject();
  promptId = await publishPrompt(project.admin, `eval-cost-${randomUUID().slice(0, 6)}`, [simpleContent("v1")]);
  const version = await getDb().promptVersion.findFirstOrThrow({ where: { promptId, status: "PUBLISHED" } });
  writer = new CallLogWriter({ sink: rollupCallLogSink(getDb()), flushIntervalMs: 20, batchSize: 50, concurrency: 2, logger: pino({ level: "silent" }) });
  for (let i = 0; i < 200; i++) rows.push(row(i, version.id));
  for (const r of rows) expect(writer.enqueue(r)).toBe(true);
  await writer.flush();
  // Two eval runs in the window, one from 40 days ago (outside it).
  for (const endedAt of [new Date(), new Date(Date.now() - 3_600_000), new Date(Date.now() - 40 * 86_400_000)]) {
    await insertGateEval({ projectId: project.projectId, promptId, version: { id: version.id, contentHash: version.contentHash }, gatePassed: null, endedAt });
  }
});

afterAll(async () => {
  await writer?.close();
});

const sum = (xs: Iterable<number>) => [...xs].reduce((a, b) => a + b, 0);

describe("cost by source and the Evaluations panel", () => {
  it("splits spend by source and reports eval spend, its realtime price and the batch saving", async () => {
    const cost = await getCostMetrics(project.projectId, parseMetricsFilter({ range: "7d" }));
    expect(metricsApiResponseSchema.safeParse(JSON.parse(JSON.stringify({ view: "cost", ...cost }))).success).toBe(true);

    for (const source of SOURCES) {
      const mine = rows.filter((r) => r.source === source);
      const got = cost.bySource.find((r) => r.key === source);
      expect(got, source).toBeDefined();
      expect(got?.calls).toBe(mine.length);
      expect(got?.costMicros).toBe(sum(mine.map((r) => Number(r.costMicros))));
    }
    expect(cost.bySource.find((r) => r.key === "eval")?.name).toBe("Evaluations");
    expect(sum(cost.bySource.map((r) => r.costMicros))).toBe(cost.total.costMicros);

    const evalRows = rows.filter((r) => r.source === "eval");
    // The realtime price of the same calls, computed from the price table without the discount.
    const realtime = sum(evalRows.map((r) => computeCallCost(r, sonnet, { batch: false }).totalMicros));
    const spent = sum(evalRows.map((r) => Number(r.costMicros)));
    expect(cost.evaluations).toEqual({
      calls: evalRows.length,
      batchCalls: evalRows.filter((r) => r.batch).length,
      costMicros: spent,
      realtimeCostMicros: realtime,
      batchSavingsMicros: realtime - spent,
      runs: 2,
    });
    // The discount is 50% on the batch share: the saving is about half of what batch calls would have cost.
    const batchRealtime = sum(evalRows.filter((r) => r.batch).map((r) => computeCallCost(r, sonnet, { batch: false }).totalMicros));
    expect(Math.abs(cost.evaluations.batchSavingsMicros - batchRealtime / 2)).toBeLessThanOrEqual(evalRows.length);

    const csv = metricsCsv({ view: "cost", ...cost }, "source");
    expect(csv.split("\n")[0]).toMatch(/^source,calls,cost_micros/);
    expect(csv).toContain("Evaluations");
  });

  it("scoped to a source or another prompt, the figures follow the filter", async () => {
    const onlyApi = await getCostMetrics(project.projectId, parseMetricsFilter({ range: "7d", source: "api" }));
    expect(onlyApi.bySource.map((r) => r.key)).toEqual(["api"]);
    expect(onlyApi.evaluations).toMatchObject({ calls: 0, costMicros: 0, realtimeCostMicros: 0, batchSavingsMicros: 0 });
    const other = await makeTestProject();
    const empty = await getCostMetrics(other.projectId, parseMetricsFilter({ range: "7d" }));
    expect(empty.bySource).toEqual([]);
    expect(empty.evaluations).toEqual({ calls: 0, batchCalls: 0, costMicros: 0, realtimeCostMicros: 0, batchSavingsMicros: 0, runs: 0 });
  });

  it("honours range=1h instead of answering the whole UTC day, and returns the window used (issue 18, defect 4)", async () => {
    const other = await makeTestProject();
    const otherPrompt = await publishPrompt(other.admin, `cost-window-${randomUUID().slice(0, 6)}`, [simpleContent("v1")]);
    const version = await getDb().promptVersion.findFirstOrThrow({ where: { promptId: otherPrompt, status: "PUBLISHED" } });
    // "Now" is yesterday 12:00:30 UTC: within the minute rollups' retention, and a full UTC day around it.
    const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const now = new Date(`${day}T12:00:30.000Z`);
    const at = (iso: string) => new Date(iso);
    const previousDay = new Date(Date.parse(`${day}T00:00:00.000Z`) - 86_400_000).toISOString().slice(0, 10);
    const calls = [
      { ...row(0, version.id), projectId: other.projectId, promptId: otherPrompt, createdAt: at(`${day}T11:30:00.000Z`) }, // in the last hour
      { ...row(1, version.id), projectId: other.projectId, promptId: otherPrompt, createdAt: at(`${day}T08:00:00.000Z`) }, // same UTC day, 4 h earlier
      { ...row(2, version.id), projectId: other.projectId, promptId: otherPrompt, createdAt: at(`${previousDay}T23:30:00.000Z`) }, // the day before
    ];
    for (const r of calls) expect(writer.enqueue(r)).toBe(true);
    await writer.flush();

    const hour = await getCostMetrics(other.projectId, parseMetricsFilter({ range: "1h" }), { now });
    expect(hour.window).toMatchObject({ from: `${day}T11:00:00.000Z`, to: `${day}T12:01:00.000Z`, bucketMinutes: 1 });
    expect(hour.total.calls).toBe(1);
    expect(hour.total.costMicros).toBe(Number(calls[0]!.costMicros));
    expect(hour.byDay.map((d) => [d.name, d.calls])).toEqual([[day, 1]]);

    const dayRange = await getCostMetrics(other.projectId, parseMetricsFilter({ range: "24h" }), { now });
    expect(dayRange.window).toMatchObject({ from: `${previousDay}T12:00:00.000Z`, to: `${day}T13:00:00.000Z`, bucketMinutes: 60 });
    expect(dayRange.total.calls).toBe(3);
    expect(dayRange.byDay.map((d) => [d.name, d.calls])).toEqual([
      [previousDay, 1],
      [day, 2],
    ]);
    expect(sum(dayRange.byDay.map((d) => d.costMicros))).toBe(dayRange.total.costMicros);
  });
});
