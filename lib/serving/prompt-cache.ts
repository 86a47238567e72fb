import { LRUCache } from "lru-cache";
import { isAppError, type AppError } from "@/lib/errors";
import { childLogger } from "@/lib/logger";
import { loadServedVersion, selectorKey, type Selector, type ServedVersion } from "./served-version";
import { DatabaseUnavailableError, isConnectionFailure } from "@/lib/errors/unavailable";

const log = childLogger({ component: "serving-cache" });

/** How a response was produced: from cache, from the database, or from cache while unverifiable. */
export type CacheStatus = "hit" | "miss" | "stale";

export interface CacheResult<T = ServedVersion> {
  value: T;
  cache: CacheStatus;
}

export type ServingLoader<S, T> = (projectId: string, name: string, selector: S) => Promise<T>;
export type ServedVersionLoader = ServingLoader<Selector, ServedVersion>;

export interface ServingCacheOptions<S, T> {
  loader: ServingLoader<S, T>;
  /** A stable string per selector (part of the cache key). */
  keyOf: (selector: S) => string;
  /** Entries older than this are refreshed in the background while still served. Default 5 min. */
  maxAgeMs?: number;
  /** A cached "not found"/"bad request" answer is trusted this long. Default 30 s. */
  errorMaxAgeMs?: number;
  /** A database read that takes longer is treated as "unreachable" (a cached copy answers). Default 2 s. */
  loadTimeoutMs?: number;
  maxEntries?: number;
  /** Bytes the cache may hold (keys and values, estimated); least recently used entries go first. Default 64 MiB. */
  maxBytes?: number;
  /** Estimated bytes of one value in memory. Default: a Buffer's length, else `estimateBytes`. */
  sizeOf?: (value: T) => number;
  now?: () => number;
  onBackgroundError?: (error: unknown) => void;
}

export type PromptCacheOptions = Partial<ServingCacheOptions<Selector, ServedVersion>>;

interface Entry<T> {
  promptKey: string;
  value?: T;
  error?: AppError;
  loadedAt: number;
  /** False once a change notification (or a feed reset) said it may be outdated. */
  valid: boolean;
}

function promptKeyOf(projectId: string, name: string): string {
  return `${projectId}\u0000${name}`;
}

class LoadTimeoutError extends DatabaseUnavailableError {}

/**
 * A rough size in bytes of a value in memory: strings at two bytes a character, Buffers at their
 * length, 16 bytes per number or property slot plus the keys. An estimate that grows with the
 * value (which is what a byte bound needs), not an exact heap figure.
 */
export function estimateBytes(value: unknown, depth = 0): number {
  if (typeof value === "string") return 16 + 2 * value.length;
  if (value === null || typeof value !== "object") return 16;
  if (Buffer.isBuffer(value)) return 64 + value.length;
  if (depth > 32) return 16;
  let bytes = 32;
  if (Array.isArray(value)) {
    for (const item of value) bytes += 8 + estimateBytes(item, depth + 1);
    return bytes;
  }
  for (const [key, item] of Object.entries(value)) bytes += 16 + 2 * key.length + estimateBytes(item, depth + 1);
  return bytes;
}

/** Bytes of a cached error answer (its message and issues name what was asked for, e.g. a long prompt name). */
function errorBytes(error: AppError): number {
  return 200 + 2 * error.message.length + estimateBytes(error.details ?? null);
}

/**
 * An in-process cache of what the serving API answers per (project, name, selector): resolved
 * versions (PromptServingCache below), Langfuse-shaped prompts, prompt lists.
 *
 * - Warm and valid: answered without touching the database ("hit").
 * - Invalidated (`invalidatePrompt`, from the change feed or a local write): the next request
 *   waits for a fresh read, so a release is never served late; if that read fails because the
 *   database is unreachable (or takes longer than `loadTimeoutMs`), the old copy answers ("stale").
 * - While the change feed is down (`setFeedHealthy(false)`), nobody can confirm entries are
 *   current: they are served at once and refreshed in the background; until a refresh succeeds
 *   after the outage began they are reported "stale".
 * - Concurrent misses for one key share one database read. A change that arrives during a read
 *   makes that read's result invalid on arrival.
 * - At most `maxEntries` answers are kept; the least recently used one goes first (lru-cache).
 *   Freshness is not lru-cache's TTL: an entry past `maxAgeMs` must stay, since it answers while
 *   the database is unreachable, and whether it predates a feed outage is part of the answer.
 */
