// The route wrapper (lib/http/route.ts) answers a warm request within the request event and
// chains promises only for the steps that wait (a key lookup, a rate-limit lease, a body, an async
// handler). Both paths run the same functions; this test holds them together: every case below is
// sent through a dispatcher whose steps all answer at once and through one whose steps all wait,
// and the two answers must be the same (status, body, headers) (issue 17, leftover 5). It needs no
// database: the key store, limiter and handlers are in memory.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { ServiceUnavailableError } from "@/lib/errors/unavailable";
import type { ApiKeyPrincipal } from "@/lib/api-keys/authenticate";
import type { RateLimitDecision } from "@/lib/api-keys/rate-limit";
import { createDispatcher, defineRoute, json, type ApiRoute } from "@/lib/http/route";

type Mode = "sync" | "async";
const later = <T>(value: T): Promise<T> => new Promise((resolve) => setImmediate(() => resolve(value)));
const maybeLater = <T>(mode: Mode, value: T): T | Promise<T> => (mode === "sync" ? value : later(value));

const PRINCIPALS: Record<string, ApiKeyPrincipal> = {
  "Bearer pd_reader": { apiKeyId: "reader", projectId: "p1", scopes: new Set(["prompts:read"]) },
  "Bearer pd_writer": { apiKeyId: "writer", projectId: "p1", scopes: new Set(["prompts:read", "prompts:write"]) },
  "Bearer pd_limited": { apiKeyId: "limited", projectId: "p1", scopes: new Set(["prompts:read"]) },
};

