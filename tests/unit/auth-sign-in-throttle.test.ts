import { describe, expect, it } from "vitest";
import { formatWait, lockedErrorCode, signInErrorMessage, INVALID_CREDENTIALS_MESSAGE } from "@/lib/users/credentials";
import { combineDecisions, DEFAULT_THROTTLE_POLICY as P, throttleDecision, throttleKey } from "@/lib/users/sign-in-throttle";
import { clientAddressFromHeaders, CLIENT_ADDRESS_HEADER } from "@/lib/auth/client-address";

const NOW = 1_800_000_000_000;
const rule = P.email;

describe("throttleDecision", () => {
  it("allows without delay below slowAfter failures and for no or an expired window", () => {
    expect(throttleDecision(null, rule, P, NOW)).toEqual({ kind: "allow", delayMs: 0 });
    expect(throttleDecision({ failures: rule.slowAfter - 1, windowStart: NOW - 1000, lockedUntil: null }, rule, P, NOW)).toEqual({ kind: "allow", delayMs: 0 });
    expect(throttleDecision({ failures: 9, windowStart: NOW - P.windowMs, lockedUntil: null }, rule, P, NOW)).toEqual({ kind: "allow", delayMs: 0 });
  });

  it("slows down each failure past slowAfter, up to the cap", () => {
    const at = (failures: number) => throttleDecision({ failures, windowStart: NOW - 1000, lockedUntil: null }, rule, P, NOW);
    expect(at(rule.slowAfter)).toEqual({ kind: "allow", delayMs: P.delayStepMs });
    expect(at(rule.slowAfter + 1)).toEqual({ kind: "allow", delayMs: 2 * P.delayStepMs });
    expect(at(rule.slowAfter + 100)).toEqual({ kind: "allow", delayMs: P.maxDelayMs });
  });

  it("refuses a locked key until its lock ends, then starts again", () => {
    const locked = { failures: rule.lockAfter, windowStart: NOW - 60_000, lockedUntil: NOW + 90_000 };
    expect(throttleDecision(locked, rule, P, NOW)).toEqual({ kind: "locked", retryAfterMs: 90_000 });
    expect(throttleDecision(locked, rule, P, NOW + 90_000)).toEqual({ kind: "allow", delayMs: 0 });
  });

  it("combines the stricter: any lock (the longest), else the longest delay", () => {
    expect(
      combineDecisions([
        { kind: "allow", delayMs: 500 },
        { kind: "allow", delayMs: 250 },
      ]),
    ).toEqual({ kind: "allow", delayMs: 500 });
    expect(
      combineDecisions([
        { kind: "locked", retryAfterMs: 10 },
        { kind: "allow", delayMs: 2000 },
        { kind: "locked", retryAfterMs: 30 },
      ]),
    ).toEqual({ kind: "locked", retryAfterMs: 30 });
    expect(combineDecisions([])).toEqual({ kind: "allow", delayMs: 0 });
  });
});

describe("throttle keys", () => {
  it("hash the normalised email or address (no addresses stored) per kind", () => {
    expect(throttleKey("email", " Ada@Acme.com")).toBe(throttleKey("email", "ada@acme.com"));
    expect(throttleKey("address", "::ffff:10.0.0.1")).toBe(throttleKey("address", "10.0.0.1"));
    expect(throttleKey("email", "10.0.0.1")).not.toBe(throttleKey("address", "10.0.0.1"));
    expect(throttleKey("email", "ada@acme.com")).toMatch(/^email:[0-9a-f]{64}$/);
    expect(throttleKey("email", "x".repeat(5000))).toHaveLength(70);
  });
});

describe("sign-in messages", () => {
  it("say how long a lock lasts", () => {
    expect(signInErrorMessage(lockedErrorCode(900))).toBe("Too many failed sign-in attempts. Try again in 15 minutes.");
    expect(signInErrorMessage(lockedErrorCode(61))).toBe("Too many failed sign-in attempts. Try again in 2 minutes.");
    expect(signInErrorMessage(lockedErrorCode(0.2))).toBe("Too many failed sign-in attempts. Try again in 1 second.");
    expect(formatWait(45)).toBe("45 seconds");
    expect(formatWait(60)).toBe("1 minute");
  });

  it("name single sign-on failures and fall back to the one invalid-credentials message", () => {
    expect(signInErrorMessage("OAuthSignin")).toMatch(/^Single sign-on is not available right now/);
    expect(signInErrorMessage("OAuthCallback")).toMatch(/^Single sign-on did not complete/);
    for (const code of ["CredentialsSignin", "locked:abc", "locked:-5", "", null, undefined, "<script>"]) {
      expect(signInErrorMessage(code)).toBe(INVALID_CREDENTIALS_MESSAGE);
    }
  });
});

describe("client address header", () => {
  it("is read only when it is a short string", () => {
    expect(clientAddressFromHeaders({ [CLIENT_ADDRESS_HEADER]: "10.0.0.1" })).toBe("10.0.0.1");
    expect(clientAddressFromHeaders({ [CLIENT_ADDRESS_HEADER]: ["10.0.0.1"] })).toBeUndefined();
    expect(clientAddressFromHeaders({ [CLIENT_ADDRESS_HEADER]: "x".repeat(101) })).toBeUndefined();
    expect(clientAddressFromHeaders(undefined)).toBeUndefined();
  });
});
