import { z } from "zod";
import type { Policy } from "@/lib/prompts/schemas";

/**
 * The runner's retry and timeout policy as plain data, plus the pure functions that decide what
 * to do after a failed attempt. Nothing here sleeps or reads the clock: the runner injects both.
 */

/** Everything the runner needs to know about retries, timeouts and fallbacks for one call. */
export interface RetryPolicy {
  /** Retries after the first attempt on one model (the fallback model gets its own budget). */
  maxRetries: number;
  /** First backoff ceiling; doubles each retry (full jitter: the wait is uniform in [0, ceiling]). */
  baseDelayMs: number;
  /** Cap on one wait, from backoff or from `retry-after`. */
  maxDelayMs: number;
  /** Per-attempt timeout (headers and body). */
  timeoutMs: number;
  /** Overall deadline for the whole call, retries, fallbacks and repairs included. */
  deadlineMs: number;
  /** Honour `retry-after-ms` / `retry-after` on 429/529/5xx (clamped to maxDelayMs). */
  honorRetryAfter: boolean;
  /** Retry a refusal once on the fallback model, when one is configured. */
  refusalFallback: boolean;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxRetries: 4,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  timeoutMs: 60_000,
  deadlineMs: 120_000,
  honorRetryAfter: true,
  refusalFallback: false,
});

/** A whole number in [min, max] whose messages name the field ("Retries must be at most 10"). */
export function wholeNumber(label: string, min: number, max: number, unit = "") {
  return z
    .number({ error: `${label} must be a whole number` })
    .int(`${label} must be a whole number`)
    .min(min, `${label} must be at least ${min.toLocaleString("en-US")}${unit}`)
    .max(max, `${label} must be at most ${max.toLocaleString("en-US")}${unit}`);
}

/**
 * Project-wide runner defaults, stored under `Project.settings.runner` (snake_case like the
 * version policy). Every field optional; unknown fields are rejected.
 */
export const projectRunnerSettingsSchema = z.strictObject({
  max_retries: wholeNumber("Retries", 0, 10).optional(),
  base_delay_ms: wholeNumber("Base backoff", 0, 60_000, " ms").optional(),
  max_delay_ms: wholeNumber("Longest backoff", 0, 600_000, " ms").optional(),
  timeout_ms: wholeNumber("Attempt timeout", 1, 3_600_000, " ms").optional(),
  deadline_ms: wholeNumber("Call deadline", 1, 86_400_000, " ms").optional(),
  honor_retry_after: z.boolean().optional(),
  refusal_fallback: z.boolean().optional(),
  /** The fallback model of versions that name none (a version's own `fallback_model` wins). */
  fallback_model: z
    .string()
    .trim()
    .min(1, "Fallback model: choose a model")
    .max(100, "Fallback model: at most 100 characters")
    .regex(/^[A-Za-z0-9._:@-]+$/, "Fallback model: letters, digits, dots, dashes, colons and @ only")
    .optional(),
});
export type ProjectRunnerSettings = z.infer<typeof projectRunnerSettingsSchema>;

/**
 * Merges, lowest precedence first: DEFAULT_RETRY_POLICY, project defaults, the version's policy
 * (max_retries, timeout_ms, deadline_ms), then explicit overrides (tests, callers). The deadline
 * is raised to at least the per-attempt timeout.
 */
