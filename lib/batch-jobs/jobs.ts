import type { Prisma } from "@/lib/generated/prisma/client";
import { getDb } from "@/lib/db/client";
import { AppError, isAppError, type ErrorIssue } from "@/lib/errors";
import { inspectJsonInput } from "@/lib/errors/hostile";
import type { ModelSpec } from "@/lib/models/catalog";
import { getPriceBook } from "@/lib/models/pricing";
import { renderVersion } from "@/lib/prompts/render";
import { parseVersionContent, type PromptVersionContent } from "@/lib/prompts/schemas";
import { currentBatchJobQueue } from "./queue";
import { MAX_REPORTED_ITEMS, type BatchItemStatus, type BatchJobInput, type BatchJobStatus } from "./schemas";

/**
 * Batch jobs for apps: many variable sets rendered with one frozen prompt version, sent through
 * the Message Batches API at the batch price by the worker (worker.ts), results matched to the
 * caller's ids. Creating a job validates every item first and stores the job and all its items in
 * one transaction: an id handed back names a job that is complete and durable.
 */

/** The version a job renders, as the serving path resolved it. */
export interface JobVersion {
  promptId: string;
  versionId: string;
  name: string;
  /** "1.2.0". */
  version: string;
  /** The label it was served by; null for an explicit version. */
  label: string | null;
  content: PromptVersionContent;
}

export interface InvalidItem {
  /** The caller's id (or the position). */
  id: string;
  index: number;
  issues: ErrorIssue[];
}

export interface BatchJobView {
  id: string;
  prompt: string;
  version: string;
  label: string | null;
  status: BatchJobStatus;
  itemCount: number;
  counts: Record<BatchItemStatus, number>;
  /** What the finished items cost at the batch price; the same calls made one by one would have cost twice this. */
  costMicros: number;
  savedMicros: number;
  error: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** Items refused at creation (with skipInvalid): all of them in the 202, the first MAX_REPORTED_ITEMS afterwards. */
  invalidItems?: InvalidItem[];
  /** How many items were refused at creation (present when some were). */
  invalidCount?: number;
}

/**
 * Items per INSERT when storing a job: each chunk is ONE statement with ONE jsonb parameter (the
 * chunk's `[externalId, variables]` pairs) expanded server-side, like the call-log writer's batch
 * insert. Prisma's `createMany` took 178 s for 100,000 items on a loaded machine (its rows pass
 * through the query compiler one value at a time); this takes seconds (bench/batch-jobs.ts).
 */
export const ITEM_INSERT_CHUNK = 5_000;

/**
 * $1 job id, $2 position of the chunk's first item, $3 the chunk as a jsonb array of
 * `[externalId, variables]`. An item's id (its Message Batches custom_id) is `<job id>_<position>`:
 * unique, under 64 characters of [A-Za-z0-9_-], and made here rather than sent.
 */
const INSERT_ITEMS_SQL = `INSERT INTO "BatchJobItem" ("id", "jobId", "position", "externalId", "variables")
  SELECT $1 || '_' || p.position, $1, p.position, e.v ->> 0, e.v -> 1
  FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS e(v, ord)
  CROSS JOIN LATERAL (SELECT ($2::int + e.ord::int - 1) AS position) AS p`;

/** A chunk of items as INSERT_ITEMS_SQL's $3. */
export function encodeItemChunk(items: ReadonlyArray<{ externalId: string; variables: Record<string, unknown> }>): string {
  return JSON.stringify(items.map((item) => [item.externalId, item.variables]));
}

