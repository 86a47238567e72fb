import { describe, expect, it } from "vitest";
import { TokenBucketLimiter } from "@/lib/api-keys/rate-limit";
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
