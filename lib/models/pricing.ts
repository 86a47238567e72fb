import { getEnv } from "@/lib/env";
import { childLogger } from "@/lib/logger";
import { findModel, SEED_MODEL_CATALOG, type ModelFamily, type ModelSpec, type ModelTier } from "@/lib/models/catalog";

/**
 * Prices come from the `ModelPrice` table (admins edit it), cached in memory for a short TTL,
 * falling back to the seed catalog when the table is empty, a model is missing from it, or the
 * database cannot be reached. Fields the table does not hold (generation, aliases) come from the
 * seed entry of the same model.
 */

const log = childLogger({ component: "pricing" });

/** A ModelPrice row as Prisma returns it (BigInt prices). */
export interface ModelPriceRow {
  model: string;
  displayName: string;
  family: string;
  tier: string;
  contextWindow: number;
  maxOutputTokens: number;
  minCacheableTokens: number;
  inputPerMTok: bigint | number;
  cacheWrite5mPerMTok: bigint | number;
  cacheWrite1hPerMTok: bigint | number;
  cacheReadPerMTok: bigint | number;
  outputPerMTok: bigint | number;
  batchDiscountPct: number;
  deprecated: boolean;
  retiresAt: Date | null;
}

const FAMILIES: readonly ModelFamily[] = ["opus", "sonnet", "haiku"];
const TIERS: readonly ModelTier[] = ["fast", "standard", "complex"];

/** Converts a ModelPrice row into a ModelSpec (prices as safe integers, seed fields filled in). */
export function modelSpecFromRow(row: ModelPriceRow, seed: readonly ModelSpec[] = SEED_MODEL_CATALOG): ModelSpec {
  const base = findModel(row.model, seed);
  const family = (FAMILIES as readonly string[]).includes(row.family) ? (row.family as ModelFamily) : (base?.family ?? "sonnet");
  const tier = (TIERS as readonly string[]).includes(row.tier) ? (row.tier as ModelTier) : (base?.tier ?? "standard");
  return {
    model: row.model,
    displayName: row.displayName,
    family,
    generation: base?.generation ?? "",
    tier,
    contextWindow: row.contextWindow,
    maxOutputTokens: row.maxOutputTokens,
    minCacheableTokens: row.minCacheableTokens,
    inputPerMTok: Number(row.inputPerMTok),
    cacheWrite5mPerMTok: Number(row.cacheWrite5mPerMTok),
    cacheWrite1hPerMTok: Number(row.cacheWrite1hPerMTok),
    cacheReadPerMTok: Number(row.cacheReadPerMTok),
    outputPerMTok: Number(row.outputPerMTok),
    batchDiscountPct: row.batchDiscountPct,
    aliases: base?.aliases ?? [],
    deprecated: row.deprecated,
    retiresAt: row.retiresAt ? row.retiresAt.toISOString() : null,
  };
}

/** Where a price book reads rows from. */
export type PriceRowLoader = () => Promise<readonly ModelPriceRow[]>;

export interface PriceBook {
  /** The catalog: database rows merged over the seed (database wins per model). Never rejects. */
  catalog(): Promise<readonly ModelSpec[]>;
  /** One model by id or alias, or undefined when neither the table nor the seed knows it. */
  spec(model: string): Promise<ModelSpec | undefined>;
  /** The last loaded catalog without waiting (the seed before the first load). */
  cached(): readonly ModelSpec[];
  /** Forget the cache (call after an admin edits prices). */
  invalidate(): void;
}

/**
 * A TTL-cached price book over a row loader. A failed load logs once per TTL and serves the
 * previous catalog (or the seed); concurrent callers share one load.
 */
export function createPriceBook(load: PriceRowLoader, options: { ttlMs?: number; now?: () => number; seed?: readonly ModelSpec[] } = {}): PriceBook {
  const ttlMs = options.ttlMs ?? 30_000;
  const now = options.now ?? Date.now;
  const seed = options.seed ?? SEED_MODEL_CATALOG;
  let current: readonly ModelSpec[] = seed;
  let loadedAt = -Infinity;
  let inflight: Promise<readonly ModelSpec[]> | null = null;

  const refresh = async (): Promise<readonly ModelSpec[]> => {
    try {
      const rows = await load();
      const fromDb = rows.map((r) => modelSpecFromRow(r, seed));
      const known = new Set(fromDb.map((m) => m.model));
      current = [...fromDb, ...seed.filter((m) => !known.has(m.model))];
    } catch (error) {
      log.warn({ err: error }, "could not load ModelPrice rows; using the previous or seed prices");
    }
    loadedAt = now();
    return current;
  };

  return {
    catalog() {
      if (now() - loadedAt < ttlMs) return Promise.resolve(current);
      inflight ??= refresh().finally(() => {
        inflight = null;
      });
      return inflight;
    },
    async spec(model) {
      return findModel(model, await this.catalog());
    },
    cached: () => current,
    invalidate() {
      loadedAt = -Infinity;
    },
  };
}

const globalForPrices = globalThis as unknown as { promptdeckPriceBook?: PriceBook };

/**
 * The process-wide price book over the `ModelPrice` table (30 s TTL). Without DATABASE_URL it
 * serves the seed catalog.
 */
export function getPriceBook(): PriceBook {
  globalForPrices.promptdeckPriceBook ??= createPriceBook(async () => {
    if (!getEnv().DATABASE_URL) return [];
    const { getDb } = await import("@/lib/db/client");
    return getDb().modelPrice.findMany();
  });
  return globalForPrices.promptdeckPriceBook;
}

/** Price of one model from the process-wide book (table first, then the seed). */
export function getModelSpec(model: string): Promise<ModelSpec | undefined> {
  return getPriceBook().spec(model);
}
