import { LRUCache } from "lru-cache";
import type { FlatPrompt } from "./tokens";

/** A clock the simulator reads (ms since epoch); tests inject one to move time. */
export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

export type CacheTtl = "5m" | "1h";
export const TTL_MS: Record<CacheTtl, number> = { "5m": 5 * 60_000, "1h": 60 * 60_000 };
/** How far back from each breakpoint a lookup searches for an earlier cached prefix. */
export const LOOKBACK_BLOCKS = 20;

interface CacheEntry {
  tokens: number;
  ttl: CacheTtl;
  expiresAt: number;
}

/** Usage figures for the input side of one request. */
export interface CacheUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

/** What a request will read and write; `commit()` writes the entries (when the response starts). */
export interface CachePlan {
  usage: CacheUsage;
  /** Index of the block whose prefix was read from the cache, or -1. */
  hitBlock: number;
  commit(): void;
}

/**
 * An in-memory prompt cache with the API's rules: entries are keyed by (model, exact prefix up
 * to a breakpoint, TTL); a prefix shorter than the model's minimum cacheable length is never
 * written; a lookup from each breakpoint walks back at most 20 blocks for an earlier entry (of
 * either TTL); a hit refreshes the entry's lifetime; entries expire after 5 minutes or 1 hour.
 * Expiry follows the simulator's clock (tests move it), so it is checked here; lru-cache only
 * bounds the number of entries (least recently used evicted beyond `maxEntries`).
 */
export class PromptCache {
  private readonly entries: LRUCache<string, CacheEntry>;

  constructor(
    private readonly clock: Clock = systemClock,
    maxEntries = 50_000,
  ) {
    this.entries = new LRUCache({ max: maxEntries });
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  private live(prefixHash: string, ttl: CacheTtl, now: number): CacheEntry | undefined {
    const key = `${ttl}:${prefixHash}`;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /**
   * Plans the cache accounting of one request. `minCacheableTokens` comes from the model
   * catalog. Reads are refreshed at once; writes happen on `commit()`.
   */
  plan(prompt: FlatPrompt, minCacheableTokens: number): CachePlan {
    const now = this.clock.now();
    const { blocks, breakpoints, totalTokens } = prompt;

    let hitBlock = -1;
    let hitEntry: CacheEntry | undefined;
    for (const bp of breakpoints) {
      for (let i = bp; i >= 0 && i > bp - LOOKBACK_BLOCKS && i > hitBlock; i--) {
        const block = blocks[i];
        if (!block) continue;
        const entry = this.live(block.prefixHash, "1h", now) ?? this.live(block.prefixHash, "5m", now);
        if (entry) {
          hitBlock = i;
          hitEntry = entry;
          break;
        }
      }
    }
    if (hitEntry) hitEntry.expiresAt = now + TTL_MS[hitEntry.ttl];
    const readTokens = hitBlock >= 0 ? (blocks[hitBlock]?.cumulativeTokens ?? 0) : 0;

    const writes: Array<{ hash: string; tokens: number; ttl: CacheTtl }> = [];
    const creation = { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 };
    let covered = readTokens;
    for (const bp of breakpoints) {
      const block = blocks[bp];
      if (!block || bp <= hitBlock || block.cumulativeTokens < minCacheableTokens) continue;
      const ttl: CacheTtl = block.cacheControl?.ttl ?? "5m";
      const segment = block.cumulativeTokens - covered;
      if (ttl === "1h") creation.ephemeral_1h_input_tokens += segment;
      else creation.ephemeral_5m_input_tokens += segment;
      covered = block.cumulativeTokens;
      writes.push({ hash: block.prefixHash, tokens: block.cumulativeTokens, ttl });
    }
    const written = creation.ephemeral_5m_input_tokens + creation.ephemeral_1h_input_tokens;
    return {
      hitBlock,
      usage: {
        input_tokens: totalTokens - covered,
        cache_creation_input_tokens: written,
        cache_read_input_tokens: readTokens,
        cache_creation: creation,
      },
      commit: () => {
        const at = this.clock.now();
        for (const w of writes) {
          this.entries.set(`${w.ttl}:${w.hash}`, { tokens: w.tokens, ttl: w.ttl, expiresAt: at + TTL_MS[w.ttl] });
        }
      },
    };
  }
}
