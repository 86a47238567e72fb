import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { supportAssistantContent } from "@/lib/prompts/fixtures/support-assistant";
import {
  bearer,
  getJson,
  makeTestProject,
  publishPrompt,
  sendJson,
  simpleContent,
  sleep,
  startApiServer,
  type ApiError,
  type RunningServer,
  type TestProject,
} from "./serving-helpers";

interface Doc {
  name: string;
  version: string;
  labels: string[];
  changelog: string;
  etag: string;
  request: { model: string; max_tokens: number; system: { text: string; cache_control?: { type: string; ttl?: string } }[]; messages: unknown[] };
  variables: Record<string, unknown>;
  output: { format: string };
  policy: Record<string, unknown>;
}

let server: RunningServer;
let ctx: TestProject;
let readKey: string;
let readKeyId: string;
let writeKey: string;
let adminKey: string;

beforeAll(async () => {
  server = await startApiServer();
  ctx = await makeTestProject();
  ({ key: readKey, id: readKeyId } = await ctx.key(["prompts:read"]));
  ({ key: writeKey } = await ctx.key(["prompts:read", "prompts:write"]));
  ({ key: adminKey } = await ctx.key(["prompts:read", "prompts:write", "admin"]));
  // greeter: 1.0.0, 1.1.0 (production), 2.0.0 (staging)
  const v1 = simpleContent("You are a terse assistant.");
  const v11 = simpleContent("You are a terse assistant for a hardware store; answer in one sentence.");
  const promptId = await publishPrompt(ctx.admin, "greeter", [v1, v11]);
  const v2 = simpleContent("You are a verbose assistant.");
  v2.variables = { question: { type: "string", required: true } };
  v2.messages = [{ role: "user", content: [{ type: "text", text: "{{question}}" }] }];
  const { saveDraft, publishDraft, moveLabel } = await import("@/lib/prompts/mutations");
  await saveDraft(ctx.admin, { promptId, content: v2 });
  const major = await publishDraft(ctx.admin, { promptId, changelog: "breaking" });
  await moveLabel(ctx.admin, { promptId, label: "staging", versionId: major.id });
  await publishPrompt(ctx.admin, "support/assistant", [supportAssistantContent]);
});

afterAll(async () => {
  await server.close();
});

describe("authentication", () => {
  it("answers 401 with a clear JSON body for missing, malformed, unknown, revoked and expired keys", async () => {
    const url = `${server.url}/api/v1/prompts/greeter`;
    const missing = await getJson<ApiError>(url);
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe("unauthorized");
    expect(missing.body.error.message).toMatch(/Missing API key/);

    const malformed = await getJson<ApiError>(url, bearer("not-a-key"));
    expect(malformed.status).toBe(401);
    expect(malformed.body.error.message).toMatch(/Malformed/);

    const unknown = await getJson<ApiError>(url, bearer("pd_0000000000000000000000000000dead"));
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.message).toBe("Invalid API key");

    const revoked = await ctx.key(["prompts:read"], { revokedAt: new Date() });
    const r = await getJson<ApiError>(url, bearer(revoked.key));
    expect(r.status).toBe(401);
    expect(r.body.error.message).toMatch(/revoked/);

    const expired = await ctx.key(["prompts:read"], { expiresAt: new Date(Date.now() - 1000) });
    const e = await getJson<ApiError>(url, bearer(expired.key));
    expect(e.status).toBe(401);
    expect(e.body.error.message).toMatch(/expired/);
    expect(e.headers.get("content-type")).toMatch(/application\/json/);
  });

  it("a key of another project sees nothing of this project (404 naming only what was asked)", async () => {
    const other = await makeTestProject();
    const { key } = await other.key(["prompts:read"]);
    const res = await getJson<ApiError>(`${server.url}/api/v1/prompts/greeter`, bearer(key));
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe('Prompt "greeter" does not exist');
    const list = await getJson<{ data: unknown[] }>(`${server.url}/api/v1/prompts`, bearer(key));
    expect(list.body.data).toEqual([]);
  });

  it("refuses a read-only key on write endpoints with 403", async () => {
    const res = await sendJson<ApiError>("PUT", `${server.url}/api/v1/prompts/greeter/labels/canary`, { version: "1.0.0" }, bearer(readKey));
    expect(res.status).toBe(403);
    expect(res.body.error).toEqual({ code: "forbidden", message: 'This API key lacks the "prompts:write" scope' });
    const write = await sendJson<ApiError>("POST", `${server.url}/api/v1/prompts/new-one/versions`, { request: {} }, bearer(readKey));
    expect(write.status).toBe(403);
  });

  it("records lastUsedAt off the request path", async () => {
    await getJson(`${server.url}/api/v1/prompts/greeter`, bearer(readKey));
    let lastUsedAt: Date | null = null;
    // Written on the authenticator's background tick (1 s).
    for (let i = 0; i < 100 && !lastUsedAt; i++) {
      await sleep(50);
      lastUsedAt = (await getDb().apiKey.findUniqueOrThrow({ where: { id: readKeyId } })).lastUsedAt;
    }
    expect(lastUsedAt).toBeInstanceOf(Date);
  });
});

