import { z } from "zod";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { summarizeMean, wilsonInterval, type Interval } from "@/lib/experiments/stats";
import { loadProjectSettings, type ReleaseGate } from "@/lib/runs/settings";
import { evaluatorConfigSchema, type EvaluatorConfig } from "./evaluator-config";

/**
 * Per-version summaries of an eval run (`EvalRunVersion.summary`) and the release gate
 * (`EvalRunVersion.gatePassed`). Every figure is aggregated in PostgreSQL (counts, sums, sums of
 * squares, percentiles); only the intervals are computed here, from those moments.
 */

/** One evaluator's figures for one version. */
export interface EvaluatorSummary {
  /** Results with a score. */
  n: number;
  mean: number | null;
  /** t interval of the mean score (null below 2 scores). */
  ci95: [number, number] | null;
  /** Share of results with pass = true among those with a pass/fail. */
  passRate: number | null;
  /** Wilson interval of the pass rate. */
  passCi95: [number, number] | null;
}

/** `EvalRunVersion.summary` (the contract shape in README.md, plus `combined` and `regressions`). */
export interface EvalVersionSummary {
  items: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
  costMicros: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  evaluators: Record<string, EvaluatorSummary>;
  /** The per-item combined score (`EvalResult.score`, mean of the evaluators) and pass (every evaluator passed). */
  combined: EvaluatorSummary;
  /** Items that passed on the baseline and fail on this version; null for the baseline itself or a run without one. */
  regressions: number | null;
  /** Why the gate passed or failed, in words (absent when the project has no gate). */
  gate?: { passed: boolean; reasons: string[] };
}

const interval = (i: Interval | null): [number, number] | null => (i ? [i.low, i.high] : null);

function evaluatorSummary(row: { scored: number; sum: number; sumSq: number; judged: number; passes: number }): EvaluatorSummary {
  const mean = summarizeMean({ n: row.scored, sum: row.sum, sumSq: row.sumSq });
  return {
    n: row.scored,
    mean: mean.mean,
    // Scores live in [0, 1]: the t interval can reach past the ends on small or skewed samples.
    ci95: mean.ci ? [Math.max(0, mean.ci.low), Math.min(1, mean.ci.high)] : null,
    passRate: row.judged > 0 ? row.passes / row.judged : null,
    passCi95: interval(wilsonInterval(row.passes, row.judged)),
  };
}

/** The evaluator configs stored on a run (entries that no longer parse are skipped). */
export function runEvaluators(stored: unknown): EvaluatorConfig[] {
  if (!Array.isArray(stored)) return [];
  return stored.flatMap((entry) => {
    const parsed = evaluatorConfigSchema.safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  });
}

/** The baseline of a run: its `baselineRunVersionId`, else the version at the lowest position. */
export function baselineOf(run: { baselineRunVersionId: string | null }, versions: Array<{ id: string; position: number }>): string | null {
  if (run.baselineRunVersionId && versions.some((v) => v.id === run.baselineRunVersionId)) return run.baselineRunVersionId;
  const first = [...versions].sort((a, b) => a.position - b.position)[0];
  return first?.id ?? null;
}

const numberish = z.union([z.number(), z.bigint(), z.string(), z.null()]).transform((v) => (v === null ? 0 : Number(v)));

/**
 * Computes the figures of every version of a run in four aggregate queries. Exported for the
 * engine's progress view (it may call it on a running run); `summarizeRun` stores them.
 */
