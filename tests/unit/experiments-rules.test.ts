import { describe, expect, it } from "vitest";
import { TEST_DESIGN, variantAggregate } from "../fixtures/variant-aggregate";
import { AppError } from "@/lib/errors";
import { findBreaches, GuardrailMonitor } from "@/lib/experiments/guardrails";
import { computeResults, plannedSampleSize } from "@/lib/experiments/results";
import {
  createExperimentSchema,
  defaultEffectPercent,
  designFromEffect,
  METRIC_KEYS,
  METRICS,
  weightsInputSchema,
  type Design,
} from "@/lib/experiments/schemas";
import { allowedActions, nextStatus } from "@/lib/experiments/state";

describe("status machine", () => {
  it("allows DRAFT -> RUNNING -> PAUSED -> RUNNING -> COMPLETED", () => {
    expect(nextStatus("DRAFT", "start")).toBe("RUNNING");
    expect(nextStatus("RUNNING", "pause")).toBe("PAUSED");
    expect(nextStatus("PAUSED", "resume")).toBe("RUNNING");
    expect(nextStatus("RUNNING", "promote")).toBe("COMPLETED");
    expect(nextStatus("PAUSED", "complete")).toBe("COMPLETED");
  });
  it("refuses the rest with a conflict that says why", () => {
    expect(() => nextStatus("PAUSED", "promote")).toThrow(/resume it first/);
    expect(() => nextStatus("DRAFT", "promote")).toThrow(AppError);
    expect(() => nextStatus("COMPLETED", "start")).toThrow(/ended/);
    expect(() => nextStatus("RUNNING", "start")).toThrow(/running/);
    expect(allowedActions("RUNNING").sort()).toEqual(["complete", "pause", "promote"]);
  });
});

