import { computeCallCost, findModel, type ModelSpec, type TokenUsage } from "@/lib/models/catalog";
import { getClaudeTransport, type ClaudeBatch, type ClaudeMessage, type ClaudeRequest, type ClaudeTransport } from "@/lib/claude/client";
import { getPriceBook } from "@/lib/models/pricing";
import { abortableSleep, messageText, usageFromMessage } from "@/lib/claude/runner";

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
  if (items.length === 0 || items.length > 100_000) throw new Error("a batch holds 1 to 100,000 requests");
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

/**
 * Results of an ended batch as a Map keyed by custom_id. Succeeded items carry the text, usage
 * and exact cost at the batch discount (price from the price book, per the item's model).
 */
export async function fetchBatchResults(batchId: string, deps: BatchDeps = {}): Promise<Map<string, BatchItemOutcome>> {
  const transport = deps.transport ?? (await getClaudeTransport());
  const catalog = deps.catalog ?? (await getPriceBook().catalog());
  const lines = await transport.batchResults(batchId);
  const out = new Map<string, BatchItemOutcome>();
  for (const line of lines) {
    const r = line.result;
    if (r.type === "succeeded") {
      const usage = usageFromMessage(r.message);
      const spec = findModel(r.message.model, catalog);
      out.set(line.custom_id, {
        customId: line.custom_id,
        status: "succeeded",
        message: r.message,
        output: messageText(r.message),
        usage,
        costMicros: spec ? computeCallCost(usage, spec, { batch: true }).totalMicros : 0,
        stopReason: r.message.stop_reason,
      });
    } else if (r.type === "errored") {
      const body = r.error as unknown as { error?: { type?: string; message?: string } };
      out.set(line.custom_id, {
        customId: line.custom_id,
        status: "errored",
        errorType: body.error?.type ?? "api_error",
        errorMessage: body.error?.message ?? "",
      });
    } else {
      out.set(line.custom_id, { customId: line.custom_id, status: r.type });
    }
  }
  return out;
}

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
