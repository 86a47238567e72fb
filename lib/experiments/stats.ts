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

// ---------------------------------------------------------------- paired comparisons
//
// Two prompt versions run on the same dataset items give PAIRED observations: each item is its
// own control, so the tests below use the per-item differences (far more power than comparing
// two independent groups). Used by lib/evals (a version against the run's baseline).

/** The 2x2 table of paired pass/fail outcomes (baseline first). */
export interface PairedCounts {
  bothPass: number;
  /** Passed on the baseline, fails on the candidate (a regression). */
  baselineOnly: number;
  /** Fails on the baseline, passes on the candidate (a fix). */
  candidateOnly: number;
  bothFail: number;
}

export interface PairedRateTest {
  n: number;
  baselineRate: number;
  candidateRate: number;
  /** candidate rate - baseline rate = (candidateOnly - baselineOnly) / n. */
  difference: number;
  /** Newcombe's hybrid score interval for a paired difference (method 10). */
  differenceCi: Interval;
  /** Two-sided exact McNemar p-value: binomial(discordant, 1/2) on the smaller discordant count. */
  pValue: number;
}

/**
 * McNemar's exact test with Newcombe's interval. The p-value only looks at the discordant pairs
 * (b = baselineOnly, c = candidateOnly): under H0 each is a fair coin, p = min(1, 2 P(X <= min(b, c)))
 * with X ~ Binomial(b + c, 1/2); p = 1 when there are none. The interval for the difference of
 * the paired proportions is Newcombe (1998), "Improved confidence intervals for the difference
 * between binomial proportions based on paired data", Stat Med 17:2635, method 10: Wilson limits
 * of each marginal rate combined with the (continuity-corrected) correlation phi of the 2x2
 * table, as in Fagerland, Lydersen & Laake, "Statistical Analysis of Contingency Tables" (2017),
 * 8.5. Null when there are no pairs.
 */
export function mcnemarExact(counts: PairedCounts, level = 0.95): PairedRateTest | null {
  const { bothPass: a, baselineOnly: b, candidateOnly: c, bothFail: d } = counts;
  const n = a + b + c + d;
  if (n <= 0) return null;
  const discordant = b + c;
  const pValue = discordant === 0 ? 1 : Math.min(1, 2 * jStat.binomial.cdf(Math.min(b, c), discordant, 0.5));
  const pBase = (a + b) / n;
  const pCand = (a + c) / n;
  const wBase = wilsonInterval(a + b, n, level)!;
  const wCand = wilsonInterval(a + c, n, level)!;
  // Newcombe's phi with his continuity correction: (ad - bc - n/2) when ad - bc > n/2, 0 up to
  // n/2, ad - bc when negative; 0 when a margin is empty.
  const denom = Math.sqrt((a + b) * (c + d) * (a + c) * (b + d));
  const cross = a * d - b * c;
  const phi = denom === 0 ? 0 : (cross > n / 2 ? cross - n / 2 : cross >= 0 ? 0 : cross) / denom;
  const difference = pCand - pBase;
  // Newcombe's theta = p1 - p2 with p1 = candidate, p2 = baseline.
  const lowerGap = Math.sqrt(Math.max(0, (pCand - wCand.low) ** 2 - 2 * phi * (pCand - wCand.low) * (wBase.high - pBase) + (wBase.high - pBase) ** 2));
  const upperGap = Math.sqrt(Math.max(0, (wCand.high - pCand) ** 2 - 2 * phi * (wCand.high - pCand) * (pBase - wBase.low) + (pBase - wBase.low) ** 2));
  return {
    n,
    baselineRate: pBase,
    candidateRate: pCand,
    difference,
    differenceCi: { low: Math.max(-1, difference - lowerGap), high: Math.min(1, difference + upperGap) },
    pValue: Math.min(1, Math.max(0, pValue)),
  };
}

export interface PairedMeanTest {
  n: number;
  /** Mean of candidate - baseline. */
  difference: number;
  differenceCi: Interval;
  statistic: number;
  df: number;
  pValue: number;
}

