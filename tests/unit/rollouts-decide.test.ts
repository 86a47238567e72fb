import { describe, expect, it } from "vitest";
import { assignVariant, initialAllocation, reallocate } from "@/lib/experiments/assignment";
import type { VariantAggregate } from "@/lib/experiments/results";
import type { Moments } from "@/lib/experiments/stats";
import { decideStep, judgeGuardrails, stepWaitingFor, type StepState } from "@/lib/rollouts/decide";
import { DEFAULT_ROLLOUT_RULES, rolloutGuardrailsSchema, startRolloutSchema, stepListProblem } from "@/lib/rollouts/schemas";

const t0 = new Date("2026-12-03T12:00:00Z");
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

function state(over: Partial<StepState> = {}): StepState {
  return { status: "RUNNING", steps: [5, 25, 50, 100], stepIndex: 0, stepStartedAt: t0, minStepSeconds: 600, minStepCalls: 100, ...over };
}

/** Moments of `n` values around `mean` (sd about `sd`). */
function moments(n: number, mean: number, sd: number): Moments {
  const values = Array.from({ length: n }, (_, i) => mean + (i % 2 === 0 ? sd : -sd));
  return { n, sum: values.reduce((a, b) => a + b, 0), sumSq: values.reduce((a, b) => a + b * b, 0) };
}

function arm(
  key: string,
  version: string,
  o: { calls: number; errors?: number; refusals?: number; latency?: [number, number]; cost?: [number, number] },
): VariantAggregate {
  const answered = o.calls - (o.errors ?? 0);
  return {
    variantId: `v-${key}`,
    key,
    versionLabel: version,
    weight: 50,
    paused: false,
    pausedReason: null,
    calls: o.calls,
    errors: o.errors ?? 0,
    refusals: o.refusals ?? 0,
    scored: 0,
    scoreSum: 0,
    cost: moments(answered, ...(o.cost ?? [300, 20])),
    latency: moments(answered, ...(o.latency ?? [800, 50])),
    outputChars: moments(answered, 200, 10),
    inputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  };
}

const guardrails = rolloutGuardrailsSchema.parse({});

describe("step lists", () => {
  it("accepts increasing whole percentages and refuses the rest with a reason", () => {
    expect(stepListProblem([5, 25, 50, 100])).toBeNull();
    expect(stepListProblem([10])).toBeNull();
    expect(stepListProblem([])).toMatch(/at least one step/);
    expect(stepListProblem([5, 5, 50])).toMatch(/steps must increase: 5% then 5%/);
    expect(stepListProblem([50, 25])).toMatch(/steps must increase/);
    expect(stepListProblem([5, 120])).toMatch(/between 1 and 100/);
    expect(stepListProblem([0, 50])).toMatch(/between 1 and 100/);
    expect(stepListProblem([2.5, 50])).toMatch(/whole percentage/);
    expect(stepListProblem([100])).toMatch(/first step must be below 100/);
    expect(stepListProblem([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])).toMatch(/at most 10/);
  });

  it("the start schema defaults to 5 -> 25 -> 50 -> 100 and needs a time or call minimum", () => {
    const parsed = startRolloutSchema.parse({ prompt: "p", version: "1.3.0" });
    expect(parsed).toMatchObject({ label: "production", steps: [5, 25, 50, 100], minStepSeconds: 600, minStepCalls: 100 });
    expect(parsed.guardrails.rules).toEqual(DEFAULT_ROLLOUT_RULES);
    const bad = startRolloutSchema.safeParse({ prompt: "p", version: "1.3.0", steps: [50, 25], minStepSeconds: null, minStepCalls: null });
    expect(bad.success).toBe(false);
    const paths = bad.error?.issues.map((i) => i.path.join(".")) ?? [];
    expect(paths).toContain("steps");
    expect(paths).toContain("minStepSeconds");
    expect(startRolloutSchema.safeParse({ prompt: "p", version: "1.3.0", steps: [] }).success).toBe(false);
    expect(startRolloutSchema.safeParse({ prompt: "p", version: "1.3.0", steps: [5, 101] }).success).toBe(false);
    expect(startRolloutSchema.safeParse({ prompt: "p", version: "latest" }).success).toBe(false);
    expect(
      rolloutGuardrailsSchema.safeParse({
        rules: [
          { metric: "latency", maxIncrease: 0.2 },
          { metric: "latency", maxIncrease: 0.3 },
        ],
      }).success,
    ).toBe(false);
  });
});

describe("decideStep", () => {
  it("holds until both the minimum time and the minimum calls are reached, saying what it waits for", () => {
    expect(decideStep(state(), at(60), 500, [])).toEqual({ kind: "hold", waitingFor: ["9 min 0 s"] });
    expect(decideStep(state(), at(700), 40, [])).toEqual({ kind: "hold", waitingFor: ["60 more calls of the new version"] });
    expect(stepWaitingFor(state(), at(590), 99)).toEqual(["10 s", "1 more call of the new version"]);
    expect(decideStep(state(), at(600), 100, [])).toEqual({ kind: "advance", toIndex: 1, percent: 25 });
  });

  it("a schedule-only or calls-only rollout advances on that condition alone", () => {
    expect(decideStep(state({ minStepCalls: null }), at(600), 0, [])).toEqual({ kind: "advance", toIndex: 1, percent: 25 });
    expect(decideStep(state({ minStepSeconds: null }), at(1), 100, [])).toEqual({ kind: "advance", toIndex: 1, percent: 25 });
  });

  it("completes after the last step, or instead of going to 100 %", () => {
    expect(decideStep(state({ stepIndex: 2 }), at(600), 100, [])).toEqual({ kind: "complete" });
    expect(decideStep(state({ steps: [10, 50], stepIndex: 1 }), at(600), 100, [])).toEqual({ kind: "complete" });
    expect(decideStep(state({ steps: [10, 50], stepIndex: 0 }), at(600), 100, [])).toEqual({ kind: "advance", toIndex: 1, percent: 50 });
  });

  it("a breach rolls back at once, even mid-step or paused; a paused rollout otherwise holds", () => {
    const breach = { metric: "error_rate" as const, reason: "bad", figures: [] };
    expect(decideStep(state(), at(1), 0, [breach])).toEqual({ kind: "rollback", breach });
    expect(decideStep(state({ status: "PAUSED" }), at(1), 0, [breach])).toEqual({ kind: "rollback", breach });
    expect(decideStep(state({ status: "PAUSED" }), at(6000), 1000, [])).toEqual({ kind: "hold", waitingFor: ["resume"] });
  });
});

