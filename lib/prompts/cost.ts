import { AppError } from "@/lib/errors";
import { computeCallCost, findModel, type CallCost, type ModelSpec } from "@/lib/models/catalog";
import { analyzeCache, MAX_CACHE_BREAKPOINTS, type CountedTokens } from "@/lib/prompts/cache";
import type { PromptVersionContent } from "@/lib/prompts/schemas";

export interface CostPreviewOptions {
  /** Price row to use (from the ModelPrice table); defaults to the seed catalog's entry for the version's model. */
  model?: ModelSpec;
  /** Total input tokens per call; defaults to the template's token count (estimated unless countTokens is given). */
  inputTokens?: number;
  expectedOutputTokens: number;
  /** Share of calls that find the cached prefix warm, 0..1. */
  hitRate: number;
  countTokens?: (text: string) => number;
  /** Counts from messages.countTokens (total + prefix per breakpoint); used instead of the estimate. */
  counted?: CountedTokens;
  batch?: boolean;
}

export interface CostPreview {
  model: string;
  tokensEstimated: boolean;
  inputTokens: number;
  outputTokens: number;
  /** Tokens cached by the last usable breakpoint (within the first 4 and above the model's minimum). */
  cachedPrefixTokens: number;
  /** The part of cachedPrefixTokens under 1h breakpoints. */
  cached1hTokens: number;
  /** First call: the prefix is written to the cache (1.25x for 5m, 2x for 1h, from the price row). */
  cold: CallCost;
  /** Later call within the TTL: the prefix is read from the cache (0.1x, from the price row). */
  warm: CallCost;
  /** round(hitRate x warm + (1 - hitRate) x cold), integer micro-dollars. */
  blendedMicros: number;
  /** The same call with no cache_control at all. */
  uncachedMicros: number;
  hitRate: number;
}

/**
 * Cost preview of one call of a version, in integer micro-dollars via `computeCallCost` (so the
 * cache write/read multipliers come from the price row, never from literals here). The cached
 * prefix is the one ending at the last breakpoint among the first 4 whose prefix reaches the
 * model's minimum cacheable length; a cold call writes it (1h part at the 1h price), a warm call
 * reads all of it. Partial hits (1h warm, 5m cold) are not modelled. Throws
 * `AppError("unprocessable")` for an unknown model, a hit rate outside 0..1 or negative tokens.
 */
export function previewCost(version: Pick<PromptVersionContent, "system" | "messages" | "modelConfig">, options: CostPreviewOptions): CostPreview {
  const spec = options.model ?? findModel(version.modelConfig.model);
  if (!spec) throw new AppError("unprocessable", `Unknown model "${version.modelConfig.model}"`);
  if (!(options.hitRate >= 0 && options.hitRate <= 1)) throw new AppError("unprocessable", "hitRate must be between 0 and 1");
  if (!(options.expectedOutputTokens >= 0) || (options.inputTokens !== undefined && !(options.inputTokens >= 0))) {
    throw new AppError("unprocessable", "token counts must be non-negative");
  }
  const analysis = analyzeCache(version, { countTokens: options.countTokens, counted: options.counted, model: spec.model, catalog: [spec] });
  const usable = analysis.breakpoints.slice(0, MAX_CACHE_BREAKPOINTS).filter((b) => b.prefixTokens >= spec.minCacheableTokens);
  const last = usable.at(-1);
  const last1h = usable.filter((b) => b.ttl === "1h").at(-1);
  const inputTokens = Math.round(options.inputTokens ?? analysis.totalTokens);
  const cached = Math.min(last?.prefixTokens ?? 0, inputTokens);
  const cached1h = Math.min(last1h?.prefixTokens ?? 0, cached);
  const outputTokens = Math.round(options.expectedOutputTokens);
  const rest = inputTokens - cached;
  const batch = { batch: options.batch === true };

  const cold = computeCallCost({ inputTokens: rest, outputTokens, cacheWriteTokens: cached, cacheWrite1hTokens: cached1h, cacheReadTokens: 0 }, spec, batch);
  const warm = computeCallCost({ inputTokens: rest, outputTokens, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: cached }, spec, batch);
  return {
    model: spec.model,
    tokensEstimated: options.inputTokens === undefined && !options.countTokens && !options.counted,
    inputTokens,
    outputTokens,
    cachedPrefixTokens: cached,
    cached1hTokens: cached1h,
    cold,
    warm,
    blendedMicros: Math.round(options.hitRate * warm.totalMicros + (1 - options.hitRate) * cold.totalMicros),
    uncachedMicros: cold.uncachedMicros,
    hitRate: options.hitRate,
  };
}