/**
 * Paired t-test on the differences d = candidate - baseline: t = mean(d) / (sd(d) / sqrt(n)),
 * df = n - 1, interval mean(d) +- t(1 - alpha/2, n-1) * se. Null below 2 pairs; with zero
 * variance the interval is the point and p is 1 (all differences 0) or 0 (all equal, non-zero).
 */
export function pairedTTest(differences: readonly number[], level = 0.95): PairedMeanTest | null {
  const m = momentsOf(differences);
  if (m.n < 2) return null;
  const mean = m.sum / m.n;
  const sd = Math.sqrt(sampleVariance(m)!);
  const se = sd / Math.sqrt(m.n);
  const df = m.n - 1;
  if (se === 0 || !Number.isFinite(se) || se < Math.abs(mean) * 1e-12) {
    return {
      n: m.n,
      difference: mean,
      differenceCi: { low: mean, high: mean },
      statistic: mean === 0 ? 0 : Math.sign(mean) * Infinity,
      df,
      pValue: mean === 0 ? 1 : 0,
    };
  }
  const statistic = mean / se;
  const tq = studentTQuantile(1 - (1 - level) / 2, df);
  return {
    n: m.n,
    difference: mean,
    differenceCi: { low: mean - tq * se, high: mean + tq * se },
    statistic,
    df,
    pValue: Math.min(1, 2 * (1 - studentTCdf(Math.abs(statistic), df))),
  };
}

/**
 * Average ranks (1-based) of values, ties sharing the mean of their positions, and the sizes of
 * the tie groups. Sorts a typed copy (numeric sort, no per-value objects) and finds each value's
 * run of equals by binary search: 10,000 values in a few milliseconds.
 */
