import { randomUUID } from "node:crypto";
import type { BodyPolicy, CallContext } from "@/lib/calls/record";
import { computeCallCost } from "@/lib/models/catalog";
import { isSimulated } from "@/lib/claude/client";
import { getPriceBook, type PriceBook } from "@/lib/models/pricing";
import { resolveRetryPolicy, type RetryPolicy } from "@/lib/claude/retry";
import type { RunInput, RunResult } from "@/lib/claude/runner";
import { getDb } from "@/lib/db/client";
import { AppError, toIssues } from "@/lib/errors";
import { describeIssue, inspectJsonInput } from "@/lib/errors/hostile";
import { childLogger } from "@/lib/logger";
import { runnableVersionLabel } from "@/lib/playground/queries";
import { parseProjectSettings, type ProjectSettings } from "@/lib/runs/settings";
import { effectiveVariables, renderVersion } from "@/lib/prompts/render";
import { toolCallsOf } from "@/lib/claude/output";
import { answerContent, continuationProblems, toolCallReports } from "@/lib/runs/conversation";
import { runAndLog } from "@/lib/runs/run-and-log";
import { parseVersionContent, type PromptVersionContent, type VariableDef } from "@/lib/prompts/schemas";
import { includeKeys } from "@/lib/prompts/includes";
import { resolveVersionIncludes } from "@/lib/prompts/snippets";
import {
  playgroundRunRequestSchema,
  type FormValue,
  type PlaygroundCostBreakdown,
  type PlaygroundEvent,
  type PlaygroundFacts,
  type PlaygroundFault,
  type PlaygroundRunRequest,
  toolResultTurn,
} from "@/lib/playground/schemas";

const log = childLogger({ component: "playground" });

/**
 * The playground's orchestration, framework-free: load the version, turn form values into
 * variables and validate them (every problem reported per variable before anything is sent),
 * plan the injected simulator fault, run through the resilient runner with streaming, log the
 * call with source "playground", and describe the outcome as `PlaygroundFacts`.
 *
 * Two phases so an edge can answer bad input with a plain 4xx before it starts streaming:
 * `preparePlaygroundRun` (throws AppError) then `executePlaygroundRun` (streams events, never
 * throws for API failures: those are facts with status "error").
 */

/** Where the playground reads a version and its project's settings. */
export interface PlaygroundStore {
  loadVersion(
    projectId: string,
    promptName: string,
    versionId: string,
  ): Promise<{ promptId: string; versionId: string; versionLabel: string; content: unknown; projectSettings: unknown }>;
}

/** Injectable collaborators; production code passes none. */
export interface PlaygroundDeps {
  store?: PlaygroundStore;
  run?: (input: RunInput) => Promise<RunResult>;
  log?: (result: RunResult, context: CallContext, options: { bodies?: BodyPolicy }) => string | null;
  simulated?: () => boolean;
  prices?: PriceBook;
  /** Fault counter namespace per run (so parallel runs never share a `count`). */
  newKey?: () => string;
  /** Passed through to runPrompt (tests give a transport, a fast sleep...). */
  runDeps?: RunInput["deps"];
}

/** Reads from PostgreSQL through Prisma. A version of another prompt or project is not_found. */
export const prismaPlaygroundStore: PlaygroundStore = {
  async loadVersion(projectId, promptName, versionId) {
    const db = getDb();
    const prompt = await db.prompt.findUnique({
      where: { projectId_name: { projectId, name: promptName } },
      select: { id: true, project: { select: { settings: true } } },
    });
    if (!prompt) throw new AppError("not_found", `Prompt "${promptName}" does not exist`);
    const row = await db.promptVersion.findFirst({ where: { id: versionId, promptId: prompt.id } });
    if (!row) throw new AppError("not_found", `Version ${versionId} of "${promptName}" does not exist`);
    return { promptId: prompt.id, versionId: row.id, versionLabel: runnableVersionLabel(row), content: row, projectSettings: prompt.project.settings };
  },
};

/**
 * Form values -> runner variables for one version's contract. Empty fields mean "not given"
 * (the default applies, or a required variable is reported missing), except checkboxes, which
 * always carry a boolean. Values for variables the version does not declare are left out and
 * listed in `ignored` (compare mode shares one form between two versions).
 */
