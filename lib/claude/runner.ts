import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { canonicalJson } from "@/lib/canonical-json";
import { computeCallCost, findModel, type ModelSpec, type TokenUsage } from "@/lib/models/catalog";
import { longestVariable, parseOverflowMessage, planChunkCount, splitText } from "@/lib/claude/chunking";
import { getClaudeTransport, partialStreamOf, type ClaudeMessage, type ClaudeRequest, type ClaudeTransport } from "@/lib/claude/client";
import { estimateTokens } from "@/lib/models/tokens";
import {
  describeInvalidToolCalls,
  invalidToolCalls,
  repairMessage,
  toolCallsOf,
  toolRepairContent,
  validateJsonOutput,
  type ToolCall,
} from "@/lib/claude/output";
import { getPriceBook, type PriceBook } from "@/lib/models/pricing";
import { getResponseCache, type ResponseCache } from "@/lib/claude/response-cache";
import {
  AttemptTimeoutError,
  CallerAbortError,
  classifyError,
  DeadlineExceededError,
  resolveRetryPolicy,
  retryDelay,
  shouldRetry,
  type ErrorClassification,
  type ErrorKind,
  type ProjectRunnerSettings,
  type RetryPolicy,
} from "@/lib/claude/retry";
import { renderVersion, type RenderedRequest, type VariableInput } from "@/lib/prompts/render";
import { routeCall } from "@/lib/prompts/route-call";
import { timeLimitedPatternTest } from "@/lib/claude/routing-regex";
import type { PromptVersionContent } from "@/lib/prompts/schemas";

/**
 * The resilient runner: renders a prompt version, calls Claude through the transport with the
 * retry policy, per-attempt timeout and overall deadline, validates JSON output (one repair
 * retry), handles context overflow (fail / chunk_concat / chunk_summarize), refusals and the
 * fallback chain (fallback model -> last good cached response -> graceful failure), and returns
 * a complete record of what happened. It never throws for API failures.
 */

export type CallSource = "api" | "playground" | "experiment" | "eval" | "ingest";
export type RunStatus = "ok" | "error" | "refusal" | "invalid_output" | "cancelled";
export type AttemptKind = "initial" | "retry" | "repair" | "fallback" | "chunk" | "summary";

/** One HTTP attempt. */
export interface AttemptRecord {
  model: string;
  kind: AttemptKind;
  /** "ok" when a response arrived (whatever its stop reason), "refusal" for a refusal, else "error". */
  status: "ok" | "refusal" | "error";
  error?: { type: ErrorKind; message: string; httpStatus: number | null };
  durationMs: number;
}

export type FallbackRecord = { type: "model"; model: string; reason: string } | { type: "cached_response"; reason: string; cachedAt: string };

interface RunResultCommon {
  status: RunStatus;
  /** The text the model produced (concatenated text blocks; partial text for a refusal). */
  output: string;
  /** Token totals over every response that was billed (repairs, chunks and fallbacks included). */
  usage: TokenUsage;
  /** Exact cost in integer micro-dollars of every billed response, each at its own model's price. */
  costMicros: number;
  latencyMs: number;
  /** Time from the start of the call to the first text delta of the returned output (streaming only). */
  ttftMs: number | null;
  attempts: AttemptRecord[];
  fallbacks: FallbackRecord[];
  /** The fallbacks as one string for the call log (`model:claude-haiku-5-5`, `cached_response`), or null. */
  fallbackUsed: string | null;
  /** The model that produced the returned output (the routed or requested one unless a fallback answered). */
  model: string;
  /** The version's model (or the caller's explicit `model`), before routing. */
  requestedModel: string;
  /** Model routing (lib/prompts/routing.ts): the model the version's rules picked; null when the version has no rules (or a model was forced). */
  routedModel?: string | null;
  /** The rule that fired ("default" when none did); null without routing. */
  routingRule?: string | null;
  stopReason: string | null;
  refusalCategory: string | null;
  simulated: boolean;
  /** The Messages API request sent first (rendered from the version). */
  request: ClaudeRequest;
  /** The last response message (or the cached one), null when none arrived. */
  response: unknown;
  source: CallSource;
  metadata: Record<string, unknown>;
  subject: string | null;
  /** Set when the context-overflow strategy split the input. */
  chunks: number | null;
  /** The tool_use blocks of the returned answer (stop_reason "tool_use"), inputs validated against their schemas; [] or absent when none. */
  toolCalls?: ToolCall[];
  /** Tool-input repair retries that happened: the calls each rejected answer made with invalid inputs, and why; [] or absent when none. */
  toolRepairs?: ToolRepair[];
}

