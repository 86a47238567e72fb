// Metrics poisoning (issue 17, item 3): a `calls:write` key sent 1,025 records with costMicros =
// 2^53-1; the metrics (API and dashboard) then answered 500 for every window holding that day,
// and later real calls of that version were stored without their prompt/version link. Now every
// counter is bounded by what one call can use (ingest refuses, runner rows are clamped), window
// sums cannot overflow, and a row the rollup refuses is stored with its links (not rolled up)
// instead of being unlinked; a batch with a bad row stores the good ones as they are.
import { randomUUID } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CALL_LIMITS, newCallId, type CallLogRow } from "@/lib/calls/record";
import { CallLogWriter } from "@/lib/calls/writer";
import { getDb } from "@/lib/db/client";
import { getMetricsForApi } from "@/lib/metrics/api";
import { parseMetricsApiQuery } from "@/lib/metrics/api-schema";
import { callLogSinks, getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { computeCallCost, findModel } from "@/lib/models/catalog";
import {
  bearer,
  getJson,
  makeTestProject,
  publishPrompt,
  sendJson,
  simpleContent,
  startApiServer,
  type RunningServer,
  type TestProject,
} from "./serving-helpers";

process.env.PROMPTDECK_SIMULATOR_SPEED = "20";

let server: RunningServer;
let ctx: TestProject;
let key: string;

const MODEL = "claude-sonnet-5-5";
const url = (path: string) => `${server.url}/api/v1${path}`;
const flush = () => getCallLogWriter().flush({ timeoutMs: 30_000 });

type Totals = {
  calls: number;
  costMicros: number;
  uncachedCostMicros: number;
  inputTokens: number;
  totalInputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  latencyAvgMs: number | null;
  avgOutputChars: number | null;
};

async function versionIdOf(promptId: string, version: string): Promise<string> {
  const [major, minor, patch] = version.split(".").map(Number);
  return (await getDb().promptVersion.findFirstOrThrow({ where: { promptId, major, minor, patch } })).id;
}

/** A CallLog row as the writer takes it, built by hand (past every bound: what rows written before them could hold). */
function handRow(promptId: string, versionId: string, overrides: Partial<CallLogRow> = {}): CallLogRow {
  return {
    id: newCallId(),
    projectId: ctx.projectId,
    promptId,
    versionId,
    experimentId: null,
    variantId: null,
    source: "ingest",
    model: MODEL,
    requestedModel: MODEL,
    status: "ok",
    errorType: null,
    errorMessage: null,
    httpStatus: null,
    stopReason: null,
    refusalCategory: null,
    attempts: 1,
    fallbackUsed: null,
    simulated: false,
    batch: false,
    inputTokens: 10,
    outputTokens: 5,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: 0,
    costMicros: 1000n,
    latencyMs: 100,
    ttftMs: null,
    outputChars: 20,
    score: null,
    expectedOutput: null,
    subjectHash: null,
    request: null,
    response: null,
    metadata: {},
    createdAt: new Date(),
    ...overrides,
  };
}

/** Runs the prompt `n` times through /run; returns the logged call ids. */
async function realCalls(prompt: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await sendJson<{ callId: string | null }>("POST", url(`/prompts/${prompt}/run`), { variables: { question: `real ${i}` } }, bearer(key));
    expect(res.status).toBe(200);
    expect(res.body.callId).toEqual(expect.any(String));
    ids.push(res.body.callId as string);
  }
  return ids;
}

beforeAll(async () => {
  if (process.env.ANTHROPIC_API_KEY) throw new Error("these tests expect the simulator: unset ANTHROPIC_API_KEY");
  server = await startApiServer({ changeFeed: false, rateLimit: { perSecond: 100_000, burst: 100_000 } });
  ctx = await makeTestProject();
  key = (await ctx.key(["prompts:read", "prompts:run", "calls:write", "metrics:read"])).key;
});

afterAll(async () => {
  await flush();
  await server?.close();
});

