import { z } from "zod";
import { queryIntSchema } from "@/lib/errors/query-int";
import type { PrismaClient, Prisma } from "@/lib/generated/prisma/client";
import { AppError } from "@/lib/errors";
import { computeCallCost, type CallCost } from "@/lib/models/catalog";
import { callConversation, type CallConversation } from "@/lib/calls/conversation";
import { SOURCES } from "@/lib/metrics/window";
import { routingRuleFilterSchema } from "@/lib/models/routing-rule";

/**
 * The call explorer over the raw CallLog: keyset pagination on (createdAt, id) descending over
 * the (projectId, createdAt) index, so the first page and every next page cost the same.
 */
type Db = Pick<PrismaClient, "callLog" | "prompt">;
async function defaultDb(): Promise<Db> {
  return (await import("@/lib/db/client")).getDb();
}

const emptyToUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);
export const CALL_STATUSES = ["ok", "error", "refusal", "invalid_output", "cancelled"] as const;

export const callListFilterSchema = z.strictObject({
  prompt: z.preprocess(emptyToUndefined, z.string().max(200).optional()),
  versionId: z.preprocess(emptyToUndefined, z.string().max(100).optional()),
  model: z.preprocess(emptyToUndefined, z.string().max(200).optional()),
  /** The model-routing rule that fired (`default`: a routed version's default model); index (projectId, routingRule, createdAt). */
  rule: z.preprocess(emptyToUndefined, routingRuleFilterSchema.optional()),
  source: z.preprocess(emptyToUndefined, z.enum(SOURCES).optional()),
  status: z.preprocess(emptyToUndefined, z.enum(CALL_STATUSES).optional()),
  scored: z.preprocess(emptyToUndefined, z.enum(["yes", "no"]).optional()),
  from: z.preprocess(emptyToUndefined, z.iso.datetime({ offset: true }).optional()),
  to: z.preprocess(emptyToUndefined, z.iso.datetime({ offset: true }).optional()),
  /** Opaque cursor from the previous page's `nextCursor`. */
  cursor: z.preprocess(emptyToUndefined, z.string().max(200).optional()),
  limit: z.preprocess(emptyToUndefined, queryIntSchema(z.number().int().min(1).max(200).default(50))),
});
export type CallListFilter = z.infer<typeof callListFilterSchema>;

export interface CallListItem {
  id: string;
  createdAt: string;
  prompt: string | null;
  version: string | null;
  versionId: string | null;
  source: string;
  model: string;
  /** The version's model before routing; `routedModel` what its rules picked and `routingRule` the rule that fired (null without routing). */
  requestedModel: string;
  routedModel: string | null;
  routingRule: string | null;
  status: string;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  costMicros: number;
  score: number | null;
  attempts: number;
  fallbackUsed: string | null;
}

export interface CallPage {
  items: CallListItem[];
  nextCursor: string | null;
}