/** One tool-input repair: the model's answer had calls whose inputs broke their schemas, so it was asked again. */
export interface ToolRepair {
  model: string;
  /** Every call of the rejected answer with its problems ([] for the calls that fitted). */
  calls: Array<ToolCall & { problems: string[] }>;
}

export interface RunOk extends RunResultCommon {
  status: "ok";
  /** The validated JSON value when the version's output is JSON. */
  parsed?: unknown;
  error: null;
}
export interface RunRefusal extends RunResultCommon {
  status: "refusal";
  error: null;
}
export interface RunInvalidOutput extends RunResultCommon {
  status: "invalid_output";
  /** What the validator said about the last (repaired) output. */
  validationError: string;
  error: null;
}
export interface RunError extends RunResultCommon {
  status: "error";
  error: { type: ErrorKind; message: string; httpStatus: number | null; requestId: string | null };
}
/**
 * The caller aborted (a client that went away mid-stream): not an error of the prompt or of
 * Claude. `usage` and `costMicros` hold what was billed up to then (a started stream's input
 * tokens from message_start, its output estimated from the deltas seen); `output` the text seen.
 */
export interface RunCancelled extends RunResultCommon {
  status: "cancelled";
  error: { type: "aborted"; message: string; httpStatus: null; requestId: string | null };
}
export type RunResult = RunOk | RunRefusal | RunInvalidOutput | RunError | RunCancelled;

export interface RunOptions {
  source: CallSource;
  /** Stream the response (records time to first token; `onText` receives deltas). */
  stream?: boolean;
  onText?: (delta: string) => void;
  /** Called before every HTTP attempt (a UI resets its streamed text on retries). */
  onAttempt?: (info: { model: string; kind: AttemptKind; index: number }) => void;
  /** Aborts the call; the result is `cancelled` (billed for what a started stream generated). */
  signal?: AbortSignal;
  metadata?: Record<string, unknown>;
  /** The end user / subject key (hashed by the call log). */
  subject?: string | null;
  /** Project defaults (`Project.settings.runner`). */
  projectSettings?: ProjectRunnerSettings;
  /** Explicit policy overrides, highest precedence (tests clamp waits with these). */
  policy?: Partial<RetryPolicy>;
  /** Send to this model instead of the version's. */
  model?: string;
  /** Extra HTTP headers on every attempt (simulator fault injection in tests and demos). */
  headers?: Record<string, string>;
  /** Parse string values of number/boolean/json variables (form input). */
  coerceStrings?: boolean;
}

/** Injectable collaborators; production code passes none. */
export interface RunDeps {
  transport?: ClaudeTransport;
  prices?: PriceBook;
  responseCache?: ResponseCache;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

export type RunnableVersion = Pick<PromptVersionContent, "system" | "messages" | "variables" | "modelConfig" | "outputSchema" | "policy"> &
  Partial<Pick<PromptVersionContent, "snippets">>;

export interface RunInput {
  version: RunnableVersion;
  variables: VariableInput;
  /**
   * Turns appended after the rendered ones (the playground continuing a conversation: the
   * answer with its tool calls, then the user's tool results). The caller checks them
   * (lib/prompts/history.ts `historyProblems`); they are sent as given.
   */
  continuation?: ReadonlyArray<{ role: "user" | "assistant"; content: unknown }>;
  options: RunOptions;
  deps?: RunDeps;
}

/** Sleeps `ms`, rejecting with CallerAbortError when `signal` aborts. */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw new CallerAbortError();
  if (ms <= 0) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    if (signal?.aborted) throw new CallerAbortError();
    throw error;
  }
}

const ZERO_USAGE: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 };

/** TokenUsage from a Messages API usage object (null fields count as 0). */
export function usageFromMessage(message: Pick<ClaudeMessage, "usage">): TokenUsage {
  const u = message.usage;
  const write = u.cache_creation_input_tokens ?? 0;
  const write1h = u.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  return {
    inputTokens: u.input_tokens,
    outputTokens: u.output_tokens,
    cacheWriteTokens: write,
    cacheWrite1hTokens: Math.min(write1h, write),
    cacheReadTokens: u.cache_read_input_tokens ?? 0,
  };
}

