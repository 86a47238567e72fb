/**
 * The public API as a route table. Each route (lib/http/routes/*.ts) declares its method, path,
 * scope, params/query/body/response zod schemas and a handler that receives typed values; this
 * module is the one wrapper around them: routing (find-my-way), request id, API-key auth (Bearer,
 * or Basic for the Langfuse-compatible reads), rate limiting, scope check, body reading with a size
 * limit, parsing at the edge (400 for a bad path or query, 422 for a bad body), error mapping
 * (AppError -> its status, database unreachable -> 503 + Retry-After, anything else -> logged
 * 500), 404/405 (with Allow) and the response headers. lib/http/openapi.ts renders the same table
 * as the OpenAPI document.
 */
import { LRUCache } from "lru-cache";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import FindMyWay from "find-my-way";
import type { z } from "zod";
import { AppError, errorBody, isAppError, parseOrThrow, type AppErrorCode, type ErrorIssue } from "@/lib/errors";
import type { ApiKeyAuthenticator, ApiKeyPrincipal } from "@/lib/api-keys/authenticate";
import { requireScope } from "@/lib/api-keys/authenticate";
import type { KeyRateLimiter, RateLimitDecision } from "@/lib/api-keys/rate-limit";
import type { ApiKeyScope } from "@/lib/auth/api-keys";
import { CONTROL_CHARACTER, describeIssue, inspectJsonInput } from "@/lib/errors/hostile";
import { unavailableAnswer } from "@/lib/errors/unavailable";
import { closeIfBodyUnread } from "./early-close";
import { clientAddress } from "./proxy";
import { requestTargetProblem } from "./edge";