function averageRanks(values: readonly number[]): { ranks: Float64Array; tieGroups: number[] } {
  const sorted = Float64Array.from(values).sort();
  const tieGroups: number[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[i]) j += 1;
    if (j > i) tieGroups.push(j - i + 1);
    i = j + 1;
  }
  const lowerBound = (x: number, strict: boolean) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (strict ? sorted[mid]! <= x : sorted[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const ranks = new Float64Array(values.length);
  values.forEach((v, i) => {
    // Positions first..last (0-based) hold v: the average 1-based rank is (first + 1 + last + 1) / 2.
    const first = lowerBound(v, false);
    const last = lowerBound(v, true) - 1;
    ranks[i] = (first + last + 2) / 2;
  });
  return { ranks, tieGroups };
}

export interface SignedRankTest {
  /** Pairs with a non-zero difference (zeros are dropped, Wilcoxon's convention). */
  n: number;
  /** Sum of the ranks of the positive differences. */
  wPlus: number;
  /** Two-sided. */
  pValue: number;
  method: "exact" | "normal";
}

/** Above this many non-zero pairs the normal approximation is used (as scipy does). */
export const SIGNED_RANK_EXACT_MAX = 50;

/**
 * Wilcoxon signed-rank test on paired differences. Zero differences are dropped; |d| is ranked
 * with average ranks for ties. With at most SIGNED_RANK_EXACT_MAX non-zero pairs the p-value is
 * exact: the permutation distribution of W+ over all 2^n sign assignments, counted by dynamic
 * programming over doubled ranks (so tied, half-integer ranks stay exact);
 * p = min(1, 2 min(P(W+ <= w), P(W+ >= w))). Otherwise the normal approximation with the tie
 * correction var = n(n+1)(2n+1)/24 - sum(t^3 - t)/48 and a continuity correction of 1/2 toward
 * the mean. Null when every difference is zero.
 */
export function wilcoxonSignedRank(differences: readonly number[]): SignedRankTest | null {
  const nonZero = differences.filter((d) => d !== 0 && Number.isFinite(d));
  const n = nonZero.length;
  if (n === 0) return null;
  const { ranks, tieGroups } = averageRanks(nonZero.map(Math.abs));
  let wPlus = 0;
  nonZero.forEach((d, i) => {
    if (d > 0) wPlus += ranks[i]!;
  });
  if (n <= SIGNED_RANK_EXACT_MAX) {
    // Doubled ranks are integers; counts[s] = number of sign assignments with 2 W+ = s.
    const doubled = Array.from(ranks, (r) => Math.round(2 * r));
    const total = doubled.reduce((sum, r) => sum + r, 0);
    let counts = new Float64Array(total + 1);
    counts[0] = 1;
    let reach = 0;
    for (const r of doubled) {
      const next = new Float64Array(total + 1);
      for (let s = 0; s <= reach; s += 1) {
        const c = counts[s]!;
        if (c === 0) continue;
        next[s] = next[s]! + c;
        next[s + r] = next[s + r]! + c;
      }
      reach += r;
      counts = next;
    }
    const observed = Math.round(2 * wPlus);
    let below = 0;
    let above = 0;
    for (let s = 0; s <= total; s += 1) {
      if (s <= observed) below += counts[s]!;
      if (s >= observed) above += counts[s]!;
    }
    const all = 2 ** n;
    return { n, wPlus, pValue: Math.min(1, (2 * Math.min(below, above)) / all), method: "exact" };
  }
  const mean = (n * (n + 1)) / 4;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieGroups.reduce((s, t) => s + (t * t * t - t), 0) / 48;
  if (variance <= 0) return { n, wPlus, pValue: 1, method: "normal" };
  const deviation = wPlus - mean;
  const corrected = Math.max(0, Math.abs(deviation) - 0.5);
  const z = corrected / Math.sqrt(variance);
  return { n, wPlus, pValue: Math.min(1, 2 * (1 - normalCdf(z))), method: "normal" };
}

/** How many Walsh averages (d_i + d_j) / 2, i <= j, of the sorted values are <= x: O(n). */
function walshCountAtMost(sorted: Float64Array, x: number): number {
  let count = 0;
  let j = sorted.length - 1;
  for (let i = 0; i < sorted.length; i += 1) {
    // For this i, pairs (i, j') with j' >= i and sorted[i] + sorted[j'] <= 2x.
    while (j >= 0 && sorted[i]! + sorted[j]! > 2 * x) j -= 1;
    if (j < i) break;
    count += j - i + 1;
  }
  return count;
}

/** The smallest Walsh average > x (two pointers, O(n)). */
function smallestWalshAbove(sorted: Float64Array, x: number): number {
  let best = Infinity;
  let j = sorted.length - 1;
  for (let i = 0; i < sorted.length; i += 1) {
    // j walks down to the smallest index >= i whose sum with i still exceeds 2x.
    while (j - 1 >= i && sorted[i]! + sorted[j - 1]! > 2 * x) j -= 1;
    if (j < i) j = i;
    if (sorted[i]! + sorted[j]! > 2 * x) best = Math.min(best, (sorted[i]! + sorted[j]!) / 2);
  }
  return best;
}

/**
 * The k-th smallest (1-based) Walsh average without listing the n(n+1)/2 of them: bisect on the
 * value (an O(n) count per step) until at most n averages lie in the bracket (low, high], then
 * list those and select. About log2(n/2) + 1 passes: fine for 10,000 pairs (50 million averages).
 */
function walshOrderStatistic(sorted: Float64Array, k: number): number {
  const n = sorted.length;
  let low = sorted[0]!;
  let high = sorted[n - 1]!;
  let lowCount = walshCountAtMost(sorted, low);
  if (k <= lowCount) return low;
  let highCount = walshCountAtMost(sorted, high);
  for (let step = 0; highCount - lowCount > n; step += 1) {
    const mid = low + (high - low) / 2;
    // The bracket cannot shrink further (ties: many equal averages): the k-th is its smallest.
    if (step >= 80 || mid <= low || mid >= high) return smallestWalshAbove(sorted, low);
    const count = walshCountAtMost(sorted, mid);
    if (count >= k) {
      high = mid;
      highCount = count;
    } else {
      low = mid;
      lowCount = count;
    }
  }
  // The averages in (low, high], found with the same comparisons as walshCountAtMost.
  const inBracket: number[] = [];
  let jHigh = n - 1;
  let jLow = n - 1;
  for (let i = 0; i < n; i += 1) {
    while (jHigh >= 0 && sorted[i]! + sorted[jHigh]! > 2 * high) jHigh -= 1;
    while (jLow >= 0 && sorted[i]! + sorted[jLow]! > 2 * low) jLow -= 1;
    if (jHigh < i) break;
    for (let j = Math.max(i, jLow + 1); j <= jHigh; j += 1) inBracket.push((sorted[i]! + sorted[j]!) / 2);
  }
  inBracket.sort((a, b) => a - b);
  return inBracket[k - lowCount - 1] ?? high;
}

/**
 * Hodges–Lehmann estimate of the paired shift: the median of the Walsh averages
 * (d_i + d_j) / 2, i <= j, with the distribution-free interval from the signed-rank statistic:
 * [W_(k), W_(M+1-k)] with M = n(n+1)/2 and k = floor(M/2 - z sqrt(n(n+1)(2n+1)/24)) (normal
 * approximation; Hollander & Wolfe, Nonparametric Statistical Methods, 3.2). Zeros are kept
 * (the estimate of a shift uses every pair). Null for no pairs; no interval below 6 pairs.
 */
export function hodgesLehmann(differences: readonly number[], level = 0.95): { estimate: number; ci: Interval | null } | null {
  const finite = differences.filter((d) => Number.isFinite(d));
  const n = finite.length;
  if (n === 0) return null;
  const sorted = Float64Array.from(finite).sort();
  const m = (n * (n + 1)) / 2;
  const estimate = m % 2 === 1 ? walshOrderStatistic(sorted, (m + 1) / 2) : (walshOrderStatistic(sorted, m / 2) + walshOrderStatistic(sorted, m / 2 + 1)) / 2;
  if (n < 6) return { estimate, ci: null };
  const z = normalQuantile(1 - (1 - level) / 2);
  const k = Math.floor(m / 2 - z * Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24));
  if (k < 1) return { estimate, ci: null };
  return { estimate, ci: { low: walshOrderStatistic(sorted, k), high: walshOrderStatistic(sorted, m + 1 - k) } };
}

