import { z } from "zod";
import { exactVersionSchema } from "@/lib/prompts/versioning";
import { getDb } from "@/lib/db/client";
import { toIssues, type ErrorIssue } from "@/lib/errors";
import { ServiceUnavailableError } from "@/lib/errors/unavailable";
import { computeCallCost } from "@/lib/models/catalog";
import { getModelSpec } from "@/lib/models/pricing";
import { CALL_LIMITS, DEFAULT_BODY_POLICY, hashSubject, newCallId, toJson, truncateBody, type CallLogRow } from "@/lib/calls/record";
import type { CallLogWriter } from "@/lib/calls/writer";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";

/** Most records one `POST /api/v1/calls` may carry. */
export const MAX_INGEST_BATCH = 1000;

// Every counter bounded by what one real call can use (lib/calls/record.ts CALL_LIMITS): a record
// beyond them is refused, so no record can overflow a column or poison the rollups' sums.
const tokens = z
  .number()
  .int()
  .min(0)
  .max(CALL_LIMITS.tokens, `at most ${CALL_LIMITS.tokens.toLocaleString("en-US")} tokens in one call`);
const millis = z
  .number()
  .int()
  .min(0)
  .max(CALL_LIMITS.latencyMs, `at most ${CALL_LIMITS.latencyMs.toLocaleString("en-US")} ms (24 hours) for one call`);
/**
 * What one real call can cost: $1,000 (far above a full context window on the dearest model).
 * Bounding it keeps a single record from poisoning the metrics sums.
 */
export const MAX_CALL_COST_MICROS = CALL_LIMITS.costMicros;
/** The oldest createdAt accepted: older dates are typos (and year 0 is out of PostgreSQL's range). */
const OLDEST_CALL = Date.parse("2020-01-01T00:00:00Z");

/**
 * One call an app made to Claude itself, in call-log terms. `prompt` (name) and `version` (exact)
 * link it to a Promptdeck version; `costMicros` is computed from the model's price when omitted.
 */
export const ingestCallSchema = z.strictObject({
  prompt: z.string().min(1).max(128).optional(),
  version: exactVersionSchema.optional(),
  model: z.string().min(1).max(100),
  requestedModel: z.string().min(1).max(100).optional(),
  status: z.enum(["ok", "error", "refusal", "invalid_output", "cancelled"]).default("ok"),
  errorType: z.string().max(100).optional(),
  errorMessage: z.string().max(2000).optional(),
  httpStatus: z.number().int().min(100).max(599).optional(),
  stopReason: z.string().max(100).optional(),
  refusalCategory: z.string().max(100).optional(),
  attempts: z.number().int().min(1).max(CALL_LIMITS.attempts, `at most ${CALL_LIMITS.attempts} attempts in one call`).default(1),
  fallbackUsed: z.string().max(200).optional(),
  batch: z.boolean().default(false),
  inputTokens: tokens.default(0),
  outputTokens: tokens.default(0),
  cacheWriteTokens: tokens.default(0),
  cacheWrite1hTokens: tokens.default(0),
  cacheReadTokens: tokens.default(0),
  costMicros: z.number().int().min(0).max(MAX_CALL_COST_MICROS, "at most 1,000,000,000 micro-dollars ($1,000) for one call").optional(),
  latencyMs: millis.default(0),
  ttftMs: millis.optional(),
  outputChars: z
    .number()
    .int()
    .min(0)
    .max(CALL_LIMITS.outputChars, `at most ${CALL_LIMITS.outputChars.toLocaleString("en-US")} characters of output in one call`)
    .optional(),
  subject: z.string().min(1).max(256).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  createdAt: z.iso
    .datetime({ offset: true })
    .refine((value) => Date.parse(value) >= OLDEST_CALL, "must be 2020-01-01 or later")
    .optional(),
  request: z.unknown().optional(),
  response: z.unknown().optional(),
});
export type IngestCall = z.infer<typeof ingestCallSchema>;

/**
 * The batch shape of `POST /api/v1/calls` (parsed at the edge): 1 to 1000 records, each checked on
 * its own by `ingestCalls` so one bad record does not reject the others.
 */
export const ingestBodySchema = z.strictObject({
  calls: z.array(z.unknown()).min(1, "send at least one call").max(MAX_INGEST_BATCH, `at most ${MAX_INGEST_BATCH} calls per request`),
});
export type IngestBody = z.output<typeof ingestBodySchema>;

export type IngestItemResult = { index: number; id: string } | { index: number; error: { code: string; message: string; issues?: ErrorIssue[] } };

export interface IngestResult {
  accepted: number;
  rejected: number;
  results: IngestItemResult[];
}

/**
 * Validates a batch of call records and queues the valid ones on the call-log writer (off the
 * request path; the ids are final). Resolves once the writer may acknowledge them; throws
 * `ServiceUnavailableError` (503 + Retry-After) when it refuses them (buffer full). Each record is judged on its own: invalid fields, an unknown
 * prompt or version, a model without a price (and no `costMicros`), or a createdAt in the future
 * reject that record only, with its index. The batch shape (`ingestBodySchema`) is the edge's to
 * check.
 */
