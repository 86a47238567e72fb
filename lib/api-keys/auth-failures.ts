/**
 * A limit on failed API-key authentications, so unknown keys cannot make every request a database
 * query: each failure (an unknown, revoked or expired key) takes a token from the client
 * address's bucket and from one global bucket; while either is empty, a request that would need a
 * database lookup (or would fail anyway) is answered 429 with Retry-After instead. Keys already
 * verified (cached) are not affected. Bounded: at most `maxClients` addresses are tracked.
 */
import { AppError } from "@/lib/errors";
import { TokenBucketLimiter, type RateLimits } from "./rate-limit";

export interface AuthFailureLimitOptions {
  /** Failures per client address. Default 10/s, burst 100. */
  perClient?: RateLimits;
  /** Failures across all clients of this instance. Default 200/s, burst 2,000. */
  global?: RateLimits;
  maxClients?: number;
  now?: () => number;
}

export const DEFAULT_AUTH_FAILURE_LIMITS = { perClient: { perSecond: 10, burst: 100 }, global: { perSecond: 200, burst: 2_000 } } as const;

const GLOBAL = "\u0000global";

export class AuthFailureLimiter {
  private readonly clients: TokenBucketLimiter;
  private readonly global: TokenBucketLimiter;

  constructor(options: AuthFailureLimitOptions = {}) {
    const perClient = options.perClient ?? DEFAULT_AUTH_FAILURE_LIMITS.perClient;
    const global = options.global ?? DEFAULT_AUTH_FAILURE_LIMITS.global;
    this.clients = new TokenBucketLimiter({ ...perClient, now: options.now, maxKeys: options.maxClients ?? 10_000 });
    this.global = new TokenBucketLimiter({ ...global, now: options.now, maxKeys: 1 });
  }

  /** Throws rate_limited (429, Retry-After) while `client` (or everyone) has no failure left. */
  check(client: string | undefined): void {
    const wait = Math.max(this.global.waitSeconds(GLOBAL), client === undefined ? 0 : this.clients.waitSeconds(client));
    if (wait > 0) {
      throw new AppError("rate_limited", `Too many failed API key authentications; retry in ${wait} s`, { details: wait });
    }
  }

  /** Counts one failed authentication of `client`. */
  record(client: string | undefined): void {
    this.global.take(GLOBAL);
    if (client !== undefined) this.clients.take(client);
  }
}