export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
const METHODS: readonly HttpMethod[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;
type In<S> = S extends z.ZodType ? z.input<S> : unknown;

/**
 * What a handler answers: a JSON value (serialized by the wrapper), pre-serialized bytes, or no
 * body (304). `headers` must be a fresh object per response: the wrapper completes it in place.
 */
export type RouteResult<T = unknown> = { status: number; headers?: Record<string, string> } & (
  | { json: T }
  | { raw: Buffer | string }
  | { empty: true }
  /** A long-lived response (Server-Sent Events): the wrapper writes the head, then hands the response over. */
  | { stream: (res: ServerResponse) => void }
);

export const json = <T>(status: number, value: T, headers?: Record<string, string>): RouteResult<T> => ({
  status,
  json: value,
  ...(headers ? { headers } : {}),
});
export const raw = (status: number, body: Buffer | string, headers?: Record<string, string>): RouteResult<never> => ({
  status,
  raw: body,
  ...(headers ? { headers } : {}),
});
export const empty = (status: number, headers?: Record<string, string>): RouteResult<never> => ({ status, empty: true, ...(headers ? { headers } : {}) });
/** A streamed answer: `start` gets the response once its head (status, headers) is written and owns it from then on. */
export const stream = (status: number, start: (res: ServerResponse) => void, headers?: Record<string, string>): RouteResult<never> => ({
  status,
  stream: start,
  ...(headers ? { headers } : {}),
});

export interface RouteContext<Services, P, Q, B, S extends ApiKeyScope | null> {
  req: IncomingMessage;
  /** The authenticated key (routes with a scope). */
  principal: S extends ApiKeyScope ? ApiKeyPrincipal : undefined;
  params: P;
  query: Q;
  body: B;
  /** The handler instance's caches, routers and monitors (see ApiServices in api-v1.ts). */
  api: Services;
  requestId: string;
}

/**
 * One route. `path` uses OpenAPI templates; `{name+}` is a prompt name that may span several path
 * segments (`/api/v1/prompts/team/support/run`) as well as one encoded segment (`team%2Fsupport`).
 */
export interface RouteSpec<
  Services,
  P extends Schema | undefined,
  Q extends Schema | undefined,
  B extends Schema | undefined,
  R extends Schema | undefined,
  S extends ApiKeyScope | null,
> {
  method: HttpMethod | readonly HttpMethod[];
  path: string;
  operationId: string;
  summary: string;
  /** The scope the key needs; null for a public route (no auth, no rate limit). */
  scope: S;
  /** "basic": Langfuse-style Basic auth (secret key = a Promptdeck key) is accepted besides Bearer; errors also carry a top-level `message`. */
  auth?: "bearer" | "basic";
  /** Path parameters (decoded strings in, typed out). */
  params?: P;
  /**
   * Status and message when `params` rejects (default 400 with the issues). `badRequest` picks out
   * the rejections that are a 400 all the same (its message), e.g. a prompt name with a `..`
   * segment, which is refused rather than answered like an unknown name.
   */
  paramsError?: {
    code: AppErrorCode;
    message: (issues: ErrorIssue[], raw: Record<string, string>) => string;
    badRequest?: (raw: Record<string, string>) => string | null;
  };
  query?: Q;
  /** Message of the 400 for a rejected query (default "Invalid query parameters"). */
  queryMessage?: string;
  body?: B;
  /** Message of the 422 for a rejected body (default "Invalid request body"). */
  bodyMessage?: string | ((issues: ErrorIssue[]) => string);
  /** An empty body (no Content-Length, no chunks) counts as `{}` (no Content-Type needed). */
  bodyOptional?: boolean;
  /** Multiple of the handler's body size limit this route accepts (a 1000-record ingest batch). */
  bodySizeFactor?: number;
  /** The request body the OpenAPI document shows, when the parsed shape is looser than the real contract (checked deeper in lib). */
  bodyDoc?: Schema;
  /** `contentType`: what the body is when not JSON (text/event-stream: `schema` is then each event's data). */
  response?: { status: number; description: string; schema?: R; contentType?: string };
  /** Further documented responses (304, 502, ...). */
  responses?: Record<string, { description: string; schema?: Schema }>;
  /** Error statuses this route adds to the ones the wrapper produces (404, 409, ...). */
  errors?: readonly number[];
  /** Extra documented parameters (headers). */
  docParameters?: readonly Record<string, unknown>[];
  /**
   * May answer synchronously (a cache hit): the wrapper then writes the response within the
   * request event, with no promise on the way (see createDispatcher).
   */
  handler: (ctx: RouteContext<Services, Out<P>, Out<Q>, Out<B>, S>) => RouteResult<In<R>> | Promise<RouteResult<In<R>>>;
}

/** A route with its types erased (the table's element type). */
export type ApiRoute<Services = unknown> = RouteSpec<
  Services,
  Schema | undefined,
  Schema | undefined,
  Schema | undefined,
  Schema | undefined,
  ApiKeyScope | null
>;

/** Declares a route; the handler's context is typed from the schemas. */
export function defineRoute<Services>() {
  return <
    P extends Schema | undefined = undefined,
    Q extends Schema | undefined = undefined,
    B extends Schema | undefined = undefined,
    R extends Schema | undefined = undefined,
    S extends ApiKeyScope | null = ApiKeyScope,
  >(
    spec: RouteSpec<Services, P, Q, B, R, S>,
  ): ApiRoute<Services> => spec as unknown as ApiRoute<Services>;
}

export const methodsOf = (route: Pick<ApiRoute, "method">): readonly HttpMethod[] => (typeof route.method === "string" ? [route.method] : route.method);

// ------------------------------------------------------------------ the wrapper

const JSON_TYPE = "application/json; charset=utf-8";
const MAX_JSON_DEPTH = 64;
/** Parsed queries remembered per route (the hot path's `?label=` strings repeat). */
const QUERY_MEMO_SIZE = 1000;
/** ...and at most this many bytes per memo (a parsed value counted as large as its raw string): long names cannot grow it. */
const MEMO_MAX_BYTES = 256 * 1024;
const memo = () => new LRUCache<string, object>({ max: QUERY_MEMO_SIZE, maxSize: MEMO_MAX_BYTES, sizeCalculation: (_value, key) => 4 * key.length + 100 });

export interface DispatcherOptions<Services> {
  routes: readonly ApiRoute<Services>[];
  services: Services;
  auth: Pick<ApiKeyAuthenticator, "authenticate" | "authenticateCached">;
  limiter: KeyRateLimiter;
  maxBodyBytes: number;
  /** Believe X-Forwarded-For for the client address (failed-authentication limit); see lib/http/proxy.ts. */
  trustProxy?: boolean;
  logError: (message: string, error: unknown, context?: { requestId: string; method: string; path: string }) => void;
}

interface Compiled<Services> {
  route: ApiRoute<Services>;
  queryMemo: LRUCache<string, object>;
  /** Parsed path parameters per raw values (the hot path asks for the same names again and again). */
  paramsMemo: LRUCache<string, object>;
  /** Langfuse-style error bodies. */
  basic: boolean;
}

type Match<Services> = { compiled: Compiled<Services>; params: Record<string, string> };

/** One request on its way through the dispatcher. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: string;
  /** Index of `?` in the URL, -1 without a query. */
  q: number;
  rawPath: string;
  method: string;
  requestId: string;
  /** Langfuse-style error bodies (the prefix's default until a route is found). */
  basic: boolean;
}

