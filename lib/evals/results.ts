import { z } from "zod";
import type { Actor } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/record";
import { decodeCursor, encodeCursor } from "@/lib/datasets/queries";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import {
  cohensKappa,
  hodgesLehmann,
  mcnemarExact,
  pairedTTest,
  pairedVerdict,
  wilcoxonSignedRank,
  type Interval,
  type KappaResult,
  type PairedCounts,
  type PairedMeanTest,
  type PairedRateTest,
  type SignedRankTest,
} from "@/lib/experiments/stats";
import { Prisma } from "@/lib/generated/prisma/client";
import { hasRole } from "@/lib/projects/roles";
import type { EvaluatorScore, EvaluatorType } from "./evaluator-config";
import { baselineOf, runEvaluators } from "./summary";

export { summarizeRun, computeRunSummaries, gateVerdict, type EvalVersionSummary, type EvaluatorSummary } from "./summary";

/**
 * Reading an eval run's results: per-item rows with every version side by side (keyset paged),
 * the paired comparison of each version with the baseline, the human review of a result, and
 * the judge's agreement with people. Aggregation happens in PostgreSQL; per-item data leaves
 * the database only a page at a time (and, for the paired tests, as one float array per
 * evaluator).
 */

export type EvalOutcomeName = "pending" | "succeeded" | "errored" | "canceled" | "expired";
export type ReviewVerdictName = "correct" | "incorrect" | "skip";

/** One version's result for one item. */
export interface EvalResultCell {
  resultId: string;
  runVersionId: string;
  /** The version's display name ("1.2.0", "1.3.0-draft"). */
  display: string;
  outcome: EvalOutcomeName;
  output: string | null;
  error: string | null;
  /** Per evaluator: score, pass, the judge's reason or the scorer's explanation. */
  scores: Record<string, EvaluatorScore>;
  /** Mean of the evaluators' scores; null when none scored. */
  score: number | null;
  passed: boolean | null;
  costMicros: number;
  latencyMs: number | null;
  inputTokens: number;
  outputTokens: number;
  callLogId: string | null;
  review: { verdict: ReviewVerdictName; note: string | null; reviewerId: string | null; reviewedAt: Date } | null;
  /** Passed on the baseline and fails here. */
  regression: boolean;
}

/** One dataset item with each version's result (in the run's version order). */
export interface EvalItemRow {
  itemId: string;
  key: string;
  ordinal: number;
  variables: Record<string, unknown>;
  expected: unknown;
  results: EvalResultCell[];
  /** Some version regressed on this item. */
  regression: boolean;
}

export type ResultsFilter = "all" | "regressions" | "failed" | "unreviewed";
export const resultsFilterSchema = z.enum(["all", "regressions", "failed", "unreviewed"]);

export const MAX_RESULTS_PAGE = 500;
export const DEFAULT_RESULTS_PAGE = 50;

interface RunShape {
  id: string;
  datasetId: string;
  datasetVersion: number;
  baselineRunVersionId: string | null;
  evaluators: unknown;
  versions: Array<{ id: string; position: number; display: string }>;
}

async function loadRun(runId: string, projectId: string): Promise<RunShape> {
  const run = await getDb().evalRun.findFirst({
    where: { id: runId, projectId },
    select: {
      id: true,
      datasetId: true,
      datasetVersion: true,
      baselineRunVersionId: true,
      evaluators: true,
      versions: { select: { id: true, position: true, display: true }, orderBy: { position: "asc" } },
    },
  });
  if (!run) throw new AppError("not_found", `Eval run ${runId} not found`);
  return run;
}

