import { StepWorker } from "@/lib/jobs/step-worker";
import { callLogRowFromBatchItem, type CallContext } from "@/lib/calls/record";
import type { CallLogWriter } from "@/lib/calls/writer";
import {
  cancelBatch,
  isTransientBatchError,
  iterateBatchResults,
  MAX_BATCH_BYTES,
  MAX_BATCH_REQUESTS,
  retrieveBatch,
  submitBatch,
  type BatchDeps,
  type BatchItemOutcome,
  type BatchRequestItem,
  batchRequestParams,
} from "@/lib/claude/batches";
import { getClaudeTransport, type ClaudeRequest } from "@/lib/claude/client";
import { mapLimit, type RunResult } from "@/lib/claude/runner";
import { getDb } from "@/lib/db/client";
import { isConnectionFailure } from "@/lib/errors/unavailable";
import { childLogger } from "@/lib/logger";
import { getCallLogWriter, logCall } from "@/lib/metrics/call-log-writer";
import { getPriceBook } from "@/lib/models/pricing";
import { recordProjectEvent } from "@/lib/prompts/notify";
import { renderRouted, routeColumns } from "@/lib/prompts/route-call";
import { timeLimitedPatternTest } from "@/lib/claude/routing-regex";
import { runAndLog, type RunAndLogDeps } from "@/lib/runs/run-and-log";
import { loadProjectSettings, type ProjectSettings } from "@/lib/runs/settings";
import { EvalQueue, type EvalRunJob } from "./queue";
import { summarizeRun } from "./results";
import { judgeVariables, parseJudgeAnswer } from "./scorers";
import type { VersionSnapshot } from "./snapshot";
import {
  applyOutcomes,
  cleanOutput,
  countPending,
  loadPendingTasks,
  loadRunState,
  loadTasksById,
  updateProgress,
  type GenerateOutcome,
  type JudgeOutcome,
  type Purpose,
  type RunState,
  type Task,
  type TaskOutcome,
} from "./tasks";

const log = childLogger({ component: "eval-worker" });

/**
 * The eval run job. Each job is one step of a run's state machine, stored in PostgreSQL:
 *
 *   queued -> running: phase generate -> judge (when an llm_judge is configured) -> summarize -> done
 *
 * A step works for at most `stepBudgetMs`, then enqueues the next step (at once for realtime
 * work, after `pollSeconds` while a Message Batch is processing). Realtime: waves of pending
 * tasks through `runAndLog` (the runner's retries, timeouts and fallbacks; every call logged with
 * source "eval"), `concurrency` at a time. Batch: pending tasks submitted as Message Batches
 * (one custom_id per task, chunked under the API's limits, EvalBatch rows keep the batch ids),
 * polled, results streamed and matched by custom_id; transient errors get one follow-up batch.
 * Because every outcome is written before the step ends and pending work is read back from the
 * tables, a new worker resumes where a stopped one left off: it re-polls submitted batches and
 * continues with the items not done. A failure that is not the database being down ends the run
 * as failed with the reason; nothing is left "running" without a job.
 */

export interface EvalWorkerDeps {
  /** Claude endpoint for batches (default: the process's). */
  batch?: BatchDeps;
  /** Passed to runAndLog (tests give a transport, a fast sleep...). */
  runAndLog?: RunAndLogDeps;
  writer?: CallLogWriter;
  /** Writes the versions' summaries when a run ends (summarizeRun from results.ts). */
  summarize?: (runId: string) => Promise<void>;
  now?: () => number;
}

export interface EvalStepOptions {
  signal?: AbortSignal;
  /** How long a step keeps starting new work (default 20 s). */
  stepBudgetMs?: number;
  /** Realtime calls in flight (default 8). */
  concurrency?: number;
  /** Wait between polls of a processing batch (default 5 s). */
  pollSeconds?: number;
  deps?: EvalWorkerDeps;
}

/** What a step asks for next: null = the run has ended; a number = run another step after that many seconds. */
export type StepResult = number | null;

/** Tasks per wave per concurrent call: a wave is stored before the next starts, so a stop waits for one wave at most. */
const REALTIME_WAVE = 4;