describe("GET /api/v1/prompts/{name}", () => {
  it("serves the production label by default with the whole version document and an ETag", async () => {
    const res = await getJson<Doc>(`${server.url}/api/v1/prompts/greeter`, bearer(readKey));
    expect(res.status).toBe(200);
    expect(res.body.name).toBe("greeter");
    expect(res.body.version).toBe("1.1.0");
    expect(res.body.labels).toEqual(["production"]);
    expect(res.body.request.model).toBe("claude-sonnet-5-5");
    expect(res.body.request.messages).toEqual([{ role: "user", content: [{ type: "text", text: "Question: {{question}} (limit {{limit}})" }] }]);
    expect(res.body.variables).toHaveProperty("question");
    expect(res.body.output).toEqual({ format: "text" });
    expect(res.headers.get("etag")).toBe(`"${res.body.etag}"`);
    expect(res.headers.get("x-promptdeck-version")).toBe("1.1.0");
  });

  it("keeps cache_control on system blocks and serves a name with a slash", async () => {
    const res = await getJson<Doc>(`${server.url}/api/v1/prompts/support%2Fassistant`, bearer(readKey));
    expect(res.status).toBe(200);
    expect(res.body.request.system[1]?.cache_control).toEqual({ type: "ephemeral", ttl: "1h" });
    expect(res.body.request.system[2]?.cache_control).toEqual({ type: "ephemeral" });
    const raw = await getJson<Doc>(`${server.url}/api/v1/prompts/support/assistant`, bearer(readKey));
    expect(raw.body.etag).toBe(res.body.etag);
  });

  it("resolves labels, exact versions and semver ranges; both is 400; no match is a 404 naming it", async () => {
    const staging = await getJson<Doc>(`${server.url}/api/v1/prompts/greeter?label=staging`, bearer(readKey));
    expect(staging.body.version).toBe("2.0.0");
    const exact = await getJson<Doc>(`${server.url}/api/v1/prompts/greeter?version=1.0.0`, bearer(readKey));
    expect(exact.body.version).toBe("1.0.0");
    expect(exact.body.labels).toEqual([]);
    const range = await getJson<Doc>(`${server.url}/api/v1/prompts/greeter?version=${encodeURIComponent("^1.0")}`, bearer(readKey));
    expect(range.body.version).toBe("1.1.0");

    const both = await getJson<ApiError>(`${server.url}/api/v1/prompts/greeter?label=production&version=1.0.0`, bearer(readKey));
    expect(both.status).toBe(400);
    expect(both.body.error.code).toBe("bad_request");
    const noRange = await getJson<ApiError>(`${server.url}/api/v1/prompts/greeter?version=${encodeURIComponent("^3")}`, bearer(readKey));
    expect(noRange.status).toBe(404);
    expect(noRange.body.error.message).toBe('Prompt "greeter" has no published version matching "^3"');
    const noLabel = await getJson<ApiError>(`${server.url}/api/v1/prompts/greeter?label=canary`, bearer(readKey));
    expect(noLabel.body.error.message).toBe('Prompt "greeter" has no label "canary"');
    const noPrompt = await getJson<ApiError>(`${server.url}/api/v1/prompts/nope`, bearer(readKey));
    expect(noPrompt.status).toBe(404);
    expect(noPrompt.body.error.message).toBe('Prompt "nope" does not exist');
    const badVersion = await getJson<ApiError>(`${server.url}/api/v1/prompts/greeter?version=banana`, bearer(readKey));
    expect(badVersion.status).toBe(400);
    const unknownParam = await getJson<ApiError>(`${server.url}/api/v1/prompts/greeter?lable=x`, bearer(readKey));
    expect(unknownParam.status).toBe(400);
    expect(unknownParam.body.error.issues?.length).toBeGreaterThan(0);
  });

  it("answers 304 to a matching If-None-Match and reports cache hits", async () => {
    const url = `${server.url}/api/v1/prompts/greeter?version=1.0.0`;
    const first = await getJson<Doc>(url, bearer(readKey));
    const second = await fetch(url, { headers: bearer(readKey) });
    expect(second.headers.get("x-promptdeck-cache")).toBe("hit");
    await second.arrayBuffer();
    const notModified = await fetch(url, { headers: bearer(readKey, { "If-None-Match": `"${first.body.etag}"` }) });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe("");
    const modified = await fetch(url, { headers: bearer(readKey, { "If-None-Match": '"something-else"' }) });
    expect(modified.status).toBe(200);
    await modified.arrayBuffer();
  });
});