/** The SQL condition (on dataset item `i`) of a results filter. */
function filterCondition(filter: ResultsFilter, versionIds: string[], baseline: string | null): Prisma.Sql {
  const anyResult = (condition: Prisma.Sql) =>
    Prisma.sql`EXISTS (SELECT 1 FROM "EvalResult" r WHERE r."runVersionId" = ANY(${versionIds}::text[]) AND r."itemId" = i.id${condition})`;
  switch (filter) {
    case "all":
      return anyResult(Prisma.empty);
    case "failed":
      return anyResult(Prisma.sql` AND (r.passed = false OR r.outcome IN ('errored', 'canceled', 'expired'))`);
    case "unreviewed":
      return anyResult(Prisma.sql` AND r.outcome = 'succeeded' AND r."reviewVerdict" IS NULL`);
    case "regressions": {
      const others = versionIds.filter((id) => id !== baseline);
      if (baseline === null || others.length === 0) return Prisma.sql`false`;
      return Prisma.sql`EXISTS (SELECT 1 FROM "EvalResult" b WHERE b."runVersionId" = ${baseline} AND b."itemId" = i.id AND b.passed = true)
        AND EXISTS (SELECT 1 FROM "EvalResult" c WHERE c."runVersionId" = ANY(${others}::text[]) AND c."itemId" = i.id AND c.passed = false)`;
    }
  }
}

const storedScoreSchema = z.object({
  score: z.number().nullable().catch(null),
  pass: z.boolean().nullable().catch(null),
  reason: z.string().optional().catch(undefined),
  error: z.string().optional().catch(undefined),
});

/** `EvalResult.scores` as stored; malformed entries are read as unscored rather than failing the page. */
function readScores(raw: unknown): Record<string, EvaluatorScore> {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return {};
  const out: Record<string, EvaluatorScore> = {};
  for (const [id, value] of Object.entries(raw as Record<string, unknown>)) {
    const parsed = storedScoreSchema.safeParse(value);
    const s: EvaluatorScore = parsed.success ? { score: parsed.data.score, pass: parsed.data.pass } : { score: null, pass: null, error: "unreadable score" };
    if (parsed.success && parsed.data.reason !== undefined) s.reason = parsed.data.reason;
    if (parsed.success && parsed.data.error !== undefined) s.error = parsed.data.error;
    out[id] = s;
  }
  return out;
}

/**
 * One page of a run's items, each with every version's result side by side, in dataset order
 * (keyset on the item's ordinal and id; `after` is the previous page's `nextCursor`). Filters:
 * `regressions` (passed on the baseline, fails on another version), `failed` (some version
 * failed or has no output), `unreviewed` (some output without a person's verdict). `total`
 * counts the items that match the filter. not_found for a run outside the project; bad_request
 * for a cursor this function did not return.
 */