describe("1,025 maximal records within the bounds", () => {
  it("are stored linked; the metrics (API and dashboard) answer 200 with exact sums; a later real call keeps its link", async () => {
    const promptId = await publishPrompt(ctx.admin, "poison-target", [simpleContent("You answer briefly.")]);
    const versionId = await versionIdOf(promptId, "1.0.0");
    const T = CALL_LIMITS.tokens;
    const record = {
      prompt: "poison-target",
      version: "1.0.0",
      model: MODEL,
      costMicros: CALL_LIMITS.costMicros,
      inputTokens: T,
      outputTokens: T,
      cacheWriteTokens: T,
      cacheWrite1hTokens: T,
      cacheReadTokens: T,
      latencyMs: CALL_LIMITS.latencyMs,
      ttftMs: CALL_LIMITS.latencyMs,
      outputChars: CALL_LIMITS.outputChars,
      attempts: CALL_LIMITS.attempts,
    };
    for (const size of [1000, 25]) {
      const res = await sendJson<{ accepted: number; rejected: number }>(
        "POST",
        url("/calls"),
        { calls: Array.from({ length: size }, () => record) },
        bearer(key),
      );
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ accepted: size, rejected: 0 });
    }
    await flush();
    const n = 1025;
    expect(await getDb().callLog.count({ where: { versionId } })).toBe(n);

    // Uncached cost: what the same tokens cost at the plain input price, computed per call in SQL.
    const spec = findModel(MODEL)!;
    const uncached = computeCallCost({ inputTokens: T, outputTokens: T, cacheWriteTokens: T, cacheWrite1hTokens: T, cacheReadTokens: T }, spec).uncachedMicros;
    const expected = {
      calls: n,
      costMicros: n * CALL_LIMITS.costMicros,
      uncachedCostMicros: n * uncached,
      inputTokens: n * T, // uncached input only (issue 18, defect 3)
      totalInputTokens: n * 3 * T, // input + cache write + cache read
      outputTokens: n * T,
      cacheReadTokens: n * T,
      cacheWriteTokens: n * T,
      latencyAvgMs: CALL_LIMITS.latencyMs,
      avgOutputChars: CALL_LIMITS.outputChars,
    };
    for (const range of ["24h", "7d", "30d"]) {
      const overview = await getJson<{ total: Totals; byPrompt: Array<{ prompt: string; metrics: Totals }> }>(
        url(`/metrics?view=overview&range=${range}`),
        bearer(key),
      );
      expect(overview.status, range).toBe(200);
      expect(overview.body.total, range).toMatchObject(expected);
      const prompt = await getJson<{ versions: unknown[] }>(url(`/metrics?view=prompt&prompt=poison-target&range=${range}`), bearer(key));
      expect(prompt.status, range).toBe(200);
      const cost = await getJson<{ total: { calls: number; costMicros: number; uncachedCostMicros: number } }>(
        url(`/metrics?view=cost&range=${range}`),
        bearer(key),
      );
      expect(cost.status, range).toBe(200);
      expect(cost.body.total, range).toMatchObject({ calls: n, costMicros: expected.costMicros, uncachedCostMicros: expected.uncachedCostMicros });
    }
    // The dashboard's metrics data route answers with the same lib function.
    const dashboard = await getMetricsForApi(ctx.projectId, parseMetricsApiQuery({ range: "24h", view: "overview" }));
    expect(dashboard.view === "overview" && dashboard.total).toMatchObject(expected);

    const [callId] = await realCalls("poison-target", 1);
    await flush();
    const real = await getDb().callLog.findUniqueOrThrow({ where: { id: callId } });
    expect({ promptId: real.promptId, versionId: real.versionId }).toEqual({ promptId, versionId });
    const after = await getJson<{ total: Totals }>(url("/metrics?view=overview&range=24h"), bearer(key));
    expect(after.body.total.calls).toBe(n + 1);
  });

  it("one unit above any bound is refused per record, naming the field (nothing of it stored)", async () => {
    const over: Array<[string, number]> = [
      ["costMicros", CALL_LIMITS.costMicros + 1],
      ["inputTokens", CALL_LIMITS.tokens + 1],
      ["outputTokens", CALL_LIMITS.tokens + 1],
      ["cacheWriteTokens", CALL_LIMITS.tokens + 1],
      ["cacheWrite1hTokens", CALL_LIMITS.tokens + 1],
      ["cacheReadTokens", CALL_LIMITS.tokens + 1],
      ["latencyMs", CALL_LIMITS.latencyMs + 1],
      ["ttftMs", CALL_LIMITS.latencyMs + 1],
      ["outputChars", CALL_LIMITS.outputChars + 1],
      ["attempts", CALL_LIMITS.attempts + 1],
      ["costMicros", 2 ** 53 - 1],
    ];
    const res = await sendJson<{ accepted: number; results: Array<{ error?: { code: string; issues?: Array<{ path: string; message: string }> } }> }>(
      "POST",
      url("/calls"),
      { calls: [...over.map(([field, value]) => ({ model: MODEL, costMicros: 1, [field]: value })), { model: MODEL, costMicros: 1 }] },
      bearer(key),
    );
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(1);
    over.forEach(([field], i) => {
      const error = res.body.results[i]?.error;
      expect(error?.code, field).toBe("unprocessable");
      expect(error?.issues?.[0]?.path, field).toBe(field);
      expect(error?.issues?.[0]?.message, field).toMatch(/^at most /);
    });
  });
});

