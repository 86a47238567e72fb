import Anthropic from "@anthropic-ai/sdk";
import type { Message, MessageCreateParamsNonStreaming, MessageCountTokensParams } from "@anthropic-ai/sdk/resources/messages";
import type { MessageBatch, MessageBatchIndividualResponse } from "@anthropic-ai/sdk/resources/messages/batches";
import { getEnv } from "@/lib/env";

/**
 * The only importer of `@anthropic-ai/sdk`. Everything else in Promptdeck talks to Claude
 * through the small `ClaudeTransport` interface below, which keeps SDK types in one place and
 * lets unit tests pass a fake.
 *
 * Which endpoint: the real API when `ANTHROPIC_API_KEY` is set (base URL from
 * `ANTHROPIC_BASE_URL`, else api.anthropic.com); otherwise the built-in simulator: the one at
 * `PROMPTDECK_SIMULATOR_URL` when set, else an in-process simulator on a loopback port (one per
 * process: opened and closed by the server's composition root, lib/runtime/process.ts, or on
 * first use in scripts and tests). The SDK's own retries are off (`maxRetries: 0`): the runner's retry
 * policy is the only one, so they never stack.
 */

export type ClaudeMessage = Message;
export type ClaudeRequest = MessageCreateParamsNonStreaming;
export type ClaudeBatch = MessageBatch;
export type ClaudeBatchResultLine = MessageBatchIndividualResponse;

/** Per-attempt transport options. */
export interface TransportCallOptions {
  /** Aborts the attempt (the runner combines caller signal, attempt timeout and deadline). */
  signal?: AbortSignal;
  /** The SDK's own timeout for this attempt (the runner also enforces it on the body). */
  timeoutMs: number;
  /** Extra request headers (e.g. `x-sim-fault` / `x-sim-fault-key` for the simulator). */
  headers?: Record<string, string>;
}

export interface StreamCallOptions extends TransportCallOptions {
  /** Called for each text delta as it arrives. */
  onText?: (delta: string) => void;
}

/** What the runner and the batch wrapper need from a Claude endpoint. */
export interface ClaudeTransport {
  /** True when this transport talks to the simulator, not Anthropic. */
  readonly simulated: boolean;
  readonly baseURL: string;
  /** POST /v1/messages, non-streaming. */
  createMessage(params: ClaudeRequest, options: TransportCallOptions): Promise<ClaudeMessage>;
  /** POST /v1/messages with `stream: true`; resolves with the accumulated final message. */
  streamMessage(params: ClaudeRequest, options: StreamCallOptions): Promise<ClaudeMessage>;
  /** POST /v1/messages/count_tokens. */
  countTokens(params: MessageCountTokensParams, options: TransportCallOptions): Promise<number>;
  createBatch(requests: Array<{ custom_id: string; params: ClaudeRequest }>, options?: Partial<TransportCallOptions>): Promise<ClaudeBatch>;
  retrieveBatch(batchId: string, options?: Partial<TransportCallOptions>): Promise<ClaudeBatch>;
  cancelBatch(batchId: string, options?: Partial<TransportCallOptions>): Promise<ClaudeBatch>;
  /**
   * Result lines of an ended batch, streamed in the order the API sends them (not request
   * order), so 10^5 results never sit in memory at once.
   */
  batchResults(batchId: string, options?: Partial<TransportCallOptions>): AsyncIterable<ClaudeBatchResultLine>;
}

const DEFAULT_TIMEOUT_MS = 60_000;

function requestOptions(options: Partial<TransportCallOptions> | undefined) {
  return {
    maxRetries: 0,
    timeout: options?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(options?.signal ? { signal: options.signal } : {}),
    ...(options?.headers ? { headers: options.headers } : {}),
  };
}

/** What a stream delivered before it failed or was aborted. */
export interface PartialStream {
  /** The message as message_start sent it: model and usage (input and cache tokens are final there). */
  message: ClaudeMessage;
  /** The text of the deltas seen. */
  text: string;
}

const PARTIAL_STREAM = Symbol("promptdeck.partialStream");

function attachPartialStream(error: unknown, partial: PartialStream): void {
  if (error !== null && typeof error === "object") Object.defineProperty(error, PARTIAL_STREAM, { value: partial, enumerable: false });
}

/** The partial stream a transport's `streamMessage` rejection carries (null when the stream had not started). */
export function partialStreamOf(error: unknown): PartialStream | null {
  if (error === null || typeof error !== "object") return null;
  return ((error as Record<symbol, unknown>)[PARTIAL_STREAM] as PartialStream | undefined) ?? null;
}

/** Wraps an SDK client as a ClaudeTransport. */
export function transportFromSdk(sdk: Anthropic, simulated: boolean): ClaudeTransport {
  return {
    simulated,
    baseURL: sdk.baseURL,
    createMessage(params, options) {
      return sdk.messages.create({ ...params, stream: false }, requestOptions(options));
    },
    async streamMessage(params, options) {
      const stream = sdk.messages.stream(params, requestOptions(options));
      const onText = options.onText;
      // What arrived before a failure or an abort: message_start's message (its input usage) and the deltas' text.
      let started: ClaudeMessage | null = null;
      let text = "";
      stream.on("streamEvent", (event, snapshot) => {
        if (event.type === "message_start") started = snapshot;
      });
      stream.on("text", (delta) => {
        text += delta;
        onText?.(delta);
      });
      try {
        return await stream.finalMessage();
      } catch (error) {
        if (started) attachPartialStream(error, { message: started, text });
        throw error;
      }
    },
    async countTokens(params, options) {
      const result = await sdk.messages.countTokens(params, requestOptions(options));
      return result.input_tokens;
    },
    createBatch(requests, options) {
      return sdk.messages.batches.create({ requests }, requestOptions(options));
    },
    retrieveBatch(batchId, options) {
      return sdk.messages.batches.retrieve(batchId, {}, requestOptions(options));
    },
    cancelBatch(batchId, options) {
      return sdk.messages.batches.cancel(batchId, {}, requestOptions(options));
    },
    async *batchResults(batchId, options) {
      // The SDK decodes the JSONL body line by line as it arrives.
      yield* await sdk.messages.batches.results(batchId, {}, requestOptions(options));
    },
  };
}

