// The public API's one edge check on what reaches the database (issue 17, items 4 and 6): lone
// surrogates and NUL anywhere in a JSON body, malformed or non-UTF-8 percent-encoding and dot
// segments in the URL, version components beyond PostgreSQL's int4, `/run` metadata that could not
// be logged (refused before Claude is called), prompt names with empty, `.` or `..` segments (at
// creation and in lookups), and two first moves of a label at once. Every answer is a 4xx JSON
// error naming the problem; nothing reaches the error log.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { runAndLog } from "@/lib/runs/run-and-log";
import { createPrompt } from "@/lib/prompts/mutations";
import { parseVersion } from "@/lib/prompts/versioning";
import { bearer, makeTestProject, publishPrompt, simpleContent, startApiServer, type ApiError, type RunningServer, type TestProject } from "./serving-helpers";

let server: RunningServer;
let ctx: TestProject;
let key = "";
const logged: unknown[] = [];

beforeAll(async () => {
  server = await startApiServer({ changeFeed: false, rateLimit: { perSecond: 100_000, burst: 100_000 }, logError: (m, e) => logged.push([m, e]) });
  ctx = await makeTestProject();
  key = (await ctx.key(["prompts:read", "prompts:write", "prompts:run", "calls:write", "metrics:read", "datasets:read", "datasets:write", "admin"])).key;
  await publishPrompt(ctx.admin, "edge", [simpleContent()]);
});

afterAll(async () => {
  await getCallLogWriter().flush({ timeoutMs: 10_000 });
  await server.close();
});

async function call(method: string, path: string, body?: string) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...bearer(key), ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as ApiError & Record<string, unknown> };
}

/** GET without any client-side normalisation of the path. */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(server.url);
    const req = http.request({ host: hostname, port, path, method: "GET", headers: bearer(key) }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const version = (v: string) =>
  JSON.stringify({
    request: { model: "claude-sonnet-5-5", max_tokens: 64, messages: [{ role: "user", content: [{ type: "text", text: "{{q}}" }] }] },
    variables: { q: { type: "string", required: true } },
    version: v,
    changelog: "edge",
    publish: true,
  });

describe("JSON bodies", () => {
  it("refuses lone surrogates in a value or a key with 400 naming where", async () => {
    for (const body of ['{"variables":{"question":"a\\ud800b"}}', '{"variables":{"\\udc00":"x"}}']) {
      const res = await call("POST", "/api/v1/prompts/edge/render", body);
      expect(res.status, body).toBe(400);
      expect(res.body.error.message).toMatch(/variables.*unpaired surrogate/);
    }
    // A surrogate pair is fine.
    expect((await call("POST", "/api/v1/prompts/edge/render", '{"variables":{"question":"\\ud83d\\ude00"}}')).status).toBe(200);
  });

  it("refuses a dataset item with a lone surrogate (the jsonb insert answered 500)", async () => {
    expect((await call("POST", "/api/v1/datasets", JSON.stringify({ name: "edge-items" }))).status).toBe(201);
    const res = await call("POST", "/api/v1/datasets/edge-items/items", '{"items":[{"variables":{"\\ud800":1},"expected":{"a":1}}]}');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/unpaired surrogate/);
  });
});

describe("URLs", () => {
  it("refuses malformed, non-UTF-8 and lone-surrogate percent-encoding, NUL and dot segments with 400", async () => {
    for (const path of [
      "/api/v1/prompts/%ED%A0%80",
      "/api/v1/prompts/%C0%AE%C0%AE",
      "/api/v1/prompts/edge?label=%ED%A0%80",
      "/api/v1/prompts/edge?label=%E0%A4%A",
      "/api/v1/prompts/edge?version=a%00",
    ]) {
      const res = await call("GET", path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.message, path).toMatch(/percent-encoding|Control characters|'\.' or '\.\.' segment/);
    }
    // fetch (a WHATWG URL) would resolve `..` and `%2E%2E` itself; a proxy might not.
    for (const path of [
      "/api/v1/prompts/a/../edge",
      "/api/v1/prompts/./edge",
      "/api/v1/prompts/edge/..",
      "/api/v1/prompts/%2E%2E/edge",
      "/api/v1/prompts/a/%2e/edge",
    ]) {
      const res = await rawGet(path);
      expect(res.status, path).toBe(400);
      expect(res.body, path).toMatch(/'\.' or '\.\.' segment/);
    }
  });
});

