import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import { startSimulator, type Simulator } from "@/lib/claude-simulator";
import { callLogRowFromResult, newCallId, type CallLogRow } from "@/lib/calls/record";
import { CallLogWriter } from "@/lib/calls/writer";
import { logCall } from "@/lib/metrics/call-log-writer";
import { recordScore } from "@/lib/metrics/scores";
import { computeCallCost, findModel, type ModelSpec } from "@/lib/models/catalog";
import { createClaudeTransport } from "@/lib/claude/client";
import { createPriceBook } from "@/lib/models/pricing";
import { runPrompt, type RunnableVersion } from "@/lib/claude/runner";
import { getDb } from "@/lib/db/client";
import { exactPercentile } from "@/lib/metrics/histogram";
import { getCostMetrics, getOverviewMetrics, getPromptMetrics } from "@/lib/metrics/queries";
import { listCalls, getCallDetail } from "@/lib/metrics/calls";
import { getMetricsForApi } from "@/lib/metrics/api";
import { metricsApiResponseSchema } from "@/lib/metrics/api-schema";
import { rollupCallLogSink } from "@/lib/metrics/rollup-sql";
import { parseMetricsFilter } from "@/lib/metrics/window";
import { PRUNE_LOCK_KEY, pruneMinuteRollups } from "@/lib/metrics/prune";
import pg from "pg";
import { makeTestProject, publishPrompt, simpleContent, startApiServer, type TestProject } from "./serving-helpers";

// Calls go through a CallLogWriter whose sink is the production one (CallLog insert + rollup
// upsert in one statement); figures are then read back through the metrics queries and
// compared with the raw rows.
let project: TestProject;
let promptId: string;
let versionIds: string[];
let writer: CallLogWriter;
const now = new Date();
const sonnet = findModel("claude-sonnet-5-5") as ModelSpec;
const haiku = findModel("claude-haiku-5-5") as ModelSpec;

function row(over: Partial<CallLogRow> & { versionId: string; createdAt: Date }): CallLogRow {
  const usage = { inputTokens: 120, outputTokens: 80, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, ...over };
  const spec = over.model === haiku.model ? haiku : sonnet;
  const cost = computeCallCost(usage, spec, { batch: over.batch ?? false });
  return {
    id: newCallId(),
    projectId: project.projectId,
    promptId,
    experimentId: null,
    variantId: null,
    source: "api",
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
    batch: false,
    latencyMs: 500,
    ttftMs: null,
    outputChars: 300,
    score: null,
    expectedOutput: null,
    subjectHash: null,
    request: null,
    response: null,
    metadata: {},
    ...usage,
    ...over,
    costMicros: BigInt(cost.totalMicros),
  };
}

const rows: CallLogRow[] = [];

beforeAll(async () => {
  project = await makeTestProject();
  const name = `metrics-${randomUUID().slice(0, 6)}`;
  promptId = await publishPrompt(project.admin, name, [simpleContent("v1"), simpleContent("v2")]);
  const versions = await getDb().promptVersion.findMany({ where: { promptId, status: "PUBLISHED" }, orderBy: { major: "asc" } });
  versionIds = versions.map((v) => v.id);
  writer = new CallLogWriter({ sink: rollupCallLogSink(getDb()), flushIntervalMs: 20, batchSize: 37, concurrency: 2, logger: pino({ level: "silent" }) });
  const [v1, v2] = versionIds as [string, string];
  // 400 calls over the last 50 minutes: two versions, two models, errors, refusals, cache reads, a batch share.
  for (let i = 0; i < 400; i++) {
    const version = i % 3 === 0 ? v1 : v2;
    rows.push(
      row({
        versionId: version,
        createdAt: new Date(now.getTime() - (i % 50) * 60_000 - 1_000),
        model: i % 5 === 0 ? haiku.model : sonnet.model,
        source: i % 7 === 0 ? "playground" : "api",
        status: i % 11 === 0 ? "error" : i % 13 === 0 ? "refusal" : "ok",
        latencyMs: 50 + ((i * 7919) % 4000),
        inputTokens: 100 + (i % 17),
        cacheReadTokens: i % 2 === 0 ? 2048 : 0,
        cacheWriteTokens: i % 9 === 0 ? 2048 : 0,
        cacheWrite1hTokens: i % 18 === 0 ? 2048 : 0,
        outputTokens: 30 + (i % 23),
        outputChars: 100 + i,
        batch: i % 10 === 0,
        score: i % 4 === 0 ? (i % 8 === 0 ? 1 : 0) : null,
      }),
    );
  }
  for (const r of rows) expect(writer.enqueue(r)).toBe(true);
  await writer.flush();
});

