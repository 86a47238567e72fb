/**
 * Promptdeck's TypeScript client for applications (Node 18+ or any runtime with fetch). It
 * depends on nothing but its generated API types, so it can be copied into or published for any
 * app. See lib/client/README.md.
 */
import type {
  BatchJob,
  BatchResultLine,
  CreateBatchJobRequest,
  ListBatchJobsResponse,
  AddDatasetItemsRequest,
  ApiError,
  ApprovedReleaseRequest,
  CreateDatasetRequest,
  CreateEvalRunRequest,
  Dataset,
  DatasetChange,
  DatasetDetail,
  DatasetItemsPage,
  ListDatasetsResponse,
  EvalComparison,
  EvalResultsPage,
  EvalRun,
  IngestCallsRequest,
  IngestCallsResponse,
  PromptChangeEvent,
  ListReleaseRequestsResponse,
  MoveLabelRequest,
  MoveLabelResponse,
  PromptVersionDocument,
  ReleaseRequest,
  RenderRequest,
  RenderResponse,
  RunRequest,
  Rollout,
  RunResponse,
  ScoreRequest,
  StartRolloutRequest,
  ScoreResponse,
} from "./api-types";
import { SseParser } from "./sse";

export type * from "./api-types";

/** One dataset item as `addDatasetItems` takes it (variables, expected text or JSON, metadata, tags, key). */
export type DatasetItemInput = Extract<AddDatasetItemsRequest, readonly unknown[]>[number];
/** A CSV or JSONL text imported as a dataset's next version (mapping, mode, prompt contract optional). */
export type ImportDatasetRequest = Extract<AddDatasetItemsRequest, { content: string }>;
/** Which page of a dataset version's items to read (`cursor` = the previous page's `nextCursor`). */
export interface DatasetItemsQuery {
  /** Dataset version (default: the latest). */
  version?: number;
  cursor?: string;
  /** Items per page, 1..1000. */
  limit?: number;
  search?: string;
  tag?: string;
}

export interface PromptSelector {
  /** Label to resolve (the server's default is `production`). */
  label?: string;
  /** Exact version or semver range. */
  version?: string;
}

export interface PromptdeckClientOptions {
  /** Base URL of the Promptdeck server, e.g. http://localhost:3000. */
  baseUrl: string;
  /** A project API key (pd_...). */
  apiKey: string;
  /** How long a fetched prompt is used without asking the server. Default 60 s. */
  cacheTtlMs?: number;
  /** After the TTL, how long a cached prompt is still returned while it is refreshed in the background. Default 10 min. */
  staleWhileRevalidateMs?: number;
  /** Prompts to use when the server is unreachable and nothing is cached, by prompt name. */
  fallbackPrompts?: Record<string, PromptVersionDocument>;
  /** Retries for 429, 5xx and network errors (exponential backoff with full jitter). Default 3. */
  maxRetries?: number;
  /** First backoff step; doubles per attempt. Default 250 ms. */
  retryBaseMs?: number;
  /** Longest single wait between attempts. Default 5 s. */
  retryMaxDelayMs?: number;
  /** Per-request timeout. Default 10 s (runs: 130 s, since the server retries Claude itself). */
  timeoutMs?: number;
  /**
   * Subscribe to the live stream (GET /api/v1/stream) at once: `true` for every prompt of the
   * key's project, or the options of `subscribe()`. Default off (call `subscribe()` when wanted).
   */
  subscribe?: boolean | StreamOptions;
  fetch?: typeof fetch;
  /** Injectable for tests. */
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Options of the live stream subscription (`subscribe()`). */
export interface StreamOptions {
  /** Only these prompts' changes (default: every prompt of the key's project). */
  prompts?: string[];
  /** Called for each change, after the cache dropped that prompt. */
  onChange?: (event: PromptChangeEvent) => void;
  /** The server could not resume (changes may have been missed): the whole cache was dropped. */
  onReset?: (reason: string) => void;
  /** Connected (true) or disconnected (false; the TTL applies again until the stream is back). */
  onStatus?: (connected: boolean) => void;
  /** A connection attempt failed (it is retried, unless `fatal`: a bad key, scope or filter). */
  onError?: (error: PromptdeckError, fatal: boolean) => void;
  /** First reconnection delay (doubles per failure, with jitter; the server's `retry:` raises it). Default 1 s. */
  reconnectBaseMs?: number;
  /** Longest reconnection delay. Default 30 s. */
  reconnectMaxMs?: number;
  /** Nothing received (not even a heartbeat, sent every 15 s) for this long: reconnect. Default 45 s. */
  idleTimeoutMs?: number;
}

/** An open subscription to the live stream (see `PromptdeckClient.subscribe`). */
export interface StreamSubscription {
  /** Whether the stream is connected now (the cache trusts events instead of the TTL). */
  readonly connected: boolean;
  /** The id of the last event received (sent as Last-Event-ID on reconnect). */
  readonly lastEventId: string;
  /** Resolves once the stream is connected for the first time. */
  readonly ready: Promise<void>;
  /** Closes the stream for good. */
  close(): void;
}

/** An error answer of the API (4xx/5xx with its JSON body), or a network failure (status 0). */
export class PromptdeckError extends Error {
  readonly status: number;
  readonly code: string;
  readonly issues: { path: string; message: string }[];

