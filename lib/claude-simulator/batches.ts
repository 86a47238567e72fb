import { z } from "zod";
import { SimApiError, invalidRequest, type SimErrorType } from "./errors";
import type { Clock } from "./prompt-cache";
import { randomId, sha256 } from "./random";
import { findMagicFault } from "./faults";
import type { SimMessage } from "./messages";

/**
 * Message Batches, processed lazily against the injectable clock: item k (in a deterministic
 * shuffled completion order) finishes at created + processingMs x (k+1)/n and is run through
 * the simulated model when the batch is next read. Results come out in completion order, which
 * is NOT request order (match them by custom_id). Cancel marks every unfinished item canceled.
 */
export type BatchItemResult =
  | { type: "succeeded"; message: SimMessage }
  | { type: "errored"; error: { type: "error"; error: { type: SimErrorType; message: string }; request_id: string | null } }
  | { type: "canceled" }
  | { type: "expired" };

export interface MessageBatchJson {
  id: string;
  type: "message_batch";
  processing_status: "in_progress" | "canceling" | "ended";
  request_counts: { processing: number; succeeded: number; errored: number; canceled: number; expired: number };
  ended_at: string | null;
  created_at: string;
  expires_at: string;
  archived_at: string | null;
  cancel_initiated_at: string | null;
  results_url: string | null;
}

interface StoredItem {
  customId: string;
  params: Record<string, unknown>;
  completesAt: number;
  completionRank: number;
  result: BatchItemResult | null;
}

interface StoredBatch {
  id: string;
  createdAt: number;
  expiresAt: number;
  endedAt: number | null;
  cancelInitiatedAt: number | null;
  items: StoredItem[];
  baseUrl: string;
}

const EXPIRY_MS = 24 * 60 * 60 * 1000;

const createBatchSchema = z.strictObject({
  requests: z
    .array(
      z.strictObject({
        custom_id: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "custom_id must match ^[a-zA-Z0-9_-]{1,64}$"),
        params: z.record(z.string(), z.unknown()),
      }),
    )
    .min(1, "requests: at least one request is required")
    .max(100_000, "requests: at most 100,000 requests per batch"),
});

/**
 * `[[sim:slow;ms=N]]` in a batch item: the item finishes no sooner than N ms after the batch was
 * created (a batch that stays in progress, e.g. to cancel it in a test). 0 without the token.
 */
export function slowBatchItemMs(params: Record<string, unknown>): number {
  const magic = findMagicFault(JSON.stringify(params));
  const match = magic ? /^slow;\s*ms=(\d{1,9})$/.exec(magic) : null;
  return match ? Number(match[1]) : 0;
}

/** Runs one batch item's params; returns its result (never throws). */
export type BatchProcessor = (params: Record<string, unknown>) => BatchItemResult;

export class BatchStore {
  private readonly batches = new Map<string, StoredBatch>();

  constructor(
    private readonly clock: Clock,
    private readonly processingMs: () => number,
    private readonly processor: BatchProcessor,
  ) {}

  clear(): void {
    this.batches.clear();
  }

