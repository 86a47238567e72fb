import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { ApiKeyAuthenticator, type ApiKeyRecord, type ApiKeyStore } from "@/lib/api-keys/authenticate";
import { hashApiKey } from "@/lib/auth/api-keys";
import { PromptServingCache } from "@/lib/serving/prompt-cache";
import { buildServedVersion, type Selector, type ServedVersion } from "@/lib/serving/served-version";
import { DatabaseUnavailableError } from "@/lib/errors/unavailable";
import { supportAssistantContent } from "@/lib/prompts/fixtures/support-assistant";

function served(version: string): ServedVersion {
  return buildServedVersion({
    projectId: "p",
    promptId: "pr",
    versionId: `v-${version}`,
    name: "support",
    version,
    labels: ["production"],
    changelog: "",
    content: supportAssistantContent,
  });
}

/** A loader whose answer and availability the test controls. */
function fakeDb() {
  const state = { version: "1.0.0", down: false, calls: 0, gate: undefined as Promise<void> | undefined };
  const loader = async (_p: string, name: string, selector: Selector) => {
    state.calls++;
    if (state.gate) await state.gate;
    if (state.down) throw new DatabaseUnavailableError("connect ECONNREFUSED 127.0.0.1:5432");
    if (name !== "support") throw new AppError("not_found", `Prompt "${name}" does not exist`);
    if (selector.label === "missing") throw new AppError("not_found", `Prompt "${name}" has no label "missing"`);
    return served(state.version);
  };
  return { state, loader };
}

const production: Selector = { label: "production" };

