/**
 * The public HTTP API (`/api/v1/**` and the Langfuse-compatible `/api/public/v2/prompts**`) as a
 * lean `node:http` handler: it does not go through Next's router, because apps call the serving
 * endpoints on every request (see DESIGN.md "The hot path"). server.ts tries this handler first
 * and hands every other request to Next. This file is the only implementation of these routes.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { LRUCache } from "lru-cache";
import { z } from "zod";
import { AppError, errorBody, isAppError, toIssues } from "@/lib/errors";
import { ApiKeyAuthenticator, actorForKey, requireScope, type ApiKeyPrincipal, type AuthenticatorOptions } from "@/lib/api-keys/authenticate";
import { DEFAULT_RATE_LIMIT, TokenBucketLimiter, type RateLimitDecision } from "@/lib/api-keys/rate-limit";
import { SharedRateLimiter, sqlLeaseStore } from "@/lib/api-keys/shared-rate-limit";
import { getDb } from "@/lib/db/client";
import type { ApiKeyScope } from "@/lib/auth/api-keys";
import { recordScore } from "@/lib/metrics/scores";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { ProjectSettingsCache } from "@/lib/runs/settings";
import { runAndLog } from "@/lib/runs/run-and-log";
import { listPrompts } from "@/lib/prompts/queries";
import { ingestCalls } from "@/lib/serving/call-ingest";
import { getMetricsForApi } from "@/lib/metrics/api";
import { renderVersion } from "@/lib/prompts/render";
import { ChangeFeed, type ChangeFeedOptions } from "@/lib/serving/change-feed";
import { getLangfusePrompt, listLangfusePrompts } from "@/lib/serving/langfuse";
import { PromptServingCache, ServingCache, type PromptCacheOptions } from "@/lib/serving/prompt-cache";
import type { Selector } from "@/lib/serving/served-version";
import { DatabaseUnavailableError, isConnectionFailure } from "@/lib/errors/unavailable";
import { moveLabelToVersion, writeVersion } from "@/lib/serving/writes";
import { GuardrailMonitor } from "@/lib/experiments/guardrails";
import { createExperiment, promoteExperiment, setExperimentWeights, transitionExperiment } from "@/lib/experiments/mutations";
import { computeExperimentResults, getExperiment } from "@/lib/experiments/queries";
import { ExperimentRouter } from "@/lib/experiments/serving";
import * as schemas from "./api-schemas";
import { buildOpenApiDocument } from "./openapi";

export interface ApiV1Options {
  auth?: AuthenticatorOptions;
  cache?: PromptCacheOptions;
  /**
   * Per-key token bucket. Default 100/s, burst 200, shared by every instance through the
   * database (lib/api-keys/shared-rate-limit.ts); `shared: false` keeps it per instance.
   */
  rateLimit?: { perSecond: number; burst: number; shared?: boolean };
  /** Change feed connection (default DATABASE_URL); `false` for none (tests of a single instance). */
  changeFeed?: Omit<ChangeFeedOptions, "connectionString"> & { connectionString?: string } | false;
  /** Largest accepted request body. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Logs unexpected errors. Default console.error. */
  logError?: (message: string, error: unknown) => void;
}

const JSON_TYPE = "application/json; charset=utf-8";
const PRODUCTION: Selector = { label: "production" };
const V1 = "/api/v1/";
const LANGFUSE = "/api/public/v2/prompts";
/** The list caches' "prompt name": never a real name (names are non-empty), invalidated by any change in the project. */
const LIST_KEY = "";
/** Lists also show drafts, which announce no change: a cached list is refreshed in the background after this. */
const LIST_MAX_AGE_MS = 2_000;

type LangfuseSelector = { label?: string; version?: number };
type ListSelector =
  | { kind: "v1"; query: z.infer<typeof schemas.listPromptsQuerySchema> }
  | { kind: "langfuse"; query: z.infer<typeof schemas.langfuseListQuerySchema> };

async function loadList(projectId: string, selector: ListSelector): Promise<Buffer> {
  if (selector.kind === "langfuse") return Buffer.from(JSON.stringify(await listLangfusePrompts(projectId, selector.query)));
  const { query } = selector;
  const { items, total } = await listPrompts(projectId, { search: query.search, skip: (query.page - 1) * query.limit, take: query.limit });
  const body = {
    data: items.map((p) => ({
      name: p.name,
      description: p.description,
      tags: p.tags,
      latestVersion: p.latestVersion,
      versionCount: p.versionCount,
      hasDraft: p.hasDraft,
      updatedAt: p.updatedAt.toISOString(),
      labels: p.labels,
    })),
    pagination: { page: query.page, limit: query.limit, total, totalPages: Math.ceil(total / query.limit) },
  };
  return Buffer.from(JSON.stringify(body));
}

