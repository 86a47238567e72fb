import { describe, expect, it } from "vitest";
import { defaultRateLimits, effectiveRateLimits, TokenBucketLimiter } from "@/lib/api-keys/rate-limit";
import { parseEnv } from "@/lib/env";
import { SharedRateLimiter, type LeaseStore } from "@/lib/api-keys/shared-rate-limit";
import { extractApiKey, requireScope, roleForScopes } from "@/lib/api-keys/authenticate";
import { AppError } from "@/lib/errors";

describe("TokenBucketLimiter", () => {
  it("allows a burst, then refuses with Retry-After until tokens refill", () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ perSecond: 2, burst: 3, now: () => now });
    expect([1, 2, 3].map(() => limiter.take("k").ok)).toEqual([true, true, true]);
    const refused = limiter.take("k");
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 1 });
    now += 499;
    expect(limiter.take("k").ok).toBe(false);
    now += 1;
    expect(limiter.take("k").ok).toBe(true); // 0.5 s at 2/s = one token
    expect(limiter.take("other").ok).toBe(true); // buckets are per key
  });

  it("reports whole seconds of waiting for slow refill rates and never exceeds the burst", () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ perSecond: 0.1, burst: 1, now: () => now });
    expect(limiter.take("k").ok).toBe(true);
    expect(limiter.take("k")).toEqual({ ok: false, retryAfterSeconds: 10 });
    now += 3_600_000;
    expect(limiter.take("k")).toEqual({ ok: true, remaining: 0 });
    expect(limiter.take("k").ok).toBe(false);
  });

  it("rejects nonsensical settings", () => {
    expect(() => new TokenBucketLimiter({ perSecond: 0, burst: 1 })).toThrow();
  });
});

/**
 * The shared bucket as LEASE_SQL keeps it, in memory, on an injected clock: refill by the time
 * elapsed (capped at burst), grant whole tokens up to `want`. With `async`, the grant is decided
 * a macrotask later (a database round trip), so concurrent callers pile up behind a lease.
 */
function memoryStore(now: () => number, log: string[] = [], options: { async?: boolean } = {}): LeaseStore & { down: boolean } {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    down: false,
    async lease(key, want, { perSecond, burst }) {
      log.push(key);
      if (options.async) await new Promise((resolve) => setTimeout(resolve, 1));
      if (this.down) throw new Error("connection refused");
      const b = buckets.get(key) ?? { tokens: burst, at: now() };
      const avail = Math.min(burst, b.tokens + ((now() - b.at) / 1000) * perSecond);
      const granted = Math.min(want, Math.floor(avail));
      buckets.set(key, { tokens: avail - granted, at: now() });
      return granted;
    },
  };
}

const admitted = (decisions: { ok: boolean }[]) => decisions.filter((d) => d.ok).length;

