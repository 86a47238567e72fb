/**
 * The last good response per request hash, for the runner's "cached response" fallback
 * (`policy.allow_cached_fallback`). An in-memory LRU: `get` refreshes recency, `set` evicts the
 * least recently used entry beyond `maxEntries`. Per process; lost on restart by design.
 */
export interface CachedResponse {
  model: string;
  output: string;
  parsed?: unknown;
  stopReason: string | null;
  /** When the response was produced (ms since epoch). */
  at: number;
}

export class ResponseCache {
  private readonly map = new Map<string, CachedResponse>();

  constructor(readonly maxEntries = 1_000) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): CachedResponse | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  set(key: string, value: CachedResponse): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.map.delete(oldest);
    }
  }

  clear(): void {
    this.map.clear();
  }
}

const globalForCache = globalThis as unknown as { promptdeckResponseCache?: ResponseCache };

/** The process-wide response cache. */
export function getResponseCache(): ResponseCache {
  globalForCache.promptdeckResponseCache ??= new ResponseCache();
  return globalForCache.promptdeckResponseCache;
}