function routes(mode: Mode): ApiRoute<{ mode: Mode }>[] {
  const route = defineRoute<{ mode: Mode }>();
  return [
    route({
      method: ["GET", "HEAD"],
      path: "/api/v1/things/{id}",
      operationId: "getThing",
      summary: "a thing",
      scope: "prompts:read",
      params: z.object({ id: z.string().regex(/^[a-z]+$/) }),
      paramsError: { code: "not_found", message: (_issues, raw) => `No thing ${raw.id}` },
      query: z.strictObject({ size: z.coerce.number().int().min(1).max(10).optional() }),
      handler: ({ params, query, principal }) => {
        if (params.id === "boom") throw new Error("a bug");
        if (params.id === "down") throw new ServiceUnavailableError("The store is away; retry shortly", 4);
        if (params.id === "gone") throw new AppError("not_found", "That thing is gone");
        return maybeLater(mode, json(200, { id: params.id, size: query.size ?? 1, key: principal.apiKeyId }, { ETag: '"v1"' }));
      },
    }),
    route({
      method: "POST",
      path: "/api/v1/things/{id}",
      operationId: "postThing",
      summary: "change a thing",
      scope: "prompts:write",
      params: z.object({ id: z.string().min(1) }),
      body: z.strictObject({ name: z.string().min(1).max(20) }),
      handler: async ({ params, body }) => {
        await later(null);
        if (body.name === "down") throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
        return json(201, { id: params.id, name: body.name });
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/public",
      operationId: "publicThing",
      summary: "no key",
      scope: null,
      handler: () => maybeLater(mode, json(200, { ok: true })),
    }),
  ];
}

/** For each warm read through the sync dispatcher: whether it was answered within the request event. */
const warmAnsweredAtOnce: boolean[] = [];

function dispatcher(mode: Mode) {
  const dispatch = createDispatcher({
    routes: routes(mode),
    services: { mode },
    auth: {
      // sync: every known key is in memory; async: every request goes through the lookup.
      authenticateCached: (authorization) => (mode === "sync" && authorization ? PRINCIPALS[authorization] : undefined),
      authenticate: async (authorization) => {
        await later(null);
        const principal = authorization ? PRINCIPALS[authorization] : undefined;
        if (!principal) throw new AppError("unauthorized", "Invalid API key");
        return principal;
      },
    },
    limiter: {
      take: (apiKeyId): RateLimitDecision | Promise<RateLimitDecision> =>
        maybeLater<RateLimitDecision>(mode, apiKeyId === "limited" ? { ok: false, retryAfterSeconds: 3 } : { ok: true, remaining: 10 }),
    },
    maxBodyBytes: 200,
    logError: () => {},
  });
  return http.createServer((req, res) => {
    const pending = dispatch(req, res, false);
    // The warm path must answer within the request event (nothing to wait for).
    if (mode === "sync" && req.method === "GET" && req.url === "/api/v1/things/warm?size=3" && req.headers.authorization === "Bearer pd_reader") {
      warmAnsweredAtOnce.push(pending === undefined);
    }
  });
}

interface Case {
  name: string;
  method: string;
  path: string;
  key?: string;
  body?: string;
  status: number;
}

const CASES: Case[] = [
  { name: "a warm read", method: "GET", path: "/api/v1/things/warm?size=3", key: "pd_reader", status: 200 },
  { name: "HEAD", method: "HEAD", path: "/api/v1/things/warm", key: "pd_reader", status: 200 },
  { name: "a public route", method: "GET", path: "/api/v1/public", status: 200 },
  { name: "no key", method: "GET", path: "/api/v1/things/warm", status: 401 },
  { name: "an unknown key", method: "GET", path: "/api/v1/things/warm", key: "pd_nobody", status: 401 },
  { name: "a missing scope", method: "POST", path: "/api/v1/things/warm", key: "pd_reader", body: '{"name":"x"}', status: 403 },
  { name: "the rate limit", method: "GET", path: "/api/v1/things/warm", key: "pd_limited", status: 429 },
  { name: "a bad query", method: "GET", path: "/api/v1/things/warm?size=99", key: "pd_reader", status: 400 },
  { name: "an unknown query parameter", method: "GET", path: "/api/v1/things/warm?color=red", key: "pd_reader", status: 400 },
  { name: "params the schema refuses", method: "GET", path: "/api/v1/things/W4RM", key: "pd_reader", status: 404 },
  { name: "a handler's AppError", method: "GET", path: "/api/v1/things/gone", key: "pd_reader", status: 404 },
  { name: "a handler's bug", method: "GET", path: "/api/v1/things/boom", key: "pd_reader", status: 500 },
  { name: "a service unavailable", method: "GET", path: "/api/v1/things/down", key: "pd_reader", status: 503 },
  { name: "the database unreachable", method: "POST", path: "/api/v1/things/a", key: "pd_writer", body: '{"name":"down"}', status: 503 },
  { name: "a body", method: "POST", path: "/api/v1/things/a", key: "pd_writer", body: '{"name":"thing"}', status: 201 },
  { name: "a body the schema refuses", method: "POST", path: "/api/v1/things/a", key: "pd_writer", body: '{"name":""}', status: 422 },
  { name: "a body that is not JSON", method: "POST", path: "/api/v1/things/a", key: "pd_writer", body: "{name", status: 400 },
  { name: "a body too large", method: "POST", path: "/api/v1/things/a", key: "pd_writer", body: JSON.stringify({ name: "x".repeat(300) }), status: 413 },
  { name: "an unknown path", method: "GET", path: "/api/v1/nothing", key: "pd_reader", status: 404 },
  { name: "a wrong method", method: "DELETE", path: "/api/v1/things/a", key: "pd_reader", status: 405 },
];

/** What a client sees of an answer (the headers that carry meaning; not Date or Connection). */
async function send(base: string, c: Case) {
  const res = await fetch(`${base}${c.path}`, {
    method: c.method,
    headers: {
      "X-Request-Id": `case-${c.name.replaceAll(" ", "-").replaceAll("'", "")}`,
      ...(c.key ? { Authorization: `Bearer ${c.key}` } : {}),
      ...(c.body !== undefined ? { "Content-Type": "application/json" } : {}),
    },
    body: c.body,
  });
  const headers: Record<string, string> = {};
  for (const name of ["content-type", "content-length", "x-request-id", "retry-after", "cache-control", "allow", "etag"]) {
    const value = res.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return { status: res.status, headers, body: await res.text() };
}

describe("the route wrapper's two paths (answered at once, or after waiting) give the same answers", () => {
  const servers: Record<Mode, { server: http.Server; base: string }> = {} as never;

  beforeAll(async () => {
    for (const mode of ["sync", "async"] as const) {
      const server = dispatcher(mode);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      servers[mode] = { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    }
  });
  afterAll(async () => {
    for (const { server } of Object.values(servers)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it.each(CASES)("$name: $status both ways", async (c) => {
    const sync = await send(servers.sync.base, c);
    const async_ = await send(servers.async.base, c);
    expect(sync.status).toBe(c.status);
    expect(async_).toEqual(sync);
    if (c.name === "a warm read") expect(warmAnsweredAtOnce).toEqual([true]);
    if (c.status === 503) {
      expect(sync.headers["retry-after"]).toMatch(/^\d+$/);
      expect(sync.headers["cache-control"]).toBe("no-store");
      expect(JSON.parse(sync.body)).toMatchObject({ error: { code: "unavailable" } });
    }
  });
});