export async function getRunResults(
  runId: string,
  projectId: string,
  page: { after?: string; limit?: number; filter?: ResultsFilter } = {},
): Promise<{ rows: EvalItemRow[]; nextCursor: string | null; total: number }> {
  const run = await loadRun(runId, projectId);
  const filter = resultsFilterSchema.parse(page.filter ?? "all");
  const requested = page.limit !== undefined && Number.isFinite(page.limit) ? Math.floor(page.limit) : DEFAULT_RESULTS_PAGE;
  const limit = Math.min(MAX_RESULTS_PAGE, Math.max(1, requested));
  const after = page.after ? decodeCursor(page.after) : null;
  const versionIds = run.versions.map((v) => v.id);
  if (versionIds.length === 0) return { rows: [], nextCursor: null, total: 0 };
  const baseline = baselineOf(run, run.versions);
  const db = getDb();
  const inRun = Prisma.sql`i."datasetId" = ${run.datasetId} AND i."fromVersion" <= ${run.datasetVersion} AND (i."toVersion" IS NULL OR i."toVersion" > ${run.datasetVersion}) AND ${filterCondition(filter, versionIds, baseline)}`;
  const keyset = after ? Prisma.sql` AND (i.ordinal, i.id) > (${after.ordinal}, ${after.id})` : Prisma.empty;
  const [items, counted] = await Promise.all([
    db.$queryRaw<Array<{ id: string; key: string; ordinal: number; variables: unknown; expected: unknown }>>`
      SELECT i.id, i.key, i.ordinal, i.variables, i.expected FROM "DatasetItem" i
      WHERE ${inRun}${keyset} ORDER BY i.ordinal, i.id LIMIT ${limit + 1}`,
    db.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM "DatasetItem" i WHERE ${inRun}`,
  ]);
  const pageItems = items.slice(0, limit);
  const ids = pageItems.map((i) => i.id);
  const results =
    ids.length === 0
      ? []
      : await db.evalResult.findMany({
          where: { runVersionId: { in: versionIds }, itemId: { in: ids } },
          select: {
            id: true,
            runVersionId: true,
            itemId: true,
            outcome: true,
            output: true,
            error: true,
            scores: true,
            score: true,
            passed: true,
            costMicros: true,
            latencyMs: true,
            inputTokens: true,
            outputTokens: true,
            callLogId: true,
            reviewVerdict: true,
            reviewNote: true,
            reviewerId: true,
            reviewedAt: true,
          },
        });
  const byItem = new Map<string, typeof results>();
  for (const r of results) {
    const list = byItem.get(r.itemId) ?? [];
    list.push(r);
    byItem.set(r.itemId, list);
  }
  const position = new Map(run.versions.map((v) => [v.id, v.position]));
  const display = new Map(run.versions.map((v) => [v.id, v.display]));
  const rows: EvalItemRow[] = pageItems.map((item) => {
    const list = (byItem.get(item.id) ?? []).sort((a, b) => (position.get(a.runVersionId) ?? 0) - (position.get(b.runVersionId) ?? 0));
    const basePassed = list.find((r) => r.runVersionId === baseline)?.passed === true;
    const cells: EvalResultCell[] = list.map((r) => ({
      resultId: r.id,
      runVersionId: r.runVersionId,
      display: display.get(r.runVersionId) ?? "",
      outcome: r.outcome,
      output: r.output,
      error: r.error,
      scores: readScores(r.scores),
      score: r.score,
      passed: r.passed,
      costMicros: Number(r.costMicros),
      latencyMs: r.latencyMs,
      inputTokens: r.inputTokens,
      outputTokens: r.outputTokens,
      callLogId: r.callLogId,
      review: r.reviewVerdict && r.reviewedAt ? { verdict: r.reviewVerdict, note: r.reviewNote, reviewerId: r.reviewerId, reviewedAt: r.reviewedAt } : null,
      regression: basePassed && r.runVersionId !== baseline && r.passed === false,
    }));
    return {
      itemId: item.id,
      key: item.key,
      ordinal: item.ordinal,
      variables: item.variables && typeof item.variables === "object" && !Array.isArray(item.variables) ? (item.variables as Record<string, unknown>) : {},
      expected: item.expected ?? null,
      results: cells,
      regression: cells.some((c) => c.regression),
    };
  });
  const last = pageItems.at(-1);
  return { rows, nextCursor: items.length > limit && last ? encodeCursor(last.ordinal, last.id) : null, total: counted[0]?.n ?? 0 };
}

// ---------------------------------------------------------------- paired comparison

export interface EvaluatorComparison {
  /** null for the combined figure (EvalResult.passed / score). */
  evaluatorId: string | null;
  type: EvaluatorType | null;
  /** Pairs where both versions have a pass/fail. */
  passFail: PairedCounts & { n: number; test: PairedRateTest | null };
  /** Pairs where both versions have a score; differences are candidate - baseline (Wilcoxon and Hodges–Lehmann for graded scores only). */
  scores: { n: number; pairedT: PairedMeanTest | null; wilcoxon: SignedRankTest | null; hodgesLehmann: { estimate: number; ci: Interval | null } | null };
  /** The headline: pass rate (McNemar) for pass/fail evaluators and the combined figure, mean score (paired t) for graded ones (similarity, judge). */
  verdict: { significant: boolean; direction: "better" | "worse" | "none"; text: string };
  passVerdict: { significant: boolean; direction: "better" | "worse" | "none"; text: string };
  scoreVerdict: { significant: boolean; direction: "better" | "worse" | "none"; text: string };
}

export interface PairedComparison {
  runVersionId: string;
  display: string;
  baseline: { runVersionId: string; display: string };
  combined: EvaluatorComparison;
  evaluators: EvaluatorComparison[];
  /** Items that passed on the baseline and fail on this version (`count` all; `items` the first 200 in dataset order). */
  regressions: { count: number; items: Array<{ itemId: string; key: string; ordinal: number }> };
}

const GRADED: ReadonlySet<EvaluatorType> = new Set(["similarity", "llm_judge"]);
const REGRESSION_LIST_LIMIT = 200;

interface PairRow {
  version: string;
  evaluator: string | null;
  both_pass: number;
  baseline_only: number;
  candidate_only: number;
  both_fail: number;
  /**
   * The score differences as comma-separated text: PostgreSQL writes float8 in shortest
   * round-trip form, and one string parses several times faster than a float8[] through the driver.
   */
  diffs: string | null;
}

function compareOne(
  row: PairRow | undefined,
  evaluatorId: string | null,
  type: EvaluatorType | null,
  candidate: string,
  baseline: string,
): EvaluatorComparison {
  const counts: PairedCounts = {
    bothPass: row?.both_pass ?? 0,
    baselineOnly: row?.baseline_only ?? 0,
    candidateOnly: row?.candidate_only ?? 0,
    bothFail: row?.both_fail ?? 0,
  };
  const rate = mcnemarExact(counts);
  // The combined score (a mean over evaluators) is graded too.
  const graded = type === null || GRADED.has(type);
  const diffs = row?.diffs
    ? row.diffs
        .split(",")
        .map(Number)
        .filter((d) => Number.isFinite(d))
    : [];
  const t = pairedTTest(diffs);
  const passVerdict = pairedVerdict({
    candidate,
    baseline,
    kind: "rate",
    difference: rate?.difference ?? 0,
    ci: rate?.differenceCi ?? null,
    pValue: rate?.pValue ?? null,
  });
  const scoreVerdict = pairedVerdict({
    candidate,
    baseline,
    kind: "score",
    difference: t?.difference ?? 0,
    ci: t?.differenceCi ?? null,
    pValue: t?.pValue ?? null,
  });
  return {
    evaluatorId,
    type,
    passFail: { ...counts, n: counts.bothPass + counts.baselineOnly + counts.candidateOnly + counts.bothFail, test: rate },
    // Rank-based figures only where scores are graded: for 0/1 scores McNemar already says it all.
    scores: {
      n: diffs.length,
      pairedT: t,
      wilcoxon: graded ? wilcoxonSignedRank(diffs) : null,
      hodgesLehmann: graded ? hodgesLehmann(diffs) : null,
    },
    verdict: type !== null && GRADED.has(type) ? scoreVerdict : passVerdict,
    passVerdict,
    scoreVerdict,
  };
}

/**
 * Each non-baseline version against the baseline on the same items, per evaluator and combined:
 * McNemar's exact test (with Newcombe's interval) for pass/fail, paired t, Wilcoxon signed-rank
 * and Hodges–Lehmann for scores, the verdict in words, and the regressions. The 2x2 counts are
 * aggregated in PostgreSQL; the score differences come back as one array per evaluator.
 */
export async function compareToBaseline(runId: string, projectId: string): Promise<PairedComparison[]> {
  const run = await loadRun(runId, projectId);
  const baseline = baselineOf(run, run.versions);
  if (baseline === null || run.versions.length < 2) return [];
  const evaluators = runEvaluators(run.evaluators);
  const ids = evaluators.map((e) => e.id);
  const db = getDb();
  const [perEvaluator, combinedRows, regressionRows] = await Promise.all([
    ids.length === 0
      ? Promise.resolve([] as PairRow[])
      : db.$queryRaw<PairRow[]>`
      SELECT c."runVersionId" AS version, e.id AS evaluator,
        count(*) FILTER (WHERE s.bp AND s.cp)::int AS both_pass,
        count(*) FILTER (WHERE s.bp AND NOT s.cp)::int AS baseline_only,
        count(*) FILTER (WHERE NOT s.bp AND s.cp)::int AS candidate_only,
        count(*) FILTER (WHERE NOT s.bp AND NOT s.cp)::int AS both_fail,
        string_agg((s.cs - s.bs)::text, ',') FILTER (WHERE s.bs IS NOT NULL AND s.cs IS NOT NULL) AS diffs
      FROM "EvalResult" b
      JOIN "EvalResult" c ON c."runId" = b."runId" AND c."itemId" = b."itemId" AND c."runVersionId" <> b."runVersionId"
      CROSS JOIN unnest(${ids}::text[]) AS e(id)
      CROSS JOIN LATERAL (
        SELECT
          CASE WHEN jsonb_typeof(b.scores -> e.id -> 'pass') = 'boolean' THEN (b.scores -> e.id ->> 'pass')::boolean END AS bp,
          CASE WHEN jsonb_typeof(c.scores -> e.id -> 'pass') = 'boolean' THEN (c.scores -> e.id ->> 'pass')::boolean END AS cp,
          CASE WHEN jsonb_typeof(b.scores -> e.id -> 'score') = 'number' THEN (b.scores -> e.id ->> 'score')::float8 END AS bs,
          CASE WHEN jsonb_typeof(c.scores -> e.id -> 'score') = 'number' THEN (c.scores -> e.id ->> 'score')::float8 END AS cs
      ) s
      WHERE b."runVersionId" = ${baseline}
      GROUP BY c."runVersionId", e.id`,
    db.$queryRaw<PairRow[]>`
      SELECT c."runVersionId" AS version, NULL AS evaluator,
        count(*) FILTER (WHERE b.passed AND c.passed)::int AS both_pass,
        count(*) FILTER (WHERE b.passed AND NOT c.passed)::int AS baseline_only,
        count(*) FILTER (WHERE NOT b.passed AND c.passed)::int AS candidate_only,
        count(*) FILTER (WHERE NOT b.passed AND NOT c.passed)::int AS both_fail,
        string_agg((c.score - b.score)::text, ',') FILTER (WHERE b.score IS NOT NULL AND c.score IS NOT NULL) AS diffs
      FROM "EvalResult" b
      JOIN "EvalResult" c ON c."runId" = b."runId" AND c."itemId" = b."itemId" AND c."runVersionId" <> b."runVersionId"
      WHERE b."runVersionId" = ${baseline}
      GROUP BY c."runVersionId"`,
    db.$queryRaw<Array<{ version: string; total: number; itemId: string; key: string; ordinal: number }>>`
      SELECT version, total, "itemId", key, ordinal FROM (
        SELECT c."runVersionId" AS version, i.id AS "itemId", i.key, i.ordinal,
          (count(*) OVER (PARTITION BY c."runVersionId"))::int AS total,
          row_number() OVER (PARTITION BY c."runVersionId" ORDER BY i.ordinal, i.id) AS rank
        FROM "EvalResult" b
        JOIN "EvalResult" c ON c."runId" = b."runId" AND c."itemId" = b."itemId" AND c."runVersionId" <> b."runVersionId"
        JOIN "DatasetItem" i ON i.id = b."itemId"
        WHERE b."runVersionId" = ${baseline} AND b.passed = true AND c.passed = false
      ) ranked WHERE rank <= ${REGRESSION_LIST_LIMIT} ORDER BY version, ordinal, "itemId"`,
  ]);
  const baseDisplay = run.versions.find((v) => v.id === baseline)!.display;
  return run.versions
    .filter((v) => v.id !== baseline)
    .map((v) => {
      const regressions = regressionRows.filter((r) => r.version === v.id);
      return {
        runVersionId: v.id,
        display: v.display,
        baseline: { runVersionId: baseline, display: baseDisplay },
        combined: compareOne(
          combinedRows.find((r) => r.version === v.id),
          null,
          null,
          v.display,
          baseDisplay,
        ),
        evaluators: evaluators.map((e) =>
          compareOne(
            perEvaluator.find((r) => r.version === v.id && r.evaluator === e.id),
            e.id,
            e.type,
            v.display,
            baseDisplay,
          ),
        ),
        regressions: { count: regressions[0]?.total ?? 0, items: regressions.map((r) => ({ itemId: r.itemId, key: r.key, ordinal: r.ordinal })) },
      };
    });
}

// ---------------------------------------------------------------- human review

export const REVIEW_NOTE_MAX = 2_000;
export const reviewInputSchema = z.strictObject({
  verdict: z.enum(["correct", "incorrect", "skip"]),
  note: z
    .string()
    .max(REVIEW_NOTE_MAX, `a note has at most ${REVIEW_NOTE_MAX} characters`)
    .transform((s) => s.replaceAll("\u0000", "").trim())
    .optional(),
});
export type ReviewInput = z.input<typeof reviewInputSchema>;

/**
 * A person's verdict on one result (correct / incorrect / skip, with an optional note), by an
 * editor of the project; replaces an earlier verdict. Audited (`eval_result.review`, before and
 * after). forbidden below EDITOR or for an API key; not_found for a result outside the project;
 * unprocessable for bad input or a result without output.
 */
export async function recordReview(resultId: string, input: ReviewInput, ctx: { projectId: string; actor: Actor }): Promise<void> {
  if (ctx.actor.kind !== "user" || !hasRole(ctx.actor.role, "EDITOR")) throw new AppError("forbidden", "Reviewing results needs an editor of the project");
  const parsed = reviewInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError("unprocessable", "Invalid review", {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join(".") || "(root)", message: i.message })),
    });
  }
  const { verdict, note } = parsed.data;
  const userId = ctx.actor.userId;
  await getDb().$transaction(async (tx) => {
    const result = await tx.evalResult.findFirst({
      where: { id: resultId, run: { projectId: ctx.projectId } },
      select: { id: true, runId: true, output: true, reviewVerdict: true, reviewNote: true },
    });
    if (!result) throw new AppError("not_found", `Result ${resultId} not found`);
    if (result.output === null)
      throw new AppError("unprocessable", "This result has no output to review (it errored, expired, was canceled or is still pending)");
    await tx.evalResult.update({
      where: { id: resultId },
      data: { reviewVerdict: verdict, reviewNote: note ? note : null, reviewerId: userId, reviewedAt: new Date() },
    });
    await recordAudit(tx, ctx.actor, {
      action: "eval_result.review",
      targetType: "eval_result",
      targetId: resultId,
      before: result.reviewVerdict ? { verdict: result.reviewVerdict, note: result.reviewNote } : null,
      after: { runId: result.runId, verdict, note: note ? note : null },
    });
  });
}

// ---------------------------------------------------------------- judge calibration

export interface EvaluatorCalibration {
  evaluatorId: string;
  type: EvaluatorType;
  /** The rubric prompt of a judge (null for code scorers). */
  rubric: string | null;
  /** Outputs with both the evaluator's pass/fail and a person's verdict. */
  n: number;
  /** Rows: the person; columns: the evaluator. */
  matrix: { correctPass: number; correctFail: number; incorrectPass: number; incorrectFail: number };
  /** Share of outputs where evaluator and person agree. */
  agreement: number | null;
  kappa: KappaResult | null;
  /** Where the people's verdicts came from: reviews of eval results, or scores on the logged calls. */
  sources: { reviews: number; callScores: number };
}

export interface Calibration {
  evaluators: EvaluatorCalibration[];
}

/**
 * How well each evaluator agrees with people, judges first: over the project's eval results (or
 * one run's) with a person's verdict — a review (correct / incorrect; skip does not count), else
 * the score a person gave the logged call of that output in the call explorer (>= 0.5 =
 * correct) — the 2x2 confusion matrix against the evaluator's pass/fail and Cohen's kappa with
 * its 95% interval. Grouped by evaluator id and rubric prompt; counted in PostgreSQL.
 */
export async function judgeCalibration(projectId: string, filter: { runId?: string; evaluatorId?: string } = {}): Promise<Calibration> {
  const runFilter = filter.runId ? Prisma.sql` AND run.id = ${filter.runId}` : Prisma.empty;
  const evaluatorFilter = filter.evaluatorId ? Prisma.sql` AND ev ->> 'id' = ${filter.evaluatorId}` : Prisma.empty;
  const rows = await getDb().$queryRaw<
    Array<{ evaluator: string; type: string; rubric: string | null; human: boolean; judge: boolean; source: string; n: number }>
  >`
    SELECT ev ->> 'id' AS evaluator, ev ->> 'type' AS type, ev ->> 'prompt' AS rubric, p.human, j.judge, p.source, count(*)::int AS n
    FROM (
      -- One person's verdict per result. The logged call's score is a primary-key lookup per
      -- unreviewed result (a scalar subquery, never a join): the cost follows the eval results,
      -- never the size of the call log. OFFSET 0 keeps this subquery from being flattened.
      SELECT r.scores, run.evaluators,
        CASE WHEN r."reviewVerdict" = 'correct' THEN true
             WHEN r."reviewVerdict" = 'incorrect' THEN false
             WHEN r."reviewVerdict" IS NULL AND r."callLogId" IS NOT NULL THEN (SELECT c.score >= 0.5 FROM "CallLog" c WHERE c.id = r."callLogId")
        END AS human,
        CASE WHEN r."reviewVerdict" IS NULL THEN 'call' ELSE 'review' END AS source
      FROM "EvalResult" r
      JOIN "EvalRun" run ON run.id = r."runId"
      WHERE run."projectId" = ${projectId}${runFilter} AND (r."reviewVerdict" IS NULL OR r."reviewVerdict" <> 'skip')
      OFFSET 0
    ) p
    CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(p.evaluators) = 'array' THEN p.evaluators ELSE '[]'::jsonb END) AS ev
    CROSS JOIN LATERAL (
      SELECT CASE WHEN jsonb_typeof(p.scores -> (ev ->> 'id') -> 'pass') = 'boolean' THEN (p.scores -> (ev ->> 'id') ->> 'pass')::boolean END AS judge
    ) j
    WHERE p.human IS NOT NULL AND j.judge IS NOT NULL${evaluatorFilter}
    GROUP BY 1, 2, 3, 4, 5, 6`;
  const groups = new Map<string, EvaluatorCalibration>();
  for (const row of rows) {
    const key = `${row.evaluator}\u0000${row.rubric ?? ""}`;
    let entry = groups.get(key);
    if (!entry) {
      entry = {
        evaluatorId: row.evaluator,
        type: row.type as EvaluatorType,
        rubric: row.rubric,
        n: 0,
        matrix: { correctPass: 0, correctFail: 0, incorrectPass: 0, incorrectFail: 0 },
        agreement: null,
        kappa: null,
        sources: { reviews: 0, callScores: 0 },
      };
      groups.set(key, entry);
    }
    entry.n += row.n;
    if (row.human && row.judge) entry.matrix.correctPass += row.n;
    else if (row.human) entry.matrix.correctFail += row.n;
    else if (row.judge) entry.matrix.incorrectPass += row.n;
    else entry.matrix.incorrectFail += row.n;
    if (row.source === "review") entry.sources.reviews += row.n;
    else entry.sources.callScores += row.n;
  }
  const evaluators = [...groups.values()].map((e) => {
    const m = e.matrix;
    e.agreement = e.n > 0 ? (m.correctPass + m.incorrectFail) / e.n : null;
    e.kappa = cohensKappa([
      [m.correctPass, m.correctFail],
      [m.incorrectPass, m.incorrectFail],
    ]);
    return e;
  });
  evaluators.sort((a, b) => Number(b.type === "llm_judge") - Number(a.type === "llm_judge") || a.evaluatorId.localeCompare(b.evaluatorId));
  return { evaluators };
}

// ------------------------------------------------------------------ routing breakdown

/** One routing rule's items in a run: their score and cost on the routed model and, paired, on the baseline. */
export interface RoutingRuleRow {
  /** The rule that fired ("default": none matched; "(call not kept)" when the call log row is gone). */
  rule: string;
  /** The model the rule picked. */
  model: string;
  items: number;
  /** Mean of the items' combined scores (null when none scored). */
  score: number | null;
  /** Share of scored items that passed (null when none). */
  passRate: number | null;
  costMicros: number;
  /** The same items on the baseline (paired by item; null figures without a baseline result). */
  baseline: { items: number; score: number | null; passRate: number | null; costMicros: number } | null;
}

export interface RoutingBreakdown {
  runVersionId: string;
  display: string;
  /** The baseline's display (the version on its own model in a routing comparison); null without one. */
  baselineDisplay: string | null;
  rules: RoutingRuleRow[];
}

const CALL_GONE = "(call not kept)";

/**
 * Per run version that has routing rules: its succeeded items grouped by the rule that fired and
 * the model it picked (read from the items' logged calls), each with its mean score, pass rate
 * and cost, beside the same items' figures on the baseline (a routing comparison's baseline is
 * the version on its own model, so a row shows what the rule's model changed in quality and
 * cost). One grouped query per routed version; empty when no version routes.
 */
export async function routingBreakdown(runId: string, projectId: string): Promise<RoutingBreakdown[]> {
  const db = getDb();
  const run = await db.evalRun.findFirst({
    where: { id: runId, projectId },
    select: { baselineRunVersionId: true, versions: { select: { id: true, position: true, display: true, snapshot: true }, orderBy: { position: "asc" } } },
  });
  if (!run) throw new AppError("not_found", `Eval run ${runId} not found`);
  const baseline = baselineOf(run, run.versions);
  const baselineDisplay = run.versions.find((v) => v.id === baseline)?.display ?? null;
  const routed = run.versions.filter((v) => {
    const rules = (v.snapshot as { content?: { modelConfig?: { routing?: { rules?: unknown } } } } | null)?.content?.modelConfig?.routing?.rules;
    return Array.isArray(rules) && rules.length > 0;
  });
  const out: RoutingBreakdown[] = [];
  for (const v of routed) {
    const against = baseline !== null && baseline !== v.id ? baseline : null;
    const rows = await db.$queryRaw<Array<Record<string, unknown>>>`
      SELECT COALESCE(c."routingRule", ${CALL_GONE}) AS "rule", COALESCE(c."routedModel", c."model", '') AS "model",
        count(*)::int AS "items",
        avg(r."score")::float8 AS "score",
        avg(CASE WHEN r."passed" THEN 1.0 WHEN NOT r."passed" THEN 0.0 END)::float8 AS "passRate",
        sum(r."costMicros")::float8 AS "costMicros",
        count(b."id")::int AS "baseItems",
        avg(b."score")::float8 AS "baseScore",
        avg(CASE WHEN b."passed" THEN 1.0 WHEN NOT b."passed" THEN 0.0 END)::float8 AS "basePassRate",
        COALESCE(sum(b."costMicros"), 0)::float8 AS "baseCostMicros"
      FROM "EvalResult" r
      LEFT JOIN "CallLog" c ON c."id" = r."callLogId"
      LEFT JOIN "EvalResult" b ON b."runVersionId" = ${against} AND b."itemId" = r."itemId" AND b."outcome" = 'succeeded'
      WHERE r."runVersionId" = ${v.id} AND r."outcome" = 'succeeded'
      GROUP BY 1, 2 ORDER BY 3 DESC, 1`;
    const num = (x: unknown) => (x === null || x === undefined ? null : Number(x));
    out.push({
      runVersionId: v.id,
      display: v.display,
      baselineDisplay: against ? baselineDisplay : null,
      rules: rows.map((r) => ({
        rule: String(r.rule),
        model: String(r.model),
        items: Number(r.items),
        score: num(r.score),
        passRate: num(r.passRate),
        costMicros: Number(r.costMicros),
        baseline: against ? { items: Number(r.baseItems), score: num(r.baseScore), passRate: num(r.basePassRate), costMicros: Number(r.baseCostMicros) } : null,
      })),
    });
  }
  return out;
}