/**
 * Builds a transport for an explicit endpoint (tests, benchmarks, the batch worker).
 * `simulated` defaults to true when no apiKey is given.
 */
export function createClaudeTransport(options: { baseURL: string; apiKey?: string; simulated?: boolean; timeoutMs?: number }): ClaudeTransport {
  const sdk = new Anthropic({
    apiKey: options.apiKey ?? "promptdeck-simulator",
    baseURL: options.baseURL,
    maxRetries: 0,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  return transportFromSdk(sdk, options.simulated ?? options.apiKey === undefined);
}

/**
 * Whether calls go to the simulator (no `ANTHROPIC_API_KEY`). The UI shows a "Simulated" badge
 * wherever a result is shown when this is true.
 */
export function isSimulated(): boolean {
  return getEnv().ANTHROPIC_API_KEY === undefined;
}

/** The process's Claude endpoint and how to let go of it. */
export interface OpenedClaudeTransport {
  transport: ClaudeTransport;
  /** Where calls go: "api https://...", "simulator http://... (external)", "simulator http://... (in-process, speed N)". */
  description: string;
  /** Stops the in-process simulator if this opened one; otherwise nothing. */
  close(): Promise<void>;
}

/**
 * Opens the process's Claude endpoint: the real API with `ANTHROPIC_API_KEY`, else
 * `PROMPTDECK_SIMULATOR_URL`, else a simulator started in this process on 127.0.0.1 (its server is
 * unref'd so it never keeps a process alive).
 */
export async function openClaudeTransport(): Promise<OpenedClaudeTransport> {
  const env = getEnv();
  const none = async () => {};
  if (env.ANTHROPIC_API_KEY !== undefined) {
    const sdk = new Anthropic({
      apiKey: env.ANTHROPIC_API_KEY,
      ...(env.ANTHROPIC_BASE_URL ? { baseURL: env.ANTHROPIC_BASE_URL } : {}),
      maxRetries: 0,
      timeout: DEFAULT_TIMEOUT_MS,
    });
    return { transport: transportFromSdk(sdk, false), description: `api ${sdk.baseURL}`, close: none };
  }
  const external = env.PROMPTDECK_SIMULATOR_URL;
  if (external)
    return { transport: createClaudeTransport({ baseURL: external, simulated: true }), description: `simulator ${external} (external)`, close: none };
  const { startSimulator } = await import("@/lib/claude-simulator");
  const speed = env.PROMPTDECK_SIMULATOR_SPEED;
  const simulator = await startSimulator({ port: 0, host: "127.0.0.1", speed });
  simulator.server.unref();
  return {
    transport: createClaudeTransport({ baseURL: simulator.url, simulated: true }),
    description: `simulator ${simulator.url} (in-process, speed ${speed})`,
    close: () => simulator.close(),
  };
}

interface ClientState {
  transport?: Promise<ClaudeTransport>;
  stopSimulator?: () => Promise<void>;
}
const globalState = globalThis as unknown as { promptdeckClaude?: ClientState };
function state(): ClientState {
  globalState.promptdeckClaude ??= {};
  return globalState.promptdeckClaude;
}

/**
 * Makes `opened` the process-wide transport that getClaudeTransport() returns. The server's
 * composition root (lib/runtime/process.ts) opens it at start and closes it at shutdown, after the
 * last request. The slot is on globalThis, so Next's bundled copy of this module finds it too.
 * Throws if this process already opened another one.
 */
export function registerClaudeTransport(opened: OpenedClaudeTransport): void {
  const s = state();
  if (s.transport) throw new Error("A Claude transport already exists in this process: register the root's before anything calls Claude");
  s.transport = Promise.resolve(opened.transport);
  s.stopSimulator = () => opened.close();
}

/**
 * The process-wide transport (cached on globalThis so dev reloads reuse it): the one the
 * composition root registered (server), else opened on first use (scripts, tests) with
 * `openClaudeTransport`.
 */
export function getClaudeTransport(): Promise<ClaudeTransport> {
  const s = state();
  if (s.transport) return s.transport;
  const pending = openClaudeTransport().then((opened) => {
    s.stopSimulator = () => opened.close();
    return opened.transport;
  });
  s.transport = pending;
  pending.catch(() => {
    // A failed start is retried on the next call instead of being cached forever.
    if (state().transport === pending) state().transport = undefined;
  });
  return pending;
}

/** Stops the in-process simulator (if one was started) and forgets the cached transport. */
export async function resetClaudeTransport(): Promise<void> {
  const s = state();
  const stop = s.stopSimulator;
  s.transport = undefined;
  s.stopSimulator = undefined;
  if (stop) await stop();
}