/** Advances one run by one step. Exported for tests; the worker calls it for each job. */
export async function advanceEvalRun(runId: string, options: EvalStepOptions = {}): Promise<StepResult> {
  const run = await loadRunState(runId);
  if (!run) return null;
  if (run.status === "completed" || run.status === "failed" || run.status === "canceled") return null;
  const now = options.deps?.now ?? Date.now;
  const deadline = now() + (options.stepBudgetMs ?? 20_000);
  const pollSeconds = options.pollSeconds ?? 5;
  if (run.cancelRequested) return cancelStep(run, options);
  if (run.status === "queued") {
    await getDb().evalRun.updateMany({ where: { id: run.id, status: "queued" }, data: { status: "running", startedAt: new Date() } });
  }
  const settings = await projectSettings(run.projectId);

  for (;;) {
    if (run.phase === "generate" || run.phase === "judge") {
      const purpose: Purpose = run.phase;
      const next = run.mode === "batch" ? await batchPhase(run, purpose, options) : await realtimePhase(run, purpose, settings, { ...options, deadline, now });
      if (next === "done") {
        run.phase = purpose === "generate" && run.judges.length > 0 ? "judge" : "summarize";
        await getDb().evalRun.update({ where: { id: run.id }, data: { phase: run.phase } });
        continue;
      }
      return next === "wait" ? pollSeconds : 0;
    }
    if (run.phase === "summarize") {
      await finishRun(run, "completed", null, options);
      return null;
    }
    throw new Error(`unknown phase "${run.phase}"`);
  }
}

async function projectSettings(projectId: string): Promise<ProjectSettings> {
  const { settings, problems } = await loadProjectSettings(projectId);
  for (const problem of problems) log.warn({ projectId }, problem);
  return settings;
}

/** Ends the run: summary, status, end time, final progress. */
async function finishRun(run: RunState, status: "completed" | "failed" | "canceled", error: string | null, options: EvalStepOptions): Promise<void> {
  await updateProgress(run);
  try {
    await (options.deps?.summarize ?? summarizeRun)(run.id);
  } catch (summaryError) {
    log.error({ err: summaryError, runId: run.id }, "could not summarize the run");
    if (status === "completed") {
      status = "failed";
      error = `the results could not be summarized: ${summaryError instanceof Error ? summaryError.message : String(summaryError)}`;
    }
  }
  const finalStatus = status;
  await getDb().$transaction(async (tx) => {
    const ended = await tx.evalRun.updateMany({
      where: { id: run.id, status: { in: ["queued", "running"] } },
      data: { status: finalStatus, phase: "done", endedAt: new Date(), ...(error !== null ? { error: error.slice(0, 2000) } : {}) },
    });
    if (ended.count === 0 || finalStatus !== "completed") return;
    // eval.completed joins the change feed's outbox in the transaction that ends the run.
    const row = await tx.evalRun.findUnique({
      where: { id: run.id },
      select: {
        mode: true,
        prompt: { select: { name: true } },
        dataset: { select: { name: true } },
        datasetVersion: true,
        versions: { orderBy: { position: "asc" }, select: { display: true, requested: true, versionId: true, gatePassed: true } },
      },
    });
    if (!row) return;
    await recordProjectEvent(tx, run.projectId, "eval.completed", {
      prompt: row.prompt.name,
      promptId: run.promptId,
      evalRun: { id: run.id, mode: row.mode },
      dataset: { name: row.dataset.name, version: row.datasetVersion },
      versions: row.versions.map((v) => ({ version: v.display, requested: v.requested, versionId: v.versionId, gatePassed: v.gatePassed })),
    });
  });
  log.info({ runId: run.id, status }, "eval run ended");
}

/** Ends a run as failed with the reason (never throws; used when a step fails). */
export async function failEvalRun(runId: string, reason: string): Promise<void> {
  try {
    await getDb().evalRun.updateMany({
      where: { id: runId, status: { in: ["queued", "running"] } },
      data: { status: "failed", phase: "done", endedAt: new Date(), error: reason.slice(0, 2000) },
    });
  } catch (error) {
    log.error({ err: error, runId }, "could not mark the run failed");
  }
}

// ------------------------------------------------------------------ requests

