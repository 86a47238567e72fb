/**
 * Promptdeck's TypeScript client for applications (Node 18+ or any runtime with fetch). It
 * depends on nothing but its generated API types, so it can be copied into or published for any
 * app. See lib/client/README.md.
 */
import type {
  AddDatasetItemsRequest,
  ApiError,
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
  PromptVersionDocument,
  RenderRequest,
  RenderResponse,
  RunRequest,
  Rollout,
  RunResponse,
  ScoreRequest,
  StartRolloutRequest,
  ScoreResponse,
} from "./api-types";

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
  fetch?: typeof fetch;
  /** Injectable for tests. */
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
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
  private readonly options: Required<Omit<PromptdeckClientOptions, "fallbackPrompts">> & { fallbackPrompts: Record<string, PromptVersionDocument> };
  private readonly cache = new Map<string, CacheEntry>();

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
    if (entry && age <= this.options.cacheTtlMs) return { prompt: entry.prompt, source: "cache" };
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
   * Starts a canary rollout of a published version on a label (steps, step minimums, guardrails;
   * scope experiments:write, admin on a protected label). 409 when the label has an active
   * experiment or rollout or already serves the version. Poll `getRollout` to follow it.
   */
  startRollout(body: StartRolloutRequest): Promise<Rollout> {
    return this.request<Rollout>("POST", "/api/v1/rollouts", body, ONCE);
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

  /** Drops every cached prompt. */
  clearCache(): void {
    this.cache.clear();
  }

  private async fetchPrompt(name: string, selector: PromptSelector, key: string, entry: CacheEntry | undefined): Promise<PromptVersionDocument> {
    const query = new URLSearchParams();
    if (selector.label) query.set("label", selector.label);
    if (selector.version) query.set("version", selector.version);
    const qs = query.toString();
    const path = `/api/v1/prompts/${encodeURIComponent(name)}${qs ? `?${qs}` : ""}`;
    const response = await this.send("GET", path, undefined, {
      headers: entry?.etag ? { "If-None-Match": entry.etag } : {},
    });
    if (response.status === 304 && entry) {
      entry.fetchedAt = this.options.now();
      return entry.prompt;
    }
    const prompt = (await response.json()) as PromptVersionDocument;
    this.cache.set(key, { prompt, etag: response.headers.get("etag"), fetchedAt: this.options.now() });
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
