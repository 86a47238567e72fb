import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import type { BatchItemOutcome } from "@/lib/claude/batches";
import type { RunResult } from "@/lib/claude/runner";

/**
 * Maps a runner result plus its context to one CallLog row (the shape `createMany` takes).
 * Request/response bodies are stored when the project allows it (default on), each truncated
 * to a byte limit (default 32 KiB) as `{ truncated: true, bytes, preview }`.
 */

export type CallSourceValue = "api" | "playground" | "experiment" | "eval" | "ingest";
export type CallStatusValue = "ok" | "error" | "refusal" | "invalid_output" | "cancelled";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** One CallLog row, exactly the columns the writer inserts. */
export interface CallLogRow {
  id: string;
  projectId: string;
  promptId: string | null;
  versionId: string | null;
  experimentId: string | null;
  variantId: string | null;
  source: CallSourceValue;
  model: string;
  requestedModel: string;
  /** Model routing: the model the version's rules picked, and the rule that fired ("default" when none did); null/absent without routing. */
  routedModel?: string | null;
  routingRule?: string | null;
  status: CallStatusValue;
  errorType: string | null;
  errorMessage: string | null;
  httpStatus: number | null;
  stopReason: string | null;
  refusalCategory: string | null;
  attempts: number;
  fallbackUsed: string | null;
  simulated: boolean;
  batch: boolean;
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  costMicros: bigint;
  latencyMs: number;
  ttftMs: number | null;
  outputChars: number;
  score: number | null;
  expectedOutput: string | null;
  subjectHash: string | null;
  request: Json | null;
  response: Json | null;
  metadata: Json;
  createdAt: Date;
}

/**
 * What one logged call can hold, per counter: far above any real call (the largest context window
 * is 1M tokens, the largest output 128k tokens; a runner result sums its retries, fallbacks and
 * chunks), and small enough that every CallLog column holds it (int4) and that the rollups' int8
 * sums cannot overflow: at these maxima a rollup bucket needs over 9 billion calls (cost) to
 * reach 2^63. Ingest refuses a record above them (lib/serving/call-ingest.ts); a runner result
 * above them is clamped, with `metadata.clamped` naming the fields and their reported values.
 */
export const CALL_LIMITS = Object.freeze({
  /** Each token counter (input, output, cache write, cache read): 10M. */
  tokens: 10_000_000,
  /** $1,000 in micro-dollars. */
  costMicros: 1_000_000_000,
  /** 24 h (the longest a Messages call or a batch item can take). */
  latencyMs: 86_400_000,
  /** 10M characters of output (128k tokens are well under 1M). */
  outputChars: 10_000_000,
  attempts: 100,
});

type LimitedField =
  "inputTokens" | "outputTokens" | "cacheWriteTokens" | "cacheWrite1hTokens" | "cacheReadTokens" | "latencyMs" | "ttftMs" | "outputChars" | "attempts";

const FIELD_LIMIT: Record<LimitedField, number> = {
  inputTokens: CALL_LIMITS.tokens,
  outputTokens: CALL_LIMITS.tokens,
  cacheWriteTokens: CALL_LIMITS.tokens,
  cacheWrite1hTokens: CALL_LIMITS.tokens,
  cacheReadTokens: CALL_LIMITS.tokens,
  latencyMs: CALL_LIMITS.latencyMs,
  ttftMs: CALL_LIMITS.latencyMs,
  outputChars: CALL_LIMITS.outputChars,
  attempts: CALL_LIMITS.attempts,
};

/**
 * `row` with every counter inside `CALL_LIMITS` (non-finite or negative values become 0), so a
 * misreporting upstream cannot produce a row the database refuses or a sum that overflows. What
 * was changed is kept in `metadata.clamped` ({ field: reported value }); an untouched row is
 * returned as is.
 */
