import type { MetricsApiResult } from "@/lib/metrics/api";
import { stringify } from "csv-stringify/sync";
import { z } from "zod";
import { parseOrThrow } from "@/lib/errors";

type Cell = string | number | null | undefined;

/**
 * CSV text (RFC 4180, csv-stringify) from a header and rows: CRLF after every row, a field quoted
 * when it holds a comma, a quote or a line break, null and undefined as empty cells.
 */
export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<Cell>>): string {
  return stringify([header, ...rows] as Cell[][], { record_delimiter: "\r\n", quoted_match: /[\r\n]/ });
}

export const METRICS_CSV_TABLES = ["prompt", "model", "day", "source"] as const;
export type MetricsCsvTable = (typeof METRICS_CSV_TABLES)[number];
const csvTableSchema = z.enum(METRICS_CSV_TABLES, { error: `table must be one of ${METRICS_CSV_TABLES.join(", ")}` }).default("prompt");

/**
 * The `table` query parameter of a CSV export (absent = prompt). Only these names reach the
 * download's file name, so no header can carry what a caller typed (CRLF, NUL, quotes).
 */
export function parseCsvTable(value: string | null): MetricsCsvTable {
  return parseOrThrow(csvTableSchema, value ?? undefined, "bad_request", (issues) => issues[0]?.message ?? "invalid table");
}

/**
 * CSV of a metrics table: for the prompt view the per-version table (with changes against the
 * previous version), for the overview the per-prompt breakdown, for the cost view the table
 * named by `table` (prompt | model | day). Money in micro-dollars, rates as fractions.
 */
export function metricsCsv(result: MetricsApiResult, table: MetricsCsvTable = "prompt"): string {
  if (result.view === "prompt") {
    return toCsv(
      [
        "version",
        "calls",
        "accuracy",
        "scored",
        "error_rate",
        "refusal_rate",
        "avg_output_chars",
        "latency_p50_ms",
        "latency_p95_ms",
        "latency_p99_ms",
        "cost_micros",
        "cost_per_call_micros",
        "cache_hit_rate",
        "input_tokens",
        "total_input_tokens",
        "output_tokens",
        "calls_change",
        "accuracy_change",
        "error_rate_change",
        "latency_p95_change",
        "cost_per_call_change",
      ],
      result.table.map((r) => [
        r.version,
        r.metrics.calls,
        r.metrics.accuracy,
        r.metrics.scored,
        r.metrics.errorRate,
        r.metrics.refusalRate,
        r.metrics.avgOutputChars,
        r.metrics.latencyP50Ms,
        r.metrics.latencyP95Ms,
        r.metrics.latencyP99Ms,
        r.metrics.costMicros,
        r.metrics.costPerCallMicros,
        r.metrics.cacheHitRate,
        r.metrics.inputTokens,
        r.metrics.totalInputTokens,
        r.metrics.outputTokens,
        r.change.calls,
        r.change.accuracy,
        r.change.errorRate,
        r.change.latencyP95Ms,
        r.change.costPerCallMicros,
      ]),
    );
  }
  if (result.view === "overview") {
    return toCsv(
      ["prompt", "calls", "cost_micros", "error_rate", "latency_p95_ms", "cache_savings_micros", "accuracy"],
      result.byPrompt.map((r) => [
        r.prompt,
        r.metrics.calls,
        r.metrics.costMicros,
        r.metrics.errorRate,
        r.metrics.latencyP95Ms,
        r.metrics.cacheSavingsMicros,
        r.metrics.accuracy,
      ]),
    );
  }
  const rows = table === "model" ? result.byModel : table === "day" ? result.byDay : table === "source" ? result.bySource : result.byPrompt;
  return toCsv(
    [table, "calls", "cost_micros", "uncached_cost_micros", "cache_savings_micros", "batch_calls", "batch_savings_micros"],
    rows.map((r) => [r.name, r.calls, r.costMicros, r.uncachedCostMicros, r.cacheSavingsMicros, r.batchCalls, r.batchSavingsMicros]),
  );
}
