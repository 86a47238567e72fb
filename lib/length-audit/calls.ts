import { estimateTokens } from "@/lib/models/tokens";
import type { Variables } from "@/lib/prompts/schemas";

/**
 * What the length audit reads of logged calls, and the statistics it derives from them. Pure: the
 * database query that fills `AuditCall`s is `sampleAuditCalls` (./queries.ts).
 */

/** One logged call of the audited version, as far as the audit needs it. */
export interface AuditCall {
  createdAt: Date;
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  /** The variables the call was run with (`metadata.variables`), null when the log did not keep them. */
  variables: Record<string, unknown> | null;
}

export interface VariableStats {
  name: string;
  /** Calls of the sample that kept their variables. */
  calls: number;
  /** Share of those calls where the variable was missing, null, empty or only whitespace (0..1). */
  emptyShare: number;
  /** Estimated tokens of the value as rendered (the offline estimate x the model's tokenizer factor 1). */
  p50Tokens: number;
  p95Tokens: number;
}

export interface CallStats {
  /** Calls in the sample (the newest `limit` of the version's production traffic). */
  calls: number;
  /** Of those, calls whose variables the log kept. */
  callsWithVariables: number;
  from: Date;
  to: Date;
  /** Observed rate over the sample's span; null when the sample is a single instant. */
  callsPerDay: number | null;
  /** Mean tokens per call (input = uncached input + cache writes + cache reads). */
  mean: {
    inputTokens: number;
    uncachedInputTokens: number;
    cacheWriteTokens: number;
    cacheWrite1hTokens: number;
    cacheReadTokens: number;
    outputTokens: number;
  };
  output: { p50: number; p95: number; p99: number; max: number };
  /** Share of input tokens read from the cache (0..1). */
  cachedShare: number;
  /** Calls that wrote to the cache, calls that read from it. */
  writeCalls: number;
  readCalls: number;
  /** Calls whose input plus max_tokens came within 10% of the model's context window. */
  nearContextWindow: number;
  variables: VariableStats[];
}

/** The value at quantile q (0..1) of sorted numbers, nearest rank; 0 for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? 0;
}

/** The text a variable value becomes in the prompt (strings as is, the rest as JSON), "" for nothing. */
export function variableText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value) ?? "";
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === "string") return value.trim() === "";
  if (Array.isArray(value)) return value.length === 0;
  return false;
}

/** Near the window: input + max_tokens >= 90% of the context window. */
export const NEAR_WINDOW_SHARE = 0.9;

/**
 * Statistics of a sample of calls (any order) against the version's variable contract: rate,
 * mean tokens, output quantiles, cache activity, calls near the context window, and per declared
 * variable its p50/p95 tokens and how often it was empty. Null for an empty sample.
 */
export function summarizeCalls(calls: readonly AuditCall[], contract: Variables, model: { contextWindow: number; maxTokens: number }): CallStats | null {
  if (calls.length === 0) return null;
  const times = calls.map((c) => c.createdAt.getTime());
  const from = Math.min(...times);
  const to = Math.max(...times);
  const spanDays = (to - from) / 86_400_000;
  const n = calls.length;
  const sum = (pick: (c: AuditCall) => number) => calls.reduce((s, c) => s + pick(c), 0);
  const uncached = sum((c) => c.inputTokens);
  const writes = sum((c) => c.cacheWriteTokens);
  const reads = sum((c) => c.cacheReadTokens);
  const totalInput = uncached + writes + reads;
  const outputs = calls.map((c) => c.outputTokens).sort((a, b) => a - b);
  const limit = NEAR_WINDOW_SHARE * model.contextWindow;
  const withVariables = calls.filter((c) => c.variables !== null);
  const variables: VariableStats[] = Object.keys(contract).map((name) => {
    const tokens = withVariables.map((c) => estimateTokens(variableText(c.variables?.[name]))).sort((a, b) => a - b);
    const empty = withVariables.filter((c) => isEmpty(c.variables?.[name])).length;
    return {
      name,
      calls: withVariables.length,
      emptyShare: withVariables.length === 0 ? 0 : empty / withVariables.length,
      p50Tokens: quantile(tokens, 0.5),
      p95Tokens: quantile(tokens, 0.95),
    };
  });
  return {
    calls: n,
    callsWithVariables: withVariables.length,
    from: new Date(from),
    to: new Date(to),
    // n calls over the span between the first and the last: n - 1 intervals.
    callsPerDay: spanDays > 0 && n > 1 ? (n - 1) / spanDays : null,
    mean: {
      inputTokens: totalInput / n,
      uncachedInputTokens: uncached / n,
      cacheWriteTokens: writes / n,
      cacheWrite1hTokens: sum((c) => c.cacheWrite1hTokens) / n,
      cacheReadTokens: reads / n,
      outputTokens: sum((c) => c.outputTokens) / n,
    },
    output: { p50: quantile(outputs, 0.5), p95: quantile(outputs, 0.95), p99: quantile(outputs, 0.99), max: outputs.at(-1) ?? 0 },
    cachedShare: totalInput === 0 ? 0 : reads / totalInput,
    writeCalls: calls.filter((c) => c.cacheWriteTokens > 0).length,
    readCalls: calls.filter((c) => c.cacheReadTokens > 0).length,
    nearContextWindow: calls.filter((c) => c.inputTokens + c.cacheWriteTokens + c.cacheReadTokens + model.maxTokens >= limit).length,
    variables,
  };
}
