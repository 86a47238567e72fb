/**
 * The public HTTP API (`/api/v1/**` and the Langfuse-compatible `/api/public/v2/prompts**`) as a
 * lean `node:http` handler: it does not go through Next's router, because apps call the serving
 * endpoints on every request (see lib/serving/README.md). server.ts tries this handler first
 * and hands every other request to Next. The routes are a table (lib/http/routes/*.ts, one module
 * per area) served by the one wrapper in lib/http/route.ts; this class owns the per-instance state
 * they use (key cache, rate limiter, serving caches, change feed, experiment router).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiKeyAuthenticator, type AuthenticatorOptions } from "@/lib/api-keys/authenticate";
import { defaultRateLimits, TokenBucketLimiter, type KeyRateLimiter } from "@/lib/api-keys/rate-limit";
import { SharedRateLimiter, sqlLeaseStore } from "@/lib/api-keys/shared-rate-limit";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { childLogger } from "@/lib/logger";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { ProjectSettingsCache } from "@/lib/runs/settings";
import { ChangeFeed, type ChangeFeedOptions } from "@/lib/serving/change-feed";
import { getLangfusePrompt } from "@/lib/serving/langfuse";
import { PromptServingCache, ServingCache, type PromptCacheOptions } from "@/lib/serving/prompt-cache";
import { StreamHub, type StreamHubOptions } from "@/lib/serving/stream-hub";
import { GuardrailMonitor } from "@/lib/experiments/guardrails";
import { ExperimentRouter } from "@/lib/experiments/serving";
import { buildOpenApiDocument } from "./openapi";
import { createDispatcher } from "./route";
import { trustProxy } from "./proxy";
import { apiRoutes } from "./routes";
import { LIST_KEY, type ApiServices, type LangfuseSelector, type ListSelector } from "./routes/context";
import { loadLangfuseList } from "./routes/langfuse";
import { loadPromptList } from "./routes/prompts";

const apiLog = childLogger({ component: "api" });

export interface ApiV1Options {
  auth?: AuthenticatorOptions;
  cache?: PromptCacheOptions;
  /**
   * Per-key token bucket for keys without their own limits. Default PROMPTDECK_RATE_LIMIT_PER_SECOND
   * (100/s) and PROMPTDECK_RATE_LIMIT_BURST (200), shared by every instance through the database
   * (lib/api-keys/shared-rate-limit.ts); `shared: false` keeps it per instance.
   */
  rateLimit?: { perSecond: number; burst: number; shared?: boolean };
  /** Change feed connection (default DATABASE_URL); `false` for none (tests of a single instance). */
  changeFeed?: (Omit<ChangeFeedOptions, "connectionString"> & { connectionString?: string }) | false;
  /** Believe X-Forwarded-For for client addresses. Default PROMPTDECK_TRUST_PROXY (lib/http/proxy.ts). */
  trustProxy?: boolean;
  /** The live stream (GET /api/v1/stream): limits, heartbeat, backpressure. Default maxPerKey PROMPTDECK_STREAM_MAX_PER_KEY (20). */
  stream?: StreamHubOptions;
  /** Largest accepted request body. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Logs unexpected errors (with the request's id, method and path when there is a request). Default: the process logger (lib/logger.ts). */
  logError?: (message: string, error: unknown, context?: { requestId: string; method: string; path: string }) => void;
}

const V1 = "/api/v1/";
const LANGFUSE = "/api/public/v2/prompts";
/** Lists also show drafts, which announce no change: a cached list is refreshed in the background after this. */
const LIST_MAX_AGE_MS = 2_000;

/**
 * The API handler of one app instance: its own key cache, rate limiter, serving cache and
 * change feed. `handle` returns false for paths that are not the API's (the caller passes them
 * on, e.g. to Next).
 */
export class ApiV1Handler {
  readonly cache: PromptServingCache;
  /** Langfuse-shaped prompts (serialized), per (project, name, label | integer version). */
  private readonly langfuseCache: ServingCache<LangfuseSelector, Buffer>;
  /** Serialized prompt lists (v1 and Langfuse) per (project, query). */
  private readonly listCache: ServingCache<ListSelector, Buffer>;
  readonly auth: ApiKeyAuthenticator;
  readonly feed: ChangeFeed | undefined;
  /** The open live streams (GET /api/v1/stream), fed by the change feed; closed first on shutdown. */
  readonly streams: StreamHub;
  /** Which experiment runs on a prompt+label (A/B routing for /run); invalidated by the change feed. */
  readonly experiments: ExperimentRouter;
  private readonly guardrails: GuardrailMonitor;
  /** Each project's runner and call-log policy for /run (reloaded every 10 s). */
  private readonly projectSettings: ProjectSettingsCache;
  private readonly limiter: KeyRateLimiter;
  private readonly logError: NonNullable<ApiV1Options["logError"]>;
  private openapi: string | undefined;
  /** The route table's wrapper (lib/http/route.ts) bound to this instance's services. */
  private readonly dispatch: (req: IncomingMessage, res: ServerResponse, langfuse: boolean) => void | Promise<void>;