  constructor(status: number, code: string, message: string, issues: { path: string; message: string }[] = []) {
    super(message);
    this.name = "PromptdeckError";
    this.status = status;
    this.code = code;
    this.issues = issues;
  }
}

export interface FetchedPrompt {
  prompt: PromptVersionDocument;
  /** Where this answer came from: the server, the client cache, a stale cache entry, or the configured fallback. */
  source: "server" | "cache" | "stale" | "fallback";
}

interface CacheEntry {
  prompt: PromptVersionDocument;
  etag: string | null;
  fetchedAt: number;
  refreshing?: Promise<void>;
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504, 529]);

interface SendOptions {
  timeoutMs?: number;
  /** Statuses worth another attempt (default RETRYABLE). */
  retryStatuses?: Set<number>;
  /** Whether a request that got no answer (network failure, timeout) may be sent again (default true). */
  resendUnanswered?: boolean;
}

/**
 * For requests that are not idempotent (a run, a new eval run, a dataset or its next version):
 * retried only on 429 / 503, answers that say the server did not take them, and never after a
 * network failure or a timeout, when the server may have taken the first one (a resend would
 * start a second eval run or add the items twice).
 */
const ONCE: SendOptions = { retryStatuses: new Set([429, 503]), resendUnanswered: false };

export class PromptdeckClient {
  private readonly options: Required<Omit<PromptdeckClientOptions, "fallbackPrompts" | "subscribe">> & {
    fallbackPrompts: Record<string, PromptVersionDocument>;
  };
  private readonly cache = new Map<string, CacheEntry>();
  /** Bumped by every invalidation: a fetch that began before one does not store its (possibly old) answer. */
  private generation = 0;
  private stream: LiveStream | undefined;

  constructor(options: PromptdeckClientOptions) {
    if (!options.baseUrl) throw new Error("PromptdeckClient: baseUrl is required");
    if (!options.apiKey) throw new Error("PromptdeckClient: apiKey is required");
    this.options = {
      cacheTtlMs: 60_000,
      staleWhileRevalidateMs: 600_000,
      maxRetries: 3,
      retryBaseMs: 250,
      retryMaxDelayMs: 5_000,
      timeoutMs: 10_000,
      fetch: globalThis.fetch.bind(globalThis),
      now: Date.now,
      random: Math.random,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      fallbackPrompts: {},
      ...options,
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
    };
    if (options.subscribe) this.subscribe(options.subscribe === true ? {} : options.subscribe);
  }

  /**
   * Opens the live stream (Server-Sent Events): each label move or publish drops the cached
   * copies of that prompt at once, so the next `getPrompt` fetches the new version. While the
   * stream is connected a cached prompt stays fresh past its TTL (an event would have dropped
   * it); while it is down (reconnecting with backoff and Last-Event-ID) the TTL applies as
   * without a stream. A reconnect that cannot resume (`event: reset`, or no event id yet) drops
   * the whole cache. One stream per client: a second call returns the open one.
   */
  subscribe(options: StreamOptions = {}): StreamSubscription {
    this.stream ??= new LiveStream(this.options, options, {
      invalidate: (name) => this.invalidatePrompt(name),
      invalidateAll: () => this.clearCache(),
    });
    return this.stream;
  }

  /** Closes the live stream, if one is open (the cache goes back to its TTL). */
  close(): void {
    this.stream?.close();
    this.stream = undefined;
  }