/** A database handle that runs one raw statement (the transaction's, in createBatchJob). */
interface RawExecutor {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

/**
 * Stores a job's items in order (positions 0..n-1), a chunk of ITEM_INSERT_CHUNK per statement.
 * Run it inside the transaction that creates the job: a failure part way stores nothing.
 */
export async function storeBatchItems(
  db: RawExecutor,
  jobId: string,
  items: ReadonlyArray<{ externalId: string; variables: Record<string, unknown> }>,
  chunkSize = ITEM_INSERT_CHUNK,
): Promise<void> {
  for (let start = 0; start < items.length; start += chunkSize) {
    await db.$executeRawUnsafe(INSERT_ITEMS_SQL, jobId, start, encodeItemChunk(items.slice(start, start + chunkSize)));
  }
}

/** An item as the API's body check allows it (lib/http/route.ts): any size, nesting within 64. */
const ITEM_LIMITS = { maxDepth: 64, maxNodes: Number.MAX_SAFE_INTEGER };

/**
 * Checks every item against the version (its variable contract, and that it renders), in order.
 * Returns the items that render and the ones that do not, each with every problem named by path.
 */
export function validateItems(
  content: PromptVersionContent,
  items: BatchJobInput["items"],
  catalog: readonly ModelSpec[],
): { valid: Array<{ index: number; externalId: string; variables: Record<string, unknown> }>; invalid: InvalidItem[] } {
  const valid: Array<{ index: number; externalId: string; variables: Record<string, unknown> }> = [];
  const invalid: InvalidItem[] = [];
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const externalId = item.id ?? String(index);
    const issues: ErrorIssue[] = [];
    const earlier = seen.get(externalId);
    if (earlier !== undefined) issues.push({ path: `items.${index}.id`, message: `id "${externalId}" is also item ${earlier}'s; ids must be unique in a job` });
    else seen.set(externalId, index);
    // What PostgreSQL cannot store (NUL, a lone surrogate) or JSON cannot carry (a non-finite
    // number). The API refuses such a body first; this keeps the store's one statement per chunk
    // from failing for a caller that comes in another way.
    const hostile = inspectJsonInput(item, ITEM_LIMITS);
    if (hostile) issues.push({ path: `items.${index}${hostile.path ? `.${hostile.path}` : ""}`, message: hostile.message });
    else
      try {
        renderVersion(content, item.variables, { catalog });
      } catch (error) {
        if (!isAppError(error)) throw error;
        const found = error.issues?.length ? error.issues : [{ path: "", message: error.message }];
        // Render issues are paths in the request ("variables.question", "messages.0"): under the item.
        for (const issue of found) issues.push({ path: `items.${index}${issue.path ? `.${issue.path}` : ""}`, message: issue.message });
      }
    if (issues.length > 0) invalid.push({ id: externalId, index, issues });
    else valid.push({ index, externalId, variables: item.variables });
  });
  return { valid, invalid };
}

/**
 * Creates a job: validates every item (422 naming each invalid item, nothing stored, unless
 * `skipInvalid`), stores the job and its items in one transaction, queues its first step.
 */
export async function createBatchJob(
  input: BatchJobInput,
  context: { projectId: string; apiKeyId: string | null; version: JobVersion },
): Promise<BatchJobView> {
  const catalog = await getPriceBook().catalog();
  const { version } = context;
  const { valid, invalid } = validateItems(version.content, input.items, catalog);
  if (invalid.length > 0 && (!input.skipInvalid || valid.length === 0)) {
    const shown = invalid.slice(0, MAX_REPORTED_ITEMS);
    const issues = shown.flatMap((item) => item.issues);
    const more = invalid.length > shown.length ? ` (the first ${shown.length} are listed)` : "";
    const hint = valid.length === 0 ? "no item is valid" : 'nothing was created; fix them, or send "skipInvalid": true to run the valid ones';
    throw new AppError("unprocessable", `${invalid.length} of ${input.items.length} items do not fit ${version.name}@${version.version}${more}: ${hint}`, {
      issues,
    });
  }
  const db = getDb();
  const job = await db.$transaction(
    async (tx) => {
      const created = await tx.batchJob.create({
        data: {
          projectId: context.projectId,
          promptId: version.promptId,
          versionId: version.versionId,
          version: version.version,
          label: version.label,
          content: version.content as unknown as Prisma.InputJsonValue,
          itemCount: valid.length,
          counts: zeroCounts(),
          metadata: (input.metadata ?? {}) as Prisma.InputJsonValue,
          // What the caller was told up front stays on the job (bounded), for its page and GET.
          invalidCount: invalid.length,
          invalidItems: invalid.slice(0, MAX_REPORTED_ITEMS) as unknown as Prisma.InputJsonValue,
          apiKeyId: context.apiKeyId,
        },
      });
      await storeBatchItems(tx, created.id, valid);
      return created;
    },
    // 100,000 items store in a few seconds; the margin is for a loaded database. A timeout rolls
    // everything back (a 503: nothing was created).
    { timeout: 120_000, maxWait: 10_000 },
  );
  // Without a worker in this process (or when the queue is down) a worker's sweep picks the job up.
  await currentBatchJobQueue()
    ?.enqueue(job.id)
    .catch(() => null);
  const view = toView(job, version.name);
  return invalid.length > 0 ? { ...view, invalidItems: invalid } : view;
}