describe("GET /api/v1/prompts", () => {
  it("lists prompts with labels and latest versions, paginated", async () => {
    const page1 = await getJson<{
      data: { name: string; latestVersion: string; labels: { name: string; version: string }[] }[];
      pagination: { total: number; totalPages: number };
    }>(`${server.url}/api/v1/prompts?limit=1&page=1`, bearer(readKey));
    expect(page1.status).toBe(200);
    expect(page1.body.data).toHaveLength(1);
    expect(page1.body.pagination.total).toBeGreaterThanOrEqual(2);
    const all = await getJson<{ data: { name: string; latestVersion: string; labels: { name: string; version: string }[] }[] }>(
      `${server.url}/api/v1/prompts?limit=50`,
      bearer(readKey),
    );
    const greeter = all.body.data.find((p) => p.name === "greeter");
    expect(greeter?.latestVersion).toBe("2.0.0");
    expect(greeter?.labels).toEqual(expect.arrayContaining([expect.objectContaining({ name: "production", version: "1.1.0" })]));
    const bad = await getJson<ApiError>(`${server.url}/api/v1/prompts?limit=0`, bearer(readKey));
    expect(bad.status).toBe(400);
  });
});

describe("POST /api/v1/prompts/{name}/render", () => {
  it("returns exactly the Messages API params", async () => {
    const res = await sendJson<{ version: string; request: unknown }>(
      "POST",
      `${server.url}/api/v1/prompts/greeter/render`,
      { variables: { question: "Hi?" } },
      bearer(readKey),
    );
    expect(res.status).toBe(200);
    expect(res.body.version).toBe("1.1.0");
    expect(res.body.request).toEqual({
      model: "claude-sonnet-5-5",
      max_tokens: 512,
      system: [{ type: "text", text: "You are a terse assistant for a hardware store; answer in one sentence." }],
      messages: [{ role: "user", content: [{ type: "text", text: "Question: Hi? (limit 3)" }] }],
    });
  });

  it("answers 422 naming every missing, unknown and ill-typed variable", async () => {
    const res = await sendJson<ApiError>(
      "POST",
      `${server.url}/api/v1/prompts/greeter/render`,
      { variables: { limit: "three", colour: "red" } },
      bearer(readKey),
    );
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("unprocessable");
    const paths = res.body.error.issues?.map((i) => i.path).sort();
    expect(paths).toEqual(["variables.colour", "variables.limit", "variables.question"]);
  });

  it("rejects a bad body and a non-JSON body", async () => {
    const both = await sendJson<ApiError>("POST", `${server.url}/api/v1/prompts/greeter/render`, { label: "production", version: "1.0.0" }, bearer(readKey));
    expect(both.status).toBe(400);
    const extra = await sendJson<ApiError>("POST", `${server.url}/api/v1/prompts/greeter/render`, { variables: {}, temperature: 1 }, bearer(readKey));
    expect(extra.status).toBe(422);
    const notJson = await fetch(`${server.url}/api/v1/prompts/greeter/render`, {
      method: "POST",
      headers: bearer(readKey, { "Content-Type": "application/json" }),
      body: "{nope",
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as ApiError).error.message).toMatch(/not valid JSON/);
  });
});