export function resolveRetryPolicy(
  project: ProjectRunnerSettings | undefined,
  version: Pick<Policy, "max_retries" | "timeout_ms" | "deadline_ms"> | undefined,
  overrides: Partial<RetryPolicy> = {},
): RetryPolicy {
  const p = project ?? {};
  const v = version ?? {};
  const merged: RetryPolicy = {
    maxRetries: v.max_retries ?? p.max_retries ?? DEFAULT_RETRY_POLICY.maxRetries,
    baseDelayMs: p.base_delay_ms ?? DEFAULT_RETRY_POLICY.baseDelayMs,
    maxDelayMs: p.max_delay_ms ?? DEFAULT_RETRY_POLICY.maxDelayMs,
    timeoutMs: v.timeout_ms ?? p.timeout_ms ?? DEFAULT_RETRY_POLICY.timeoutMs,
    deadlineMs: v.deadline_ms ?? p.deadline_ms ?? DEFAULT_RETRY_POLICY.deadlineMs,
    honorRetryAfter: p.honor_retry_after ?? DEFAULT_RETRY_POLICY.honorRetryAfter,
    refusalFallback: p.refusal_fallback ?? DEFAULT_RETRY_POLICY.refusalFallback,
    ...stripUndefined(overrides),
  };
  merged.deadlineMs = Math.max(merged.deadlineMs, merged.timeoutMs);
  return merged;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Full-jitter exponential backoff: the wait before retry number `attempt` (0 = the first retry)
 * is `random() * min(maxDelayMs, baseDelayMs * 2^attempt)`, so it lies in [0, ceiling).
 * `random` must return a number in [0, 1).
 */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeiling(attempt, policy));
}

/** The ceiling of the jittered wait before retry `attempt` (0-based). */
export function backoffCeiling(attempt: number, policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">): number {
  const exp = policy.baseDelayMs * 2 ** Math.min(Math.max(0, attempt), 30);
  return Math.min(policy.maxDelayMs, exp);
}

/** What went wrong on one attempt, as the runner and the call log see it. */
export type ErrorKind =
  | "rate_limited" // 429
  | "overloaded" // 529
  | "server_error" // other 5xx
  | "connection" // network failure, dropped connection
  | "timeout" // our per-attempt timeout, the SDK's timeout, 408
  | "context_overflow" // 400 "prompt is too long"
  | "invalid_request" // other 400, 413, 422
  | "authentication" // 401
  | "permission" // 403
  | "not_found" // 404
  | "aborted" // the caller's signal
  | "deadline_exceeded" // our overall deadline
  | "stream_error" // an SSE error event mid-stream
  | "unknown";

export interface ErrorClassification {
  kind: ErrorKind;
  retryable: boolean;
  httpStatus: number | null;
  /** The API's error type (`rate_limit_error`, ...) when it sent one. */
  apiType: string | null;
  message: string;
  /** From `retry-after-ms` or `retry-after` (seconds or an HTTP date), when present. */
  retryAfterMs: number | null;
  requestId: string | null;
}

const RETRYABLE: ReadonlySet<ErrorKind> = new Set(["rate_limited", "overloaded", "server_error", "connection", "timeout", "stream_error"]);

/** Reads `retry-after-ms` (preferred) or `retry-after` (seconds or HTTP date) from response headers. */
export function parseRetryAfter(headers: HeadersLike | null | undefined, now: number = Date.now()): number | null {
  if (!headers) return null;
  const ms = headerValue(headers, "retry-after-ms");
  if (ms !== null) {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
  }
  const s = headerValue(headers, "retry-after");
  if (s !== null) {
    const n = Number(s);
    if (s.trim() !== "" && Number.isFinite(n) && n >= 0) return Math.ceil(n * 1000);
    const date = Date.parse(s);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  return null;
}

type HeadersLike = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

function headerValue(headers: HeadersLike, name: string): string | null {
  if (typeof (headers as { get?: unknown }).get === "function") return (headers as { get(n: string): string | null }).get(name);
  const raw = (headers as Record<string, string | string[] | undefined>)[name];
  if (Array.isArray(raw)) return raw[0] ?? null;
  return raw ?? null;
}

/** Marker errors the runner throws into its own attempt loop. */
export class AttemptTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`attempt timed out after ${timeoutMs} ms`);
    this.name = "AttemptTimeoutError";
  }
}
export class DeadlineExceededError extends Error {
  constructor(readonly deadlineMs: number) {
    super(`deadline of ${deadlineMs} ms exceeded`);
    this.name = "DeadlineExceededError";
  }
}
export class CallerAbortError extends Error {
  constructor() {
    super("the call was aborted by the caller");
    this.name = "CallerAbortError";
  }
}

const CONTEXT_OVERFLOW = /prompt is too long|context window|too many tokens|input is too long/i;

