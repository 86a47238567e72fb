import { LRUCache } from "lru-cache";

/**
 * The last good response per request hash, for the runner's "cached response" fallback
 * (`policy.allow_cached_fallback`). An in-memory LRU (lru-cache): `get` refreshes recency, `set`
 * evicts the least recently used entry beyond `maxEntries`. Per process; lost on restart by design.
 */
export interface CachedResponse {
  model: string;
  output: string;
  parsed?: unknown;
  stopReason: string | null;
  /** When the response was produced (ms since epoch). */
  at: number;
}

export class ResponseCache extends LRUCache<string, CachedResponse> {
  constructor(maxEntries = 1_000) {
    super({ max: maxEntries });
  }
}

const globalForCache = globalThis as unknown as { promptdeckResponseCache?: ResponseCache };

/** The process-wide response cache. */
export function getResponseCache(): ResponseCache {
  globalForCache.promptdeckResponseCache ??= new ResponseCache();
  return globalForCache.promptdeckResponseCache;
}