describe("PromptServingCache", () => {
  it("answers warm requests from memory and reloads after an invalidation", async () => {
    const { state, loader } = fakeDb();
    const cache = new PromptServingCache({ loader });
    expect((await cache.get("p", "support", production)).cache).toBe("miss");
    const hit = await cache.get("p", "support", production);
    expect(hit).toMatchObject({ cache: "hit", value: { version: "1.0.0" } });
    expect(state.calls).toBe(1);
    state.version = "1.1.0";
    cache.invalidatePrompt("p", "support");
    expect(await cache.get("p", "support", production)).toMatchObject({ cache: "miss", value: { version: "1.1.0" } });
    expect(state.calls).toBe(2);
  });

  it("shares one read between concurrent misses, and a change during the read invalidates its result", async () => {
    const { state, loader } = fakeDb();
    let open!: () => void;
    state.gate = new Promise((resolve) => (open = resolve));
    const cache = new PromptServingCache({ loader });
    const pending = Promise.all([cache.get("p", "support", production), cache.get("p", "support", production)]);
    cache.invalidatePrompt("p", "support"); // a publish lands while the read is in flight
    open();
    state.gate = undefined;
    await pending;
    expect(state.calls).toBe(1);
    state.version = "2.0.0";
    expect((await cache.get("p", "support", production)).value.version).toBe("2.0.0");
  });

  it("caches definite errors (not found) but not outages", async () => {
    const { state, loader } = fakeDb();
    const cache = new PromptServingCache({ loader });
    await expect(cache.get("p", "nope", production)).rejects.toThrow('Prompt "nope" does not exist');
    await expect(cache.get("p", "nope", production)).rejects.toThrow(AppError);
    expect(state.calls).toBe(1);
    state.down = true;
    await expect(cache.get("p", "support", { label: "staging" })).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(cache.get("p", "support", { label: "staging" })).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(state.calls).toBe(3);
  });

  it("serves the cached copy as stale while the database is down, then recovers", async () => {
    const { state, loader } = fakeDb();
    let now = 1000;
    const cache = new PromptServingCache({ loader, now: () => now, onBackgroundError: () => {} });
    await cache.get("p", "support", production);
    state.down = true;
    now += 10;
    cache.setFeedHealthy(false);
    expect((await cache.get("p", "support", production)).cache).toBe("stale");
    cache.invalidatePrompt("p", "support");
    expect((await cache.get("p", "support", production)).cache).toBe("stale");
    state.down = false;
    state.version = "1.0.1";
    cache.setFeedHealthy(true);
    expect(await cache.get("p", "support", production)).toMatchObject({ cache: "miss", value: { version: "1.0.1" } });
  });

  it("answers within the load timeout with the old copy when the database hangs", async () => {
    const { state, loader } = fakeDb();
    const cache = new PromptServingCache({ loader, loadTimeoutMs: 30 });
    await cache.get("p", "support", production);
    state.gate = new Promise(() => {}); // never answers
    cache.invalidatePrompt("p", "support");
    const started = Date.now();
    expect((await cache.get("p", "support", production)).cache).toBe("stale");
    expect(Date.now() - started).toBeLessThan(500);
  });

  it("refreshes entries past their max age in the background while serving them", async () => {
    const { state, loader } = fakeDb();
    let now = 0;
    const cache = new PromptServingCache({ loader, now: () => now, maxAgeMs: 1000 });
    await cache.get("p", "support", production);
    state.version = "1.2.0";
    now = 2000;
    expect((await cache.get("p", "support", production)).value.version).toBe("1.0.0");
    await new Promise((resolve) => setImmediate(resolve));
    expect((await cache.get("p", "support", production)).value.version).toBe("1.2.0");
  });

  it("keeps at most maxEntries answers, evicting the least recently used, and still invalidates the rest", async () => {
    const { state, loader } = fakeDb();
    const cache = new PromptServingCache({ loader, maxEntries: 2 });
    const staging: Selector = { label: "staging" };
    const pinned: Selector = { version: "1.0.0" };
    await cache.get("p", "support", production);
    await cache.get("p", "support", staging);
    await cache.get("p", "support", production); // production is now the most recently used
    await cache.get("p", "support", pinned); // evicts staging
    expect(cache.size).toBe(2);
    expect(state.calls).toBe(3);
    expect((await cache.get("p", "support", production)).cache).toBe("hit");
    expect((await cache.get("p", "support", staging)).cache).toBe("miss");
    expect(state.calls).toBe(4);
    state.version = "1.1.0";
    cache.invalidatePrompt("p", "support");
    expect(await cache.get("p", "support", staging)).toMatchObject({ cache: "miss", value: { version: "1.1.0" } });
    expect(cache.size).toBe(2);
  });

  it("hit() answers at once only what get() would answer as a hit without any work", async () => {
    const { state, loader } = fakeDb();
    let now = 0;
    const cache = new PromptServingCache({ loader, now: () => now, maxAgeMs: 1000 });
    expect(cache.hit("p", "support", production)).toBeUndefined(); // never loaded
    await cache.get("p", "support", production);
    expect(cache.hit("p", "support", production)).toMatchObject({ cache: "hit", value: { version: "1.0.0" } });
    cache.invalidatePrompt("p", "support");
    expect(cache.hit("p", "support", production)).toBeUndefined(); // a release must be read, not served late
    await cache.get("p", "support", production);
    now = 1000;
    expect(cache.hit("p", "support", production)).toBeUndefined(); // past its max age: get() refreshes it
    await cache.get("p", "support", production);
    await new Promise((resolve) => setImmediate(resolve));
    expect(cache.hit("p", "support", production)).toBeDefined();
    cache.setFeedHealthy(false);
    expect(cache.hit("p", "support", production)).toBeUndefined(); // get() decides whether it is stale
    cache.setFeedHealthy(true);
    await expect(cache.get("p", "support", { label: "missing" })).rejects.toThrow(/no label "missing"/);
    expect(() => cache.hit("p", "support", { label: "missing" })).toThrow(/no label "missing"/); // the cached definite answer
    expect(state.calls).toBe(4);
  });

  it("is bounded in bytes, keys included: 10,000 distinct 7 KB names (cached not-found answers) stay under maxBytes", async () => {
    const { loader } = fakeDb();
    const maxBytes = 8 * 1024 * 1024;
    const cache = new PromptServingCache({ loader, maxBytes });
    const filler = "x".repeat(7 * 1024);
    let refused = 0;
    for (let i = 0; i < 10_000; i++) {
      await cache.get("p", `${i}-${filler}`, production).catch(() => refused++);
    }
    expect(refused).toBe(10_000);
    expect(cache.bytes).toBeLessThanOrEqual(maxBytes);
    // Each answer holds its key (and the prompt key) and a message naming the prompt: more than 28 KB counted each.
    expect(cache.size).toBeLessThan(maxBytes / (28 * 1024));
    expect(cache.size).toBeGreaterThan(100);
    // The default bound holds too (64 MiB), and a served version counts its body.
    const defaults = new PromptServingCache({ loader });
    await defaults.get("p", "support", production);
    expect(defaults.bytes).toBeGreaterThan(4 * served("1.0.0").body.length);
  }, 60_000);

  it("does not keep (or index) an answer larger than the whole cache", async () => {
    const { state, loader } = fakeDb();
    const cache = new PromptServingCache({ loader, maxBytes: 1024 });
    await cache.get("p", "support", production);
    await cache.get("p", "support", production);
    expect(state.calls).toBe(2);
    expect(cache.size).toBe(0);
    cache.invalidatePrompt("p", "support"); // nothing indexed, nothing to do
  });

  it("gives served documents a stable ETag that changes with the content", () => {
    expect(served("1.0.0").etag).toBe(served("1.0.0").etag);
    expect(served("1.0.0").etag).not.toBe(served("1.0.1").etag);
    expect(JSON.parse(served("1.0.0").body.toString()).etag).toBe(served("1.0.0").etag);
  });
});