function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`).toString("base64url");
}
function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const [iso, id] = text.split("|");
  const createdAt = new Date(iso ?? "");
  if (!id || Number.isNaN(createdAt.getTime())) throw new AppError("bad_request", "Invalid cursor");
  return { createdAt, id };
}

const versionName = (v: { major: number; minor: number; patch: number } | null): string | null =>
  v ? (v.major < 0 ? "draft" : `${v.major}.${v.minor}.${v.patch}`) : null;

/** Builds the where clause (exported for the benchmark). */
export async function callListWhere(db: Db, projectId: string, filter: CallListFilter): Promise<Prisma.CallLogWhereInput> {
  const where: Prisma.CallLogWhereInput = { projectId };
  if (filter.prompt) {
    const prompt = await db.prompt.findUnique({ where: { projectId_name: { projectId, name: filter.prompt } }, select: { id: true } });
    if (!prompt) throw new AppError("not_found", `Prompt "${filter.prompt}" does not exist`);
    where.promptId = prompt.id;
  }
  if (filter.versionId) where.versionId = filter.versionId;
  if (filter.model) where.model = filter.model;
  if (filter.rule) where.routingRule = filter.rule;
  if (filter.source) where.source = filter.source;
  if (filter.status) where.status = filter.status;
  if (filter.scored) where.score = filter.scored === "yes" ? { not: null } : null;
  const createdAt: Prisma.DateTimeFilter = {};
  if (filter.from) createdAt.gte = new Date(filter.from);
  if (filter.to) createdAt.lt = new Date(filter.to);
  if (filter.from || filter.to) where.createdAt = createdAt;
  if (filter.cursor) {
    const c = decodeCursor(filter.cursor);
    where.AND = [{ OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }] }];
  }
  return where;
}

/** One page of calls, newest first, with a cursor for the next page (null at the end). */
export async function listCalls(projectId: string, filter: CallListFilter, options: { db?: Db } = {}): Promise<CallPage> {
  const db = options.db ?? (await defaultDb());
  const where = await callListWhere(db, projectId, filter);
  const rows = await db.callLog.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: filter.limit + 1,
    select: {
      id: true,
      createdAt: true,
      versionId: true,
      source: true,
      model: true,
      requestedModel: true,
      routedModel: true,
      routingRule: true,
      status: true,
      latencyMs: true,
      inputTokens: true,
      outputTokens: true,
      cacheReadTokens: true,
      costMicros: true,
      score: true,
      attempts: true,
      fallbackUsed: true,
      prompt: { select: { name: true } },
      version: { select: { major: true, minor: true, patch: true } },
    },
  });
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toCallListItem),
    nextCursor: rows.length > filter.limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}

type CallListRow = Pick<
  Prisma.CallLogGetPayload<object>,
  | "id"
  | "createdAt"
  | "versionId"
  | "source"
  | "model"
  | "requestedModel"
  | "routedModel"
  | "routingRule"
  | "status"
  | "latencyMs"
  | "inputTokens"
  | "outputTokens"
  | "cacheReadTokens"
  | "costMicros"
  | "score"
  | "attempts"
  | "fallbackUsed"
> & { prompt: { name: string } | null; version: { major: number; minor: number; patch: number } | null };

/** The explorer's row for a call (also the first half of its detail). */
function toCallListItem(r: CallListRow): CallListItem {
  return {
    id: r.id,
    createdAt: r.createdAt.toISOString(),
    prompt: r.prompt?.name ?? null,
    version: versionName(r.version),
    versionId: r.versionId,
    source: r.source,
    model: r.model,
    requestedModel: r.requestedModel,
    routedModel: r.routedModel,
    routingRule: r.routingRule,
    status: r.status,
    latencyMs: r.latencyMs,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    cacheReadTokens: r.cacheReadTokens,
    costMicros: Number(r.costMicros),
    score: r.score,
    attempts: r.attempts,
    fallbackUsed: r.fallbackUsed,
  };
}

export interface CallDetail extends CallListItem {
  errorType: string | null;
  errorMessage: string | null;
  httpStatus: number | null;
  stopReason: string | null;
  refusalCategory: string | null;
  batch: boolean;
  simulated: boolean;
  cacheWriteTokens: number;
  cacheWrite1hTokens: number;
  ttftMs: number | null;
  outputChars: number;
  expectedOutput: string | null;
  request: unknown;
  response: unknown;
  metadata: unknown;
  /** Cost lines at the current price list (null when the model has no price); the stored total is `costMicros`. */
  costBreakdown: CallCost | null;
  /** The experiment (and its variant) that routed the call, if any. */
  experiment: { id: string; name: string; variant: string | null } | null;
  /** The stored bodies read as variables, system, turns and answer (lib/calls/conversation.ts). */
  conversation: CallConversation;
}

/** A call's full detail within the project; not_found otherwise. */
export async function getCallDetail(projectId: string, callId: string, options: { db?: Db } = {}): Promise<CallDetail> {
  const db = options.db ?? (await defaultDb());
  const r = await db.callLog.findFirst({
    where: { id: callId, projectId },
    include: {
      prompt: { select: { name: true } },
      version: { select: { major: true, minor: true, patch: true } },
      experiment: { select: { id: true, name: true } },
      variant: { select: { key: true } },
    },
  });
  if (!r) throw new AppError("not_found", `Call ${callId} not found`);
  const { getModelSpec } = await import("@/lib/models/pricing");
  const spec = await getModelSpec(r.model);
  const usage = {
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    cacheWriteTokens: r.cacheWriteTokens,
    cacheWrite1hTokens: r.cacheWrite1hTokens,
    cacheReadTokens: r.cacheReadTokens,
  };
  return {
    ...toCallListItem(r),
    errorType: r.errorType,
    errorMessage: r.errorMessage,
    httpStatus: r.httpStatus,
    stopReason: r.stopReason,
    refusalCategory: r.refusalCategory,
    batch: r.batch,
    simulated: r.simulated,
    cacheWriteTokens: r.cacheWriteTokens,
    cacheWrite1hTokens: r.cacheWrite1hTokens,
    ttftMs: r.ttftMs,
    outputChars: r.outputChars,
    expectedOutput: r.expectedOutput,
    request: r.request,
    response: r.response,
    metadata: r.metadata,
    costBreakdown: spec ? computeCallCost(usage, spec, { batch: r.batch }) : null,
    experiment: r.experiment ? { id: r.experiment.id, name: r.experiment.name, variant: r.variant?.key ?? null } : null,
    conversation: callConversation({ request: r.request, response: r.response, metadata: r.metadata }),
  };
}
