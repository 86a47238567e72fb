import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { SEED_MODEL_CATALOG, type ModelSpec } from "@/lib/models/catalog";
import { childLogger } from "@/lib/logger";
import { BatchStore, type BatchItemResult } from "./batches";
import { SimApiError, invalidRequest } from "./errors";
import { FaultController, findMagicFault, parseFaultSpec, type FaultRule, type FaultSpec } from "./faults";
import { FingerprintStore, simulateMessage, type SimMessage, type SimulationResult } from "./messages";
import { getModel, listModels } from "./models";
import { PromptCache, systemClock, type Clock } from "./prompt-cache";
import { randomId } from "./random";
import { CURRENT_API_VERSION, parseCountTokensRequest, parseMessagesRequest } from "./request-schema";
import { flattenPrompt } from "./tokens";

const simLog = childLogger({ component: "claude-simulator" });

export interface SimulatorOptions {
  /**
   * Latency divisor: 1 = realistic (hundreds of ms to first token, 50-180 tokens/s), 10 = ten
   * times faster, Infinity = instant. Default 1.
   */
  speed?: number;
  /** Clock for cache lifetimes and batch processing (default Date.now). */
  clock?: Clock;
  /** Models served (default: SEED_MODEL_CATALOG). */
  catalog?: readonly ModelSpec[];
  /** How long a Message Batch takes to finish (default 3000 ms / speed). */
  batchProcessingMs?: number;
  /** Faults programmed from the start (see faults.ts; more via `simulator.faults.add`). */
  faults?: FaultRule[];
  /** When set, only this API key is accepted; otherwise any non-empty key is. */
  apiKey?: string;
  /** How many recent requests `state.requests` keeps (default 1000). */
  requestLogSize?: number;
}

/** One handled request, newest last in `state.requests` (for assertions in tests). */
export interface RequestLogEntry {
  requestId: string;
  method: string;
  path: string;
  status: number;
  model: string | null;
  stream: boolean;
  fault: string | null;
  faultKey: string | null;
  at: number;
  /** Usage of a successful Messages response. */
  usage: SimMessage["usage"] | null;
}

export interface SimulatorState {
  readonly cache: PromptCache;
  readonly batches: BatchStore;
  readonly faults: FaultController;
  readonly requests: RequestLogEntry[];
  /** Current latency divisor (may be changed at runtime). */
  speed: number;
  /** Clears the prompt cache, batches, request log, programmed faults and fault counters. */
  reset(): void;
}