  /** Drops every cached copy of one prompt (any label or version). */
  invalidatePrompt(name: string): void {
    this.generation++;
    const prefix = `${name}\u0000`;
    for (const key of this.cache.keys()) if (key.startsWith(prefix)) this.cache.delete(key);
  }

  /** Whether a cache entry may be used without asking: within its TTL, or fetched while the stream is connected. */
  private isFresh(entry: CacheEntry, age: number): boolean {
    if (age <= this.options.cacheTtlMs) return true;
    const since = this.stream?.connectedSince;
    return since !== undefined && entry.fetchedAt >= since;
  }

  /**
   * The prompt a label (default production) or version resolves to. Fresh cache entries are
   * returned without a request; stale ones are returned at once and refreshed in the background
   * (revalidated with ETag); when the server cannot be reached, the last cached copy or the
   * configured fallback is returned. Errors the server answers (404, 401, ...) are thrown.
   */
  async getPrompt(name: string, selector: PromptSelector = {}): Promise<FetchedPrompt> {
    const key = cacheKey(name, selector);
    const entry = this.cache.get(key);
    const age = entry ? this.options.now() - entry.fetchedAt : Infinity;
    if (entry && this.isFresh(entry, age)) return { prompt: entry.prompt, source: "cache" };
    if (entry && age <= this.options.cacheTtlMs + this.options.staleWhileRevalidateMs) {
      entry.refreshing ??= this.fetchPrompt(name, selector, key, entry)
        .then(() => undefined)
        .catch(() => undefined)
        .finally(() => {
          entry.refreshing = undefined;
        });
      return { prompt: entry.prompt, source: "stale" };
    }
    try {
      return { prompt: await this.fetchPrompt(name, selector, key, entry), source: "server" };
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      if (entry) return { prompt: entry.prompt, source: "stale" };
      const fallback = this.options.fallbackPrompts[name];
      if (fallback) return { prompt: fallback, source: "fallback" };
      throw error;
    }
  }

  /** The Messages API parameters for a prompt with these variables (422 names every bad variable). */
  render(name: string, body: RenderRequest): Promise<RenderResponse> {
    return this.request<RenderResponse>("POST", `/api/v1/prompts/${encodeURIComponent(name)}/render`, body);
  }

  /**
   * Asks Promptdeck to run the prompt: it picks the version (label or the running experiment's
   * variant for `subject`), calls Claude with retries and fallbacks, logs the call, and returns
   * the output with the call id for scoring.
   */
  run(name: string, body: RunRequest): Promise<RunResponse> {
    return this.request<RunResponse>("POST", `/api/v1/prompts/${encodeURIComponent(name)}/run`, body, {
      timeoutMs: Math.max(this.options.timeoutMs, 130_000),
      ...ONCE,
    });
  }

  /** Logs calls your app made to Claude itself (up to 1000 per request). */
  logCalls(body: IngestCallsRequest): Promise<IngestCallsResponse> {
    return this.request<IngestCallsResponse>("POST", "/api/v1/calls", body);
  }

  /** Records ground truth for a logged call. */
  score(callId: string, body: ScoreRequest): Promise<ScoreResponse> {
    return this.request<ScoreResponse>("POST", `/api/v1/calls/${encodeURIComponent(callId)}/score`, body);
  }

  /** Starts an eval run (202: queued, with its cost estimate); poll `getEvalRun` until it ends. */
  startEvalRun(body: CreateEvalRunRequest): Promise<EvalRun> {
    return this.request<EvalRun>("POST", "/api/v1/eval-runs", body, { timeoutMs: Math.max(this.options.timeoutMs, 120_000), ...ONCE });
  }

  /** An eval run: status, phase, progress, per-version counts and summary. */
  getEvalRun(id: string): Promise<EvalRun> {
    return this.request<EvalRun>("GET", `/api/v1/eval-runs/${encodeURIComponent(id)}`, undefined);
  }

