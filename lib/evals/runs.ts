import { z } from "zod";
import { recordAudit } from "@/lib/audit/record";
import type { Actor } from "@/lib/audit/actor";
import { getDatasetByName, iterateItems } from "@/lib/datasets/queries";
import { getDb } from "@/lib/db/client";
import { AppError, type ErrorIssue } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { childLogger } from "@/lib/logger";
import { findModel, type ModelSpec } from "@/lib/models/catalog";
import { getPriceBook } from "@/lib/models/pricing";
import { BLOCK_OVERHEAD_TOKENS, MESSAGE_OVERHEAD_TOKENS, estimateTokens } from "@/lib/models/tokens";
import { previewCost } from "@/lib/prompts/cost";
import { renderVersion, type RenderedRequest } from "@/lib/prompts/render";
import { renderRouted } from "@/lib/prompts/route-call";
import { hashVersionContent } from "@/lib/prompts/content-hash";
import { hasRouting } from "@/lib/prompts/routing";
import { promptNameSchema, type PromptVersionContent } from "@/lib/prompts/schemas";
import { evaluatorListSchema, type EvaluatorConfig } from "./evaluator-config";
import { currentEvalQueue } from "./queue";
import { evaluatorConfigProblem, judgeVariables } from "./scorers";
import { resolveVersion, versionSelectorSchema, type VersionSnapshot } from "./snapshot";

const log = childLogger({ component: "eval-runs" });

/**
 * Eval runs before and around the job: resolve and snapshot versions, estimate the cost in both
 * modes, validate and create a run (queued, job enqueued), cancel, read. The job itself is
 * worker.ts.
 */

/** Most versions one run compares (the baseline included). */
export const MAX_RUN_VERSIONS = 5;
/** Most contract problems a 422 lists (the count of the rest follows). */
const MAX_LISTED_PROBLEMS = 20;
/** The output length assumed for items without an expected output (tokens, capped by max_tokens). */
const DEFAULT_OUTPUT_TOKENS = 300;
/** The judge's answer length assumed ({ score, reason }). */
const JUDGE_OUTPUT_TOKENS = 150;

export const evalRunInputSchema = z.strictObject({
  prompt: promptNameSchema,
  versions: z
    .array(versionSelectorSchema)
    .min(1, "name at least one version")
    .max(MAX_RUN_VERSIONS, `at most ${MAX_RUN_VERSIONS} versions`)
    .refine((list) => new Set(list).size === list.length, "a version is named twice"),
  dataset: z.string().min(1).max(200),
  datasetVersion: z.number().int().min(1).max(2_000_000_000).optional(),
  evaluators: evaluatorListSchema,
  mode: z.enum(["batch", "realtime"]).default("batch"),
  baseline: versionSelectorSchema.optional(),
  /**
   * Quality change of model routing before publishing: the one version named runs twice, with its
   * routing rules (each item on the model they pick) and on its own model only (the baseline, a
   * copy without the rules); the run page shows per rule the score and cost of both.
   */
  compareRouting: z.boolean().optional(),
});
export type EvalRunInput = z.input<typeof evalRunInputSchema>;

export interface EvalRunEstimate {
  items: number;
  versions: number;
  /** Generation requests (items x versions); judge requests come on top, one per output and judge. */
  requests: number;
  /** Whole run in batch mode (generation + judges), integer micro-dollars. */
  batchMicros: number;
  /** Whole run in realtime mode (generation + judges). */
  realtimeMicros: number;
  /** The judges' part at the realtime price. */
  judgeMicros: number;
  /** The judges' part at the batch price. */
  judgeBatchMicros: number;
  /** Token counts are the offline estimate (no count_tokens call). */
  tokensEstimated: true;
  perVersion: Array<{ display: string; inputTokens: number; outputTokens: number; realtimeMicros: number; batchMicros: number }>;
}

export type EvalRunStatus = "queued" | "running" | "completed" | "failed" | "canceled";