export class ServingCache<S, T> {
  private readonly entries: LRUCache<string, Entry<T>>;
  private readonly byPrompt = new Map<string, Set<string>>();
  private readonly generations = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<Entry<T>>>();
  private readonly loader: ServingLoader<S, T>;
  private readonly keyOf: (selector: S) => string;
  private readonly maxAgeMs: number;
  private readonly errorMaxAgeMs: number;
  private readonly loadTimeoutMs: number;
  private readonly now: () => number;
  private readonly onBackgroundError: (error: unknown) => void;
  private feedHealthy = true;
  private unhealthySince = 0;

  constructor(options: ServingCacheOptions<S, T>) {
    this.loader = options.loader;
    this.keyOf = options.keyOf;
    this.maxAgeMs = options.maxAgeMs ?? 300_000;
    this.errorMaxAgeMs = options.errorMaxAgeMs ?? 30_000;
    this.loadTimeoutMs = options.loadTimeoutMs ?? 2_000;
    this.now = options.now ?? Date.now;
    this.onBackgroundError = options.onBackgroundError ?? ((error) => log.error({ err: error }, "background refresh failed"));
    const sizeOf = options.sizeOf ?? ((value: T) => estimateBytes(value));
    this.entries = new LRUCache<string, Entry<T>>({
      max: options.maxEntries ?? 10_000,
      // Keys (and the prompt key each entry and the prompt index keep) count too: a 7 KB prompt name is 14 KB per copy.
      maxSize: options.maxBytes ?? 64 * 1024 * 1024,
      sizeCalculation: (entry, key) =>
        Math.max(
          1,
          Math.ceil(
            200 + 2 * key.length + 4 * entry.promptKey.length + (entry.error ? errorBytes(entry.error) : entry.value === undefined ? 0 : sizeOf(entry.value)),
          ),
        ),
      // Evicted or deleted (not replaced by a newer answer for the same key): drop it from the prompt index.
      dispose: (entry, key, reason) => {
        if (reason !== "set") this.unindex(key, entry.promptKey);
      },
    });
  }

  /**
   * The cached answer when `get` would answer "hit" without any work (valid, fresh, the change
   * feed healthy): at once, no promise (the serving hot path). Throws a cached not_found /
   * bad_request. Undefined when `get` must be awaited.
   */
  hit(projectId: string, name: string, selector: S): CacheResult<T> | undefined {
    const entry = this.entries.get(`${promptKeyOf(projectId, name)}\u0000${this.keyOf(selector)}`);
    if (!entry || !entry.valid || !this.feedHealthy) return undefined;
    if (this.now() - entry.loadedAt >= (entry.error ? this.errorMaxAgeMs : this.maxAgeMs)) return undefined;
    return this.answer(entry, "hit");
  }

  /**
   * The version `selector` resolves to. Throws the loader's AppError (bad_request, not_found),
   * or DatabaseUnavailableError when the database cannot be reached and nothing is cached.
   */
  async get(projectId: string, name: string, selector: S): Promise<CacheResult<T>> {
    const promptKey = promptKeyOf(projectId, name);
    const key = `${promptKey}\u0000${this.keyOf(selector)}`;
    const entry = this.entries.get(key);
    const now = this.now();
    if (entry && entry.valid) {
      const maxAge = entry.error ? this.errorMaxAgeMs : this.maxAgeMs;
      const fresh = now - entry.loadedAt < maxAge;
      if (this.feedHealthy && fresh) return this.answer(entry, "hit");
      if (entry.value && (!this.feedHealthy || !fresh)) {
        this.refreshInBackground(key, promptKey, projectId, name, selector);
        const unverified = !this.feedHealthy && entry.loadedAt < this.unhealthySince;
        return { value: entry.value, cache: unverified ? "stale" : "hit" };
      }
    }
    try {
      const loaded = await this.withTimeout(this.load(key, promptKey, projectId, name, selector));
      return this.answer(loaded, "miss");
    } catch (error) {
      if (isAppError(error)) throw error;
      if (!isConnectionFailure(error)) throw error;
      if (entry?.value) return { value: entry.value, cache: "stale" };
      throw error instanceof DatabaseUnavailableError ? error : new DatabaseUnavailableError(undefined, error);
    }
  }