function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    cacheWrite1hTokens: a.cacheWrite1hTokens + b.cacheWrite1hTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
  };
}

/** The concatenated text blocks of a message. */
export function messageText(message: Pick<ClaudeMessage, "content">): string {
  let text = "";
  for (const block of message.content) if (block.type === "text") text += block.text;
  return text;
}

/** The identity of "identical inputs" for the cached-response fallback: request + output format. */
export function requestHash(request: unknown, outputSchema: unknown): string {
  return createHash("sha256").update(canonicalJson({ request, outputSchema })).digest("hex");
}

type ModelOutcome =
  | { kind: "ok"; model: string; message: ClaudeMessage; text: string; parsed?: unknown; ttftMs: number | null }
  | { kind: "refusal"; model: string; message: ClaudeMessage; text: string }
  | { kind: "invalid_output"; model: string; message: ClaudeMessage; text: string; error: string }
  | { kind: "overflow"; model: string; failure: ErrorClassification | null; message: ClaudeMessage | null; request: ClaudeRequest }
  | { kind: "error"; model: string; failure: ErrorClassification; message: ClaudeMessage | null };

type AttemptOutcome = { ok: true; message: ClaudeMessage; ttftMs: number | null } | { ok: false; failure: ErrorClassification };

/** Kinds after which the fallback model is tried (transient failures that outlived the retries, or a missing model). */
const FALLBACK_KINDS: ReadonlySet<ErrorKind> = new Set([
  "rate_limited",
  "overloaded",
  "server_error",
  "connection",
  "timeout",
  "stream_error",
  "not_found",
  "deadline_exceeded",
  "unknown",
]);

const CHUNK_CONCURRENCY = 4;

class RunContext {
  readonly attempts: AttemptRecord[] = [];
  usage: TokenUsage = ZERO_USAGE;
  costMicros = 0;
  readonly startedAt: number;
  readonly deadlineAt: number;
  lastMessage: ClaudeMessage | null = null;
  /** Time to first token of the latest streamed attempt that produced text (ms from the call's start). */
  lastTtftMs: number | null = null;
  /** The text a stream delivered before the caller aborted it. */
  abortedText: string | null = null;
  /** Tool-input repairs, in order. */
  readonly toolRepairs: ToolRepair[] = [];

  constructor(
    readonly policy: RetryPolicy,
    readonly options: RunOptions,
    readonly transport: ClaudeTransport,
    readonly catalog: readonly ModelSpec[],
    readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
    readonly now: () => number,
    readonly random: () => number,
  ) {
    this.startedAt = now();
    this.deadlineAt = this.startedAt + policy.deadlineMs;
  }

  spec(model: string): ModelSpec | undefined {
    return findModel(model, this.catalog);
  }

  private bill(model: string, message: ClaudeMessage, usage: TokenUsage = usageFromMessage(message)): void {
    this.usage = addUsage(this.usage, usage);
    const spec = this.spec(model) ?? this.spec(message.model);
    if (spec) this.costMicros += computeCallCost(usage, spec).totalMicros;
    this.lastMessage = message;
  }