export function formValuesToVariables(
  contract: Readonly<Record<string, VariableDef>>,
  values: Readonly<Record<string, FormValue>>,
): { variables: Record<string, FormValue>; ignored: string[] } {
  const variables: Record<string, FormValue> = {};
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    const def = Object.hasOwn(contract, name) ? contract[name] : undefined;
    if (!def) {
      ignored.push(name);
      continue;
    }
    if (typeof value === "string") {
      const empty = def.type === "string" ? value === "" : value.trim() === "";
      if (empty) continue;
    }
    variables[name] = value;
  }
  return { variables, ignored: ignored.sort() };
}

/**
 * The `x-sim-fault` header (and policy tweak) for a demo fault. `key` isolates the fault's
 * counter. 529 fails exactly `maxRetries + 1` attempts, so the retries run out on the version's
 * model and the next request (the fallback model, if any) succeeds; the timeout fault hangs the
 * first attempt and cuts the per-attempt timeout to 3 s so the retry is visible quickly.
 */
export function planFault(
  fault: PlaygroundFault,
  key: string,
  policy: Pick<RetryPolicy, "maxRetries">,
): { headers: Record<string, string>; policy: Partial<RetryPolicy> } {
  const spec: Record<PlaygroundFault, string> = {
    "429": "429;count=2;retry_after=1",
    "529": `529;count=${policy.maxRetries + 1}`,
    timeout: "timeout;count=1",
    refusal: "refusal",
    invalid_json: "invalid_json",
    // Once: the repair retry then gets a fitting input.
    invalid_tool_input: "invalid_tool_input;count=1",
  };
  return {
    headers: { "x-sim-fault": spec[fault], "x-sim-fault-key": key },
    policy: fault === "timeout" ? { timeoutMs: 3_000 } : {},
  };
}

type Turn = NonNullable<PlaygroundRunRequest["continuation"]>[number];

/**
 * The conversation to send after the rendered turns: the earlier rounds (`continuation`, ending
 * with the assistant's answer and its tool calls when `toolResults` are given) and then a user
 * turn with one tool_result per typed result (JSON results sent as the text typed, `is_error`
 * when ticked). Throws unprocessable naming every problem at once: turns that do not follow the
 * rendered ones (`continuation.<i>...`), a result for a call the answer did not make
 * (`toolResults.<i>.toolUseId`), a call left without a result (`toolResults`).
 */
export function withToolResults(
  rendered: ReadonlyArray<{ role: "user" | "assistant"; content: ReadonlyArray<{ type: string }> | string }>,
  continuation: readonly Turn[],
  toolResults: PlaygroundRunRequest["toolResults"],
): Turn[] {
  const results = toolResults ?? [];
  const issues = continuationProblems(rendered, continuation, { path: "continuation", allowTrailingToolUse: results.length > 0 });
  if (results.length > 0) {
    const last = continuation.at(-1) ?? rendered.at(-1);
    const calls = last?.role === "assistant" && typeof last.content !== "string" ? toolCallsOf(last.content as Array<{ type: string }>) : [];
    if (calls.length === 0)
      issues.push({ path: "toolResults", message: "there is no tool call to answer: the conversation does not end with an answer that calls tools" });
    else {
      const known = calls.map((c) => `"${c.name}" (${c.id})`).join(", ");
      results.forEach((r, i) => {
        if (!calls.some((c) => c.id === r.toolUseId))
          issues.push({
            path: `toolResults.${i}.toolUseId`,
            message: `tool result ${i + 1} answers "${r.toolUseId}", which is not a tool call of the last answer (${known})`,
          });
      });
      for (const call of calls) {
        if (!results.some((r) => r.toolUseId === call.id))
          issues.push({ path: "toolResults", message: `the tool call "${call.name}" (${call.id}) has no result: type one` });
      }
    }
  }
  if (issues.length > 0) throw new AppError("unprocessable", `Invalid conversation: ${issues.map((p) => p.message).join("; ")}`, { issues });
  if (results.length === 0) return [...continuation];
  return [...continuation, toolResultTurn(results)];
}