  /** POST /v1/messages/batches */
  create(body: unknown, baseUrl: string): MessageBatchJson {
    const parsed = createBatchSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalidRequest(issue ? `${issue.path.join(".")}: ${issue.message}`.replace(/^: /, "") : "Invalid request");
    }
    const seen = new Set<string>();
    for (const r of parsed.data.requests) {
      if (seen.has(r.custom_id)) throw invalidRequest(`requests: custom_id "${r.custom_id}" is used more than once`);
      seen.add(r.custom_id);
    }
    const now = this.clock.now();
    const id = randomId("msgbatch");
    const n = parsed.data.requests.length;
    const ranks = parsed.data.requests
      .map((r, i) => ({ i, h: sha256(`${id}:${r.custom_id}`) }))
      .sort((a, b) => (a.h < b.h ? -1 : 1))
      .map((x) => x.i);
    if (n > 1 && ranks.every((v, k) => v === k)) ranks.reverse();
    const rankOf = new Map(ranks.map((requestIndex, rank) => [requestIndex, rank]));
    const total = Math.max(0, this.processingMs());
    const items: StoredItem[] = parsed.data.requests.map((r, i) => {
      const rank = rankOf.get(i) ?? i;
      const completesAt = Math.max(now + (total * (rank + 1)) / n, now + slowBatchItemMs(r.params));
      return { customId: r.custom_id, params: r.params, completionRank: rank, completesAt, result: null };
    });
    const batch: StoredBatch = { id, createdAt: now, expiresAt: now + EXPIRY_MS, endedAt: null, cancelInitiatedAt: null, items, baseUrl };
    this.batches.set(id, batch);
    return this.toJson(this.advance(batch));
  }

  private get(id: string): StoredBatch {
    const batch = this.batches.get(id);
    if (!batch) throw new SimApiError(404, `message batch not found: ${id}`);
    return this.advance(batch);
  }

  private advance(batch: StoredBatch): StoredBatch {
    if (batch.endedAt !== null) return batch;
    const now = this.clock.now();
    const pending = batch.items.filter((i) => i.result === null).sort((a, b) => a.completionRank - b.completionRank);
    for (const item of pending) {
      if (batch.cancelInitiatedAt !== null && item.completesAt > batch.cancelInitiatedAt) item.result = { type: "canceled" };
      else if (item.completesAt <= now) item.result = this.processor(item.params);
      else if (now >= batch.expiresAt) item.result = { type: "expired" };
    }
    if (batch.items.every((i) => i.result !== null)) batch.endedAt = now;
    return batch;
  }

  /** GET /v1/messages/batches/:id */
  retrieve(id: string): MessageBatchJson {
    return this.toJson(this.get(id));
  }

  /** POST /v1/messages/batches/:id/cancel */
  cancel(id: string): MessageBatchJson {
    const batch = this.get(id);
    if (batch.endedAt === null && batch.cancelInitiatedAt === null) batch.cancelInitiatedAt = this.clock.now();
    // The response shows "canceling"; the next read finds it ended.
    return this.toJson(batch);
  }

  /** DELETE /v1/messages/batches/:id */
  delete(id: string): { id: string; type: "message_batch_deleted" } {
    const batch = this.get(id);
    if (batch.endedAt === null) {
      throw invalidRequest(`message batch ${id} is still processing; cancel it before deleting it`);
    }
    this.batches.delete(id);
    return { id, type: "message_batch_deleted" };
  }

  /** GET /v1/messages/batches/:id/results as JSONL lines, in completion order. */
  results(id: string): string {
    const batch = this.get(id);
    if (batch.endedAt === null) throw invalidRequest(`message batch ${id} has not finished processing`);
    return [...batch.items]
      .sort((a, b) => a.completionRank - b.completionRank)
      .map((i) => JSON.stringify({ custom_id: i.customId, result: i.result }))
      .join("\n")
      .concat("\n");
  }

  /** GET /v1/messages/batches (newest first, cursor paging with after_id/before_id). */
  list(query: URLSearchParams): { data: MessageBatchJson[]; has_more: boolean; first_id: string | null; last_id: string | null } {
    const limit = Math.min(1000, Math.max(1, Number(query.get("limit") ?? 20) || 20));
    const all = [...this.batches.values()].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
    let start = 0;
    let end = all.length;
    const after = query.get("after_id");
    const before = query.get("before_id");
    if (after) start = all.findIndex((b) => b.id === after) + 1;
    if (before) {
      const idx = all.findIndex((b) => b.id === before);
      end = idx < 0 ? all.length : idx;
      start = Math.max(0, end - limit);
    }
    const page = all.slice(start, Math.min(end, start + limit)).map((b) => this.toJson(this.advance(b)));
    const hasMore = before ? start > 0 : start + limit < end;
    return { data: page, has_more: hasMore, first_id: page[0]?.id ?? null, last_id: page[page.length - 1]?.id ?? null };
  }

  private toJson(batch: StoredBatch): MessageBatchJson {
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    for (const item of batch.items) {
      if (item.result === null) counts.processing++;
      else counts[item.result.type]++;
    }
    const ended = batch.endedAt !== null;
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      id: batch.id,
      type: "message_batch",
      processing_status: ended ? "ended" : batch.cancelInitiatedAt !== null ? "canceling" : "in_progress",
      request_counts: counts,
      ended_at: ended && batch.endedAt !== null ? iso(batch.endedAt) : null,
      created_at: iso(batch.createdAt),
      expires_at: iso(batch.expiresAt),
      archived_at: null,
      cancel_initiated_at: batch.cancelInitiatedAt !== null ? iso(batch.cancelInitiatedAt) : null,
      results_url: ended ? `${batch.baseUrl}/v1/messages/batches/${batch.id}/results` : null,
    };
  }
}
