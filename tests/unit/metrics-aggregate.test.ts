import { describe, expect, it } from "vitest";
import { addSums, deriveMetrics, emptySums, mergeCells, rate, relativeChange, type RollupCell } from "@/lib/metrics/aggregate";
import {
  bucketIndex,
  bucketValue,
  exactPercentile,
  histogramCount,
  histogramOf,
  mergeHistograms,
  percentileFromHistogram,
  RELATIVE_ACCURACY,
} from "@/lib/metrics/histogram";
import { rollupPrices } from "@/lib/metrics/rollup-sql";
import { grainFor, parseMetricsFilter, resolveWindow } from "@/lib/metrics/window";
import { minuteRetentionCutoff, minuteRetentionDays } from "@/lib/metrics/retention";
import { computeCallCost, findModel, SEED_MODEL_CATALOG } from "@/lib/models/catalog";

/** Deterministic PRNG so failures reproduce. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function lognormal(rand: () => number, median: number, sigma: number): number {
  const u = Math.max(rand(), 1e-12);
  const v = rand();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.round(median * Math.exp(sigma * z));
}

describe("latency histogram", () => {
  it("keeps every representative value within the relative accuracy (< 1%) of its bucket's values", () => {
    expect(RELATIVE_ACCURACY).toBeLessThan(0.01);
    for (let v = 1; v < 200_000; v = Math.ceil(v * 1.003) + 1) {
      const rep = bucketValue(bucketIndex(v));
      expect(Math.abs(rep - v) / v).toBeLessThanOrEqual(RELATIVE_ACCURACY + 1e-12);
    }
    expect(bucketIndex(0)).toBe(0);
    expect(bucketValue(0)).toBe(0);
  });

  it("reads p50/p95/p99 within 1% of the exact nearest-rank percentiles", () => {
    const rand = lcg(42);
    for (const [median, sigma, n] of [
      [800, 0.6, 10_000],
      [40, 1.2, 3_333],
      [5_000, 0.3, 101],
      [3, 0.8, 500],
    ] as const) {
      const values = Array.from({ length: n }, () => lognormal(rand, median, sigma));
      const h = histogramOf(values);
      expect(histogramCount(h)).toBe(n);
      for (const q of [0.5, 0.95, 0.99]) {
        const exact = exactPercentile(values, q) as number;
        const approx = percentileFromHistogram(h, q) as number;
        if (exact === 0) expect(approx).toBe(0);
        else expect(Math.abs(approx - exact) / exact).toBeLessThan(0.01);
      }
    }
  });

  it("is not fooled by a simple wrong value: a p99 read as p50 would fail", () => {
    const values = Array.from({ length: 100 }, (_, i) => (i + 1) * 10);
    const h = histogramOf(values);
    expect(percentileFromHistogram(h, 0.5)).toBeCloseTo(500, -1);
    expect(Math.abs((percentileFromHistogram(h, 0.99) as number) - 990) / 990).toBeLessThan(0.01);
  });

  it("merging histograms equals the histogram of the union (so percentiles of merged rollups are exact to the bucket)", () => {
    const rand = lcg(7);
    const a = Array.from({ length: 1000 }, () => lognormal(rand, 300, 0.5));
    const b = Array.from({ length: 2000 }, () => lognormal(rand, 1200, 0.4));
    const merged = mergeHistograms(histogramOf(a), histogramOf(b), null, undefined);
    expect(merged).toEqual(histogramOf([...a, ...b]));
    const exact = exactPercentile([...a, ...b], 0.95) as number;
    expect(Math.abs((percentileFromHistogram(merged, 0.95) as number) - exact) / exact).toBeLessThan(0.01);
  });

  it("returns null for empty input", () => {
    expect(percentileFromHistogram({}, 0.5)).toBeNull();
    expect(percentileFromHistogram({ "12": 0 }, 0.5)).toBeNull();
    expect(exactPercentile([], 0.5)).toBeNull();
  });
});

describe("rates and derived metrics", () => {
  it("rate is null (not 0, not NaN) for a zero denominator", () => {
    expect(rate(0, 0)).toBeNull();
    expect(rate(5, 0)).toBeNull();
    expect(rate(1, 4)).toBe(0.25);
  });

  it("derives figures from sums; no calls or no scores give nulls", () => {
    const empty: RollupCell = { ...emptySums(), histogram: {} };
    const d = deriveMetrics(empty);
    expect(d.accuracy).toBeNull();
    expect(d.errorRate).toBeNull();
    expect(d.cacheHitRate).toBeNull();
    expect(d.costPerCallMicros).toBeNull();
    expect(d.latencyP95Ms).toBeNull();

    const cell: RollupCell = {
      ...emptySums(),
      calls: 4,
      errors: 1,
      refusals: 1,
      scored: 2,
      scoreSum: 1.5,
      inputTokens: 100,
      cacheWriteTokens: 100,
      cacheReadTokens: 200,
      outputTokens: 40,
      costMicros: 1000,
      uncachedCostMicros: 1600,
      latencyMsSum: 400,
      outputCharsSum: 80,
      histogram: histogramOf([100, 100, 100, 100]),
    };
    const m = deriveMetrics(cell);
    expect(m.accuracy).toBe(0.75);
    expect(m.errorRate).toBe(0.25);
    expect(m.refusalRate).toBe(0.25);
    expect(m.cacheHitRate).toBe(0.5);
    // One meaning per name (issue 18, defect 3): inputTokens is uncached input, as Anthropic's usage.
    expect(m.inputTokens).toBe(100);
    expect(m.totalInputTokens).toBe(400);
    expect(m.avgInputTokens).toBe(25);
    expect(m.avgTotalInputTokens).toBe(100);
    expect(m.costPerCallMicros).toBe(250);
    expect(m.cacheSavingsMicros).toBe(600);
    expect(m.avgOutputChars).toBe(20);
    expect(m.latencyAvgMs).toBe(100);
    expect(Math.abs((m.latencyP50Ms as number) - 100)).toBeLessThan(1);
  });

  it("sums add exactly, including integer micro-dollar costs", () => {
    const a = { ...emptySums(), calls: 2, costMicros: 1_234_567, uncachedCostMicros: 2_000_000 };
    const b = { ...emptySums(), calls: 3, costMicros: 7, uncachedCostMicros: 9 };
    const s = addSums(a, b);
    expect(s.calls).toBe(5);
    expect(s.costMicros).toBe(1_234_574);
    const merged = mergeCells([
      { ...a, histogram: { "5": 2 } },
      { ...b, histogram: { "5": 1, "9": 2 } },
    ]);
    expect(merged.costMicros).toBe(1_234_574);
    expect(merged.histogram).toEqual({ "5": 3, "9": 2 });
  });

  it("relative change handles missing and zero baselines", () => {
    expect(relativeChange(null, 3)).toBeNull();
    expect(relativeChange(0, 3)).toBeNull();
    expect(relativeChange(2, 3)).toBe(0.5);
    expect(relativeChange(-2, -1)).toBe(0.5);
  });
});

describe("price list for the rollup SQL", () => {
  it("lists every model and alias with the per-MTok prices computeCallCost uses", () => {
    const prices = rollupPrices(SEED_MODEL_CATALOG);
    const alias = prices.find((p) => p.model === "claude-haiku-4-5");
    const spec = findModel("claude-haiku-4-5");
    expect(alias?.input).toBe(spec?.inputPerMTok);
    expect(new Set(prices.map((p) => p.model)).size).toBe(prices.length);
    // The uncached cost formula the SQL applies, checked against computeCallCost in JS.
    const sonnet = findModel("claude-sonnet-5-5");
    if (!sonnet) throw new Error("catalog");
    const usage = { inputTokens: 1234, outputTokens: 567, cacheWriteTokens: 2000, cacheWrite1hTokens: 500, cacheReadTokens: 9000 };
    const cost = computeCallCost(usage, sonnet);
    const line = (t: number, p: number) => Math.round((t * p) / 1e6);
    expect(cost.uncachedMicros).toBe(line(1234 + 2000 + 9000, sonnet.inputPerMTok) + line(567, sonnet.outputPerMTok));
  });
});

describe("filters and windows", () => {
  const now = new Date("2026-11-28T12:34:56.000Z");

  it("aligns the window to buckets and picks the rollup grain", () => {
    const w = resolveWindow(parseMetricsFilter({ range: "24h" }), now);
    expect(w.bucketMinutes).toBe(60);
    expect(w.grainMinutes).toBe(60);
    expect(w.from.toISOString()).toBe("2026-11-27T12:00:00.000Z");
    expect(w.to.toISOString()).toBe("2026-11-28T13:00:00.000Z");
    const h = resolveWindow(parseMetricsFilter({ range: "1h" }), now);
    expect(h.grainMinutes).toBe(1);
    expect(resolveWindow(parseMetricsFilter({ range: "30d" }), now).grainMinutes).toBe(1440);
    expect(resolveWindow(parseMetricsFilter({ range: "7d", bucket: "15m" }), now).grainMinutes).toBe(1);
    expect(grainFor(360)).toBe(60);
  });

  it("rejects bad filters and oversized windows with bad_request", () => {
    expect(() => parseMetricsFilter({ range: "2y" })).toThrow(expect.objectContaining({ code: "bad_request" }) as Error);
    expect(() => parseMetricsFilter({ nope: 1 })).toThrow();
    expect(() => resolveWindow(parseMetricsFilter({ range: "custom" }), now)).toThrow(/from/);
    expect(() => resolveWindow(parseMetricsFilter({ range: "30d", bucket: "1m" }), now)).toThrow(/buckets/);
    expect(() => resolveWindow(parseMetricsFilter({ range: "custom", from: "2026-11-28T00:00:00Z", to: "2026-11-27T00:00:00Z" }), now)).toThrow(/after/);
    expect(parseMetricsFilter({ model: "", source: "" })).toMatchObject({ range: "24h" });
  });

  it("past the minute grain's retention, defaults to hours and refuses minute buckets", () => {
    const old = { range: "custom", from: "2026-11-01T10:00:00Z", to: "2026-11-01T11:30:00Z" } as const;
    const w = resolveWindow(parseMetricsFilter(old), now, 14);
    expect(w.bucketMinutes).toBe(60);
    expect(w.from.toISOString()).toBe("2026-11-01T10:00:00.000Z");
    expect(() => resolveWindow(parseMetricsFilter({ ...old, bucket: "5m" }), now, 14)).toThrow(
      /Buckets under an hour are kept for 14 days; .*2026-11-01.* 1h or more/,
    );
    // Within the retention minute buckets stay the default for short windows.
    expect(resolveWindow(parseMetricsFilter({ range: "custom", from: "2026-11-20T10:00:00Z", to: "2026-11-20T11:00:00Z" }), now, 14).bucketMinutes).toBe(1);
    expect(resolveWindow(parseMetricsFilter(old), now, 30).bucketMinutes).toBe(1);
  });

  it("reads the retention from PROMPTDECK_MINUTE_ROLLUP_DAYS and rejects nonsense", () => {
    expect(minuteRetentionDays({})).toBe(14);
    expect(minuteRetentionDays({ PROMPTDECK_MINUTE_ROLLUP_DAYS: "30" })).toBe(30);
    expect(() => minuteRetentionDays({ PROMPTDECK_MINUTE_ROLLUP_DAYS: "1.5" })).toThrow(/PROMPTDECK_MINUTE_ROLLUP_DAYS/);
    expect(() => minuteRetentionDays({ PROMPTDECK_MINUTE_ROLLUP_DAYS: "1" })).toThrow(/between 2 and 3650/);
    expect(minuteRetentionCutoff(now, 14).toISOString()).toBe("2026-11-14T12:34:00.000Z");
  });
});
