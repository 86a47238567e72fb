import { createHash } from "node:crypto";
import { StepWorker } from "@/lib/jobs/step-worker";
import { callLogRowFromBatchItem, type CallContext } from "@/lib/calls/record";
import type { CallLogWriter } from "@/lib/calls/writer";
import {
  batchRequestParams,
  cancelBatch,
  isTransientBatchError,
  iterateBatchResults,
  MAX_BATCH_BYTES,
  MAX_BATCH_REQUESTS,
  retrieveBatch,
  submitBatch,
  type BatchDeps,
  type BatchItemOutcome,
  type BatchRequestItem,
} from "@/lib/claude/batches";
import { getClaudeTransport, type ClaudeRequest } from "@/lib/claude/client";
import { getDb } from "@/lib/db/client";
import { isConnectionFailure } from "@/lib/errors/unavailable";
import { childLogger } from "@/lib/logger";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { getPriceBook } from "@/lib/models/pricing";
import { renderRouted, routeColumns } from "@/lib/prompts/route-call";
import { timeLimitedPatternTest } from "@/lib/claude/routing-regex";
import { parseVersionContent, type PromptVersionContent } from "@/lib/prompts/schemas";
import { loadProjectSettings } from "@/lib/runs/settings";
import type { BodyPolicy } from "@/lib/calls/record";
import { BatchJobQueue, type BatchJobStep } from "./queue";
import type { BatchItemStatus } from "./schemas";

const log = childLogger({ component: "batch-job-worker" });

/**
 * The batch job's state machine, one step per queue job (state in PostgreSQL, so any worker
 * resumes where a stopped one left off):
 *
 *   queued -> running: submit the pending items (split under the API's limits: 100,000 requests
 *   and 256 MB per batch) -> poll the open batches -> stream each ended batch's results, match them
 *   by custom_id (the item's id), log every call (source "api", batch price) and store the
 *   outcomes -> items with a transient error go once more in a follow-up batch -> completed.
 *
 * Cancel: open batches are canceled at the API; what they finished is kept (it was paid for),
 * the rest ends "canceled".
 */

export interface BatchJobStepOptions {
  signal?: AbortSignal;
  /** Wait between polls of a processing batch (default 5 s). */
  pollSeconds?: number;
  /** Requests per Message Batch (default 10,000, at most the API's 100,000): the rendered requests of one batch are what the worker holds in memory. */
  maxRequestsPerBatch?: number;
  /** Bytes per Message Batch (default 32 MiB, at most the API's limit with room for framing). */
  maxBytesPerBatch?: number;
  deps?: { batch?: BatchDeps; writer?: CallLogWriter };
}

/** null = the job has ended; a number = run another step after that many seconds. */
export type StepResult = number | null;

interface JobState {
  id: string;
  projectId: string;
  promptId: string;
  versionId: string | null;
  metadata: Record<string, unknown>;
  content: PromptVersionContent;
  bodies: BodyPolicy;
}