export interface HistoryTurnCost {
  /** 1-based turn of the conversation (turn 1 has an empty history). */
  turn: number;
  historyTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  uncachedTokens: number;
  /** This turn's input cost with the history breakpoint, integer micro-dollars. */
  withBreakpointMicros: number;
  /** The same turn with no history breakpoint. */
  withoutBreakpointMicros: number;
}

export interface HistoryCostPreview {
  model: string;
  /** Template tokens before the history (tools, system, turns before its position). */
  beforeTokens: number;
  /** Template tokens after the history. */
  afterTokens: number;
  turns: HistoryTurnCost[];
  withBreakpointMicros: number;
  withoutBreakpointMicros: number;
}

/**
 * What a breakpoint on the last history message saves over a conversation of `turns` turns whose
 * every exchange (user message + answer) adds `tokensPerExchange` history tokens. Turn k carries
 * (k-1) exchanges. With the breakpoint, turn k >= 3 reads the prefix up to the end of turn k-1's
 * history from the cache and writes the one new exchange; turn 2 writes its whole prefix; turn 1
 * has no history message to cache. Below the model's minimum cacheable prefix nothing is cached.
 * Input tokens only (outputs cost the same either way), each turn within the 5-minute TTL,
 * prices from the price row via `computeCallCost`. Template tokens are the offline estimate.
 * Throws `AppError("unprocessable")` for an unknown model, no such chat history, or counts
 * outside 1..200 turns / 0..100000 tokens.
 */
export function previewHistoryCost(
  version: Pick<PromptVersionContent, "system" | "messages" | "modelConfig" | "variables">,
  historyName: string,
  options: { turns: number; tokensPerExchange: number; model?: ModelSpec },
): HistoryCostPreview {
  const spec = options.model ?? findModel(version.modelConfig.model);
  if (!spec) throw new AppError("unprocessable", `Unknown model "${version.modelConfig.model}"`);
  const def = version.variables[historyName];
  if (def?.type !== "messages") throw new AppError("unprocessable", `"${historyName}" is not a chat history of this version`);
  const { turns, tokensPerExchange } = options;
  if (!(Number.isInteger(turns) && turns >= 1 && turns <= 200) || !(tokensPerExchange >= 0 && tokensPerExchange <= 100_000)) {
    throw new AppError("unprocessable", "turns must be 1..200 and tokens per exchange 0..100000");
  }
  const blocks = analyzeCache(version, { model: spec.model, catalog: [spec] }).blocks;
  const position = Math.min(def.position, version.messages.length);
  const isBefore = (location: string) => !location.startsWith("messages.") || Number(location.split(".")[1]) < position;
  const beforeTokens = blocks.filter((b) => isBefore(b.location)).reduce((n, b) => n + b.tokens, 0);
  const afterTokens = blocks.filter((b) => !isBefore(b.location)).reduce((n, b) => n + b.tokens, 0);
  const cost = (usage: { inputTokens: number; cacheWriteTokens: number; cacheReadTokens: number }) =>
    computeCallCost({ ...usage, outputTokens: 0, cacheWrite1hTokens: def.cache_control?.ttl === "1h" ? usage.cacheWriteTokens : 0 }, spec).totalMicros;
  const rows: HistoryTurnCost[] = [];
  for (let k = 1; k <= turns; k++) {
    const history = Math.round((k - 1) * tokensPerExchange);
    const total = beforeTokens + history + afterTokens;
    const prefix = beforeTokens + history;
    const previousPrefix = beforeTokens + Math.round((k - 2) * tokensPerExchange);
    const cacheable = history > 0 && prefix >= spec.minCacheableTokens;
    const read = cacheable && k >= 3 && previousPrefix >= spec.minCacheableTokens ? previousPrefix : 0;
    const write = cacheable ? prefix - read : 0;
    const uncached = total - read - write;
    rows.push({
      turn: k,
      historyTokens: history,
      cacheReadTokens: read,
      cacheWriteTokens: write,
      uncachedTokens: uncached,
      withBreakpointMicros: cost({ inputTokens: uncached, cacheWriteTokens: write, cacheReadTokens: read }),
      withoutBreakpointMicros: cost({ inputTokens: total, cacheWriteTokens: 0, cacheReadTokens: 0 }),
    });
  }
  return {
    model: spec.model,
    beforeTokens,
    afterTokens,
    turns: rows,
    withBreakpointMicros: rows.reduce((n, r) => n + r.withBreakpointMicros, 0),
    withoutBreakpointMicros: rows.reduce((n, r) => n + r.withoutBreakpointMicros, 0),
  };
}
