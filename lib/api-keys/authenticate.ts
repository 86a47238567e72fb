import { LRUCache } from "lru-cache";
import { getDb } from "@/lib/db/client";
import { AppError, isAppError } from "@/lib/errors";
import { apiKeySchema, hashApiKey, type ApiKeyScope } from "@/lib/auth/api-keys";
import type { Role } from "@/lib/projects/roles";
import type { Actor } from "@/lib/audit/actor";
import { DatabaseUnavailableError } from "@/lib/errors/unavailable";
import { getEnv } from "@/lib/env";
import { childLogger } from "@/lib/logger";
import type { KeyRateLimits } from "./rate-limit";
import { AuthFailureLimiter, type AuthFailureLimitOptions } from "./auth-failures";

const log = childLogger({ component: "api-keys" });

/** Who is calling: an API key of one project with its scopes and its own rate limits (null = the default). */
export interface ApiKeyPrincipal {
  apiKeyId: string;
  projectId: string;
  scopes: ReadonlySet<string>;
  rateLimit?: KeyRateLimits;
}

/** What the authenticator needs from the database (injectable for tests). */
export interface ApiKeyRecord {
  id: string;
  projectId: string;
  scopes: string[];
  revokedAt: Date | null;
  expiresAt: Date | null;
  rateLimitPerSecond?: number | null;
  rateLimitBurst?: number | null;
}

export interface ApiKeyStore {
  findByHash(hash: string): Promise<ApiKeyRecord | null>;
  /** The records of those of `hashes` that exist, with their hash (one query for a batch of background refreshes). */
  findByHashes(hashes: readonly string[]): Promise<(ApiKeyRecord & { hash: string })[]>;
  /** Sets `lastUsedAt` to `at` on the keys `apiKeyIds` (one write for a batch of uses). */
  touchMany(apiKeyIds: readonly string[], at: Date): Promise<void>;
}

const RECORD_FIELDS = {
  id: true,
  projectId: true,
  scopes: true,
  revokedAt: true,
  expiresAt: true,
  rateLimitPerSecond: true,
  rateLimitBurst: true,
} as const;

/** The ApiKey table through the process-wide Prisma client. */
export function prismaApiKeyStore(): ApiKeyStore {
  return {
    findByHash: (hash) => getDb().apiKey.findUnique({ where: { hash }, select: RECORD_FIELDS }),
    findByHashes: (hashes) => getDb().apiKey.findMany({ where: { hash: { in: [...hashes] } }, select: { ...RECORD_FIELDS, hash: true } }),
    touchMany: async (apiKeyIds, at) => {
      await getDb().apiKey.updateMany({ where: { id: { in: [...apiKeyIds] } }, data: { lastUsedAt: at } });
    },
  };
}

export interface AuthenticatorOptions {
  store?: ApiKeyStore;
  /** How long a looked-up key is trusted without asking the database. Default 10 s. */
  ttlMs?: number;
  /** How long an unknown key (hash) is remembered as unknown, answered 401 without a query. Default 5 s. */
  unknownTtlMs?: number;
  /** Unknown key hashes remembered at most (their own cache: they never evict known keys). Default 10,000. */
  maxUnknown?: number;
  /** Limits failed authentications per client address and overall (429 + Retry-After); `false` for none. */
  failureLimit?: AuthFailureLimitOptions | false;
  /**
   * While the database is unreachable, a known key keeps working this long after its last lookup;
   * after that it is unverifiable (503), so a key revoked just before an outage stops within it.
   * Default PROMPTDECK_AUTH_STALE_SECONDS (60 s).
   */
  staleMs?: number;
  /** `lastUsedAt` is written at most this often per key. Default 60 s. */
  touchIntervalMs?: number;
  /**
   * The background tick: every `batchMs` while keys are in use, one lookup of every key in use
   * that is due for a refresh and one `lastUsedAt` write for every key used since the last tick.
   * Default 1 s (at most half of the refresh-ahead window, `ttlMs / 8`).
   */
  batchMs?: number;
  /** A key used within this long is kept fresh by the background tick, even through a pause in its traffic. Default 60 s. */
  keepFreshMs?: number;
  now?: () => number;
  /** Called with errors of the background `lastUsedAt` writes. */
  onBackgroundError?: (error: unknown) => void;
  /** Known keys kept at most. Default 10,000. */
  maxEntries?: number;
  /** Bytes of Authorization headers remembered (header -> hash, so the hot path skips hashing). Default 4 MiB. */
  maxHeaderMemoBytes?: number;
}

