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
