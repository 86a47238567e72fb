import type { PrismaClient } from "@/lib/generated/prisma/client";
import { computeCallCost, findModel, type ModelSpec, type TokenUsage } from "@/lib/models/catalog";
import { appendScopeFilters, type RollupQuery } from "@/lib/metrics/rollup-query";
import type { MetricsWindow } from "@/lib/metrics/window";

/**
 * Cost levers per prompt: how much of a prompt's traffic nobody waits on (so it could go through
 * the Message Batches API at its discount), what that discount would have saved on the part that
 * did not, at today's prices, and the savings already realised by caching, batch and model
 * routing.
 *
 * A call is NON-INTERACTIVE (its answer is not awaited by a person) when any of these holds, read
 * from the CallLog columns:
 *   - `batch` is true: it went through Message Batches (a batch job for apps, a batch eval, or an
 *     app that logged its own batch call with `"batch": true`);
 *   - `source` is "eval": an evaluation run (realtime or batch), work no user is waiting for;
 *   - `source` is "ingest" and `subjectHash` is null: an app logged a call it made itself without
 *     naming an end user (`subject`), i.e. background or pipeline work.
 * Everything else is interactive: `/run` calls, playground runs, experiment traffic and ingested
 * calls made on behalf of a named user.
 */

/** Why a call counts as non-interactive (the first rule that holds). */
export type NonInteractiveReason = "batch" | "eval" | "ingest_without_user";

/** The columns the definition reads. */
export interface CallInteractivity {
  source: string;
  batch: boolean;
  subjectHash: string | null;
}

/** The reason a call is non-interactive, or null for an interactive call. */
export function nonInteractiveReason(call: CallInteractivity): NonInteractiveReason | null {
  if (call.batch) return "batch";
  if (call.source === "eval") return "eval";
  if (call.source === "ingest" && call.subjectHash === null) return "ingest_without_user";
  return null;
}

/** The same definition as a SQL condition over "CallLog" (kept beside the function above; the integration test holds them equal). */
export const NON_INTERACTIVE_SQL = `("batch" OR "source" = 'eval' OR ("source" = 'ingest' AND "subjectHash" IS NULL))`;

/** Non-interactive calls of one prompt and model, batched or not, with their token sums. */
export interface NonInteractiveGroup extends TokenUsage {
  promptId: string;
  model: string;
  batch: boolean;
  calls: number;
  /** What the calls cost as logged. */
  costMicros: number;
}

/** The per-prompt totals the rollups already give (all calls of the prompt in the window). */
export interface PromptCostTotals {
  promptId: string;
  name: string;
  calls: number;
  costMicros: number;
  /** Realised: what prompt caching saved (uncached cost minus cost). */
  cacheSavingsMicros: number;
  /** Realised: what the batch discount saved on calls that went through Message Batches. */
  batchSavingsMicros: number;
}

/**
 * Calls of one prompt that a routing rule sent to another model than the version's own, answered
 * by that model, with their token sums (`queryRoutedCalls`).
 */
export interface RoutedGroup extends TokenUsage {
  promptId: string;
  /** The version's own model (what the call would have gone to without routing). */
  requestedModel: string;
  /** The model the rule picked, which answered. */
  routedModel: string;
  batch: boolean;
  calls: number;
}

export interface PromptLevers {
  promptId: string;
  name: string;
  calls: number;
  costMicros: number;
  nonInteractiveCalls: number;
  /** nonInteractiveCalls / calls (0..1); null without calls. */
  nonInteractiveShare: number | null;
  /** Non-interactive calls that already went through Message Batches. */
  batchedCalls: number;
  /** Non-interactive calls made one by one (the batch discount's opportunity). */
  unbatchedCalls: number;
  /** What those unbatched calls cost as logged. */
  unbatchedCostMicros: number;
  /**
   * What the batch discount would have saved on the unbatched non-interactive calls, priced at
   * the current price book (their tokens at list price minus the same tokens at the batch price).
   */
  batchWouldSaveMicros: number;
  /** Models of unbatched calls missing from the price book (counted with no saving). */
  unpricedModels: string[];
  cacheSavingsMicros: number;
  batchSavingsMicros: number;
  /** Calls a routing rule sent to another model than the version's own (and that model answered). */
  routedCalls: number;
  /**
   * Realised by routing: what the routed calls would have cost on the requested model minus what
   * they cost on the routed one, both at current prices (the same tokens, batch price for batch
   * calls). Negative when rules send work to a dearer model (complex reasoning to Opus).
   */
  routingSavingsMicros: number;
  /** Models of routed calls missing from the price book (those calls count with no saving). */
  unpricedRoutedModels: string[];
}

/**
 * What routing saved on these tokens: their price on `requested` minus their price on `routed`,
 * each like `computeCallCost` (batch price when `batch`). Negative when the routed model is dearer.
 */