function snapshotOf(run: RunState, task: Task): VersionSnapshot {
  if (task.purpose === "generate") {
    const version = run.versions.get(task.runVersionId);
    if (!version) throw new Error(`run version ${task.runVersionId} is missing`);
    return version;
  }
  return run.judges.find((j) => j.index === task.judgeIndex)!.snapshot;
}

function taskVariables(task: Task): Record<string, unknown> {
  return task.purpose === "generate" ? task.variables : judgeVariables({ variables: task.variables, output: task.output, expected: task.expected });
}

function judgeOf(run: RunState, task: Extract<Task, { purpose: "judge" }>) {
  return run.judges.find((j) => j.index === task.judgeIndex)!;
}

/** The outcome of a task that could not be sent (its variables no longer render, say). */
function unsendable(run: RunState, task: Task, message: string): TaskOutcome {
  if (task.purpose === "generate") return { purpose: "generate", resultId: task.resultId, outcome: "errored", error: message, costMicros: 0 };
  return {
    purpose: "judge",
    resultId: task.resultId,
    judgeId: judgeOf(run, task).config.id,
    score: { score: null, pass: null, error: message },
    costMicros: 0,
  };
}

function callContext(run: RunState, snapshot: VersionSnapshot, task: Task): CallContext {
  return {
    projectId: run.projectId,
    promptId: snapshot.promptId,
    versionId: run.liveVersionIds.has(snapshot.versionId) ? snapshot.versionId : null,
    source: "eval",
    metadata: { evalRunId: run.id, evalResultId: task.resultId, ...(task.purpose === "judge" ? { evaluator: `judge:${task.judgeIndex}` } : {}) },
  };
}

// ------------------------------------------------------------------ realtime

async function realtimePhase(
  run: RunState,
  purpose: Purpose,
  settings: ProjectSettings,
  options: EvalStepOptions & { deadline: number; now: () => number },
): Promise<"done" | "again"> {
  const concurrency = options.concurrency ?? 8;
  const writer = options.deps?.writer ?? getCallLogWriter();
  // Judges run one after another, so two judges never write the same result's scores at once.
  for (;;) {
    if (options.signal?.aborted || options.now() >= options.deadline) return "again";
    const fresh = await getDb().evalRun.findUnique({ where: { id: run.id }, select: { cancelRequested: true } });
    if (fresh?.cancelRequested) return "again";
    let tasks: Task[] = [];
    if (purpose === "generate") tasks = await loadPendingTasks(run, purpose, { limit: concurrency * REALTIME_WAVE });
    else {
      for (const judge of run.judges) {
        tasks = await loadPendingTasks(run, purpose, { limit: concurrency * REALTIME_WAVE, judgeIndex: judge.index });
        if (tasks.length > 0) break;
      }
    }
    if (tasks.length === 0) return "done";
    // In-flight calls always finish and are stored (never cut by a stop), so none is paid twice.
    const outcomes = await mapLimit(tasks, concurrency, (task) => runTask(run, task, settings, options));
    await writer.flush({ timeoutMs: 10_000 });
    await applyOutcomes(run, outcomes);
    await updateProgress(run);
  }
}

