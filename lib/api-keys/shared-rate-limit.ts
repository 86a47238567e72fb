/**
 * Per-key rate limits shared by every app instance. The key's token bucket lives in PostgreSQL
 * (`ApiKeyRateBucket`); an instance leases tokens from it in small chunks and spends them
 * locally, so:
 * - N instances together admit one key's `perSecond` / `burst`, not N times it;
 * - a request normally does not wait on the database: the next chunk is leased in the background
 *   once the local one runs low; only a key that outruns its prefetch waits for a lease, and
 *   concurrent waiters count themselves so one lease asks for all of them (a burst up to the
 *   limit passes); a request is refused only when a lease comes back short (the shared bucket
 *   is empty);
 * - when the database cannot be reached, each instance falls back to its own in-memory bucket
 *   (the previous behaviour), so an outage never turns into rejected traffic.
 * Tokens left in an instance's chunk when a key goes quiet are at most `chunk` per instance (the
 * price of not waiting on the database): across N instances, a burst of exactly the limit may see
 * up to (N - 1) * chunk refusals while those tokens sit unused elsewhere.
 */
import {
  effectiveRateLimits,
  TokenBucketLimiter,
  type KeyRateLimiter,
  type KeyRateLimits,
  type RateLimitDecision,
  type RateLimitOptions,
  type RateLimits,
} from "./rate-limit";

/** Atomically refills a key's shared bucket and grants up to `want` tokens from it. */
export interface LeaseStore {
  /** Returns the tokens granted (0..want); throws when the store cannot be reached. */
  lease(apiKeyId: string, want: number, limits: RateLimits): Promise<number>;
}

export interface SharedRateLimitOptions extends Omit<RateLimitOptions, "maxKeys"> {
  store: LeaseStore;
  /** Tokens per lease. Default: a tenth of a second's worth of the key's limit, at least 1, at most its burst. */
  chunk?: number;
  onStoreError?: (error: unknown) => void;
}

interface LocalLease {
  tokens: number;
  /** Callers waiting for a token of this key (the next lease asks for at least this many). */
  waiting: number;
  /** The lease in flight; resolves to whether it came back short. */
  pending: Promise<boolean> | undefined;
  /** When a lease last came back empty: retry-after is measured from here. */
  emptyAt: number | undefined;
}

/**
 * The SQL behind `pgLeaseStore` ($1 key, $2 want, $3 burst, $4 per second): the bucket refills by
 * the time elapsed since its last lease (capped at burst), then grants whole tokens, up to `want`.
 * One statement: the row lock serializes concurrent leases of one key across instances.
 */
export const LEASE_SQL = `
INSERT INTO "ApiKeyRateBucket" AS b ("apiKeyId", "tokens", "lastGrant", "refilledAt")
VALUES ($1, $3::float8 - LEAST($2::float8, floor($3::float8)), LEAST($2::float8, floor($3::float8)), clock_timestamp() AT TIME ZONE 'UTC')
ON CONFLICT ("apiKeyId") DO UPDATE SET ("tokens", "lastGrant", "refilledAt") = (
  SELECT a.avail - LEAST($2::float8, floor(a.avail)), LEAST($2::float8, floor(a.avail)), a.at
  FROM (SELECT clock_timestamp() AT TIME ZONE 'UTC' AS at) t,
  LATERAL (SELECT LEAST($3::float8, b."tokens" + EXTRACT(EPOCH FROM (t.at - b."refilledAt"))::float8 * $4::float8) AS avail, t.at) a
)
RETURNING "lastGrant"::int AS granted`;

/** A LeaseStore running LEASE_SQL through `query` (e.g. Prisma's `$queryRawUnsafe`). */
export function sqlLeaseStore(query: (sql: string, ...params: unknown[]) => Promise<Array<{ granted: number }>>): LeaseStore {
  return {
    async lease(apiKeyId, want, limits) {
      const rows = await query(LEASE_SQL, apiKeyId, want, limits.burst, limits.perSecond);
      return Number(rows[0]?.granted ?? 0);
    },
  };
}

export class SharedRateLimiter implements KeyRateLimiter {
  private readonly leases = new Map<string, LocalLease>();
  private readonly fallback: TokenBucketLimiter;
  /** Limits of keys without their own. */
  private readonly defaults: RateLimits;
  private readonly now: () => number;
  private storeHealthy = true;
  private lastProbeAt = 0;

  constructor(private readonly options: SharedRateLimitOptions) {
    this.fallback = new TokenBucketLimiter(options);
    this.defaults = { perSecond: options.perSecond, burst: options.burst };
    this.now = options.now ?? Date.now;
  }