describe("judgeGuardrails (breach decision)", () => {
  it("a failing new version breaches the error-rate guardrail with the figures", () => {
    const { breaches, figures } = judgeGuardrails(guardrails, arm("A", "1.2.0", { calls: 200, errors: 2 }), arm("B", "1.3.0", { calls: 12, errors: 12 }));
    expect(breaches).toHaveLength(1);
    expect(breaches[0]?.metric).toBe("error_rate");
    expect(breaches[0]?.reason).toMatch(
      /^Error rate 100\.0% \(12 of 12 calls\) on 1\.3\.0 vs 1\.0% \(2 of 200\) on 1\.2\.0: more than 5\.0 pts worse \(one-sided p < 0\.001\)$/,
    );
    const error = figures.find((f) => f.metric === "error_rate");
    expect(error).toMatchObject({ breached: true, current: { calls: 200, n: 2 }, candidate: { calls: 12, n: 12, value: 1 } });
    // No answered calls of the new version: the means are not judged yet.
    expect(figures.find((f) => f.metric === "latency")).toMatchObject({ breached: false, pValue: null });
  });

  it("is not judged before the new version has minCalls calls", () => {
    const { breaches, figures } = judgeGuardrails(guardrails, arm("A", "1.2.0", { calls: 200 }), arm("B", "1.3.0", { calls: 9, errors: 9 }));
    expect(breaches).toEqual([]);
    expect(figures.every((f) => f.pending !== null)).toBe(true);
  });

  it("a new version as good as the current one, or worse within the allowance, does not breach", () => {
    const same = judgeGuardrails(
      guardrails,
      arm("A", "1.2.0", { calls: 400, errors: 8, refusals: 4 }),
      arm("B", "1.3.0", { calls: 100, errors: 3, refusals: 1 }),
    );
    expect(same.breaches).toEqual([]);
    // Latency +20 % against a 50 % allowance.
    const slower = judgeGuardrails(guardrails, arm("A", "1.2.0", { calls: 400, latency: [800, 50] }), arm("B", "1.3.0", { calls: 100, latency: [960, 50] }));
    expect(slower.breaches).toEqual([]);
    expect(slower.figures.find((f) => f.metric === "latency")?.pValue).toBeGreaterThan(0.5);
  });

  it("latency and cost far beyond the allowance breach (one-sided Welch against the scaled current mean)", () => {
    const slow = judgeGuardrails(guardrails, arm("A", "1.2.0", { calls: 400, latency: [800, 50] }), arm("B", "1.3.0", { calls: 40, latency: [1600, 80] }));
    expect(slow.breaches.map((b) => b.metric)).toEqual(["latency"]);
    expect(slow.breaches[0]?.reason).toMatch(/^Latency 1600 ms on 1\.3\.0 \(40 calls\) vs 800 ms on 1\.2\.0 \(400\): more than 50% worse/);
    const dear = judgeGuardrails(guardrails, arm("A", "1.2.0", { calls: 400, cost: [300, 20] }), arm("B", "1.3.0", { calls: 40, cost: [900, 30] }));
    expect(dear.breaches.map((b) => b.metric)).toEqual(["cost_per_call"]);
    expect(dear.breaches[0]?.reason).toMatch(/Cost per call \$0\.000900 on 1\.3\.0/);
  });

  it("refusals are judged against the allowance alone while the current version has too few calls", () => {
    const { breaches } = judgeGuardrails(guardrails, arm("A", "1.2.0", { calls: 3 }), arm("B", "1.3.0", { calls: 30, refusals: 10 }));
    expect(breaches.map((b) => b.metric)).toEqual(["refusal_rate"]);
    expect(breaches[0]?.reason).toMatch(/vs 0\.0% \(0 of 3\) on 1\.2\.0/);
  });
});

describe("sticky subjects as the share grows", () => {
  it("everyone on the new version keeps it at every later step (the experiment's minimal-move reallocation)", () => {
    const id = "rollout-exp";
    const subjects = Array.from({ length: 5000 }, (_, i) => `user-${i}`);
    let allocation = initialAllocation([
      { key: "A", weight: 95 },
      { key: "B", weight: 5 },
    ]);
    let onNew = new Set<string>();
    for (const percent of [5, 25, 50]) {
      if (percent !== 5)
        allocation = reallocate(allocation, [
          { key: "A", weight: 100 - percent },
          { key: "B", weight: percent },
        ]);
      const variants = [
        { id: "a", key: "A", weight: 100 - percent, paused: false },
        { id: "b", key: "B", weight: percent, paused: false },
      ];
      const now = new Set(subjects.filter((s) => assignVariant({ id, variants, allocation }, s)?.key === "B"));
      for (const s of onNew) expect(now.has(s)).toBe(true);
      expect(now.size / subjects.length).toBeGreaterThan(percent / 100 - 0.03);
      expect(now.size / subjects.length).toBeLessThan(percent / 100 + 0.03);
      onNew = now;
    }
  });
});