describe("rows written before the bounds (a poisoned database)", () => {
  it("sums past 2^63 over a window answer 200 (they answered 500 for every window holding them)", async () => {
    const promptId = await publishPrompt(ctx.admin, "legacy-poisoned", [simpleContent("One."), simpleContent("Two.")]);
    const v1 = await versionIdOf(promptId, "1.0.0");
    const v2 = await versionIdOf(promptId, "1.1.0");
    const writer = new CallLogWriter({ ...callLogSinks(getDb()), flushIntervalMs: 20, logger: pino({ level: "silent" }) });
    // Each version's rollups hold 2^62 (fits int8); any window over both sums to 2^63 (does not).
    writer.enqueue(handRow(promptId, v1, { costMicros: 2n ** 62n }));
    writer.enqueue(handRow(promptId, v2, { costMicros: 2n ** 62n }));
    await writer.close();
    expect(writer.stats()).toMatchObject({ written: 2, deadLettered: 0 });
    for (const view of ["overview", "cost", "prompt"]) {
      const res = await getJson<{ total: { costMicros: number } | null }>(url(`/metrics?view=${view}&prompt=legacy-poisoned&range=7d`), bearer(key));
      expect(res.status, view).toBe(200);
      if (view !== "prompt") expect(res.body.total?.costMicros, view).toBe(2 ** 63);
    }
    const overview = await getJson(url("/metrics?view=overview&range=24h"), bearer(key));
    expect(overview.status).toBe(200);
  });

  it("a rollup that cannot take another call does not unlink later real calls of its version", async () => {
    const promptId = await publishPrompt(ctx.admin, "poisoned-rollup", [simpleContent("You answer briefly.")]);
    const versionId = await versionIdOf(promptId, "1.0.0");
    await realCalls("poisoned-rollup", 1);
    await flush();
    // As 1,025 calls at 2^53-1 left it: within 1,023 micro-dollars of the int8 limit, in every grain.
    const nearMax = 2n ** 63n - 1n - 1023n;
    const poisoned =
      (await getDb().metricRollup.updateMany({ where: { versionId }, data: { costMicros: nearMax } })).count +
      (await getDb().metricRollupVersion.updateMany({ where: { versionId }, data: { costMicros: nearMax } })).count;
    expect(poisoned).toBeGreaterThanOrEqual(7);
    const ids = await realCalls("poisoned-rollup", 12);
    await flush();
    const rows = await getDb().callLog.findMany({ where: { id: { in: ids } }, select: { promptId: true, versionId: true } });
    expect(rows).toHaveLength(12);
    expect(rows.filter((r) => r.versionId === versionId && r.promptId === promptId)).toHaveLength(12);
    const res = await getJson(url("/metrics?view=prompt&prompt=poisoned-rollup&range=24h"), bearer(key));
    expect(res.status).toBe(200);
  });
});

