// Metrics by routing rule: the split rollups are keyed by the rule that fired ("" without routing),
// GET /api/v1/metrics and the dashboard's queries filter by rule (400 naming the problem for a value
// that is no rule name), a score lands on the rule's rollup row, and the cost view's levers show
// what routing saved at current prices. Claude is the built-in simulator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { getDb } from "@/lib/db/client";
import { recordScore } from "@/lib/metrics/scores";
import { callListFilterSchema } from "@/lib/metrics/calls";
import { computeCallCost, findModel } from "@/lib/models/catalog";
import {
  bearer,
  getJson,
  makeTestProject,
  sendJson,
  startApiServer,
  type ApiError,
  type RunningServer,
  type TestProject,
  taskRoutedDocument,
} from "./serving-helpers";

let server: RunningServer;
let ctx: TestProject;
let writeKey: string;
let runKey: string;
let metricsKey: string;
const suffix = Date.now().toString(36);
const ROUTED = `metrics-routed-${suffix}`;
const PLAIN = `metrics-plain-${suffix}`;

const document = (routing?: unknown) => taskRoutedDocument(routing);

const rules = {
  rules: [
    { name: "simple-classification", when: [{ signal: "variable", name: "task_type", op: "equals", value: "classification" }], model: "claude-haiku-5-5" },
    { name: "complex-reasoning", when: [{ signal: "variable", name: "task_type", op: "equals", value: "reasoning" }], model: "claude-opus-5-5" },
  ],
};

interface Totals {
  total: { calls: number; costMicros: number } | null;
}
interface CostLevers {
  levers: { byPrompt: Array<{ name: string; routedCalls: number; routingSavingsMicros: number; unpricedRoutedModels: string[] }> };
}

const callIds: Record<string, string[]> = {};

beforeAll(async () => {
  if (process.env.ANTHROPIC_API_KEY) throw new Error("these tests expect the simulator: unset ANTHROPIC_API_KEY");
  server = await startApiServer();
  ctx = await makeTestProject();
  writeKey = (await ctx.key(["prompts:read", "prompts:write"])).key;
  runKey = (await ctx.key(["prompts:read", "prompts:run"])).key;
  metricsKey = (await ctx.key(["metrics:read"])).key;
  for (const [name, routing] of [
    [ROUTED, rules],
    [PLAIN, undefined],
  ] as const) {
    const created = await sendJson<{ version: string }>("POST", `${server.url}/api/v1/prompts/${name}/versions`, document(routing), bearer(writeKey));
    expect(created.status).toBe(201);
    expect((await sendJson("PUT", `${server.url}/api/v1/prompts/${name}/labels/production`, { version: created.body.version }, bearer(writeKey))).status).toBe(
      200,
    );
  }
  const run = async (name: string, task: string, input: string) => {
    const r = await sendJson<{ callId: string; routingRule: string | null }>(
      "POST",
      `${server.url}/api/v1/prompts/${name}/run`,
      { variables: { task_type: task, input } },
      bearer(runKey),
    );
    expect(r.status).toBe(200);
    const key = `${name}:${r.body.routingRule ?? ""}`;
    (callIds[key] ??= []).push(r.body.callId);
  };
  for (let i = 0; i < 3; i++) await run(ROUTED, "classification", `Is message ${i} spam?`);
  await run(ROUTED, "reasoning", "Why is the sky blue?");
  await run(ROUTED, "generation", "Write a haiku.");
  await run(PLAIN, "classification", "Is this spam?");
  await getCallLogWriter().flush({ timeoutMs: 10_000 });
});

afterAll(async () => {
  await getCallLogWriter().flush({ timeoutMs: 10_000 });
  await server.close();
});

const metrics = <T>(query: Record<string, string>) =>
  getJson<T>(`${server.url}/api/v1/metrics?${new URLSearchParams({ range: "1h", playground: "include", ...query })}`, bearer(metricsKey));

describe("rollups keyed by routing rule", () => {
  it("keeps one split row per rule that fired, and '' for calls of a version without routing", async () => {
    const rows = await getDb().metricRollup.findMany({
      where: { projectId: ctx.projectId, grainMinutes: 1440 },
      select: { routingRule: true, model: true, calls: true },
    });
    const byRule = new Map<string, { model: string; calls: number }>();
    for (const r of rows) {
      const prev = byRule.get(r.routingRule);
      byRule.set(r.routingRule, { model: r.model, calls: (prev?.calls ?? 0) + Number(r.calls) });
    }
    expect(Object.fromEntries(byRule)).toEqual({
      "simple-classification": { model: "claude-haiku-5-5", calls: 3 },
      "complex-reasoning": { model: "claude-opus-5-5", calls: 1 },
      default: { model: "claude-sonnet-5-5", calls: 1 },
      "": { model: "claude-sonnet-5-5", calls: 1 },
    });
    // The per-version totals stay unsplit: one day row per version.
    const versionRows = await getDb().metricRollupVersion.findMany({ where: { projectId: ctx.projectId, grainMinutes: 1440 }, select: { calls: true } });
    expect(versionRows.map((r) => Number(r.calls)).sort()).toEqual([1, 5]);
  });

  it("a score lands on the rollup row of the call's rule", async () => {
    const callId = callIds[`${ROUTED}:complex-reasoning`]![0]!;
    await recordScore(callId, { score: 0.5 }, { projectId: ctx.projectId });
    const rows = await getDb().metricRollup.findMany({
      where: { projectId: ctx.projectId, grainMinutes: 60, scored: { gt: 0 } },
      select: { routingRule: true, scored: true, scoreSum: true },
    });
    expect(rows).toEqual([{ routingRule: "complex-reasoning", scored: 1n, scoreSum: 0.5 }]);
  });
});