  /** One HTTP attempt under the per-attempt timeout, the deadline and the caller's signal. */
  async attempt(request: ClaudeRequest, kind: AttemptKind): Promise<AttemptOutcome> {
    const model = request.model;
    const start = this.now();
    const remaining = this.deadlineAt - start;
    if (remaining <= 0) return { ok: false, failure: classifyError(new DeadlineExceededError(this.policy.deadlineMs)) };
    if (this.options.signal?.aborted) return { ok: false, failure: classifyError(new CallerAbortError()) };
    const limitedByDeadline = remaining < this.policy.timeoutMs;
    const timeoutMs = Math.min(this.policy.timeoutMs, remaining);
    const controller = new AbortController();
    let reason: "timeout" | "caller" | null = null;
    const timer = setTimeout(() => {
      reason ??= "timeout";
      controller.abort();
    }, timeoutMs);
    const onCallerAbort = () => {
      reason ??= "caller";
      controller.abort();
    };
    this.options.signal?.addEventListener("abort", onCallerAbort, { once: true });
    this.options.onAttempt?.({ model, kind, index: this.attempts.length });

    let firstTokenAt: number | null = null;
    try {
      const callOptions = { signal: controller.signal, timeoutMs: timeoutMs + 1_000, ...(this.options.headers ? { headers: this.options.headers } : {}) };
      const message = this.options.stream
        ? await this.transport.streamMessage(request, {
            ...callOptions,
            onText: (delta) => {
              firstTokenAt ??= this.now();
              this.options.onText?.(delta);
            },
          })
        : await this.transport.createMessage(request, callOptions);
      if (reason !== null) throw new Error("aborted");
      this.attempts.push({ model, kind, status: message.stop_reason === "refusal" ? "refusal" : "ok", durationMs: this.now() - start });
      this.bill(model, message);
      return { ok: true, message, ttftMs: firstTokenAt !== null ? firstTokenAt - this.startedAt : null };
    } catch (error) {
      const failure = classifyError(
        reason === "timeout"
          ? limitedByDeadline
            ? new DeadlineExceededError(this.policy.deadlineMs)
            : new AttemptTimeoutError(timeoutMs)
          : reason === "caller"
            ? new CallerAbortError()
            : error,
        this.now(),
      );
      this.attempts.push({
        model,
        kind,
        status: "error",
        error: { type: failure.kind, message: failure.message, httpStatus: failure.httpStatus },
        durationMs: this.now() - start,
      });
      // A stream the caller aborted after message_start was billed: its input (final in
      // message_start) and the output generated so far (estimated from the deltas seen).
      const partial = reason === "caller" ? partialStreamOf(error) : null;
      if (partial) {
        const started = usageFromMessage(partial.message);
        this.bill(model, partial.message, { ...started, outputTokens: Math.max(started.outputTokens, estimateTokens(partial.text)) });
        this.abortedText = partial.text;
      }
      return { ok: false, failure };
    } finally {
      if (firstTokenAt !== null) this.lastTtftMs = firstTokenAt - this.startedAt;
      clearTimeout(timer);
      this.options.signal?.removeEventListener("abort", onCallerAbort);
    }
  }

  /** Attempts with retries per the policy; the first attempt has `kind`, later ones "retry". */
  async withRetries(request: ClaudeRequest, kind: AttemptKind): Promise<AttemptOutcome> {
    for (let retries = 0; ; retries++) {
      const outcome = await this.attempt(request, retries === 0 ? kind : "retry");
      if (outcome.ok || !shouldRetry(outcome.failure, retries, this.policy)) return outcome;
      const delay = retryDelay(retries, outcome.failure, this.policy, this.random);
      if (this.now() + delay >= this.deadlineAt) {
        return {
          ok: false,
          failure: {
            ...outcome.failure,
            kind: "deadline_exceeded",
            retryable: false,
            message: `${outcome.failure.message} (no time left for another retry before the ${this.policy.deadlineMs} ms deadline)`,
          },
        };
      }
      try {
        await this.sleep(delay, this.options.signal);
      } catch {
        return { ok: false, failure: classifyError(new CallerAbortError()) };
      }
    }
  }

  /** A request on one model through retries, stop-reason handling and JSON validation + repair. */
  async complete(request: ClaudeRequest, kind: AttemptKind, schema: Record<string, unknown> | null): Promise<ModelOutcome> {
    const model = request.model;
    const first = await this.withRetries(request, kind);
    if (!first.ok) {
      if (first.failure.kind === "context_overflow") return { kind: "overflow", model, failure: first.failure, message: null, request };
      return { kind: "error", model, failure: first.failure, message: null };
    }
    const message = first.message;
    const text = messageText(message);
    if (message.stop_reason === "model_context_window_exceeded") return { kind: "overflow", model, failure: null, message, request };
    if (message.stop_reason === "refusal") return { kind: "refusal", model, message, text };
    const calls = toolCallsOf(message.content);
    if (calls.length > 0) return this.checkToolCalls(request, kind, message, text, calls, first.ttftMs);
    if (!schema) return { kind: "ok", model, message, text, ttftMs: first.ttftMs };

    const checked = validateJsonOutput(text, schema);
    if (checked.ok) return { kind: "ok", model, message, text, parsed: checked.value, ttftMs: first.ttftMs };

    // The repair retry: show the model its answer and the validator's complaint, once.
    const repair = withRepairTurn(request, text, repairMessage(checked.error, schema));
    const second = await this.withRetries(repair, "repair");
    if (!second.ok) return { kind: "error", model, failure: second.failure, message };
    const text2 = messageText(second.message);
    if (second.message.stop_reason === "refusal") return { kind: "refusal", model, message: second.message, text: text2 };
    const rechecked = validateJsonOutput(text2, schema);
    if (rechecked.ok) return { kind: "ok", model, message: second.message, text: text2, parsed: rechecked.value, ttftMs: second.ttftMs };
    return { kind: "invalid_output", model, message: second.message, text: text2, error: rechecked.error };
  }