/** A validated run, ready to execute. */
export interface PreparedPlaygroundRun {
  projectId: string;
  promptId: string;
  versionId: string;
  versionLabel: string;
  userId: string;
  content: PromptVersionContent;
  variables: Record<string, FormValue>;
  /** Turns after the rendered ones (answer with tool calls, then tool results); [] for a first run. */
  continuation: NonNullable<PlaygroundRunRequest["continuation"]>;
  ignoredVariables: string[];
  fault: PlaygroundFault | null;
  headers: Record<string, string> | undefined;
  policy: Partial<RetryPolicy>;
  /** The project's runner and call-log policy. */
  settings: ProjectSettings;
  simulated: boolean;
}

/**
 * Validates a run request (`playgroundRunRequestSchema`) for a prompt of the project and loads
 * the version. Throws AppError: bad_request for a malformed body or a fault outside simulated
 * mode, not_found for an unknown prompt/version, unprocessable with one issue per variable
 * (`path: "variables.<name>"`) or per empty message, exactly as the render API reports them.
 * Authorisation (EDITOR or higher) is the edge's job.
 */
export async function preparePlaygroundRun(
  input: { projectId: string; promptName: string; userId: string; body: unknown },
  deps: PlaygroundDeps = {},
): Promise<PreparedPlaygroundRun> {
  // NUL, unpaired surrogates, non-finite numbers or deep nesting anywhere (a typed tool result included): refused before parsing.
  const hostile = inspectJsonInput(input.body, { maxDepth: 64, maxNodes: 200_000 });
  if (hostile) throw new AppError("bad_request", `Invalid playground request: ${describeIssue(hostile)}`, { issues: [hostile] });
  const parsed = playgroundRunRequestSchema.safeParse(input.body);
  if (!parsed.success) throw new AppError("bad_request", "Invalid playground request", { issues: toIssues(parsed.error.issues) });
  const request = parsed.data;
  const simulated = (deps.simulated ?? isSimulated)();
  const fault = request.fault ?? null;
  if (fault !== null && !simulated) {
    throw new AppError("bad_request", "Fault injection only works against the simulator (ANTHROPIC_API_KEY is set)", {
      issues: [{ path: "fault", message: "only available in simulated mode" }],
    });
  }

  const loaded = await (deps.store ?? prismaPlaygroundStore).loadVersion(input.projectId, input.promptName, request.versionId);
  let content = parseVersionContent(loaded.content);
  if (!content.snippets && includeKeys(content).length > 0) {
    // A draft's includes are pinned when it is published; the playground runs them as they resolve now.
    const includes = await resolveVersionIncludes(input.projectId, input.promptName, content);
    if (includes.issues.length > 0) throw new AppError("unprocessable", "The snippet includes do not resolve", { issues: includes.issues });
    content = { ...content, snippets: includes.pins };
  }
  const { variables, ignored } = formValuesToVariables(effectiveVariables(content), request.variables);
  // Throws unprocessable with every variable problem at once; nothing is sent to Claude.
  const rendered = renderVersion(content, variables, { coerceStrings: true });
  const continuation = withToolResults(rendered.messages, request.continuation ?? [], request.toolResults);

  const { settings, problems } = parseProjectSettings(loaded.projectSettings);
  for (const problem of problems) log.warn({ projectId: input.projectId }, problem);
  let headers: Record<string, string> | undefined;
  let policy: Partial<RetryPolicy> = {};
  if (fault !== null) {
    const resolved = resolveRetryPolicy(settings.runner, content.policy);
    const plan = planFault(fault, (deps.newKey ?? randomUUID)(), resolved);
    headers = plan.headers;
    policy = plan.policy;
  }
  return {
    projectId: input.projectId,
    promptId: loaded.promptId,
    versionId: loaded.versionId,
    versionLabel: loaded.versionLabel,
    userId: input.userId,
    content,
    variables,
    continuation,
    ignoredVariables: ignored,
    fault,
    headers,
    policy,
    settings,
    simulated,
  };
}

/** Cost lines at the answering model's prices; `exact` tells whether they add up to the call's total. */
export async function costBreakdown(result: RunResult, prices: PriceBook): Promise<PlaygroundCostBreakdown | null> {
  const spec = await prices.spec(result.model);
  if (!spec) return null;
  const cost = computeCallCost(result.usage, spec);
  return { ...cost, pricedModel: spec.model, exact: cost.totalMicros === result.costMicros };
}