afterAll(async () => {
  await writer?.close();
});

const sum = (xs: Iterable<number>) => [...xs].reduce((a, b) => a + b, 0);

describe("rollups maintained by the writer", () => {
  it("every grain holds exactly the logged calls, costs and tokens", async () => {
    for (const grain of [1, 60, 1440]) {
      const agg = await getDb().metricRollup.aggregate({
        where: { promptId, grainMinutes: grain },
        _sum: {
          calls: true,
          errors: true,
          refusals: true,
          costMicros: true,
          uncachedCostMicros: true,
          batchSavingsMicros: true,
          cacheReadTokens: true,
          scored: true,
          scoreSum: true,
          batchCalls: true,
        },
      });
      expect(Number(agg._sum.calls)).toBe(400);
      expect(Number(agg._sum.errors)).toBe(rows.filter((r) => r.status === "error").length);
      expect(Number(agg._sum.refusals)).toBe(rows.filter((r) => r.status === "refusal").length);
      expect(agg._sum.costMicros).toBe(BigInt(sum(rows.map((r) => Number(r.costMicros)))));
      const uncached = sum(rows.map((r) => computeCallCost(r, r.model === haiku.model ? haiku : sonnet, { batch: r.batch }).uncachedMicros));
      expect(agg._sum.uncachedCostMicros).toBe(BigInt(uncached));
      const batchSaved = sum(
        rows.filter((r) => r.batch).map((r) => computeCallCost(r, r.model === haiku.model ? haiku : sonnet).totalMicros - Number(r.costMicros)),
      );
      expect(batchSaved).toBeGreaterThan(0);
      expect(agg._sum.batchSavingsMicros).toBe(BigInt(batchSaved));
      expect(Number(agg._sum.batchCalls)).toBe(40);
      expect(agg._sum.cacheReadTokens).toBe(BigInt(sum(rows.map((r) => r.cacheReadTokens))));
      expect(Number(agg._sum.scored)).toBe(rows.filter((r) => r.score !== null).length);
      expect(agg._sum.scoreSum).toBe(sum(rows.map((r) => r.score ?? 0)));
    }
  });

  it("per-prompt metrics: exact per-version figures, percentiles within 1%, release markers", async () => {
    const m = await getPromptMetrics(
      project.projectId,
      parseMetricsFilter({ prompt: (await getDb().prompt.findUniqueOrThrow({ where: { id: promptId } })).name, range: "1h" }),
    );
    expect(m.window.grainMinutes).toBe(1);
    expect(m.table.map((r) => r.version)).toEqual(["1.0.0", "1.0.1"]);
    for (const t of m.table) {
      const mine = rows.filter((r) => r.versionId === t.versionId);
      expect(t.metrics.calls).toBe(mine.length);
      expect(t.metrics.costMicros).toBe(sum(mine.map((r) => Number(r.costMicros))));
      expect(t.metrics.errorRate).toBeCloseTo(mine.filter((r) => r.status === "error").length / mine.length, 12);
      const scored = mine.filter((r) => r.score !== null);
      expect(t.metrics.accuracy).toBeCloseTo(sum(scored.map((r) => r.score ?? 0)) / scored.length, 12);
      for (const [q, key] of [
        [0.5, "latencyP50Ms"],
        [0.95, "latencyP95Ms"],
        [0.99, "latencyP99Ms"],
      ] as const) {
        const exact = exactPercentile(
          mine.map((r) => r.latencyMs),
          q,
        ) as number;
        expect(Math.abs((t.metrics[key] as number) - exact) / exact).toBeLessThan(0.01);
      }
    }
    expect(m.table[1]?.change.calls).toBeCloseTo((m.table[1]!.metrics.calls - m.table[0]!.metrics.calls) / m.table[0]!.metrics.calls, 12);
    // Series: one point per minute bucket; the points add up to the table.
    const s2 = m.series.find((s) => s.versionId === versionIds[1]);
    expect(sum((s2?.points ?? []).map((p) => p?.calls ?? 0))).toBe(m.table[1]?.metrics.calls);
    expect(m.releases.some((r) => r.label === "production" && r.toVersion === "1.0.1")).toBe(true);

    const haikuOnly = await getPromptMetrics(project.projectId, parseMetricsFilter({ prompt: m.prompt.name, range: "1h", model: haiku.model, source: "api" }));
    expect(sum(haikuOnly.table.map((r) => r.metrics.calls))).toBe(rows.filter((r) => r.model === haiku.model && r.source === "api").length);
    const byLabel = await getPromptMetrics(project.projectId, parseMetricsFilter({ prompt: m.prompt.name, range: "24h", label: "production" }));
    expect(byLabel.table.map((r) => r.version)).toEqual(["1.0.1"]);
    const byVersion = await getPromptMetrics(project.projectId, parseMetricsFilter({ prompt: m.prompt.name, range: "7d", version: "1.0.0", bucket: "6h" }));
    // 6-hour buckets are answered from the hour grain (without a bucket, fresh data gets finer ones: see issue 18 below).
    expect(byVersion.window.grainMinutes).toBe(60);
    expect(byVersion.table.map((r) => [r.version, r.metrics.calls])).toEqual([["1.0.0", rows.filter((r) => r.versionId === versionIds[0]).length]]);
  });

  it("scores feed accuracy as deltas: a first score adds, a changed score replaces", async () => {
    const target = rows.find((r) => r.score === null && r.versionId === versionIds[1]) as CallLogRow;
    const name = (await getDb().prompt.findUniqueOrThrow({ where: { id: promptId } })).name;
    const before = (await getPromptMetrics(project.projectId, parseMetricsFilter({ prompt: name, range: "24h", version: "1.0.1" }))).table[0]!.metrics;
    await recordScore(target.id, { correct: true }, { projectId: project.projectId, writer });
    const after = (await getPromptMetrics(project.projectId, parseMetricsFilter({ prompt: name, range: "24h", version: "1.0.1" }))).table[0]!.metrics;
    expect(after.scored).toBe(before.scored + 1);
    await recordScore(target.id, { correct: false }, { projectId: project.projectId, writer });
    const again = (await getPromptMetrics(project.projectId, parseMetricsFilter({ prompt: name, range: "24h", version: "1.0.1" }))).table[0]!.metrics;
    expect(again.scored).toBe(before.scored + 1);
    expect((again.accuracy as number) * again.scored).toBeCloseTo((before.accuracy as number) * before.scored, 9);
    for (const grain of [1, 60, 1440]) {
      const agg = await getDb().metricRollup.aggregate({ where: { promptId, grainMinutes: grain }, _sum: { scored: true } });
      expect(Number(agg._sum.scored)).toBe(rows.filter((r) => r.score !== null).length + 1);
    }
    for (const grain of [1, 60, 360, 1440]) {
      const agg = await getDb().metricRollupVersion.aggregate({ where: { promptId, grainMinutes: grain }, _sum: { scored: true, scoreSum: true } });
      expect(Number(agg._sum.scored)).toBe(rows.filter((r) => r.score !== null).length + 1);
    }
    await expect(recordScore(target.id, { score: 1 }, { projectId: "other-project", writer })).rejects.toMatchObject({ code: "not_found" });
  });

  it("the per-version totals (no source/model split, 6-hour grain too) equal the split rollups, histograms included", async () => {
    const split = await getDb().metricRollup.findMany({ where: { promptId, grainMinutes: 60 } });
    const totals = await getDb().metricRollupVersion.findMany({ where: { promptId } });
    for (const grain of [1, 60, 360, 1440]) {
      const rowsOf = totals.filter((t) => t.grainMinutes === grain);
      expect(sum(rowsOf.map((t) => Number(t.calls)))).toBe(400);
      expect(sum(rowsOf.map((t) => Number(t.costMicros)))).toBe(sum(rows.map((r) => Number(r.costMicros))));
      expect(sum(rowsOf.map((t) => Number(t.uncachedCostMicros)))).toBe(sum(split.map((r) => Number(r.uncachedCostMicros))));
    }
    // Per version and hour, the totals row is the sum of that hour's source/model rows.
    for (const t of totals.filter((x) => x.grainMinutes === 60)) {
      const parts = split.filter((r) => r.versionId === t.versionId && r.bucketStart.getTime() === t.bucketStart.getTime());
      expect(Number(t.calls)).toBe(sum(parts.map((r) => Number(r.calls))));
      expect(Number(t.latencyMsSum)).toBe(sum(parts.map((r) => Number(r.latencyMsSum))));
      const merged: Record<string, number> = {};
      for (const r of parts) for (const [k, n] of Object.entries(r.latencyHistogram as Record<string, number>)) merged[k] = (merged[k] ?? 0) + n;
      expect(t.latencyHistogram).toEqual(merged);
    }
    // 6-hour buckets start on multiples of 6 hours (UTC).
    for (const t of totals.filter((x) => x.grainMinutes === 360)) expect(t.bucketStart.getTime() % (6 * 3_600_000)).toBe(0);
  });

  it("overview, cost view and explorer agree with the raw rows", async () => {
    const overview = await getOverviewMetrics(project.projectId, parseMetricsFilter({ range: "24h" }));
    expect(overview.total?.calls).toBe(400);
    expect(overview.byPrompt).toHaveLength(1);
    const cost = await getCostMetrics(project.projectId, parseMetricsFilter({ range: "7d" }));
    // GET /api/v1/metrics answers these objects: they match the schema the OpenAPI document publishes.
    const promptView = await getMetricsForApi(project.projectId, {
      prompt: (await getDb().prompt.findUniqueOrThrow({ where: { id: promptId } })).name,
      range: "24h",
    });
    expect(promptView.view).toBe("prompt");
    for (const body of [promptView, { view: "overview", ...overview }, { view: "cost", ...cost }]) {
      const parsed = metricsApiResponseSchema.safeParse(JSON.parse(JSON.stringify(body)));
      expect(parsed.success, JSON.stringify(parsed.error?.issues.slice(0, 3))).toBe(true);
    }
    expect(cost.total.costMicros).toBe(sum(rows.map((r) => Number(r.costMicros))));
    expect(sum(cost.byModel.map((r) => r.calls))).toBe(400);
    expect(sum(cost.byDay.map((r) => r.costMicros))).toBe(cost.total.costMicros);
    expect(cost.total.cacheSavingsMicros).toBeGreaterThan(0);

    const seen = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listCalls(project.projectId, { limit: 150, cursor });
      for (const item of page.items) seen.add(item.id);
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.size).toBe(400);
    const errors = await listCalls(project.projectId, { limit: 200, status: "error", model: haiku.model });
    expect(errors.items.length).toBe(rows.filter((r) => r.status === "error" && r.model === haiku.model).length);
    const detail = await getCallDetail(project.projectId, rows[0]!.id);
    expect(detail.costBreakdown?.totalMicros).toBe(Number(rows[0]!.costMicros));
    await expect(getCallDetail("nope", rows[0]!.id)).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("issue 18, daily use: playground calls left out on request, buckets that draw a line", () => {
  const played = () => rows.filter((r) => r.source === "playground");
  it("playground=exclude leaves playground calls out of totals, series, tables and cost; include (the default) counts them", async () => {
    const kept = rows.filter((r) => r.source !== "playground");
    expect(played().length).toBeGreaterThan(0);
    const all = await getOverviewMetrics(project.projectId, parseMetricsFilter({ range: "24h" }));
    const without = await getOverviewMetrics(project.projectId, parseMetricsFilter({ range: "24h", playground: "exclude" }));
    expect(all.total?.calls).toBe(400);
    expect(without.total?.calls).toBe(kept.length);
    expect(sum(without.points.map((p) => p?.calls ?? 0))).toBe(kept.length);
    expect(without.total?.costMicros).toBe(sum(kept.map((r) => Number(r.costMicros))));
    const name = (await getDb().prompt.findUniqueOrThrow({ where: { id: promptId } })).name;
    const promptView = await getPromptMetrics(project.projectId, parseMetricsFilter({ prompt: name, range: "24h", playground: "exclude" }));
    expect(promptView.total?.calls).toBe(kept.length);
    expect(sum(promptView.table.map((t) => t.metrics.calls))).toBe(kept.length);
    const cost = await getCostMetrics(project.projectId, parseMetricsFilter({ range: "24h", playground: "exclude" }));
    expect(cost.bySource.map((r) => r.key)).not.toContain("playground");
    expect(cost.total.calls).toBe(kept.length);
    // An explicit source wins over the exclusion.
    const onlyPlayground = await getOverviewMetrics(project.projectId, parseMetricsFilter({ range: "24h", source: "playground", playground: "exclude" }));
    expect(onlyPlayground.total?.calls).toBe(played().length);
    // The API reads the same parameter.
    const api = await getMetricsForApi(project.projectId, { range: "24h", playground: "exclude" });
    expect(api.view === "overview" && api.total?.calls).toBe(kept.length);
    expect(() => parseMetricsFilter({ playground: "sometimes" })).toThrow(/Invalid metrics filters/);
  });

  it("calls from the last hour draw at least two points on a 24h or 7d chart (a finer bucket than the range's default); an asked-for bucket is kept", async () => {
    for (const range of ["24h", "7d"] as const) {
      const overview = await getOverviewMetrics(project.projectId, parseMetricsFilter({ range }));
      expect(overview.points.filter((p) => p !== null).length, `${range}: ${overview.window.bucketMinutes} min buckets`).toBeGreaterThanOrEqual(2);
      expect(overview.total?.calls).toBe(400);
      const name = (await getDb().prompt.findUniqueOrThrow({ where: { id: promptId } })).name;
      const promptView = await getPromptMetrics(project.projectId, parseMetricsFilter({ prompt: name, range }));
      expect(Math.max(...promptView.series.map((x) => x.points.filter((p) => p !== null).length))).toBeGreaterThanOrEqual(2);
    }
    const asked = await getOverviewMetrics(project.projectId, parseMetricsFilter({ range: "7d", bucket: "1d" }));
    expect(asked.window.bucketMinutes).toBe(1440);
  });
});

describe("GET /api/v1/metrics", () => {
  it("serves the same figures as JSON with the metrics:read scope; 403 without it; 400 for bad filters", async () => {
    const server = await startApiServer();
    try {
      const { key } = await project.key(["metrics:read"]);
      const { key: other } = await project.key(["prompts:read"]);
      const name = (await getDb().prompt.findUniqueOrThrow({ where: { id: promptId } })).name;
      const get = (query: string, k = key) => fetch(`${server.url}/api/v1/metrics?${query}`, { headers: { authorization: `Bearer ${k}` } });
      const res = await get(`prompt=${encodeURIComponent(name)}&range=24h&bucket=1h`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        view: string;
        table: Array<{ version: string; metrics: { calls: number; costMicros: number } }>;
        window: { bucketMinutes: number };
      };
      expect(body.view).toBe("prompt");
      expect(body.window.bucketMinutes).toBe(60);
      expect(sum(body.table.map((r) => r.metrics.calls))).toBe(400);
      const lib = await getPromptMetrics(project.projectId, parseMetricsFilter({ prompt: name, range: "24h", bucket: "1h" }));
      expect(body.table.map((r) => r.metrics.costMicros)).toEqual(lib.table.map((r) => r.metrics.costMicros));
      const cost = (await (await get("view=cost&range=7d")).json()) as { total: { costMicros: number } };
      expect(cost.total.costMicros).toBe(sum(rows.map((r) => Number(r.costMicros))));
      expect((await get("range=24h", other)).status).toBe(403);
      expect((await get("range=2y")).status).toBe(400);
      expect((await get("prompt=does-not-exist")).status).toBe(404);
      expect((await get("view=nope")).status).toBe(400);
    } finally {
      await server.close();
    }
  });
});

describe("real runner calls against the simulator", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, speed: 100 });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("runner results logged with logCall appear in the rollups with their exact cost", async () => {
    const transport = createClaudeTransport({ baseURL: sim.url });
    const prices = createPriceBook(async () => []);
    const version: RunnableVersion = {
      system: [{ type: "text", text: "You are a concise support assistant.", role: "instructions" }],
      messages: [{ role: "user", content: [{ type: "text", text: "{{question}}" }] }],
      variables: { question: { type: "string", required: true } },
      modelConfig: { model: "claude-sonnet-5-5", max_tokens: 128 },
      outputSchema: { format: "text" },
      policy: {},
    };
    const v3 = await publishPrompt(project.admin, `metrics-run-${randomUUID().slice(0, 6)}`, [simpleContent("run")]);
    const runVersion = await getDb().promptVersion.findFirstOrThrow({ where: { promptId: v3, status: "PUBLISHED" } });
    const ids: string[] = [];
    for (const q of ["How do I reset my password?", "Where is my invoice?", "Cancel my plan"]) {
      const result = await runPrompt({ version, variables: { question: q }, options: { source: "api" }, deps: { transport, prices } });
      const id = logCall(result, { projectId: project.projectId, promptId: v3, versionId: runVersion.id }, { writer });
      expect(id).not.toBeNull();
      ids.push(id as string);
    }
    await writer.flush();
    const logged = await getDb().callLog.findMany({ where: { id: { in: ids } } });
    const agg = await getDb().metricRollup.aggregate({
      where: { versionId: runVersion.id, grainMinutes: 60 },
      _sum: { calls: true, costMicros: true, inputTokens: true },
    });
    expect(Number(agg._sum.calls)).toBe(3);
    expect(agg._sum.costMicros).toBe(logged.reduce((a, r) => a + r.costMicros, 0n));
    expect(Number(agg._sum.inputTokens)).toBe(sum(logged.map((r) => r.inputTokens)));
    // The process-wide writer's sink is the rollup sink too (callLogRowFromResult rows flow through it).
    expect(callLogRowFromResult).toBeTypeOf("function");
  });
});