  /** One page of an eval run's per-item results (pass `nextCursor` as `after`). */
  evalRunResults(
    id: string,
    page: { after?: string; limit?: number; filter?: "all" | "regressions" | "failed" | "unreviewed" } = {},
  ): Promise<EvalResultsPage> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(page)) if (value !== undefined) query.set(key, String(value));
    const suffix = query.size > 0 ? `?${query.toString()}` : "";
    return this.request<EvalResultsPage>("GET", `/api/v1/eval-runs/${encodeURIComponent(id)}/results${suffix}`, undefined);
  }

  /** Each version of a run against its baseline: paired tests, the verdict in words, regressions. */
  compareEvalRun(id: string): Promise<EvalComparison> {
    return this.request<EvalComparison>("GET", `/api/v1/eval-runs/${encodeURIComponent(id)}/comparison`, undefined);
  }

  /** Cancels an eval run (its Message Batches too); results already in are kept. */
  cancelEvalRun(id: string): Promise<EvalRun> {
    return this.request<EvalRun>("POST", `/api/v1/eval-runs/${encodeURIComponent(id)}/cancel`, {});
  }

  /**
   * Points a label at a published version (scope prompts:write). A label under a release rule is
   * not moved: the answer is `{ status: "requested", request }`, a release request waiting for an
   * approver (give `reason`); otherwise `{ status: "moved", label }`.
   */
  async moveLabel(
    name: string,
    label: string,
    body: MoveLabelRequest,
  ): Promise<{ status: "moved"; label: MoveLabelResponse } | { status: "requested"; request: ReleaseRequest }> {
    const response = await this.send("PUT", `/api/v1/prompts/${encodeURIComponent(name)}/labels/${encodeURIComponent(label)}`, body, ONCE);
    if (response.status === 202) return { status: "requested", request: (await response.json()) as ReleaseRequest };
    return { status: "moved", label: (await response.json()) as MoveLabelResponse };
  }

  /** One release request with its evidence (scope prompts:read). */
  getReleaseRequest(id: string): Promise<ReleaseRequest> {
    return this.request<ReleaseRequest>("GET", `/api/v1/release-requests/${encodeURIComponent(id)}`, undefined);
  }

  /** The project's release requests, newest first (without evidence). */
  listReleaseRequests(query: { status?: "open" | "approved" | "rejected"; prompt?: string } = {}): Promise<ListReleaseRequestsResponse> {
    const params = new URLSearchParams();
    if (query.status) params.set("status", query.status);
    if (query.prompt) params.set("prompt", query.prompt);
    const suffix = params.size > 0 ? `?${params.toString()}` : "";
    return this.request<ListReleaseRequestsResponse>("GET", `/api/v1/release-requests${suffix}`, undefined);
  }

  /** Approves a release request (the label moves); refused (409) when stale, decided or the version is gone. */
  approveReleaseRequest(id: string, comment?: string): Promise<ApprovedReleaseRequest> {
    return this.request<ApprovedReleaseRequest>(
      "POST",
      `/api/v1/release-requests/${encodeURIComponent(id)}/approve`,
      comment === undefined ? {} : { comment },
      ONCE,
    );
  }

  /** Rejects a release request with a comment; nothing moves. */
  rejectReleaseRequest(id: string, comment: string): Promise<ReleaseRequest> {
    return this.request<ReleaseRequest>("POST", `/api/v1/release-requests/${encodeURIComponent(id)}/reject`, { comment }, ONCE);
  }

  /**
   * Starts a canary rollout of a published version on a label (steps, step minimums, guardrails;
   * scope experiments:write, admin on a protected label). 409 when the label has an active
   * experiment or rollout or already serves the version. Poll `getRollout` to follow it. On a label
   * under a release rule nothing starts: `requested` with the release request (rollout mode;
   * `reason` required), and approving it starts the rollout (`rolloutId` in the approval's answer).
   */
  async startRollout(body: StartRolloutRequest): Promise<{ status: "started"; rollout: Rollout } | { status: "requested"; request: ReleaseRequest }> {
    const response = await this.send("POST", "/api/v1/rollouts", body, ONCE);
    if (response.status === 202) return { status: "requested", request: (await response.json()) as ReleaseRequest };
    return { status: "started", rollout: (await response.json()) as Rollout };
  }

  /** A rollout: status, current step and share, live guardrail figures, why it ended, history. */
  getRollout(id: string): Promise<Rollout> {
    return this.request<Rollout>("GET", `/api/v1/rollouts/${encodeURIComponent(id)}`, undefined);
  }

  /** Aborts a rollout: all traffic back to the version the label serves; the label is not moved. */
  abortRollout(id: string, reason?: string): Promise<Rollout> {
    return this.request<Rollout>("POST", `/api/v1/rollouts/${encodeURIComponent(id)}/abort`, reason ? { reason } : {});
  }

  /** Creates an empty dataset (name unique in the project; 409 when taken). */
  createDataset(body: CreateDatasetRequest): Promise<Dataset> {
    return this.request<Dataset>("POST", "/api/v1/datasets", body, ONCE);
  }

  /** The project's datasets with item counts and the prompts whose contracts their items fit. */
  listDatasets(): Promise<ListDatasetsResponse> {
    return this.request<ListDatasetsResponse>("GET", "/api/v1/datasets", undefined);
  }

  /** A dataset with its versions, newest first. */
  getDataset(name: string): Promise<DatasetDetail> {
    return this.request<DatasetDetail>("GET", `/api/v1/datasets/${encodeURIComponent(name)}`, undefined);
  }

  /** Adds items (at most 10,000) as the dataset's next version; all or nothing, 422 lists every problem. */
  addDatasetItems(name: string, items: DatasetItemInput[], options: { note?: string } = {}): Promise<DatasetChange> {
    const body = options.note === undefined ? { items } : { items, note: options.note };
    return this.request<DatasetChange>("POST", `/api/v1/datasets/${encodeURIComponent(name)}/items`, body, ONCE);
  }

  /** Imports a CSV or JSONL text (at most 64 MB) as the dataset's next version; all or nothing, 422 names row and column. */
  importDatasetItems(name: string, body: ImportDatasetRequest): Promise<DatasetChange> {
    return this.request<DatasetChange>("POST", `/api/v1/datasets/${encodeURIComponent(name)}/items`, body, {
      timeoutMs: Math.max(this.options.timeoutMs, 300_000),
      ...ONCE,
    });
  }

  /** One page of a dataset version's items, in order (pass `nextCursor` as `cursor`). */
  listDatasetItems(name: string, query: DatasetItemsQuery = {}): Promise<DatasetItemsPage> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const suffix = params.size > 0 ? `?${params.toString()}` : "";
    return this.request<DatasetItemsPage>("GET", `/api/v1/datasets/${encodeURIComponent(name)}/items${suffix}`, undefined);
  }

  /**
   * Starts a batch job: every item's variables rendered with the label's (or version's) prompt and
   * sent through the Message Batches API at half price (202: queued). Invalid items are a 422
   * naming each (or, with `skipInvalid`, listed in `invalidItems`). Poll `getBatchJob`, then read
   * `batchJobResults`.
   */
  createBatchJob(name: string, body: CreateBatchJobRequest): Promise<BatchJob> {
    return this.request<BatchJob>("POST", `/api/v1/prompts/${encodeURIComponent(name)}/batches`, body, {
      timeoutMs: Math.max(this.options.timeoutMs, 300_000),
      ...ONCE,
    });
  }

  /** A batch job: status, items per outcome, cost at the batch price and what it saved. */
  getBatchJob(id: string): Promise<BatchJob> {
    return this.request<BatchJob>("GET", `/api/v1/batches/${encodeURIComponent(id)}`, undefined);
  }

  /** The project's recent batch jobs, newest first. */
  listBatchJobs(options: { limit?: number } = {}): Promise<ListBatchJobsResponse> {
    const suffix = options.limit !== undefined ? `?limit=${options.limit}` : "";
    return this.request<ListBatchJobsResponse>("GET", `/api/v1/batches${suffix}`, undefined);
  }

  /** Cancels a batch job; items that finished are kept. */
  cancelBatchJob(id: string): Promise<BatchJob> {
    return this.request<BatchJob>("POST", `/api/v1/batches/${encodeURIComponent(id)}/cancel`, {});
  }

  /**
   * A batch job's results, one per item in the order given (matched by your ids), read from the
   * server's JSON lines as they arrive: memory stays small whatever the job's size.
   */
  async *batchJobResults(id: string, options: { status?: BatchResultLine["status"] } = {}): AsyncGenerator<BatchResultLine> {
    const suffix = options.status ? `?status=${options.status}` : "";
    const response = await this.send("GET", `/api/v1/batches/${encodeURIComponent(id)}/results${suffix}`, undefined, {
      timeoutMs: Math.max(this.options.timeoutMs, 600_000),
    });
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim() !== "") yield JSON.parse(line) as BatchResultLine;
        newline = buffered.indexOf("\n");
      }
    }
    buffered += decoder.decode();
    if (buffered.trim() !== "") yield JSON.parse(buffered) as BatchResultLine;
  }

  /** Drops every cached prompt. */
  clearCache(): void {
    this.generation++;
    this.cache.clear();
  }

  private async fetchPrompt(name: string, selector: PromptSelector, key: string, entry: CacheEntry | undefined): Promise<PromptVersionDocument> {
    const query = new URLSearchParams();
    if (selector.label) query.set("label", selector.label);
    if (selector.version) query.set("version", selector.version);
    const qs = query.toString();
    const path = `/api/v1/prompts/${encodeURIComponent(name)}${qs ? `?${qs}` : ""}`;
    const generation = this.generation;
    const response = await this.send("GET", path, undefined, {
      headers: entry?.etag ? { "If-None-Match": entry.etag } : {},
    });
    // Invalidated while this request was out: its answer may predate the change, so it is not kept.
    const current = generation === this.generation;
    if (response.status === 304 && entry) {
      if (current) entry.fetchedAt = this.options.now();
      return entry.prompt;
    }
    const prompt = (await response.json()) as PromptVersionDocument;
    if (current) this.cache.set(key, { prompt, etag: response.headers.get("etag"), fetchedAt: this.options.now() });
    return prompt;
  }

  private async request<T>(method: string, path: string, body: unknown, options: SendOptions = {}): Promise<T> {
    const response = await this.send(method, path, body, options);
    return (await response.json()) as T;
  }

  /** One API request with retries; resolves with a 2xx/304 response or throws PromptdeckError. */
  private async send(method: string, path: string, body: unknown, options: SendOptions & { headers?: Record<string, string> } = {}): Promise<Response> {
    const retryStatuses = options.retryStatuses ?? RETRYABLE;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.options.fetch(`${this.options.baseUrl}${path}`, {
          method,
          headers: {
            Authorization: `Bearer ${this.options.apiKey}`,
            Accept: "application/json",
            ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
            ...options.headers,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(options.timeoutMs ?? this.options.timeoutMs),
        });
      } catch (error) {
        const failure = new PromptdeckError(0, "unreachable", `Promptdeck is unreachable: ${error instanceof Error ? error.message : String(error)}`);
        if (attempt >= this.options.maxRetries || options.resendUnanswered === false) throw failure;
        await this.options.sleep(this.backoff(attempt, null));
        continue;
      }
      if (response.ok || response.status === 304) return response;
      const error = await toError(response);
      if (!retryStatuses.has(response.status) || attempt >= this.options.maxRetries) throw error;
      await this.options.sleep(this.backoff(attempt, response.headers.get("retry-after")));
    }
  }

  /** Full-jitter exponential backoff, never shorter than the server's Retry-After. */
  private backoff(attempt: number, retryAfter: string | null): number {
    const ceiling = Math.min(this.options.retryMaxDelayMs, this.options.retryBaseMs * 2 ** attempt);
    const jittered = Math.floor(this.options.random() * ceiling);
    const seconds = retryAfter === null ? NaN : Number(retryAfter);
    return Number.isFinite(seconds) && seconds >= 0 ? Math.max(jittered, Math.min(seconds * 1000, this.options.retryMaxDelayMs)) : jittered;
  }
}