export function routingSavingMicros(usage: TokenUsage, requested: ModelSpec, routed: ModelSpec, batch: boolean): number {
  return computeCallCost(usage, requested, { batch }).totalMicros - computeCallCost(usage, routed, { batch }).totalMicros;
}

/**
 * What the batch discount takes off these tokens at `spec`'s current prices: their list price
 * minus their batch price, each priced like `computeCallCost` (so summed tokens may differ from a
 * per-call sum by the per-line rounding, under a micro-dollar per call).
 */
export function batchDiscountMicros(usage: TokenUsage, spec: ModelSpec): number {
  return computeCallCost(usage, spec).totalMicros - computeCallCost(usage, spec, { batch: true }).totalMicros;
}

/**
 * One row per prompt with calls: its non-interactive share, the batch saving it left on the table
 * at current prices, and its realised cache and batch savings side by side. Groups of prompts
 * absent from `totals` are ignored (the totals define which prompts are shown). Sorted by the
 * opportunity, largest first, then by spend.
 */
export function buildPromptLevers(
  totals: readonly PromptCostTotals[],
  groups: readonly NonInteractiveGroup[],
  catalog: readonly ModelSpec[],
  routed: readonly RoutedGroup[] = [],
): PromptLevers[] {
  const rows = new Map<string, PromptLevers>();
  for (const t of totals) {
    rows.set(t.promptId, {
      promptId: t.promptId,
      name: t.name,
      calls: t.calls,
      costMicros: t.costMicros,
      nonInteractiveCalls: 0,
      nonInteractiveShare: null,
      batchedCalls: 0,
      unbatchedCalls: 0,
      unbatchedCostMicros: 0,
      batchWouldSaveMicros: 0,
      unpricedModels: [],
      cacheSavingsMicros: t.cacheSavingsMicros,
      batchSavingsMicros: t.batchSavingsMicros,
      routedCalls: 0,
      routingSavingsMicros: 0,
      unpricedRoutedModels: [],
    });
  }
  for (const g of routed) {
    const row = rows.get(g.promptId);
    if (!row) continue;
    row.routedCalls += g.calls;
    const requested = findModel(g.requestedModel, catalog);
    const to = findModel(g.routedModel, catalog);
    if (requested && to) row.routingSavingsMicros += routingSavingMicros(g, requested, to, g.batch);
    for (const [model, spec] of [
      [g.requestedModel, requested],
      [g.routedModel, to],
    ] as const)
      if (!spec && !row.unpricedRoutedModels.includes(model)) row.unpricedRoutedModels.push(model);
  }
  for (const g of groups) {
    const row = rows.get(g.promptId);
    if (!row) continue;
    row.nonInteractiveCalls += g.calls;
    if (g.batch) {
      row.batchedCalls += g.calls;
      continue;
    }
    row.unbatchedCalls += g.calls;
    row.unbatchedCostMicros += g.costMicros;
    const spec = findModel(g.model, catalog);
    if (spec) row.batchWouldSaveMicros += batchDiscountMicros(g, spec);
    else if (!row.unpricedModels.includes(g.model)) row.unpricedModels.push(g.model);
  }
  for (const row of rows.values()) row.nonInteractiveShare = row.calls > 0 ? Math.min(1, row.nonInteractiveCalls / row.calls) : null;
  return [...rows.values()].sort((a, b) => b.batchWouldSaveMicros - a.batchWouldSaveMicros || b.costMicros - a.costMicros);
}

/** The project's totals over the rows: the page's headline figures. */
export function sumPromptLevers(rows: readonly PromptLevers[]): Omit<PromptLevers, "promptId" | "name" | "unpricedModels" | "unpricedRoutedModels"> {
  const total = {
    calls: 0,
    costMicros: 0,
    nonInteractiveCalls: 0,
    nonInteractiveShare: null as number | null,
    batchedCalls: 0,
    unbatchedCalls: 0,
    unbatchedCostMicros: 0,
    batchWouldSaveMicros: 0,
    cacheSavingsMicros: 0,
    batchSavingsMicros: 0,
    routedCalls: 0,
    routingSavingsMicros: 0,
  };
  for (const r of rows) {
    total.calls += r.calls;
    total.costMicros += r.costMicros;
    total.nonInteractiveCalls += r.nonInteractiveCalls;
    total.batchedCalls += r.batchedCalls;
    total.unbatchedCalls += r.unbatchedCalls;
    total.unbatchedCostMicros += r.unbatchedCostMicros;
    total.batchWouldSaveMicros += r.batchWouldSaveMicros;
    total.cacheSavingsMicros += r.cacheSavingsMicros;
    total.batchSavingsMicros += r.batchSavingsMicros;
    total.routedCalls += r.routedCalls;
    total.routingSavingsMicros += r.routingSavingsMicros;
  }
  total.nonInteractiveShare = total.calls > 0 ? Math.min(1, total.nonInteractiveCalls / total.calls) : null;
  return total;
}