/** Where a request comes from, for the failed-authentication limit (see clientAddress in lib/http/route.ts). */
export interface AuthenticateOptions {
  allowBasic?: boolean;
  client?: string;
}

interface CacheEntry {
  record: ApiKeyRecord;
  fetchedAt: number;
  /** When a request last used the key (the background refresh keeps keys in use fresh). */
  usedAt: number;
}

/** `authenticateCached` refreshes a key in the background once this share of its TTL has passed. */
const REFRESH_AHEAD = 0.75;
/** Hashes per background lookup query (a batch larger than this is sent as several). */
const REFRESH_CHUNK = 1000;

const MISSING = "Missing API key: send `Authorization: Bearer pd_...`";

/**
 * Extracts the key from `Authorization`: `Bearer pd_...`, or `Basic base64(public:secret)` where
 * the secret is the key (Langfuse-style clients; the public part is free text). Throws
 * unauthorized for anything else.
 */
export function extractApiKey(authorization: string | undefined, options: { allowBasic?: boolean } = {}): string {
  if (!authorization) throw new AppError("unauthorized", MISSING);
  const space = authorization.indexOf(" ");
  const scheme = (space < 0 ? authorization : authorization.slice(0, space)).toLowerCase();
  const value = space < 0 ? "" : authorization.slice(space + 1).trim();
  if (scheme === "bearer") return value;
  if (scheme === "basic" && options.allowBasic) {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) throw new AppError("unauthorized", "Basic credentials must be public-key:secret-key, the secret key being a Promptdeck API key");
    return decoded.slice(colon + 1);
  }
  throw new AppError("unauthorized", options.allowBasic ? "Use Basic auth (secret key = a Promptdeck API key) or `Authorization: Bearer pd_...`" : MISSING);
}

/** The role an API key acts with in domain mutations: admin > prompts:write (editor) > viewer. */
export function roleForScopes(scopes: ReadonlySet<string>): Role {
  if (scopes.has("admin")) return "ADMIN";
  if (scopes.has("prompts:write")) return "EDITOR";
  return "VIEWER";
}

/** The Actor for domain mutations made with this key (audit events name the key). */
export function actorForKey(principal: ApiKeyPrincipal): Actor {
  return { kind: "api_key", apiKeyId: principal.apiKeyId, projectId: principal.projectId, role: roleForScopes(principal.scopes) };
}

/** Throws forbidden (403) unless the key carries `scope`. The `admin` scope does not imply others. */
export function requireScope(principal: ApiKeyPrincipal, scope: ApiKeyScope): void {
  if (!principal.scopes.has(scope)) {
    throw new AppError("forbidden", `This API key lacks the "${scope}" scope`);
  }
}

/**
 * Resolves `Authorization` headers to API key principals: SHA-256 of the key looked up in the
 * ApiKey table, a known key cached for `ttlMs`, an unknown one remembered for `unknownTtlMs` in a
 * cache of its own. Unknown, malformed, revoked or expired keys are `AppError("unauthorized")`
 * with a message that says which (never anything about another project). Failed authentications
 * are limited per client address and overall (`AuthFailureLimiter`): beyond the limit, a request
 * that would query the database or fail is answered `rate_limited` (429) instead, while keys
 * already verified keep working. `lastUsedAt` is written in the background, at most once per
 * `touchIntervalMs` per key. When the database is unreachable, a key seen within `staleMs` keeps
 * working; an unseen key is `DatabaseUnavailableError`.
 *
 * Background work is batched on a timer (`batchMs`), so its cost does not grow with the number of
 * keys in use: every key due for a refresh is looked up in one query, every key used since the
 * last write gets its `lastUsedAt` in one statement. `stop()` writes what is pending.
 */