describe("minute-grain retention", () => {
  it("pruning deletes only old minute rows; hour and day figures of old windows stay exact; minute buckets there are refused", async () => {
    const name = `retained-${randomUUID().slice(0, 6)}`;
    const retainedPromptId = await publishPrompt(project.admin, name, [simpleContent("kept")]);
    const version = await getDb().promptVersion.findFirstOrThrow({ where: { promptId: retainedPromptId, status: "PUBLISHED" } });
    const day = 86_400_000;
    const old = Array.from({ length: 30 }, (_, i) =>
      row({ promptId: retainedPromptId, versionId: version.id, createdAt: new Date(now.getTime() - 20 * day + i * 60_000) }),
    );
    const recent = Array.from({ length: 10 }, (_, i) =>
      row({ promptId: retainedPromptId, versionId: version.id, createdAt: new Date(now.getTime() - i * 60_000 - 1_000) }),
    );
    for (const r of [...old, ...recent]) expect(writer.enqueue(r)).toBe(true);
    await writer.flush();
    const minuteCalls = async () =>
      Number((await getDb().metricRollup.aggregate({ where: { promptId: retainedPromptId, grainMinutes: 1 }, _sum: { calls: true } }))._sum.calls);
    expect(await minuteCalls()).toBe(40);

    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      const result = await pruneMinuteRollups(client, { now, retentionDays: 14 });
      expect(result.ran).toBe(true);
      expect(result.deletedSplitRows).toBeGreaterThanOrEqual(30);
      expect(result.deletedVersionRows).toBeGreaterThanOrEqual(30);
      // A second pruner (another instance) waits for nobody: it skips while the lock is held.
      // (The embedded PGlite is one session shared by every connection, so there a session
      // lock cannot exclude anyone; it only ever has one app instance anyway.)
      const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await holder.connect();
      const pid = async (c: pg.Client) => (await c.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;
      const separateSessions = (await pid(holder)) !== (await pid(client));
      await holder.query("SELECT pg_advisory_lock($1)", [PRUNE_LOCK_KEY]);
      if (separateSessions) expect((await pruneMinuteRollups(client, { now, retentionDays: 14 })).ran).toBe(false);
      await holder.query("SELECT pg_advisory_unlock($1)", [PRUNE_LOCK_KEY]);
      await holder.end();
    } finally {
      await client.end();
    }
    expect(await minuteCalls()).toBe(10);
    for (const grain of [60, 1440]) {
      const kept = await getDb().metricRollup.aggregate({ where: { promptId: retainedPromptId, grainMinutes: grain }, _sum: { calls: true } });
      expect(Number(kept._sum.calls)).toBe(40);
    }

    const oldWindow = {
      prompt: name,
      range: "custom",
      from: new Date(now.getTime() - 21 * day).toISOString(),
      to: new Date(now.getTime() - 19 * day).toISOString(),
    };
    const hourly = await getPromptMetrics(project.projectId, parseMetricsFilter({ ...oldWindow, bucket: "1h" }), { now });
    expect(hourly.table[0]?.metrics.calls).toBe(30);
    await expect(getPromptMetrics(project.projectId, parseMetricsFilter({ ...oldWindow, bucket: "15m" }), { now })).rejects.toThrow(/kept for \d+ days/);
  });
});
