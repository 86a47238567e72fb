import type { PrismaClient } from "@/lib/generated/prisma/client";
import { AppError } from "@/lib/errors";
import { deriveMetrics, mergeCells, relativeChange, type DerivedMetrics, type RollupCell } from "@/lib/metrics/aggregate";
import { minuteRetentionCutoff, minuteRetentionDays } from "@/lib/metrics/retention";
import { queryDataExtent, queryRollups, type RollupGroup, type RollupQuery } from "@/lib/metrics/rollup-query";
import { buildPromptLevers, queryNonInteractive, queryRoutedCalls, sumPromptLevers, type PromptLevers } from "@/lib/metrics/cost-levers";
import type { ModelSpec } from "@/lib/models/catalog";
import { bucketStarts, fitBucketToData, resolveWindow, type MetricsFilter, type MetricsWindow } from "@/lib/metrics/window";

/**
 * The queries behind every metrics page and GET /api/v1/metrics: one function per endpoint,
 * each resolving names (prompt, version, label) and the window, then reading rollups.
 */
type Db = Pick<PrismaClient, "$queryRawUnsafe" | "prompt" | "promptVersion" | "label" | "labelEvent" | "rolloutEvent">;

async function defaultDb(): Promise<Db> {
  return (await import("@/lib/db/client")).getDb();
}

export interface WindowJson {
  from: string;
  to: string;
  bucketMinutes: number;
  grainMinutes: number;
}
const windowJson = (w: MetricsWindow): WindowJson => ({
  from: w.from.toISOString(),
  to: w.to.toISOString(),
  bucketMinutes: w.bucketMinutes,
  grainMinutes: w.grainMinutes,
});

export function versionName(v: { major: number; minor: number; patch: number }): string {
  return v.major < 0 ? "draft" : `${v.major}.${v.minor}.${v.patch}`;
}

interface ResolvedScope {
  promptId?: string;
  promptName?: string;
  versionIds?: string[];
}

/** The largest value of a PostgreSQL `integer` column (version components). */
const INT4_MAX = 2_147_483_647;