export interface KappaResult {
  n: number;
  /** Observed agreement. */
  observed: number;
  /** Agreement expected by chance from the margins. */
  expected: number;
  kappa: number | null;
  /** Asymptotic standard error (Fleiss, Cohen & Everitt 1969); null when kappa is undefined. */
  se: number | null;
  ci: Interval | null;
}

/**
 * Cohen's kappa for a square agreement table `table[i][j]` (rater A says i, rater B says j):
 * kappa = (po - pe) / (1 - pe). Its large-sample variance is Fleiss, Cohen & Everitt (1969),
 * "Large sample standard errors of kappa and weighted kappa", Psychol Bull 72:323:
 * var = [sum_i p_ii (1 - (p_i. + p_.i)(1 - k))^2 + (1 - k)^2 sum_{i != j} p_ij (p_.i + p_j.)^2
 *        - (k - pe (1 - k))^2] / (n (1 - pe)^2),
 * the interval kappa +- z se (clipped to [-1, 1]). Kappa is null when pe = 1 (both raters
 * always said the same single category: agreement carries no information).
 */
export function cohensKappa(table: readonly (readonly number[])[], level = 0.95): KappaResult | null {
  const k = table.length;
  if (k === 0 || table.some((row) => row.length !== k)) throw new RangeError("the agreement table must be square");
  const n = table.reduce((s, row) => s + row.reduce((t, v) => t + v, 0), 0);
  if (n <= 0) return null;
  const p = table.map((row) => row.map((v) => v / n));
  const rowSum = p.map((row) => row.reduce((s, v) => s + v, 0));
  const colSum = p[0]!.map((_, j) => p.reduce((s, row) => s + row[j]!, 0));
  const observed = p.reduce((s, row, i) => s + row[i]!, 0);
  const expected = rowSum.reduce((s, r, i) => s + r * colSum[i]!, 0);
  if (expected >= 1 - 1e-15) return { n, observed, expected, kappa: null, se: null, ci: null };
  const kappa = (observed - expected) / (1 - expected);
  let diag = 0;
  let off = 0;
  for (let i = 0; i < k; i += 1) {
    for (let j = 0; j < k; j += 1) {
      if (i === j) diag += p[i]![i]! * (1 - (rowSum[i]! + colSum[i]!) * (1 - kappa)) ** 2;
      else off += p[i]![j]! * (colSum[i]! + rowSum[j]!) ** 2;
    }
  }
  const variance = (diag + (1 - kappa) ** 2 * off - (kappa - expected * (1 - kappa)) ** 2) / (n * (1 - expected) ** 2);
  const se = Math.sqrt(Math.max(0, variance));
  const z = normalQuantile(1 - (1 - level) / 2);
  return { n, observed, expected, kappa, se, ci: { low: Math.max(-1, kappa - z * se), high: Math.min(1, kappa + z * se) } };
}