  /**
   * A tool_use answer: each call's input is validated against its tool's input_schema; when one
   * does not fit, the repair retry shows the model an error tool_result per call and asks again,
   * once (like JSON output). Still invalid: `invalid_output` naming every bad call.
   */
  private async checkToolCalls(
    request: ClaudeRequest,
    kind: AttemptKind,
    message: ClaudeMessage,
    text: string,
    calls: ToolCall[],
    ttftMs: number | null,
  ): Promise<ModelOutcome> {
    const model = request.model;
    const tools = (request.tools ?? []).flatMap((t) =>
      "input_schema" in t ? [{ name: t.name, input_schema: t.input_schema as Record<string, unknown> }] : [],
    );
    const invalid = invalidToolCalls(calls, tools);
    if (invalid.length === 0) return { kind: "ok", model, message, text, ttftMs };
    if (kind === "repair") return { kind: "invalid_output", model, message, text, error: describeInvalidToolCalls(invalid) };
    const problemsOf = new Map(invalid.map((i) => [i.call.id, i.problems]));
    this.toolRepairs.push({ model, calls: calls.map((c) => ({ ...c, problems: problemsOf.get(c.id) ?? [] })) });
    const second = await this.withRetries(withToolRepairTurn(request, message, calls, invalid), "repair");
    if (!second.ok) return { kind: "error", model, failure: second.failure, message };
    const text2 = messageText(second.message);
    if (second.message.stop_reason === "refusal") return { kind: "refusal", model, message: second.message, text: text2 };
    const calls2 = toolCallsOf(second.message.content);
    const invalid2 = invalidToolCalls(calls2, tools);
    if (invalid2.length === 0) return { kind: "ok", model, message: second.message, text: text2, ttftMs: second.ttftMs };
    return { kind: "invalid_output", model, message: second.message, text: text2, error: describeInvalidToolCalls(invalid2) };
  }
}

/** Appends the answer with its tool calls and, per call, an error tool_result naming what was wrong (the tool-input repair turn). */
function withToolRepairTurn(
  request: ClaudeRequest,
  answer: ClaudeMessage,
  calls: readonly ToolCall[],
  invalid: ReturnType<typeof invalidToolCalls>,
): ClaudeRequest {
  const messages = [...request.messages];
  messages.push({ role: "assistant", content: answer.content as unknown as Exclude<ClaudeRequest["messages"][number]["content"], string> });
  messages.push({ role: "user", content: toolRepairContent(calls, invalid) as unknown as Exclude<ClaudeRequest["messages"][number]["content"], string> });
  return { ...request, messages };
}

/** Appends the model's answer and a repair request (merging into a trailing assistant prefill). */
function withRepairTurn(request: ClaudeRequest, answer: string, complaint: string): ClaudeRequest {
  const messages = [...request.messages];
  const last = messages[messages.length - 1];
  const answerText = answer.trim() === "" ? "(no output)" : answer;
  if (last?.role === "assistant") {
    const prefill = typeof last.content === "string" ? last.content : last.content.map((b) => (b.type === "text" ? b.text : "")).join("");
    messages[messages.length - 1] = { role: "assistant", content: [{ type: "text", text: prefill + answerText }] };
  } else {
    messages.push({ role: "assistant", content: [{ type: "text", text: answerText }] });
  }
  messages.push({ role: "user", content: [{ type: "text", text: complaint }] });
  return { ...request, messages };
}

/** Maps `items` with at most `limit` calls of `fn` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function toClaudeRequest(rendered: RenderedRequest): ClaudeRequest {
  return rendered as ClaudeRequest;
}

/** The request with the caller's continuation turns appended (see `RunInput.continuation`). */
function withContinuation(request: ClaudeRequest, continuation: RunInput["continuation"]): ClaudeRequest {
  if (!continuation || continuation.length === 0) return request;
  return { ...request, messages: [...request.messages, ...(continuation as ClaudeRequest["messages"])] };
}

/**
 * The context-overflow strategy: split the longest string variable into chunks that fit, run
 * each (JSON validated per chunk for chunk_concat), then concatenate the outputs or make one
 * summarising call over them. Returns an overflow/error outcome when splitting cannot help.
 */