export interface EvalRunVersionView {
  id: string;
  requested: string;
  display: string;
  position: number;
  versionId: string | null;
  contentHash: string;
  baseline: boolean;
  counts: { pending: number; succeeded: number; errored: number; canceled: number; expired: number };
  summary: unknown;
  gatePassed: boolean | null;
}

export interface EvalRunView {
  id: string;
  projectId: string;
  prompt: { id: string; name: string };
  dataset: { id: string; name: string; version: number };
  mode: "batch" | "realtime";
  status: EvalRunStatus;
  phase: string;
  progress: { done: number; total: number };
  versions: EvalRunVersionView[];
  evaluators: EvaluatorConfig[];
  estimate: EvalRunEstimate | null;
  costMicros: number;
  /** Why the run failed (null otherwise); item errors are in the versions' counts and the results. */
  error: string | null;
  cancelRequested: boolean;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

/** The judge prompt versions a run uses, frozen at creation, by evaluator id (stored in `EvalRun.estimate.judges`). */
export type JudgeSnapshots = Record<string, VersionSnapshot>;

interface ResolvedRun {
  prompt: { id: string; name: string };
  dataset: { id: string; name: string; version: number; itemCount: number };
  /** `unlinked`: the routing comparison's copy without rules (stored without a version link, so the publish panel never takes it for the version). */
  versions: Array<{ requested: string; snapshot: VersionSnapshot; unlinked?: boolean }>;
  baselineIndex: number | null;
  evaluators: EvaluatorConfig[];
  judges: JudgeSnapshots;
  catalog: readonly ModelSpec[];
}

function unprocessable(message: string, issues?: ErrorIssue[]): AppError {
  return new AppError("unprocessable", message, issues ? { issues } : undefined);
}

/**
 * For `compareRouting`: puts the named version's copy without routing rules first (it becomes the
 * baseline: every item on the version's own model) and returns its index. 422 unless exactly one
 * version with routing rules is named and no other baseline.
 */
function addRoutingBaseline(versions: ResolvedRun["versions"], baseline: string | undefined): number {
  const only = versions[0];
  if (versions.length !== 1 || !only)
    throw unprocessable("A routing comparison evaluates one version (with its rules, and on its own model as the baseline)", [
      { path: "versions", message: "name exactly one version" },
    ]);
  if (baseline !== undefined && baseline !== only.requested)
    throw unprocessable("A routing comparison's baseline is the version on its own model", [
      { path: "baseline", message: "leave the baseline out: it is the version without its rules" },
    ]);
  const content = only.snapshot.content;
  if (!hasRouting(content.modelConfig))
    throw unprocessable(`${only.snapshot.display} has no routing rules: there is nothing to compare`, [
      { path: "compareRouting", message: `${only.snapshot.display} has no routing rules` },
    ]);
  const { routing: _rules, ...modelConfig } = content.modelConfig;
  const plain = { ...content, modelConfig };
  versions.unshift({
    requested: only.requested,
    unlinked: true,
    snapshot: { ...only.snapshot, display: `${only.snapshot.display} on ${modelConfig.model} only`, contentHash: hashVersionContent(plain), content: plain },
  });
  return 0;
}

/** Resolves everything a run names; throws 422 with a clear message for anything missing or wrong. */
async function resolveRun(raw: EvalRunInput, projectId: string): Promise<ResolvedRun> {
  const parsed = evalRunInputSchema.safeParse(raw);
  if (!parsed.success)
    throw unprocessable(
      "Invalid eval run",
      parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    );
  const input = parsed.data;
  const db = getDb();
  const catalog = await getPriceBook().catalog();

  const prompt = await db.prompt.findUnique({ where: { projectId_name: { projectId, name: input.prompt } }, select: { id: true, name: true } });
  if (!prompt) throw unprocessable(`Prompt "${input.prompt}" does not exist`, [{ path: "prompt", message: `no prompt named "${input.prompt}"` }]);

  const dataset = await getDatasetByName(projectId, input.dataset);
  if (!dataset) throw unprocessable(`Dataset "${input.dataset}" does not exist`, [{ path: "dataset", message: `no dataset named "${input.dataset}"` }]);
  const datasetVersion = input.datasetVersion ?? dataset.latestVersion;
  if (datasetVersion < 1 || datasetVersion > dataset.latestVersion) {
    throw unprocessable(
      dataset.latestVersion === 0
        ? `Dataset "${dataset.name}" is empty: add items before running an eval`
        : `Dataset "${dataset.name}" has no version ${datasetVersion} (latest is ${dataset.latestVersion})`,
      [{ path: "datasetVersion", message: "no such dataset version" }],
    );
  }
  const versionRow = await db.datasetVersion.findUnique({
    where: { datasetId_number: { datasetId: dataset.id, number: datasetVersion } },
    select: { itemCount: true },
  });
  const itemCount = versionRow?.itemCount ?? 0;
  if (itemCount === 0)
    throw unprocessable(`Dataset "${dataset.name}" version ${datasetVersion} is empty: add items before running an eval`, [
      { path: "dataset", message: "the dataset has no items" },
    ]);

  const selectors = [...input.versions];
  let baselineIndex: number | null = null;
  if (input.baseline !== undefined) {
    baselineIndex = selectors.indexOf(input.baseline);
    if (baselineIndex < 0) {
      if (selectors.length >= MAX_RUN_VERSIONS) throw unprocessable(`At most ${MAX_RUN_VERSIONS} versions with the baseline`);
      selectors.push(input.baseline);
      baselineIndex = selectors.length - 1;
    }
  }
  const versions: ResolvedRun["versions"] = [];
  for (const requested of selectors) {
    const snapshot = await resolveVersion(db, prompt, requested, catalog);
    const same = versions.find((v) => v.snapshot.versionId === snapshot.versionId);
    if (same) throw unprocessable(`"${requested}" and "${same.requested}" are the same version (${snapshot.display}): name each version once`);
    versions.push({ requested, snapshot });
  }
  if (input.compareRouting) baselineIndex = addRoutingBaseline(versions, input.baseline);

  const issues: ErrorIssue[] = [];
  const evaluators: EvaluatorConfig[] = [];
  const judges: JudgeSnapshots = {};
  for (const [i, config] of input.evaluators.entries()) {
    for (const v of versions) {
      const outputSchema = v.snapshot.content.outputSchema.format === "json" ? v.snapshot.content.outputSchema.schema : null;
      const problem = evaluatorConfigProblem(config, { outputSchema, version: v.snapshot.display });
      if (problem) {
        issues.push({ path: `evaluators.${i}`, message: problem });
        break;
      }
    }
    if (config.type === "llm_judge") {
      const judgePrompt = await db.prompt.findUnique({ where: { projectId_name: { projectId, name: config.prompt } }, select: { id: true, name: true } });
      if (!judgePrompt) {
        issues.push({ path: `evaluators.${i}.prompt`, message: `evaluator "${config.id}": the judge prompt "${config.prompt}" does not exist` });
        continue;
      }
      try {
        const snapshot = await resolveVersion(db, judgePrompt, config.version, catalog, { fallbackToLatest: true });
        judges[config.id] = snapshot;
        // Stored with the exact version used, so the run reads the same wherever the label moves.
        evaluators.push({ ...config, version: snapshot.display });
        continue;
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        issues.push({ path: `evaluators.${i}.version`, message: `evaluator "${config.id}": ${error.message}` });
        continue;
      }
    }
    evaluators.push(config);
  }
  if (issues.length > 0) throw unprocessable(`Invalid evaluators: ${issues.map((i) => i.message).join("; ")}`, issues);

  return {
    prompt,
    dataset: { id: dataset.id, name: dataset.name, version: datasetVersion, itemCount },
    versions,
    baselineIndex,
    evaluators,
    judges,
    catalog,
  };
}

/** Estimated input tokens of one rendered request (the offline estimate lib/prompts uses, with the API's framing). */
function requestTokens(request: RenderedRequest): number {
  let tokens = 0;
  for (const block of request.system ?? []) tokens += estimateTokens(block.text) + BLOCK_OVERHEAD_TOKENS;
  for (const message of request.messages) {
    tokens += MESSAGE_OVERHEAD_TOKENS;
    for (const block of message.content) tokens += estimateTokens(block.type === "text" ? block.text : JSON.stringify(block)) + BLOCK_OVERHEAD_TOKENS;
  }
  return tokens;
}

function expectedText(expected: unknown): string | null {
  if (expected === null || expected === undefined) return null;
  return typeof expected === "string" ? expected : JSON.stringify(expected);
}

interface Tally {
  items: number;
  inputTokens: number[];
  outputTokens: number[];
  judgeInputTokens: Record<string, number>[];
  /** Per version, the items each model answers (the routing rules' pick, else the version's model) with their token sums. */
  byModel: Array<Map<string, { n: number; input: number; output: number }>>;
}

/**
 * One pass over the dataset version: every item rendered against every version (the same check
 * the runner makes, so a 422 here means the run would have failed), and token sums for the
 * estimate. Contract problems are collected (item key + message), not thrown one by one.
 */
async function scanItems(run: ResolvedRun): Promise<{ tally: Tally; problems: ErrorIssue[]; problemCount: number }> {
  const versions = run.versions.map((v) => v.snapshot);
  const judgeEntries = Object.entries(run.judges);
  const tally: Tally = {
    items: 0,
    inputTokens: versions.map(() => 0),
    outputTokens: versions.map(() => 0),
    judgeInputTokens: versions.map(() => Object.fromEntries(judgeEntries.map(([id]) => [id, 0]))),
    byModel: versions.map(() => new Map()),
  };
  const problems: ErrorIssue[] = [];
  let problemCount = 0;
  for await (const page of iterateItems(run.dataset.id, run.dataset.version, 1000)) {
    for (const item of page) {
      tally.items++;
      const expected = expectedText(item.expected);
      for (const [vi, version] of versions.entries()) {
        let request: RenderedRequest;
        try {
          // On the model the version's routing rules pick for this item, as the run will send it.
          request = renderRouted(version.content, item.variables, { catalog: run.catalog }).request;
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          problemCount++;
          if (problems.length < MAX_LISTED_PROBLEMS)
            problems.push({ path: `items.${item.key}`, message: `item "${item.key}" vs ${version.display}: ${error.message}` });
          continue;
        }
        const inputTokens = requestTokens(request);
        tally.inputTokens[vi]! += inputTokens;
        const outputTokens = expected === null ? Math.min(DEFAULT_OUTPUT_TOKENS, version.content.modelConfig.max_tokens) : estimateTokens(expected);
        tally.outputTokens[vi]! += outputTokens;
        const perModel = tally.byModel[vi]!.get(request.model) ?? { n: 0, input: 0, output: 0 };
        tally.byModel[vi]!.set(request.model, { n: perModel.n + 1, input: perModel.input + inputTokens, output: perModel.output + outputTokens });
        for (const [id, judge] of judgeEntries) {
          const vars = judgeVariables({ variables: item.variables, output: "x".repeat(Math.round(outputTokens * 3.5)), expected: item.expected });
          try {
            tally.judgeInputTokens[vi]![id]! += requestTokens(renderVersion(judge.content, vars, { catalog: run.catalog }));
          } catch (error) {
            if (!(error instanceof AppError)) throw error;
            problemCount++;
            if (problems.length < MAX_LISTED_PROBLEMS)
              problems.push({ path: `evaluators.${id}`, message: `judge "${id}" (${judge.display}) cannot take its variables: ${error.message}` });
          }
        }
      }
    }
  }
  return { tally, problems, problemCount };
}

function micros(content: PromptVersionContent, catalog: readonly ModelSpec[], n: number, inputTokens: number, outputTokens: number, batch: boolean): number {
  if (n === 0) return 0;
  const spec = findModel(content.modelConfig.model, catalog);
  if (!spec) throw unprocessable(`Unknown model "${content.modelConfig.model}"`);
  // One run sends the same prefix n times in a row: all but the first call can read the cache.
  const preview = previewCost(content, { model: spec, inputTokens: inputTokens / n, expectedOutputTokens: outputTokens / n, hitRate: (n - 1) / n, batch });
  return preview.blendedMicros * n;
}

function estimateFrom(run: ResolvedRun, tally: Tally): EvalRunEstimate {
  const n = tally.items;
  let judgeMicros = 0;
  let judgeBatchMicros = 0;
  const perVersion = run.versions.map(({ snapshot }, vi) => {
    const input = tally.inputTokens[vi]!;
    const output = tally.outputTokens[vi]!;
    for (const [id, judge] of Object.entries(run.judges)) {
      const judgeInput = tally.judgeInputTokens[vi]![id]!;
      const judgeOutput = Math.min(JUDGE_OUTPUT_TOKENS, judge.content.modelConfig.max_tokens) * n;
      judgeMicros += micros(judge.content, run.catalog, n, judgeInput, judgeOutput, false);
      judgeBatchMicros += micros(judge.content, run.catalog, n, judgeInput, judgeOutput, true);
    }
    // Each model's items at its own price (a routed version sends items to several models).
    const priced = (batch: boolean) =>
      [...tally.byModel[vi]!].reduce(
        (sum, [model, g]) =>
          sum + micros({ ...snapshot.content, modelConfig: { ...snapshot.content.modelConfig, model } }, run.catalog, g.n, g.input, g.output, batch),
        0,
      );
    return {
      display: snapshot.display,
      inputTokens: input,
      outputTokens: output,
      realtimeMicros: priced(false),
      batchMicros: priced(true),
    };
  });
  return {
    items: n,
    versions: run.versions.length,
    requests: n * run.versions.length,
    batchMicros: perVersion.reduce((s, v) => s + v.batchMicros, 0) + judgeBatchMicros,
    realtimeMicros: perVersion.reduce((s, v) => s + v.realtimeMicros, 0) + judgeMicros,
    judgeMicros,
    judgeBatchMicros,
    tokensEstimated: true,
    perVersion,
  };
}

function contractError(problems: ErrorIssue[], count: number): AppError {
  const more = count > problems.length ? ` (and ${count - problems.length} more)` : "";
  return unprocessable(`${count} item(s) do not fit the prompt's variable contract${more}: ${problems.map((p) => p.message).join("; ")}`, problems);
}

/** The estimated cost of a run in both modes (generation + judges), without creating it. 422 when it could not run. */
export async function estimateEvalRun(input: EvalRunInput, ctx: { projectId: string }): Promise<EvalRunEstimate> {
  const run = await resolveRun(input, ctx.projectId);
  const { tally, problems, problemCount } = await scanItems(run);
  if (problemCount > 0) throw contractError(problems, problemCount);
  return estimateFrom(run, tally);
}

/**
 * Validates and stores a run (status queued): the dataset exists and is not empty, every item fits
 * every version's variable contract, the evaluators are sound, judge prompts resolve. The run,
 * its frozen versions and one pending result per item x version are written in one transaction;
 * the run row is the outbox: the job is enqueued right after commit, and a worker's sweep
 * enqueues any queued run that has no job (so an acknowledged id is never lost).
 */
export async function createEvalRun(input: EvalRunInput, ctx: { projectId: string; actor: Actor }): Promise<EvalRunView> {
  const run = await resolveRun(input, ctx.projectId);
  const { tally, problems, problemCount } = await scanItems(run);
  if (problemCount > 0) throw contractError(problems, problemCount);
  const estimate = estimateFrom(run, tally);
  const mode = evalRunInputSchema.shape.mode.parse(input.mode);
  const judgeCount = Object.keys(run.judges).length;
  const results = tally.items * run.versions.length;

  const runId = await getDb().$transaction(
    async (tx) => {
      const created = await tx.evalRun.create({
        data: {
          projectId: ctx.projectId,
          promptId: run.prompt.id,
          datasetId: run.dataset.id,
          datasetVersion: run.dataset.version,
          mode,
          status: "queued",
          phase: "generate",
          evaluators: run.evaluators as unknown as Prisma.InputJsonValue,
          estimate: { ...estimate, judges: run.judges } as unknown as Prisma.InputJsonValue,
          progressTotal: results * (1 + judgeCount),
          createdById: ctx.actor.kind === "user" ? ctx.actor.userId : null,
          apiKeyId: ctx.actor.kind === "api_key" ? ctx.actor.apiKeyId : null,
        },
        select: { id: true },
      });
      const versionIds: string[] = [];
      for (const [position, v] of run.versions.entries()) {
        const row = await tx.evalRunVersion.create({
          data: {
            runId: created.id,
            versionId: v.unlinked ? null : v.snapshot.versionId,
            requested: v.requested,
            display: v.snapshot.display,
            position,
            snapshot: v.snapshot as unknown as Prisma.InputJsonValue,
          },
          select: { id: true },
        });
        versionIds.push(row.id);
      }
      if (run.baselineIndex !== null) await tx.evalRun.update({ where: { id: created.id }, data: { baselineRunVersionId: versionIds[run.baselineIndex]! } });
      // One pending result per item x version, straight from the dataset version's items. The id
      // doubles as the batch custom_id (32 hex characters fit ^[a-zA-Z0-9_-]{1,64}$).
      await tx.$executeRaw`
        INSERT INTO "EvalResult" ("id", "runId", "runVersionId", "itemId", "outcome", "updatedAt")
        SELECT replace(gen_random_uuid()::text, '-', ''), ${created.id}, v.id, i.id, 'pending', now()
        FROM "EvalRunVersion" v
        JOIN "DatasetItem" i ON i."datasetId" = ${run.dataset.id} AND i."fromVersion" <= ${run.dataset.version}
          AND (i."toVersion" IS NULL OR i."toVersion" > ${run.dataset.version})
        WHERE v."runId" = ${created.id}`;
      await recordAudit(tx, ctx.actor, {
        action: "eval_run.create",
        targetType: "eval_run",
        targetId: created.id,
        after: {
          prompt: run.prompt.name,
          dataset: run.dataset.name,
          datasetVersion: run.dataset.version,
          versions: run.versions.map((v) => v.snapshot.display),
          mode,
        },
      });
      return created.id;
    },
    { timeout: 120_000 },
  );

  const queue = currentEvalQueue();
  if (queue?.isStarted) {
    await queue.enqueue(runId).catch((error: unknown) => log.warn({ err: error, runId }, "could not enqueue the run now; the worker's sweep will"));
  }
  const view = await getEvalRun(runId, ctx.projectId);
  if (!view) throw new Error(`eval run ${runId} vanished after creation`);
  return view;
}

/**
 * Cancels a run. A queued run ends canceled at once; a running one is marked and its worker
 * stops at its next step (cancelling its Message Batches, keeping results already in). A run that
 * has ended is a 409.
 */
export async function cancelEvalRun(runId: string, ctx: { projectId: string; actor: Actor }): Promise<EvalRunView> {
  const db = getDb();
  const run = await db.evalRun.findFirst({ where: { id: runId, projectId: ctx.projectId }, select: { status: true } });
  if (!run) throw new AppError("not_found", `Eval run ${runId} does not exist`);
  if (run.status === "completed" || run.status === "failed" || run.status === "canceled") {
    throw new AppError("conflict", `Eval run ${runId} has already ended (${run.status})`);
  }
  await db.$transaction(async (tx) => {
    const now = new Date();
    const queued = await tx.evalRun.updateMany({
      where: { id: runId, status: "queued" },
      data: { status: "canceled", cancelRequested: true, phase: "done", endedAt: now, error: "canceled before it started" },
    });
    if (queued.count > 0)
      await tx.evalResult.updateMany({ where: { runId, outcome: "pending" }, data: { outcome: "canceled", error: "the run was canceled" } });
    else await tx.evalRun.updateMany({ where: { id: runId, status: "running" }, data: { cancelRequested: true } });
    await recordAudit(tx, ctx.actor, { action: "eval_run.cancel", targetType: "eval_run", targetId: runId });
  });
  const queue = currentEvalQueue();
  if (queue?.isStarted) await queue.enqueue(runId).catch((error: unknown) => log.warn({ err: error, runId }, "could not enqueue the cancel step"));
  const view = await getEvalRun(runId, ctx.projectId);
  if (!view) throw new AppError("not_found", `Eval run ${runId} does not exist`);
  return view;
}

const runInclude = {
  prompt: { select: { id: true, name: true } },
  dataset: { select: { id: true, name: true } },
  versions: { orderBy: { position: "asc" } },
} satisfies Prisma.EvalRunInclude;
type RunRow = Prisma.EvalRunGetPayload<{ include: typeof runInclude }>;

function estimateOf(json: unknown): EvalRunEstimate | null {
  if (!json || typeof json !== "object" || !("perVersion" in json)) return null;
  const { judges: _judges, ...estimate } = json as EvalRunEstimate & { judges?: unknown };
  return estimate;
}

async function toViews(rows: RunRow[]): Promise<EvalRunView[]> {
  if (rows.length === 0) return [];
  const counts = await getDb().evalResult.groupBy({ by: ["runVersionId", "outcome"], where: { runId: { in: rows.map((r) => r.id) } }, _count: { _all: true } });
  const countsOf = (runVersionId: string) => {
    const c = { pending: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    for (const row of counts) if (row.runVersionId === runVersionId) c[row.outcome] = row._count._all;
    return c;
  };
  return rows.map((row) => ({
    id: row.id,
    projectId: row.projectId,
    prompt: row.prompt,
    dataset: { id: row.dataset.id, name: row.dataset.name, version: row.datasetVersion },
    mode: row.mode,
    status: row.status,
    phase: row.phase,
    progress: { done: row.progressDone, total: row.progressTotal },
    versions: row.versions.map((v) => ({
      id: v.id,
      requested: v.requested,
      display: v.display,
      position: v.position,
      versionId: v.versionId,
      contentHash: (v.snapshot as { contentHash?: string }).contentHash ?? "",
      baseline: v.id === row.baselineRunVersionId,
      counts: countsOf(v.id),
      summary: v.summary ?? null,
      gatePassed: v.gatePassed,
    })),
    evaluators: row.evaluators as unknown as EvaluatorConfig[],
    estimate: estimateOf(row.estimate),
    costMicros: Number(row.costMicros),
    error: row.error,
    cancelRequested: row.cancelRequested,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    endedAt: row.endedAt?.toISOString() ?? null,
  }));
}

/** One run of the project (status, phase, progress, versions with counts and summary), or null. */
export async function getEvalRun(runId: string, projectId: string): Promise<EvalRunView | null> {
  const row = await getDb().evalRun.findFirst({ where: { id: runId, projectId }, include: runInclude });
  return row ? ((await toViews([row]))[0] ?? null) : null;
}

/** The project's runs, newest first (optionally of one prompt). */
export async function listEvalRuns(projectId: string, filter: { promptId?: string; limit?: number } = {}): Promise<EvalRunView[]> {
  const rows = await getDb().evalRun.findMany({
    where: { projectId, ...(filter.promptId ? { promptId: filter.promptId } : {}) },
    orderBy: { createdAt: "desc" },
    take: Math.min(Math.max(filter.limit ?? 50, 1), 200),
    include: runInclude,
  });
  return toViews(rows);
}