  constructor(options: ApiV1Options = {}) {
    this.logError = options.logError ?? ((m, e, context) => apiLog.error({ err: e, ...context }, m));
    const onBackgroundError = (e: unknown) => this.logError("[serving] background refresh failed", e);
    this.cache = new PromptServingCache({ onBackgroundError, ...options.cache });
    const { loader: _loader, keyOf: _keyOf, sizeOf: _sizeOf, ...sharedCacheOptions } = options.cache ?? {};
    this.langfuseCache = new ServingCache<LangfuseSelector, Buffer>({
      onBackgroundError,
      ...sharedCacheOptions,
      loader: async (projectId, name, selector) => Buffer.from(JSON.stringify(await getLangfusePrompt(projectId, name, selector))),
      keyOf: (selector) => `l:${selector.label ?? ""}|v:${selector.version ?? ""}`,
    });
    this.listCache = new ServingCache<ListSelector, Buffer>({
      onBackgroundError,
      ...sharedCacheOptions,
      maxAgeMs: LIST_MAX_AGE_MS,
      loader: (projectId, _name, selector) =>
        selector.kind === "langfuse" ? loadLangfuseList(projectId, selector.query) : loadPromptList(projectId, selector.query),
      keyOf: (selector) => `${selector.kind}:${JSON.stringify(selector.query)}`,
    });
    this.auth = new ApiKeyAuthenticator({ onBackgroundError: (e) => this.logError("[api-keys] lastUsedAt update failed", e), ...options.auth });
    const rateLimit = { ...defaultRateLimits(), ...options.rateLimit };
    this.limiter =
      rateLimit.shared === false
        ? new TokenBucketLimiter(rateLimit)
        : new SharedRateLimiter({
            ...rateLimit,
            store: sqlLeaseStore((sql, ...params) => getDb().$queryRawUnsafe(sql, ...params)),
            onStoreError: (e) => this.logError("[api-keys] shared rate limit unavailable; limiting per instance until the database is back", e),
          });
    this.projectSettings = new ProjectSettingsCache({ onProblem: (projectId, problem) => this.logError(`[projects] settings of ${projectId}`, problem) });
    this.experiments = new ExperimentRouter({ onError: (e) => this.logError("[experiments] routing lookup failed", e) });
    this.guardrails = new GuardrailMonitor({
      flush: () => getCallLogWriter().flush({ timeoutMs: 5_000 }),
      onError: (e) => this.logError("[experiments] guardrail check failed", e),
    });
    this.streams = new StreamHub({
      maxPerKey: getEnv().PROMPTDECK_STREAM_MAX_PER_KEY,
      onError: (message, error) => this.logError(message, error),
      ...options.stream,
    });
    if (options.changeFeed !== false) {
      const connectionString = options.changeFeed?.connectionString ?? getEnv().DATABASE_URL;
      if (connectionString) {
        this.feed = new ChangeFeed(
          { ...options.changeFeed, connectionString },
          {
            onChange: (projectId, name) => {
              this.invalidateServed(projectId, name);
              this.experiments.invalidatePrompt(projectId, name);
              this.streams.onChange(projectId);
            },
            onReset: () => {
              for (const cache of this.servingCaches()) cache.invalidateAll();
              this.experiments.invalidateAll();
              this.streams.onReset();
            },
            onHealth: (healthy) => {
              for (const cache of this.servingCaches()) cache.setFeedHealthy(healthy);
            },
          },
        );
      }
    }
    const services: ApiServices = {
      cache: this.cache,
      langfuseCache: this.langfuseCache,
      listCache: this.listCache,
      experiments: this.experiments,
      guardrails: this.guardrails,
      projectSettings: this.projectSettings,
      streams: this.streams,
      invalidateServed: (projectId, name) => this.invalidateServed(projectId, name),
      openapiJson: () => (this.openapi ??= JSON.stringify(buildOpenApiDocument())),
    };
    this.dispatch = createDispatcher({
      routes: apiRoutes,
      services,
      auth: this.auth,
      limiter: this.limiter,
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
      trustProxy: options.trustProxy ?? trustProxy(),
      logError: this.logError,
    });
  }

  private servingCaches(): Pick<ServingCache<unknown, unknown>, "invalidateAll" | "setFeedHealthy">[] {
    return [this.cache, this.langfuseCache, this.listCache];
  }

  /** Drops everything this instance serves about a prompt (its versions, Langfuse views, the project's lists). */
  private invalidateServed(projectId: string, name: string): void {
    this.cache.invalidatePrompt(projectId, name);
    this.langfuseCache.invalidatePrompt(projectId, name);
    this.listCache.invalidatePrompt(projectId, LIST_KEY);
  }

  /** Starts the change feed (resolves after the first connect attempt; retries in the background). */
  async start(): Promise<void> {
    await this.feed?.start();
  }

  /**
   * Ends every live stream and refuses new ones (503): the first step of a shutdown, so that the
   * HTTP server's drain does not wait for streams that never end. Clients reconnect elsewhere.
   */
  closeStreams(): void {
    this.streams.close();
  }

  /** Ends the live streams, stops the change feed, waits for running guardrail checks and writes the keys' pending `lastUsedAt` (all use the database). */
  async stop(): Promise<void> {
    this.streams.close();
    await Promise.all([this.feed?.stop(), this.guardrails.stop(), this.auth.stop()]);
  }

  /**
   * Answers `req` if it is an API path; false otherwise (nothing was written). True: answered
   * already (a warm read is answered within this call); a promise: resolves to true once the
   * response is written. Never throws or rejects.
   */
  handle = (req: IncomingMessage, res: ServerResponse): boolean | Promise<boolean> => {
    const url = req.url ?? "/";
    const isV1 = url.startsWith(V1) || url === "/api/v1";
    const isLangfuse = !isV1 && url.startsWith(LANGFUSE) && (url.length === LANGFUSE.length || url[LANGFUSE.length] === "/" || url[LANGFUSE.length] === "?");
    if (!isV1 && !isLangfuse) return false;
    const pending = this.dispatch(req, res, isLangfuse);
    return pending ? pending.then(() => true) : true;
  };
}