async function runChunked(
  ctx: RunContext,
  input: RunInput,
  overflow: Extract<ModelOutcome, { kind: "overflow" }>,
  strategy: "chunk_concat" | "chunk_summarize",
  schema: Record<string, unknown> | null,
): Promise<{ outcome: ModelOutcome; chunks: number | null }> {
  const { version, variables, options } = input;
  const model = overflow.model;
  const target = longestVariable(variables);
  const spec = ctx.spec(model);
  const promptChars = canonicalJson({ system: overflow.request.system, messages: overflow.request.messages }).length;
  let promptTokens: number;
  let budget: number;
  const parsed = overflow.failure ? parseOverflowMessage(overflow.failure.message) : null;
  if (parsed) {
    promptTokens = parsed.promptTokens;
    budget = parsed.maxTokens;
  } else {
    const usage = overflow.message ? usageFromMessage(overflow.message) : null;
    promptTokens = usage ? usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens : Math.ceil(promptChars / 3.5);
    budget = Math.max(1, (spec?.contextWindow ?? promptTokens) - overflow.request.max_tokens);
  }
  const count = target ? planChunkCount({ promptTokens, budgetTokens: budget, promptChars, variableChars: target.value.length, safety: 0.15 }) : null;
  if (!target || count === null) {
    const failure: ErrorClassification = overflow.failure ?? {
      kind: "context_overflow",
      retryable: false,
      httpStatus: null,
      apiType: null,
      message: "the output ran out of context window and no variable can be split",
      retryAfterMs: null,
      requestId: null,
    };
    return { outcome: { kind: "error", model, failure: { ...failure, kind: "context_overflow" }, message: overflow.message }, chunks: null };
  }
  const pieces = splitText(target.value, count);
  const render = (value: string) =>
    toClaudeRequest(renderVersion(version, { ...variables, [target.name]: value }, { model, coerceStrings: options.coerceStrings, catalog: ctx.catalog }));
  const outcomes = await mapLimit(pieces, CHUNK_CONCURRENCY, (piece) => ctx.complete(render(piece), "chunk", strategy === "chunk_concat" ? schema : null));
  for (const o of outcomes) {
    if (o.kind === "overflow") {
      const failure: ErrorClassification = {
        kind: "context_overflow",
        retryable: false,
        httpStatus: o.failure?.httpStatus ?? null,
        apiType: o.failure?.apiType ?? null,
        message: `a chunk still overflowed after splitting into ${pieces.length}: ${o.failure?.message ?? "context window exceeded"}`,
        retryAfterMs: null,
        requestId: o.failure?.requestId ?? null,
      };
      return { outcome: { kind: "error", model, failure, message: o.message }, chunks: pieces.length };
    }
    if (o.kind !== "ok") return { outcome: o, chunks: pieces.length };
  }
  const oks = outcomes as Array<Extract<ModelOutcome, { kind: "ok" }>>;
  const lastOk = oks[oks.length - 1];
  if (!lastOk) return { outcome: { kind: "error", model, failure: classifyError(new Error("no chunks")), message: null }, chunks: 0 };
  if (strategy === "chunk_concat") {
    const text = oks.map((o) => o.text).join("\n\n");
    return {
      outcome: { kind: "ok", model, message: lastOk.message, text, ...(schema ? { parsed: oks.map((o) => o.parsed) } : {}), ttftMs: oks[0]?.ttftMs ?? null },
      chunks: pieces.length,
    };
  }
  // chunk_summarize: one more call with the version's instructions over the partial answers.
  const firstRequest = render(pieces[0] ?? "");
  const parts = oks.map((o, i) => `<part index="${i + 1}">\n${o.text}\n</part>`).join("\n");
  const summaryRequest: ClaudeRequest = {
    ...firstRequest,
    messages: [
      {
        role: "user",
        content: [
          {
            type: "text",
            text: `The input (${target.name}) was too long for one request, so it was processed in ${oks.length} parts. These are the answers for each part:\n${parts}\n\nCombine them into one final answer to the original request, following the same instructions and output format.`,
          },
        ],
      },
    ],
  };
  const summary = await ctx.complete(summaryRequest, "summary", schema);
  if (summary.kind === "overflow") {
    return {
      outcome: {
        kind: "error",
        model,
        failure: { ...(summary.failure ?? classifyError(new Error("the summary overflowed"))), kind: "context_overflow", retryable: false },
        message: summary.message,
      },
      chunks: pieces.length,
    };
  }
  return { outcome: summary, chunks: pieces.length };
}