/** This process's request ids: a random prefix and a counter (cheaper than a UUID per request, unique across instances). */
const ID_PREFIX = randomUUID().slice(0, 8);
let idCounter = 0;

/**
 * A request id for logs and the `X-Request-Id` response header: the caller's when it is short
 * and plain (letters, digits, `-_.:/+=`, at most 128), else a new one (`<8 hex>-<base-36 counter>`).
 */
export function requestIdOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  if (value && value.length <= 128 && /^[\w.:/+=-]+$/.test(value)) return value;
  idCounter = (idCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${ID_PREFIX}-${idCounter.toString(36)}`;
}

/** Whether the (JSON) text nests arrays/objects deeper than `max` (strings are skipped). */
function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

/** Whether `value` is a promise (a step that must be waited for) rather than a ready value. */
const isPromise = <T>(value: T | Promise<T>): value is Promise<T> => value instanceof Promise;

/** Request bodies: nesting as `nestsDeeperThan` allows; their size is bounded by the byte limit, not a count of values. */
const BODY_LIMITS = { maxDepth: MAX_JSON_DEPTH, maxNodes: Number.MAX_SAFE_INTEGER };
const CONTROL = CONTROL_CHARACTER;

/**
 * Builds the request handler for a route table: answers every path under the table's prefixes
 * (404/405 for unknown paths and methods). Never rejects.
 */
export function createDispatcher<Services>(options: DispatcherOptions<Services>) {
  const { services, auth, limiter, maxBodyBytes, logError } = options;
  const trustProxy = options.trustProxy ?? false;
  const router = FindMyWay({ maxParamLength: 1000 });
  /** Path prefixes under which `{name+}` takes the rest of the path (tried longest name first). */
  const greedyPrefixes = new Set<string>();

  for (const route of options.routes) {
    const compiled: Compiled<Services> = {
      route,
      queryMemo: memo(),
      paramsMemo: memo(),
      basic: route.auth === "basic",
    };
    const greedy = route.path.indexOf("+}");
    if (greedy >= 0) greedyPrefixes.add(route.path.slice(0, route.path.lastIndexOf("{", greedy)));
    const path = route.path.replace(/\{(\w+)\+?\}/g, ":$1");
    for (const method of methodsOf(route)) router.on(method, path, () => {}, compiled);
  }

  const find = (method: string, path: string): Match<Services> | null => {
    const found = router.find(method as HttpMethod, path);
    return found ? { compiled: found.store as Compiled<Services>, params: found.params as Record<string, string> } : null;
  };

  /** The lookups to try: the path itself, or for a multi-segment `{name+}` each split, longest name first. */
  const candidates = (path: string): string[] => {
    for (const prefix of greedyPrefixes) {
      if (!path.startsWith(prefix) || path.indexOf("/", prefix.length) < 0) continue;
      const segments = path.slice(prefix.length).split("/");
      const out: string[] = [];
      for (let n = segments.length; n >= 1; n--) {
        const tail = segments.slice(n).join("/");
        out.push(prefix + segments.slice(0, n).join("%2F") + (tail ? `/${tail}` : ""));
      }
      return out;
    }
    return [path];
  };

  /** A match with an empty parameter (`/experiments//start`) is no route. */
  const isRoute = (found: { params: Record<string, string | undefined> } | null): boolean => found !== null && !Object.values(found.params).includes("");

  const route = (method: string, path: string): Match<Services> | { allow: HttpMethod[] } | null => {
    const tries = candidates(path);
    for (const candidate of tries) {
      const match = find(method, candidate);
      if (match) return match;
    }
    const allow = METHODS.filter((m) => m !== method && tries.some((candidate) => isRoute(router.find(m, candidate))));
    return allow.length > 0 ? { allow } : null;
  };

  /** Rate limit and scope of an authenticated key. */
  const admit = (principal: ApiKeyPrincipal, scope: ApiKeyScope): ApiKeyPrincipal | Promise<ApiKeyPrincipal> => {
    const decision = limiter.take(principal.apiKeyId, principal.rateLimit);
    if (isPromise(decision)) return decision.then((d) => admitted(principal, scope, d));
    return admitted(principal, scope, decision);
  };
  const admitted = (principal: ApiKeyPrincipal, scope: ApiKeyScope, decision: RateLimitDecision): ApiKeyPrincipal => {
    if (!decision.ok) {
      throw new AppError("rate_limited", `Rate limit exceeded for this API key; retry in ${decision.retryAfterSeconds} s`, {
        details: decision.retryAfterSeconds,
      });
    }
    requireScope(principal, scope);
    return principal;
  };
  /** A key seen recently is answered from memory without waiting; anything else goes through the authenticator's lookup. */
  const authenticate = (req: IncomingMessage, scope: ApiKeyScope, allowBasic: boolean): ApiKeyPrincipal | Promise<ApiKeyPrincipal> => {
    const authorization = req.headers.authorization;
    const known = auth.authenticateCached(authorization, { allowBasic });
    if (known) return admit(known, scope);
    // The client address only matters to a lookup (the failed-authentication limit): not computed on the warm path.
    return auth.authenticate(authorization, { allowBasic, client: clientAddress(req, trustProxy) }).then((principal) => admit(principal, scope));
  };

  const parseQuery = (compiled: Compiled<Services>, search: string): unknown => {
    const schema = compiled.route.query;
    if (!schema) return undefined;
    const memo = compiled.queryMemo;
    const known = memo.get(search);
    if (known !== undefined) return known;
    const params = new URLSearchParams(search);
    const values: Record<string, string> = {};
    for (const [k, v] of params) {
      if (CONTROL.test(k) || CONTROL.test(v)) throw new AppError("bad_request", "Control characters are not allowed in the query string");
      values[k] = v;
    }
    const parsed = parseOrThrow(schema, values, "bad_request", compiled.route.queryMessage ?? "Invalid query parameters");
    if (parsed !== null && typeof parsed === "object") memo.set(search, parsed);
    return parsed;
  };

  /** Before auth: what no route accepts (an empty segment is not a route, control characters are never a name or id). */
  const checkParams = (params: Record<string, string>, method: string, path: string): void => {
    for (const key in params) {
      const value = params[key] ?? "";
      if (value === "") throw new AppError("not_found", `No API route ${method} ${path}`);
      if (CONTROL.test(value)) throw new AppError("bad_request", "Control characters are not allowed in the path");
    }
  };

  const parseParams = (compiled: Compiled<Services>, params: Record<string, string>): unknown => {
    const { params: schema, paramsError } = compiled.route;
    if (!schema) return params;
    // Values hold no control characters (checked before), so NUL separates them safely.
    let key = "";
    for (const name in params) key += `${params[name]}\u0000`;
    const memo = compiled.paramsMemo;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const result = schema.safeParse(params);
    if (result.success) {
      if (result.data !== null && typeof result.data === "object") memo.set(key, result.data);
      return result.data;
    }
    const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
    const refused = paramsError?.badRequest?.(params);
    if (refused) throw new AppError("bad_request", refused, { issues });
    if (paramsError) throw new AppError(paramsError.code, paramsError.message(issues, params));
    throw new AppError("bad_request", "Invalid path parameters", { issues });
  };

  /** The body's bytes, at most `maxBytes` (413 beyond, refused before reading when Content-Length says so). */
  const readBytes = (req: IncomingMessage, maxBytes: number): Promise<Buffer> => {
    const tooLarge = () => new AppError("payload_too_large", `The body is larger than ${maxBytes} bytes`);
    if (Number(req.headers["content-length"]) > maxBytes) return Promise.reject(tooLarge());
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      // Listeners, not `for await`: leaving an async iteration destroys the request and with it
      // the socket, so the 413 could not be sent; the rest of a refused body is left to flow away
      // (early-close.ts closes the connection after the answer).
      const done = (error: Error | null) => {
        req.off("data", onData);
        req.off("end", onEnd);
        req.off("error", onError);
        req.off("aborted", onAborted);
        if (error) reject(error);
        else resolve(Buffer.concat(chunks, size));
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) done(tooLarge());
        else chunks.push(chunk);
      };
      const onEnd = () => done(null);
      const onError = (error: Error) => done(error);
      const onAborted = () => done(new AppError("bad_request", "The request body was cut off"));
      req.on("data", onData);
      req.on("end", onEnd);
      req.on("error", onError);
      req.on("aborted", onAborted);
    });
  };

  const readJson = async (req: IncomingMessage, maxBytes: number): Promise<unknown> => {
    const type = req.headers["content-type"] ?? "";
    if (!type.toLowerCase().startsWith("application/json")) {
      throw new AppError("bad_request", "Send the body as JSON with Content-Type: application/json");
    }
    const text = (await readBytes(req, maxBytes)).toString("utf8");
    if (!text.trim()) throw new AppError("bad_request", "The request body is empty; send a JSON object");
    if (nestsDeeperThan(text, MAX_JSON_DEPTH))
      throw new AppError("bad_request", `The request body nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels`);
    let value: unknown;
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      throw new AppError("bad_request", "The request body is not valid JSON");
    }
    // The one input check (lib/errors/hostile.ts): NUL or unpaired surrogates in a string or key
    // (PostgreSQL stores neither), numbers beyond a double (1e400 parses to Infinity).
    const problem = inspectJsonInput(value, BODY_LIMITS);
    if (problem) throw new AppError("bad_request", describeIssue(problem, "The request body"), { issues: [problem] });
    return value;
  };

  /** The parsed body; undefined at once for a route without one. */
  const readBody = (compiled: Compiled<Services>, req: IncomingMessage): unknown => {
    const { body: schema, bodyOptional, bodySizeFactor, bodyMessage } = compiled.route;
    if (!schema) return undefined;
    const parse = (value: unknown) => parseOrThrow(schema, value, "unprocessable", bodyMessage ?? "Invalid request body");
    const noBody = (req.headers["content-length"] ?? "0") === "0" && !req.headers["transfer-encoding"];
    return bodyOptional && noBody ? parse({}) : readJson(req, maxBodyBytes * (bodySizeFactor ?? 1)).then(parse);
  };

  /** Sends a JSON body; `headers` is this response's own object (completed in place, no copy on the hot path). */
  const send = (res: ServerResponse, head: boolean, status: number, body: Buffer | string, headers: Record<string, string | number>) => {
    // An answer before the body was read (401, 404, 413...): close instead of stalling the client.
    if (!res.req.complete) closeIfBodyUnread(res.req, headers);
    headers["Content-Type"] = JSON_TYPE;
    headers["Content-Length"] = typeof body === "string" ? Buffer.byteLength(body) : body.length;
    res.writeHead(status, headers);
    res.end(head ? undefined : body);
  };

  const sendError = (res: ServerResponse, error: unknown, requestId: string, basic: boolean, method: string, path: string) => {
    let status: number;
    let payload: { error: { code: string; message: string; issues?: ErrorIssue[] } };
    const headers: Record<string, string> = { "X-Request-Id": requestId };
    const unavailable = isAppError(error) ? null : unavailableAnswer(error);
    if (isAppError(error)) {
      status = error.status;
      payload = errorBody(error);
      if (error.code === "rate_limited" && typeof error.details === "number") headers["Retry-After"] = String(error.details);
    } else if (unavailable) {
      status = unavailable.status;
      payload = unavailable.body;
      Object.assign(headers, unavailable.headers);
    } else {
      logError("[api] unexpected error", error, { requestId, method, path });
      status = 500;
      payload = { error: { code: "internal", message: "Something went wrong on our side" } };
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    // Langfuse SDKs show a top-level `message`; the `error` object stays as everywhere else.
    const body = JSON.stringify(basic ? { ...payload, message: payload.error.message } : payload);
    send(res, method === "HEAD", status, body, headers);
  };

  const fail = (x: Exchange, error: unknown): void => sendError(x.res, error, x.requestId, x.basic, x.method, x.rawPath);

  const respond = (x: Exchange, result: RouteResult): void => {
    // The handler's headers object is this response's own: completed in place.
    const headers: Record<string, string | number> = result.headers ?? {};
    headers["X-Request-Id"] = x.requestId;
    if ("empty" in result) {
      x.res.writeHead(result.status, headers);
      x.res.end();
    } else if ("stream" in result) {
      x.res.writeHead(result.status, headers);
      result.stream(x.res);
    } else {
      send(x.res, x.method === "HEAD", result.status, "raw" in result ? result.raw : JSON.stringify(result.json), headers);
    }
  };

  const call = (x: Exchange, spec: ApiRoute<Services>, principal: ApiKeyPrincipal | undefined, params: unknown, query: unknown, body: unknown) => {
    const context = { req: x.req, principal, params, query, body, api: services, requestId: x.requestId };
    const result = spec.handler(context as Parameters<typeof spec.handler>[0]);
    return isPromise(result) ? result.then((r) => respond(x, r)) : respond(x, result);
  };

  const afterAuth = (x: Exchange, match: Match<Services>, principal: ApiKeyPrincipal | undefined): void | Promise<void> => {
    const params = parseParams(match.compiled, match.params);
    const query = parseQuery(match.compiled, x.q < 0 ? "" : x.url.slice(x.q + 1));
    const body = readBody(match.compiled, x.req);
    const spec = match.compiled.route;
    return isPromise(body) ? body.then((b) => call(x, spec, principal, params, query, b)) : call(x, spec, principal, params, query, body);
  };

  const serve = (x: Exchange): void | Promise<void> => {
    const { method, rawPath } = x;
    // The one URL check (lib/http/edge.ts): malformed or non-UTF-8 encoding, NUL, dot segments.
    const problem = requestTargetProblem(x.url);
    if (problem) throw new AppError("bad_request", problem);
    let path = rawPath;
    while (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
    const found = route(method, path);
    if (found === null || "allow" in found) {
      if (found === null) throw new AppError("not_found", `No API route ${method} ${rawPath}`);
      const allow = found.allow.join(", ");
      const body = JSON.stringify({ error: { code: "method_not_allowed", message: `Use ${allow} on this path` } });
      return send(x.res, method === "HEAD", 405, body, { Allow: allow, "X-Request-Id": x.requestId });
    }
    const { compiled } = found;
    x.basic = compiled.basic;
    checkParams(found.params, method, rawPath);
    const scope = compiled.route.scope;
    const principal = scope === null ? undefined : authenticate(x.req, scope, x.basic);
    return isPromise(principal) ? principal.then((p) => afterAuth(x, found, p)) : afterAuth(x, found, principal);
  };

  /**
   * Answers one request whose path is under the API's prefixes. Every step may answer at once or
   * later; a warm request (known key, tokens in hand, cached answer, no body) is answered within
   * the call and returns nothing. Otherwise returns a promise that settles when the response is
   * written. Never throws or rejects.
   *
   * Why it is written this way (no async function, no closure made per request): a warm GET is
   * the request apps send on every call of theirs, and in the real server each promise costs a
   * hook per enabled AsyncLocalStorage (Next enables several on its first page) and each named
   * closure an Object.defineProperty (tsx compiles with keepNames). bench/serving.ts measures it.
   */
  return (req: IncomingMessage, res: ServerResponse, basicPrefix: boolean): void | Promise<void> => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const x: Exchange = {
      req,
      res,
      url,
      q,
      rawPath: q < 0 ? url : url.slice(0, q),
      method: req.method ?? "GET",
      requestId: requestIdOf(req.headers["x-request-id"]),
      basic: basicPrefix,
    };
    let pending: void | Promise<void>;
    try {
      pending = serve(x);
    } catch (error) {
      return fail(x, error);
    }
    if (pending) return pending.then(undefined, (error: unknown) => fail(x, error));
  };
}