describe("ApiKeyAuthenticator", () => {
  function store(records: Record<string, ApiKeyRecord>) {
    const state = { lookups: 0, batches: [] as string[][], touches: [] as string[], writes: 0, down: false };
    const s: ApiKeyStore = {
      findByHash: async (hash) => {
        state.lookups++;
        if (state.down) throw new Error("connect ECONNREFUSED");
        return records[hash] ?? null;
      },
      findByHashes: async (hashes) => {
        state.lookups++;
        state.batches.push([...hashes]);
        if (state.down) throw new Error("connect ECONNREFUSED");
        return hashes.flatMap((hash) => (records[hash] ? [{ ...records[hash], hash }] : []));
      },
      touchMany: async (ids) => {
        state.writes++;
        if (state.down) throw new Error("connect ECONNREFUSED");
        state.touches.push(...ids);
      },
    };
    return { s, state };
  }
  const key = "pd_AAAAAAAAAAAAAAAAAAAAAAAA";
  const record: ApiKeyRecord = { id: "k1", projectId: "p1", scopes: ["prompts:read"], revokedAt: null, expiresAt: null };

  it("caches lookups for the TTL, touches lastUsedAt at most once per interval, and survives an outage", async () => {
    let now = 0;
    const { s, state } = store({ [hashApiKey(key)]: record });
    const auth = new ApiKeyAuthenticator({ store: s, now: () => now, ttlMs: 1000, touchIntervalMs: 60_000 });
    const principal = await auth.authenticate(`Bearer ${key}`);
    expect(principal).toMatchObject({ apiKeyId: "k1", projectId: "p1" });
    await auth.authenticate(`Bearer ${key}`);
    expect(state.lookups).toBe(1);
    await auth.flushBackground();
    expect(state.touches).toEqual(["k1"]);
    now = 5000;
    state.down = true;
    expect((await auth.authenticate(`Bearer ${key}`)).apiKeyId).toBe("k1"); // stale but known
    await expect(auth.authenticate("Bearer pd_BBBBBBBBBBBBBBBBBBBBBBBB")).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await auth.flushBackground();
    expect(state.touches).toEqual(["k1"]);
  });

  it("keeps at most maxEntries lookups, evicting the least recently used", async () => {
    const keys = ["pd_AAAAAAAAAAAAAAAAAAAAAAAA", "pd_CCCCCCCCCCCCCCCCCCCCCCCC", "pd_DDDDDDDDDDDDDDDDDDDDDDDD"];
    const { s, state } = store(Object.fromEntries(keys.map((k, i) => [hashApiKey(k), { ...record, id: `k${i}` }])));
    const auth = new ApiKeyAuthenticator({ store: s, maxEntries: 2 });
    const [a, b, c] = keys.map((k) => `Bearer ${k}`) as [string, string, string];
    await auth.authenticate(a);
    await auth.authenticate(b);
    await auth.authenticate(a); // a is now the most recently used
    await auth.authenticate(c); // evicts b
    expect(state.lookups).toBe(3);
    expect((await auth.authenticate(a)).apiKeyId).toBe("k0");
    expect(state.lookups).toBe(3);
    expect((await auth.authenticate(b)).apiKeyId).toBe("k1");
    expect(state.lookups).toBe(4);
  });

  it("authenticateCached answers a key looked up within the TTL without waiting, and leaves everything else to authenticate", async () => {
    let now = 0;
    const revokedKey = "pd_RRRRRRRRRRRRRRRRRRRRRRRR";
    const { s, state } = store({ [hashApiKey(key)]: record, [hashApiKey(revokedKey)]: { ...record, id: "k2", revokedAt: new Date(0) } });
    const auth = new ApiKeyAuthenticator({ store: s, now: () => now, ttlMs: 1000 });
    expect(auth.authenticateCached(`Bearer ${key}`)).toBeUndefined(); // never seen
    expect(auth.authenticateCached(undefined)).toBeUndefined();
    const principal = await auth.authenticate(`Bearer ${key}`);
    expect(auth.authenticateCached(`Bearer ${key}`)).toBe(principal);
    expect(auth.authenticateCached(`Basic ${Buffer.from(`pk:${key}`).toString("base64")}`, { allowBasic: true })).toBeUndefined(); // another header
    await expect(auth.authenticate(`Bearer ${revokedKey}`)).rejects.toThrow(/revoked/);
    expect(auth.authenticateCached(`Bearer ${revokedKey}`)).toBeUndefined(); // authenticate says why
    await expect(auth.authenticate("Bearer pd_BBBBBBBBBBBBBBBBBBBBBBBB")).rejects.toThrow(/Invalid API key/);
    expect(auth.authenticateCached("Bearer pd_BBBBBBBBBBBBBBBBBBBBBBBB")).toBeUndefined();
    now = 1000;
    expect(auth.authenticateCached(`Bearer ${key}`)).toBeUndefined(); // past the TTL: authenticate looks it up again
    expect(state.lookups).toBe(3);
  });

  it("refreshes a key in use in the background before its TTL runs out, so its requests never wait for a lookup", async () => {
    let now = 0;
    const { s, state } = store({ [hashApiKey(key)]: record });
    const auth = new ApiKeyAuthenticator({ store: s, now: () => now, ttlMs: 1000 });
    await auth.authenticate(`Bearer ${key}`);
    now = 500;
    expect(auth.authenticateCached(`Bearer ${key}`)).toBeDefined();
    expect(state.lookups).toBe(1); // fresh: no lookup
    now = 800; // the last quarter of the TTL: answered from memory, looked up again behind the scenes
    expect(auth.authenticateCached(`Bearer ${key}`)).toBeDefined();
    expect(auth.authenticateCached(`Bearer ${key}`)).toBeDefined();
    await auth.flushBackground();
    expect(state.lookups).toBe(2); // one refresh, not one per request
    await auth.flushBackground();
    expect(state.lookups).toBe(2); // refreshed: nothing due
    now = 1500; // past the first lookup's TTL, within the refresh's
    expect(auth.authenticateCached(`Bearer ${key}`)).toBeDefined();
    // A revocation still wins within the TTL: the refresh brings it, and nothing is served past the TTL without a lookup.
    state.down = true;
    now = 1700;
    expect(auth.authenticateCached(`Bearer ${key}`)).toBeDefined(); // refresh fails in the background
    await auth.flushBackground();
    now = 1800;
    expect(auth.authenticateCached(`Bearer ${key}`)).toBeUndefined(); // authenticate decides (stale window, 503)
  });

  it("refreshes every key due in one lookup and writes lastUsedAt for every key used in one statement, on a timer", async () => {
    let now = 0;
    const keys = Array.from({ length: 50 }, (_, i) => `pd_KEY${String(i).padStart(20, "0")}`);
    const revokedLater = keys[7]!;
    const records: Record<string, ApiKeyRecord> = Object.fromEntries(keys.map((k, i) => [hashApiKey(k), { ...record, id: `k${i}` }]));
    const { s, state } = store(records);
    const auth = new ApiKeyAuthenticator({ store: s, now: () => now, ttlMs: 10_000, batchMs: 20 });
    for (const k of keys) await auth.authenticate(`Bearer ${k}`);
    expect(state.lookups).toBe(50); // first sight: one lookup each, awaited by its request
    await new Promise((resolve) => setTimeout(resolve, 60)); // the timer fires once
    expect(state.writes).toBe(1);
    expect(new Set(state.touches)).toEqual(new Set(keys.map((_, i) => `k${i}`)));
    // Past 75% of the TTL, every key in use is due: one query for all of them.
    records[hashApiKey(revokedLater)] = { ...records[hashApiKey(revokedLater)]!, revokedAt: new Date(0) };
    now = 8_000;
    for (const k of keys) expect(auth.authenticateCached(`Bearer ${k}`)).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(state.lookups).toBe(51);
    expect(new Set(state.batches.at(-1))).toEqual(new Set(keys.map((k) => hashApiKey(k))));
    // The refresh brought the revocation: refused at once, the others answered from memory.
    now = 8_100;
    expect(auth.authenticateCached(`Bearer ${revokedLater}`)).toBeUndefined();
    await expect(auth.authenticate(`Bearer ${revokedLater}`)).rejects.toThrow(/revoked/);
    expect(auth.authenticateCached(`Bearer ${keys[0]}`)).toBeDefined();
    expect(state.writes).toBe(1); // lastUsedAt: at most once per touchIntervalMs
    await auth.stop();
  });

  it("keeps a key in use fresh through a pause in its traffic (its next request does not wait for a lookup); an idle key is left to expire", async () => {
    let now = 0;
    const idleKey = "pd_IDLEIDLEIDLEIDLEIDLEIDLE";
    const { s, state } = store({ [hashApiKey(key)]: record, [hashApiKey(idleKey)]: { ...record, id: "k2" } });
    const auth = new ApiKeyAuthenticator({ store: s, now: () => now, ttlMs: 10_000, keepFreshMs: 60_000 });
    await auth.authenticate(`Bearer ${key}`);
    await auth.authenticate(`Bearer ${idleKey}`);
    now = 70_000; // the idle key: unused for longer than keepFreshMs
    await auth.authenticate(`Bearer ${key}`); // looked up again (expired)
    expect(state.lookups).toBe(3);
    now = 72_000; // the last request of a burst
    expect(auth.authenticateCached(`Bearer ${key}`)).toBeDefined();
    // No request between 72 s and 85 s; the tick refreshes the key in use when it is due.
    now = 78_000;
    await auth.flushBackground();
    expect(state.batches.at(-1)).toEqual([hashApiKey(key)]);
    now = 85_000;
    expect(auth.authenticateCached(`Bearer ${key}`)).toBeDefined(); // no wait for a lookup
    expect(auth.authenticateCached(`Bearer ${idleKey}`)).toBeUndefined(); // expired: authenticate looks it up
    await auth.stop();
  });

  it("stop() writes the pending lastUsedAt values; a failed write is retried on the key's next use", async () => {
    let now = 0;
    const { s, state } = store({ [hashApiKey(key)]: record });
    const errors: unknown[] = [];
    const auth = new ApiKeyAuthenticator({ store: s, now: () => now, batchMs: 60_000, onBackgroundError: (e) => errors.push(e) });
    await auth.authenticate(`Bearer ${key}`);
    state.down = true;
    await auth.flushBackground();
    expect(errors).toHaveLength(1);
    state.down = false;
    now = 1;
    expect(auth.authenticateCached(`Bearer ${key}`)).toBeDefined();
    expect(state.touches).toEqual([]);
    await auth.stop();
    expect(state.touches).toEqual(["k1"]);
  });

  it("rejects expired keys at once even when cached", async () => {
    let now = 0;
    const { s } = store({ [hashApiKey(key)]: { ...record, expiresAt: new Date(100) } });
    const auth = new ApiKeyAuthenticator({ store: s, now: () => now, ttlMs: 60_000 });
    await auth.authenticate(`Bearer ${key}`);
    now = 200;
    await expect(auth.authenticate(`Bearer ${key}`)).rejects.toThrow(/expired/);
    expect(auth.authenticateCached(`Bearer ${key}`)).toBeUndefined();
  });

  it("revocations win during an outage: a key is trusted 60 s past its last verification by default, then 503 (not 401: unknown)", async () => {
    let now = 0;
    const { s, state } = store({ [hashApiKey(key)]: record });
    const auth = new ApiKeyAuthenticator({ store: s, now: () => now });
    await auth.authenticate(`Bearer ${key}`);
    // The key is revoked, then the database goes away before this instance looks again.
    state.down = true;
    now = 59_000;
    expect((await auth.authenticate(`Bearer ${key}`)).apiKeyId).toBe("k1");
    now = 60_001;
    await expect(auth.authenticate(`Bearer ${key}`)).rejects.toBeInstanceOf(DatabaseUnavailableError);
    now = 3_600_000;
    await expect(auth.authenticate(`Bearer ${key}`)).rejects.toBeInstanceOf(DatabaseUnavailableError);
    // Back up: the revocation is seen.
    state.down = false;
    const revoked = new ApiKeyAuthenticator({ store: store({ [hashApiKey(key)]: { ...record, revokedAt: new Date(0) } }).s, now: () => now });
    await expect(revoked.authenticate(`Bearer ${key}`)).rejects.toThrow(/revoked/);
  });

  describe("unknown keys (issue 17, item 7)", () => {
    const unknownKey = (i: number) => `pd_UNKNOWN${String(i).padStart(16, "0")}`;

    it("remembers an unknown key for a short while (one query, not one per request) in a cache of its own", async () => {
      let now = 0;
      const { s, state } = store({ [hashApiKey(key)]: record });
      const auth = new ApiKeyAuthenticator({ store: s, now: () => now, unknownTtlMs: 5_000, maxEntries: 2, failureLimit: false });
      await auth.authenticate(`Bearer ${key}`);
      for (let i = 0; i < 5; i++) await expect(auth.authenticate(`Bearer ${unknownKey(1)}`)).rejects.toThrow("Invalid API key");
      expect(state.lookups).toBe(2);
      now = 5_000;
      await expect(auth.authenticate(`Bearer ${unknownKey(1)}`)).rejects.toThrow("Invalid API key");
      expect(state.lookups).toBe(3);
      // A flood of unknown keys does not evict the known one (its copy still answers during an outage).
      for (let i = 2; i < 50; i++) await expect(auth.authenticate(`Bearer ${unknownKey(i)}`)).rejects.toThrow("Invalid API key");
      state.down = true;
      now = 6_000;
      expect((await auth.authenticate(`Bearer ${key}`)).apiKeyId).toBe("k1");
    });

    it("limits failed authentications per client address: 429 with Retry-After, no more queries; known keys and other clients unaffected", async () => {
      let now = 0;
      const { s, state } = store({ [hashApiKey(key)]: record });
      const auth = new ApiKeyAuthenticator({ store: s, now: () => now });
      await auth.authenticate(`Bearer ${key}`, { client: "10.0.0.1" });
      const outcomes: string[] = [];
      for (let i = 0; i < 150; i++) {
        try {
          await auth.authenticate(`Bearer ${unknownKey(i)}`, { client: "10.0.0.1" });
          outcomes.push("ok");
        } catch (error) {
          outcomes.push((error as AppError).code);
        }
      }
      // The default: 100 failures at once per address, then 10 per second.
      expect(outcomes.filter((o) => o === "unauthorized")).toHaveLength(100);
      expect(outcomes.slice(100).every((o) => o === "rate_limited")).toBe(true);
      expect(state.lookups).toBe(101);
      const limited = await auth.authenticate(`Bearer ${unknownKey(999)}`, { client: "10.0.0.1" }).catch((e: unknown) => e as AppError);
      expect(limited).toMatchObject({ code: "rate_limited", details: 1 });
      // The known key still works from that address (cached), even past its TTL (its cached copy answers).
      expect((await auth.authenticate(`Bearer ${key}`, { client: "10.0.0.1" })).apiKeyId).toBe("k1");
      now = 60_000;
      expect((await auth.authenticate(`Bearer ${key}`, { client: "10.0.0.1" })).apiKeyId).toBe("k1");
      // Another address has its own budget.
      await expect(auth.authenticate(`Bearer ${unknownKey(1000)}`, { client: "10.0.0.2" })).rejects.toThrow("Invalid API key");
    });

    it("limits failed authentications overall, whatever the addresses", async () => {
      const now = 0;
      const { s, state } = store({});
      const auth = new ApiKeyAuthenticator({ store: s, now: () => now, failureLimit: { global: { perSecond: 1, burst: 20 } } });
      const codes: string[] = [];
      for (let i = 0; i < 30; i++)
        codes.push(
          await auth.authenticate(`Bearer ${unknownKey(i)}`, { client: `10.0.1.${i}` }).then(
            () => "ok",
            (e: unknown) => (e as AppError).code,
          ),
        );
      expect(codes.filter((c) => c === "unauthorized")).toHaveLength(20);
      expect(codes.slice(20).every((c) => c === "rate_limited")).toBe(true);
      expect(state.lookups).toBe(20);
    });
  });
});
