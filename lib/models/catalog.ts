/**
 * The seed model catalog and price list, from shared/reference/anthropic-api.md (late November
 * 2026). Prices change: this is only the seed for the ModelPrice table, which admins edit; code
 * that prices a call reads a `ModelSpec` from the database (or from here in pure tests).
 *
 * Prices are integer micro-dollars per million tokens ($3.00/MTok = 3_000_000), so every cost
 * computation stays in integers.
 */
export type ModelTier = "fast" | "standard" | "complex";
export type ModelFamily = "opus" | "sonnet" | "haiku";

export interface ModelPricing {
  inputPerMTok: number;
  cacheWrite5mPerMTok: number;
  cacheWrite1hPerMTok: number;
  cacheReadPerMTok: number;
  outputPerMTok: number;
  /** Percent off input and output (cache multipliers stack) for Message Batches. */
  batchDiscountPct: number;
}

export interface ModelSpec extends ModelPricing {
  model: string;
  displayName: string;
  family: ModelFamily;
  /** Generation, e.g. "5.5"; a change of family or generation is a breaking model change. */
  generation: string;
  tier: ModelTier;
  contextWindow: number;
  maxOutputTokens: number;
  /** Below this prefix length nothing is cached (and no error is raised). */
  minCacheableTokens: number;
  aliases: string[];
  deprecated: boolean;
  retiresAt: string | null;
}

const usd = (dollars: number): number => Math.round(dollars * 1_000_000);

function spec(
  model: string,
  displayName: string,
  family: ModelFamily,
  generation: string,
  tier: ModelTier,
  contextWindow: number,
  maxOutputTokens: number,
  minCacheableTokens: number,
  prices: [input: number, write5m: number, write1h: number, read: number, output: number],
  extra: Partial<Pick<ModelSpec, "aliases" | "deprecated" | "retiresAt">> = {},
): ModelSpec {
  const [input, write5m, write1h, read, output] = prices;
  return {
    model,
    displayName,
    family,
    generation,
    tier,
    contextWindow,
    maxOutputTokens,
    minCacheableTokens,
    inputPerMTok: usd(input),
    cacheWrite5mPerMTok: usd(write5m),
    cacheWrite1hPerMTok: usd(write1h),
    cacheReadPerMTok: usd(read),
    outputPerMTok: usd(output),
    batchDiscountPct: 50,
    aliases: extra.aliases ?? [],
    deprecated: extra.deprecated ?? false,
    retiresAt: extra.retiresAt ?? null,
  };
}

const M = 1_000_000;
const K = 1_000;

export const SEED_MODEL_CATALOG: readonly ModelSpec[] = [
  spec("claude-opus-5-5", "Claude Opus 5.5", "opus", "5.5", "complex", M, 128 * K, 512, [4, 5, 8, 0.2, 20]),
  spec("claude-sonnet-5-5", "Claude Sonnet 5.5", "sonnet", "5.5", "standard", M, 128 * K, 512, [2, 2.5, 4, 0.2, 10]),
  spec("claude-haiku-5-5", "Claude Haiku 5.5", "haiku", "5.5", "fast", 200 * K, 64 * K, 512, [0.1, 0.125, 0.2, 0.01, 0.5]),
  spec("claude-opus-5", "Claude Opus 5", "opus", "5", "complex", M, 128 * K, 512, [5, 6.25, 10, 0.5, 25]),
  spec("claude-sonnet-5", "Claude Sonnet 5", "sonnet", "5", "standard", M, 128 * K, 1024, [2, 2.5, 4, 0.2, 10]),
  spec("claude-opus-4-8", "Claude Opus 4.8", "opus", "4.8", "complex", M, 128 * K, 1024, [5, 6.25, 10, 0.5, 25]),
  spec("claude-opus-4-7", "Claude Opus 4.7", "opus", "4.7", "complex", M, 128 * K, 2048, [5, 6.25, 10, 0.5, 25]),
  spec("claude-opus-4-6", "Claude Opus 4.6", "opus", "4.6", "complex", M, 128 * K, 4096, [5, 6.25, 10, 0.5, 25]),
  spec("claude-sonnet-4-6", "Claude Sonnet 4.6", "sonnet", "4.6", "standard", M, 64 * K, 1024, [3, 3.75, 6, 0.3, 15]),
  spec("claude-opus-4-5", "Claude Opus 4.5", "opus", "4.5", "complex", 200 * K, 64 * K, 4096, [5, 6.25, 10, 0.5, 25], {
    deprecated: true,
  }),
  spec("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "sonnet", "4.5", "standard", 200 * K, 64 * K, 1024, [3, 3.75, 6, 0.3, 15], {
    aliases: ["claude-sonnet-4-5"],
    deprecated: true,
    retiresAt: "2026-11-30T00:00:00Z",
  }),
  spec("claude-haiku-4-5-20251001", "Claude Haiku 4.5", "haiku", "4.5", "fast", 200 * K, 64 * K, 4096, [1, 1.25, 2, 0.1, 5], {
    aliases: ["claude-haiku-4-5"],
  }),
];