/**
 * Runs a prompt version once and returns the full record. Throws only for caller/programmer
 * errors: invalid variables or an unknown override model (`AppError("unprocessable")` from
 * renderVersion). Every API failure becomes a result:
 * - `ok`: `output` (and `parsed` for JSON output, validated with ajv, after at most one repair);
 * - `refusal`: stop_reason refusal, with `refusalCategory` (retried on the fallback model when
 *   the policy's `refusalFallback` is on);
 * - `invalid_output`: JSON that failed validation twice;
 * - `error`: retries exhausted / not retryable / deadline / aborted, after the fallback chain:
 *   the version's `fallback_model`, else the project's (for transient failures and 404), then, with
 *   `allow_cached_fallback`, the last good response for the identical request (status ok,
 *   `fallbacks` says so).
 * Context overflow follows `policy.context_strategy` (default fail). Cost is exact, from the
 * price book (ModelPrice table, seed fallback), summed over every billed response.
 */
export async function runPrompt(input: RunInput): Promise<RunResult> {
  const { version, variables, options } = input;
  const deps = input.deps ?? {};
  const prices = deps.prices ?? getPriceBook();
  const [transport, catalog] = await Promise.all([deps.transport ? Promise.resolve(deps.transport) : getClaudeTransport(), prices.catalog()]);
  const policy = resolveRetryPolicy(options.projectSettings, version.policy, options.policy);
  const ctx = new RunContext(policy, options, transport, catalog, deps.sleep ?? abortableSleep, deps.now ?? Date.now, deps.random ?? Math.random);
  const cache = deps.responseCache ?? getResponseCache();

  const requestedModel = options.model ?? version.modelConfig.model;
  // Model routing: the version's rules pick the model unless the caller forced one.
  const route =
    options.model === undefined
      ? routeCall(version, variables, {
          metadata: options.metadata ?? {},
          coerceStrings: options.coerceStrings,
          catalog,
          extraMessages: input.continuation ?? [],
          test: timeLimitedPatternTest,
        })
      : null;
  const sendModel = route?.model ?? requestedModel;
  const request = withContinuation(
    toClaudeRequest(renderVersion(version, variables, { model: sendModel, coerceStrings: options.coerceStrings, catalog })),
    input.continuation,
  );
  const schema = version.outputSchema.format === "json" ? version.outputSchema.schema : null;
  const cacheKey = requestHash(request, version.outputSchema);
  const fallbacks: FallbackRecord[] = [];
  let chunks: number | null = null;

  let outcome = await ctx.complete(request, "initial", schema);
  if (outcome.kind === "overflow") {
    const strategy = version.policy.context_strategy ?? "fail";
    if (strategy === "fail") {
      const failure: ErrorClassification = outcome.failure ?? {
        kind: "context_overflow",
        retryable: false,
        httpStatus: null,
        apiType: null,
        message: "the model ran out of context window while generating (stop_reason model_context_window_exceeded)",
        retryAfterMs: null,
        requestId: null,
      };
      outcome = { kind: "error", model: outcome.model, failure: { ...failure, kind: "context_overflow" }, message: outcome.message };
    } else {
      const chunked = await runChunked(ctx, input, outcome, strategy, schema);
      outcome = chunked.outcome;
      chunks = chunked.chunks;
    }
  }

  const fallbackModel = version.policy.fallback_model ?? options.projectSettings?.fallback_model;
  const wantsModelFallback = (outcome.kind === "error" && FALLBACK_KINDS.has(outcome.failure.kind)) || (outcome.kind === "refusal" && policy.refusalFallback);
  if (wantsModelFallback && fallbackModel && fallbackModel !== sendModel && ctx.now() < ctx.deadlineAt && !options.signal?.aborted) {
    fallbacks.push({ type: "model", model: fallbackModel, reason: outcome.kind === "error" ? outcome.failure.kind : "refusal" });
    const fbRequest = withContinuation(
      toClaudeRequest(renderVersion(version, variables, { model: fallbackModel, coerceStrings: options.coerceStrings, catalog })),
      input.continuation,
    );
    const fb = await ctx.complete(fbRequest, "fallback", schema);
    outcome =
      fb.kind === "overflow"
        ? {
            kind: "error",
            model: fallbackModel,
            failure: { ...(fb.failure ?? classifyError(new Error("context window exceeded"))), kind: "context_overflow", retryable: false },
            message: fb.message,
          }
        : fb;
  }

  const latency = () => ctx.now() - ctx.startedAt;
  const common = {
    usage: ctx.usage,
    costMicros: ctx.costMicros,
    attempts: ctx.attempts,
    fallbacks,
    requestedModel,
    routedModel: route?.model ?? null,
    routingRule: route?.rule ?? null,
    simulated: transport.simulated,
    request,
    source: options.source,
    metadata: options.metadata ?? {},
    subject: options.subject ?? null,
    chunks,
    toolRepairs: ctx.toolRepairs,
  };
  const toolCalls = "message" in outcome && outcome.message ? toolCallsOf(outcome.message.content) : [];
  const fallbackUsed = () => (fallbacks.length === 0 ? null : fallbacks.map((f) => (f.type === "model" ? `model:${f.model}` : f.type)).join(","));

  if (outcome.kind === "error" && version.policy.allow_cached_fallback && outcome.failure.kind !== "aborted") {
    const cached = cache.get(cacheKey);
    if (cached) {
      fallbacks.push({ type: "cached_response", reason: outcome.failure.kind, cachedAt: new Date(cached.at).toISOString() });
      return {
        ...common,
        status: "ok",
        output: cached.output,
        ...(cached.parsed !== undefined ? { parsed: cached.parsed } : {}),
        latencyMs: latency(),
        ttftMs: null,
        fallbackUsed: fallbackUsed(),
        model: cached.model,
        stopReason: cached.stopReason,
        refusalCategory: null,
        response: { cached: true, model: cached.model, output: cached.output, at: new Date(cached.at).toISOString() },
        toolCalls: [],
        error: null,
      };
    }
  }

  const base = { ...common, latencyMs: latency(), fallbackUsed: fallbackUsed(), toolCalls };
  switch (outcome.kind) {
    case "ok":
      // A tool-call answer is one step of a conversation, not an answer to serve again.
      if (toolCalls.length === 0)
        cache.set(cacheKey, { model: outcome.model, output: outcome.text, parsed: outcome.parsed, stopReason: outcome.message.stop_reason, at: ctx.now() });
      return {
        ...base,
        status: "ok",
        output: outcome.text,
        ...(schema ? { parsed: outcome.parsed } : {}),
        ttftMs: options.stream ? outcome.ttftMs : null,
        model: outcome.model,
        stopReason: outcome.message.stop_reason,
        refusalCategory: null,
        response: outcome.message,
        error: null,
      };
    case "refusal":
      return {
        ...base,
        status: "refusal",
        output: outcome.text,
        ttftMs: options.stream ? ctx.lastTtftMs : null,
        model: outcome.model,
        stopReason: "refusal",
        refusalCategory: outcome.message.stop_details?.category ?? null,
        response: outcome.message,
        error: null,
      };
    case "invalid_output":
      return {
        ...base,
        status: "invalid_output",
        output: outcome.text,
        validationError: outcome.error,
        ttftMs: options.stream ? ctx.lastTtftMs : null,
        model: outcome.model,
        stopReason: outcome.message.stop_reason,
        refusalCategory: null,
        response: outcome.message,
        error: null,
      };
    case "error":
    case "overflow": {
      const failure = outcome.kind === "error" ? outcome.failure : (outcome.failure ?? classifyError(new Error("context window exceeded")));
      if (failure.kind === "aborted") {
        return {
          ...base,
          status: "cancelled",
          output: ctx.abortedText ?? "",
          ttftMs: options.stream ? ctx.lastTtftMs : null,
          model: outcome.model,
          stopReason: null,
          refusalCategory: null,
          response: ctx.lastMessage,
          error: { type: "aborted", message: failure.message, httpStatus: null, requestId: failure.requestId },
        };
      }
      return {
        ...base,
        status: "error",
        output: outcome.message ? messageText(outcome.message) : "",
        ttftMs: options.stream ? ctx.lastTtftMs : null,
        model: outcome.model,
        stopReason: outcome.message?.stop_reason ?? null,
        refusalCategory: null,
        response: outcome.message ?? ctx.lastMessage ?? null,
        error: { type: failure.kind, message: failure.message, httpStatus: failure.httpStatus, requestId: failure.requestId },
      };
    }
  }
}
