/**
 * Log-bucketed latency histograms (DDSketch-style). A latency v > 0 ms falls in bucket
 * `ceil(ln v / ln GAMMA) + 1`, 0 ms (or less) in bucket 0. Bucket i >= 1 covers
 * (GAMMA^(i-2), GAMMA^(i-1)] and is represented by `2 GAMMA^(i-1) / (GAMMA + 1)`, which is within
 * RELATIVE_ACCURACY = (GAMMA - 1) / (GAMMA + 1) of every value in the bucket: a percentile read
 * from the histogram is within 0.75% of the exact (nearest-rank) percentile.
 *
 * Histograms are sparse `{ "<index>": count }` objects (the jsonb stored in
 * MetricRollup.latencyHistogram); the SQL in rollup-sql.ts computes the same index.
 */
export const GAMMA = 1.015;
export const RELATIVE_ACCURACY = (GAMMA - 1) / (GAMMA + 1);
const LN_GAMMA = Math.log(GAMMA);

export type Histogram = Record<string, number>;

/** The bucket index of a latency in ms (0 for v <= 0). */
export function bucketIndex(valueMs: number): number {
  if (!(valueMs > 0)) return 0;
  return Math.ceil(Math.log(valueMs) / LN_GAMMA) + 1;
}

/** The value a bucket stands for (0 for bucket 0). */
export function bucketValue(index: number): number {
  if (index <= 0) return 0;
  return (2 * GAMMA ** (index - 1)) / (GAMMA + 1);
}

/** A histogram of the given values. */
export function histogramOf(values: Iterable<number>): Histogram {
  const h: Histogram = {};
  for (const v of values) {
    const k = String(bucketIndex(v));
    h[k] = (h[k] ?? 0) + 1;
  }
  return h;
}

/** The sum of histograms (counts added per bucket); inputs are not modified. */
export function mergeHistograms(...histograms: ReadonlyArray<Histogram | null | undefined>): Histogram {
  const out: Histogram = {};
  for (const h of histograms) {
    if (!h) continue;
    for (const [k, n] of Object.entries(h)) out[k] = (out[k] ?? 0) + Number(n);
  }
  return out;
}

/** Total count of a histogram. */
export function histogramCount(h: Histogram): number {
  let n = 0;
  for (const v of Object.values(h)) n += Number(v);
  return n;
}

/**
 * The q-quantile (0 < q <= 1) by nearest rank: the value of the ceil(q n)-th smallest
 * observation, read as its bucket's representative value. Null for an empty histogram.
 */
export function percentileFromHistogram(h: Histogram, q: number): number | null {
  const entries = Object.entries(h)
    .map(([k, n]) => [Number(k), Number(n)] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  for (const [, n] of entries) total += n;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [k, n] of entries) {
    seen += n;
    if (seen >= rank) return bucketValue(k);
  }
  const last = entries[entries.length - 1];
  return last ? bucketValue(last[0]) : null;
}

/** The exact nearest-rank q-quantile of raw values (null when empty); the reference for tests and the raw-table comparison. */
export function exactPercentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] ?? null;
}
