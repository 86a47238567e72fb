import { describe, expect, it } from "vitest";
import {
  AttemptTimeoutError,
  CallerAbortError,
  DeadlineExceededError,
  DEFAULT_RETRY_POLICY,
  backoffCeiling,
  backoffDelay,
  classifyError,
  parseRetryAfter,
  resolveRetryPolicy,
  retryDelay,
  shouldRetry,
} from "@/lib/claude/retry";

/** An error shaped like the SDK's APIError family (classification works by shape). */
function apiError(name: string, status: number | undefined, body?: { type: string; message: string }, headers: Record<string, string> = {}) {
  const e = new Error(body?.message ?? name) as Error & { status?: number; headers?: Headers; error?: unknown; requestID?: string };
  e.name = name;
  e.status = status;
  e.headers = new Headers({ "request-id": "req_1", ...headers });
  e.error = body ? { type: "error", error: body } : undefined;
  e.requestID = "req_1";
  return e;
}

describe("backoffDelay (full jitter)", () => {
  const policy = { baseDelayMs: 1000, maxDelayMs: 8000 };

  it("ceiling starts at the base, doubles, and is capped", () => {
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffCeiling(a, policy))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it("stays within [0, ceiling) at the extremes of random()", () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      expect(backoffDelay(attempt, policy, () => 0)).toBe(0);
      const top = backoffDelay(attempt, policy, () => 0.999999);
      expect(top).toBeLessThan(backoffCeiling(attempt, policy));
      expect(top).toBeGreaterThanOrEqual(backoffCeiling(attempt, policy) - 1);
    }
  });

  it("is uniformly spread over the whole window (full jitter, not equal jitter)", () => {
    let seed = 42;
    const rng = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const samples = Array.from({ length: 20_000 }, () => backoffDelay(2, policy, rng));
    const ceiling = backoffCeiling(2, policy);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(mean).toBeGreaterThan(ceiling * 0.47);
    expect(mean).toBeLessThan(ceiling * 0.53);
    const buckets = new Array<number>(10).fill(0);
    for (const s of samples) buckets[Math.floor((s / ceiling) * 10)]! += 1;
    for (const count of buckets) expect(count).toBeGreaterThan(1700);
    expect(Math.min(...samples)).toBeLessThan(ceiling * 0.01);
  });
});

describe("classifyError", () => {
  const table: Array<[string, unknown, string, boolean]> = [
    ["429", apiError("RateLimitError", 429, { type: "rate_limit_error", message: "slow down" }), "rate_limited", true],
    ["529", apiError("OverloadedError", 529, { type: "overloaded_error", message: "Overloaded" }), "overloaded", true],
    ["500", apiError("InternalServerError", 500, { type: "api_error", message: "boom" }), "server_error", true],
    ["502", apiError("InternalServerError", 502), "server_error", true],
    ["503", apiError("ServiceUnavailableError", 503), "server_error", true],
    ["504", apiError("GatewayTimeoutError", 504, { type: "timeout_error", message: "t" }), "server_error", true],
    ["408", apiError("RequestTimeoutError", 408), "timeout", true],
    ["connection", apiError("APIConnectionError", undefined), "connection", true],
    ["sdk timeout", apiError("APIConnectionTimeoutError", undefined), "timeout", true],
    ["attempt timeout", new AttemptTimeoutError(100), "timeout", true],
    ["stream error event", apiError("APIError", undefined, { type: "overloaded_error", message: "Overloaded" }), "stream_error", true],
    ["400", apiError("BadRequestError", 400, { type: "invalid_request_error", message: "max_tokens: bad" }), "invalid_request", false],
    [
      "400 overflow",
      apiError("BadRequestError", 400, { type: "invalid_request_error", message: "prompt is too long: 200251 tokens > 200000 maximum" }),
      "context_overflow",
      false,
    ],
    ["401", apiError("AuthenticationError", 401, { type: "authentication_error", message: "bad key" }), "authentication", false],
    ["403", apiError("PermissionDeniedError", 403), "permission", false],
    ["404", apiError("NotFoundError", 404, { type: "not_found_error", message: "model" }), "not_found", false],
    ["413", apiError("ContentTooLargeError", 413, { type: "request_too_large", message: "big" }), "invalid_request", false],
    ["user abort", apiError("APIUserAbortError", undefined), "aborted", false],
    ["caller abort", new CallerAbortError(), "aborted", false],
    ["deadline", new DeadlineExceededError(1000), "deadline_exceeded", false],
    ["plain error", new Error("weird"), "unknown", false],
    ["non-error", "string thrown", "unknown", false],
  ];
  it.each(table)("%s -> %s", (_label, error, kind, retryable) => {
    const c = classifyError(error);
    expect(c.kind).toBe(kind);
    expect(c.retryable).toBe(retryable);
  });

  it("keeps status, API type, message, request id and retry-after", () => {
    const c = classifyError(apiError("RateLimitError", 429, { type: "rate_limit_error", message: "slow down" }, { "retry-after": "7" }));
    expect(c).toMatchObject({ httpStatus: 429, apiType: "rate_limit_error", message: "slow down", requestId: "req_1", retryAfterMs: 7000 });
  });
});