export function clampCallLogRow(row: CallLogRow): CallLogRow {
  const clamped: Record<string, string | number> = {};
  const out = { ...row };
  for (const field of Object.keys(FIELD_LIMIT) as LimitedField[]) {
    const value = row[field];
    if (value === null) continue;
    const bounded = Number.isFinite(value) ? Math.min(Math.max(0, Math.round(value)), FIELD_LIMIT[field]) : 0;
    if (bounded !== value) {
      clamped[field] = Number.isFinite(value) ? value : String(value);
      out[field] = bounded;
    }
  }
  const maxCost = BigInt(CALL_LIMITS.costMicros);
  if (row.costMicros < 0n || row.costMicros > maxCost) {
    clamped.costMicros = row.costMicros.toString();
    out.costMicros = row.costMicros < 0n ? 0n : maxCost;
  }
  // The 1-hour writes are part of the cache writes (the rollup SQL relies on it).
  if (out.cacheWrite1hTokens > out.cacheWriteTokens) {
    clamped.cacheWrite1hTokens ??= row.cacheWrite1hTokens;
    out.cacheWrite1hTokens = out.cacheWriteTokens;
  }
  if (Object.keys(clamped).length === 0) return row;
  const metadata = row.metadata && typeof row.metadata === "object" && !Array.isArray(row.metadata) ? row.metadata : {};
  return { ...out, metadata: { ...metadata, clamped } };
}

/** A cost in micro-dollars as the column's bigint (rounded; a non-finite value, which BigInt would throw on, is 0). */
function toMicros(value: number): bigint {
  return Number.isFinite(value) ? BigInt(Math.round(value)) : 0n;
}

/** Where a call came from: the ids the log links to, plus the subject to hash. */
export interface CallContext {
  projectId: string;
  promptId?: string | null;
  versionId?: string | null;
  experimentId?: string | null;
  variantId?: string | null;
  /** Overrides the result's source. */
  source?: CallSourceValue;
  /** Raw subject key (end user id...); only its SHA-256 is stored. */
  subject?: string | null;
  /** Merged over the result's metadata. */
  metadata?: Record<string, unknown>;
  /** A Message Batches call (priced at the batch discount by the caller). */
  batch?: boolean;
  createdAt?: Date;
}

/** `Project.settings.calls`: what the log keeps of request/response bodies. */
export const projectCallLogSettingsSchema = z.strictObject({
  store_bodies: z.boolean().optional(),
  body_limit_bytes: z
    .number({ error: "Body size limit must be a whole number of bytes" })
    .int("Body size limit must be a whole number of bytes")
    .min(256, "Body size limit must be at least 256 bytes")
    .max(10_000_000, "Body size limit must be at most 10,000,000 bytes")
    .optional(),
  /**
   * Days a logged call is kept; older rows are deleted in the background (CallRetentionPruner,
   * lib/metrics/call-retention.ts) while the rollups (every chart and total) stay. Absent = forever.
   */
  retention_days: z
    .number({ error: "Retention must be a whole number of days" })
    .int("Retention must be a whole number of days")
    .min(1, "Retention must be at least 1 day")
    .max(3650, "Retention must be at most 3,650 days (10 years)")
    .optional(),
});
export type ProjectCallLogSettings = z.infer<typeof projectCallLogSettingsSchema>;

export interface BodyPolicy {
  storeBodies: boolean;
  maxBodyBytes: number;
}
export const DEFAULT_BODY_POLICY: Readonly<BodyPolicy> = Object.freeze({ storeBodies: true, maxBodyBytes: 32 * 1024 });

/** The body policy from a project's settings JSON (invalid or missing settings mean the defaults). */
export function bodyPolicyFromSettings(settings: unknown): BodyPolicy {
  const calls = settings && typeof settings === "object" ? (settings as Record<string, unknown>).calls : undefined;
  const parsed = projectCallLogSettingsSchema.safeParse(calls ?? {});
  const s = parsed.success ? parsed.data : {};
  return { storeBodies: s.store_bodies ?? DEFAULT_BODY_POLICY.storeBodies, maxBodyBytes: s.body_limit_bytes ?? DEFAULT_BODY_POLICY.maxBodyBytes };
}