async function runTask(run: RunState, task: Task, settings: ProjectSettings, options: EvalStepOptions): Promise<TaskOutcome> {
  const snapshot = snapshotOf(run, task);
  const context = callContext(run, snapshot, task);
  const deps: RunAndLogDeps = {
    ...options.deps?.runAndLog,
    // The context decides the version link (null once the version is deleted) and the eval metadata.
    log: (result, _ctx, logOptions) => logCall(result, context, { ...logOptions, ...(options.deps?.writer ? { writer: options.deps.writer } : {}) }),
  };
  let result: RunResult;
  let callLogId: string | null;
  try {
    ({ result, callId: callLogId } = await runAndLog(
      {
        projectId: run.projectId,
        settings,
        promptId: snapshot.promptId,
        versionId: snapshot.versionId,
        version: snapshot.content,
        variables: taskVariables(task),
        source: "eval",
        metadata: context.metadata ?? {},
      },
      deps,
    ));
  } catch (error) {
    return unsendable(run, task, error instanceof Error ? error.message : String(error));
  }
  if (task.purpose === "judge") {
    const judge = judgeOf(run, task);
    const score =
      result.status === "error"
        ? { score: null, pass: null, error: `the judge call failed: ${result.error.message}` }
        : parseJudgeAnswer(result.output, judge.config.threshold);
    return { purpose: "judge", resultId: task.resultId, judgeId: judge.config.id, score, costMicros: result.costMicros };
  }
  const ok = result.status !== "error";
  return {
    purpose: "generate",
    resultId: task.resultId,
    outcome: ok ? "succeeded" : "errored",
    output: ok ? result.output : null,
    error:
      result.status === "error"
        ? `${result.error.type}: ${result.error.message}`
        : result.status === "invalid_output"
          ? `invalid output: ${result.validationError}`
          : null,
    callLogId,
    costMicros: result.costMicros,
    latencyMs: result.latencyMs,
    inputTokens: result.usage.inputTokens + result.usage.cacheReadTokens + result.usage.cacheWriteTokens,
    outputTokens: result.usage.outputTokens,
  };
}

// ------------------------------------------------------------------ batch

const COUNT_KEYS = ["succeeded", "errored", "canceled", "expired"] as const;

async function batchPhase(run: RunState, purpose: Purpose, options: EvalStepOptions): Promise<"done" | "wait" | "again"> {
  const db = getDb();
  const batchDeps = options.deps?.batch ?? {};
  const open = await db.evalBatch.findMany({ where: { runId: run.id, purpose, status: { not: "ended" } }, orderBy: { submittedAt: "asc" } });
  let inFlightDone = 0;
  let stillOpen = 0;
  for (const row of open) {
    const batch = await retrieveBatch(row.providerBatchId, batchDeps);
    const counts = batch.request_counts;
    await db.evalBatch.update({ where: { id: row.id }, data: { counts: { ...counts }, status: batch.processing_status } });
    if (batch.processing_status !== "ended") {
      stillOpen++;
      inFlightDone += COUNT_KEYS.reduce((s, k) => s + counts[k], 0);
      continue;
    }
    await ingestBatch(run, row, options);
    await db.evalBatch.update({ where: { id: row.id }, data: { status: "ended", endedAt: new Date() } });
  }
  if (stillOpen > 0) {
    await updateProgress(run, inFlightDone);
    return "wait";
  }
  if (options.signal?.aborted) return "again";
  const pending = await countPending(run, purpose);
  if (pending === 0) return "done";
  const last = await db.evalBatch.aggregate({ where: { runId: run.id, purpose }, _max: { attempt: true } });
  const attempt = (last._max.attempt ?? 0) + 1;
  if (attempt > 2) {
    // Already retried once: what is still pending gets no third try.
    await settleLeftovers(run, purpose, "no result after a retry in a follow-up batch");
    return "done";
  }
  await submitPending(run, purpose, attempt, options);
  await updateProgress(run);
  return "wait";
}

/** Marks every still-pending task of `purpose` as errored with `reason` (in pages). */
async function settleLeftovers(run: RunState, purpose: Purpose, reason: string): Promise<void> {
  for (;;) {
    const tasks = await loadPendingTasks(run, purpose, { limit: 1000 });
    if (tasks.length === 0) return;
    await applyOutcomes(
      run,
      tasks.map((t) => unsendable(run, t, reason)),
    );
  }
}