/**
 * The non-interactive calls in the window, summed per (prompt, model, batched): one aggregate over
 * CallLog through its (projectId, createdAt) index, its answer bounded by prompts x models x 2
 * rows. The rollups cannot answer it (they split by source and model, not by batch or subject).
 * Only calls with a prompt and a version count, as in the rollups the totals come from.
 */
export async function queryNonInteractive(
  db: Pick<PrismaClient, "$queryRawUnsafe">,
  q: Omit<RollupQuery, "groupBy" | "histogram"> & { window: Pick<MetricsWindow, "from" | "to"> },
): Promise<NonInteractiveGroup[]> {
  const params: unknown[] = [q.projectId, q.window.from, q.window.to];
  const where = [`"projectId" = $1`, `"createdAt" >= $2`, `"createdAt" < $3`, `"promptId" IS NOT NULL`, `"versionId" IS NOT NULL`, NON_INTERACTIVE_SQL];
  appendScopeFilters(q, where, params);
  const rows = await db.$queryRawUnsafe<Array<Record<string, unknown>>>(
    `SELECT "promptId", "model", "batch", count(*)::float8 AS "calls",
       sum("inputTokens")::float8 AS "inputTokens", sum("outputTokens")::float8 AS "outputTokens",
       sum("cacheWriteTokens")::float8 AS "cacheWriteTokens", sum("cacheWrite1hTokens")::float8 AS "cacheWrite1hTokens",
       sum("cacheReadTokens")::float8 AS "cacheReadTokens", sum("costMicros")::float8 AS "costMicros"
     FROM "CallLog" WHERE ${where.join(" AND ")} GROUP BY 1, 2, 3`,
    ...params,
  );
  return rows.map((r) => ({
    promptId: String(r.promptId),
    model: String(r.model),
    batch: Boolean(r.batch),
    calls: Number(r.calls),
    inputTokens: Number(r.inputTokens),
    outputTokens: Number(r.outputTokens),
    cacheWriteTokens: Number(r.cacheWriteTokens),
    cacheWrite1hTokens: Number(r.cacheWrite1hTokens),
    cacheReadTokens: Number(r.cacheReadTokens),
    costMicros: Number(r.costMicros),
  }));
}

/**
 * The calls in the window a routing rule sent to another model than the version's own, summed per
 * (prompt, requested model, routed model, batched): one aggregate over CallLog (index
 * (projectId, routingRule, createdAt)); its answer is bounded by prompts x model pairs x 2. A call
 * counts when a rule fired (not "default"), it names a routed model other than the requested one,
 * and that model answered (a call a fallback model answered is not the rule's doing).
 */
export async function queryRoutedCalls(
  db: Pick<PrismaClient, "$queryRawUnsafe">,
  q: Omit<RollupQuery, "groupBy" | "histogram"> & { window: Pick<MetricsWindow, "from" | "to"> },
): Promise<RoutedGroup[]> {
  const params: unknown[] = [q.projectId, q.window.from, q.window.to];
  const where = [`"projectId" = $1`, `"createdAt" >= $2`, `"createdAt" < $3`, `"promptId" IS NOT NULL`, `"versionId" IS NOT NULL`, ROUTED_SQL];
  appendScopeFilters(q, where, params);
  const rows = await db.$queryRawUnsafe<Array<Record<string, unknown>>>(
    `SELECT "promptId", "requestedModel", "routedModel", "batch", count(*)::float8 AS "calls",
       sum("inputTokens")::float8 AS "inputTokens", sum("outputTokens")::float8 AS "outputTokens",
       sum("cacheWriteTokens")::float8 AS "cacheWriteTokens", sum("cacheWrite1hTokens")::float8 AS "cacheWrite1hTokens",
       sum("cacheReadTokens")::float8 AS "cacheReadTokens"
     FROM "CallLog" WHERE ${where.join(" AND ")} GROUP BY 1, 2, 3, 4`,
    ...params,
  );
  return rows.map((r) => ({
    promptId: String(r.promptId),
    requestedModel: String(r.requestedModel),
    routedModel: String(r.routedModel),
    batch: Boolean(r.batch),
    calls: Number(r.calls),
    inputTokens: Number(r.inputTokens),
    outputTokens: Number(r.outputTokens),
    cacheWriteTokens: Number(r.cacheWriteTokens),
    cacheWrite1hTokens: Number(r.cacheWrite1hTokens),
    cacheReadTokens: Number(r.cacheReadTokens),
  }));
}

/** A routed call as SQL over "CallLog" (see `queryRoutedCalls`). */
export const ROUTED_SQL = `("routingRule" IS NOT NULL AND "routingRule" <> 'default' AND "routedModel" IS NOT NULL AND "routedModel" <> "requestedModel" AND "model" = "routedModel")`;
