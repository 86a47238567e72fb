import type { BodyPolicy } from "@/lib/calls/record";
import { getDb } from "@/lib/db/client";
import type { EvaluatorConfig, EvaluatorScore } from "./evaluator-config";
import { combineScores, scoreOutput, type CodeEvaluatorConfig } from "./scorers";
import type { JudgeSnapshots } from "./runs";
import { readSnapshot, type VersionSnapshot } from "./snapshot";

/**
 * The units of work of an eval run and how their outcomes are stored. A task is one request:
 * `generate` (one item x version) or `judge` (one judge evaluator on one succeeded output). Its
 * id is the Message Batches custom_id: the EvalResult id (32 hex) for generate,
 * `j<k>_<resultId>` for judge k. Pending tasks are read from the tables (outcome `pending`; no
 * score under the judge's id yet), so any worker can pick the run up where another stopped.
 */

export type Purpose = "generate" | "judge";
export type JudgeConfig = Extract<EvaluatorConfig, { type: "llm_judge" }>;

export interface RunState {
  id: string;
  projectId: string;
  promptId: string;
  mode: "batch" | "realtime";
  status: string;
  phase: string;
  cancelRequested: boolean;
  codeEvaluators: CodeEvaluatorConfig[];
  judges: Array<{ index: number; config: JudgeConfig; snapshot: VersionSnapshot }>;
  /** By EvalRunVersion id. */
  versions: Map<string, VersionSnapshot>;
  /** Prompt version ids (of the run's versions and judges) that still exist: a deleted one is logged with no version link. */
  liveVersionIds: Set<string>;
  bodies?: BodyPolicy;
}

export interface GenerateTask {
  purpose: "generate";
  id: string;
  resultId: string;
  runVersionId: string;
  variables: Record<string, unknown>;
  expected: unknown;
}

export interface JudgeTask {
  purpose: "judge";
  id: string;
  resultId: string;
  judgeIndex: number;
  variables: Record<string, unknown>;
  expected: unknown;
  output: string;
}

export type Task = GenerateTask | JudgeTask;

export interface GenerateOutcome {
  purpose: "generate";
  resultId: string;
  /** `pending` keeps the task for a follow-up batch (a transient error), with `error` saying why. */
  outcome: "succeeded" | "errored" | "canceled" | "expired" | "pending";
  output?: string | null;
  error?: string | null;
  callLogId?: string | null;
  costMicros: number;
  latencyMs?: number | null;
  inputTokens?: number;
  outputTokens?: number;
}

export interface JudgeOutcome {
  purpose: "judge";
  resultId: string;
  judgeId: string;
  /** null keeps the task for a follow-up batch. */
  score: EvaluatorScore | null;
  costMicros: number;
}

export type TaskOutcome = GenerateOutcome | JudgeOutcome;