/** Submits every pending task of `purpose` in batches within the API's limits (count and bytes). */
async function submitPending(run: RunState, purpose: Purpose, attempt: number, options: EvalStepOptions): Promise<void> {
  const db = getDb();
  const catalog = await getPriceBook().catalog();
  let chunk: BatchRequestItem[] = [];
  let bytes = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    const created = await submitBatch(chunk, options.deps?.batch ?? {});
    await db.evalBatch.create({
      data: { runId: run.id, purpose, attempt, providerBatchId: created.id, requestCount: chunk.length, status: created.processing_status },
    });
    log.info({ runId: run.id, purpose, attempt, batchId: created.id, requests: chunk.length }, "submitted a message batch");
    chunk = [];
    bytes = 0;
  };
  // One cursor per stream of tasks: the generate tasks, or each judge's.
  const streams = purpose === "generate" ? [undefined] : run.judges.map((j) => j.index);
  for (const judgeIndex of streams) {
    let after: string | undefined;
    for (;;) {
      const tasks = await loadPendingTasks(run, purpose, { after, limit: 2000, ...(judgeIndex !== undefined ? { judgeIndex } : {}) });
      if (tasks.length === 0) break;
      after = tasks.at(-1)!.resultId;
      const failed: TaskOutcome[] = [];
      for (const task of tasks) {
        let params: ClaudeRequest;
        try {
          const snapshot = snapshotOf(run, task);
          const content = snapshot.content;
          // The version's routing rules pick each item's model, as in realtime (runAndLog), with the same metadata.
          const { request } = renderRouted(content, taskVariables(task), {
            metadata: callContext(run, snapshot, task).metadata ?? {},
            catalog,
            test: timeLimitedPatternTest,
          });
          params = batchRequestParams(request as ClaudeRequest, content);
        } catch (error) {
          failed.push(unsendable(run, task, error instanceof Error ? error.message : String(error)));
          continue;
        }
        const size = Buffer.byteLength(JSON.stringify(params)) + 100;
        if (chunk.length >= MAX_BATCH_REQUESTS || bytes + size > MAX_BATCH_BYTES) await flush();
        chunk.push({ customId: task.id, params });
        bytes += size;
      }
      await applyOutcomes(run, failed);
    }
  }
  await flush();
}

/** Streams an ended batch's results, matches them by custom_id, logs each call, stores outcomes page by page. */
async function ingestBatch(run: RunState, row: { providerBatchId: string; attempt: number }, options: EvalStepOptions): Promise<void> {
  const writer = options.deps?.writer ?? getCallLogWriter();
  const transport = options.deps?.batch?.transport ?? (await getClaudeTransport());
  const catalog = await getPriceBook().catalog();
  for await (const page of iterateBatchResults(row.providerBatchId, { pageSize: 500 }, options.deps?.batch ?? {})) {
    const tasks = await loadTasksById(
      run,
      page.map((o) => o.customId),
    );
    const outcomes: TaskOutcome[] = [];
    for (const item of page) {
      const task = tasks.get(item.customId);
      if (!task) continue;
      const snapshot = snapshotOf(run, task);
      let callLogId: string | null = null;
      if (item.status === "succeeded" || item.status === "errored") {
        let request: ClaudeRequest;
        let route: ReturnType<typeof routeColumns> | undefined;
        try {
          const routed = renderRouted(snapshot.content, taskVariables(task), {
            metadata: callContext(run, snapshot, task).metadata ?? {},
            catalog,
            test: timeLimitedPatternTest,
          });
          request = routed.request as ClaudeRequest;
          route = routeColumns(snapshot.content, routed.route);
        } catch {
          request = { model: snapshot.content.modelConfig.model } as ClaudeRequest;
        }
        const logged = callLogRowFromBatchItem(
          {
            outcome: item,
            request: request as unknown as { model: string } & Record<string, unknown>,
            simulated: transport.simulated,
            metadata: { batchId: row.providerBatchId },
            ...(route ? { route } : {}),
          },
          callContext(run, snapshot, task),
          run.bodies,
        );
        if (writer.enqueue(logged)) callLogId = logged.id;
      }
      outcomes.push(batchOutcome(run, task, item, row.attempt, callLogId));
    }
    await writer.flush({ timeoutMs: 10_000 });
    await applyOutcomes(run, outcomes);
  }
}