  private chunkOf(limits: RateLimits): number {
    return Math.max(1, Math.min(limits.burst, this.options.chunk ?? Math.ceil(limits.perSecond / 10)));
  }

  /**
   * Takes one request's token for `apiKeyId` (see the module comment for when it waits). A caller
   * that finds no local token waits for a lease sized for every caller waiting with it; it is
   * refused only when a lease comes back short (the shared bucket had nothing more to give).
   * With a token in hand (or the store down) the decision is immediate: no promise, which the
   * serving hot path depends on (lib/http/route.ts).
   */
  take(apiKeyId: string, own?: KeyRateLimits): RateLimitDecision | Promise<RateLimitDecision> {
    const limits = effectiveRateLimits(this.defaults, own);
    const chunk = this.chunkOf(limits);
    // The in-memory bucket always counts, so it is warm if the store goes away.
    const local = this.fallback.take(apiKeyId, own);
    if (!this.storeHealthy) {
      // Probe the store at most once a second; a successful lease makes it healthy again.
      if (this.now() - this.lastProbeAt >= 1000) {
        this.lastProbeAt = this.now();
        const lease = this.lease(apiKeyId);
        void this.refill(apiKeyId, lease, chunk, limits);
      }
      return local;
    }
    const lease = this.lease(apiKeyId);
    if (lease.tokens < 1) {
      // The shared bucket was found empty less than one token's refill ago: no need to ask again.
      if (lease.emptyAt !== undefined && this.now() - lease.emptyAt < 1000 / limits.perSecond) return rejected(limits);
      return this.waitForToken(apiKeyId, lease, chunk, limits).then((granted) => {
        if (granted === "store-down") return local;
        if (!granted) return rejected(limits);
        return this.admitted(apiKeyId, lease, chunk, limits);
      });
    }
    lease.tokens -= 1;
    return this.admitted(apiKeyId, lease, chunk, limits);
  }

  /** A token was taken from `lease`: prefetch the next chunk (and one for each caller still waiting) before this one runs out. */
  private admitted(apiKeyId: string, lease: LocalLease, chunk: number, limits: RateLimits): RateLimitDecision {
    if (lease.tokens < chunk / 2) void this.refill(apiKeyId, lease, chunk + lease.waiting, limits);
    return { ok: true, remaining: Math.floor(lease.tokens) };
  }

  /**
   * Waits for a token of `lease` (taken on success). The waiter counts itself, so a lease asks for
   * as many tokens as there are callers waiting (at least a chunk, at most the burst); it keeps
   * asking while the store grants everything asked for, and gives up only when a lease it waited
   * for came back short while no token is left.
   */
  private async waitForToken(apiKeyId: string, lease: LocalLease, chunk: number, limits: RateLimits): Promise<boolean | "store-down"> {
    lease.waiting += 1;
    try {
      for (;;) {
        const short = await this.refill(apiKeyId, lease, Math.max(chunk, lease.waiting), limits);
        if (!this.storeHealthy) return "store-down";
        if (lease.tokens >= 1) {
          lease.tokens -= 1;
          return true;
        }
        if (short) return false;
      }
    } finally {
      lease.waiting -= 1;
    }
  }

  private lease(apiKeyId: string): LocalLease {
    let lease = this.leases.get(apiKeyId);
    if (!lease) {
      if (this.leases.size >= 100_000) this.leases.clear();
      lease = { tokens: 0, waiting: 0, pending: undefined, emptyAt: undefined };
      this.leases.set(apiKeyId, lease);
    }
    return lease;
  }

  /**
   * One lease request per key at a time, for `want` tokens (capped at the burst); the grant is
   * added to the local tokens. Resolves to whether the lease came back short (fewer tokens than
   * asked for: the shared bucket is empty now); callers joining a pending lease get its answer.
   */
  private refill(apiKeyId: string, lease: LocalLease, want: number, limits: RateLimits): Promise<boolean> {
    if (!lease.pending) {
      const asked = Math.max(1, Math.min(limits.burst, Math.ceil(want)));
      lease.pending = this.options.store
        .lease(apiKeyId, asked, limits)
        .then((granted) => {
          this.storeHealthy = true;
          lease.tokens += granted;
          const short = granted < asked;
          lease.emptyAt = short ? this.now() : undefined;
          return short;
        })
        .catch((error: unknown) => {
          if (this.storeHealthy) this.options.onStoreError?.(error);
          this.storeHealthy = false;
          this.lastProbeAt = this.now();
          return true;
        })
        .finally(() => {
          lease.pending = undefined;
        });
    }
    return lease.pending;
  }
}

function rejected(limits: RateLimits): RateLimitDecision {
  return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(1 / limits.perSecond)) };
}