/**
 * Classifies anything an SDK call can throw. Works on the SDK's APIError family by shape
 * (status, headers, error body, constructor name), so it needs no import of the SDK:
 * 429 rate_limited, 529 overloaded, other 5xx server_error, 408 and timeouts timeout,
 * connection failures connection: all retryable. 400 "prompt is too long" is context_overflow;
 * 400/413/422 invalid_request, 401, 403, 404 and everything else are never retried.
 */
export function classifyError(error: unknown, now: number = Date.now()): ErrorClassification {
  const base = { retryAfterMs: null, requestId: null, apiType: null, httpStatus: null } as const;
  if (error instanceof AttemptTimeoutError) return { ...base, kind: "timeout", retryable: true, message: error.message };
  if (error instanceof DeadlineExceededError) return { ...base, kind: "deadline_exceeded", retryable: false, message: error.message };
  if (error instanceof CallerAbortError) return { ...base, kind: "aborted", retryable: false, message: error.message };
  if (!(error instanceof Error)) return { ...base, kind: "unknown", retryable: false, message: String(error) };

  const e = error as Error & {
    status?: unknown;
    headers?: HeadersLike;
    error?: { error?: { type?: unknown; message?: unknown } } | null;
    requestID?: string | null;
  };
  const name = e.name;
  const status = typeof e.status === "number" ? e.status : null;
  const body = e.error && typeof e.error === "object" ? e.error.error : undefined;
  const apiType = typeof body?.type === "string" ? body.type : null;
  const apiMessage = typeof body?.message === "string" ? body.message : e.message;
  const common = {
    httpStatus: status,
    apiType,
    message: apiMessage,
    retryAfterMs: status !== null ? parseRetryAfter(e.headers, now) : null,
    requestId: e.requestID ?? null,
  };
  const make = (kind: ErrorKind): ErrorClassification => ({ ...common, kind, retryable: RETRYABLE.has(kind) });

  if (name === "APIConnectionTimeoutError") return make("timeout");
  if (name === "APIUserAbortError") return make("aborted");
  if (name === "APIConnectionError") return make("connection");
  if (status === null) {
    // An SSE `error` event arrives as an APIError without a status; its type says what it was.
    if (apiType === "overloaded_error") return make("stream_error");
    if (apiType !== null) return make(apiType === "rate_limit_error" ? "rate_limited" : "stream_error");
    const code = (e as { code?: unknown }).code ?? (e.cause as { code?: unknown } | undefined)?.code;
    if (typeof code === "string" && /^(ECONN|EPIPE|ENOTFOUND|EAI_AGAIN|UND_ERR|ETIMEDOUT)/.test(code)) return make("connection");
    return { ...common, kind: "unknown", retryable: false };
  }
  if (status === 429) return make("rate_limited");
  if (status === 529) return make("overloaded");
  if (status === 408) return make("timeout");
  if (status >= 500) return make("server_error");
  if (status === 400 && CONTEXT_OVERFLOW.test(apiMessage)) return make("context_overflow");
  if (status === 401) return make("authentication");
  if (status === 403) return make("permission");
  if (status === 404) return make("not_found");
  if (status === 400 || status === 413 || status === 422) return make("invalid_request");
  return { ...common, kind: "invalid_request", retryable: false };
}

/**
 * The wait before retry number `attempt` (0-based) after `failure`: the server's retry-after
 * when present and honoured, otherwise full-jitter backoff; either way at most maxDelayMs.
 */
export function retryDelay(
  attempt: number,
  failure: Pick<ErrorClassification, "retryAfterMs">,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  if (policy.honorRetryAfter && failure.retryAfterMs !== null) return Math.min(failure.retryAfterMs, policy.maxDelayMs);
  return backoffDelay(attempt, policy, random);
}

/** Whether another attempt should follow `failure` after `retriesSoFar` retries. */
export function shouldRetry(failure: Pick<ErrorClassification, "retryable">, retriesSoFar: number, policy: Pick<RetryPolicy, "maxRetries">): boolean {
  return failure.retryable && retriesSoFar < policy.maxRetries;
}
