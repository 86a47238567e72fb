// The route table served over HTTP: 404/405, names as path segments or %2F, request ids, and
// hostile input on every route (always a 4xx JSON error, never a 500 and nothing logged).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { methodsOf } from "@/lib/http/route";
import { apiRoutes } from "@/lib/http/routes";
import { bearer, makeTestProject, publishPrompt, simpleContent, startApiServer, type ApiError, type RunningServer, type TestProject } from "./serving-helpers";

let server: RunningServer;
let ctx: TestProject;
let key: string;
const logged: unknown[] = [];

beforeAll(async () => {
  // Hundreds of sequential requests: rate limits are not what this file tests.
  server = await startApiServer({
    changeFeed: false,
    rateLimit: { perSecond: 100_000, burst: 100_000 },
    logError: (message, error) => logged.push([message, error]),
  });
  ctx = await makeTestProject();
  key = (
    await ctx.key([
      "prompts:read",
      "prompts:write",
      "prompts:run",
      "calls:write",
      "experiments:write",
      "metrics:read",
      "datasets:read",
      "datasets:write",
      "evals:run",
      "admin",
    ])
  ).key;
  await publishPrompt(ctx.admin, "greeter", [simpleContent()]);
  await publishPrompt(ctx.admin, "team/support/run", [simpleContent("Nested name ending in run.")]);
});

afterAll(async () => {
  await server.close();
});

async function call(method: string, path: string, options: { body?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...bearer(key), ...(options.body !== undefined ? { "Content-Type": "application/json" } : {}), ...options.headers },
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: (text && method !== "HEAD" ? JSON.parse(text) : null) as ApiError & Record<string, unknown> };
}