describe("writes", () => {
  const doc = {
    changelog: "From CI",
    request: {
      model: "claude-sonnet-5-5",
      max_tokens: 256,
      system: "You classify tickets.",
      messages: [{ role: "user", content: "Ticket: {{ticket}}" }],
    },
    variables: { ticket: { type: "string", required: true } },
  };

  it("POST versions creates the prompt and its draft, then publishes; every write is audited", async () => {
    const draft = await sendJson<{ status: string; created: boolean; version: string }>(
      "POST",
      `${server.url}/api/v1/prompts/classifier/versions`,
      doc,
      bearer(writeKey),
    );
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({ status: "draft", created: true, version: "draft" });
    const notYet = await getJson<ApiError>(`${server.url}/api/v1/prompts/classifier`, bearer(readKey));
    expect(notYet.status).toBe(404);

    const published = await sendJson<Doc & { status: string; created: boolean }>(
      "POST",
      `${server.url}/api/v1/prompts/classifier/versions`,
      { ...doc, publish: true },
      bearer(writeKey),
    );
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({ status: "published", created: false, version: "1.0.0", name: "classifier" });

    const exact = await getJson<Doc>(`${server.url}/api/v1/prompts/classifier?version=1.0.0`, bearer(readKey));
    expect(exact.body.request.system[0]?.text).toBe("You classify tickets.");
    const events = await getDb().auditEvent.findMany({ where: { projectId: ctx.projectId, actorLabel: { startsWith: "api_key:" } }, select: { action: true } });
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(["prompt.created", "draft.saved", "version.published"]));

    const again = await sendJson<ApiError>("POST", `${server.url}/api/v1/prompts/classifier/versions`, { ...doc, publish: true }, bearer(writeKey));
    expect(again.status).toBe(409);
  });

  it("POST versions accepts acknowledged variable-before-breakpoint locations, like the editor's checkbox", async () => {
    const tenantDoc = {
      changelog: "Per-tenant handbook, cached",
      publish: true,
      request: {
        model: "claude-sonnet-5-5",
        max_tokens: 256,
        system: [
          {
            type: "text",
            text: `Handbook of {{tenant}}.\n${"Refunds are issued within 14 days of a return being received. ".repeat(60)}`,
            cache_control: { type: "ephemeral" },
          },
        ],
        messages: [{ role: "user", content: "{{question}}" }],
      },
      variables: { tenant: { type: "string", required: true }, question: { type: "string", required: true } },
    };
    const refused = await sendJson<ApiError>("POST", `${server.url}/api/v1/prompts/tenant-handbook/versions`, tenantDoc, bearer(writeKey));
    expect(refused.status).toBe(422);
    const issue = refused.body.error.issues?.find((i) => i.message.includes("acknowledge"));
    expect(issue?.path).toBe("system.0");

    const accepted = await sendJson<{ status: string; version: string }>(
      "POST",
      `${server.url}/api/v1/prompts/tenant-handbook/versions`,
      { ...tenantDoc, acknowledged_variable_breakpoints: [issue?.path] },
      bearer(writeKey),
    );
    expect(accepted.status).toBe(201);
    expect(accepted.body).toMatchObject({ status: "published", version: "1.0.0" });
    const stored = await getDb().promptVersion.findFirstOrThrow({
      where: { prompt: { projectId: ctx.projectId, name: "tenant-handbook" }, status: "PUBLISHED" },
    });
    expect(stored.cacheAcknowledgements).toEqual(["system.0"]);
  });

  it("POST versions rejects invalid documents with every issue and writes nothing", async () => {
    const res = await sendJson<ApiError>(
      "POST",
      `${server.url}/api/v1/prompts/broken/versions`,
      { request: { model: "claude-nope", max_tokens: 10, messages: [{ role: "user", content: "{{undeclared}}" }], temperature: 0.2 }, labels: ["production"] },
      bearer(writeKey),
    );
    expect(res.status).toBe(422);
    expect(res.body.error.issues?.map((i) => i.path)).toContain("request.temperature");
    const readOnly = await sendJson<ApiError>(
      "POST",
      `${server.url}/api/v1/prompts/broken/versions`,
      { ...doc, request: { ...doc.request, model: "claude-nope" }, labels: ["production"] },
      bearer(writeKey),
    );
    expect(readOnly.status).toBe(422);
    expect(readOnly.body.error.issues?.map((i) => i.path)).toEqual(expect.arrayContaining(["labels", "request.model"]));
    const noChangelog = await sendJson<ApiError>(
      "POST",
      `${server.url}/api/v1/prompts/broken/versions`,
      { ...doc, changelog: undefined, publish: true },
      bearer(writeKey),
    );
    expect(noChangelog.status).toBe(422);
    expect(noChangelog.body.error.issues).toEqual([{ path: "changelog", message: "required when publish is true" }]);
    const badSchema = await sendJson<ApiError>(
      "POST",
      `${server.url}/api/v1/prompts/broken/versions`,
      { ...doc, changelog: "JSON out", publish: true, output: { format: "json", schema: { type: "banana", required: "a" } } },
      bearer(writeKey),
    );
    expect(badSchema.status).toBe(422);
    expect(badSchema.body.error.issues?.map((i) => i.path)).toEqual(["output.schema.required", "output.schema.type"]);
    expect(badSchema.body.error.issues?.[1]?.message).toContain('"type" must be one of "array", "boolean"');
    expect(await getDb().prompt.findFirst({ where: { projectId: ctx.projectId, name: "broken" } })).toBeNull();
  });

  it("PUT labels moves a label, and a protected label needs an admin key", async () => {
    const moved = await sendJson<{ label: string; version: string }>(
      "PUT",
      `${server.url}/api/v1/prompts/greeter/labels/canary`,
      { version: "2.0.0" },
      bearer(writeKey),
    );
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ name: "greeter", label: "canary", version: "2.0.0" });
    const served = await getJson<Doc>(`${server.url}/api/v1/prompts/greeter?label=canary`, bearer(readKey));
    expect(served.body.version).toBe("2.0.0");

    // Warm the production entry, then move production: the same instance must serve the new one at once.
    expect((await getJson<Doc>(`${server.url}/api/v1/prompts/greeter`, bearer(readKey))).body.version).toBe("1.1.0");
    const protectedRes = await sendJson<ApiError>("PUT", `${server.url}/api/v1/prompts/greeter/labels/production`, { version: "2.0.0" }, bearer(writeKey));
    expect(protectedRes.status).toBe(403);
    expect(protectedRes.body.error.message).toMatch(/protected/);
    // 2.0.0 drops `limit`: production's callers that send it would get 422s, so the move needs force.
    const productionLabel = await getDb().label.findFirstOrThrow({ where: { name: "production", prompt: { projectId: ctx.projectId, name: "greeter" } } });
    const call = (variables: Record<string, string | number>) => ({
      projectId: ctx.projectId,
      versionId: productionLabel.versionId,
      source: "api" as const,
      model: "claude-sonnet-5-5",
      requestedModel: "claude-sonnet-5-5",
      status: "ok" as const,
      metadata: { variables },
    });
    await getDb().callLog.createMany({
      data: [call({ question: "a", limit: 2 }), call({ question: "b" }), call({ question: "c", limit: 5 }), { ...call({}), metadata: {} }],
    });
    const breaking = await sendJson<ApiError>("PUT", `${server.url}/api/v1/prompts/greeter/labels/production`, { version: "2.0.0" }, bearer(adminKey));
    expect(breaking.status).toBe(409);
    expect(breaking.body.error.message).toBe(
      'Moving "production" from v1.1.0 to v2.0.0 changes the variables contract: variable "limit" removed; 2 of the last 3 recorded calls (7 days) would be refused by v2.0.0. Send "force": true to move anyway',
    );
    expect(breaking.body.error.issues).toEqual([{ path: "variables.limit", message: 'variable "limit" removed' }]);
    expect((await getJson<Doc>(`${server.url}/api/v1/prompts/greeter`, bearer(readKey))).body.version).toBe("1.1.0");
    const asAdmin = await sendJson("PUT", `${server.url}/api/v1/prompts/greeter/labels/production`, { version: "2.0.0", force: true }, bearer(adminKey));
    expect(asAdmin.status).toBe(200);
    const after = await getJson<Doc>(`${server.url}/api/v1/prompts/greeter`, bearer(readKey));
    expect(after.body.version).toBe("2.0.0");
    expect(after.headers.get("x-promptdeck-cache")).toBe("miss");

    const unknownVersion = await sendJson<ApiError>("PUT", `${server.url}/api/v1/prompts/greeter/labels/canary`, { version: "9.9.9" }, bearer(writeKey));
    expect(unknownVersion.status).toBe(404);
    expect(unknownVersion.body.error.message).toBe('Prompt "greeter" has no published version 9.9.9');
    const badBody = await sendJson<ApiError>("PUT", `${server.url}/api/v1/prompts/greeter/labels/canary`, { version: "^1" }, bearer(writeKey));
    expect(badBody.status).toBe(422);
    const badLabel = await sendJson<ApiError>("PUT", `${server.url}/api/v1/prompts/greeter/labels/Bad%20Label`, { version: "2.0.0" }, bearer(writeKey));
    expect(badLabel.status).toBe(400);
  });
});