describe("per-key limits", () => {
  it("defaults come from PROMPTDECK_RATE_LIMIT_PER_SECOND / PROMPTDECK_RATE_LIMIT_BURST (100/s, burst 200 when unset)", () => {
    expect(defaultRateLimits(parseEnv({}))).toEqual({ perSecond: 100, burst: 200 });
    expect(defaultRateLimits(parseEnv({ PROMPTDECK_RATE_LIMIT_PER_SECOND: "2500.5", PROMPTDECK_RATE_LIMIT_BURST: "5000" }))).toEqual({
      perSecond: 2500.5,
      burst: 5000,
    });
    expect(defaultRateLimits(parseEnv({ PROMPTDECK_RATE_LIMIT_PER_SECOND: "", PROMPTDECK_RATE_LIMIT_BURST: "" }))).toEqual({ perSecond: 100, burst: 200 });
    expect(() => parseEnv({ PROMPTDECK_RATE_LIMIT_PER_SECOND: "0" })).toThrow(/PROMPTDECK_RATE_LIMIT_PER_SECOND: must be a positive number/);
    expect(() => parseEnv({ PROMPTDECK_RATE_LIMIT_BURST: "1.5" })).toThrow(/PROMPTDECK_RATE_LIMIT_BURST: must be a whole number/);
    expect(() => parseEnv({ PROMPTDECK_RATE_LIMIT_BURST: "lots" })).toThrow(/PROMPTDECK_RATE_LIMIT_BURST/);
  });

  it("a key's own values replace the default one by one", () => {
    const defaults = { perSecond: 100, burst: 200 };
    expect(effectiveRateLimits(defaults, undefined)).toBe(defaults);
    expect(effectiveRateLimits(defaults, { perSecond: null, burst: null })).toBe(defaults);
    expect(effectiveRateLimits(defaults, { perSecond: 5, burst: null })).toEqual({ perSecond: 5, burst: 200 });
    expect(effectiveRateLimits(defaults, { perSecond: null, burst: 3 })).toEqual({ perSecond: 100, burst: 3 });
  });

  it("the in-memory bucket uses the key's own limits, and a changed limit applies to the next request", () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ perSecond: 1, burst: 10, now: () => now });
    const own = { perSecond: 1, burst: 2 };
    expect([1, 2, 3].map(() => limiter.take("k", own).ok)).toEqual([true, true, false]);
    expect(Array.from({ length: 11 }, () => limiter.take("d").ok).filter(Boolean)).toHaveLength(10);
    now += 60_000;
    expect(Array.from({ length: 6 }, () => limiter.take("k", { perSecond: 1, burst: 5 }).ok).filter(Boolean)).toHaveLength(5);
  });

  it("the shared limiter leases with the key's own limits (a slower key gets its own burst, its own Retry-After)", async () => {
    const now = () => 0;
    const limiter = new SharedRateLimiter({ perSecond: 100, burst: 200, store: memoryStore(now), now });
    const own = { perSecond: 0.1, burst: 3 };
    const decisions = await Promise.all(Array.from({ length: 5 }, () => limiter.take("slow", own)));
    expect(decisions.filter((d) => d.ok)).toHaveLength(3);
    expect(decisions.find((d) => !d.ok)).toEqual({ ok: false, retryAfterSeconds: 10 });
    const fast = await Promise.all(Array.from({ length: 150 }, () => limiter.take("fast", { perSecond: null, burst: null })));
    expect(fast.every((d) => d.ok)).toBe(true);
  });
});