function cacheKey(name: string, selector: PromptSelector): string {
  return `${name}\u0000${selector.label ?? ""}\u0000${selector.version ?? ""}`;
}

function isUnreachable(error: unknown): boolean {
  return error instanceof PromptdeckError && (error.status === 0 || error.status >= 500);
}

async function toError(response: Response): Promise<PromptdeckError> {
  let body: Partial<ApiError> | null = null;
  try {
    body = (await response.json()) as Partial<ApiError>;
  } catch {
    body = null;
  }
  const err = body?.error;
  return new PromptdeckError(response.status, err?.code ?? `http_${response.status}`, err?.message ?? `HTTP ${response.status}`, err?.issues ?? []);
}

// ---------------------------------------------------------------- the live stream

type ClientSettings = Required<Omit<PromptdeckClientOptions, "fallbackPrompts" | "subscribe">>;

/**
 * One subscription to GET /api/v1/stream: connects with fetch, parses the event stream, tells the
 * client's cache what changed, and reconnects (full-jitter exponential backoff, Last-Event-ID)
 * until closed. 400/401/403 stop it (a bad filter, key or scope will not heal by retrying).
 */
class LiveStream implements StreamSubscription {
  lastEventId = "";
  /** When the current connection opened (client clock); undefined while disconnected. */
  connectedSince: number | undefined;
  readonly ready: Promise<void>;
  private resolveReady: () => void = () => {};
  private closed = false;
  private abort: AbortController | undefined;
  private failures = 0;
  private serverRetryMs = 0;
  private wake: (() => void) | undefined;