/** SHA-256 hex of a subject key (so raw end-user ids never reach the log). */
export function hashSubject(subject: string): string {
  return createHash("sha256").update(subject).digest("hex");
}

/** A new CallLog id (cuid-like: "c" + time + randomness, 25 lowercase alphanumerics, roughly time ordered). */
export function newCallId(now: number = Date.now()): string {
  const time = now.toString(36).padStart(9, "0").slice(-9);
  const bytes = randomBytes(15);
  let rand = "";
  for (const b of bytes) rand += (b % 36).toString(36);
  return `c${time}${rand.slice(0, 15)}`;
}

/** Converts any value to JSON (BigInt to string, Dates to ISO, functions/undefined dropped). */
export function toJson(value: unknown): Json {
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  return text === undefined ? null : (JSON.parse(text) as Json);
}

/**
 * JSON for a body column: the value itself when its JSON is at most `maxBytes` (UTF-8), else
 * `{ truncated: true, bytes, preview }` with a preview of the JSON text cut to fit.
 */
export function truncateBody(value: unknown, maxBytes: number): Json {
  if (value === undefined || value === null) return null;
  const json = toJson(value);
  const text = JSON.stringify(json);
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return json;
  let preview = Buffer.from(text)
    .subarray(0, Math.max(0, maxBytes - 64))
    .toString("utf8");
  // A cut inside a multi-byte character leaves U+FFFD at the end; drop it.
  preview = preview.replace(/\uFFFD+$/, "");
  return { truncated: true, bytes, preview };
}

/** A new call's id and what it is linked to (project, prompt version, experiment variant). */
function linkColumns(context: CallContext): Pick<CallLogRow, "id" | "projectId" | "promptId" | "versionId" | "experimentId" | "variantId"> {
  return {
    id: newCallId(),
    projectId: context.projectId,
    promptId: context.promptId ?? null,
    versionId: context.versionId ?? null,
    experimentId: context.experimentId ?? null,
    variantId: context.variantId ?? null,
  };
}

/**
 * The CallLog row for one runner result. Status, error, usage, cost, timing, attempts and
 * fallbacks come from the result; ids, subject hash and extra metadata from the context;
 * bodies follow the body policy.
 */
export function callLogRowFromResult(result: RunResult, context: CallContext, bodies: BodyPolicy = DEFAULT_BODY_POLICY): CallLogRow {
  const subject = context.subject ?? result.subject;
  const metadata: Record<string, unknown> = { ...result.metadata, ...(context.metadata ?? {}) };
  if (result.fallbacks.length > 0) metadata.fallbacks = result.fallbacks;
  if (result.chunks !== null) metadata.chunks = result.chunks;
  if (result.status === "invalid_output") metadata.validationError = result.validationError;
  metadata.attempts = result.attempts;
  return clampCallLogRow({
    ...linkColumns(context),
    source: context.source ?? result.source,
    model: result.model,
    requestedModel: result.requestedModel,
    routedModel: result.routedModel ?? null,
    routingRule: result.routingRule ?? null,
    status: result.status,
    errorType: result.status === "error" || result.status === "cancelled" ? result.error.type : result.status === "invalid_output" ? "invalid_output" : null,
    errorMessage:
      result.status === "error" || result.status === "cancelled"
        ? result.error.message.slice(0, 2000)
        : result.status === "invalid_output"
          ? result.validationError.slice(0, 2000)
          : null,
    httpStatus: result.status === "error" ? result.error.httpStatus : null,
    stopReason: result.stopReason,
    refusalCategory: result.refusalCategory,
    attempts: result.attempts.length,
    fallbackUsed: result.fallbackUsed,
    simulated: result.simulated,
    batch: context.batch ?? false,
    inputTokens: result.usage.inputTokens,
    outputTokens: result.usage.outputTokens,
    cacheWriteTokens: result.usage.cacheWriteTokens,
    cacheWrite1hTokens: result.usage.cacheWrite1hTokens,
    cacheReadTokens: result.usage.cacheReadTokens,
    costMicros: toMicros(result.costMicros),
    latencyMs: Math.round(result.latencyMs),
    ttftMs: result.ttftMs === null ? null : Math.round(result.ttftMs),
    outputChars: result.output.length,
    score: null,
    expectedOutput: null,
    subjectHash: subject ? hashSubject(subject) : null,
    request: bodies.storeBodies ? truncateBody(result.request, bodies.maxBodyBytes) : null,
    response: bodies.storeBodies ? truncateBody(result.response, bodies.maxBodyBytes) : null,
    metadata: toJson(metadata),
    createdAt: context.createdAt ?? new Date(),
  });
}

