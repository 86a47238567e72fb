import type { BodyPolicy, CallContext } from "@/lib/calls/record";
import type { CallLogRefusal } from "@/lib/calls/writer";
import { getCallLogWriter, logCallDurably } from "@/lib/metrics/call-log-writer";
import { ServiceUnavailableError } from "@/lib/errors/unavailable";
import { runPrompt, type CallSource, type RunDeps, type RunInput, type RunOptions, type RunResult, type RunnableVersion } from "@/lib/claude/runner";
import { loadProjectSettings, type ProjectSettings } from "@/lib/runs/settings";
import type { VariableInput } from "@/lib/prompts/render";
import { childLogger } from "@/lib/logger";
import { AppError } from "@/lib/errors";
import { describeIssue, inspectJsonInput } from "@/lib/errors/hostile";
import { getRunsInFlight } from "./in-flight";

const log = childLogger({ component: "runs" });

/** Variables and metadata end up in jsonb columns (metadata, request bodies): what they may hold. */
const LOGGABLE = { maxDepth: 64, maxNodes: 200_000 } as const;

/**
 * The one way Promptdeck runs a prompt version and logs the call. The public API, the
 * playground, experiment traffic and evaluations all come through here, so the project's policy
 * (`Project.settings.runner` for retries and timeouts, `settings.calls` for what the log keeps of
 * bodies) holds whichever door a call came in by.
 */

/** Per-call runner options a caller may set; the project policy and log context are runAndLog's. */
export type RunCallOptions = Pick<RunOptions, "stream" | "onText" | "onAttempt" | "signal" | "headers" | "coerceStrings" | "policy" | "model">;

export interface RunAndLogRequest {
  projectId: string;
  /** The project's resolved settings; loaded from the database when absent. */
  settings?: ProjectSettings;
  /** The prompt and version the call is logged under; null for a call of Promptdeck's own (the length audit's condense), linked to none. */
  promptId: string | null;
  versionId: string | null;
  version: RunnableVersion;
  variables: VariableInput;
  /** Turns appended after the rendered ones (the playground continuing after a tool call); see `RunInput.continuation`. */
  continuation?: RunInput["continuation"];
  source: CallSource;
  /** End user / subject key (only its hash is logged). */
  subject?: string | null;
  /** Kept with the logged call (who or what sent it). */
  metadata?: Record<string, unknown>;
  /** The experiment and variant that routed this call, if any. */
  experiment?: { experimentId: string; variantId: string };
  options?: RunCallOptions;
}

export interface RunAndLogDeps {
  run?: (input: RunInput) => Promise<RunResult>;
  /** Passed through to the runner (tests give a transport, a fast sleep...). */
  runDeps?: RunDeps;
  log?: (result: RunResult, context: CallContext, options: { bodies?: BodyPolicy }) => string | null;
  loadSettings?: (projectId: string) => Promise<ProjectSettings>;
}

export interface RunAndLogResult {
  result: RunResult;
  /** The logged call's id; null when the log refused it (writer full or stopped). */
  callId: string | null;
  /** Set when the call was made but its row may not be acknowledged (not durable): the edge answers 503. */
  logRefusal?: CallLogRefusal;
  settings: ProjectSettings;
}

async function settingsFromDatabase(projectId: string): Promise<ProjectSettings> {
  const { settings, problems } = await loadProjectSettings(projectId);
  for (const problem of problems) log.warn({ projectId }, problem);
  return settings;
}

/**
 * The call's variables, kept in its metadata (`metadata.variables`) when the project stores
 * bodies and they fit the body size limit, so a logged call can become a dataset item.
 */
function variablesMetadata(variables: VariableInput, bodies: BodyPolicy | undefined): { metadata?: { variables: Record<string, unknown> } } {
  if (!bodies?.storeBodies) return {};
  const text = JSON.stringify(variables);
  if (text === undefined || Buffer.byteLength(text) > bodies.maxBodyBytes) return {};
  return { metadata: { variables: JSON.parse(text) as Record<string, unknown> } };
}

/**
 * Runs `version` with `variables` under the project's runner policy and logs the call under the
 * project's body policy, whatever its status (errors, refusals and aborted calls included).
 * Throws only what the runner throws before calling Claude (AppError unprocessable for bad
 * variables), AppError unprocessable for variables or metadata the call log cannot store (checked
 * first, so nothing is run), database errors while loading settings, and
 * `ServiceUnavailableError` before calling Claude when the process-wide call log would refuse the
 * row (buffer full: the call is not made, so it is not paid for and then lost); API failures are
 * a result with status "error". With the process-wide writer, it resolves once the row may be
 * acknowledged (`logCallDurably`).
 *
 * While it runs, the call is in the process's `RunsInFlight` (./in-flight.ts): a shutdown whose
 * drain deadline passes aborts it (`cancelled`, error type `aborted`, logged with the usage known) and
 * waits for its row before the call log closes.
 */
export async function runAndLog(request: RunAndLogRequest, deps: RunAndLogDeps = {}): Promise<RunAndLogResult> {
  // What the call log could not store is refused before Claude is called (a paid call that cannot
  // be logged): NUL or unpaired surrogates in a string or key, non-finite numbers, deep nesting.
  const problem = inspectJsonInput({ variables: request.variables, metadata: request.metadata ?? {}, continuation: request.continuation ?? [] }, LOGGABLE);
  if (problem) throw new AppError("unprocessable", `The call cannot be logged: ${describeIssue(problem)}`, { issues: [problem] });
  if (!deps.log) {
    const refusal = getCallLogWriter().refusal();
    if (refusal) throw new ServiceUnavailableError(refusal.message, refusal.retryAfterSeconds);
  }
  const settings = request.settings ?? (await (deps.loadSettings ?? settingsFromDatabase)(request.projectId));
  const inFlight = getRunsInFlight().begin(request.options?.signal);
  try {
    return await runThenLog(request, deps, settings, inFlight.signal);
  } finally {
    inFlight.end();
  }
}

async function runThenLog(request: RunAndLogRequest, deps: RunAndLogDeps, settings: ProjectSettings, signal: AbortSignal): Promise<RunAndLogResult> {
  const result = await (deps.run ?? runPrompt)({
    version: request.version,
    variables: request.variables,
    ...(request.continuation ? { continuation: request.continuation } : {}),
    options: {
      ...request.options,
      signal,
      source: request.source,
      ...(request.subject !== undefined ? { subject: request.subject } : {}),
      metadata: request.metadata ?? {},
      ...(settings.runner ? { projectSettings: settings.runner } : {}),
    },
    ...(deps.runDeps ? { deps: deps.runDeps } : {}),
  });
  const context: CallContext = {
    projectId: request.projectId,
    promptId: request.promptId,
    versionId: request.versionId,
    ...(request.experiment ?? {}),
    source: request.source,
    ...(request.subject !== undefined ? { subject: request.subject } : {}),
    ...variablesMetadata(request.variables, settings.bodies),
  };
  if (deps.log) return { result, callId: deps.log(result, context, { bodies: settings.bodies }), settings };
  const logged = await logCallDurably(result, context, { bodies: settings.bodies });
  return { result, callId: logged.callId, settings, ...(logged.refusal ? { logRefusal: logged.refusal } : {}) };
}