class BodyTooLargeError extends AppError {}

/** A send-ready error response: status, body, extra headers. */
function errorResponse(error: unknown, logError: (m: string, e: unknown) => void): { status: number; body: string; headers: Record<string, string> } {
  if (isAppError(error)) {
    const headers: Record<string, string> = {};
    if (error.code === "rate_limited" && typeof error.details === "number") headers["Retry-After"] = String(error.details);
    return { status: error instanceof BodyTooLargeError ? 413 : error.status, body: JSON.stringify(errorBody(error)), headers };
  }
  if (error instanceof DatabaseUnavailableError) {
    return { status: 503, body: JSON.stringify({ error: { code: "unavailable", message: error.message } }), headers: { "Retry-After": "1" } };
  }
  logError("[api] unexpected error", error);
  return { status: 500, body: JSON.stringify({ error: { code: "internal", message: "Something went wrong on our side" } }), headers: {} };
}

function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": JSON_TYPE, "Content-Length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Decodes path segments; a malformed escape is a 400. */
function segmentsOf(rest: string): string[] {
  try {
    return rest.split("/").map((s) => decodeURIComponent(s));
  } catch {
    throw new AppError("bad_request", "Malformed URL encoding in the path");
  }
}

function parseQuery<T extends z.ZodType>(schema: T, params: URLSearchParams): z.infer<T> {
  const raw: Record<string, string> = {};
  if (params.size === 0) {
    const empty = schema.safeParse(raw);
    if (empty.success) return empty.data;
  }
  for (const [k, v] of params) raw[k] = v;
  const result = schema.safeParse(raw);
  if (!result.success) throw new AppError("bad_request", "Invalid query parameters", { issues: toIssues(result.error.issues) });
  return result.data;
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  for (const part of header.split(",")) {
    const t = part.trim();
    const v = t.startsWith("W/") ? t.slice(2) : t;
    if (v === `"${etag}"`) return true;
  }
  return false;
}

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
  /** Which experiment runs on a prompt+label (A/B routing for /run); invalidated by the change feed. */
  readonly experiments: ExperimentRouter;
  private readonly guardrails: GuardrailMonitor;
  /** Each project's runner and call-log policy for /run (reloaded every 10 s). */
  private readonly projectSettings: ProjectSettingsCache;
  private readonly limiter: { take(apiKeyId: string): RateLimitDecision | Promise<RateLimitDecision> };
  private readonly maxBodyBytes: number;
  private readonly logError: (message: string, error: unknown) => void;
  private openapi: string | undefined;
  private readonly selectors = new LRUCache<string, Selector>({ max: 1000 });

  constructor(options: ApiV1Options = {}) {
    this.logError = options.logError ?? ((m, e) => console.error(m, e));
    const onBackgroundError = (e: unknown) => this.logError("[serving] background refresh failed", e);
    this.cache = new PromptServingCache({ onBackgroundError, ...options.cache });
    const { loader: _loader, keyOf: _keyOf, ...sharedCacheOptions } = options.cache ?? {};
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
      loader: (projectId, _name, selector) => loadList(projectId, selector),
      keyOf: (selector) => `${selector.kind}:${JSON.stringify(selector.query)}`,
    });
    this.auth = new ApiKeyAuthenticator({ onBackgroundError: (e) => this.logError("[api-keys] lastUsedAt update failed", e), ...options.auth });
    const rateLimit = { ...DEFAULT_RATE_LIMIT, ...options.rateLimit };
    this.limiter =
      rateLimit.shared === false
        ? new TokenBucketLimiter(rateLimit)
        : new SharedRateLimiter({
            ...rateLimit,
            store: sqlLeaseStore((sql, ...params) => getDb().$queryRawUnsafe(sql, ...params)),
            onStoreError: (e) => this.logError("[api-keys] shared rate limit unavailable; limiting per instance until the database is back", e),
          });
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    this.projectSettings = new ProjectSettingsCache({ onProblem: (projectId, problem) => this.logError(`[projects] settings of ${projectId}`, problem) });
    this.experiments = new ExperimentRouter({ onError: (e) => this.logError("[experiments] routing lookup failed", e) });
    this.guardrails = new GuardrailMonitor({ flush: () => getCallLogWriter().flush({ timeoutMs: 5_000 }), onError: (e) => this.logError("[experiments] guardrail check failed", e) });
    if (options.changeFeed !== false) {
      const connectionString = options.changeFeed?.connectionString ?? process.env.DATABASE_URL;
      if (connectionString) {
        this.feed = new ChangeFeed(
          { ...options.changeFeed, connectionString },
          {
            onChange: (projectId, name) => {
              this.invalidateServed(projectId, name);
              this.experiments.invalidatePrompt(projectId, name);
            },
            onReset: () => {
              for (const cache of this.servingCaches()) cache.invalidateAll();
              this.experiments.invalidateAll();
            },
            onHealth: (healthy) => {
              for (const cache of this.servingCaches()) cache.setFeedHealthy(healthy);
            },
          },
        );
      }
    }
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

  /** Stops the change feed and waits for running guardrail checks (both use the database). */
  async stop(): Promise<void> {
    await Promise.all([this.feed?.stop(), this.guardrails.stop()]);
  }

  /** Answers `req` if it is an API path; false otherwise (nothing was written). Never rejects. */
  handle = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = req.url ?? "/";
    const isV1 = url.startsWith(V1) || url === "/api/v1";
    const isLangfuse = !isV1 && (url.startsWith(LANGFUSE) && (url.length === LANGFUSE.length || url[LANGFUSE.length] === "/" || url[LANGFUSE.length] === "?"));
    if (!isV1 && !isLangfuse) return false;
    try {
      if (isV1) await this.routeV1(req, res, url);
      else await this.routeLangfuse(req, res, url);
    } catch (error) {
      const { status, body, headers } = errorResponse(error, this.logError);
      // Langfuse SDKs show a top-level `message`; the `error` object stays as everywhere else.
      const payload = isLangfuse ? JSON.stringify({ ...(JSON.parse(body) as object), message: (JSON.parse(body) as { error: { message: string } }).error.message }) : body;
      if (!res.headersSent) send(res, status, payload, headers);
      else res.end();
    }
    return true;
  };

  private async principal(req: IncomingMessage, scope: ApiKeyScope, allowBasic = false): Promise<ApiKeyPrincipal> {
    const principal = await this.auth.authenticate(req.headers.authorization, { allowBasic });
    const decision = await this.limiter.take(principal.apiKeyId);
    if (!decision.ok) {
      throw new AppError("rate_limited", `Rate limit exceeded for this API key; retry in ${decision.retryAfterSeconds} s`, { details: decision.retryAfterSeconds });
    }
    requireScope(principal, scope);
    return principal;
  }

  private async routeV1(req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const params = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
    const method = req.method ?? "GET";
    const rest = path.slice(V1.length).replace(/\/+$/, "");

    if (rest === "openapi.json") {
      if (method !== "GET") return this.methodNotAllowed(res, "GET");
      this.openapi ??= JSON.stringify(buildOpenApiDocument());
      return send(res, 200, this.openapi, { "Cache-Control": "public, max-age=300" });
    }
    if (rest === "prompts") {
      if (method !== "GET") return this.methodNotAllowed(res, "GET");
      return this.listPrompts(req, res, params);
    }
    if (rest === "metrics") {
      if (method !== "GET") return this.methodNotAllowed(res, "GET");
      return this.metrics(req, res, params);
    }
    if (rest === "calls") {
      if (method !== "POST") return this.methodNotAllowed(res, "POST");
      return this.ingest(req, res);
    }
    if (rest.startsWith("calls/")) {
      const segments = segmentsOf(rest.slice("calls/".length));
      if (segments.length === 2 && segments[1] === "score") {
        if (method !== "POST") return this.methodNotAllowed(res, "POST");
        return this.score(req, res, segments[0] ?? "");
      }
      throw new AppError("not_found", `No API route ${method} ${path}`);
    }
    if (rest === "experiments" || rest.startsWith("experiments/")) return this.routeExperiments(req, res, method, rest, path);
    if (rest.startsWith("prompts/")) {
      const segments = segmentsOf(rest.slice("prompts/".length));
      const last = segments.at(-1);
      if (method === "POST" && last === "run" && segments.length >= 2) return this.run(req, res, segments.slice(0, -1).join("/"));
      if (method === "POST" && last === "render" && segments.length >= 2) return this.render(req, res, segments.slice(0, -1).join("/"));
      if (method === "POST" && last === "versions" && segments.length >= 2) return this.writeVersion(req, res, segments.slice(0, -1).join("/"));
      if (method === "PUT" && segments.length >= 3 && segments.at(-2) === "labels") {
        return this.moveLabel(req, res, segments.slice(0, -2).join("/"), segments.at(-1) ?? "");
      }
      if (method === "GET" || method === "HEAD") return this.getPrompt(req, res, segments.join("/"), params);
      return this.methodNotAllowed(res, "GET");
    }
    throw new AppError("not_found", `No API route ${method} ${path}`);
  }

  private methodNotAllowed(res: ServerResponse, allow: string): void {
    send(res, 405, JSON.stringify({ error: { code: "method_not_allowed", message: `Use ${allow} on this path` } }), { Allow: allow });
  }

  // GET /api/v1/prompts/{name}?label=|version= - the served version document (hot path, cached)
  private async getPrompt(req: IncomingMessage, res: ServerResponse, name: string, params: URLSearchParams): Promise<void> {
    const principal = await this.principal(req, "prompts:read");
    // Hot path: no query string means the production label; parsed query strings are remembered.
    const search = params.toString();
    let selector = search === "" ? PRODUCTION : this.selectors.get(search);
    if (!selector) {
      selector = this.selector(parseQuery(schemas.getPromptQuerySchema, params));
      this.selectors.set(search, selector);
    }
    const { value, cache } = await this.cache.get(principal.projectId, name, selector);
    const headers = {
      ETag: `"${value.etag}"`,
      "Cache-Control": "private, no-cache",
      "X-Promptdeck-Cache": cache,
      "X-Promptdeck-Version": value.version,
    };
    if (etagMatches(req.headers["if-none-match"], value.etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { "Content-Type": JSON_TYPE, "Content-Length": value.body.length, ...headers });
    res.end(req.method === "HEAD" ? undefined : value.body);
  }

  private selector(query: { label?: string; version?: string }): Selector {
    if (query.label !== undefined && query.version !== undefined) throw new AppError("bad_request", "Give either label or version, not both");
    return query.version !== undefined ? { version: query.version } : { label: query.label ?? "production" };
  }

  // GET /api/v1/prompts - prompts with labels and latest versions, paginated (cached per query)
  private async listPrompts(req: IncomingMessage, res: ServerResponse, params: URLSearchParams): Promise<void> {
    const principal = await this.principal(req, "prompts:read");
    const query = parseQuery(schemas.listPromptsQuerySchema, params);
    const { value, cache } = await this.listCache.get(principal.projectId, LIST_KEY, { kind: "v1", query });
    send(res, 200, value, { "X-Promptdeck-Cache": cache });
  }

  // POST /api/v1/prompts/{name}/render - Messages API params for the given variables (422 per bad variable)
  private async render(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const principal = await this.principal(req, "prompts:read");
    const body = this.parseBody(schemas.renderBodySchema, await this.readJson(req));
    const { value, cache } = await this.cache.get(principal.projectId, name, this.selector(body));
    const request = renderVersion(value.content, body.variables);
    send(res, 200, JSON.stringify({ name: value.name, version: value.version, etag: value.etag, request }), {
      "X-Promptdeck-Cache": cache,
      "X-Promptdeck-Version": value.version,
    });
  }

  // POST /api/v1/prompts/{name}/run - render the served version, call Claude through the runner, log the call
  private async run(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const principal = await this.principal(req, "prompts:run");
    const body = this.parseBody(schemas.runBodySchema, await this.readJson(req));
    // A/B split: a RUNNING experiment on the requested label (not on an explicit version) picks the variant.
    const routed = body.version === undefined ? await this.experiments.route(principal.projectId, name, body.label ?? "production", body.subject) : null;
    const { value } = await this.cache.get(principal.projectId, name, routed ? { version: routed.variant.version } : this.selector(body));
    // The project's runner and body policy, read through a short-lived cache (stale through an outage).
    const settings = await this.db(() => this.projectSettings.get(principal.projectId));
    const { result, callId } = await runAndLog({
      projectId: principal.projectId,
      settings,
      promptId: value.promptId,
      versionId: value.versionId,
      version: value.content,
      variables: body.variables,
      source: "api",
      subject: body.subject ?? null,
      metadata: { ...(body.metadata ?? {}), apiKeyId: principal.apiKeyId },
      ...(routed ? { experiment: { experimentId: routed.experiment.id, variantId: routed.variant.id } } : {}),
    });
    if (routed) this.guardrails.observe(routed.experiment.id);
    const headers: Record<string, string> = {
      "X-Promptdeck-Version": value.version,
      ...(callId ? { "X-Promptdeck-Call-Id": callId } : {}),
      ...(routed ? { "X-Promptdeck-Variant": routed.variant.key } : {}),
    };
    if (result.status === "error") {
      const message = `Claude call failed (${result.error.type}): ${result.error.message}`;
      return send(res, 502, JSON.stringify({ error: { code: "upstream", message } }), headers);
    }
    send(
      res,
      200,
      JSON.stringify({
        callId,
        name: value.name,
        version: value.version,
        variant: routed?.variant.key ?? null,
        status: result.status,
        output: result.output,
        ...(result.status === "ok" && result.parsed !== undefined ? { parsed: result.parsed } : {}),
        model: result.model,
        requestedModel: result.requestedModel,
        stopReason: result.stopReason,
        usage: result.usage,
        costMicros: result.costMicros,
        latencyMs: result.latencyMs,
        attempts: result.attempts.length,
        fallbackUsed: result.fallbackUsed,
        simulated: result.simulated,
      }),
      headers,
    );
  }

  // GET /api/v1/metrics - rollup figures (lib/metrics/api.ts): view, prompt, version, label, model, source, range, from, to, bucket
  private async metrics(req: IncomingMessage, res: ServerResponse, params: URLSearchParams): Promise<void> {
    const principal = await this.principal(req, "metrics:read");
    const query: Record<string, string> = {};
    for (const [k, v] of params) query[k] = v;
    const result = await this.db(() => getMetricsForApi(principal.projectId, query));
    send(res, 200, JSON.stringify(result), { "Cache-Control": "private, max-age=10" });
  }

  // POST /api/v1/calls - ingest up to 1000 call records (per-record results)
  private async ingest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const principal = await this.principal(req, "calls:write");
    // A batch of 1000 records with request/response bodies is larger than a prompt document.
    const body = await this.readJson(req, this.maxBodyBytes * 16);
    const result = await this.db(() => ingestCalls(principal.projectId, body));
    send(res, 202, JSON.stringify(result));
  }

  // POST /api/v1/calls/{id}/score - ground truth for a logged call
  private async score(req: IncomingMessage, res: ServerResponse, callId: string): Promise<void> {
    const principal = await this.principal(req, "calls:write");
    const body = await this.readJson(req);
    const result = await this.db(() => recordScore(callId, body, { projectId: principal.projectId }));
    send(res, 200, JSON.stringify(result));
  }

  // POST /api/v1/prompts/{name}/versions - save the draft or publish from a version document
  private async writeVersion(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const principal = await this.principal(req, "prompts:write");
    const body = await this.readJson(req);
    const result = await this.db(() => writeVersion(actorForKey(principal), name, body));
    this.invalidateServed(principal.projectId, name);
    send(res, 201, JSON.stringify({ ...result.document, status: result.status, created: result.created, warnings: result.warnings }));
  }

  // PUT /api/v1/prompts/{name}/labels/{label} - move a label ({"version":"1.2.0"})
  private async moveLabel(req: IncomingMessage, res: ServerResponse, name: string, label: string): Promise<void> {
    const principal = await this.principal(req, "prompts:write");
    const body = this.parseBody(schemas.moveLabelBodySchema, await this.readJson(req));
    const result = await this.db(() => moveLabelToVersion(actorForKey(principal), { name, label, version: body.version, reason: body.reason }));
    this.invalidateServed(principal.projectId, name);
    send(res, 200, JSON.stringify(result));
  }

  // ---------------------------------------------------------------- experiments (lib/experiments)
  // POST /api/v1/experiments - create a draft; GET /api/v1/experiments/{id}; PATCH .../{id} weights;
  // POST .../{id}/start|pause|resume|promote; GET .../{id}/results (the results page's numbers)
  private async routeExperiments(req: IncomingMessage, res: ServerResponse, method: string, rest: string, path: string): Promise<void> {
    const segments = rest === "experiments" ? [] : segmentsOf(rest.slice("experiments/".length));
    const [id, action, ...extra] = segments;
    if (extra.length > 0 || id === "") throw new AppError("not_found", `No API route ${method} ${path}`);
    if (id === undefined) {
      if (method !== "POST") return this.methodNotAllowed(res, "POST");
      const principal = await this.principal(req, "experiments:write");
      const body = await this.readJson(req);
      const created = await this.db(() => createExperiment(this.experimentActor(principal), body));
      return send(res, 201, JSON.stringify(created));
    }
    if (action === undefined) {
      if (method === "GET") {
        const principal = await this.principal(req, "prompts:read");
        return send(res, 200, JSON.stringify(await this.db(() => getExperiment(principal.projectId, id))));
      }
      if (method !== "PATCH") return this.methodNotAllowed(res, "GET, PATCH");
      const principal = await this.principal(req, "experiments:write");
      const body = await this.readJson(req);
      const updated = await this.db(() => setExperimentWeights(this.experimentActor(principal), id, body));
      this.experiments.invalidatePrompt(principal.projectId, updated.prompt.name);
      return send(res, 200, JSON.stringify(updated));
    }
    if (action === "results") {
      if (method !== "GET") return this.methodNotAllowed(res, "GET");
      const principal = await this.principal(req, "prompts:read");
      const body = await this.db(async () => {
        const experiment = await getExperiment(principal.projectId, id);
        return { experiment, results: await computeExperimentResults(experiment) };
      });
      return send(res, 200, JSON.stringify(body), { "Cache-Control": "private, no-cache" });
    }
    if (action === "start" || action === "pause" || action === "resume" || action === "promote") {
      if (method !== "POST") return this.methodNotAllowed(res, "POST");
      const principal = await this.principal(req, "experiments:write");
      const actor = this.experimentActor(principal);
      let updated;
      if (action === "promote") {
        const body = (req.headers["content-length"] ?? "0") === "0" && !req.headers["transfer-encoding"] ? {} : await this.readJson(req);
        updated = await this.db(() => promoteExperiment(actor, id, body));
        this.invalidateServed(principal.projectId, updated.prompt.name);
      } else {
        updated = await this.db(() => transitionExperiment(actor, id, action));
      }
      this.experiments.invalidatePrompt(principal.projectId, updated.prompt.name);
      return send(res, 200, JSON.stringify(updated));
    }
    throw new AppError("not_found", `No API route ${method} ${path}`);
  }

  /** experiments:write acts as an editor (admin with the admin scope: protected labels). */
  private experimentActor(principal: ApiKeyPrincipal) {
    const actor = actorForKey(principal);
    return actor.role === "VIEWER" ? { ...actor, role: "EDITOR" as const } : actor;
  }

  // GET /api/public/v2/prompts[/{name}] - Langfuse-compatible reads (Basic auth: secret key = API key)
  private async routeLangfuse(req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
    const q = url.indexOf("?");
    const path = (q < 0 ? url : url.slice(0, q)).replace(/\/+$/, "");
    const params = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
    if (req.method !== "GET") return this.methodNotAllowed(res, "GET");
    const principal = await this.principal(req, "prompts:read", true);
    if (path === LANGFUSE) {
      const query = parseQuery(schemas.langfuseListQuerySchema, params);
      const { value, cache } = await this.listCache.get(principal.projectId, LIST_KEY, { kind: "langfuse", query });
      return send(res, 200, value, { "X-Promptdeck-Cache": cache });
    }
    const name = segmentsOf(path.slice(LANGFUSE.length + 1)).join("/");
    const query = parseQuery(schemas.langfuseGetQuerySchema, params);
    const { value, cache } = await this.langfuseCache.get(principal.projectId, name, { label: query.label, version: query.version });
    send(res, 200, value, { "X-Promptdeck-Cache": cache });
  }

  /** Runs a database-backed operation; infrastructure failures become DatabaseUnavailableError (503). */
  private async db<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (isAppError(error) || !isConnectionFailure(error)) throw error;
      throw new DatabaseUnavailableError(undefined, error);
    }
  }

  private parseBody<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
    const result = schema.safeParse(value);
    if (!result.success) throw new AppError("unprocessable", "Invalid request body", { issues: toIssues(result.error.issues) });
    return result.data;
  }

  private async readJson(req: IncomingMessage, maxBytes = this.maxBodyBytes): Promise<unknown> {
    const type = req.headers["content-type"] ?? "";
    if (!type.toLowerCase().startsWith("application/json")) {
      throw new AppError("bad_request", "Send the body as JSON with Content-Type: application/json");
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw new BodyTooLargeError("bad_request", `The body is larger than ${maxBytes} bytes`);
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    if (!text.trim()) throw new AppError("bad_request", "The request body is empty; send a JSON object");
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new AppError("bad_request", "The request body is not valid JSON");
    }
  }
}