describe("SharedRateLimiter", () => {
  it("two instances together admit one key's burst, not twice it", async () => {
    let now = 0;
    const store = memoryStore(() => now);
    const a = new SharedRateLimiter({ perSecond: 10, burst: 20, store, now: () => now });
    const b = new SharedRateLimiter({ perSecond: 10, burst: 20, store, now: () => now });
    let admitted = 0;
    for (let i = 0; i < 30; i++) {
      if ((await a.take("k")).ok) admitted++;
      if ((await b.take("k")).ok) admitted++;
    }
    expect(admitted).toBe(20);
    const refused = await a.take("k");
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 1 });
    now += 1000; // a second refills 10 tokens, shared again
    let later = 0;
    for (let i = 0; i < 10; i++) {
      if ((await a.take("k")).ok) later++;
      if ((await b.take("k")).ok) later++;
    }
    expect(later).toBe(10);
  });

  for (const mode of ["sync", "async"] as const) {
    describe(`a burst up to the limit passes (store answers ${mode === "async" ? "after a round trip" : "at once"})`, () => {
      it("50 concurrent requests on a fresh key at 100/s, burst 200: all admitted", async () => {
        const now = () => 0;
        const limiter = new SharedRateLimiter({ perSecond: 100, burst: 200, store: memoryStore(now, [], { async: mode === "async" }), now });
        const decisions = await Promise.all(Array.from({ length: 50 }, () => limiter.take("fresh")));
        expect(admitted(decisions)).toBe(50);
      });

      it("one instance: 250 concurrent requests admit exactly the burst (200), then refuse until tokens refill", async () => {
        let t = 0;
        const now = () => t;
        const limiter = new SharedRateLimiter({ perSecond: 100, burst: 200, store: memoryStore(now, [], { async: mode === "async" }), now });
        const first = await Promise.all(Array.from({ length: 200 }, () => limiter.take("k")));
        expect(admitted(first)).toBe(200);
        const more = await Promise.all(Array.from({ length: 50 }, () => limiter.take("k")));
        expect(admitted(more)).toBe(0);
        expect(more[0]).toEqual({ ok: false, retryAfterSeconds: 1 });
        t += 100; // 10 tokens refill
        const later = await Promise.all(Array.from({ length: 30 }, () => limiter.take("k")));
        expect(admitted(later)).toBe(10);
      });

      it("two instances over one store: 100 + 100 concurrent requests all pass, the 201st is refused", async () => {
        const now = () => 0;
        const store = memoryStore(now, [], { async: mode === "async" });
        const a = new SharedRateLimiter({ perSecond: 100, burst: 200, store, now });
        const b = new SharedRateLimiter({ perSecond: 100, burst: 200, store, now });
        const decisions = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).take("k")));
        expect(admitted(decisions)).toBe(200);
        const after = await Promise.all([a.take("k"), b.take("k"), a.take("k"), b.take("k")]);
        expect(admitted(after)).toBe(0);
      });

      it("a small chunk still admits the whole burst (20 concurrent callers, chunk 1)", async () => {
        const now = () => 0;
        const limiter = new SharedRateLimiter({ perSecond: 6, burst: 20, chunk: 1, store: memoryStore(now, [], { async: mode === "async" }), now });
        const decisions = await Promise.all(Array.from({ length: 21 }, () => limiter.take("k")));
        expect(admitted(decisions)).toBe(20);
      });
    });
  }

  it("leases in chunks with prefetch: a steady key asks the store about once per chunk", async () => {
    let now = 0;
    const calls: string[] = [];
    const limiter = new SharedRateLimiter({ perSecond: 100, burst: 200, chunk: 10, store: memoryStore(() => now, calls), now: () => now });
    for (let i = 0; i < 100; i++) {
      expect((await limiter.take("k")).ok).toBe(true);
      now += 20; // 50 requests/s, under the limit
    }
    expect(calls.length).toBeGreaterThanOrEqual(10);
    expect(calls.length).toBeLessThanOrEqual(12);
  });

  it("decides at once (no promise) while the key has leased tokens in hand; waits only for a lease", async () => {
    const limiter = new SharedRateLimiter({ perSecond: 100, burst: 200, chunk: 10, store: memoryStore(() => 0), now: () => 0 });
    const first = limiter.take("k");
    expect(first).toBeInstanceOf(Promise); // nothing leased yet
    expect(await first).toMatchObject({ ok: true });
    const next = limiter.take("k");
    expect(next).not.toBeInstanceOf(Promise);
    expect(next).toEqual({ ok: true, remaining: 8 });
  });

  it("falls back to the instance's own bucket while the store is down, and returns to it after", async () => {
    let now = 0;
    const errors: unknown[] = [];
    const store = memoryStore(() => now);
    const limiter = new SharedRateLimiter({ perSecond: 1, burst: 3, chunk: 1, store, now: () => now, onStoreError: (e) => errors.push(e) });
    store.down = true;
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push((await limiter.take("k")).ok);
    expect(decisions).toEqual([true, true, true, false]); // the local bucket: burst 3
    expect(errors).toHaveLength(1); // reported once, not per request

    store.down = false;
    now += 10_000; // the local bucket is full again; the next probe (at most once a second) finds the store
    await limiter.take("k");
    const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
    await tick();
    // Another instance drains the shared bucket: this one must now say no although its own bucket has room.
    const other = new SharedRateLimiter({ perSecond: 1, burst: 3, chunk: 1, store, now: () => now });
    for (let i = 0; i < 5; i++) await other.take("k");
    await tick();
    expect((await limiter.take("k")).ok).toBe(true); // the token its probe leased
    await tick();
    expect((await limiter.take("k")).ok).toBe(false);
  });
});

describe("API key credentials", () => {
  it("reads Bearer keys and, where allowed, the secret of Basic credentials", () => {
    expect(extractApiKey("Bearer pd_abc")).toBe("pd_abc");
    expect(extractApiKey("bearer   pd_abc ")).toBe("pd_abc");
    const basic = `Basic ${Buffer.from("pk-lf-123:pd_secret").toString("base64")}`;
    expect(extractApiKey(basic, { allowBasic: true })).toBe("pd_secret");
    expect(() => extractApiKey(basic)).toThrow(AppError);
    expect(() => extractApiKey(undefined)).toThrow(/Missing API key/);
    expect(() => extractApiKey(`Basic ${Buffer.from("nocolon").toString("base64")}`, { allowBasic: true })).toThrow(/public-key:secret-key/);
  });

  it("maps scopes to the role used for mutations and checks scopes exactly", () => {
    expect(roleForScopes(new Set(["prompts:read"]))).toBe("VIEWER");
    expect(roleForScopes(new Set(["prompts:read", "prompts:write"]))).toBe("EDITOR");
    expect(roleForScopes(new Set(["admin"]))).toBe("ADMIN");
    const principal = { apiKeyId: "k", projectId: "p", scopes: new Set(["admin"]) };
    expect(() => requireScope(principal, "prompts:write")).toThrow(/lacks the "prompts:write" scope/);
    expect(() => requireScope(principal, "admin")).not.toThrow();
  });
});