export async function ingestCalls(projectId: string, batch: IngestBody, options: { writer?: CallLogWriter; now?: () => number } = {}): Promise<IngestResult> {
  const now = (options.now ?? Date.now)();
  const parsed = batch.calls.map((item) => ingestCallSchema.safeParse(item));

  const names = [...new Set(parsed.flatMap((p) => (p.success && p.data.prompt ? [p.data.prompt] : [])))];
  const prompts = names.length
    ? await getDb().prompt.findMany({
        where: { projectId, name: { in: names } },
        select: { id: true, name: true, versions: { where: { status: "PUBLISHED" }, select: { id: true, major: true, minor: true, patch: true } } },
      })
    : [];
  const byName = new Map(prompts.map((p) => [p.name, p]));

  const writer = options.writer ?? getCallLogWriter();
  const results: IngestItemResult[] = [];
  const rows: Array<{ index: number; row: CallLogRow }> = [];
  for (const [index, result] of parsed.entries()) {
    const reject = (code: string, message: string, issues?: ErrorIssue[]) => results.push({ index, error: { code, message, ...(issues ? { issues } : {}) } });
    if (!result.success) {
      reject("unprocessable", "Invalid call record", toIssues(result.error.issues));
      continue;
    }
    const call = result.data;
    let promptId: string | null = null;
    let versionId: string | null = null;
    if (call.prompt !== undefined) {
      const prompt = byName.get(call.prompt);
      if (!prompt) {
        reject("not_found", `Prompt "${call.prompt}" does not exist`);
        continue;
      }
      promptId = prompt.id;
      if (call.version !== undefined) {
        const version = prompt.versions.find((v) => `${v.major}.${v.minor}.${v.patch}` === call.version);
        if (!version) {
          reject("not_found", `Prompt "${call.prompt}" has no published version ${call.version}`);
          continue;
        }
        versionId = version.id;
      }
    } else if (call.version !== undefined) {
      reject("unprocessable", "version needs prompt", [{ path: "version", message: "send prompt with version" }]);
      continue;
    }
    const createdAt = call.createdAt ? new Date(call.createdAt) : new Date(now);
    if (createdAt.getTime() > now + 5 * 60_000) {
      reject("unprocessable", "createdAt is in the future", [{ path: "createdAt", message: "must not be in the future" }]);
      continue;
    }
    let costMicros = call.costMicros;
    if (costMicros === undefined) {
      const spec = await getModelSpec(call.model);
      if (!spec) {
        reject("unprocessable", `Unknown model "${call.model}": send costMicros`, [{ path: "model", message: "no price known; send costMicros" }]);
        continue;
      }
      costMicros = computeCallCost(call, spec, { batch: call.batch }).totalMicros;
      if (costMicros > MAX_CALL_COST_MICROS) {
        const message = `these tokens cost more than $1,000 at "${call.model}" prices, more than one call can`;
        reject("unprocessable", `Invalid call record: ${message}`, [{ path: "inputTokens", message }]);
        continue;
      }
    }
    const row: CallLogRow = {
      id: newCallId(now),
      projectId,
      promptId,
      versionId,
      experimentId: null,
      variantId: null,
      source: "ingest",
      model: call.model,
      requestedModel: call.requestedModel ?? call.model,
      status: call.status,
      errorType: call.errorType ?? null,
      errorMessage: call.errorMessage ?? null,
      httpStatus: call.httpStatus ?? null,
      stopReason: call.stopReason ?? null,
      refusalCategory: call.refusalCategory ?? null,
      attempts: call.attempts,
      fallbackUsed: call.fallbackUsed ?? null,
      simulated: false,
      batch: call.batch,
      inputTokens: call.inputTokens,
      outputTokens: call.outputTokens,
      cacheWriteTokens: call.cacheWriteTokens,
      cacheWrite1hTokens: Math.min(call.cacheWrite1hTokens, call.cacheWriteTokens),
      cacheReadTokens: call.cacheReadTokens,
      costMicros: BigInt(costMicros),
      latencyMs: call.latencyMs,
      ttftMs: call.ttftMs ?? null,
      outputChars: call.outputChars ?? 0,
      score: null,
      expectedOutput: null,
      subjectHash: call.subject ? hashSubject(call.subject) : null,
      request: call.request === undefined ? null : truncateBody(call.request, DEFAULT_BODY_POLICY.maxBodyBytes),
      response: call.response === undefined ? null : truncateBody(call.response, DEFAULT_BODY_POLICY.maxBodyBytes),
      metadata: toJson(call.metadata ?? {}),
      createdAt,
    };
    rows.push({ index, row });
  }
  if (rows.length > 0) {
    // All or none: a refused batch is answered 503 + Retry-After (nothing of it is stored).
    const outcome = await writer.accept(rows.map((r) => r.row));
    if (!outcome.ok) throw new ServiceUnavailableError(outcome.refusal.message, outcome.refusal.retryAfterSeconds);
    for (const { index, row } of rows) results.push({ index, id: row.id });
    results.sort((a, b) => a.index - b.index);
  }
  const accepted = results.filter((r) => "id" in r).length;
  return { accepted, rejected: results.length - accepted, results };
}