export class ApiKeyAuthenticator {
  private readonly store: ApiKeyStore;
  private readonly ttlMs: number;
  private readonly unknownTtlMs: number;
  private readonly staleMs: number;
  private readonly touchIntervalMs: number;
  private readonly now: () => number;
  private readonly onBackgroundError: (error: unknown) => void;
  /** Known keys by hash, least recently used evicted beyond `maxEntries`. */
  private readonly cache: LRUCache<string, CacheEntry>;
  /** Unknown key hashes -> when the database said so (bounded; never evicts a known key). */
  private readonly unknown: LRUCache<string, number>;
  private readonly failures: AuthFailureLimiter | undefined;
  private readonly inflight = new Map<string, Promise<ApiKeyRecord | null>>();
  private readonly touchedAt = new Map<string, number>();
  private readonly batchMs: number;
  private readonly keepFreshMs: number;
  /** Keys used since the last `lastUsedAt` write -> when. */
  private dueTouch = new Map<string, number>();
  /** The background tick; runs while keys are in use (see `tick`), cleared by `stop()`. */
  private ticker: ReturnType<typeof setInterval> | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private readonly principals = new WeakMap<ApiKeyRecord, ApiKeyPrincipal>();
  /** Authorization header -> key hash, so the hot path skips parsing and hashing; bounded in bytes. */
  private readonly hashes: LRUCache<string, string>;

  constructor(options: AuthenticatorOptions = {}) {
    this.store = options.store ?? prismaApiKeyStore();
    this.ttlMs = options.ttlMs ?? 10_000;
    this.unknownTtlMs = options.unknownTtlMs ?? 5_000;
    this.staleMs = options.staleMs ?? getEnv().PROMPTDECK_AUTH_STALE_SECONDS * 1000;
    this.touchIntervalMs = options.touchIntervalMs ?? 60_000;
    this.batchMs = Math.max(1, Math.min(options.batchMs ?? 1_000, (this.ttlMs * (1 - REFRESH_AHEAD)) / 2));
    this.keepFreshMs = options.keepFreshMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.onBackgroundError = options.onBackgroundError ?? ((error) => log.error({ err: error }, "lastUsedAt update failed"));
    const max = options.maxEntries ?? 10_000;
    // Freshness (ttlMs, and staleMs while the database is down) is checked against fetchedAt
    // here, not by lru-cache's TTL: an entry past ttlMs must stay to answer during an outage.
    this.cache = new LRUCache({ max });
    this.unknown = new LRUCache({ max: options.maxUnknown ?? 10_000 });
    this.failures = options.failureLimit === false ? undefined : new AuthFailureLimiter({ now: this.now, ...options.failureLimit });
    // Strings count two bytes a character, plus the entry's own overhead.
    this.hashes = new LRUCache({
      maxSize: options.maxHeaderMemoBytes ?? 4 * 1024 * 1024,
      sizeCalculation: (hash, header) => 2 * (header.length + hash.length) + 100,
    });
  }

  /**
   * The principal of a key looked up within `ttlMs` that is neither revoked nor expired, without
   * waiting for anything (the serving hot path); undefined when `authenticate` must decide
   * (first sight, an expired lookup, a missing, malformed, unknown, revoked or expired key).
   */
  authenticateCached(authorization: string | undefined, options: AuthenticateOptions = {}): ApiKeyPrincipal | undefined {
    if (authorization === undefined) return undefined;
    const hash = this.hashes.get(`${options.allowBasic ? "b" : "n"}${authorization}`);
    if (hash === undefined) return undefined;
    const cached = this.cache.get(hash);
    const now = this.now();
    const age = cached ? now - cached.fetchedAt : Infinity;
    if (!cached || age >= this.ttlMs) return undefined;
    // Refresh ahead: the background tick looks a key in use up again in the last quarter of its
    // TTL (with every other key due, in one query), so its requests never queue behind a lookup;
    // a revocation still wins within ttlMs.
    cached.usedAt = now;
    const record = cached.record;
    if (record.revokedAt || (record.expiresAt && record.expiresAt.getTime() <= now)) return undefined;
    return this.principalOf(record, now);
  }

