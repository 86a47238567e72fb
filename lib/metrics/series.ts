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

/** CSV text (RFC 4180 quoting) from a header and rows. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): string {
  const cell = (v: string | number | null | undefined): string => {
    if (v === null || v === undefined) return "";
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
}