/** Advances one job by one step. Exported for tests; the worker calls it for each queue job. */
export async function advanceBatchJob(jobId: string, options: BatchJobStepOptions = {}): Promise<StepResult> {
  const db = getDb();
  const row = await db.batchJob.findUnique({ where: { id: jobId } });
  if (!row || !["queued", "running"].includes(row.status)) return null;
  const pollSeconds = options.pollSeconds ?? 5;
  let content: PromptVersionContent;
  try {
    content = parseVersionContent(row.content, { catalog: await getPriceBook().catalog() });
  } catch (error) {
    await failBatchJob(jobId, `the job's frozen prompt version no longer parses: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
  const { settings } = await loadProjectSettings(row.projectId);
  // A version deleted since keeps rendering from the frozen content; the calls are then logged without the link.
  const versionId = row.versionId ? ((await db.promptVersion.findUnique({ where: { id: row.versionId }, select: { id: true } }))?.id ?? null) : null;
  const job: JobState = {
    id: row.id,
    projectId: row.projectId,
    promptId: row.promptId,
    versionId,
    metadata: (row.metadata ?? {}) as Record<string, unknown>,
    content,
    bodies: settings.bodies,
  };
  if (row.cancelRequested) return cancelStep(job, options);
  if (row.status === "queued") await db.batchJob.updateMany({ where: { id: jobId, status: "queued" }, data: { status: "running", startedAt: new Date() } });

  // Batches whose results are not stored yet. `endedAt` marks that (set after the ingest), not the
  // provider's status: a batch can already be "ended" when it is created (the API finished it
  // before answering), and a step stopped in the middle of an ingest has written "ended" too.
  const open = await db.batchJobBatch.findMany({ where: { jobId, endedAt: null }, orderBy: { submittedAt: "asc" } });
  let stillOpen = 0;
  for (const batchRow of open) {
    const batch = await retrieveBatch(batchRow.providerBatchId, options.deps?.batch ?? {});
    await db.batchJobBatch.update({ where: { id: batchRow.id }, data: { counts: { ...batch.request_counts }, status: batch.processing_status } });
    if (batch.processing_status !== "ended") {
      stillOpen++;
      continue;
    }
    await ingestBatch(job, batchRow, options);
    await db.batchJobBatch.update({ where: { id: batchRow.id }, data: { status: "ended", endedAt: new Date() } });
  }
  if (stillOpen > 0) {
    await refreshTotals(jobId);
    return pollSeconds;
  }
  if (options.signal?.aborted) return 0;
  const pending = await db.batchJobItem.count({ where: { jobId, status: "pending" } });
  if (pending === 0) {
    await finishBatchJob(jobId, "completed", null);
    return null;
  }
  const last = await db.batchJobBatch.aggregate({ where: { jobId }, _max: { attempt: true } });
  const current = last._max.attempt ?? 0;
  // Items the current attempt has not sent yet (a step stopped while submitting) go in it; then the follow-up.
  const unsent = current > 0 ? await db.batchJobItem.count({ where: { jobId, status: "pending", attempts: { lt: current } } }) : 0;
  const attempt = unsent > 0 ? current : current + 1;
  if (attempt > 2) {
    // Already retried once: what is still pending gets no third try.
    await settlePending(jobId, "errored", "no_result", "no result after a retry in a follow-up batch");
    await finishBatchJob(jobId, "completed", null);
    return null;
  }
  await submitPending(job, attempt, options);
  await refreshTotals(jobId);
  return pollSeconds;
}

/** Counts per status and the cost so far, written on the job row. */
async function refreshTotals(jobId: string): Promise<void> {
  const db = getDb();
  const groups = await db.batchJobItem.groupBy({ by: ["status"], where: { jobId }, _count: { _all: true }, _sum: { costMicros: true } });
  const counts: Partial<Record<BatchItemStatus, number>> = {};
  let cost = 0n;
  for (const group of groups) {
    if (group.status !== "pending") counts[group.status as BatchItemStatus] = group._count._all;
    cost += group._sum.costMicros ?? 0n;
  }
  await db.batchJob.update({ where: { id: jobId }, data: { counts, costMicros: cost } });
}

async function finishBatchJob(jobId: string, status: "completed" | "canceled" | "failed", error: string | null): Promise<void> {
  await refreshTotals(jobId);
  await getDb().batchJob.updateMany({
    where: { id: jobId, status: { in: ["queued", "running"] } },
    data: { status, endedAt: new Date(), ...(error !== null ? { error: error.slice(0, 2000) } : {}) },
  });
  log.info({ jobId, status }, "batch job ended");
}

/** Ends a job as failed with the reason (never throws). */
export async function failBatchJob(jobId: string, reason: string): Promise<void> {
  try {
    await settlePending(jobId, "errored", "job_failed", reason);
    await finishBatchJob(jobId, "failed", reason);
  } catch (error) {
    log.error({ err: error, jobId }, "could not mark the batch job failed");
  }
}

/** Every still-pending item ends with `status` and the reason. */
async function settlePending(jobId: string, status: "errored" | "canceled", errorType: string, message: string): Promise<void> {
  await getDb().batchJobItem.updateMany({
    where: { jobId, status: "pending" },
    data: { status, errorType, errorMessage: message.slice(0, 2000), endedAt: new Date() },
  });
}

const PAGE = 2_000;

/**
 * Requests per Message Batch by default. One batch's rendered requests and its JSON body are what
 * the worker holds at once, so a job is submitted as several batches of this size (a 100,000-item
 * job: 10) instead of one built whole in memory; peak memory then stays the same whatever the
 * job's size. The API's own limit (100,000) is the most a caller may ask for.
 */
export const DEFAULT_REQUESTS_PER_BATCH = 10_000;
/** Bytes of request body per Message Batch by default (with the request count, what bounds memory; far under the API's 256 MB). */
export const DEFAULT_BYTES_PER_BATCH = 32 * 1024 * 1024;

/** Renders and submits every pending item, in batches within the limits; an item that no longer renders ends "errored". */
async function submitPending(job: JobState, attempt: number, options: BatchJobStepOptions): Promise<void> {
  const db = getDb();
  const catalog = await getPriceBook().catalog();
  const maxRequests = Math.min(options.maxRequestsPerBatch ?? DEFAULT_REQUESTS_PER_BATCH, MAX_BATCH_REQUESTS);
  const maxBytes = Math.min(options.maxBytesPerBatch ?? DEFAULT_BYTES_PER_BATCH, MAX_BATCH_BYTES);
  let chunk: BatchRequestItem[] = [];
  let bytes = 0;
  // Set after a batch when the job was canceled or the worker is stopping: no more batches in this
  // step (a 200,000-item job is 20 of them). The next step cancels what was sent, or sends the rest.
  let stop = false;
  const flush = async () => {
    if (chunk.length === 0) return;
    const created = await submitBatch(chunk, options.deps?.batch ?? {});
    await db.$transaction([
      db.batchJobBatch.create({ data: { jobId: job.id, attempt, providerBatchId: created.id, requestCount: chunk.length, status: created.processing_status } }),
      db.batchJobItem.updateMany({ where: { id: { in: chunk.map((c) => c.customId) } }, data: { attempts: attempt } }),
    ]);
    log.info({ jobId: job.id, attempt, batchId: created.id, requests: chunk.length }, "submitted a message batch");
    chunk = [];
    bytes = 0;
    stop =
      options.signal?.aborted === true ||
      (await db.batchJob.findUnique({ where: { id: job.id }, select: { cancelRequested: true } }))?.cancelRequested === true;
  };
  let after = -1;
  for (;;) {
    // Pending items not yet sent in this attempt (a step that stopped halfway resumes with the rest).
    const items = await db.batchJobItem.findMany({
      where: { jobId: job.id, status: "pending", attempts: { lt: attempt }, position: { gt: after } },
      orderBy: { position: "asc" },
      take: PAGE,
      select: { id: true, position: true, variables: true },
    });
    if (items.length === 0) break;
    after = items.at(-1)!.position;
    const unrenderable: Array<{ id: string; message: string }> = [];
    for (const item of items) {
      let params: ClaudeRequest;
      try {
        // The version's routing rules pick each item's model (the job's metadata is the request metadata).
        const { request } = renderRouted(job.content, item.variables as Record<string, unknown>, routeOptions(job, catalog));
        params = batchRequestParams(request as ClaudeRequest, job.content);
      } catch (error) {
        unrenderable.push({ id: item.id, message: error instanceof Error ? error.message : String(error) });
        continue;
      }
      const size = Buffer.byteLength(JSON.stringify(params)) + 100;
      if (chunk.length > 0 && (chunk.length >= maxRequests || bytes + size > maxBytes)) {
        await flush();
        if (stop) return;
      }
      chunk.push({ customId: item.id, params });
      bytes += size;
    }
    for (const bad of unrenderable) {
      await db.batchJobItem.update({
        where: { id: bad.id },
        data: { status: "errored", errorType: "render_error", errorMessage: bad.message.slice(0, 2000), endedAt: new Date() },
      });
    }
  }
  await flush();
}

interface ItemUpdate {
  id: string;
  status: BatchItemStatus;
  output: string | null;
  stopReason: string | null;
  model: string | null;
  errorType: string | null;
  errorMessage: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costMicros: number;
  callLogId: string | null;
  ended: boolean;
}

/** Streams an ended batch's results, matches them by custom_id, logs each call, stores the outcomes a page at a time. */
async function ingestBatch(
  job: JobState,
  batchRow: { providerBatchId: string; attempt: number; submittedAt: Date },
  options: BatchJobStepOptions,
): Promise<void> {
  const writer = options.deps?.writer ?? getCallLogWriter();
  const transport = options.deps?.batch?.transport ?? (await getClaudeTransport());
  const catalog = await getPriceBook().catalog();
  const db = getDb();
  for await (const page of iterateBatchResults(batchRow.providerBatchId, { pageSize: 1000 }, options.deps?.batch ?? {})) {
    const items = await db.batchJobItem.findMany({
      where: { jobId: job.id, id: { in: page.map((o) => o.customId) }, status: "pending" },
      select: { id: true, externalId: true, variables: true },
    });
    const byId = new Map(items.map((i) => [i.id, i]));
    const updates: ItemUpdate[] = [];
    for (const outcome of page) {
      const item = byId.get(outcome.customId);
      if (!item) continue; // not this job's, or stored already (a step that stopped after storing this page)
      let callLogId: string | null = null;
      if (outcome.status === "succeeded" || outcome.status === "errored") {
        let request: ClaudeRequest;
        let route: ReturnType<typeof routeColumns> | undefined;
        try {
          // The same (deterministic) routing as at submission: the row keeps the requested model, the routed one and the rule.
          const routed = renderRouted(job.content, item.variables as Record<string, unknown>, routeOptions(job, catalog));
          request = batchRequestParams(routed.request as ClaudeRequest, job.content);
          route = routeColumns(job.content, routed.route);
        } catch {
          request = { model: job.content.modelConfig.model } as ClaudeRequest;
        }
        const context: CallContext = {
          projectId: job.projectId,
          promptId: job.promptId,
          versionId: job.versionId,
          source: "api",
          metadata: { ...job.metadata, batchJobId: job.id, batchItemId: item.externalId },
        };
        const logged = callLogRowFromBatchItem(
          {
            outcome,
            request: request as unknown as { model: string } & Record<string, unknown>,
            simulated: transport.simulated,
            metadata: { batchId: batchRow.providerBatchId },
            ...(route ? { route } : {}),
          },
          context,
          job.bodies,
        );
        // The same call gets the same id whenever its batch is read: a step stopped after logging a
        // page but before storing its items reads the page again, and the log skips a stored id.
        logged.id = batchCallId(batchRow.providerBatchId, outcome.customId, batchRow.submittedAt);
        if (writer.enqueue(logged)) callLogId = logged.id;
      }
      updates.push(itemUpdate(item.id, outcome, batchRow.attempt, callLogId));
    }
    // The calls are in the log before their items say so (a stop between the two logs nothing twice: the items stay pending and are re-read).
    await writer.flush({ timeoutMs: 30_000 });
    await applyUpdates(updates);
  }
}

/**
 * The CallLog id of one batch item's call: cuid-like like every call id ("c", the batch's submit
 * time in base 36, 15 characters of SHA-256 of batch id and custom_id), so it is the same on every
 * read of the batch.
 */
export function batchCallId(providerBatchId: string, customId: string, submittedAt: Date): string {
  const time = submittedAt.getTime().toString(36).padStart(9, "0").slice(-9);
  const digest = createHash("sha256").update(`${providerBatchId}\u0000${customId}`).digest();
  let rand = "";
  for (let i = 0; i < 15; i++) rand += (digest[i]! % 36).toString(36);
  return `c${time}${rand}`;
}

function itemUpdate(id: string, outcome: BatchItemOutcome, attempt: number, callLogId: string | null): ItemUpdate {
  const base = {
    id,
    output: null,
    stopReason: null,
    model: null,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costMicros: 0,
    callLogId,
  };
  switch (outcome.status) {
    case "succeeded":
      return {
        ...base,
        status: "succeeded",
        output: outcome.output,
        stopReason: outcome.stopReason,
        model: outcome.message.model,
        errorType: null,
        errorMessage: null,
        inputTokens: outcome.usage.inputTokens,
        outputTokens: outcome.usage.outputTokens,
        cacheReadTokens: outcome.usage.cacheReadTokens,
        cacheWriteTokens: outcome.usage.cacheWriteTokens,
        costMicros: outcome.costMicros,
        ended: true,
      };
    case "errored": {
      const retry = attempt < 2 && isTransientBatchError(outcome.errorType);
      return {
        ...base,
        status: retry ? "pending" : "errored",
        errorType: outcome.errorType,
        errorMessage: `${retry ? "retrying in a follow-up batch after: " : ""}${outcome.errorMessage}`.slice(0, 2000),
        ended: !retry,
      };
    }
    default:
      return { ...base, status: outcome.status, errorType: outcome.status, errorMessage: `the batch request was ${outcome.status}`, ended: true };
  }
}

/** One UPDATE per page (jsonb_to_recordset), not one per item: a 100,000-item job is 100 statements. */
async function applyUpdates(updates: ItemUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  const rows = updates.map((u) => ({ ...u, costMicros: String(u.costMicros) }));
  await getDb().$executeRawUnsafe(
    `UPDATE "BatchJobItem" AS i SET
       "status" = v."status", "output" = v."output", "stopReason" = v."stopReason", "model" = v."model",
       "errorType" = v."errorType", "errorMessage" = v."errorMessage",
       "inputTokens" = v."inputTokens", "outputTokens" = v."outputTokens",
       "cacheReadTokens" = v."cacheReadTokens", "cacheWriteTokens" = v."cacheWriteTokens",
       "costMicros" = v."costMicros"::bigint, "callLogId" = COALESCE(v."callLogId", i."callLogId"),
       "endedAt" = CASE WHEN v."ended" THEN now() ELSE NULL END
     FROM jsonb_to_recordset($1::jsonb) AS v(
       "id" text, "status" text, "output" text, "stopReason" text, "model" text, "errorType" text, "errorMessage" text,
       "inputTokens" int, "outputTokens" int, "cacheReadTokens" int, "cacheWriteTokens" int, "costMicros" text,
       "callLogId" text, "ended" boolean)
     WHERE i."id" = v."id" AND i."status" = 'pending'`,
    JSON.stringify(rows),
  );
}

async function cancelStep(job: JobState, options: BatchJobStepOptions): Promise<StepResult> {
  const db = getDb();
  const open = await db.batchJobBatch.findMany({ where: { jobId: job.id, endedAt: null } });
  let stillOpen = 0;
  for (const row of open) {
    let batch = await retrieveBatch(row.providerBatchId, options.deps?.batch ?? {});
    if (batch.processing_status === "in_progress") batch = await cancelBatch(row.providerBatchId, options.deps?.batch ?? {});
    if (batch.processing_status !== "ended") {
      await db.batchJobBatch.update({ where: { id: row.id }, data: { status: batch.processing_status, counts: { ...batch.request_counts } } });
      stillOpen++;
      continue;
    }
    // What finished before the cancel is paid for: keep it (no follow-up batch after a cancel).
    await ingestBatch(job, { ...row, attempt: 2 }, options);
    await db.batchJobBatch.update({ where: { id: row.id }, data: { status: "ended", endedAt: new Date(), counts: { ...batch.request_counts } } });
  }
  if (stillOpen > 0) return 1;
  await settlePending(job.id, "canceled", "canceled", "the job was canceled");
  await finishBatchJob(job.id, "canceled", "canceled on request");
  return null;
}

// ------------------------------------------------------------------ the service

/** The API was busy or failed (429, 5xx, no connection): the step is retried later, the job does not fail. */
function isRetryableApiError(error: unknown): boolean {
  if (error === null || typeof error !== "object") return false;
  const status = (error as { status?: unknown }).status;
  if (typeof status === "number") return status === 429 || status >= 500;
  return (error as { name?: unknown }).name === "APIConnectionError" || (error as { name?: unknown }).name === "APIConnectionTimeoutError";
}

export interface BatchJobWorkerOptions extends Omit<BatchJobStepOptions, "signal"> {
  connectionString: string;
  /** Jobs advanced at once by this process (default 2). */
  jobs?: number;
  /** How often queued/running jobs without a queue job are re-enqueued (default 30 s). */
  sweepSeconds?: number;
  pollingIntervalSeconds?: number;
}

/**
 * The batch-job worker a server process owns (lib/runtime/process.ts). start() never fails the
 * process: when the database is down it logs and tries again every `sweepSeconds`.
 */
export class BatchJobWorker extends StepWorker<BatchJobStep, BatchJobQueue> {
  constructor(options: BatchJobWorkerOptions) {
    super({
      name: "batch job worker",
      queue: new BatchJobQueue({ connectionString: options.connectionString, pollingIntervalSeconds: options.pollingIntervalSeconds }),
      concurrency: options.jobs,
      sweepSeconds: options.sweepSeconds,
      // Every queued or running job.
      pending: async () =>
        (await getDb().batchJob.findMany({ where: { status: { in: ["queued", "running"] } }, select: { id: true } })).map((job) => ({ jobId: job.id })),
      step: async ({ jobId }, signal) => {
        try {
          return await advanceBatchJob(jobId, { ...options, signal });
        } catch (error) {
          if (isConnectionFailure(error) || isRetryableApiError(error)) throw error; // pg-boss retries the step later
          log.error({ err: error, jobId }, "batch job step failed");
          await failBatchJob(jobId, error instanceof Error ? error.message : String(error));
          return null;
        }
      },
    });
  }
}

/** How a job's items are routed: its metadata as the request metadata, the price book's models, the time-limited pattern test. */
function routeOptions(job: JobState, catalog: Awaited<ReturnType<ReturnType<typeof getPriceBook>["catalog"]>>) {
  return { metadata: job.metadata, catalog, test: timeLimitedPatternTest };
}
