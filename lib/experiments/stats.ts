import jStat from "jstat";

/**
 * The statistics behind experiment results, framework-free and pure. Distributions (normal,
 * Student's t, binomial) come from jstat; everything else is the textbook formula named beside it.
 *
 * - Per variant: mean with a 95% interval. Rates use the Wilson score interval (sane near 0 and
 *   1 and for small n); continuous metrics mean +- t(0.975, n-1) * s / sqrt(n).
 * - Variant vs control: rates by the two-proportion z-test (pooled SE for the test, unpooled SE
 *   for the interval of the difference); continuous metrics by Welch's t-test with
 *   Welch-Satterthwaite degrees of freedom. p-values are two-sided.
 * - Relative lift (variant / control - 1) with its interval by the DELTA METHOD:
 *   Var(m2/m1) ~= (m2/m1)^2 * (se2^2/m2^2 + se1^2/m1^2), interval = lift +- z * sqrt(Var).
 * - Planned sample size per variant for a two-sided test at alpha with the given power: the
 *   standard normal-approximation formulas (Fleiss without continuity correction for
 *   proportions; 2 (z_a/2 + z_b)^2 sigma^2 / delta^2 for means).
 * - Guardrail: one-sided exact binomial test of "the rate is at most the threshold".
 */

/** z such that P(Z <= z) = p. */
export function normalQuantile(p: number): number {
  return jStat.normal.inv(p, 0, 1);
}

/** P(Z <= z). */
export function normalCdf(z: number): number {
  return jStat.normal.cdf(z, 0, 1);
}

/** P(T <= t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  return jStat.studentt.cdf(t, df);
}

/** t such that P(T <= t) = p. */
export function studentTQuantile(p: number, df: number): number {
  return jStat.studentt.inv(p, df);
}

export interface Interval {
  low: number;
  high: number;
}