export async function computeRunSummaries(runId: string): Promise<{ projectId: string; summaries: Map<string, EvalVersionSummary> }> {
  const db = getDb();
  const run = await db.evalRun.findUnique({
    where: { id: runId },
    select: { projectId: true, evaluators: true, baselineRunVersionId: true, versions: { select: { id: true, position: true } } },
  });
  if (!run) throw new AppError("not_found", `Eval run ${runId} not found`);
  const evaluatorIds = runEvaluators(run.evaluators).map((e) => e.id);
  const baseline = baselineOf(run, run.versions);

  const [outcomeRows, evaluatorRows, regressionRows] = await Promise.all([
    db.$queryRaw<Array<Record<string, unknown>>>`
      SELECT "runVersionId",
        count(*)::int AS items,
        count(*) FILTER (WHERE outcome = 'succeeded')::int AS succeeded,
        count(*) FILTER (WHERE outcome = 'errored')::int AS errored,
        count(*) FILTER (WHERE outcome = 'canceled')::int AS canceled,
        count(*) FILTER (WHERE outcome = 'expired')::int AS expired,
        COALESCE(sum("costMicros"), 0)::float8 AS cost,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY "latencyMs") FILTER (WHERE outcome = 'succeeded' AND "latencyMs" IS NOT NULL) AS p50,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY "latencyMs") FILTER (WHERE outcome = 'succeeded' AND "latencyMs" IS NOT NULL) AS p95,
        count(score)::int AS scored, COALESCE(sum(score), 0)::float8 AS sum, COALESCE(sum(score * score), 0)::float8 AS "sumSq",
        count(passed)::int AS judged, count(*) FILTER (WHERE passed)::int AS passes
      FROM "EvalResult" WHERE "runId" = ${runId}
      GROUP BY "runVersionId"`,
    evaluatorIds.length === 0
      ? Promise.resolve([] as Array<Record<string, unknown>>)
      : db.$queryRaw<Array<Record<string, unknown>>>`
      SELECT r."runVersionId", e.id AS evaluator,
        count(s.score)::int AS scored, COALESCE(sum(s.score), 0)::float8 AS sum, COALESCE(sum(s.score * s.score), 0)::float8 AS "sumSq",
        count(s.pass)::int AS judged, count(*) FILTER (WHERE s.pass)::int AS passes
      FROM "EvalResult" r
      CROSS JOIN unnest(${evaluatorIds}::text[]) AS e(id)
      CROSS JOIN LATERAL (
        SELECT CASE WHEN jsonb_typeof(r.scores -> e.id -> 'score') = 'number' THEN (r.scores -> e.id ->> 'score')::float8 END AS score,
               CASE WHEN jsonb_typeof(r.scores -> e.id -> 'pass') = 'boolean' THEN (r.scores -> e.id ->> 'pass')::boolean END AS pass
      ) s
      WHERE r."runId" = ${runId}
      GROUP BY r."runVersionId", e.id`,
    baseline === null
      ? Promise.resolve([] as Array<Record<string, unknown>>)
      : db.$queryRaw<Array<Record<string, unknown>>>`
      SELECT c."runVersionId", count(*)::int AS regressions
      FROM "EvalResult" b JOIN "EvalResult" c ON c."itemId" = b."itemId" AND c."runId" = b."runId" AND c."runVersionId" <> b."runVersionId"
      WHERE b."runVersionId" = ${baseline} AND b.passed = true AND c.passed = false
      GROUP BY c."runVersionId"`,
  ]);

  const summaries = new Map<string, EvalVersionSummary>();
  const empty = (): EvalVersionSummary => ({
    items: 0,
    succeeded: 0,
    errored: 0,
    canceled: 0,
    expired: 0,
    costMicros: 0,
    latencyP50Ms: null,
    latencyP95Ms: null,
    evaluators: Object.fromEntries(evaluatorIds.map((id) => [id, evaluatorSummary({ scored: 0, sum: 0, sumSq: 0, judged: 0, passes: 0 })])),
    combined: evaluatorSummary({ scored: 0, sum: 0, sumSq: 0, judged: 0, passes: 0 }),
    regressions: baseline === null ? null : 0,
  });
  for (const v of run.versions) {
    const summary = empty();
    if (v.id === baseline) summary.regressions = null;
    summaries.set(v.id, summary);
  }
  const num = (value: unknown) => numberish.parse(value ?? null);
  const optionalNumber = (value: unknown) => (value === null || value === undefined ? null : Math.round(num(value)));
  for (const row of outcomeRows) {
    const summary = summaries.get(String(row.runVersionId));
    if (!summary) continue;
    summary.items = num(row.items);
    summary.succeeded = num(row.succeeded);
    summary.errored = num(row.errored);
    summary.canceled = num(row.canceled);
    summary.expired = num(row.expired);
    summary.costMicros = num(row.cost);
    summary.latencyP50Ms = optionalNumber(row.p50);
    summary.latencyP95Ms = optionalNumber(row.p95);
    summary.combined = evaluatorSummary({
      scored: num(row.scored),
      sum: num(row.sum),
      sumSq: num(row.sumSq),
      judged: num(row.judged),
      passes: num(row.passes),
    });
  }
  for (const row of evaluatorRows) {
    const summary = summaries.get(String(row.runVersionId));
    if (!summary) continue;
    summary.evaluators[String(row.evaluator)] = evaluatorSummary({
      scored: num(row.scored),
      sum: num(row.sum),
      sumSq: num(row.sumSq),
      judged: num(row.judged),
      passes: num(row.passes),
    });
  }
  for (const row of regressionRows) {
    const summary = summaries.get(String(row.runVersionId));
    if (summary && summary.regressions !== null) summary.regressions = num(row.regressions);
  }
  return { projectId: run.projectId, summaries };
}

/**
 * The release gate's verdict for one version's summary: the combined mean score (or the named
 * evaluator's) must be at least `minScore`, and with `failOnRegression` no item may have passed
 * on the baseline and fail here. (Labels and `maxAgeDays` are checked when a label moves.) A
 * version with nothing scored fails: there is no evidence it is good enough.
 */
export function gateVerdict(gate: ReleaseGate, summary: EvalVersionSummary): { passed: boolean; reasons: string[] } {
  const reasons: string[] = [];
  const figure = gate.evaluator ? summary.evaluators[gate.evaluator] : summary.combined;
  const what = gate.evaluator ? `evaluator "${gate.evaluator}"` : "the combined score";
  if (!figure) reasons.push(`${what} is not part of this run`);
  else if (figure.mean === null) reasons.push(`${what} has no scored items`);
  else if (figure.mean < gate.minScore) reasons.push(`${what} is ${figure.mean.toFixed(3)}, below the minimum ${gate.minScore}`);
  if (gate.failOnRegression && summary.regressions !== null && summary.regressions > 0) {
    reasons.push(
      `${summary.regressions} item${summary.regressions === 1 ? "" : "s"} passed on the baseline and fail${summary.regressions === 1 ? "s" : ""} here`,
    );
  }
  return { passed: reasons.length === 0, reasons };
}

/**
 * Writes `EvalRunVersion.summary` (and `gatePassed` against the project's `settings.evals.gate`;
 * null when the project has no gate) for every version of the run. Called by the worker when a
 * run ends; safe to call again (it recomputes from the results).
 */
export async function summarizeRun(runId: string): Promise<void> {
  const { projectId, summaries } = await computeRunSummaries(runId);
  const { settings } = await loadProjectSettings(projectId);
  const gate = settings.evalGate;
  const db = getDb();
  await db.$transaction(
    [...summaries].map(([runVersionId, summary]) => {
      let gatePassed: boolean | null = null;
      if (gate) {
        summary.gate = gateVerdict(gate, summary);
        gatePassed = summary.gate.passed;
      }
      return db.evalRunVersion.update({ where: { id: runVersionId }, data: { summary: summary as unknown as object, gatePassed } });
    }),
  );
}