/** A number for prose: at most `digits` decimals, trailing zeros dropped ("6.5", "2", "-0.03"). */
function plain(value: number, digits: number): string {
  const fixed = value.toFixed(digits);
  const trimmed = fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
  return trimmed === "-0" ? "0" : trimmed;
}

/** A p-value for prose: "p < 0.001" or "p = 0.004". */
export function formatPValue(p: number): string {
  if (p < 0.001) return "p < 0.001";
  return `p = ${p < 0.01 ? p.toFixed(3) : plain(p, 3)}`;
}

/**
 * The paired comparison in plain words. For pass rates (`kind: "rate"`, differences as
 * proportions) the wording is in percentage points: "1.3.0 passes 6.5 points more often than
 * 1.2.0 (95% CI 2.1 to 10.9; p = 0.004)"; for scores (`kind: "score"`): "1.3.0 scores 0.042
 * higher than 1.2.0 (95% CI 0.012 to 0.071; p = 0.006)". When p >= alpha: "no detectable
 * difference between 1.3.0 and 1.2.0 (... ; 95% CI -1.2 to 3.4; p = 0.41)".
 */
export function pairedVerdict(input: {
  candidate: string;
  baseline: string;
  kind: "rate" | "score";
  difference: number;
  ci: Interval | null;
  pValue: number | null;
  alpha?: number;
  level?: number;
}): { significant: boolean; direction: "better" | "worse" | "none"; text: string } {
  const alpha = input.alpha ?? 0.05;
  const level = Math.round((input.level ?? 0.95) * 100);
  const scale = input.kind === "rate" ? 100 : 1;
  const digits = input.kind === "rate" ? 1 : 3;
  const ci = input.ci ? `${level}% CI ${plain(input.ci.low * scale, digits)} to ${plain(input.ci.high * scale, digits)}` : null;
  const details = [ci, input.pValue === null ? null : formatPValue(input.pValue)].filter(Boolean).join("; ");
  const tail = details ? ` (${details})` : "";
  const significant = input.pValue !== null && input.pValue < alpha && input.difference !== 0;
  if (!significant) {
    const what = input.kind === "rate" ? "pass rate" : "score";
    return { significant: false, direction: "none", text: `no detectable difference in ${what} between ${input.candidate} and ${input.baseline}${tail}` };
  }
  const better = input.difference > 0;
  const size = plain(Math.abs(input.difference) * scale, digits);
  const text =
    input.kind === "rate"
      ? `${input.candidate} passes ${size} points ${better ? "more" : "less"} often than ${input.baseline}${tail}`
      : `${input.candidate} scores ${size} ${better ? "higher" : "lower"} than ${input.baseline}${tail}`;
  return { significant: true, direction: better ? "better" : "worse", text };
}
