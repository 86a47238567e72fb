/**
 * Per-key token buckets, in memory (each app instance limits on its own; SharedRateLimiter in
 * shared-rate-limit.ts builds the cross-instance limit on it). A bucket holds up to `burst` tokens
 * and refills at `perSecond`; every request takes one. Pure and clock-injectable.
 */
export interface RateLimitOptions {
  /** Sustained requests per second per key. */
  perSecond: number;
  /** Bucket size: requests a key may send at once after being idle. */
  burst: number;
  /** Clock in milliseconds (tests inject one). */
  now?: () => number;
  /** Buckets kept at most; idle full buckets are dropped first. */
  maxKeys?: number;
}

export type RateLimitDecision = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

export const DEFAULT_RATE_LIMIT: Readonly<Pick<RateLimitOptions, "perSecond" | "burst">> = { perSecond: 100, burst: 200 };

export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly burst: number;
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(options: RateLimitOptions) {
    if (!(options.perSecond > 0) || !(options.burst >= 1)) throw new Error("rate limit: perSecond must be > 0 and burst >= 1");
    this.perMs = options.perSecond / 1000;
    this.burst = options.burst;
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  /**
   * Takes one token from `key`'s bucket. When empty, says how many whole seconds until a token
   * is available (at least 1, for the `Retry-After` header).
   */
  take(key: string): RateLimitDecision {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.evict(now);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.perMs);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true, remaining: Math.floor(bucket.tokens) };
    }
    const waitMs = (1 - bucket.tokens) / this.perMs;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  private evict(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs >= this.burst) this.buckets.delete(key);
    }
    // Everyone is busy: drop the oldest entry rather than grow without bound.
    if (this.buckets.size >= this.maxKeys) {
      const first = this.buckets.keys().next();
      if (!first.done) this.buckets.delete(first.value);
    }
  }
}