  /** Marks every cached answer for this prompt outdated (a version was published or a label moved). */
  invalidatePrompt(projectId: string, name: string): void {
    const promptKey = promptKeyOf(projectId, name);
    this.generations.set(promptKey, (this.generations.get(promptKey) ?? 0) + 1);
    for (const key of this.byPrompt.get(promptKey) ?? []) {
      const entry = this.entries.peek(key);
      if (entry) entry.valid = false;
    }
  }

  /** Marks everything outdated (e.g. the change feed reconnected and may have missed notifications). */
  invalidateAll(): void {
    for (const promptKey of this.byPrompt.keys()) this.generations.set(promptKey, (this.generations.get(promptKey) ?? 0) + 1);
    for (const entry of this.entries.values()) entry.valid = false;
  }

  /** Whether change notifications currently arrive (see ChangeFeed). */
  setFeedHealthy(healthy: boolean): void {
    if (this.feedHealthy === healthy) return;
    this.feedHealthy = healthy;
    if (!healthy) this.unhealthySince = this.now();
  }

  get isFeedHealthy(): boolean {
    return this.feedHealthy;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Estimated bytes held (see `maxBytes`). */
  get bytes(): number {
    return this.entries.calculatedSize;
  }

  private answer(entry: Entry<T>, cache: CacheStatus): CacheResult<T> {
    if (entry.error) throw entry.error;
    if (!entry.value) throw new Error("serving cache: entry without value or error");
    return { value: entry.value, cache };
  }

  private withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LoadTimeoutError(`The prompt store did not answer within ${this.loadTimeoutMs} ms`)), this.loadTimeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  private refreshInBackground(key: string, promptKey: string, projectId: string, name: string, selector: S): void {
    if (this.inflight.has(key)) return;
    this.load(key, promptKey, projectId, name, selector).catch((error: unknown) => {
      if (!isAppError(error)) this.onBackgroundError(error);
    });
  }

  /** One database read per key at a time; stores the result (valid only if no change arrived meanwhile). */
  private load(key: string, promptKey: string, projectId: string, name: string, selector: S): Promise<Entry<T>> {
    let pending = this.inflight.get(key);
    if (pending) return pending;
    const generation = this.generations.get(promptKey) ?? 0;
    pending = (async () => {
      let entry: Entry<T>;
      try {
        const value = await this.loader(projectId, name, selector);
        entry = { promptKey, value, loadedAt: this.now(), valid: true };
      } catch (error) {
        // Only definite answers (not found, bad request) are cached; outages are not.
        if (!isAppError(error)) throw error;
        entry = { promptKey, error, loadedAt: this.now(), valid: true };
      }
      entry.valid = (this.generations.get(promptKey) ?? 0) === generation;
      this.store(key, entry);
      return entry;
    })().finally(() => this.inflight.delete(key));
    this.inflight.set(key, pending);
    return pending;
  }

  private store(key: string, entry: Entry<T>): void {
    this.entries.set(key, entry);
    // An answer larger than the whole cache is not kept (lru-cache refuses it): nothing to index.
    if (!this.entries.has(key)) {
      this.unindex(key, entry.promptKey);
      return;
    }
    let keys = this.byPrompt.get(entry.promptKey);
    if (!keys) {
      keys = new Set();
      this.byPrompt.set(entry.promptKey, keys);
    }
    keys.add(key);
  }

  private unindex(key: string, promptKey: string): void {
    const keys = this.byPrompt.get(promptKey);
    keys?.delete(key);
    if (keys && keys.size === 0) this.byPrompt.delete(promptKey);
  }
}

/** The cache of resolved versions per (project, name, selector) behind GET/render/run. */
export class PromptServingCache extends ServingCache<Selector, ServedVersion> {
  constructor(options: PromptCacheOptions = {}) {
    super({
      // The served body, and the document and content objects it was made from (about as large again each, and more).
      sizeOf: (value) => 4 * value.body.length + 2 * (value.name.length + value.etag.length) + estimateBytes(value.labels) + 400,
      ...options,
      loader: options.loader ?? loadServedVersion,
      keyOf: options.keyOf ?? selectorKey,
    });
  }
}
