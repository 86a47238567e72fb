import { computeCallCost, findModel, type ModelSpec, type TokenUsage } from "@/lib/models/catalog";
import {
  getClaudeTransport,
  type ClaudeBatch,
  type ClaudeBatchResultLine,
  type ClaudeMessage,
  type ClaudeRequest,
  type ClaudeTransport,
} from "@/lib/claude/client";
import { getPriceBook } from "@/lib/models/pricing";
import { abortableSleep, messageText, usageFromMessage } from "@/lib/claude/runner";
import type { PromptVersionContent } from "@/lib/prompts/schemas";

/**
 * Message Batches: submit many rendered requests under custom ids, poll until the batch ends,
 * fetch the results (which come back in any order) matched by custom_id, priced at the batch
 * discount.
 */

const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;

export interface BatchRequestItem {
  customId: string;
  params: ClaudeRequest;
}

export type BatchItemOutcome =
  | { customId: string; status: "succeeded"; message: ClaudeMessage; output: string; usage: TokenUsage; costMicros: number; stopReason: string | null }
  | { customId: string; status: "errored"; errorType: string; errorMessage: string }
  | { customId: string; status: "canceled" | "expired" };

export interface BatchDeps {
  transport?: ClaudeTransport;
  catalog?: readonly ModelSpec[];
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Submits a batch. Throws a plain Error for invalid input (programmer error: bad or duplicate
 * custom ids, 0 or more than 100,000 requests, a streaming request); API errors propagate as
 * the SDK's errors.
 */
export async function submitBatch(items: readonly BatchRequestItem[], deps: BatchDeps = {}): Promise<ClaudeBatch> {
  if (items.length === 0 || items.length > MAX_BATCH_REQUESTS) throw new Error("a batch holds 1 to 100,000 requests");
  const seen = new Set<string>();
  for (const item of items) {
    if (!CUSTOM_ID.test(item.customId)) throw new Error(`custom_id "${item.customId}" must match ${CUSTOM_ID.source}`);
    if (seen.has(item.customId)) throw new Error(`duplicate custom_id "${item.customId}"`);
    seen.add(item.customId);
    if ((item.params as { stream?: unknown }).stream) throw new Error("batch requests cannot stream");
  }
  const transport = deps.transport ?? (await getClaudeTransport());
  return transport.createBatch(items.map((i) => ({ custom_id: i.customId, params: i.params })));
}

/**
 * Polls until `processing_status` is "ended" (interval doubling from `intervalMs` up to
 * `maxIntervalMs`). Rejects with an Error after `timeoutMs` or when `signal` aborts.
 */
export async function waitForBatch(
  batchId: string,
  options: { intervalMs?: number; maxIntervalMs?: number; timeoutMs?: number; signal?: AbortSignal } = {},
  deps: BatchDeps = {},
): Promise<ClaudeBatch> {
  const transport = deps.transport ?? (await getClaudeTransport());
  const sleep = deps.sleep ?? abortableSleep;
  const started = Date.now();
  let interval = options.intervalMs ?? 1_000;
  for (;;) {
    const batch = await transport.retrieveBatch(batchId);
    if (batch.processing_status === "ended") return batch;
    if (options.timeoutMs !== undefined && Date.now() - started > options.timeoutMs) {
      throw new Error(`batch ${batchId} did not end within ${options.timeoutMs} ms`);
    }
    await sleep(interval, options.signal);
    interval = Math.min(interval * 2, options.maxIntervalMs ?? 60_000);
  }
}

/** One result line -> its outcome; succeeded items priced at the batch discount (price book, per the item's model). */
export function batchOutcomeFromLine(line: ClaudeBatchResultLine, catalog: readonly ModelSpec[]): BatchItemOutcome {
  const r = line.result;
  if (r.type === "succeeded") {
    const usage = usageFromMessage(r.message);
    const spec = findModel(r.message.model, catalog);
    return {
      customId: line.custom_id,
      status: "succeeded",
      message: r.message,
      output: messageText(r.message),
      usage,
      costMicros: spec ? computeCallCost(usage, spec, { batch: true }).totalMicros : 0,
      stopReason: r.message.stop_reason,
    };
  }
  if (r.type === "errored") {
    const body = r.error as unknown as { error?: { type?: string; message?: string } };
    return { customId: line.custom_id, status: "errored", errorType: body.error?.type ?? "api_error", errorMessage: body.error?.message ?? "" };
  }
  return { customId: line.custom_id, status: r.type };
}

/**
 * Results of an ended batch, streamed in pages of `pageSize` outcomes (the API's order, which is
 * not request order: match by custom_id). Memory stays bounded by one page whatever the batch size.
 */
export async function* iterateBatchResults(batchId: string, options: { pageSize?: number } = {}, deps: BatchDeps = {}): AsyncIterable<BatchItemOutcome[]> {
  const transport = deps.transport ?? (await getClaudeTransport());
  const catalog = deps.catalog ?? (await getPriceBook().catalog());
  const pageSize = Math.max(1, options.pageSize ?? 500);
  let page: BatchItemOutcome[] = [];
  for await (const line of transport.batchResults(batchId)) {
    page.push(batchOutcomeFromLine(line, catalog));
    if (page.length >= pageSize) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

/** Results of an ended batch as a Map keyed by custom_id (small batches; big ones use iterateBatchResults). */
export async function fetchBatchResults(batchId: string, deps: BatchDeps = {}): Promise<Map<string, BatchItemOutcome>> {
  const out = new Map<string, BatchItemOutcome>();
  for await (const page of iterateBatchResults(batchId, {}, deps)) for (const outcome of page) out.set(outcome.customId, outcome);
  return out;
}

/** The batch's current state (processing_status, request_counts). */
export async function retrieveBatch(batchId: string, deps: BatchDeps = {}): Promise<ClaudeBatch> {
  return (deps.transport ?? (await getClaudeTransport())).retrieveBatch(batchId);
}

/** Asks the API to cancel a batch (it answers "canceling"; unfinished items end "canceled"). */
export async function cancelBatch(batchId: string, deps: BatchDeps = {}): Promise<ClaudeBatch> {
  return (deps.transport ?? (await getClaudeTransport())).cancelBatch(batchId);
}

/** Error types of an errored batch item worth one more try (the API was busy or failed, not the request). */
const TRANSIENT_BATCH_ERRORS = new Set(["overloaded_error", "api_error", "rate_limit_error", "timeout_error"]);
export function isTransientBatchError(errorType: string): boolean {
  return TRANSIENT_BATCH_ERRORS.has(errorType);
}

/** The API's per-batch limits: requests and bytes of the request body (kept under 256 MB with room for framing). */
export const MAX_BATCH_REQUESTS = 100_000;
export const MAX_BATCH_BYTES = 200 * 1024 * 1024;

/** Submit, wait, fetch: the whole round trip. */
export async function runBatch(
  items: readonly BatchRequestItem[],
  options: Parameters<typeof waitForBatch>[1] = {},
  deps: BatchDeps = {},
): Promise<{ batch: ClaudeBatch; results: Map<string, BatchItemOutcome> }> {
  const created = await submitBatch(items, deps);
  const batch = await waitForBatch(created.id, options, deps);
  return { batch, results: await fetchBatchResults(batch.id, deps) };
}

/**
 * A rendered request as a batch item. A batch item gets no repair turn (the realtime runner
 * re-asks with the validation error when JSON output does not fit the schema), so a version with
 * a JSON output schema asks the API for structured output instead: the answer then parses and
 * fits, as realtime answers do after repair.
 */
export function batchRequestParams(params: ClaudeRequest, content: Pick<PromptVersionContent, "outputSchema">): ClaudeRequest {
  if (content.outputSchema.format !== "json") return params;
  return { ...params, output_config: { ...params.output_config, format: { type: "json_schema", schema: content.outputSchema.schema } } };
}