  async authenticate(authorization: string | undefined, options: AuthenticateOptions = {}): Promise<ApiKeyPrincipal> {
    const hash = this.hashOf(authorization, options);
    const now = this.now();
    const cached = this.cache.get(hash);
    let record: ApiKeyRecord | null;
    if (cached) cached.usedAt = now;
    if (cached && now - cached.fetchedAt < this.ttlMs) {
      record = cached.record;
    } else if (!cached && this.isKnownUnknown(hash, now)) {
      record = null;
    } else {
      // A database query: not for a client that keeps failing (a known key answers from its cached copy meanwhile).
      const limited = this.limited(options.client);
      if (limited && cached && now - cached.fetchedAt < this.staleMs) record = cached.record;
      else if (limited) throw limited;
      else {
        try {
          record = await this.lookup(hash);
        } catch (error) {
          if (isAppError(error)) throw error;
          if (cached && now - cached.fetchedAt < this.staleMs) record = cached.record;
          else throw new DatabaseUnavailableError("Cannot verify the API key: the database is unreachable", error);
        }
      }
    }
    if (!record) this.fail(options.client, "Invalid API key");
    if (record.revokedAt) this.fail(options.client, "This API key has been revoked");
    if (record.expiresAt && record.expiresAt.getTime() <= now) this.fail(options.client, "This API key has expired");
    return this.principalOf(record, now);
  }

  /** The (memoized) principal of a valid record; records the use for `lastUsedAt`. */
  private principalOf(record: ApiKeyRecord, now: number): ApiKeyPrincipal {
    this.maybeTouch(record.id, now);
    let principal = this.principals.get(record);
    if (!principal) {
      principal = {
        apiKeyId: record.id,
        projectId: record.projectId,
        scopes: new Set(record.scopes),
        rateLimit: { perSecond: record.rateLimitPerSecond ?? null, burst: record.rateLimitBurst ?? null },
      };
      this.principals.set(record, principal);
    }
    return principal;
  }

  /** Whether the database said `hash` is no key less than `unknownTtlMs` ago. */
  private isKnownUnknown(hash: string, now: number): boolean {
    const at = this.unknown.get(hash);
    if (at === undefined) return false;
    if (now - at < this.unknownTtlMs) return true;
    this.unknown.delete(hash);
    return false;
  }

  /** The 429 for a client (or everyone) beyond the failed-authentication limit, if it is. */
  private limited(client: string | undefined): AppError | undefined {
    try {
      this.failures?.check(client);
      return undefined;
    } catch (error) {
      if (isAppError(error)) return error;
      throw error;
    }
  }

  /** A failed authentication: 429 once the client is beyond its limit, else counted and 401. */
  private fail(client: string | undefined, message: string): never {
    const limited = this.limited(client);
    if (limited) throw limited;
    this.failures?.record(client);
    throw new AppError("unauthorized", message);
  }

  /** SHA-256 of the key in the header; remembered per header value (the hot path skips parsing and hashing). */
  private hashOf(authorization: string | undefined, options: { allowBasic?: boolean }): string {
    const memoKey = authorization === undefined ? undefined : `${options.allowBasic ? "b" : "n"}${authorization}`;
    const known = memoKey === undefined ? undefined : this.hashes.get(memoKey);
    if (known !== undefined) return known;
    const key = extractApiKey(authorization, options);
    if (!apiKeySchema.safeParse(key).success) throw new AppError("unauthorized", "Malformed API key: expected pd_ followed by letters and digits");
    const hash = hashApiKey(key);
    if (memoKey !== undefined) this.hashes.set(memoKey, hash);
    return hash;
  }

  /** Forgets every cached lookup (e.g. after a key was revoked in this process). */
  clear(): void {
    this.cache.clear();
    this.unknown.clear();
  }

  /**
   * Runs the background tick now (see `tick`). Resolves when its lookup and write are done; never
   * rejects (a failed refresh is left to `authenticate` once the TTL is over: stale window, 503; a
   * failed write is reported to `onBackgroundError` and retried on the key's next use).
   */
  flushBackground(): Promise<void> {
    return this.tick();
  }

