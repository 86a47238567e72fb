import { describe, expect, it } from "vitest";
import { computeCallCost, findModel, SEED_MODEL_CATALOG } from "@/lib/models/catalog";
import type { Routing } from "@/lib/prompts/routing";
import { whatIfRouting, type WhatIfCall } from "@/lib/prompts/routing-what-if";

const usage = { inputTokens: 1000, outputTokens: 200, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 };
const call = (variables: Record<string, unknown> | null, extra: Partial<WhatIfCall> = {}): WhatIfCall => ({
  model: "claude-sonnet-5-5",
  batch: false,
  usage,
  metadata: variables ? { variables, tier: "pro" } : { tier: "pro" },
  ...extra,
});
const routing: Routing = {
  rules: [
    { name: "classify", when: [{ signal: "variable", name: "task", op: "equals", value: "classify" }], model: "claude-haiku-5-5" },
    { name: "unused", when: [{ signal: "metadata", key: "tier", op: "equals", value: "free" }], model: "claude-opus-5-5" },
  ],
};
const price = (model: string, batch = false) => computeCallCost(usage, findModel(model)!, { batch }).totalMicros;

describe("whatIfRouting", () => {
  it("prices each call at the model the candidate rules pick, per rule, at current prices", () => {
    const report = whatIfRouting(
      [call({ task: "classify" }), call({ task: "classify" }), call({ task: "write" }), call(null)],
      routing,
      "claude-sonnet-5-5",
      SEED_MODEL_CATALOG,
    );
    expect(report.calls).toBe(4);
    expect(report.evaluated).toBe(3);
    expect(report.skipped).toEqual({ noVariables: 1, unknownModel: 0 });
    expect(report.rows).toEqual([
      {
        rule: "classify",
        model: "claude-haiku-5-5",
        calls: 2,
        currentMicros: 2 * price("claude-sonnet-5-5"),
        candidateMicros: 2 * price("claude-haiku-5-5"),
        changeMicros: 2 * (price("claude-haiku-5-5") - price("claude-sonnet-5-5")),
      },
      { rule: "unused", model: "claude-opus-5-5", calls: 0, currentMicros: 0, candidateMicros: 0, changeMicros: 0 },
      {
        rule: "default",
        model: "claude-sonnet-5-5",
        calls: 1,
        currentMicros: price("claude-sonnet-5-5"),
        candidateMicros: price("claude-sonnet-5-5"),
        changeMicros: 0,
      },
    ]);
    expect(report.changeMicros).toBeLessThan(0);
    expect(report.changeMicros).toBe(report.candidateMicros - report.currentMicros);
  });

  it("uses the logged input (with cache tokens) as the token signal, keeps batch pricing, and skips unpriced models", () => {
    const byTokens: Routing = { rules: [{ name: "long", when: [{ signal: "input_tokens", op: ">=", value: 1500 }], model: "claude-opus-5-5" }] };
    const cached = call(null, { usage: { ...usage, cacheReadTokens: 600 } });
    const report = whatIfRouting(
      [cached, call(null, { batch: true }), call(null, { model: "claude-retired-1" })],
      byTokens,
      "claude-sonnet-5-5",
      SEED_MODEL_CATALOG,
    );
    expect(report.rows.map((r) => [r.rule, r.calls])).toEqual([
      ["long", 1],
      ["default", 1],
    ]);
    expect(report.rows[1]?.candidateMicros).toBe(price("claude-sonnet-5-5", true));
    expect(report.skipped.unknownModel).toBe(1);
  });

  it("reads nothing from an empty log", () => {
    expect(whatIfRouting([], routing, "claude-sonnet-5-5", SEED_MODEL_CATALOG)).toMatchObject({ calls: 0, evaluated: 0, changeMicros: 0 });
  });
});
