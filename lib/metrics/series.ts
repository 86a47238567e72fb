import type { DerivedMetrics } from "@/lib/metrics/aggregate";

/** One chart row: the bucket time (ms) and one value per series key (null = no data there). */
export type ChartRow = { t: number } & Record<string, number | null>;

/**
 * Chart-ready rows from per-bucket points: `series[i].points[j]` is bucket `buckets[j]`.
 * `pick` selects the figure; values are scaled by `scale` (e.g. 100 for percentages).
 */
export function toChartRows(
  buckets: readonly string[],
  series: ReadonlyArray<{ key: string; points: ReadonlyArray<DerivedMetrics | null> }>,
  pick: (m: DerivedMetrics) => number | null,
  scale = 1,
): ChartRow[] {
  return buckets.map((b, j) => {
    const row: ChartRow = { t: Date.parse(b) };
    for (const s of series) {
      const p = s.points[j];
      const v = p ? pick(p) : null;
      row[s.key] = v === null || v === undefined ? null : v * scale;
    }
    return row;
  });
}