/** Wilson score interval for `successes` out of `n` (confidence `level`). */
export function wilsonInterval(successes: number, n: number, level = 0.95): Interval | null {
  if (n <= 0) return null;
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = successes / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Count, sum and sum of squares of a sample: enough for means, variances and Welch's test. */
export interface Moments {
  n: number;
  sum: number;
  sumSq: number;
}

export function momentsOf(values: readonly number[]): Moments {
  let sum = 0;
  let sumSq = 0;
  for (const v of values) {
    sum += v;
    sumSq += v * v;
  }
  return { n: values.length, sum, sumSq };
}

/** Sample variance (n - 1 denominator) from moments; null below 2 observations. */
export function sampleVariance(m: Moments): number | null {
  if (m.n < 2) return null;
  const v = (m.sumSq - (m.sum * m.sum) / m.n) / (m.n - 1);
  return Math.max(0, v);
}

export interface MeanSummary {
  n: number;
  mean: number | null;
  sd: number | null;
  /** Standard error of the mean. */
  se: number | null;
  ci: Interval | null;
}

/** Mean with a t-based interval (continuous metrics). */
export function summarizeMean(m: Moments, level = 0.95): MeanSummary {
  if (m.n === 0) return { n: 0, mean: null, sd: null, se: null, ci: null };
  const mean = m.sum / m.n;
  const variance = sampleVariance(m);
  if (variance === null) return { n: m.n, mean, sd: null, se: null, ci: null };
  const sd = Math.sqrt(variance);
  const se = sd / Math.sqrt(m.n);
  const t = studentTQuantile(1 - (1 - level) / 2, m.n - 1);
  return { n: m.n, mean, sd, se, ci: { low: mean - t * se, high: mean + t * se } };
}

/** A proportion with its Wilson interval (rate metrics). */
export function summarizeRate(successes: number, n: number, level = 0.95): MeanSummary {
  if (n === 0) return { n: 0, mean: null, sd: null, se: null, ci: null };
  const p = successes / n;
  return { n, mean: p, sd: Math.sqrt(p * (1 - p)), se: Math.sqrt((p * (1 - p)) / n), ci: wilsonInterval(successes, n, level) };
}

export interface ComparisonTest {
  /** variant - control */
  difference: number;
  differenceCi: Interval;
  statistic: number;
  /** Degrees of freedom (Welch) or null (z-test). */
  df: number | null;
  /** Two-sided. */
  pValue: number;
}

/**
 * Two-proportion z-test of control (x1 of n1) vs variant (x2 of n2). Pooled standard error for
 * the statistic; unpooled for the interval of p2 - p1. Null when either group is empty or both
 * rates are 0 or 1 (no variance: no test).
 */
export function twoProportionTest(x1: number, n1: number, x2: number, n2: number, level = 0.95): ComparisonTest | null {
  if (n1 <= 0 || n2 <= 0) return null;
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  const sePooled = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const seDiff = Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  const z = normalQuantile(1 - (1 - level) / 2);
  const difference = p2 - p1;
  if (sePooled === 0) return null;
  const statistic = difference / sePooled;
  return {
    difference,
    differenceCi: { low: difference - z * seDiff, high: difference + z * seDiff },
    statistic,
    df: null,
    pValue: Math.min(1, 2 * (1 - normalCdf(Math.abs(statistic)))),
  };
}

/**
 * Welch's unequal-variance t-test of control vs variant from moments, with Welch-Satterthwaite
 * degrees of freedom: df = (v1/n1 + v2/n2)^2 / ((v1/n1)^2/(n1-1) + (v2/n2)^2/(n2-1)). Null with
 * fewer than 2 observations in a group or zero variance in both.
 */
export function welchTest(control: Moments, variant: Moments, level = 0.95): ComparisonTest | null {
  const v1 = sampleVariance(control);
  const v2 = sampleVariance(variant);
  if (v1 === null || v2 === null) return null;
  const a = v1 / control.n;
  const b = v2 / variant.n;
  const se = Math.sqrt(a + b);
  if (se === 0) return null;
  const df = (a + b) ** 2 / ((a * a) / (control.n - 1) + (b * b) / (variant.n - 1));
  const difference = variant.sum / variant.n - control.sum / control.n;
  const statistic = difference / se;
  const tq = studentTQuantile(1 - (1 - level) / 2, df);
  return {
    difference,
    differenceCi: { low: difference - tq * se, high: difference + tq * se },
    statistic,
    df,
    pValue: Math.min(1, 2 * (1 - studentTCdf(Math.abs(statistic), df))),
  };
}

/**
 * Relative lift m2/m1 - 1 with a delta-method interval (independent groups). Null when the
 * control mean is 0 or a standard error is missing.
 */
export function relativeLift(
  control: { mean: number | null; se: number | null },
  variant: { mean: number | null; se: number | null },
  level = 0.95,
): { lift: number; ci: Interval } | null {
  const m1 = control.mean;
  const m2 = variant.mean;
  if (m1 === null || m2 === null || control.se === null || variant.se === null || m1 === 0) return null;
  const ratio = m2 / m1;
  // Var(m2/m1) = se2^2/m1^2 + m2^2 se1^2/m1^4 (equivalent to the relative form, defined at m2 = 0 too).
  const se = Math.sqrt((variant.se * variant.se) / (m1 * m1) + (m2 * m2 * control.se * control.se) / m1 ** 4);
  const z = normalQuantile(1 - (1 - level) / 2);
  return { lift: ratio - 1, ci: { low: ratio - 1 - z * se, high: ratio - 1 + z * se } };
}

/**
 * Calls per variant to detect a change from rate p1 to p2 (two-sided alpha, power):
 * n = (z_{1-a/2} sqrt(2 pbar (1-pbar)) + z_{1-b} sqrt(p1(1-p1) + p2(1-p2)))^2 / (p2-p1)^2.
 */
export function sampleSizeForProportions(p1: number, p2: number, alpha = 0.05, power = 0.8): number {
  if (p1 === p2) return Number.POSITIVE_INFINITY;
  const za = normalQuantile(1 - alpha / 2);
  const zb = normalQuantile(power);
  const pbar = (p1 + p2) / 2;
  const num = za * Math.sqrt(2 * pbar * (1 - pbar)) + zb * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return Math.ceil((num * num) / ((p2 - p1) * (p2 - p1)));
}

/** Calls per variant to detect a difference `delta` in means with standard deviation `sd`: 2 (z_{1-a/2} + z_{1-b})^2 sd^2 / delta^2. */
export function sampleSizeForMeans(sd: number, delta: number, alpha = 0.05, power = 0.8): number {
  if (delta === 0) return Number.POSITIVE_INFINITY;
  if (sd === 0) return 2;
  const za = normalQuantile(1 - alpha / 2);
  const zb = normalQuantile(power);
  return Math.ceil((2 * (za + zb) ** 2 * sd * sd) / (delta * delta));
}

/**
 * One-sided exact binomial test of H0 "rate <= threshold" having seen `k` events in `n` trials:
 * P(X >= k | n, threshold). Small values mean the rate is significantly above the threshold.
 */
export function binomialUpperTail(k: number, n: number, threshold: number): number {
  if (k <= 0) return 1;
  if (threshold <= 0) return 0;
  if (threshold >= 1) return 1;
  return Math.max(0, 1 - jStat.binomial.cdf(k - 1, n, threshold));
}

/**
 * Holm–Bonferroni step-down adjusted p-values, returned in the order given. Sorted ascending,
 * p_(1) <= ... <= p_(t): adj_(i) = max over j <= i of min(1, (m - j + 1) p_(j)). `m` is the size
 * of the family; it defaults to the number of p-values and may be larger when some planned
 * comparisons have no test yet (they count as p = 1, sorted last). Rejecting adj < alpha keeps the
 * family-wise error rate at alpha.
 */
export function holmAdjust(pValues: readonly number[], m = pValues.length): number[] {
  if (m < pValues.length) throw new RangeError("the family cannot be smaller than the number of p-values");
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const out = new Array<number>(pValues.length);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}
