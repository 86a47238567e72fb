import { mergeHistograms, percentileFromHistogram, type Histogram } from "@/lib/metrics/histogram";

/**
 * Exact additive figures of a set of calls (one rollup row, or any merge of them). Money is
 * integer micro-dollars; token and money sums are numbers (safe up to 2^53, i.e. $9e9).
 */
export interface RollupSums {
  calls: number;
  errors: number;
  refusals: number;
  invalidOutputs: number;
  scored: number;
  scoreSum: number;
  batchCalls: number;
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  costMicros: number;
  uncachedCostMicros: number;
  batchSavingsMicros: number;
  latencyMsSum: number;
  outputCharsSum: number;
}

export const SUM_FIELDS = [
  "calls",
  "errors",
  "refusals",
  "invalidOutputs",
  "scored",
  "scoreSum",
  "batchCalls",
  "inputTokens",
  "outputTokens",
  "cacheWriteTokens",
  "cacheReadTokens",
  "costMicros",
  "uncachedCostMicros",
  "batchSavingsMicros",
  "latencyMsSum",
  "outputCharsSum",
] as const satisfies ReadonlyArray<keyof RollupSums>;

export function emptySums(): RollupSums {
  const s = {} as RollupSums;
  for (const f of SUM_FIELDS) s[f] = 0;
  return s;
}

/** a + b per field (new object). */
export function addSums(a: RollupSums, b: RollupSums): RollupSums {
  const s = emptySums();
  for (const f of SUM_FIELDS) s[f] = a[f] + b[f];
  return s;
}

/** Sums with their latency histogram. */
export interface RollupCell extends RollupSums {
  histogram: Histogram;
}

export function mergeCells(cells: readonly RollupCell[]): RollupCell {
  let sums = emptySums();
  for (const c of cells) sums = addSums(sums, c);
  return { ...sums, histogram: mergeHistograms(...cells.map((c) => c.histogram)) };
}

/** numerator / denominator, or null when the denominator is 0 (no data is not 0%). */
export function rate(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

/** Every figure a chart or table shows, derived from sums + histogram. Rates are fractions (0..1). */
export interface DerivedMetrics {
  calls: number;
  /** Mean score of scored calls (correct = 1): null when nothing was scored. */
  accuracy: number | null;
  scored: number;
  errorRate: number | null;
  refusalRate: number | null;
  invalidOutputRate: number | null;
  avgOutputChars: number | null;
  latencyAvgMs: number | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  latencyP99Ms: number | null;
  costMicros: number;
  costPerCallMicros: number | null;
  uncachedCostMicros: number;
  /** What prompt caching saved: uncached cost - actual cost. */
  cacheSavingsMicros: number;
  batchSavingsMicros: number;
  /** Share of input tokens read from the cache: cacheRead / (input + cacheWrite + cacheRead). */
  cacheHitRate: number | null;
  /** Uncached input tokens, as Anthropic's usage, the ingest API and the run response mean it (cache reads and writes excluded). */
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  /** All input: inputTokens + cacheWriteTokens + cacheReadTokens. */
  totalInputTokens: number;
  /** Uncached input tokens per call. */
  avgInputTokens: number | null;
  /** All input tokens (incl. cache reads and writes) per call. */
  avgTotalInputTokens: number | null;
  avgOutputTokens: number | null;
}

export function deriveMetrics(cell: RollupCell): DerivedMetrics {
  const allInput = cell.inputTokens + cell.cacheWriteTokens + cell.cacheReadTokens;
  return {
    calls: cell.calls,
    accuracy: rate(cell.scoreSum, cell.scored),
    scored: cell.scored,
    errorRate: rate(cell.errors, cell.calls),
    refusalRate: rate(cell.refusals, cell.calls),
    invalidOutputRate: rate(cell.invalidOutputs, cell.calls),
    avgOutputChars: rate(cell.outputCharsSum, cell.calls),
    latencyAvgMs: rate(cell.latencyMsSum, cell.calls),
    latencyP50Ms: percentileFromHistogram(cell.histogram, 0.5),
    latencyP95Ms: percentileFromHistogram(cell.histogram, 0.95),
    latencyP99Ms: percentileFromHistogram(cell.histogram, 0.99),
    costMicros: cell.costMicros,
    costPerCallMicros: rate(cell.costMicros, cell.calls),
    uncachedCostMicros: cell.uncachedCostMicros,
    cacheSavingsMicros: cell.uncachedCostMicros - cell.costMicros,
    batchSavingsMicros: cell.batchSavingsMicros,
    cacheHitRate: rate(cell.cacheReadTokens, allInput),
    inputTokens: cell.inputTokens,
    outputTokens: cell.outputTokens,
    cacheWriteTokens: cell.cacheWriteTokens,
    cacheReadTokens: cell.cacheReadTokens,
    totalInputTokens: allInput,
    avgInputTokens: rate(cell.inputTokens, cell.calls),
    avgTotalInputTokens: rate(allInput, cell.calls),
    avgOutputTokens: rate(cell.outputTokens, cell.calls),
  };
}

/** Relative change b vs a ((b - a) / |a|), null when either is null or a is 0. */
export function relativeChange(previous: number | null, current: number | null): number | null {
  if (previous === null || current === null || previous === 0) return null;
  return (current - previous) / Math.abs(previous);
}

/** Converts a database row's numeric-ish fields (bigint, string, number) to a RollupCell. */
export function cellFromRow(row: Record<string, unknown>): RollupCell {
  const s = emptySums();
  for (const f of SUM_FIELDS) {
    const v = row[f];
    s[f] = v === null || v === undefined ? 0 : Number(v as number | bigint | string);
  }
  const h = row.histogram ?? row.latencyHistogram;
  return { ...s, histogram: h && typeof h === "object" ? (h as Histogram) : {} };
}