type JobRow = {
  id: string;
  version: string;
  label: string | null;
  status: string;
  itemCount: number;
  counts: unknown;
  costMicros: bigint;
  error: string | null;
  metadata: unknown;
  createdAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  invalidCount: number;
  invalidItems: unknown;
};

export function zeroCounts(): Record<BatchItemStatus, number> {
  return { pending: 0, succeeded: 0, errored: 0, expired: 0, canceled: 0 };
}

function toView(job: JobRow, prompt: string): BatchJobView {
  const stored = (job.counts ?? {}) as Partial<Record<BatchItemStatus, number>>;
  const counts = zeroCounts();
  for (const key of Object.keys(counts) as BatchItemStatus[]) if (key !== "pending") counts[key] = Number(stored[key] ?? 0);
  counts.pending = Math.max(0, job.itemCount - counts.succeeded - counts.errored - counts.expired - counts.canceled);
  const costMicros = Number(job.costMicros);
  return {
    id: job.id,
    prompt,
    version: job.version,
    label: job.label,
    status: job.status as BatchJobStatus,
    itemCount: job.itemCount,
    counts,
    costMicros,
    savedMicros: costMicros,
    error: job.error,
    metadata: (job.metadata ?? {}) as Record<string, unknown>,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    endedAt: job.endedAt?.toISOString() ?? null,
    ...(job.invalidCount > 0 ? { invalidCount: job.invalidCount, invalidItems: storedInvalidItems(job.invalidItems) } : {}),
  };
}

/** The stored invalid items (written by createBatchJob); anything else in the column reads as none. */
function storedInvalidItems(value: unknown): InvalidItem[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((v: unknown) => {
    if (v === null || typeof v !== "object") return [];
    const item = v as { id?: unknown; index?: unknown; issues?: unknown };
    if (typeof item.id !== "string" || typeof item.index !== "number" || !Array.isArray(item.issues)) return [];
    const issues = (item.issues as unknown[]).flatMap((i) => {
      const issue = i as { path?: unknown; message?: unknown } | null;
      return issue && typeof issue.path === "string" && typeof issue.message === "string" ? [{ path: issue.path, message: issue.message }] : [];
    });
    return [{ id: item.id, index: item.index, issues }];
  });
}

/** A job of the project, or null. */
export async function getBatchJob(id: string, projectId: string): Promise<BatchJobView | null> {
  const job = await getDb().batchJob.findFirst({ where: { id, projectId }, include: { prompt: { select: { name: true } } } });
  return job ? toView(job, job.prompt.name) : null;
}

/** The project's most recent jobs (newest first). */
export async function listBatchJobs(projectId: string, options: { limit?: number; promptId?: string } = {}): Promise<BatchJobView[]> {
  const jobs = await getDb().batchJob.findMany({
    where: { projectId, ...(options.promptId ? { promptId: options.promptId } : {}) },
    orderBy: { createdAt: "desc" },
    take: Math.min(Math.max(options.limit ?? 50, 1), 200),
    include: { prompt: { select: { name: true } } },
  });
  return jobs.map((job) => toView(job, job.prompt.name));
}