describe("counts past 2^31 in one bucket", () => {
  it("keep counting (int8 columns): a day of one version at the writer's full speed reaches 2^31 calls", async () => {
    const promptId = await publishPrompt(ctx.admin, "busy-version", [simpleContent("You answer briefly.")]);
    const versionId = await versionIdOf(promptId, "1.0.0");
    await realCalls("busy-version", 1);
    await flush();
    // As if 2^31 - 1 calls had been rolled up in each of its buckets (26.5k calls/s for a day gets there).
    const full = 2 ** 31 - 1;
    const data = { calls: full, scored: full };
    const set =
      (await getDb().metricRollup.updateMany({ where: { versionId }, data })).count +
      (await getDb().metricRollupVersion.updateMany({ where: { versionId }, data })).count;
    expect(set).toBeGreaterThanOrEqual(7);
    const [callId] = await realCalls("busy-version", 1);
    await flush();
    expect((await getDb().callLog.findUniqueOrThrow({ where: { id: callId } })).versionId).toBe(versionId);
    const totals = await getDb().metricRollupVersion.aggregate({ where: { versionId, grainMinutes: 1440 }, _sum: { calls: true } });
    expect(totals._sum.calls).toBe(2n ** 31n);
    const res = await getJson<{ total: Totals }>(url("/metrics?view=overview&prompt=busy-version&range=24h"), bearer(key));
    expect(res.status).toBe(200);
    expect(res.body.total.calls).toBe(2 ** 31);
  });
});

describe("a batch with one bad row", () => {
  it("stores the good rows with their links and rollups; the bad one is rejected and reported", async () => {
    const promptId = await publishPrompt(ctx.admin, `batch-${randomUUID().slice(0, 6)}`, [simpleContent("Batch.")]);
    const versionId = await versionIdOf(promptId, "1.0.0");
    const reported: Array<{ msg: string; callId?: string }> = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void reported.push(JSON.parse(line) as { msg: string; callId?: string }) });
    const writer = new CallLogWriter({ ...callLogSinks(getDb()), flushIntervalMs: 10_000, batchSize: 1000, logger });
    const good = Array.from({ length: 20 }, () => handRow(promptId, versionId, { costMicros: 1000n }));
    // A row no column can hold (built by hand, past every bound): int4 overflow fails the batch's statement.
    const bad = handRow(promptId, versionId, { inputTokens: 2 ** 31 });
    for (const row of [...good.slice(0, 10), bad, ...good.slice(10)]) writer.enqueue(row);
    await writer.close();
    const stored = await getDb().callLog.findMany({
      where: { id: { in: [...good, bad].map((r) => r.id) } },
      select: { id: true, versionId: true, promptId: true },
    });
    expect(stored.map((r) => r.id).sort()).toEqual(good.map((r) => r.id).sort());
    expect(stored.every((r) => r.versionId === versionId && r.promptId === promptId)).toBe(true);
    const totals = await getDb().metricRollupVersion.aggregate({ where: { versionId, grainMinutes: 1440 }, _sum: { calls: true, costMicros: true } });
    expect(totals._sum).toEqual({ calls: 20n, costMicros: 20_000n });
    expect(writer.stats()).toMatchObject({ written: 20, deadLettered: 1, buffered: 0 });
    expect(reported.find((r) => r.msg === "call log row rejected by the database; written to this log instead")).toBeDefined();
  });
});