describe("retry-after", () => {
  it("prefers retry-after-ms, then seconds, then an HTTP date", () => {
    expect(parseRetryAfter(new Headers({ "retry-after-ms": "250", "retry-after": "9" }))).toBe(250);
    expect(parseRetryAfter(new Headers({ "retry-after": "2" }))).toBe(2000);
    expect(parseRetryAfter(new Headers({ "retry-after": "0.5" }))).toBe(500);
    const now = Date.parse("2026-11-28T12:00:00Z");
    expect(parseRetryAfter(new Headers({ "retry-after": "Sat, 28 Nov 2026 12:00:03 GMT" }), now)).toBe(3000);
    expect(parseRetryAfter(new Headers({}))).toBeNull();
    expect(parseRetryAfter({ "retry-after": "3" })).toBe(3000);
  });

  it("is honoured but clamped to maxDelayMs; without it the jittered backoff applies", () => {
    const policy = resolveRetryPolicy(undefined, undefined, { maxDelayMs: 500 });
    expect(retryDelay(0, { retryAfterMs: 2000 }, policy, () => 0.5)).toBe(500);
    expect(retryDelay(0, { retryAfterMs: 100 }, policy, () => 0.5)).toBe(100);
    expect(retryDelay(0, { retryAfterMs: null }, policy, () => 0.5)).toBe(250);
    const ignoring = { ...policy, honorRetryAfter: false };
    expect(retryDelay(0, { retryAfterMs: 100 }, ignoring, () => 0)).toBe(0);
  });
});

describe("policy resolution", () => {
  it("defaults: 4 retries, 1 s base, 60 s attempt timeout, 120 s deadline", () => {
    expect(resolveRetryPolicy(undefined, undefined)).toEqual({ ...DEFAULT_RETRY_POLICY });
    expect(DEFAULT_RETRY_POLICY).toMatchObject({ maxRetries: 4, baseDelayMs: 1000, timeoutMs: 60_000, deadlineMs: 120_000 });
  });

  it("version overrides project, explicit overrides win, deadline >= timeout", () => {
    const p = resolveRetryPolicy({ max_retries: 2, timeout_ms: 5000, base_delay_ms: 10 }, { max_retries: 6 }, { deadlineMs: 100 });
    expect(p.maxRetries).toBe(6);
    expect(p.timeoutMs).toBe(5000);
    expect(p.baseDelayMs).toBe(10);
    expect(p.deadlineMs).toBe(5000);
  });

  it("shouldRetry respects the budget and retryability", () => {
    expect(shouldRetry({ retryable: true }, 3, { maxRetries: 4 })).toBe(true);
    expect(shouldRetry({ retryable: true }, 4, { maxRetries: 4 })).toBe(false);
    expect(shouldRetry({ retryable: false }, 0, { maxRetries: 4 })).toBe(false);
  });
});