describe("GET /api/v1/metrics?rule=", () => {
  it("counts only the calls the rule sent, in every view; without the filter every call", async () => {
    const all = await metrics<Totals>({ prompt: ROUTED });
    expect(all.status).toBe(200);
    expect(all.body.total?.calls).toBe(5);
    const classify = await metrics<Totals & { table: Array<{ metrics: { calls: number } }> }>({ prompt: ROUTED, rule: "simple-classification" });
    expect(classify.status).toBe(200);
    expect(classify.body.total?.calls).toBe(3);
    expect(classify.body.table.map((r) => r.metrics.calls)).toEqual([3]);
    expect((await metrics<Totals>({ prompt: ROUTED, rule: "default" })).body.total?.calls).toBe(1);
    // Project-wide (overview) the rule counts across prompts; the unrouted prompt has none.
    expect((await metrics<Totals>({ rule: "complex-reasoning" })).body.total?.calls).toBe(1);
    expect((await metrics<Totals>({ prompt: PLAIN, rule: "simple-classification" })).body.total).toBeNull();
    // A rule nobody has: no calls, not an error.
    expect((await metrics<Totals>({ rule: "no-such-rule" })).body.total).toBeNull();
    const cost = await metrics<{ total: { calls: number } }>({ view: "cost", rule: "simple-classification" });
    expect(cost.body.total.calls).toBe(3);
  });

  it("refuses a value that is no rule name with 400 naming the filter", async () => {
    for (const bad of ["Not A Rule", "x".repeat(65), "-leading", "rule\u202e", "a b"]) {
      const r = await metrics<ApiError>({ rule: bad });
      expect(r.status, bad).toBe(400);
      expect(r.body.error.issues?.[0]?.path).toBe("rule");
      expect(r.body.error.issues?.[0]?.message).toMatch(/routing rule's name/);
    }
    // The call explorer's filter is the same rule.
    expect(callListFilterSchema.safeParse({ rule: "Not A Rule" }).success).toBe(false);
    expect(callListFilterSchema.safeParse({ rule: "default" }).success).toBe(true);
  });
});

describe("routing savings on the cost view", () => {
  it("prices the routed calls on the requested model minus the routed one at current prices; default and unrouted calls save nothing", async () => {
    const cost = await metrics<CostLevers>({ view: "cost" });
    expect(cost.status).toBe(200);
    const routed = cost.body.levers.byPrompt.find((r) => r.name === ROUTED)!;
    const plain = cost.body.levers.byPrompt.find((r) => r.name === PLAIN)!;
    expect(plain).toMatchObject({ routedCalls: 0, routingSavingsMicros: 0 });
    expect(routed.routedCalls).toBe(4); // 3 to Haiku, 1 to Opus; the default call stayed on Sonnet
    // By hand from the logged tokens: each routed call's tokens on Sonnet minus on the model that answered.
    const rows = await getDb().callLog.findMany({
      where: { projectId: ctx.projectId, routingRule: { in: ["simple-classification", "complex-reasoning"] } },
      select: { model: true, inputTokens: true, outputTokens: true, cacheWriteTokens: true, cacheWrite1hTokens: true, cacheReadTokens: true },
    });
    const sonnet = findModel("claude-sonnet-5-5")!;
    let expected = 0;
    const sums = new Map<
      string,
      { inputTokens: number; outputTokens: number; cacheWriteTokens: number; cacheWrite1hTokens: number; cacheReadTokens: number }
    >();
    for (const r of rows) {
      const s = sums.get(r.model) ?? { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 };
      s.inputTokens += r.inputTokens;
      s.outputTokens += r.outputTokens;
      s.cacheWriteTokens += r.cacheWriteTokens;
      s.cacheWrite1hTokens += r.cacheWrite1hTokens;
      s.cacheReadTokens += r.cacheReadTokens;
      sums.set(r.model, s);
    }
    for (const [model, usage] of sums) expected += computeCallCost(usage, sonnet).totalMicros - computeCallCost(usage, findModel(model)!).totalMicros;
    expect(routed.routingSavingsMicros).toBe(expected);
    expect(routed.unpricedRoutedModels).toEqual([]);
  });
});