describe("validation", () => {
  const base = {
    prompt: "p",
    name: "n",
    variants: [
      { version: "1.0.0", weight: 50 },
      { version: "1.1.0", weight: 50 },
    ],
  };
  it("accepts a valid experiment with defaults", () => {
    const r = createExperimentSchema.parse(base);
    expect(r.label).toBe("production");
    expect(r.primaryMetric).toBe("accuracy");
  });
  it("has one default minimum detectable effect: the form starts from what the API defaults to (issue 18, defect 13)", () => {
    const apiDefault = createExperimentSchema.parse(base).design;
    for (const metric of METRIC_KEYS) {
      const percent = defaultEffectPercent(metric);
      // What the form sends untouched is the API's default design.
      expect(designFromEffect(metric, percent), metric).toEqual({ mdeRelative: apiDefault.mdeRelative, mdeRate: apiDefault.mdeRate });
      expect(percent, metric).toBe(Math.round((METRICS[metric].kind === "rate" ? apiDefault.mdeRate : apiDefault.mdeRelative) * 100));
    }
    expect(defaultEffectPercent("accuracy")).toBe(5); // percentage points
    expect(designFromEffect("accuracy", 10)).toEqual({ mdeRelative: apiDefault.mdeRelative, mdeRate: 0.1 });
    expect(designFromEffect("latency", 20)).toEqual({ mdeRelative: 0.2, mdeRate: apiDefault.mdeRate });
  });
  it("rejects weights not summing to 100, fractional weights, a single variant, missing versions", () => {
    const bad = (body: unknown) =>
      createExperimentSchema
        .safeParse(body)
        .error?.issues.map((i) => i.message)
        .join(" | ") ?? "";
    expect(
      bad({
        ...base,
        variants: [
          { version: "1.0.0", weight: 60 },
          { version: "1.1.0", weight: 50 },
        ],
      }),
    ).toMatch(/sum to 100 \(they sum to 110\)/);
    expect(
      bad({
        ...base,
        variants: [
          { version: "1.0.0", weight: 49.5 },
          { version: "1.1.0", weight: 50.5 },
        ],
      }),
    ).toMatch(/whole percentages/);
    expect(bad({ ...base, variants: [{ version: "1.0.0", weight: 100 }] })).toMatch(/at least 2 variants/);
    expect(bad({ ...base, variants: [{ weight: 50 }, { version: "1.1.0", weight: 50 }] })).toMatch(/give the variant's version/);
    expect(weightsInputSchema.safeParse({ weights: { A: 30, B: 30 } }).success).toBe(false);
    expect(weightsInputSchema.safeParse({ weights: { A: 30, B: 70 } }).success).toBe(true);
  });
});

const design: Design = TEST_DESIGN;

const agg = variantAggregate;

describe("results and verdict", () => {
  it("plans the sample from the design (accuracy 0.8 -> 0.85: 906 per variant; continuous: CV 0.5, 10%: 393)", () => {
    expect(plannedSampleSize("accuracy", { mdeRate: 0.05, mdeRelative: 0.1 })).toBe(906);
    expect(plannedSampleSize("latency", { mdeRate: 0.05, mdeRelative: 0.1 })).toBe(393);
  });

  it("names no winner before the planned sample, and says how many more calls", () => {
    const r = computeResults({
      primaryMetric: "accuracy",
      design: { ...design, plannedPerVariant: 500 },
      variants: [agg("A", { calls: 100, scored: 100, scoreSum: 50 }), agg("B", { calls: 100, scored: 100, scoreSum: 90 })],
      effectiveWeights: { A: 50, B: 50 },
    });
    expect(r.winnerKey).toBeNull();
    expect(r.leadingKey).toBe("B");
    expect(r.variants[1]!.metrics.accuracy.outcome).toBe("not_enough_data");
    expect(r.variants[1]!.metrics.accuracy.comparison!.pValue).toBeLessThan(0.001);
    expect(r.verdict).toMatch(/about 400 more calls per variant/);
    // The headline already says it; the lines do not repeat it.
    expect(r.verdictLines.join(" ")).not.toMatch(/Not enough data on accuracy/);
  });

  it("names the winner once the planned sample is reached and the difference is significant", () => {
    const r = computeResults({
      primaryMetric: "accuracy",
      design: { ...design, plannedPerVariant: 300 },
      variants: [agg("A", { calls: 400, scored: 400, scoreSum: 300 }), agg("B", { calls: 400, scored: 400, scoreSum: 360 })],
      effectiveWeights: { A: 50, B: 50 },
    });
    expect(r.winnerKey).toBe("B");
    expect(r.verdict).toBe("B wins on accuracy: promote it to move the label.");
    expect(r.verdictLines.join(" ")).toMatch(/B is better than A on accuracy by \+15\.0 pts \(\+20% relative\), 95% confident/);
    const b = r.variants[1]!.metrics.accuracy;
    expect(b.comparison!.test).toBe("two-proportion z");
    expect(b.comparison!.lift).toBeCloseTo(0.2, 10);
  });

  it("uses Welch for continuous metrics and reports lower-is-better correctly", () => {
    const slow = Array.from({ length: 60 }, (_, i) => 1000 + (i % 10) * 20);
    const fast = Array.from({ length: 60 }, (_, i) => 800 + (i % 10) * 20);
    const r = computeResults({
      primaryMetric: "latency",
      design: { ...design, plannedPerVariant: 50 },
      variants: [agg("A", { calls: 60, values: slow }), agg("B", { calls: 60, values: fast })],
      effectiveWeights: { A: 50, B: 50 },
    });
    expect(r.variants[1]!.metrics.latency.comparison!.test).toBe("welch t");
    expect(r.variants[1]!.metrics.latency.outcome).toBe("better");
    expect(r.winnerKey).toBe("B");
  });

  it("with more than two variants: Holm-adjusted p-values decide, intervals are Bonferroni 97.5% (hand-computed)", () => {
    // Error rate: A 120/1000 (control), B 150/1000, C 125/1000. Raw two-proportion p: B 0.0496404, C 0.733098
    // (pooled SE, by hand with the normal CDF). Holm over 2 comparisons: B 2 x 0.0496404 = 0.0992808; C max(0.0992808, 0.733098).
    const variants = [agg("A", { calls: 1000, errors: 120 }), agg("B", { calls: 1000, errors: 150 }), agg("C", { calls: 1000, errors: 125 })];
    const three = computeResults({
      primaryMetric: "error_rate",
      design: { ...design, plannedPerVariant: 300 },
      variants,
      effectiveWeights: { A: 34, B: 33, C: 33 },
    });
    expect(three.correction).toMatchObject({ method: "holm-bonferroni", comparisons: 2, intervalLevel: 0.975 });
    expect(three.correction.description).toMatch(/Holm–Bonferroni.*97\.5%/);
    expect(three.methods).toMatch(/Holm–Bonferroni correction over the 2 comparisons/);
    const b = three.variants[1]!.metrics.error_rate;
    const c = three.variants[2]!.metrics.error_rate;
    expect(b.comparison!.pValueUnadjusted).toBeCloseTo(0.04964038686536876, 10);
    expect(b.comparison!.pValue).toBeCloseTo(0.09928077373073751, 10);
    expect(c.comparison!.pValueUnadjusted).toBeCloseTo(0.7330982496282252, 10);
    expect(c.comparison!.pValue).toBeCloseTo(0.7330982496282252, 10);
    // 0.03 -+ z(0.9875) * sqrt(.12*.88/1000 + .15*.85/1000); lift 0.25 -+ z(0.9875) * delta-method SE.
    expect(b.comparison!.differenceCi.low).toBeCloseTo(-0.004220868929106725, 8);
    expect(b.comparison!.differenceCi.high).toBeCloseTo(0.06422086892910672, 8);
    expect(b.comparison!.liftCi!.low).toBeCloseTo(-0.06944903847066719, 8);
    expect(b.comparison!.liftCi!.high).toBeCloseTo(0.5694490384706672, 8);
    // Uncorrected, B would be "worse" (p 0.0496 < 0.05); corrected it is not.
    expect(b.outcome).toBe("no_difference");
    expect(three.verdict).toBe("No detectable difference on error rate at the planned sample size.");

    const two = computeResults({
      primaryMetric: "error_rate",
      design: { ...design, plannedPerVariant: 300 },
      variants: variants.slice(0, 2),
      effectiveWeights: { A: 50, B: 50 },
    });
    expect(two.correction).toMatchObject({ method: "none", comparisons: 1, intervalLevel: 0.95 });
    expect(two.variants[1]!.metrics.error_rate.comparison!.pValue).toBe(two.variants[1]!.metrics.error_rate.comparison!.pValueUnadjusted);
    expect(two.variants[1]!.metrics.error_rate.outcome).toBe("worse");
  });

  it("plans a larger sample when several variants share one control (alpha / comparisons)", () => {
    // Latency, 10% MDE, CV 0.5: 2 (z(0.9875) + z(0.8))^2 0.25 / 0.01 = 475.3 -> 476 (vs 393 for one comparison).
    expect(plannedSampleSize("latency", { mdeRate: 0.05, mdeRelative: 0.1 }, 2)).toBe(476);
    expect(plannedSampleSize("latency", { mdeRate: 0.05, mdeRelative: 0.1 }, 1)).toBe(393);
  });

  it("says what to do when there is no traffic", () => {
    const r = computeResults({
      primaryMetric: "error_rate",
      design: { ...design, plannedPerVariant: 100 },
      variants: [agg("A", {}), agg("B", {})],
      effectiveWeights: { A: 50, B: 50 },
    });
    expect(r.verdict).toMatch(/No traffic yet/);
  });
});

describe("guardrails", () => {
  const exp = {
    variants: [
      { id: "v-A", key: "A", weight: 50, paused: false, versionId: "x", version: "1.0.0", pausedAt: null, pausedReason: null },
      { id: "v-B", key: "B", weight: 50, paused: false, versionId: "y", version: "1.1.0", pausedAt: null, pausedReason: null },
    ],
    guardrails: [{ metric: "error_rate" as const, threshold: 0.1 }],
  };
  it("flags a variant significantly above the threshold only", () => {
    const breaches = findBreaches(exp, [agg("A", { calls: 40, errors: 3 }), agg("B", { calls: 40, errors: 20 })], { alpha: 0.01, minCalls: 10 });
    expect(breaches.map((b) => b.key)).toEqual(["B"]);
    expect(breaches[0]!.reason).toMatch(/Error rate 50\.0% \(20 of 40 calls\) is above the 10\.0% guardrail/);
    expect(findBreaches(exp, [agg("B", { calls: 5, errors: 5 })], { alpha: 0.01, minCalls: 10 })).toEqual([]);
  });
  it("the monitor checks at most once per interval per experiment", async () => {
    let now = 0;
    const seen: string[] = [];
    const m = new GuardrailMonitor({ intervalMs: 1000, now: () => now, enforce: async (id) => void seen.push(id) });
    m.observe("e1");
    m.observe("e1");
    await new Promise((r) => setTimeout(r, 5));
    now = 500;
    m.observe("e1");
    now = 1500;
    m.observe("e1");
    m.observe("e2");
    await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual(["e1", "e1", "e2"]);
  });
});