/** One Message Batches item as logged: the outcome (succeeded or errored) and the request it answered. */
export interface BatchCallInput {
  outcome: Extract<BatchItemOutcome, { status: "succeeded" | "errored" }>;
  /** The Messages params sent for this item. */
  request: { model: string } & Record<string, unknown>;
  simulated: boolean;
  /** The batch's id and anything the caller wants kept. */
  metadata?: Record<string, unknown>;
  /**
   * The version's model routing for this item (lib/prompts/route-call.ts `routeColumns`): the
   * version's own model, the model its rules picked (= `request.model`) and the rule that fired.
   * Absent: the request's model was the version's (no routing).
   */
  route?: { requestedModel: string; routedModel: string | null; routingRule: string | null };
}

/**
 * The CallLog row for one batch item (`batch: true`, priced at the batch discount by
 * `fetchBatchResults`). Latency is unknown per item in a batch, so it is 0; the batch id goes to
 * metadata. Bodies follow the body policy like any other call.
 */
export function callLogRowFromBatchItem(input: BatchCallInput, context: CallContext, bodies: BodyPolicy = DEFAULT_BODY_POLICY): CallLogRow {
  const { outcome, request } = input;
  const ok = outcome.status === "succeeded";
  const refusal = ok && outcome.stopReason === "refusal";
  const subject = context.subject ?? null;
  const zero = { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 };
  const usage = ok ? outcome.usage : zero;
  return clampCallLogRow({
    ...linkColumns(context),
    source: context.source ?? "eval",
    model: ok ? outcome.message.model : request.model,
    requestedModel: input.route?.requestedModel ?? request.model,
    routedModel: input.route?.routedModel ?? null,
    routingRule: input.route?.routingRule ?? null,
    status: ok ? (refusal ? "refusal" : "ok") : "error",
    errorType: ok ? null : outcome.errorType,
    errorMessage: ok ? null : outcome.errorMessage.slice(0, 2000),
    httpStatus: null,
    stopReason: ok ? outcome.stopReason : null,
    refusalCategory: null,
    attempts: 1,
    fallbackUsed: null,
    simulated: input.simulated,
    batch: true,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    cacheWrite1hTokens: usage.cacheWrite1hTokens,
    cacheReadTokens: usage.cacheReadTokens,
    costMicros: toMicros(ok ? outcome.costMicros : 0),
    latencyMs: 0,
    ttftMs: null,
    outputChars: ok ? outcome.output.length : 0,
    score: null,
    expectedOutput: null,
    subjectHash: subject ? hashSubject(subject) : null,
    request: bodies.storeBodies ? truncateBody(request, bodies.maxBodyBytes) : null,
    response: bodies.storeBodies && ok ? truncateBody(outcome.message, bodies.maxBodyBytes) : null,
    metadata: toJson({ ...(input.metadata ?? {}), ...(context.metadata ?? {}) }),
    createdAt: context.createdAt ?? new Date(),
  });
}
