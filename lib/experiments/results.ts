import { formatLift } from "./format";
import { initialAllocation, type WeightedKey } from "./assignment";
import { METRICS, METRIC_KEYS, type Design, type MetricKey } from "./schemas";
import {
  holmAdjust,
  relativeLift,
  sampleSizeForMeans,
  sampleSizeForProportions,
  sampleVariance,
  summarizeMean,
  summarizeRate,
  twoProportionTest,
  welchTest,
  type Interval,
  type Moments,
} from "./stats";

/** Per-variant sums read from the call log (see queries.ts). */
export interface VariantAggregate {
  variantId: string;
  key: string;
  versionLabel: string;
  weight: number;
  paused: boolean;
  pausedReason: string | null;
  calls: number;
  errors: number;
  refusals: number;
  scored: number;
  scoreSum: number;
  /** Over answered (non-error) calls. */
  cost: Moments;
  latency: Moments;
  outputChars: Moments;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export interface MetricResult {
  metric: MetricKey;
  n: number;
  mean: number | null;
  ci: Interval | null;
  /** null for the control or when there is nothing to compare. */
  comparison: {
    test: "two-proportion z" | "welch t";
    difference: number;
    differenceCi: Interval;
    statistic: number;
    df: number | null;
    /** Two-sided; Holm–Bonferroni adjusted when more than one variant is compared with the control (this decides the outcome). */
    pValue: number;
    /** The test's own p-value before any correction. */
    pValueUnadjusted: number;
    lift: number | null;
    /** differenceCi and liftCi are at `ExperimentResults.correction.intervalLevel`. */
    liftCi: Interval | null;
  } | null;
  /** Calls per variant needed for this metric (primary: the planned sample, fixed at creation). */
  requiredPerVariant: number | null;
  moreNeededPerVariant: number;
  outcome: "control" | "better" | "worse" | "higher" | "lower" | "no_difference" | "not_enough_data" | "no_data";
}

export interface VariantResult {
  variantId: string;
  key: string;
  versionLabel: string;
  isControl: boolean;
  weight: number;
  effectiveWeight: number;
  paused: boolean;
  pausedReason: string | null;
  calls: number;
  servedShare: number | null;
  cacheHitRate: number | null;
  metrics: Record<MetricKey, MetricResult>;
}

/**
 * How comparisons with the control are corrected for multiplicity. With k variants there are
 * k - 1 comparisons per metric: Holm–Bonferroni p-values decide the outcomes, difference and lift
 * intervals are simultaneous Bonferroni intervals (level 1 - alpha / (k - 1)), and sample sizes
 * use alpha / (k - 1). Metrics are separate families (the primary metric decides the winner).
 */
export interface MultipleComparisonCorrection {
  method: "none" | "holm-bonferroni";
  /** Comparisons with the control per metric (variants minus one). */
  comparisons: number;
  /** Confidence level of the difference and lift intervals. */
  intervalLevel: number;
  /** One sentence for the page. */
  description: string;
}

export interface ExperimentResults {
  primaryMetric: MetricKey;
  plannedPerVariant: number;
  alpha: number;
  totalCalls: number;
  variants: VariantResult[];
  /** Recommended variant to promote: significantly better than control on the primary metric with the planned sample, best such; else null. */
  winnerKey: string | null;
  /** Best observed primary-metric mean (no significance implied). */
  leadingKey: string | null;
  verdict: string;
  verdictLines: string[];
  correction: MultipleComparisonCorrection;
  methods: string;
}

const INF_CAP = 1_000_000;

function rateCounts(a: VariantAggregate, metric: MetricKey): { x: number; n: number } {
  if (metric === "accuracy") return { x: a.scoreSum, n: a.scored };
  if (metric === "error_rate") return { x: a.errors, n: a.calls };
  return { x: a.refusals, n: a.calls };
}

function moments(a: VariantAggregate, metric: MetricKey): Moments {
  if (metric === "cost_per_call") return a.cost;
  if (metric === "latency") return a.latency;
  return a.outputChars;
}

/** Sample size the design asks of a metric, from the control's observed figures (or the design's baseline). */
export function requiredSampleSize(
  metric: MetricKey,
  design: Pick<Design, "mdeRate" | "mdeRelative" | "alpha" | "power">,
  control: { rate?: number | null; mean?: number | null; sd?: number | null },
): number | null {
  const info = METRICS[metric];
  if (info.kind === "rate") {
    const p1 = control.rate ?? info.baseline;
    const p2 = p1 + design.mdeRate <= 1 ? p1 + design.mdeRate : p1 - design.mdeRate;
    return Math.min(INF_CAP, sampleSizeForProportions(p1, p2, design.alpha, design.power));
  }
  if (control.mean == null || control.sd == null || control.mean === 0) return null;
  return Math.min(INF_CAP, sampleSizeForMeans(control.sd, design.mdeRelative * Math.abs(control.mean), design.alpha, design.power));
}

/**
 * The planned calls per variant for the primary metric, fixed before data: rates from the
 * baseline (design or per-metric default) and the absolute MDE; continuous metrics assume a
 * coefficient of variation of 0.5 (sd = half the mean), so n = 2 (z_a/2 + z_b)^2 0.25 / mde^2.
 * `comparisons` (variants minus one) divides alpha.
 */
export function plannedSampleSize(
  metric: MetricKey,
  design: { mdeRate: number; mdeRelative: number; baseline?: number | null; alpha?: number; power?: number },
  comparisons = 1,
): number {
  // Several variants against one control: each comparison at alpha / comparisons (Bonferroni,
  // conservative for the Holm procedure the results use), so power holds after correction.
  const alpha = (design.alpha ?? 0.05) / Math.max(1, comparisons);
  const power = design.power ?? 0.8;
  const info = METRICS[metric];
  if (info.kind === "rate") {
    return (
      requiredSampleSize(metric, { mdeRate: design.mdeRate, mdeRelative: design.mdeRelative, alpha, power }, { rate: design.baseline ?? info.baseline }) ??
      INF_CAP
    );
  }
  return Math.min(INF_CAP, sampleSizeForMeans(0.5, design.mdeRelative, alpha, power));
}

/**
 * The stored design of a new experiment: the minimum detectable effects asked for, alpha 0.05,
 * power 0.8, the planned sample per variant fixed now (`plannedSampleSize`, alpha divided by the
 * comparisons with the control), the guardrail test's settings and the contiguous bucket
 * allocation of the variants' weights. `createExperiment` and the demo seed build it here.
 */
export function newExperimentDesign(
  primaryMetric: MetricKey,
  input: { mdeRate: number; mdeRelative: number; baseline?: number | null },
  variants: readonly WeightedKey[],
): Design {
  const base = { mdeRelative: input.mdeRelative, mdeRate: input.mdeRate, baseline: input.baseline ?? null, alpha: 0.05, power: 0.8 };
  return {
    ...base,
    plannedPerVariant: plannedSampleSize(primaryMetric, base, variants.length - 1),
    guardrailAlpha: 0.01,
    guardrailMinCalls: 10,
    allocation: initialAllocation(variants),
  };
}

/** ["B", "C", "D"] -> "B, C and D". */
function listKeys(keys: readonly string[]): string {
  return keys.length <= 1 ? (keys[0] ?? "") : `${keys.slice(0, -1).join(", ")} and ${keys[keys.length - 1] ?? ""}`;
}

/** 0.975 -> "97.5%", 0.95 -> "95%", 0.05 -> "5%", 0.9833 -> "98.3%". */
function fmtLevel(v: number): string {
  return `${Number((v * 100).toFixed(1))}%`;
}

function outcomeFor(metric: MetricKey, difference: number, pValue: number, alpha: number): MetricResult["outcome"] {
  if (pValue >= alpha) return "no_difference";
  const better = METRICS[metric].better;
  if (better === "neither") return difference > 0 ? "higher" : "lower";
  return difference > 0 === (better === "higher") ? "better" : "worse";
}

function metricResult(
  metric: MetricKey,
  control: VariantAggregate,
  variant: VariantAggregate,
  isControl: boolean,
  design: Design,
  primary: MetricKey,
  comparisons: number,
): MetricResult {
  const info = METRICS[metric];
  // Bonferroni: simultaneous intervals and per-comparison sample sizes at alpha / comparisons.
  const level = 1 - design.alpha / comparisons;
  const sizing = { ...design, alpha: design.alpha / comparisons };
  let summary;
  let controlSummary;
  let comparison: MetricResult["comparison"] = null;
  let required: number | null;
  if (info.kind === "rate") {
    const c = rateCounts(control, metric);
    const v = rateCounts(variant, metric);
    summary = summarizeRate(v.x, v.n);
    controlSummary = summarizeRate(c.x, c.n);
    required = requiredSampleSize(metric, sizing, { rate: controlSummary.mean });
    if (!isControl) {
      const test = twoProportionTest(c.x, c.n, v.x, v.n, level);
      if (test) {
        const lift = relativeLift(controlSummary, summary, level);
        comparison = { test: "two-proportion z", ...test, pValueUnadjusted: test.pValue, lift: lift?.lift ?? null, liftCi: lift?.ci ?? null };
      }
    }
  } else {
    const c = moments(control, metric);
    const v = moments(variant, metric);
    summary = summarizeMean(v);
    controlSummary = summarizeMean(c);
    const pooledVar = [sampleVariance(c), sampleVariance(v)].filter((x): x is number => x !== null);
    const sd = pooledVar.length ? Math.sqrt(pooledVar.reduce((a, b) => a + b, 0) / pooledVar.length) : null;
    required = requiredSampleSize(metric, sizing, { mean: controlSummary.mean, sd });
    if (!isControl) {
      const test = welchTest(c, v, level);
      if (test) {
        const lift = relativeLift(controlSummary, summary, level);
        comparison = { test: "welch t", ...test, pValueUnadjusted: test.pValue, lift: lift?.lift ?? null, liftCi: lift?.ci ?? null };
      }
    }
  }
  if (metric === primary) required = design.plannedPerVariant;
  const nMin = Math.min(summary.n, controlSummary.n);
  const more = required === null ? 0 : Math.max(0, required - nMin);
  let outcome: MetricResult["outcome"];
  if (isControl) outcome = summary.n === 0 ? "no_data" : "control";
  else if (summary.n === 0 || controlSummary.n === 0) outcome = "no_data";
  else if (required === null || more > 0) outcome = "not_enough_data";
  else if (!comparison) outcome = "no_difference";
  else outcome = outcomeFor(metric, comparison.difference, comparison.pValue, design.alpha);
  return { metric, n: summary.n, mean: summary.mean, ci: summary.ci, comparison, requiredPerVariant: required, moreNeededPerVariant: more, outcome };
}

function describe(metric: MetricKey, m: MetricResult, key: string, controlKey: string): string | null {
  const label = METRICS[metric].label.toLowerCase();
  const liftText = m.comparison ? ` by ${formatLift(metric, m.comparison.difference, m.comparison.lift)}` : "";
  switch (m.outcome) {
    case "better":
      return `${key} is better than ${controlKey} on ${label}${liftText}, 95% confident.`;
    case "worse":
      return `${key} is worse than ${controlKey} on ${label}${liftText}, 95% confident.`;
    case "higher":
    case "lower":
      return `${key} gives ${m.outcome === "higher" ? "longer" : "shorter"} output than ${controlKey}${liftText}, 95% confident.`;
    case "no_difference":
      return `No detectable difference between ${key} and ${controlKey} on ${label} with the planned sample.`;
    case "not_enough_data":
      return m.requiredPerVariant === null
        ? `Not enough data on ${label} for ${key} yet.`
        : `Not enough data on ${label} for ${key} yet: about ${m.moreNeededPerVariant.toLocaleString("en-US")} more calls per variant needed.`;
    case "no_data":
      return metric === "accuracy" ? `No scored calls yet for ${key}: accuracy needs ground truth (score calls).` : `No calls yet for ${key}.`;
    default:
      return null;
  }
}

/**
 * Every figure the results page and the API show, from per-variant sums. The control is the
 * first variant (key "A"). A winner is named only when the planned sample is reached for the
 * primary metric and the variant is significantly better (two-sided alpha). With more than one
 * variant against the control, each metric's p-values are Holm–Bonferroni adjusted before the
 * outcomes are decided and the difference/lift intervals are Bonferroni-simultaneous
 * (`correction` says which applies); metrics are not corrected against each other.
 */
export function computeResults(input: {
  primaryMetric: MetricKey;
  design: Design;
  variants: readonly VariantAggregate[];
  effectiveWeights: Record<string, number>;
  /** The experiment has ended (completed or promoted): the verdict no longer asks to promote. */
  ended?: boolean;
}): ExperimentResults {
  const sorted = [...input.variants].sort((a, b) => (a.key < b.key ? -1 : 1));
  const control = sorted[0];
  const totalCalls = sorted.reduce((n, v) => n + v.calls, 0);
  const primary = input.primaryMetric;
  const comparisons = Math.max(1, sorted.length - 1);
  const variants: VariantResult[] = sorted.map((v) => {
    const isControl = v === control;
    const metrics = Object.fromEntries(
      METRIC_KEYS.map((metric) => [metric, metricResult(metric, control ?? v, v, isControl, input.design, primary, comparisons)]),
    ) as Record<MetricKey, MetricResult>;
    const cacheable = v.inputTokens + v.cacheReadTokens + v.cacheWriteTokens;
    return {
      variantId: v.variantId,
      key: v.key,
      versionLabel: v.versionLabel,
      isControl,
      weight: v.weight,
      effectiveWeight: input.effectiveWeights[v.key] ?? 0,
      paused: v.paused,
      pausedReason: v.pausedReason,
      calls: v.calls,
      servedShare: totalCalls > 0 ? v.calls / totalCalls : null,
      cacheHitRate: cacheable > 0 ? v.cacheReadTokens / cacheable : null,
      metrics,
    };
  });

  if (comparisons > 1) {
    for (const metric of METRIC_KEYS) {
      const tested = variants.map((v) => v.metrics[metric]).filter((m) => m.comparison !== null);
      const adjusted = holmAdjust(
        tested.map((m) => m.comparison?.pValueUnadjusted ?? 1),
        comparisons,
      );
      tested.forEach((m, i) => {
        if (!m.comparison) return;
        m.comparison.pValue = adjusted[i] ?? 1;
        // Only outcomes already decided by the test change (not the control, missing data or too few calls).
        if (m.outcome !== "control" && m.outcome !== "no_data" && m.outcome !== "not_enough_data") {
          m.outcome = outcomeFor(metric, m.comparison.difference, m.comparison.pValue, input.design.alpha);
        }
      });
    }
  }
  const intervalLevel = 1 - input.design.alpha / comparisons;
  const correction: MultipleComparisonCorrection =
    comparisons > 1
      ? {
          method: "holm-bonferroni",
          comparisons,
          intervalLevel,
          description: `${listKeys(sorted.slice(1).map((v) => v.key))} are each compared with the control ${control?.key ?? "A"}. To keep the chance of a false "better" or "worse" at ${fmtLevel(input.design.alpha)} per metric, p-values are Holm–Bonferroni adjusted and lift intervals are ${fmtLevel(intervalLevel)} (Bonferroni).`,
        }
      : {
          method: "none",
          comparisons,
          intervalLevel,
          description: "One variant against the control: a single comparison per metric, no multiple-comparison correction needed.",
        };

  const info = METRICS[primary];
  const ranked = variants.filter((v) => v.metrics[primary].mean !== null);
  const sign = info.better === "lower" ? -1 : 1;
  ranked.sort((a, b) => sign * ((b.metrics[primary].mean ?? 0) - (a.metrics[primary].mean ?? 0)));
  const leadingKey = ranked[0]?.key ?? null;
  const winners = variants.filter((v) => !v.isControl && !v.paused && v.metrics[primary].outcome === "better");
  winners.sort((a, b) => sign * ((b.metrics[primary].mean ?? 0) - (a.metrics[primary].mean ?? 0)));
  const winnerKey = winners[0]?.key ?? null;

  const lines: string[] = [];
  const controlKey = control?.key ?? "A";
  for (const v of variants) {
    if (v.paused && v.pausedReason) lines.push(`${v.key} is paused: ${v.pausedReason}`);
    if (v.isControl) continue;
    // With one variant, "not enough data" on the primary metric only repeats the headline.
    const repeatsVerdict = comparisons === 1 && v.metrics[primary].outcome === "not_enough_data";
    const primaryLine = repeatsVerdict ? null : describe(primary, v.metrics[primary], v.key, controlKey);
    if (primaryLine) lines.push(primaryLine);
    for (const metric of METRIC_KEYS) {
      if (metric === primary) continue;
      const m = v.metrics[metric];
      if (m.outcome === "better" || m.outcome === "worse" || m.outcome === "higher" || m.outcome === "lower") {
        const line = describe(metric, m, v.key, controlKey);
        if (line) lines.push(line);
      } else if (m.outcome === "not_enough_data" && m.requiredPerVariant !== null && metric !== "accuracy" && METRICS[metric].kind === "continuous") {
        const line = describe(metric, m, v.key, controlKey);
        if (line) lines.push(line);
      }
    }
  }
  let verdict: string;
  if (totalCalls === 0) verdict = "No traffic yet: start the experiment and send traffic (from this page or through the run API).";
  else if (winnerKey && input.ended) verdict = `${winnerKey} won on ${info.label.toLowerCase()} (the experiment has ended).`;
  else if (winnerKey) verdict = `${winnerKey} wins on ${info.label.toLowerCase()}: promote it to move the label.`;
  else {
    const pending = variants
      .filter((v) => !v.isControl)
      .map((v) => v.metrics[primary])
      .filter((m) => m.outcome === "not_enough_data");
    if (pending.length > 0) {
      const more = Math.max(...pending.map((m) => m.moreNeededPerVariant));
      verdict = `No winner yet on ${info.label.toLowerCase()}: about ${more.toLocaleString("en-US")} more calls per variant needed to reach the planned ${input.design.plannedPerVariant.toLocaleString("en-US")}.`;
    } else if (variants.some((v) => !v.isControl && v.metrics[primary].outcome === "worse")) {
      verdict = `${controlKey} (control) stays ahead on ${info.label.toLowerCase()}: keep the current version.`;
    } else if (variants.every((v) => v.isControl || v.metrics[primary].outcome === "no_data")) {
      verdict =
        primary === "accuracy"
          ? "No scored calls yet: accuracy needs ground truth (score calls through the API)."
          : "Not enough traffic yet to compare variants.";
    } else {
      verdict = `No detectable difference on ${info.label.toLowerCase()} at the planned sample size.`;
    }
  }
  return {
    primaryMetric: primary,
    plannedPerVariant: input.design.plannedPerVariant,
    alpha: input.design.alpha,
    totalCalls,
    variants,
    winnerKey,
    leadingKey,
    verdict,
    verdictLines: lines,
    correction,
    methods: `Rates: Wilson 95% intervals, two-proportion z-test; cost, latency, output length (answered calls): t intervals, Welch's t-test (Welch-Satterthwaite df). Lift intervals by the delta method. Two-sided alpha ${input.design.alpha}, power ${input.design.power}; ${
      comparisons > 1
        ? `Holm–Bonferroni correction over the ${comparisons} comparisons with the control (per metric), ${fmtLevel(intervalLevel)} intervals for differences and lifts`
        : "one comparison, no multiple-comparison correction"
    }; no winner before the planned sample.`,
  };
}