/** Resolves prompt/version/label names to ids within the project (not_found for unknown names). */
async function resolveScope(db: Db, projectId: string, filter: MetricsFilter): Promise<ResolvedScope> {
  const scope: ResolvedScope = {};
  if (filter.prompt) {
    const prompt = await db.prompt.findUnique({ where: { projectId_name: { projectId, name: filter.prompt } }, select: { id: true, name: true } });
    if (!prompt) throw new AppError("not_found", `Prompt "${filter.prompt}" does not exist`);
    scope.promptId = prompt.id;
    scope.promptName = prompt.name;
  }
  let versionIds: string[] | undefined;
  if (filter.version) {
    const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(filter.version);
    let found: { id: string } | null;
    // Versions are three int4 columns: a component above 2^31-1 names no version (and must not reach the query).
    if (m && m.slice(1).some((n) => Number(n) > INT4_MAX)) throw new AppError("not_found", `Version "${filter.version}" does not exist`);
    if (m || filter.version === "draft") {
      if (!scope.promptId) throw new AppError("bad_request", "`version` as a version number needs `prompt`");
      found = await db.promptVersion.findFirst({
        where: m ? { promptId: scope.promptId, major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : { promptId: scope.promptId, status: "DRAFT" },
        select: { id: true },
      });
    } else {
      found = await db.promptVersion.findFirst({ where: { id: filter.version, prompt: { projectId } }, select: { id: true } });
    }
    if (!found) throw new AppError("not_found", `Version "${filter.version}" does not exist`);
    versionIds = [found.id];
  }
  if (filter.label) {
    const labels = await db.label.findMany({
      where: { name: filter.label, prompt: { projectId, ...(scope.promptId ? { id: scope.promptId } : {}) } },
      select: { versionId: true, events: { select: { toVersionId: true, fromVersionId: true } } },
    });
    const ids = new Set<string>();
    for (const l of labels) {
      ids.add(l.versionId);
      for (const e of l.events) {
        if (e.toVersionId) ids.add(e.toVersionId);
        if (e.fromVersionId) ids.add(e.fromVersionId);
      }
    }
    versionIds = versionIds ? versionIds.filter((id) => ids.has(id)) : [...ids];
  }
  if (versionIds) scope.versionIds = versionIds;
  return scope;
}

/** What every rollup query of a view filters on: the resolved names, model, source, and the playground left out when asked. */
function rollupFilter(projectId: string, scope: ResolvedScope, filter: MetricsFilter): Omit<RollupQuery, "window" | "groupBy" | "histogram"> {
  return {
    projectId,
    promptId: scope.promptId,
    versionIds: scope.versionIds,
    model: filter.model,
    rule: filter.rule,
    source: filter.source,
    excludeSources: filter.playground === "exclude" ? ["playground"] : [],
  };
}

/**
 * The window of a charted view: the range's, with a finer bucket when the calls in it would
 * otherwise fall in a single bucket (fresh data draws a line, not a dot; `fitBucketToData`).
 * A bucket the caller asked for is kept.
 */
async function chartWindow(
  db: Db,
  filter: MetricsFilter,
  base: Omit<RollupQuery, "window" | "groupBy" | "histogram">,
  now = new Date(),
): Promise<MetricsWindow> {
  const window = resolveWindow(filter, now);
  if (filter.bucket) return window;
  const extent = await queryDataExtent(db, { ...base, window }, window.from >= minuteRetentionCutoff(now, minuteRetentionDays()));
  const bucket = fitBucketToData(window, extent, now);
  return bucket ? resolveWindow({ ...filter, bucket }, now) : window;
}

// ---------------------------------------------------------------- per-prompt metrics

export interface VersionInfo {
  id: string;
  version: string;
  status: string;
  publishedAt: string | null;
}

export interface VersionRow {
  versionId: string;
  version: string;
  metrics: DerivedMetrics;
  /** Relative change of each numeric figure against the previous version shown (null = n/a). */
  change: Partial<Record<keyof DerivedMetrics, number | null>>;
  previousVersion: string | null;
}

export interface ReleaseMarker {
  at: string;
  label: string;
  fromVersion: string | null;
  toVersion: string;
  toVersionId: string;
}

/** A canary rollout's step change, rollback or completion (lib/rollouts), marked on the charts. */
export interface RolloutMarker {
  at: string;
  label: string;
  kind: string;
  /** The new version's share after the event. */
  percent: number;
  toVersion: string;
}

export interface PromptMetrics {
  window: WindowJson;
  prompt: { id: string; name: string };
  versions: VersionInfo[];
  /** One entry per time bucket (every bucket of the window, empty ones included). */
  buckets: string[];
  /** Per version: one point per bucket (null when the version had no call then). */
  series: Array<{ versionId: string; version: string; points: Array<DerivedMetrics | null> }>;
  releases: ReleaseMarker[];
  /** Rollout step changes, rollbacks and completions inside the window (starts, pauses and resumes are not marked). */
  rollouts: RolloutMarker[];
  table: VersionRow[];
  total: DerivedMetrics | null;
}

const COMPARED: Array<keyof DerivedMetrics> = [
  "calls",
  "accuracy",
  "errorRate",
  "refusalRate",
  "avgOutputChars",
  "latencyP50Ms",
  "latencyP95Ms",
  "latencyP99Ms",
  "costPerCallMicros",
  "cacheHitRate",
  "avgTotalInputTokens",
  "avgOutputTokens",
];

/**
 * Per-prompt metrics: one series per version over the window's buckets (every chart's data),
 * release markers (label moves inside the window), and a per-version table with the change
 * against the previous version (by version order). Filters: version, label, model, source.
 */
export async function getPromptMetrics(projectId: string, filter: MetricsFilter, options: { db?: Db; now?: Date } = {}): Promise<PromptMetrics> {
  if (!filter.prompt) throw new AppError("bad_request", "`prompt` is required");
  const db = options.db ?? (await defaultDb());
  resolveWindow(filter, options.now); // a bad window is a 400 before any name is looked up
  const scope = await resolveScope(db, projectId, filter);
  const promptId = scope.promptId as string;
  const base = rollupFilter(projectId, scope, filter);
  const window = await chartWindow(db, filter, base, options.now);
  const [groups, versionRows, events, rolloutEvents] = await Promise.all([
    queryRollups(db, { ...base, window, groupBy: ["versionId", "t"], histogram: true }),
    db.promptVersion.findMany({
      where: { promptId },
      select: { id: true, major: true, minor: true, patch: true, status: true, publishedAt: true },
      orderBy: [{ major: "asc" }, { minor: "asc" }, { patch: "asc" }],
    }),
    db.labelEvent.findMany({
      where: { label: { promptId, ...(filter.label ? { name: filter.label } : {}) }, at: { gte: window.from, lt: window.to } },
      orderBy: { at: "asc" },
      select: {
        at: true,
        toVersionId: true,
        label: { select: { name: true } },
        fromVersion: { select: { major: true, minor: true, patch: true } },
        toVersion: { select: { major: true, minor: true, patch: true } },
      },
    }),
    db.rolloutEvent.findMany({
      where: {
        rollout: { promptId, ...(filter.label ? { labelName: filter.label } : {}) },
        kind: { in: ["started", "advanced", "rolled_back", "completed", "aborted"] },
        at: { gte: window.from, lt: window.to },
      },
      orderBy: { at: "asc" },
      select: {
        at: true,
        kind: true,
        percent: true,
        rollout: { select: { labelName: true, toVersion: { select: { major: true, minor: true, patch: true } } } },
      },
    }),
  ]);
  const versions: VersionInfo[] = versionRows
    .filter((v) => v.major >= 0)
    .concat(versionRows.filter((v) => v.major < 0))
    .map((v) => ({ id: v.id, version: versionName(v), status: v.status, publishedAt: v.publishedAt?.toISOString() ?? null }));
  const starts = bucketStarts(window);
  const index = new Map(starts.map((d, i) => [d.getTime(), i]));
  const byVersion = new Map<string, Array<RollupCell | null>>();
  for (const g of groups) {
    const id = g.key.versionId as string;
    const i = index.get((g.key.t as Date).getTime());
    if (i === undefined) continue;
    let cells = byVersion.get(id);
    if (!cells) byVersion.set(id, (cells = starts.map(() => null)));
    cells[i] = g.cell;
  }
  const ordered = versions.filter((v) => byVersion.has(v.id));
  const series = ordered.map((v) => ({ versionId: v.id, version: v.version, points: (byVersion.get(v.id) ?? []).map((c) => (c ? deriveMetrics(c) : null)) }));
  const table: VersionRow[] = [];
  let previous: DerivedMetrics | null = null;
  let previousName: string | null = null;
  const allCells: RollupCell[] = [];
  for (const v of ordered) {
    const cells = (byVersion.get(v.id) ?? []).filter((c): c is RollupCell => c !== null);
    allCells.push(...cells);
    const metrics = deriveMetrics(mergeCells(cells));
    const change: VersionRow["change"] = {};
    for (const k of COMPARED) change[k] = previous ? relativeChange(previous[k] as number | null, metrics[k] as number | null) : null;
    table.push({ versionId: v.id, version: v.version, metrics, change, previousVersion: previousName });
    previous = metrics;
    previousName = v.version;
  }
  return {
    window: windowJson(window),
    prompt: { id: promptId, name: scope.promptName as string },
    versions,
    buckets: starts.map((d) => d.toISOString()),
    series,
    releases: events.map((e) => ({
      at: e.at.toISOString(),
      label: e.label.name,
      fromVersion: e.fromVersion ? versionName(e.fromVersion) : null,
      toVersion: versionName(e.toVersion),
      toVersionId: e.toVersionId,
    })),
    rollouts: rolloutEvents.map((e) => ({
      at: e.at.toISOString(),
      label: e.rollout.labelName,
      kind: e.kind,
      percent: e.percent,
      toVersion: versionName(e.rollout.toVersion),
    })),
    table,
    total: allCells.length > 0 ? deriveMetrics(mergeCells(allCells)) : null,
  };
}

// ---------------------------------------------------------------- project overview

export interface OverviewMetrics {
  window: WindowJson;
  total: DerivedMetrics | null;
  buckets: string[];
  /** Project-wide figures per bucket (null = no calls). */
  points: Array<DerivedMetrics | null>;
  byPrompt: Array<{ promptId: string; prompt: string; metrics: DerivedMetrics }>;
}

function fillBuckets(window: MetricsWindow, groups: RollupGroup[]): { buckets: string[]; points: Array<DerivedMetrics | null> } {
  const starts = bucketStarts(window);
  const index = new Map(starts.map((d, i) => [d.getTime(), i]));
  const points: Array<DerivedMetrics | null> = starts.map(() => null);
  for (const g of groups) {
    const i = index.get((g.key.t as Date).getTime());
    if (i !== undefined) points[i] = deriveMetrics(g.cell);
  }
  return { buckets: starts.map((d) => d.toISOString()), points };
}

async function promptNames(db: Db, projectId: string): Promise<Map<string, string>> {
  const prompts = await db.prompt.findMany({ where: { projectId }, select: { id: true, name: true } });
  return new Map(prompts.map((p) => [p.id, p.name]));
}

/** Project overview: totals, a per-bucket series and a breakdown by prompt (each with p95 latency). */
export async function getOverviewMetrics(projectId: string, filter: MetricsFilter, options: { db?: Db; now?: Date } = {}): Promise<OverviewMetrics> {
  const db = options.db ?? (await defaultDb());
  resolveWindow(filter, options.now); // a bad window is a 400 before any name is looked up
  const scope = await resolveScope(db, projectId, filter);
  const window = await chartWindow(db, filter, rollupFilter(projectId, scope, filter), options.now);
  const base = { ...rollupFilter(projectId, scope, filter), window, histogram: true };
  const [series, byPrompt, names] = await Promise.all([
    queryRollups(db, { ...base, groupBy: ["t"] }),
    queryRollups(db, { ...base, groupBy: ["promptId"] }),
    promptNames(db, projectId),
  ]);
  const cells = byPrompt.map((g) => g.cell);
  return {
    window: windowJson(window),
    total: cells.length > 0 ? deriveMetrics(mergeCells(cells)) : null,
    ...fillBuckets(window, series),
    byPrompt: byPrompt
      .map((g) => ({ promptId: g.key.promptId as string, prompt: names.get(g.key.promptId as string) ?? "(deleted)", metrics: deriveMetrics(g.cell) }))
      .sort((a, b) => b.metrics.costMicros - a.metrics.costMicros || b.metrics.calls - a.metrics.calls),
  };
}

// ---------------------------------------------------------------- cost view

export interface CostRow {
  key: string;
  name: string;
  calls: number;
  costMicros: number;
  uncachedCostMicros: number;
  cacheSavingsMicros: number;
  batchSavingsMicros: number;
  batchCalls: number;
}
/**
 * What offline evaluations cost in the window (calls logged with source "eval"): their spend,
 * what the same calls would have cost at the realtime price, and the difference the Message
 * Batches discount saved.
 */
export interface EvalCostSummary {
  calls: number;
  batchCalls: number;
  costMicros: number;
  /** The same calls at the realtime (non-batch) price: cost + batch savings. */
  realtimeCostMicros: number;
  batchSavingsMicros: number;
  /** Eval runs started in the window. */
  runs: number;
}
export interface CostMetrics {
  window: WindowJson;
  total: CostRow;
  byPrompt: CostRow[];
  byModel: CostRow[];
  byDay: CostRow[];
  /** Spend by where calls came from: live API, playground, experiment traffic, evaluations, ingested. */
  bySource: CostRow[];
  evaluations: EvalCostSummary;
  /**
   * Cost levers per prompt: the share of non-interactive calls (lib/metrics/cost-levers.ts has the
   * definition), what the batch discount would have saved on those made one by one at current
   * prices, and the savings caching and batch realised.
   */
  levers: { total: Omit<PromptLevers, "promptId" | "name" | "unpricedModels" | "unpricedRoutedModels">; byPrompt: PromptLevers[] };
}

/** How the cost page names a call source. */
export const SOURCE_NAMES: Record<string, string> = {
  api: "Live (API)",
  playground: "Playground",
  experiment: "Experiment traffic",
  eval: "Evaluations",
  ingest: "Ingested (logged by apps)",
};

function costRow(key: string, name: string, c: RollupCell): CostRow {
  return {
    key,
    name,
    calls: c.calls,
    costMicros: c.costMicros,
    uncachedCostMicros: c.uncachedCostMicros,
    cacheSavingsMicros: c.uncachedCostMicros - c.costMicros,
    batchSavingsMicros: c.batchSavingsMicros,
    batchCalls: c.batchCalls,
  };
}

/**
 * Spend by prompt, model, source and UTC day, with cache and batch savings, over the range asked
 * for: the window is the range's own (its default bucket: 1-minute edges for 1h, hourly for 24h,
 * ...; the filter's bucket is ignored), not the whole UTC days around it, and `window` returns
 * the edges used. `byDay` is that window cut at UTC midnights: a day row covers only its part of
 * the window, so the rows add up to the total.
 */
export async function getCostMetrics(
  projectId: string,
  filter: MetricsFilter,
  options: { db?: Db; now?: Date; catalog?: readonly ModelSpec[] } = {},
): Promise<CostMetrics> {
  const db = options.db ?? (await defaultDb());
  const window = resolveWindow({ ...filter, bucket: undefined }, options.now);
  const scope = await resolveScope(db, projectId, filter);
  const base = { ...rollupFilter(projectId, scope, filter), window };
  const [byPrompt, byModel, byDay, bySource, names, runs, nonInteractive, routed, catalog] = await Promise.all([
    queryRollups(db, { ...base, groupBy: ["promptId"] }),
    queryRollups(db, { ...base, groupBy: ["model"] }),
    queryRollups(db, { ...base, groupBy: ["t"] }),
    queryRollups(db, { ...base, groupBy: ["source"] }),
    promptNames(db, projectId),
    countEvalRuns(db, projectId, scope.promptId, window),
    queryNonInteractive(db, base),
    queryRoutedCalls(db, base),
    options.catalog ?? currentCatalog(),
  ]);
  const sortCost = (a: CostRow, b: CostRow) => b.costMicros - a.costMicros;
  const promptRows = byPrompt.map((g) => costRow(g.key.promptId as string, names.get(g.key.promptId as string) ?? "(deleted)", g.cell));
  const levers = buildPromptLevers(
    promptRows.map((r) => ({
      promptId: r.key,
      name: r.name,
      calls: r.calls,
      costMicros: r.costMicros,
      cacheSavingsMicros: r.cacheSavingsMicros,
      batchSavingsMicros: r.batchSavingsMicros,
    })),
    nonInteractive,
    catalog,
    routed,
  );
  const evalCell = bySource.find((g) => g.key.source === "eval")?.cell;
  return {
    window: windowJson(window),
    total: costRow("total", "Total", mergeCells(byModel.map((g) => g.cell))),
    byPrompt: promptRows.sort(sortCost),
    byModel: byModel.map((g) => costRow(g.key.model as string, g.key.model as string, g.cell)).sort(sortCost),
    byDay: [...groupByDay(byDay)].map(([day, cells]) => costRow(`${day}T00:00:00.000Z`, day, mergeCells(cells))).sort((a, b) => a.key.localeCompare(b.key)),
    bySource: bySource.map((g) => costRow(g.key.source as string, SOURCE_NAMES[g.key.source as string] ?? (g.key.source as string), g.cell)).sort(sortCost),
    evaluations: {
      calls: evalCell?.calls ?? 0,
      batchCalls: evalCell?.batchCalls ?? 0,
      costMicros: evalCell?.costMicros ?? 0,
      realtimeCostMicros: (evalCell?.costMicros ?? 0) + (evalCell?.batchSavingsMicros ?? 0),
      batchSavingsMicros: evalCell?.batchSavingsMicros ?? 0,
      runs,
    },
    levers: { total: sumPromptLevers(levers), byPrompt: levers },
  };
}

/** Today's prices (the ModelPrice table through the process's price book). */
async function currentCatalog(): Promise<readonly ModelSpec[]> {
  return (await import("@/lib/models/pricing")).getPriceBook().catalog();
}

/** Bucket cells grouped by their UTC day (`YYYY-MM-DD`); buckets never cross midnight (they divide a day). */
function groupByDay(groups: ReadonlyArray<{ key: { t?: Date }; cell: RollupCell }>): Map<string, RollupCell[]> {
  const days = new Map<string, RollupCell[]>();
  for (const g of groups) {
    const day = (g.key.t as Date).toISOString().slice(0, 10);
    days.set(day, [...(days.get(day) ?? []), g.cell]);
  }
  return days;
}

/** Eval runs started in the window (of one prompt when scoped). */
async function countEvalRuns(db: Db, projectId: string, promptId: string | undefined, window: MetricsWindow): Promise<number> {
  const params: unknown[] = [projectId, window.from, window.to];
  if (promptId) params.push(promptId);
  const rows = await db.$queryRawUnsafe<Array<{ n: bigint }>>(
    `SELECT count(*)::int8 AS n FROM "EvalRun" WHERE "projectId" = $1 AND "createdAt" >= $2 AND "createdAt" < $3${promptId ? ` AND "promptId" = $4` : ""}`,
    ...params,
  );
  return Number(rows[0]?.n ?? 0);
}