describe("rate limits", () => {
  it("answers 429 with Retry-After once a key's bucket is empty", async () => {
    const limited = await startApiServer({ changeFeed: false, rateLimit: { perSecond: 0.5, burst: 2 } });
    try {
      const url = `${limited.url}/api/v1/prompts/greeter`;
      expect((await getJson(url, bearer(readKey))).status).toBe(200);
      expect((await getJson(url, bearer(readKey))).status).toBe(200);
      const third = await getJson<ApiError>(url, bearer(readKey));
      expect(third.status).toBe(429);
      expect(third.body.error.code).toBe("rate_limited");
      expect(Number(third.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      // Another key has its own bucket.
      expect((await getJson(url, bearer(writeKey))).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it("two app instances share one key's bucket (through the database), so they do not admit twice the burst", async () => {
    const key = (await ctx.key(["prompts:read"])).key;
    const limits = { perSecond: 0.2, burst: 3 };
    const [one, two] = await Promise.all([startApiServer({ changeFeed: false, rateLimit: limits }), startApiServer({ changeFeed: false, rateLimit: limits })]);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        for (const instance of [one, two]) statuses.push((await getJson(`${instance.url}/api/v1/prompts/greeter`, bearer(key))).status);
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(3);
      expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});

describe("failed authentications are limited (unknown keys cost a query each)", () => {
  const unknown = (i: number) => `pd_${"0".repeat(20)}${String(i).padStart(8, "0")}`;

  it("answers 429 with Retry-After once an address has failed too often; a known key from it still works, another address does not suffer", async () => {
    const limited = await startApiServer({ changeFeed: false, auth: { failureLimit: { perClient: { perSecond: 0.01, burst: 3 } } }, trustProxy: false });
    const proxied = await startApiServer({ changeFeed: false, auth: { failureLimit: { perClient: { perSecond: 0.01, burst: 3 } } }, trustProxy: true });
    try {
      const url = `${limited.url}/api/v1/prompts/greeter`;
      expect((await getJson(url, bearer(readKey))).status).toBe(200);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await getJson(url, bearer(unknown(i)))).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      const refused = await getJson<ApiError>(url, bearer(unknown(99)));
      expect(refused.status).toBe(429);
      expect(refused.body.error).toMatchObject({ code: "rate_limited" });
      expect(refused.body.error.message).toMatch(/failed API key authentications/);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect((await getJson(url, bearer(readKey))).status).toBe(200);
      // Without a trusted proxy, X-Forwarded-For is the client's own say: it changes nothing.
      expect((await getJson(url, bearer(unknown(100), { "X-Forwarded-For": "203.0.113.9" }))).status).toBe(429);

      // Behind a trusted proxy, the address the proxy saw (last hop) is the client.
      const behind = `${proxied.url}/api/v1/prompts/greeter`;
      const fromA: number[] = [];
      for (let i = 0; i < 4; i++) fromA.push((await getJson(behind, bearer(unknown(200 + i), { "X-Forwarded-For": "198.51.100.7, 203.0.113.1" }))).status);
      expect(fromA).toEqual([401, 401, 401, 429]);
      // A forged first hop does not make another client.
      expect((await getJson(behind, bearer(unknown(300), { "X-Forwarded-For": "192.0.2.55, 203.0.113.1" }))).status).toBe(429);
      expect((await getJson(behind, bearer(unknown(301), { "X-Forwarded-For": "203.0.113.2" }))).status).toBe(401);
    } finally {
      await Promise.all([limited.close(), proxied.close()]);
    }
  });
});

describe("per-key rate limits", () => {
  it("a key's own limit applies instead of the server's default, in both directions", async () => {
    const { createApiKey } = await import("@/lib/api-keys/manage");
    const tight = await createApiKey(ctx.admin, { name: "tight", scopes: ["prompts:read"], rateLimitPerSecond: 0.01, rateLimitBurst: 2 });
    const generous = await createApiKey(ctx.admin, { name: "generous", scopes: ["prompts:read"], rateLimitPerSecond: 0.01, rateLimitBurst: 6 });
    const plain = await createApiKey(ctx.admin, { name: "plain", scopes: ["prompts:read"] });
    const limited = await startApiServer({ changeFeed: false, rateLimit: { perSecond: 0.01, burst: 4 } });
    try {
      const url = `${limited.url}/api/v1/prompts/greeter`;
      const run = async (key: string, n: number) => {
        const statuses: number[] = [];
        for (let i = 0; i < n; i++) statuses.push((await getJson(url, bearer(key))).status);
        return statuses;
      };
      expect(await run(tight.key, 3)).toEqual([200, 200, 429]);
      expect(await run(generous.key, 7)).toEqual([200, 200, 200, 200, 200, 200, 429]);
      expect(await run(plain.key, 5)).toEqual([200, 200, 200, 200, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe("rate limits keep their promise: a burst up to the limit passes", () => {
  const statusesOf = (url: string, key: string, n: number) => Promise.all(Array.from({ length: n }, async () => (await getJson(url, bearer(key))).status));

  it("200 concurrent requests on a fresh key at the documented 100/s, burst 200: all 2xx", async () => {
    const key = (await ctx.key(["prompts:read"])).key;
    const limited = await startApiServer({ changeFeed: false, rateLimit: { perSecond: 100, burst: 200 } });
    try {
      const statuses = await statusesOf(`${limited.url}/api/v1/prompts/greeter`, key, 200);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
    } finally {
      await limited.close();
    }
  });

  it("one instance: 200 concurrent requests pass, the 201st and later are refused (slow refill, so nothing refills meanwhile)", async () => {
    const key = (await ctx.key(["prompts:read"])).key;
    const limited = await startApiServer({ changeFeed: false, rateLimit: { perSecond: 0.01, burst: 200 } });
    try {
      const url = `${limited.url}/api/v1/prompts/greeter`;
      const burst = await statusesOf(url, key, 200);
      expect(burst.filter((s) => s !== 200)).toEqual([]);
      const after = await statusesOf(url, key, 20);
      expect(after).toEqual(Array.from({ length: 20 }, () => 429));
    } finally {
      await limited.close();
    }
  });

  it("two instances: 100 + 100 concurrent requests pass (but for a prefetched chunk), later ones are refused on both", async () => {
    const key = (await ctx.key(["prompts:read"])).key;
    const limits = { perSecond: 0.01, burst: 200 };
    const [one, two] = await Promise.all([startApiServer({ changeFeed: false, rateLimit: limits }), startApiServer({ changeFeed: false, rateLimit: limits })]);
    try {
      const burst = await Promise.all([statusesOf(`${one.url}/api/v1/prompts/greeter`, key, 100), statusesOf(`${two.url}/api/v1/prompts/greeter`, key, 100)]);
      // An instance may hold at most one chunk it prefetched and did not use (the documented bound;
      // a chunk is one token at this rate): at most one request of 200 may be refused for it.
      expect(burst.flat().filter((s) => s !== 200).length).toBeLessThanOrEqual(1);
      expect(burst.flat().filter((s) => s !== 200 && s !== 429)).toEqual([]);
      const after = await Promise.all([statusesOf(`${one.url}/api/v1/prompts/greeter`, key, 10), statusesOf(`${two.url}/api/v1/prompts/greeter`, key, 10)]);
      expect(after.flat().filter((s) => s !== 200 && s !== 429)).toEqual([]);
      // A token an instance prefetched in the burst and did not use may answer one request now;
      // together both phases never admit more than the shared bucket held (200, plus a refill
      // of 0.01/s).
      const admitted = [...burst.flat(), ...after.flat()].filter((s) => s === 200).length;
      expect(admitted).toBeGreaterThanOrEqual(199);
      expect(admitted).toBeLessThanOrEqual(201);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});

describe("GET /api/v1/openapi.json and routing", () => {
  it("serves an OpenAPI 3.1 document generated from the zod schemas", async () => {
    const res = await getJson<{
      openapi: string;
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
      components: { schemas: Record<string, unknown> };
    }>(`${server.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/prompts",
        "/api/v1/prompts/{name}",
        "/api/v1/prompts/{name}/render",
        "/api/v1/prompts/{name}/versions",
        "/api/v1/prompts/{name}/labels/{label}",
        "/api/public/v2/prompts/{name}",
        "/api/v1/prompts/{name}/run",
        "/api/v1/calls",
        "/api/v1/calls/{id}/score",
      ]),
    );
    const params = res.body.paths["/api/v1/prompts/{name}"]?.get?.parameters?.map((p) => p.name);
    expect(params).toEqual(expect.arrayContaining(["name", "label", "version"]));
    expect(res.body.components.schemas).toHaveProperty("VersionDocument");
  });

  it("leaves other paths alone and answers unknown API paths with a JSON 404 or 405", async () => {
    const other = await fetch(`${server.url}/p/demo`);
    expect(other.status).toBe(418);
    await other.text();
    const unknown = await getJson<ApiError>(`${server.url}/api/v1/nothing-here`, bearer(readKey));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("not_found");
    const wrongMethod = await sendJson<{ error: { code: string } }>("PATCH", `${server.url}/api/v1/prompts/greeter`, {}, bearer(readKey));
    expect(wrongMethod.status).toBe(405);
  });
});

describe("Langfuse-compatible reads", () => {
  const basic = (key: string) => ({ Authorization: `Basic ${Buffer.from(`pk-lf-anything:${key}`).toString("base64")}` });

  it("serves the chat-prompt shape with integer versions mapped to published versions in order", async () => {
    const res = await getJson<{
      name: string;
      version: number;
      type: string;
      prompt: { role: string; content: string }[];
      config: Record<string, unknown>;
      labels: string[];
      tags: string[];
      commitMessage: string | null;
    }>(`${server.url}/api/public/v2/prompts/greeter?version=2`, basic(readKey));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: "greeter", version: 2, type: "chat", commitMessage: "change 2" });
    expect(res.body.prompt).toEqual([
      { role: "system", content: "You are a terse assistant for a hardware store; answer in one sentence." },
      { role: "user", content: "Question: {{question}} (limit {{limit}})" },
    ]);
    expect(res.body.config).toMatchObject({ model: "claude-sonnet-5-5", max_tokens: 512, promptdeck_version: "1.1.0" });
    const production = await getJson<{ version: number; labels: string[] }>(`${server.url}/api/public/v2/prompts/greeter`, basic(readKey));
    expect(production.body.version).toBe(3); // production moved to 2.0.0 above, the third published version
    expect(production.body.labels).toEqual(expect.arrayContaining(["production", "latest"]));
    const missing = await getJson<ApiError>(`${server.url}/api/public/v2/prompts/greeter?version=7`, basic(readKey));
    expect(missing.status).toBe(404);
    const wrongSecret = await getJson<ApiError>(`${server.url}/api/public/v2/prompts/greeter`, basic("pd_wrongwrongwrongwrongwrong"));
    expect(wrongSecret.status).toBe(401);
  });

  it("lists prompts in Langfuse's shape", async () => {
    const res = await getJson<{ data: { name: string; versions: number[]; labels: string[] }[]; meta: { totalItems: number } }>(
      `${server.url}/api/public/v2/prompts?limit=10`,
      basic(readKey),
    );
    expect(res.status).toBe(200);
    const greeter = res.body.data.find((p) => p.name === "greeter");
    expect(greeter?.versions).toEqual([1, 2, 3]);
    expect(res.body.meta.totalItems).toBeGreaterThanOrEqual(2);
  });
});
