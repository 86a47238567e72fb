import { parseDecision, type DecisionRecord } from "./decision";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { versionLabel } from "@/lib/prompts/queries";
import { effectiveWeights } from "./assignment";
import { computeResults, type ExperimentResults, type VariantAggregate } from "./results";
import { DEFAULT_MDE, designSchema, guardrailSchema, metricKeySchema, type Design, type Guardrail, type MetricKey } from "./schemas";
import type { ExperimentStatus } from "./state";

type Db = Pick<PrismaClient, "experiment" | "$queryRawUnsafe">;

export interface ExperimentVariantView {
  id: string;
  key: string;
  versionId: string;
  version: string;
  weight: number;
  paused: boolean;
  pausedAt: string | null;
  pausedReason: string | null;
}

/** An experiment as pages and the API show it (dates as ISO strings). */
export interface ExperimentView {
  id: string;
  name: string;
  hypothesis: string;
  status: ExperimentStatus;
  prompt: { id: string; name: string };
  label: string;
  primaryMetric: MetricKey;
  guardrails: Guardrail[];
  design: Design;
  variants: ExperimentVariantView[];
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  winnerVariantId: string | null;
  /** The results frozen when it was promoted or ended (null before, or for experiments ended before decisions were kept). */
  decision: DecisionRecord | null;
}

export const experimentInclude = {
  prompt: { select: { id: true, name: true, projectId: true } },
  variants: { orderBy: { key: "asc" as const }, include: { version: { select: { major: true, minor: true, patch: true } } } },
};

type ExperimentRow = NonNullable<Awaited<ReturnType<typeof loadRow>>>;

async function loadRow(db: Db, id: string) {
  return db.experiment.findUnique({ where: { id }, include: experimentInclude });
}

/** Parses the stored design (older rows may lack fields: defaults apply). */
export function parseDesign(value: unknown): Design {
  const raw = value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  return designSchema.parse({
    ...DEFAULT_MDE,
    baseline: null,
    alpha: 0.05,
    power: 0.8,
    plannedPerVariant: 1000,
    guardrailAlpha: 0.01,
    guardrailMinCalls: 10,
    allocation: null,
    ...raw,
  });
}

export function toExperimentView(row: ExperimentRow): ExperimentView {
  const guardrails = guardrailSchema.array().safeParse(row.guardrails);
  return {
    id: row.id,
    name: row.name,
    hypothesis: row.hypothesis,
    status: row.status,
    prompt: { id: row.prompt.id, name: row.prompt.name },
    label: row.labelName,
    primaryMetric: metricKeySchema.catch("accuracy").parse(row.primaryMetric),
    guardrails: guardrails.success ? guardrails.data : [],
    design: parseDesign(row.design),
    variants: row.variants.map((v) => ({
      id: v.id,
      key: v.key,
      versionId: v.versionId,
      version: versionLabel(v.version),
      weight: v.weight,
      paused: v.pausedAt !== null,
      pausedAt: v.pausedAt?.toISOString() ?? null,
      pausedReason: v.pausedReason,
    })),
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    endedAt: row.endedAt?.toISOString() ?? null,
    winnerVariantId: row.winnerVariantId,
    decision: parseDecision(row.decision),
  };
}

/** One experiment of the project; not_found for unknown ids and other projects' experiments. */
export async function getExperiment(projectId: string, id: string, options: { db?: Db } = {}): Promise<ExperimentView> {
  const row = await loadRow(options.db ?? getDb(), id);
  if (!row || row.prompt.projectId !== projectId) throw new AppError("not_found", `Experiment ${id} does not exist`);
  return toExperimentView(row);
}

export interface ExperimentListItem extends ExperimentView {
  calls: number;
  /** Best observed primary-metric mean (no significance implied). */
  leadingKey: string | null;
  /** Significantly better than the control with the planned sample (results.winnerKey). */
  winnerKey: string | null;
  /** The variant a promote moved the label to (completed experiments). */
  promotedKey: string | null;
}

/** The project's experiments, newest first, with call counts and the leading variant. */
export async function listExperiments(projectId: string, options: { db?: Db } = {}): Promise<ExperimentListItem[]> {
  const db = options.db ?? getDb();
  const rows = await db.experiment.findMany({ where: { prompt: { projectId } }, include: experimentInclude, orderBy: { createdAt: "desc" }, take: 200 });
  const out: ExperimentListItem[] = [];
  for (const row of rows) {
    const view = toExperimentView(row);
    const results = row.status === "DRAFT" ? null : await computeExperimentResults(view, { db });
    const promotedKey = view.variants.find((v) => v.id === view.winnerVariantId)?.key ?? null;
    out.push({
      ...view,
      calls: results?.totalCalls ?? 0,
      leadingKey: results && results.totalCalls > 0 ? results.leadingKey : null,
      winnerKey: results?.winnerKey ?? null,
      promotedKey,
    });
  }
  return out;
}