describe("routing", () => {
  it("answers unknown paths with a JSON 404 and wrong methods with 405 + Allow", async () => {
    for (const path of [
      "/api/v1/nothing-here",
      "/api/v1",
      "/api/v1/",
      "/api/v1/calls/x/y/score",
      "/api/v1/experiments/x/explode",
      "/api/v1/experiments//start",
    ]) {
      const res = await call("GET", path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe("not_found");
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    }
    const patch = await call("PATCH", "/api/v1/prompts/greeter");
    expect(patch.status).toBe(405);
    expect(patch.headers.get("allow")).toBe("GET, HEAD, DELETE");
    expect(patch.body.error.code).toBe("method_not_allowed");
    expect((await call("GET", "/api/v1/calls")).headers.get("allow")).toBe("POST");
    expect((await call("PUT", "/api/v1/experiments/abc")).headers.get("allow")).toBe("GET, PATCH");
    expect((await call("POST", "/api/v1/openapi.json")).headers.get("allow")).toBe("GET");
    const langfuse = await call("POST", "/api/public/v2/prompts/greeter");
    expect(langfuse.status).toBe(405);
    expect(langfuse.headers.get("allow")).toBe("GET");
  });

  it("takes prompt names as path segments or %2F-encoded, longest name first", async () => {
    // GET: the whole rest of the path is the name, even when it ends in "run".
    expect((await call("GET", "/api/v1/prompts/team/support/run")).body.name).toBe("team/support/run");
    expect((await call("GET", "/api/v1/prompts/team%2Fsupport%2Frun")).body.name).toBe("team/support/run");
    expect((await call("GET", "/api/v1/prompts/team/support/run/")).body.name).toBe("team/support/run");
    // POST .../render: the name is everything before the action.
    const rendered = await call("POST", "/api/v1/prompts/team/support/run/render", { body: JSON.stringify({ variables: { question: "hi" } }) });
    expect(rendered.status).toBe(200);
    expect(rendered.body.name).toBe("team/support/run");
    expect((await call("POST", "/api/v1/prompts/team%2Fsupport%2Frun/render", { body: JSON.stringify({ variables: { question: "hi" } }) })).body.name).toBe(
      "team/support/run",
    );
    const missing = await call("GET", "/api/v1/prompts/team/nope");
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('Prompt "team/nope" does not exist');
    // A method no route of the path has: every method the path allows.
    expect((await call("PATCH", "/api/v1/prompts/team/support/run")).headers.get("allow")).toBe("GET, HEAD, POST, DELETE");
  });

  it("answers HEAD on a prompt with the GET headers and no body", async () => {
    const head = await call("HEAD", "/api/v1/prompts/greeter");
    expect(head.status).toBe(200);
    expect(head.text).toBe("");
    expect(Number(head.headers.get("content-length"))).toBeGreaterThan(100);
    expect(head.headers.get("etag")).toBeTruthy();
  });

  it("echoes a plain X-Request-Id, replaces a hostile one, and sets one on every answer", async () => {
    expect((await call("GET", "/api/v1/prompts/greeter", { headers: { "X-Request-Id": "trace-42" } })).headers.get("x-request-id")).toBe("trace-42");
    expect((await call("GET", "/api/v1/nope", { headers: { "X-Request-Id": "trace-43" } })).headers.get("x-request-id")).toBe("trace-43");
    const replaced = (await call("GET", "/api/v1/prompts/greeter", { headers: { "X-Request-Id": `bad id ${"x".repeat(200)}` } })).headers.get("x-request-id");
    expect(replaced).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
    const noAuth = await fetch(`${server.url}/api/v1/prompts/greeter`);
    expect(noAuth.status).toBe(401);
    expect(noAuth.headers.get("x-request-id")).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
    await noAuth.text();
  });

  it("passes the request id to the error logger", async () => {
    const seen: unknown[] = [];
    const failing = await startApiServer({
      changeFeed: false,
      logError: (_m, _e, context) => seen.push(context),
      cache: { loader: () => Promise.reject(new Error("boom")) },
    });
    try {
      const res = await fetch(`${failing.url}/api/v1/prompts/greeter`, { headers: { ...bearer(key), "X-Request-Id": "req-500" } });
      expect(res.status).toBe(500);
      expect(((await res.json()) as ApiError).error.code).toBe("internal");
      expect(seen).toContainEqual({ requestId: "req-500", method: "GET", path: "/api/v1/prompts/greeter" });
    } finally {
      await failing.close();
    }
  });
});

describe("hostile input is a 4xx JSON error, never a 500", () => {
  const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
  const pathValues = [
    "%00",
    "a%00b",
    "%E0%A4%A",
    "%ED%A0%80",
    "%F0%9F%98%80",
    "%E2%80%AEevil",
    "%EF%BB%BFbom",
    "x".repeat(1500),
    "..%2F..%2Fetc",
    "a%2F%2Fb",
    "%25",
    "Gr%C3%BC%C3%9Fe",
    "a%0Ab",
  ];
  const queries = [
    "label=%00",
    "version=%00",
    "page=1e400",
    "limit=-1",
    "page=99999999999999999999999",
    `label=${"x".repeat(5000)}`,
    "version=%E0",
    "label=a&label=b",
    "view=%00",
    "range=%F0%9F%98%80",
    "version=1e400",
    "nope=1",
  ];
  const bodies = [
    "{nope",
    "null",
    "[]",
    '"text"',
    "true",
    "1e400",
    deep(10_000),
    `{"variables":${deep(100)}}`,
    '{"variables":{"question":"\\u0000"}}',
    '{"weights":{"A":1e400,"B":-1e400}}',
    '{"calls":[{"model":"claude-sonnet-5-5","inputTokens":123456789012345678901234567890,"costMicros":1e300}]}',
    '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}',
    `{"variables":{"question":"\\ud800"},"label":"\\u202e","version":"${"9".repeat(70)}"}`,
    '{"variables":{"question":"\\ud800"},"metadata":{"k":"\\udfff"},"subject":"\\u202e"}',
    `{"score":${"9".repeat(400)}}`,
  ];

  const templates = apiRoutes.flatMap((route) =>
    methodsOf(route)
      .filter((m) => m !== "HEAD")
      .map((method) => ({ method, route })),
  );

  it("in path parameters", async () => {
    for (const { method, route } of templates) {
      if (!route.path.includes("{")) continue;
      for (const value of pathValues) {
        const path = route.path.replace(/\{\w+\+?\}/g, value);
        const res = await call(method, path, route.body ? { body: "{}" } : {});
        expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${method} ${path}`).toBeLessThan(500);
        expect(typeof res.body.error.code).toBe("string");
      }
    }
  });

  it("in query strings", async () => {
    for (const { method, route } of templates) {
      if (!route.query) continue;
      const path = route.path.replace(/\{\w+\+?\}/g, "greeter");
      for (const query of queries) {
        const res = await call(method, `${path}?${query}`);
        expect(res.status, `${method} ${path}?${query.slice(0, 40)}`).toBeLessThan(500);
        if (res.status >= 400) expect(typeof res.body.error.code).toBe("string");
      }
    }
  });

  it("in bodies", async () => {
    for (const { method, route } of templates) {
      if (!route.body) continue;
      const path = route.path.replace(/\{name\+\}/g, "greeter").replace(/\{\w+\}/g, "x");
      for (const body of bodies) {
        const res = await call(method, path, { body });
        expect(res.status, `${method} ${path} ${body.slice(0, 40)}`).toBeLessThan(500);
        if (res.status === 202) {
          // Ingest judges each record on its own: the batch is taken, the record rejected.
          expect(route.operationId).toBe("ingestCalls");
          expect(res.body).toMatchObject({ accepted: 0, rejected: 1 });
          continue;
        }
        // Odd but valid Unicode (lone surrogates, RTL marks) may be accepted; anything else is refused.
        if (res.status < 300) expect(body, `${method} ${path}`).toMatch(/\\u(d800|202e)/);
        else expect(typeof res.body.error.code).toBe("string");
      }
    }
    const deepRes = await call("POST", "/api/v1/prompts/greeter/render", { body: deep(10_000) });
    expect(deepRes.body.error.message).toMatch(/deeper than 64/);
    const nul = await call("POST", "/api/v1/prompts/greeter/render", { body: '{"variables":{"question":"a\\u0000b"}}' });
    expect(nul.status).toBe(400);
    expect(nul.body.error.message).toMatch(/NUL/);
    // An escaped backslash before "u0000" is text, not a NUL.
    expect((await call("POST", "/api/v1/prompts/greeter/render", { body: '{"variables":{"question":"a\\\\u0000b"}}' })).status).toBe(200);
  });

  it("too large a body is a 413, not a hang or a 500", async () => {
    const big = JSON.stringify({ variables: { question: "x".repeat(2 * 1024 * 1024) } });
    const res = await call("POST", "/api/v1/prompts/greeter/render", { body: big });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
    expect(res.body.error.message).toMatch(/^The body is larger than \d+ bytes$/);
  });

  it("reads integer query parameters only from decimal digits (issue 18, defect 13)", async () => {
    for (const q of ["limit=0x10", "limit=1e1", "limit=0b1", "limit=%2016", "limit=", "page=0x2"]) {
      const res = await call("GET", `/api/v1/prompts?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.issues?.[0]?.message, q).toBe("must be a whole number written in decimal digits (0-9)");
    }
    const langfuse = await call("GET", "/api/public/v2/prompts/greeter?version=0x1");
    expect(langfuse.status).toBe(400);
    expect((await call("GET", "/api/v1/prompts?limit=16&page=01")).status).toBe(200);
  });

  it("an unknown prompt's metrics are a 404 (issue 18, defect 13)", async () => {
    const res = await call("GET", "/api/v1/metrics?prompt=no-such-prompt");
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
    expect((await call("GET", "/api/v1/metrics/prompts/no-such-prompt")).status).toBe(404);
  });

  it("logged nothing as unexpected", () => {
    expect(logged).toEqual([]);
  });
});