  constructor(
    private readonly client: ClientSettings,
    private readonly options: StreamOptions,
    private readonly cache: { invalidate(name: string): void; invalidateAll(): void },
  ) {
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
    void this.run();
  }

  get connected(): boolean {
    return this.connectedSince !== undefined;
  }

  close(): void {
    this.closed = true;
    this.abort?.abort();
    this.wake?.();
    this.setDisconnected();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      let fatal = false;
      try {
        await this.connectOnce();
      } catch (error) {
        const failure =
          error instanceof PromptdeckError
            ? error
            : new PromptdeckError(0, "unreachable", `The live stream dropped: ${error instanceof Error ? error.message : String(error)}`);
        fatal = failure.status === 400 || failure.status === 401 || failure.status === 403;
        if (!this.closed) this.options.onError?.(failure, fatal);
      }
      this.setDisconnected();
      if (fatal || this.closed) break;
      this.failures++;
      await this.pause(this.delay());
    }
    this.setDisconnected();
  }

  /** One connection, until it ends, fails, goes silent or is closed. */
  private async connectOnce(): Promise<void> {
    const abort = new AbortController();
    this.abort = abort;
    const query = this.options.prompts && this.options.prompts.length > 0 ? `?prompt=${encodeURIComponent(this.options.prompts.join(","))}` : "";
    const idleMs = this.options.idleTimeoutMs ?? 45_000;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => abort.abort(new Error(`nothing received for ${idleMs} ms`)), idleMs);
    };
    touch();
    try {
      const response = await this.client.fetch(`${this.client.baseUrl}/api/v1/stream${query}`, {
        headers: {
          Authorization: `Bearer ${this.client.apiKey}`,
          Accept: "text/event-stream",
          ...(this.lastEventId ? { "Last-Event-ID": this.lastEventId } : {}),
        },
        signal: abort.signal,
      });
      if (!response.ok) {
        const error = await toError(response);
        const retryAfter = Number(response.headers.get("retry-after"));
        if (Number.isFinite(retryAfter) && retryAfter > 0) this.serverRetryMs = Math.max(this.serverRetryMs, retryAfter * 1000);
        throw error;
      }
      if (!response.body) throw new PromptdeckError(0, "unreachable", "The live stream answered without a body");
      // Without an id to resume from, whatever changed while disconnected is unknown: start clean.
      if (!this.lastEventId) this.cache.invalidateAll();
      this.connectedSince = this.client.now();
      this.failures = 0;
      this.options.onStatus?.(true);
      this.resolveReady();
      const parser = new SseParser({
        onEvent: (event) => this.onEvent(event.event, event.data, event.lastEventId),
        onRetry: (ms) => (this.serverRetryMs = ms),
      });
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        touch();
        parser.push(decoder.decode(value, { stream: true }));
      }
    } finally {
      clearTimeout(idle);
      abort.abort();
    }
  }

  private onEvent(type: string, data: string, lastEventId: string): void {
    if (type === "reset") {
      this.cache.invalidateAll();
      this.lastEventId = lastEventId;
      let reason = "";
      try {
        reason = String((JSON.parse(data) as { reason?: unknown }).reason ?? "");
      } catch {
        reason = data;
      }
      this.options.onReset?.(reason);
      return;
    }
    if (type !== "label.moved" && type !== "version.published") return;
    let event: PromptChangeEvent;
    try {
      event = JSON.parse(data) as PromptChangeEvent;
    } catch {
      return;
    }
    if (typeof event.prompt !== "string") return;
    this.cache.invalidate(event.prompt);
    this.lastEventId = lastEventId;
    this.options.onChange?.(event);
  }

  private setDisconnected(): void {
    if (this.connectedSince === undefined) return;
    this.connectedSince = undefined;
    this.options.onStatus?.(false);
  }

  /** Full-jitter exponential backoff, at least the server's `retry:` / Retry-After. */
  private delay(): number {
    const base = this.options.reconnectBaseMs ?? 1_000;
    const max = this.options.reconnectMaxMs ?? 30_000;
    const ceiling = Math.min(max, base * 2 ** Math.min(this.failures - 1, 20));
    const wait = Math.max(Math.floor(this.client.random() * ceiling), Math.min(this.serverRetryMs, max));
    this.serverRetryMs = 0;
    return wait;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
