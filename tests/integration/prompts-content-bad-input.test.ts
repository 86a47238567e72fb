// Bad and hostile input on the parts issue 15 added to a version (tools, chat history, snippet
// includes, optional sections), through the CI write endpoint: every case is a 4xx naming the
// problem (422 with the document path of each), never a 500, and nothing is written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { bearer, makeTestProject, sendJson, startApiServer, type RunningServer, type TestProject } from "./serving-helpers";

let server: RunningServer;
let ctx: TestProject;
let auth: Record<string, string>;

beforeAll(async () => {
  server = await startApiServer();
  ctx = await makeTestProject();
  auth = bearer((await ctx.key(["prompts:read", "prompts:write"])).key);
});

afterAll(async () => {
  await server.close();
});

interface Answer {
  error?: { code: string; message: string; issues?: { path: string; message: string }[] };
}

let n = 0;
const fresh = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${n++}`;

const lookup = {
  name: "lookup_order",
  description: "Look up an order by its number.",
  input_schema: { type: "object", properties: { order_id: { type: "string" } }, required: ["order_id"] },
};

/** A publishable agent document; `patch` replaces parts of `request`, `variables` or the top level. */
function agentDoc(patch: { request?: Record<string, unknown>; variables?: Record<string, unknown>; top?: Record<string, unknown> } = {}) {
  return {
    publish: true,
    changelog: "agent",
    request: {
      model: "claude-sonnet-5-5",
      max_tokens: 256,
      system: [{ type: "text", text: "You are a support agent." }],
      messages: [{ role: "user", content: "{{question}}" }],
      tools: [lookup],
      ...patch.request,
    },
    variables: {
      question: { type: "string", required: true },
      history: { type: "messages", required: false, position: 0 },
      ...patch.variables,
    },
    ...patch.top,
  };
}

async function write(name: string, body: unknown) {
  return sendJson<Answer>("POST", `${server.url}/api/v1/prompts/${encodeURIComponent(name)}/versions`, body, auth);
}

/** Writes `body` to a new prompt, expects `status`, and that no prompt was created. */
async function refused(body: unknown, status = 422) {
  const name = fresh("bad");
  const res = await write(name, body);
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error?.message).toBeTruthy();
  expect(await getDb().prompt.count({ where: { projectId: ctx.projectId, name } })).toBe(0);
  return { paths: (res.body.error?.issues ?? []).map((i) => i.path), issues: res.body.error?.issues ?? [], message: res.body.error?.message ?? "" };
}

describe("the write endpoint refuses bad tools, history, includes and sections with their paths", () => {
  it("a tool schema that is not a schema, one that is not an object schema, duplicate names", async () => {
    const notSchema = await refused(agentDoc({ request: { tools: [{ ...lookup, input_schema: { type: "object", properties: 5, required: "x" } }] } }));
    expect(notSchema.paths).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^request\.tools\.0\.input_schema\.properties/),
        expect.stringMatching(/^request\.tools\.0\.input_schema\.required/),
      ]),
    );
    const array = await refused(agentDoc({ request: { tools: [{ ...lookup, input_schema: { type: "array" } }] } }));
    expect(array.paths).toContain("request.tools.0.input_schema.type");
    const dup = await refused(agentDoc({ request: { tools: [lookup, { ...lookup, description: "again" }] } }));
    expect(dup.issues).toContainEqual({ path: "request.tools.1.name", message: 'tool name "lookup_order" is already used by tool 1' });
  });

  it("a chat history placed past the last turn, or two at one position", async () => {
    const between = await refused(
      agentDoc({
        request: {
          messages: [
            { role: "user", content: "Context." },
            { role: "assistant", content: "Understood." },
            { role: "user", content: "{{question}}" },
          ],
        },
        variables: { history: { type: "messages", required: false, position: 4 } },
      }),
    );
    expect(between.issues).toEqual([{ path: "variables.history.position", message: expect.stringMatching(/past the last turn/) }]);
    const twice = await refused(
      agentDoc({ variables: { history: { type: "messages", required: false, position: 0 }, older: { type: "messages", required: false, position: 0 } } }),
    );
    expect(twice.paths).toEqual(["variables.older.position"]);
  });

  it("an include of a missing snippet, a snippet that includes itself, and two that include each other", async () => {
    const missing = await refused(agentDoc({ request: { system: [{ type: "text", text: "Policy: {{> no-such-snippet@production}}" }] } }));
    expect(missing.paths).toEqual([expect.stringMatching(/^request\.system\.0\.text/)]);
    expect(missing.issues[0]?.message).toMatch(/no-such-snippet/);

    const self = fresh("self");
    const selfRes = await write(self, {
      kind: "snippet",
      publish: true,
      changelog: "s",
      request: { model: "claude-sonnet-5-5", max_tokens: 16, messages: [{ role: "user", content: `Again: {{> ${self}@production}}` }] },
    });
    expect(selfRes.status, JSON.stringify(selfRes.body)).toBe(422);
    expect(selfRes.body.error?.issues?.[0]?.path).toMatch(/^request\.messages\.0\.content/);
    expect(selfRes.body.error?.issues?.[0]?.message).toMatch(/itself|cycle/i);

    // a and b: b is published first, a includes b, then b's next version includes a.
    const a = fresh("cyc-a");
    const b = fresh("cyc-b");
    const snippetDoc = (text: string) => ({
      kind: "snippet",
      publish: true,
      changelog: "s",
      request: { model: "claude-sonnet-5-5", max_tokens: 16, messages: [{ role: "user", content: text }] },
    });
    expect((await write(b, snippetDoc("B text"))).status).toBe(201);
    await sendJson("PUT", `${server.url}/api/v1/prompts/${b}/labels/production`, { version: "1.0.0" }, auth);
    expect((await write(a, snippetDoc(`A then {{> ${b}@1.0.0}}`))).status).toBe(201);
    await sendJson("PUT", `${server.url}/api/v1/prompts/${a}/labels/production`, { version: "1.0.0" }, auth);
    const cycle = await write(b, snippetDoc(`B then {{> ${a}@1.0.0}}`));
    expect(cycle.status, JSON.stringify(cycle.body)).toBe(422);
    expect(cycle.body.error?.issues?.[0]?.path).toMatch(/^request\.messages\.0\.content/);
    expect(cycle.body.error?.issues?.[0]?.message).toMatch(/cycle|itself/i);
  });

  it("an unclosed section, a close without an open, a section on an undeclared variable", async () => {
    const unclosed = await refused(
      agentDoc({ request: { system: [{ type: "text", text: "Hello.\n{{#vip}}Be extra kind." }] }, variables: { vip: { type: "boolean", required: false } } }),
    );
    expect(unclosed.paths).toEqual([expect.stringMatching(/^request\.system\.0\.text/)]);
    expect(unclosed.issues[0]?.message).toMatch(/never closed/i);
    expect(unclosed.issues[0]?.message).toMatch(/line 2/);
    const stray = await refused(
      agentDoc({ request: { system: [{ type: "text", text: "Hi {{/vip}}" }] }, variables: { vip: { type: "boolean", required: false } } }),
    );
    expect(stray.paths).toEqual([expect.stringMatching(/^request\.system\.0\.text/)]);
  });
});

describe("hostile input on the new fields is a 4xx, never a 500", () => {
  it("NUL bytes and lone surrogates in a tool's name, description and schema", async () => {
    for (const tool of [
      { ...lookup, description: "Look\u0000up" },
      { ...lookup, name: "look\ud800up" },
      { ...lookup, input_schema: { type: "object", properties: { "a\u0000b": { type: "string" } } } },
      { ...lookup, input_schema: { type: "object", description: "\udfff" } },
    ]) {
      const res = await refused(agentDoc({ request: { tools: [tool] } }), 400);
      expect(res.message).toMatch(/NUL|surrogate/i);
    }
  });

  it("a 1 MB description is too large (413) and a 200 kB one too long (422 at its path)", async () => {
    await refused(agentDoc({ request: { tools: [{ ...lookup, description: "d".repeat(1024 * 1024) }] } }), 413);
    const long = await refused(agentDoc({ request: { tools: [{ ...lookup, description: "d".repeat(200_000) }] } }));
    expect(long.paths).toEqual(["request.tools.0.description"]);
  });

  it("an input_schema nested 1,000 levels deep, and one nested just within the limits", async () => {
    let deep: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 1000; i++) deep = { type: "object", properties: { x: deep } };
    const res = await refused(agentDoc({ request: { tools: [{ ...lookup, input_schema: deep }] } }), 400);
    expect(res.message).toMatch(/nests .* deeper than/i);
    let ok: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 20; i++) ok = { type: "object", properties: { x: ok } };
    const name = fresh("deep-ok");
    const written = await write(name, agentDoc({ request: { tools: [{ ...lookup, input_schema: ok }] } }));
    expect(written.status, JSON.stringify(written.body)).toBe(201);
  });

  it("huge numbers in a schema and in the history's position", async () => {
    // 1e400 parses to Infinity: refused as a non-finite number.
    const name = fresh("huge");
    const raw = JSON.stringify(agentDoc()).replace('"required":["order_id"]', '"required":["order_id"],"maxProperties":1e400');
    const res = await fetch(`${server.url}/api/v1/prompts/${name}/versions`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: raw,
    });
    expect(res.status).toBe(400);
    const position = await refused(agentDoc({ variables: { history: { type: "messages", required: false, position: 1e20 } } }));
    expect(new Set(position.paths)).toEqual(new Set(["variables.history.position"]));
    expect(position.issues.map((i) => i.message)).toContain("position must be at most 1000");
    const negative = await refused(agentDoc({ variables: { history: { type: "messages", required: false, position: -1 } } }));
    expect(negative.paths).toEqual(["variables.history.position"]);
    const big = await refused(
      agentDoc({
        request: { tools: [{ ...lookup, input_schema: { type: "object", properties: { n: { type: "integer", maximum: 1e308, minLength: -5 } } } }] },
      }),
    );
    expect(big.paths).toEqual([expect.stringMatching(/^request\.tools\.0\.input_schema\.properties\.n\.minLength/)]);
  });

  it("tool names with odd Unicode are refused at the name", async () => {
    for (const name of ["lookup\u200border", "ｌｏｏｋｕｐ", "🔧", "look\u202eup", "é", "x".repeat(65), ""]) {
      const res = await refused(agentDoc({ request: { tools: [{ ...lookup, name }] } }));
      expect(res.paths, name).toEqual(["request.tools.0.name"]);
    }
  });
});