/** PostgreSQL text refuses NUL, and jsonb refuses lone surrogates: model output is cleaned before it is stored. */
export function cleanOutput(text: string): string {
  return text.replaceAll("\u0000", "").replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

export function judgeTaskId(judgeIndex: number, resultId: string): string {
  return `j${judgeIndex}_${resultId}`;
}

/** custom_id -> what it stands for (null for ids this run never sent). */
export function parseTaskId(customId: string): { purpose: "generate"; resultId: string } | { purpose: "judge"; judgeIndex: number; resultId: string } | null {
  const judge = /^j(\d+)_([a-zA-Z0-9]+)$/.exec(customId);
  if (judge) return { purpose: "judge", judgeIndex: Number(judge[1]), resultId: judge[2]! };
  return /^[a-zA-Z0-9]+$/.test(customId) ? { purpose: "generate", resultId: customId } : null;
}

/** Loads what a step needs to know about a run; null when it does not exist. */
export async function loadRunState(runId: string): Promise<RunState | null> {
  const db = getDb();
  const run = await db.evalRun.findUnique({ where: { id: runId }, include: { versions: { orderBy: { position: "asc" } } } });
  if (!run) return null;
  const evaluators = run.evaluators as unknown as EvaluatorConfig[];
  const judgeSnapshots = ((run.estimate as { judges?: JudgeSnapshots } | null)?.judges ?? {}) as JudgeSnapshots;
  const judges: RunState["judges"] = [];
  evaluators.forEach((config, index) => {
    if (config.type !== "llm_judge") return;
    const snapshot = judgeSnapshots[config.id];
    if (!snapshot) throw new Error(`the run has no frozen version of judge "${config.id}"`);
    judges.push({ index, config, snapshot: readSnapshot(snapshot) });
  });
  const versions = new Map(run.versions.map((v) => [v.id, readSnapshot(v.snapshot)]));
  const ids = [...versions.values(), ...judges.map((j) => j.snapshot)].map((s) => s.versionId);
  const live = await db.promptVersion.findMany({ where: { id: { in: ids } }, select: { id: true } });
  return {
    id: run.id,
    projectId: run.projectId,
    promptId: run.promptId,
    mode: run.mode,
    status: run.status,
    phase: run.phase,
    cancelRequested: run.cancelRequested,
    codeEvaluators: evaluators.filter((e): e is CodeEvaluatorConfig => e.type !== "llm_judge"),
    judges,
    versions,
    liveVersionIds: new Set(live.map((v) => v.id)),
  };
}

/** The next `limit` pending tasks of `purpose` after `after` (task order: result id; judges one after another). */
export async function loadPendingTasks(run: RunState, purpose: Purpose, options: { after?: string; limit: number; judgeIndex?: number }): Promise<Task[]> {
  const db = getDb();
  const after = options.after ?? "";
  if (purpose === "generate") {
    const rows = await db.$queryRaw<Array<{ id: string; runVersionId: string; variables: Record<string, unknown>; expected: unknown }>>`
      SELECT r.id, r."runVersionId", i.variables, i.expected
      FROM "EvalResult" r JOIN "DatasetItem" i ON i.id = r."itemId"
      WHERE r."runId" = ${run.id} AND r.outcome = 'pending' AND r.id > ${after}
      ORDER BY r.id LIMIT ${options.limit}`;
    return rows.map((r) => ({ purpose: "generate", id: r.id, resultId: r.id, runVersionId: r.runVersionId, variables: r.variables, expected: r.expected }));
  }
  const judges = options.judgeIndex === undefined ? run.judges : run.judges.filter((j) => j.index === options.judgeIndex);
  const tasks: Task[] = [];
  for (const judge of judges) {
    const rows = await db.$queryRaw<Array<{ id: string; variables: Record<string, unknown>; expected: unknown; output: string | null }>>`
      SELECT r.id, i.variables, i.expected, r.output
      FROM "EvalResult" r JOIN "DatasetItem" i ON i.id = r."itemId"
      WHERE r."runId" = ${run.id} AND r.outcome = 'succeeded' AND NOT jsonb_exists(r.scores, ${judge.config.id}) AND r.id > ${after}
      ORDER BY r.id LIMIT ${options.limit - tasks.length}`;
    for (const r of rows) {
      tasks.push({
        purpose: "judge",
        id: judgeTaskId(judge.index, r.id),
        resultId: r.id,
        judgeIndex: judge.index,
        variables: r.variables,
        expected: r.expected,
        output: r.output ?? "",
      });
    }
    if (tasks.length >= options.limit) break;
  }
  return tasks;
}

/** The tasks behind a page of custom_ids (batch results), by custom_id. */
export async function loadTasksById(run: RunState, customIds: readonly string[]): Promise<Map<string, Task>> {
  const parsed = customIds.map((id) => ({ id, parsed: parseTaskId(id) })).filter((p) => p.parsed !== null);
  const resultIds = [...new Set(parsed.map((p) => p.parsed!.resultId))];
  const rows = await getDb().$queryRaw<
    Array<{ id: string; runVersionId: string; variables: Record<string, unknown>; expected: unknown; output: string | null }>
  >`
    SELECT r.id, r."runVersionId", i.variables, i.expected, r.output
    FROM "EvalResult" r JOIN "DatasetItem" i ON i.id = r."itemId"
    WHERE r."runId" = ${run.id} AND r.id = ANY(${resultIds}::text[])`;
  const byId = new Map(rows.map((r) => [r.id, r]));
  const out = new Map<string, Task>();
  for (const { id, parsed: p } of parsed) {
    const row = byId.get(p!.resultId);
    if (!row) continue;
    if (p!.purpose === "generate") {
      out.set(id, { purpose: "generate", id, resultId: row.id, runVersionId: row.runVersionId, variables: row.variables, expected: row.expected });
    } else {
      out.set(id, {
        purpose: "judge",
        id,
        resultId: row.id,
        judgeIndex: p!.judgeIndex,
        variables: row.variables,
        expected: row.expected,
        output: row.output ?? "",
      });
    }
  }
  return out;
}

/** How many tasks of `purpose` are still pending. */
export async function countPending(run: RunState, purpose: Purpose): Promise<number> {
  const db = getDb();
  if (purpose === "generate") return db.evalResult.count({ where: { runId: run.id, outcome: "pending" } });
  let n = 0;
  for (const judge of run.judges) {
    const [row] = await db.$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM "EvalResult" WHERE "runId" = ${run.id} AND outcome = 'succeeded' AND NOT jsonb_exists(scores, ${judge.config.id})`;
    n += row?.n ?? 0;
  }
  return n;
}

/**
 * Stores outcomes: generate outcomes (with the code scorers' scores for succeeded outputs) only on
 * results still pending, judge scores only where that judge has not scored yet (so re-applying a
 * page after a restart changes nothing), and adds their cost to the run. CallLog ids that are not
 * in the log (the writer refused or has not written the row) are stored as null.
 */
export async function applyOutcomes(run: RunState, outcomes: readonly TaskOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  const db = getDb();
  let addedCost = 0;
  const generated = outcomes.filter((o): o is GenerateOutcome => o.purpose === "generate");
  if (generated.length > 0) {
    const expectedById = await loadExpected(generated.filter((o) => o.outcome === "succeeded").map((o) => o.resultId));
    const rows = generated.map((o) => {
      let scores: Record<string, EvaluatorScore> = {};
      if (o.outcome === "succeeded") {
        const info = expectedById.get(o.resultId);
        const version = info ? run.versions.get(info.runVersionId) : undefined;
        const outputSchema = version?.content.outputSchema.format === "json" ? version.content.outputSchema.schema : null;
        for (const config of run.codeEvaluators) {
          scores[config.id] = scoreOutput(config, { output: o.output ?? "", expected: info?.expected ?? null, outputSchema });
        }
      } else {
        scores = {};
      }
      const combined = combineScores(scores);
      return {
        id: o.resultId,
        outcome: o.outcome,
        output: o.output === undefined || o.output === null ? null : cleanOutput(o.output),
        error: o.error ? cleanOutput(o.error).slice(0, 4000) : null,
        callLogId: o.callLogId ?? null,
        costMicros: Math.round(o.costMicros),
        latencyMs: o.latencyMs === undefined || o.latencyMs === null ? null : Math.round(o.latencyMs),
        inputTokens: o.inputTokens ?? 0,
        outputTokens: o.outputTokens ?? 0,
        scores,
        score: combined.score,
        passed: combined.passed,
      };
    });
    const updated = await db.$queryRaw<Array<{ costMicros: bigint }>>`
      UPDATE "EvalResult" AS r SET
        outcome = x.outcome::"EvalOutcome", output = x.output, error = x.error,
        "callLogId" = (SELECT c.id FROM "CallLog" c WHERE c.id = x."callLogId"),
        "costMicros" = r."costMicros" + x."costMicros", "latencyMs" = x."latencyMs",
        "inputTokens" = r."inputTokens" + x."inputTokens", "outputTokens" = r."outputTokens" + x."outputTokens",
        scores = x.scores, score = x.score, passed = x.passed, "updatedAt" = now()
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(
        id text, outcome text, output text, error text, "callLogId" text, "costMicros" bigint, "latencyMs" int,
        "inputTokens" int, "outputTokens" int, scores jsonb, score float8, passed boolean)
      WHERE r.id = x.id AND r."runId" = ${run.id} AND r.outcome = 'pending'
      RETURNING x."costMicros"`;
    addedCost += updated.reduce((s, r) => s + Number(r.costMicros), 0);
  }

  const judged = outcomes.filter((o): o is JudgeOutcome => o.purpose === "judge");
  if (judged.length > 0) {
    addedCost += judged.reduce((s, o) => s + o.costMicros, 0);
    const final = judged.filter((o) => o.score !== null);
    if (final.length > 0) {
      await db.$transaction(async (tx) => {
        const ids = [...new Set(final.map((o) => o.resultId))];
        const current = await tx.$queryRaw<Array<{ id: string; scores: Record<string, EvaluatorScore> }>>`
          SELECT id, scores FROM "EvalResult" WHERE "runId" = ${run.id} AND id = ANY(${ids}::text[]) FOR UPDATE`;
        const byId = new Map(current.map((r) => [r.id, { ...r.scores }]));
        for (const o of final) {
          const scores = byId.get(o.resultId);
          if (scores && !(o.judgeId in scores)) scores[o.judgeId] = o.score!;
        }
        const rows = [...byId.entries()].map(([id, scores]) => ({ id, scores, ...combineScores(scores) }));
        await tx.$executeRaw`
          UPDATE "EvalResult" AS r SET scores = x.scores, score = x.score, passed = x.passed, "updatedAt" = now()
          FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(id text, scores jsonb, score float8, passed boolean)
          WHERE r.id = x.id`;
      });
    }
  }
  if (addedCost > 0) await db.$executeRaw`UPDATE "EvalRun" SET "costMicros" = "costMicros" + ${BigInt(addedCost)}, "updatedAt" = now() WHERE id = ${run.id}`;
}

async function loadExpected(resultIds: string[]): Promise<Map<string, { runVersionId: string; expected: unknown }>> {
  if (resultIds.length === 0) return new Map();
  const rows = await getDb().$queryRaw<Array<{ id: string; runVersionId: string; expected: unknown }>>`
    SELECT r.id, r."runVersionId", i.expected FROM "EvalResult" r JOIN "DatasetItem" i ON i.id = r."itemId" WHERE r.id = ANY(${resultIds}::text[])`;
  return new Map(rows.map((r) => [r.id, { runVersionId: r.runVersionId, expected: r.expected }]));
}

/** Recomputes the run's progress: settled generate tasks + judge scores given (+ items a running batch has finished). */
export async function updateProgress(run: RunState, inFlightDone = 0): Promise<void> {
  const judgeIds = run.judges.map((j) => j.config.id);
  await getDb().$executeRaw`
    UPDATE "EvalRun" SET "progressDone" = LEAST("progressTotal", ${inFlightDone} + (
      SELECT (count(*) FILTER (WHERE outcome <> 'pending'))::int
        + COALESCE(sum((SELECT count(*) FROM unnest(${judgeIds}::text[]) AS j(id) WHERE jsonb_exists(r.scores, j.id))), 0)::int
      FROM "EvalResult" r WHERE r."runId" = ${run.id})), "updatedAt" = now()
    WHERE id = ${run.id}`;
}