  /** Stops the background tick and writes the pending `lastUsedAt` values (a shutdown: no more refreshes). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = undefined;
    await this.ticking;
    await this.writeTouches();
  }

  /** Starts the tick when a key is used and none runs (once per quiet period, not per request). */
  private keepTicking(): void {
    if (this.ticker !== undefined || this.stopped) return;
    this.ticker = setInterval(this.onTick, this.batchMs);
    this.ticker.unref?.();
  }

  private readonly onTick = (): void => {
    if (this.ticking) return;
    void this.tick();
  };

  /**
   * One background step: looks up every key used within `keepFreshMs` that is past REFRESH_AHEAD
   * of its TTL (one query per REFRESH_CHUNK keys) and writes `lastUsedAt` for every key used since
   * the last step (one statement). With no key in use and nothing to write, the ticker stops
   * until the next use.
   */
  private tick(): Promise<void> {
    const now = this.now();
    const due: string[] = [];
    let inUse = false;
    // At most maxEntries (10,000) entries, once per tick: cheap next to a query per key.
    for (const [hash, entry] of this.cache.entries()) {
      if (now - entry.usedAt >= this.keepFreshMs) continue;
      inUse = true;
      if (now - entry.fetchedAt >= this.ttlMs * REFRESH_AHEAD && !this.inflight.has(hash)) due.push(hash);
    }
    if (!inUse && this.dueTouch.size === 0 && this.ticker !== undefined) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
    const step = Promise.all([this.refresh(due), this.writeTouches()]).then(() => {
      if (this.ticking === step) this.ticking = undefined;
    });
    this.ticking = step;
    return step;
  }

  /** Looks `hashes` up again, one query per REFRESH_CHUNK; keys gone from the table become unknown. */
  private async refresh(hashes: string[]): Promise<void> {
    for (let i = 0; i < hashes.length; i += REFRESH_CHUNK) {
      const chunk = hashes.slice(i, i + REFRESH_CHUNK);
      let records: (ApiKeyRecord & { hash: string })[];
      try {
        records = await this.store.findByHashes(chunk);
      } catch {
        return;
      }
      const at = this.now();
      const found = new Set<string>();
      for (const { hash, ...record } of records) {
        found.add(hash);
        // In place: a refresh is no use, so it neither changes the key's recency nor brings back an evicted key.
        const entry = this.cache.peek(hash);
        if (!entry) continue;
        entry.record = record;
        entry.fetchedAt = at;
      }
      // Deleted meanwhile: unknown from now on.
      for (const hash of chunk) {
        if (found.has(hash)) continue;
        this.cache.delete(hash);
        this.unknown.set(hash, at);
      }
    }
  }

  /** One `lastUsedAt` write for every key used since the last one (the batch's latest use as the time). */
  private async writeTouches(): Promise<void> {
    if (this.dueTouch.size === 0) return;
    const batch = this.dueTouch;
    this.dueTouch = new Map();
    let at = 0;
    for (const t of batch.values()) if (t > at) at = t;
    const ids = [...batch.keys()];
    try {
      await this.store.touchMany(ids, new Date(at));
    } catch (error) {
      // Let the next request of each key try again.
      for (const id of ids) this.touchedAt.delete(id);
      this.onBackgroundError(error);
    }
  }

  private lookup(hash: string): Promise<ApiKeyRecord | null> {
    let pending = this.inflight.get(hash);
    if (!pending) {
      pending = this.store
        .findByHash(hash)
        .then((record) => {
          if (record) {
            const at = this.now();
            this.cache.set(hash, { record, fetchedAt: at, usedAt: this.cache.peek(hash)?.usedAt ?? at });
            this.keepTicking();
            this.unknown.delete(hash);
          } else {
            this.cache.delete(hash);
            this.unknown.set(hash, this.now());
          }
          return record;
        })
        .finally(() => this.inflight.delete(hash));
      this.inflight.set(hash, pending);
    }
    return pending;
  }

  private maybeTouch(apiKeyId: string, now: number): void {
    const last = this.touchedAt.get(apiKeyId);
    if (last !== undefined && now - last < this.touchIntervalMs) return;
    this.touchedAt.set(apiKeyId, now);
    // Off the request path, with every other key used meanwhile: the response does not wait for this write.
    this.dueTouch.set(apiKeyId, now);
    this.keepTicking();
  }
}