describe("versions are bounded to int4", () => {
  it("parseVersion refuses a component above 2147483647", () => {
    expect(parseVersion("2147483647.0.0")).toEqual({ major: 2147483647, minor: 0, patch: 0 });
    expect(() => parseVersion("2147483648.0.0")).toThrow(/at most 2147483647/);
    expect(() => parseVersion("1.99999999999.0")).toThrow(/at most 2147483647/);
  });

  it("a label move, a version document, an ingested call and a metrics filter with one answer 4xx", async () => {
    for (const v of ["99999999999.0.0", "2147483648.0.0", "1.2147483648.0", "1.0.2147483648"]) {
      const moved = await call("PUT", "/api/v1/prompts/edge/labels/staging", JSON.stringify({ version: v }));
      expect(moved.status, v).toBe(422);
      expect(JSON.stringify(moved.body)).toMatch(/at most 2147483647/);
      const published = await call("POST", "/api/v1/prompts/edge/versions", version(v));
      expect(published.status, v).toBe(422);
      const ingested = await call("POST", "/api/v1/calls", JSON.stringify({ calls: [{ model: "claude-sonnet-5-5", prompt: "edge", version: v }] }));
      expect(ingested.status, v).toBe(202);
      expect(ingested.body).toMatchObject({ accepted: 0, rejected: 1 });
      const metrics = await call("GET", `/api/v1/metrics?prompt=edge&version=${v}`);
      expect(metrics.status, v).toBe(404);
    }
  });
});

describe("/run refuses metadata it could not log, before calling Claude", () => {
  it("lone surrogates, NUL in keys, numbers beyond a double: 400, and no call is logged", async () => {
    const db = getDb();
    await getCallLogWriter().flush({ timeoutMs: 10_000 });
    const before = await db.callLog.count({ where: { projectId: ctx.projectId } });
    for (const metadata of ['{"k":"\\ud800"}', '{"\\udfff":1}', '{"k\\u0000":1}', '{"n":1e400}', '{"a":{"b":[-1e999]}}']) {
      const res = await call("POST", "/api/v1/prompts/edge/run", `{"variables":{"question":"hi"},"metadata":${metadata}}`);
      expect(res.status, metadata).toBe(400);
      expect(res.body.error.message, metadata).toMatch(/^The request body|^metadata/);
    }
    await getCallLogWriter().flush({ timeoutMs: 10_000 });
    expect(await db.callLog.count({ where: { projectId: ctx.projectId } })).toBe(before);
  });

  it("runAndLog itself refuses unloggable metadata or variables (any door) without running", async () => {
    let ran = 0;
    const request = {
      projectId: ctx.projectId,
      promptId: "p",
      versionId: "v",
      version: simpleContent(),
      source: "api" as const,
      settings: {} as never,
    };
    const run = () => {
      ran++;
      return Promise.reject(new Error("must not run"));
    };
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 80; i++) deep = { a: deep };
    for (const [variables, metadata] of [
      [{ question: "hi" }, { k: "\ud800" }],
      [{ question: "hi" }, { "k\u0000": 1 }],
      [{ question: "hi" }, { n: Number.NaN }],
      [{ question: "hi" }, deep],
      [{ question: "a\u0000b" }, {}],
    ] as const) {
      await expect(runAndLog({ ...request, variables, metadata }, { run })).rejects.toMatchObject({ code: "unprocessable" });
    }
    expect(ran).toBe(0);
  });
});

describe("prompt names with empty, '.' or '..' segments (item 6)", () => {
  it("are refused at creation: lib, API write, CI/CD write", async () => {
    for (const name of ["a/../a", "a//b", "a/", "a/./b", "a/.."]) {
      await expect(createPrompt(ctx.admin, { name }), name).rejects.toMatchObject({ code: "bad_request", message: expect.stringMatching(/segment/) });
      const res = await call("POST", `/api/v1/prompts/${encodeURIComponent(name)}/versions`, version("1.0.0"));
      expect(res.status, name).toBe(400);
      expect(res.body.error.message, name).toMatch(/segment/);
    }
    expect(await getDb().prompt.count({ where: { projectId: ctx.projectId, name: { in: ["a/../a", "a//b", "a/", "a/./b", "a/.."] } } })).toBe(0);
  });

  it("are refused in lookups with 400, not answered as another (or a missing) prompt", async () => {
    for (const [method, path] of [
      ["GET", "/api/v1/prompts/edge%2F..%2Fedge"],
      ["GET", "/api/v1/prompts/edge%2F%2Fx"],
      ["GET", "/api/v1/prompts/a//edge"],
      ["GET", "/api/v1/prompts/edge%2F"],
      ["GET", "/api/public/v2/prompts/edge%2F..%2Fedge"],
      ["POST", "/api/v1/prompts/edge%2F..%2Fedge/render"],
    ] as const) {
      const res = await call(method, path, method === "POST" ? '{"variables":{"question":"x"}}' : undefined);
      expect(res.status, path).toBe(400);
      expect(res.body.error.message, path).toMatch(/segment/);
    }
    // An unknown plain name is still a 404.
    expect((await call("GET", "/api/v1/prompts/edge%2Fnope")).status).toBe(404);
  });
});

describe("labels", () => {
  it("two first moves of a new label at once both succeed (a unique violation answered 500)", async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => call("PUT", "/api/v1/prompts/edge/labels/race-1", JSON.stringify({ version: "1.0.0" }))));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
  });
});

describe("nothing unexpected", () => {
  it("logged no error", () => {
    expect(logged).toEqual([]);
  });
});
