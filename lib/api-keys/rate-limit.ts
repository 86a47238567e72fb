/**
 * Per-key token buckets, in memory (each app instance limits on its own; SharedRateLimiter in
 * shared-rate-limit.ts builds the cross-instance limit on it). A bucket holds up to `burst` tokens
 * and refills at `perSecond`; every request takes one. A key may carry its own limits (set per
 * API key by admins); the limiter's options are the default for keys without. Pure and
 * clock-injectable.
 */
import { getEnv, type Env } from "@/lib/env";

/** One key's limits: sustained requests per second and the bucket size. */
export interface RateLimits {
  /** Sustained requests per second per key. */
  perSecond: number;
  /** Bucket size: requests a key may send at once after being idle. */
  burst: number;
}

/** A key's own limits as stored on the ApiKey row: null means the default. */
export interface KeyRateLimits {
  perSecond: number | null;
  burst: number | null;
}

export interface RateLimitOptions extends RateLimits {
  /** Clock in milliseconds (tests inject one). */
  now?: () => number;
  /** Buckets kept at most; idle full buckets are dropped first. */
  maxKeys?: number;
}

export type RateLimitDecision = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

/** What the API's wrapper calls per request: one token of `apiKeyId`, under the key's own limits when it has some. */
export interface KeyRateLimiter {
  take(apiKeyId: string, own?: KeyRateLimits): RateLimitDecision | Promise<RateLimitDecision>;
}

/** Largest per-key limits a key or the environment may set (bounds of the inputs). */
export const MAX_RATE_LIMIT_PER_SECOND = 1_000_000;
export const MAX_RATE_LIMIT_BURST = 10_000_000;

/** The default per-key limits: PROMPTDECK_RATE_LIMIT_PER_SECOND (100) and PROMPTDECK_RATE_LIMIT_BURST (200). */
export function defaultRateLimits(env: Pick<Env, "PROMPTDECK_RATE_LIMIT_PER_SECOND" | "PROMPTDECK_RATE_LIMIT_BURST"> = getEnv()): RateLimits {
  return { perSecond: env.PROMPTDECK_RATE_LIMIT_PER_SECOND, burst: env.PROMPTDECK_RATE_LIMIT_BURST };
}

/** A key's effective limits: each of its own values, or the default where it has none. */
export function effectiveRateLimits(defaults: RateLimits, own: KeyRateLimits | undefined): RateLimits {
  if (!own || (own.perSecond === null && own.burst === null)) return defaults;
  return { perSecond: own.perSecond ?? defaults.perSecond, burst: own.burst ?? defaults.burst };
}

function checkLimits(limits: RateLimits): void {
  if (!(limits.perSecond > 0) || !(limits.burst >= 1)) throw new Error("rate limit: perSecond must be > 0 and burst >= 1");
}

interface Bucket {
  tokens: number;
  at: number;
  perMs: number;
  burst: number;
}

export class TokenBucketLimiter implements KeyRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly defaults: RateLimits;
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(options: RateLimitOptions) {
    checkLimits(options);
    this.defaults = { perSecond: options.perSecond, burst: options.burst };
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  /**
   * Takes one token from `key`'s bucket (sized by `own` limits where set, else the defaults).
   * When empty, says how many whole seconds until a token is available (at least 1, for the
   * `Retry-After` header).
   */
  take(key: string, own?: KeyRateLimits): RateLimitDecision {
    const limits = effectiveRateLimits(this.defaults, own);
    const now = this.now();
    const perMs = limits.perSecond / 1000;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.evict(now);
      bucket = { tokens: limits.burst, at: now, perMs, burst: limits.burst };
      this.buckets.set(key, bucket);
    } else {
      // Limits changed since the last request: the new ones apply from now on.
      bucket.perMs = perMs;
      bucket.burst = limits.burst;
      bucket.tokens = Math.min(bucket.burst, bucket.tokens + (now - bucket.at) * perMs);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true, remaining: Math.floor(bucket.tokens) };
    }
    const waitMs = (1 - bucket.tokens) / perMs;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /**
   * Whole seconds until `key` has a token (0 when it has one now), without taking it. A key never
   * seen has a full bucket.
   */
  waitSeconds(key: string): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return 0;
    const tokens = Math.min(bucket.burst, bucket.tokens + (this.now() - bucket.at) * bucket.perMs);
    return tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / bucket.perMs / 1000));
  }

  private evict(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * bucket.perMs >= bucket.burst) this.buckets.delete(key);
    }
    // Everyone is busy: drop the oldest entry rather than grow without bound.
    if (this.buckets.size >= this.maxKeys) {
      const first = this.buckets.keys().next();
      if (!first.done) this.buckets.delete(first.value);
    }
  }
}