/** Per-variant counts and sums both the results and the time series read (errors and cancelled calls answer nothing: no cost, no latency). */
const VARIANT_COUNTS_SQL = `
  count(*)::int AS calls,
  count(*) FILTER (WHERE status = 'error')::int AS errors,
  count(*) FILTER (WHERE status = 'refusal')::int AS refusals,
  count(score)::int AS scored,
  coalesce(sum(score), 0)::float8 AS "scoreSum",
  count(*) FILTER (WHERE status NOT IN ('error', 'cancelled'))::int AS answered,
  coalesce(sum("costMicros") FILTER (WHERE status NOT IN ('error', 'cancelled')), 0)::float8 AS "costSum"`;

const AGGREGATE_SQL = `
SELECT "variantId",${VARIANT_COUNTS_SQL},
  coalesce(sum("costMicros"::float8 * "costMicros"::float8) FILTER (WHERE status NOT IN ('error', 'cancelled')), 0)::float8 AS "costSq",
  coalesce(sum("latencyMs") FILTER (WHERE status NOT IN ('error', 'cancelled')), 0)::float8 AS "latSum",
  coalesce(sum("latencyMs"::float8 * "latencyMs"::float8) FILTER (WHERE status NOT IN ('error', 'cancelled')), 0)::float8 AS "latSq",
  coalesce(sum("outputChars") FILTER (WHERE status NOT IN ('error', 'cancelled')), 0)::float8 AS "outSum",
  coalesce(sum("outputChars"::float8 * "outputChars"::float8) FILTER (WHERE status NOT IN ('error', 'cancelled')), 0)::float8 AS "outSq",
  coalesce(sum("inputTokens"), 0)::float8 AS "inputTokens",
  coalesce(sum("cacheReadTokens"), 0)::float8 AS "cacheReadTokens",
  coalesce(sum("cacheWriteTokens"), 0)::float8 AS "cacheWriteTokens"
FROM "CallLog" WHERE "experimentId" = $1 AND "variantId" IS NOT NULL
GROUP BY "variantId"`;