/** The facts the page shows, from a runner result. */
export async function factsFromResult(
  result: RunResult,
  run: Pick<PreparedPlaygroundRun, "versionId" | "versionLabel" | "fault"> & { tools?: PromptVersionContent["modelConfig"]["tools"] },
  callId: string | null,
  prices: PriceBook,
): Promise<PlaygroundFacts> {
  let message: string | null = null;
  if (result.status === "error") message = result.error.message;
  else if (result.status === "cancelled") message = "Stopped before the answer was complete; billed for what was generated so far.";
  else if (result.status === "invalid_output") message = result.validationError;
  else if (result.status === "refusal") message = `Claude declined to answer${result.refusalCategory ? ` (category: ${result.refusalCategory})` : ""}.`;
  return {
    status: result.status,
    message,
    errorType: result.status === "error" || result.status === "cancelled" ? result.error.type : null,
    httpStatus: result.status === "error" ? result.error.httpStatus : null,
    output: result.output,
    content: answerContent(result.response),
    toolCalls: toolCallReports(result, run.tools),
    toolRepairs: result.toolRepairs ?? [],
    ...(result.status === "ok" && result.parsed !== undefined ? { parsed: result.parsed } : {}),
    simulated: result.simulated,
    requestedModel: result.requestedModel,
    routedModel: result.routedModel ?? null,
    routingRule: result.routingRule ?? null,
    model: result.model,
    stopReason: result.stopReason,
    refusalCategory: result.refusalCategory,
    usage: result.usage,
    costMicros: result.costMicros,
    cost: await costBreakdown(result, prices),
    latencyMs: result.latencyMs,
    ttftMs: result.ttftMs,
    attempts: result.attempts,
    fallbacks: result.fallbacks,
    fallbackUsed: result.fallbackUsed,
    callId,
    versionId: run.versionId,
    versionLabel: run.versionLabel,
    fault: run.fault,
  };
}

/**
 * Runs a prepared run with streaming: emits `start`, an `attempt` per HTTP attempt (a UI clears
 * its streamed text on each), `text` deltas, then `done` with the facts. The call is logged
 * (source "playground", the user id and fault in metadata) whatever its status, aborted calls
 * included. Resolves with the facts; rejects only on a programming error (the edge reports it
 * as an `error` event).
 */
export async function executePlaygroundRun(
  run: PreparedPlaygroundRun,
  io: { onEvent: (event: PlaygroundEvent) => void; signal?: AbortSignal },
  deps: PlaygroundDeps = {},
): Promise<PlaygroundFacts> {
  const emit = io.onEvent;
  emit({
    type: "start",
    versionId: run.versionId,
    versionLabel: run.versionLabel,
    model: run.content.modelConfig.model,
    simulated: run.simulated,
    fault: run.fault,
    ignoredVariables: run.ignoredVariables,
  });
  const { result, callId } = await runAndLog(
    {
      projectId: run.projectId,
      settings: run.settings,
      promptId: run.promptId,
      versionId: run.versionId,
      version: run.content,
      variables: run.variables,
      ...(run.continuation.length > 0 ? { continuation: run.continuation as NonNullable<RunInput["continuation"]> } : {}),
      source: "playground",
      metadata: { userId: run.userId, ...(run.fault ? { fault: run.fault } : {}) },
      options: {
        stream: true,
        coerceStrings: true,
        onText: (delta) => emit({ type: "text", delta }),
        onAttempt: (a) => emit({ type: "attempt", index: a.index, model: a.model, kind: a.kind }),
        ...(io.signal ? { signal: io.signal } : {}),
        ...(run.headers ? { headers: run.headers } : {}),
        policy: run.policy,
      },
    },
    { ...(deps.run ? { run: deps.run } : {}), ...(deps.log ? { log: deps.log } : {}), ...(deps.runDeps ? { runDeps: deps.runDeps } : {}) },
  );
  const facts = await factsFromResult(result, { ...run, tools: run.content.modelConfig.tools }, callId, deps.prices ?? getPriceBook());
  emit({ type: "done", facts });
  return facts;
}