export interface Simulator {
  server: Server;
  /** `http://127.0.0.1:<port>` once listening (throws before). */
  readonly url: string;
  state: SimulatorState;
  /** Shortcut for state.faults. */
  faults: FaultController;
  /** The request listener, to mount the simulator in another node:http server. */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  listen(port?: number, host?: string): Promise<string>;
  /** Stops listening, drops open connections (hung `timeout` requests included). */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

class Aborted extends Error {}

async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw new Aborted();
  if (ms < 1) return;
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    if (signal.aborted) throw new Aborted();
    throw error;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new SimApiError(413));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseJson(text: string): unknown {
  if (text.trim() === "") throw invalidRequest("The request body is empty; expected a JSON object");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidRequest("The request body is not valid JSON");
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function rateLimitHeaders(now: number, exhausted: boolean, retryAfterS: number): Record<string, string> {
  const reset = new Date(now + (exhausted ? retryAfterS * 1000 : 60_000)).toISOString();
  const h: Record<string, string> = {};
  const limits: Record<string, number> = { requests: 4000, tokens: 2_000_000, "input-tokens": 2_000_000, "output-tokens": 400_000 };
  for (const [name, limit] of Object.entries(limits)) {
    h[`anthropic-ratelimit-${name}-limit`] = String(limit);
    h[`anthropic-ratelimit-${name}-remaining`] = String(exhausted ? 0 : limit - 1);
    h[`anthropic-ratelimit-${name}-reset`] = reset;
  }
  return h;
}

/** The error a status fault answers with (429 with retry-after and rate-limit headers). */
function statusFaultError(spec: FaultSpec, status: number, now: number): SimApiError {
  const message = spec.params.message;
  if (status === 429) {
    const retryAfter = Number(spec.params.retry_after ?? 1);
    const headers: Record<string, string> = { "retry-after": String(retryAfter), ...rateLimitHeaders(now, true, retryAfter) };
    if (spec.params.retry_after_ms) headers["retry-after-ms"] = spec.params.retry_after_ms;
    return new SimApiError(429, message, { headers });
  }
  return new SimApiError(status, message);
}

/**
 * Creates an Anthropic-compatible simulator (not yet listening; call `listen()` or use
 * `startSimulator`). Serves POST /v1/messages (JSON and SSE), POST /v1/messages/count_tokens,
 * Message Batches under /v1/messages/batches, GET /v1/models[/:id]. See README.md.
 */
export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const clock = options.clock ?? systemClock;
  const catalog = options.catalog ?? SEED_MODEL_CATALOG;
  const cache = new PromptCache(clock);
  const faults = new FaultController(options.faults ?? []);
  const fingerprints = new FingerprintStore();
  const requests: RequestLogEntry[] = [];
  const logSize = options.requestLogSize ?? 1000;
  // The waits of every request in flight, aborted when the simulator closes. A set, not listeners
  // on one shared AbortSignal: with 11+ requests in flight those trip Node's
  // MaxListenersExceededWarning.
  const inFlight = new Set<AbortController>();

  const state: SimulatorState = {
    cache,
    faults,
    requests,
    speed: options.speed ?? 1,
    batches: undefined as unknown as BatchStore,
    reset() {
      cache.clear();
      state.batches.clear();
      requests.length = 0;
      faults.clear();
    },
  };

  const processBatchItem = (params: Record<string, unknown>): BatchItemResult => {
    try {
      const { request, spec } = parseMessagesRequest(params, CURRENT_API_VERSION, catalog);
      if (request.stream) throw invalidRequest("stream: streaming is not supported in Message Batches");
      const magic = findMagicFault(JSON.stringify(params));
      // Batch-only outcomes: `[[sim:expired]]` / `[[sim:canceled]]` end the item that way; `[[sim:slow;ms=N]]` only delayed it (BatchStore).
      if (magic === "expired" || magic === "canceled") return { type: magic };
      const parsed = magic && !magic.startsWith("slow;") ? parseFaultSpec(magic) : null;
      // `count=N` (with `key=K`) limits a fault to the first N items, so a retried item succeeds.
      const fault = parsed && faults.fires(parsed, undefined) ? parsed : null;
      if (fault && fault.kind.type === "status") throw statusFaultError(fault, fault.kind.status, clock.now());
      if (fault?.kind.type === "timeout") throw new SimApiError(504);
      const sim = simulateMessage({ request, spec, cache, fault, serviceTier: "batch", speed: Infinity, fingerprints });
      sim.commitCache();
      return { type: "succeeded", message: sim.message };
    } catch (error) {
      const e = error instanceof SimApiError ? error : new SimApiError(500);
      return { type: "errored", error: { type: "error", error: { type: e.type, message: e.message }, request_id: null } };
    }
  };
  const batches = new BatchStore(
    clock,
    () => options.batchProcessingMs ?? (state.speed > 0 && state.speed !== Infinity ? 3000 / state.speed : 0),
    processBatchItem,
  );
  (state as { batches: BatchStore }).batches = batches;

  const log = (entry: RequestLogEntry) => {
    requests.push(entry);
    if (requests.length > logSize) requests.splice(0, requests.length - logSize);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomId("req");
    const url = new URL(req.url ?? "/", "http://sim.local");
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const method = req.method ?? "GET";
    const entry: RequestLogEntry = {
      requestId,
      method,
      path,
      status: 200,
      model: null,
      stream: false,
      fault: null,
      faultKey: header(req, "x-sim-fault-key") ?? null,
      at: clock.now(),
      usage: null,
    };
    // Aborts the request's waits when the client goes away or the simulator closes.
    const aborter = new AbortController();
    const onGone = () => aborter.abort();
    res.on("close", onGone);
    inFlight.add(aborter);

    const sendJson = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      entry.status = status;
      if (res.headersSent || res.destroyed) return;
      const payload = JSON.stringify(body);
      res.writeHead(status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(payload),
        "request-id": requestId,
        ...extra,
      });
      res.end(payload);
    };

    try {
      const apiKey = header(req, "x-api-key") ?? header(req, "authorization")?.replace(/^Bearer\s+/i, "");
      if (apiKey === undefined || apiKey === "") throw new SimApiError(401, "x-api-key header is required");
      if (options.apiKey !== undefined && apiKey !== options.apiKey) throw new SimApiError(401, "invalid x-api-key");
      const version = header(req, "anthropic-version");

      if (method === "POST" && path === "/v1/messages") {
        await handleMessages(req, res, { entry, version, requestId, signal: aborter.signal, sendJson });
      } else if (method === "POST" && path === "/v1/messages/count_tokens") {
        const body = parseJson(await readBody(req));
        const fault = pickFault(req, body, path, entry);
        if (fault?.kind.type === "status") throw statusFaultError(fault, fault.kind.status, clock.now());
        const { request, spec } = parseCountTokensRequest(body, version, catalog);
        entry.model = request.model;
        const flat = flattenPrompt(request, spec);
        if (flat.totalTokens > spec.contextWindow) {
          throw invalidRequest(`prompt is too long: ${flat.totalTokens} tokens > ${spec.contextWindow} maximum`);
        }
        sendJson(200, { input_tokens: flat.totalTokens });
      } else if (path === "/v1/messages/batches" && method === "POST") {
        const body = parseJson(await readBody(req));
        sendJson(200, batches.create(body, `http://${header(req, "host") ?? "127.0.0.1"}`));
      } else if (path === "/v1/messages/batches" && method === "GET") {
        sendJson(200, batches.list(url.searchParams));
      } else if (path.startsWith("/v1/messages/batches/")) {
        const [id = "", action] = path.slice("/v1/messages/batches/".length).split("/");
        if (method === "GET" && action === undefined) sendJson(200, batches.retrieve(id));
        else if (method === "DELETE" && action === undefined) sendJson(200, batches.delete(id));
        else if (method === "POST" && action === "cancel") sendJson(200, batches.cancel(id));
        else if (method === "GET" && action === "results") {
          const body = batches.results(id);
          entry.status = 200;
          res.writeHead(200, { "content-type": "application/binary", "content-length": Buffer.byteLength(body), "request-id": requestId });
          res.end(body);
        } else throw new SimApiError(404, `Not found: ${method} ${path}`);
      } else if (method === "GET" && path === "/v1/models") {
        sendJson(200, listModels(catalog, url.searchParams));
      } else if (method === "GET" && path.startsWith("/v1/models/")) {
        sendJson(200, getModel(catalog, decodeURIComponent(path.slice("/v1/models/".length))));
      } else {
        throw new SimApiError(404, `Not found: ${method} ${path}`);
      }
    } catch (error) {
      if (error instanceof Aborted) {
        entry.status = 499;
      } else {
        const e = error instanceof SimApiError ? error : new SimApiError(500, "Internal server error (simulator)");
        if (!(error instanceof SimApiError)) simLog.error({ err: error, requestId }, "request failed");
        sendJson(e.status, e.body(requestId), e.headers);
      }
    } finally {
      // A failure after the SSE headers went out cannot become an error response: end the stream.
      if (res.headersSent && !res.writableEnded) res.end();
      res.off("close", onGone);
      inFlight.delete(aborter);
      log(entry);
    }
  }

  function pickFault(req: IncomingMessage, body: unknown, path: string, entry: RequestLogEntry): FaultSpec | null {
    const headerSpec = header(req, "x-sim-fault");
    const magic = findMagicFault(JSON.stringify(body));
    let spec: FaultSpec | null = null;
    if (headerSpec) spec = parseFaultSpec(headerSpec);
    else if (magic) spec = parseFaultSpec(magic);
    if (spec && !faults.fires(spec, entry.faultKey ?? undefined)) spec = null;
    if (!spec && !headerSpec && !magic) {
      const model = (body as { model?: unknown }).model;
      spec = faults.programmed({ path, model: typeof model === "string" ? model : undefined, body });
    }
    entry.fault = spec?.source ?? null;
    return spec;
  }

  interface MessagesContext {
    entry: RequestLogEntry;
    version: string | undefined;
    requestId: string;
    signal: AbortSignal;
    sendJson: (status: number, body: unknown, extra?: Record<string, string>) => void;
  }

  async function handleMessages(req: IncomingMessage, res: ServerResponse, ctx: MessagesContext): Promise<void> {
    const body = parseJson(await readBody(req));
    const { entry } = ctx;
    const fault = pickFault(req, body, "/v1/messages", entry);
    const stream = (body as { stream?: unknown }).stream === true;
    entry.stream = stream;
    if (fault?.kind.type === "status") throw statusFaultError(fault, fault.kind.status, clock.now());
    if (fault?.kind.type === "timeout") await sleep(Number(fault.params.ms ?? 660_000), ctx.signal);
    if (fault?.kind.type === "stream_error" && !stream) throw new SimApiError(529, fault.params.message);

    const { request, spec } = parseMessagesRequest(body, ctx.version, catalog);
    entry.model = request.model;
    const sim = simulateMessage({ request, spec, cache, fault, serviceTier: "standard", speed: state.speed, fingerprints });
    entry.usage = sim.message.usage;
    const okHeaders = rateLimitHeaders(clock.now(), false, 0);
    if (!stream) {
      await sleep(sim.timing.ttftMs, ctx.signal);
      sim.commitCache();
      await sleep(sim.timing.perTokenMs * sim.message.usage.output_tokens, ctx.signal);
      ctx.sendJson(200, sim.message, okHeaders);
      return;
    }
    await streamMessage(res, sim, fault, ctx, okHeaders);
  }

  async function streamMessage(
    res: ServerResponse,
    sim: SimulationResult,
    fault: FaultSpec | null,
    ctx: MessagesContext,
    headers: Record<string, string>,
  ): Promise<void> {
    await sleep(sim.timing.ttftMs, ctx.signal);
    sim.commitCache();
    ctx.entry.status = 200;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "request-id": ctx.requestId,
      ...headers,
    });
    const send = (event: string, data: unknown) => {
      if (!res.destroyed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const { message } = sim;
    const startUsage = { ...message.usage, output_tokens: Math.min(1, message.usage.output_tokens) };
    send("message_start", {
      type: "message_start",
      message: { ...message, content: [], stop_reason: null, stop_sequence: null, stop_details: null, usage: startUsage },
    });

    const errorAfter = fault?.kind.type === "stream_error" ? Number(fault.params.after ?? 2) : Infinity;
    let deltas = 0;
    let pendingDelay = 0;
    // The body takes output_tokens x perTokenMs in all, spread over the deltas by their length.
    const totalChars = message.content.reduce((n, b) => n + (b.type === "text" ? b.text.length : JSON.stringify(b.input).length), 0);
    const msPerChar = totalChars > 0 ? (message.usage.output_tokens * sim.timing.perTokenMs) / totalChars : 0;
    const pace = async (chars: number) => {
      pendingDelay += chars * msPerChar;
      if (pendingDelay >= 4) {
        const wait = pendingDelay;
        pendingDelay = 0;
        await sleep(wait, ctx.signal);
      }
    };
    const emitDelta = async (index: number, delta: Record<string, unknown>, chars: number): Promise<boolean> => {
      if (deltas >= errorAfter) {
        send("error", { type: "error", error: { type: "overloaded_error", message: fault?.params.message ?? "Overloaded" }, request_id: ctx.requestId });
        res.end();
        return false;
      }
      await pace(chars);
      send("content_block_delta", { type: "content_block_delta", index, delta });
      deltas++;
      return true;
    };

    for (const [index, block] of message.content.entries()) {
      if (block.type === "text") {
        send("content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "", citations: null } });
        if (index === 0) send("ping", { type: "ping" });
        const chunks = block.text.match(/\S+\s*|\s+/g) ?? [];
        for (let i = 0; i < chunks.length; i += 3) {
          const text = chunks.slice(i, i + 3).join("");
          if (!(await emitDelta(index, { type: "text_delta", text }, text.length))) return;
        }
      } else {
        send("content_block_start", { type: "content_block_start", index, content_block: { ...block, input: {} } });
        if (index === 0) send("ping", { type: "ping" });
        const json = JSON.stringify(block.input);
        for (let i = 0; i < json.length; i += 24) {
          const partial = json.slice(i, i + 24);
          if (!(await emitDelta(index, { type: "input_json_delta", partial_json: partial }, partial.length))) return;
        }
      }
      send("content_block_stop", { type: "content_block_stop", index });
    }
    if (errorAfter !== Infinity) {
      // Fewer deltas than `after`: the error still comes before the stream completes.
      deltas = errorAfter;
      await emitDelta(0, {}, 0);
      return;
    }
    if (pendingDelay > 0) await sleep(pendingDelay, ctx.signal);
    const { usage } = message;
    send("message_delta", {
      type: "message_delta",
      delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence, stop_details: message.stop_details, container: null },
      usage: {
        input_tokens: usage.input_tokens,
        cache_creation_input_tokens: usage.cache_creation_input_tokens,
        cache_read_input_tokens: usage.cache_read_input_tokens,
        output_tokens: usage.output_tokens,
        output_tokens_details: usage.output_tokens_details,
        server_tool_use: null,
      },
    });
    send("message_stop", { type: "message_stop" });
    res.end();
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res);
  };
  const server = createServer(handler);
  let listeningUrl: string | null = null;

  return {
    server,
    state,
    faults,
    handler,
    get url(): string {
      if (!listeningUrl) throw new Error("The simulator is not listening yet: call listen() or use startSimulator()");
      return listeningUrl;
    },
    listen(port = 0, host = "127.0.0.1"): Promise<string> {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          listeningUrl = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
          resolve(listeningUrl);
        });
      });
    },
    close(): Promise<void> {
      for (const aborter of inFlight) aborter.abort();
      inFlight.clear();
      return new Promise((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Creates a simulator and starts listening (`port` 0 = a free port; host 127.0.0.1). */
export async function startSimulator(options: SimulatorOptions & { port?: number; host?: string } = {}): Promise<Simulator> {
  const { port, host, ...rest } = options;
  const simulator = createSimulator(rest);
  await simulator.listen(port ?? 0, host ?? "127.0.0.1");
  return simulator;
}