interface AggregateRow {
  variantId: string;
  calls: number;
  errors: number;
  refusals: number;
  scored: number;
  scoreSum: number;
  answered: number;
  costSum: number;
  costSq: number;
  latSum: number;
  latSq: number;
  outSum: number;
  outSq: number;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/**
 * Per-variant sums straight from CallLog by (experimentId, variantId) (indexed; experiments are
 * small, and rollups are keyed by version, which two experiments or the label's own traffic can
 * share, so they cannot give per-variant figures).
 */
export async function loadVariantAggregates(experiment: Pick<ExperimentView, "id" | "variants">, options: { db?: Db } = {}): Promise<VariantAggregate[]> {
  const db = options.db ?? getDb();
  const rows = await db.$queryRawUnsafe<AggregateRow[]>(AGGREGATE_SQL, experiment.id);
  const byId = new Map(rows.map((r) => [r.variantId, r]));
  return experiment.variants.map((v) => {
    const r = byId.get(v.id);
    const answered = r?.answered ?? 0;
    return {
      variantId: v.id,
      key: v.key,
      versionLabel: v.version,
      weight: v.weight,
      paused: v.paused,
      pausedReason: v.pausedReason,
      calls: r?.calls ?? 0,
      errors: r?.errors ?? 0,
      refusals: r?.refusals ?? 0,
      scored: r?.scored ?? 0,
      scoreSum: r?.scoreSum ?? 0,
      cost: { n: answered, sum: r?.costSum ?? 0, sumSq: r?.costSq ?? 0 },
      latency: { n: answered, sum: r?.latSum ?? 0, sumSq: r?.latSq ?? 0 },
      outputChars: { n: answered, sum: r?.outSum ?? 0, sumSq: r?.outSq ?? 0 },
      inputTokens: r?.inputTokens ?? 0,
      cacheReadTokens: r?.cacheReadTokens ?? 0,
      cacheWriteTokens: r?.cacheWriteTokens ?? 0,
    };
  });
}

/** Every number of the results page (and `GET /api/v1/experiments/{id}/results`). */
export async function computeExperimentResults(experiment: ExperimentView, options: { db?: Db } = {}): Promise<ExperimentResults> {
  const aggregates = await loadVariantAggregates(experiment, options);
  return computeResults({
    primaryMetric: experiment.primaryMetric,
    design: experiment.design,
    variants: aggregates,
    effectiveWeights: effectiveWeights(experiment.variants),
    ended: experiment.status === "COMPLETED",
  });
}

export interface SeriesPoint {
  t: number;
  key: string;
  calls: number;
  errors: number;
  refusals: number;
  scored: number;
  scoreSum: number;
  answered: number;
  costSum: number;
  latSum: number;
  outSum: number;
  cacheReadTokens: number;
  promptTokens: number;
}

/** Per-variant figures per time bucket (bucket size chosen so the span has at most ~60 points). */
export async function loadExperimentSeries(
  experiment: ExperimentView,
  options: { db?: Db; now?: Date } = {},
): Promise<{ bucketMs: number; points: SeriesPoint[] }> {
  const db = options.db ?? getDb();
  const start = new Date(experiment.startedAt ?? experiment.createdAt).getTime();
  const end = experiment.endedAt ? new Date(experiment.endedAt).getTime() : (options.now ?? new Date()).getTime();
  const steps = [60_000, 5 * 60_000, 15 * 60_000, 3600_000, 6 * 3600_000, 86_400_000];
  const bucketMs = steps.find((s) => (end - start) / s <= 60) ?? 86_400_000;
  const rows = await db.$queryRawUnsafe<Array<Omit<SeriesPoint, "key" | "t"> & { variantId: string; t: Date }>>(
    `SELECT "variantId", date_bin(($2 || ' milliseconds')::interval, "createdAt", TIMESTAMP '2000-01-01') AS t,${VARIANT_COUNTS_SQL},
      coalesce(sum("latencyMs") FILTER (WHERE status <> 'error'), 0)::float8 AS "latSum",
      coalesce(sum("outputChars") FILTER (WHERE status <> 'error'), 0)::float8 AS "outSum",
      coalesce(sum("cacheReadTokens"), 0)::float8 AS "cacheReadTokens",
      coalesce(sum("inputTokens" + "cacheReadTokens" + "cacheWriteTokens"), 0)::float8 AS "promptTokens"
     FROM "CallLog" WHERE "experimentId" = $1 AND "variantId" IS NOT NULL
     GROUP BY 1, 2 ORDER BY 2`,
    experiment.id,
    String(bucketMs),
  );
  const keyOf = new Map(experiment.variants.map((v) => [v.id, v.key]));
  return {
    bucketMs,
    points: rows.map(({ variantId, t, ...rest }) => ({ ...rest, t: new Date(t).getTime(), key: keyOf.get(variantId) ?? "?" })),
  };
}

/** Weight-change and guardrail history (from the audit log), newest first. */
export async function listExperimentHistory(projectId: string, experimentId: string, options: { db?: Pick<PrismaClient, "auditEvent" | "apiKey"> } = {}) {
  const db = options.db ?? getDb();
  const events = await db.auditEvent.findMany({
    where: { projectId, targetType: "experiment", targetId: experimentId },
    orderBy: { at: "desc" },
    take: 50,
    select: { action: true, actorLabel: true, before: true, after: true, at: true, actor: { select: { name: true, email: true } } },
  });
  // Machine actors in words: the API key's name, the guardrail.
  const keyIds = [
    ...new Set(
      events
        .map((e) => e.actorLabel)
        .filter((l): l is string => !!l?.startsWith("api_key:"))
        .map((l) => l.slice("api_key:".length)),
    ),
  ];
  const keys = keyIds.length ? await db.apiKey.findMany({ where: { projectId, id: { in: keyIds } }, select: { id: true, name: true } }) : [];
  const keyName = new Map(keys.map((k) => [`api_key:${k.id}`, `API key "${k.name}"`]));
  const machine = (label: string | null) =>
    label === "system:guardrail" ? "Guardrail" : label?.startsWith("api_key:") ? (keyName.get(label) ?? "A deleted API key") : label;
  return events.map((e) => ({
    action: e.action,
    actor: e.actor?.name ?? e.actor?.email ?? machine(e.actorLabel) ?? "system",
    before: e.before,
    after: e.after,
    at: e.at.toISOString(),
  }));
}