export const DEFAULT_MODEL = "claude-sonnet-5-5";

/** Finds a model by id or alias in a catalog (the seed one by default). */
export function findModel(model: string, catalog: readonly ModelSpec[] = SEED_MODEL_CATALOG): ModelSpec | undefined {
  return catalog.find((m) => m.model === model || m.aliases.includes(model));
}

/** Token usage as the Messages API reports it (cache writes split by TTL when known). */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  /** All cache-creation tokens (5m + 1h). */
  cacheWriteTokens: number;
  /** The part of cacheWriteTokens written with the 1h TTL. */
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
}

export interface CallCost {
  inputMicros: number;
  cacheWrite5mMicros: number;
  cacheWrite1hMicros: number;
  cacheReadMicros: number;
  outputMicros: number;
  totalMicros: number;
  /** What the same tokens would have cost with no caching at all (all input at the input price). */
  uncachedMicros: number;
}

/**
 * Exact cost of one call in integer micro-dollars. Each component is tokens x price-per-MTok /
 * 1e6, rounded half-up once per component; batch calls take the batch discount on every line.
 */
export function computeCallCost(usage: TokenUsage, price: ModelPricing, options: { batch?: boolean } = {}): CallCost {
  const factor = options.batch ? (100 - price.batchDiscountPct) / 100 : 1;
  const line = (tokens: number, perMTok: number): number => Math.round((tokens * perMTok * factor) / 1_000_000);
  const write1h = Math.max(0, Math.min(usage.cacheWrite1hTokens, usage.cacheWriteTokens));
  const write5m = Math.max(0, usage.cacheWriteTokens - write1h);
  const cost = {
    inputMicros: line(usage.inputTokens, price.inputPerMTok),
    cacheWrite5mMicros: line(write5m, price.cacheWrite5mPerMTok),
    cacheWrite1hMicros: line(write1h, price.cacheWrite1hPerMTok),
    cacheReadMicros: line(usage.cacheReadTokens, price.cacheReadPerMTok),
    outputMicros: line(usage.outputTokens, price.outputPerMTok),
  };
  const totalInput = usage.inputTokens + usage.cacheWriteTokens + usage.cacheReadTokens;
  return {
    ...cost,
    totalMicros: cost.inputMicros + cost.cacheWrite5mMicros + cost.cacheWrite1hMicros + cost.cacheReadMicros + cost.outputMicros,
    uncachedMicros: line(totalInput, price.inputPerMTok) + cost.outputMicros,
  };
}

/** Formats micro-dollars for display: $0.0123, $12.34. */
export function formatMicros(micros: number | bigint): string {
  const dollars = Number(micros) / 1_000_000;
  if (dollars === 0) return "$0";
  if (Math.abs(dollars) < 0.01) return `$${dollars.toFixed(6).replace(/0+$/, "")}`;
  if (Math.abs(dollars) < 1) return `$${dollars.toFixed(4)}`;
  return `$${dollars.toFixed(2)}`;
}

/** How demanding a task is; maps onto a model tier. */
export type TaskComplexity = ModelTier | "low" | "medium" | "high";

const TIER_BY_COMPLEXITY: Record<TaskComplexity, ModelTier> = {
  fast: "fast",
  standard: "standard",
  complex: "complex",
  low: "fast",
  medium: "standard",
  high: "complex",
};

/**
 * Model routing by tier: the newest non-deprecated model of the tier the complexity maps to
 * (low/fast -> fast, medium/standard -> standard, high/complex -> complex), newest meaning the
 * highest generation, catalog order breaking ties. Falls back to any non-deprecated model of
 * the tier, then to DEFAULT_MODEL's spec. Throws only if the catalog is empty.
 */
export function routeModel(complexity: TaskComplexity, catalog: readonly ModelSpec[] = SEED_MODEL_CATALOG): ModelSpec {
  const tier = TIER_BY_COMPLEXITY[complexity];
  const candidates = catalog.filter((m) => m.tier === tier && !m.deprecated && m.retiresAt === null);
  const pool = candidates.length > 0 ? candidates : catalog.filter((m) => m.tier === tier);
  let best: ModelSpec | undefined;
  for (const m of pool) {
    if (!best || Number.parseFloat(m.generation) > Number.parseFloat(best.generation)) best = m;
  }
  const chosen = best ?? findModel(DEFAULT_MODEL, catalog) ?? catalog[0];
  if (!chosen) throw new Error("routeModel: the model catalog is empty");
  return chosen;
}