/**
 * Asks the worker to cancel a job: submitted batches are canceled at the API (what finished is
 * kept: it was paid for), pending items end "canceled". A job that has ended answers 409.
 */
export async function cancelBatchJob(id: string, projectId: string): Promise<BatchJobView> {
  const db = getDb();
  const updated = await db.batchJob.updateMany({ where: { id, projectId, status: { in: ["queued", "running"] } }, data: { cancelRequested: true } });
  const job = await getBatchJob(id, projectId);
  if (!job) throw new AppError("not_found", `Batch job ${id} does not exist`);
  if (updated.count === 0) throw new AppError("conflict", `Batch job ${id} has already ended (${job.status})`);
  await currentBatchJobQueue()
    ?.enqueue(id)
    .catch(() => null);
  return job;
}

/** One line of a job's results (JSON lines, in the caller's order). */
export interface BatchResultLine {
  id: string;
  status: BatchItemStatus;
  output: string | null;
  parsed?: unknown;
  model: string | null;
  stopReason: string | null;
  usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number };
  costMicros: number;
  callId: string | null;
  error: { type: string; message: string } | null;
}

const RESULTS_PAGE = 1_000;

/**
 * A job's results as JSON lines, in the order the items were given, read in keyset pages (memory
 * bounded by one page whatever the job's size). Pending items are included as "pending" unless a
 * status filter says otherwise. Throws not_found for an unknown job (before the first line).
 */
export async function openBatchResults(
  id: string,
  projectId: string,
  options: { status?: BatchItemStatus } = {},
): Promise<{ job: BatchJobView; lines: AsyncIterable<string> }> {
  const row = await getDb().batchJob.findFirst({ where: { id, projectId }, include: { prompt: { select: { name: true } } } });
  if (!row) throw new AppError("not_found", `Batch job ${id} does not exist`);
  const job = toView(row, row.prompt.name);
  const json = safeContent(row.content)?.outputSchema.format === "json";
  async function* lines(): AsyncIterable<string> {
    let after = -1;
    for (;;) {
      const page = await getDb().batchJobItem.findMany({
        where: { jobId: id, position: { gt: after }, ...(options.status ? { status: options.status } : {}) },
        orderBy: { position: "asc" },
        take: RESULTS_PAGE,
      });
      if (page.length === 0) return;
      after = page.at(-1)!.position;
      let chunk = "";
      for (const item of page) chunk += `${JSON.stringify(resultLine(item, json))}\n`;
      yield chunk;
      if (page.length < RESULTS_PAGE) return;
    }
  }
  return { job, lines: lines() };
}

function safeContent(content: unknown): PromptVersionContent | null {
  try {
    return parseVersionContent(content);
  } catch {
    return null;
  }
}

function resultLine(
  item: {
    externalId: string;
    status: string;
    output: string | null;
    model: string | null;
    stopReason: string | null;
    inputTokens: number;
    outputTokens: number;
    cacheReadTokens: number;
    cacheWriteTokens: number;
    costMicros: bigint;
    callLogId: string | null;
    errorType: string | null;
    errorMessage: string | null;
  },
  json: boolean,
): BatchResultLine {
  let parsed: unknown;
  if (json && item.status === "succeeded" && item.output !== null) {
    try {
      parsed = JSON.parse(item.output);
    } catch {
      parsed = undefined;
    }
  }
  return {
    id: item.externalId,
    status: item.status as BatchItemStatus,
    output: item.output,
    ...(parsed !== undefined ? { parsed } : {}),
    model: item.model,
    stopReason: item.stopReason,
    usage: { inputTokens: item.inputTokens, outputTokens: item.outputTokens, cacheReadTokens: item.cacheReadTokens, cacheWriteTokens: item.cacheWriteTokens },
    costMicros: Number(item.costMicros),
    callId: item.callLogId,
    error: item.errorType !== null ? { type: item.errorType, message: item.errorMessage ?? "" } : null,
  };
}