function batchOutcome(run: RunState, task: Task, item: BatchItemOutcome, attempt: number, callLogId: string | null): TaskOutcome {
  const retry = item.status === "errored" && attempt < 2 && isTransientBatchError(item.errorType);
  if (task.purpose === "judge") {
    const judge = judgeOf(run, task);
    const base: Omit<JudgeOutcome, "score"> = {
      purpose: "judge",
      resultId: task.resultId,
      judgeId: judge.config.id,
      costMicros: item.status === "succeeded" ? item.costMicros : 0,
    };
    if (item.status === "succeeded") return { ...base, score: parseJudgeAnswer(cleanOutput(item.output), judge.config.threshold) };
    if (retry) return { ...base, score: null };
    const why = item.status === "errored" ? `the judge request errored: ${item.errorType}: ${item.errorMessage}` : `the judge request was ${item.status}`;
    return { ...base, score: { score: null, pass: null, error: why } };
  }
  const base = { purpose: "generate" as const, resultId: task.resultId, callLogId };
  switch (item.status) {
    case "succeeded":
      return {
        ...base,
        outcome: "succeeded",
        output: item.output,
        error: null,
        costMicros: item.costMicros,
        latencyMs: null,
        inputTokens: item.usage.inputTokens + item.usage.cacheReadTokens + item.usage.cacheWriteTokens,
        outputTokens: item.usage.outputTokens,
      } satisfies GenerateOutcome;
    case "errored":
      return {
        ...base,
        outcome: retry ? "pending" : "errored",
        error: `${retry ? "retrying in a follow-up batch after " : ""}${item.errorType}: ${item.errorMessage}`,
        costMicros: 0,
      };
    default:
      return { ...base, outcome: item.status, error: `the batch request was ${item.status}`, costMicros: 0 };
  }
}

// ------------------------------------------------------------------ cancel

async function cancelStep(run: RunState, options: EvalStepOptions): Promise<StepResult> {
  const db = getDb();
  const open = await db.evalBatch.findMany({ where: { runId: run.id, status: { not: "ended" } } });
  let stillOpen = 0;
  for (const row of open) {
    let batch = await retrieveBatch(row.providerBatchId, options.deps?.batch ?? {});
    if (batch.processing_status === "in_progress") batch = await cancelBatch(row.providerBatchId, options.deps?.batch ?? {});
    if (batch.processing_status !== "ended") {
      await db.evalBatch.update({ where: { id: row.id }, data: { status: batch.processing_status, counts: { ...batch.request_counts } } });
      stillOpen++;
      continue;
    }
    // What finished before the cancel is paid for: keep it.
    await ingestBatch(run, { ...row, attempt: 2 }, options);
    await db.evalBatch.update({ where: { id: row.id }, data: { status: "ended", endedAt: new Date(), counts: { ...batch.request_counts } } });
  }
  if (stillOpen > 0) return 1;
  await db.evalResult.updateMany({ where: { runId: run.id, outcome: "pending" }, data: { outcome: "canceled", error: "the run was canceled" } });
  await finishRun(run, "canceled", "canceled on request", options);
  return null;
}

// ------------------------------------------------------------------ the service

export interface EvalWorkerOptions extends Omit<EvalStepOptions, "signal"> {
  connectionString: string;
  /** Runs advanced at once by this process (default 2). */
  runs?: number;
  /** How often queued/running runs without a job are re-enqueued, and start is retried after a failure (default 30 s). */
  sweepSeconds?: number;
  pollingIntervalSeconds?: number;
}

/**
 * The eval worker a server process owns (registered in lib/runtime/process.ts, stage
 * "services"). start() never fails the process: when the database is down or not migrated yet it
 * logs and tries again every `sweepSeconds`. stop() stops taking jobs, lets the running steps end
 * their current wave (their calls are stored, the next step is queued) and closes the queue.
 */
export class EvalWorker extends StepWorker<EvalRunJob, EvalQueue> {
  constructor(options: EvalWorkerOptions) {
    super({
      name: "eval worker",
      queue: new EvalQueue({ connectionString: options.connectionString, pollingIntervalSeconds: options.pollingIntervalSeconds }),
      concurrency: options.runs,
      sweepSeconds: options.sweepSeconds,
      // Every queued or running run.
      pending: async () =>
        (await getDb().evalRun.findMany({ where: { status: { in: ["queued", "running"] } }, select: { id: true } })).map((run) => ({ runId: run.id })),
      step: async ({ runId }, signal) => {
        try {
          return await advanceEvalRun(runId, { ...options, signal });
        } catch (error) {
          if (isConnectionFailure(error)) throw error; // pg-boss retries the step later
          log.error({ err: error, runId }, "eval run step failed");
          await failEvalRun(runId, error instanceof Error ? error.message : String(error));
          return null;
        }
      },
    });
  }
}
