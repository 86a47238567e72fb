// Issue 15 "Everywhere": one version with two tools, a chat history, a snippet include and an
// optional section, written through the CI write endpoint, then read back through every door:
// the OpenAPI document describes those parts, the served document and the typed client carry them
// (the client runs a tool round with a continuation), the Langfuse endpoint carries the tools in
// config and the history as a placeholder with the snippet and the section resolved. The demo
// seed's tool and chat prompts: auth-demo-seed.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PromptdeckClient } from "@/lib/client";
import { getDb } from "@/lib/db/client";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { readVersionContent } from "@/lib/prompts/schemas";
import { bearer, getJson, makeTestProject, sendJson, startApiServer, type RunningServer, type TestProject } from "./serving-helpers";

let server: RunningServer;
let ctx: TestProject;
let auth: Record<string, string>;
let client: PromptdeckClient;
const suffix = Date.now().toString(36);
const SNIPPET = `policy-${suffix}`;
const AGENT = `agent-${suffix}`;
const POLICY = "Refunds within 30 days of delivery, unused items only.";

const tools = [
  {
    name: "lookup_order",
    description: "Look up an order by its number: status, items, delivery date.",
    input_schema: { type: "object", properties: { order_id: { type: "string" } }, required: ["order_id"] },
  },
  {
    name: "issue_refund",
    description: "Refund an order to the original payment method.",
    input_schema: { type: "object", properties: { order_id: { type: "string" }, amount_cents: { type: "integer" } }, required: ["order_id", "amount_cents"] },
    cache_control: { type: "ephemeral" },
  },
];

beforeAll(async () => {
  if (process.env.ANTHROPIC_API_KEY) throw new Error("these tests expect the simulator: unset ANTHROPIC_API_KEY");
  server = await startApiServer();
  ctx = await makeTestProject();
  const { key } = await ctx.key(["prompts:read", "prompts:write", "prompts:run"]);
  auth = bearer(key);
  client = new PromptdeckClient({ baseUrl: server.url, apiKey: key, maxRetries: 0 });
});

afterAll(async () => {
  await getCallLogWriter().flush({ timeoutMs: 10_000 });
  await server.close();
});

describe("tools, chat history, snippets and sections everywhere", () => {
  it("the CI write endpoint publishes a snippet and an agent with tools, a history, an include and a section", async () => {
    const snippet = await sendJson<{ version: string }>(
      "POST",
      `${server.url}/api/v1/prompts/${SNIPPET}/versions`,
      {
        kind: "snippet",
        publish: true,
        changelog: "policy",
        request: { model: "claude-sonnet-5-5", max_tokens: 64, messages: [{ role: "user", content: POLICY }] },
      },
      auth,
    );
    expect(snippet.status, JSON.stringify(snippet.body)).toBe(201);
    expect((await sendJson("PUT", `${server.url}/api/v1/prompts/${SNIPPET}/labels/production`, { version: "1.0.0" }, auth)).status).toBe(200);

    const written = await sendJson<{
      status: string;
      version: string;
      request: { tools: unknown[]; tool_choice: unknown };
      variables: Record<string, unknown>;
    }>(
      "POST",
      `${server.url}/api/v1/prompts/${AGENT}/versions`,
      {
        publish: true,
        changelog: "agent",
        request: {
          model: "claude-sonnet-5-5",
          max_tokens: 512,
          system: [
            {
              type: "text",
              text: `You are a support agent for Acme.\n{{> ${SNIPPET}@production}}\n{{#vip}}\nThe customer is a VIP: offer express shipping.\n{{/vip}}`,
            },
          ],
          messages: [{ role: "user", content: "{{question}}" }],
          tools,
          tool_choice: { type: "auto" },
        },
        variables: {
          history: { type: "messages", required: false, position: 0, cache_control: { type: "ephemeral" } },
          question: { type: "string", required: true },
          vip: { type: "boolean", required: false },
        },
      },
      auth,
    );
    expect(written.status, JSON.stringify(written.body)).toBe(201);
    expect(written.body).toMatchObject({ status: "published", version: "1.0.0", request: { tools, tool_choice: { type: "auto" } } });
    expect(written.body.variables.history).toEqual({ type: "messages", required: false, position: 0, cache_control: { type: "ephemeral" } });
    expect((await sendJson("PUT", `${server.url}/api/v1/prompts/${AGENT}/labels/production`, { version: "1.0.0" }, auth)).status).toBe(200);

    // Stored as written, with the include pinned.
    const prompt = await getDb().prompt.findFirstOrThrow({ where: { projectId: ctx.projectId, name: AGENT }, include: { versions: true } });
    const stored = readVersionContent(prompt.versions[0]!);
    expect(stored.modelConfig.tools).toEqual(tools);
    expect(prompt.versions[0]!.snippetPins).toEqual([expect.objectContaining({ name: SNIPPET, version: "1.0.0", text: POLICY })]);
  });

  it("the OpenAPI document describes tools, tool_choice, the history variable, continuation and tool calls", async () => {
    const doc = (await getJson<Record<string, unknown>>(`${server.url}/api/v1/openapi.json`)).body;
    const text = JSON.stringify(doc);
    type Op = {
      requestBody?: { content: { "application/json": { schema: unknown } } };
      responses: Record<string, { content?: { "application/json": { schema: unknown } } }>;
    };
    const paths = doc.paths as Record<string, Record<string, Op>>;
    const resolve = (schema: unknown): string => {
      // Inline the component references one level down so the search sees the shapes.
      let out = JSON.stringify(schema);
      for (let i = 0; i < 4; i++)
        out = out.replace(/\{"\$ref":"#\/components\/schemas\/([^"]+)"\}/g, (_, name: string) =>
          JSON.stringify((doc.components as { schemas: Record<string, unknown> }).schemas[name]),
        );
      return out;
    };
    const write = resolve(paths["/api/v1/prompts/{name}/versions"]!.post!.requestBody!.content["application/json"].schema);
    for (const part of ['"tools"', '"input_schema"', '"tool_choice"', '"messages"', '"position"']) expect(write, part).toContain(part);
    const runOp = paths["/api/v1/prompts/{name}/run"]!.post!;
    expect(resolve(runOp.requestBody!.content["application/json"].schema)).toContain('"continuation"');
    const runResponse = resolve(runOp.responses["200"]!.content!["application/json"].schema);
    for (const part of ['"toolCalls"', '"tool_use"', '"content"']) expect(runResponse, part).toContain(part);
    const served = resolve(paths["/api/v1/prompts/{name}"]!.get!.responses["200"]!.content!["application/json"].schema);
    expect(served).toContain('"tools"');
    expect(text).toContain('"tool_result"');
  });

  it("the typed client gets the tools and the history, and runs a tool round with a continuation", async () => {
    const fetched = await client.getPrompt(AGENT, { label: "production" });
    expect(fetched.prompt.request.tools?.map((t) => t.name)).toEqual(["lookup_order", "issue_refund"]);
    expect(fetched.prompt.request.tool_choice).toEqual({ type: "auto" });
    expect(fetched.prompt.variables.history).toMatchObject({ type: "messages", position: 0 });

    const question = "Where is my order A-1042?";
    const history = [
      { role: "user" as const, content: "Hi, I bought a lamp." },
      { role: "assistant" as const, content: "Happy to help. What do you need?" },
    ];
    const first = await client.run(AGENT, { variables: { question, vip: true, history } });
    expect(first).toMatchObject({ status: "ok", stopReason: "tool_use" });
    const call = first.toolCalls[0]!;
    expect(call).toMatchObject({ name: "lookup_order", valid: true });
    const second = await client.run(AGENT, {
      version: first.version,
      variables: { question, vip: true, history },
      continuation: [
        { role: "assistant", content: first.content as Array<Record<string, unknown>> },
        { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: '{"status":"shipped"}' }] },
      ],
    });
    expect(second).toMatchObject({ status: "ok", stopReason: "end_turn", toolCalls: [] });

    const rendered = await client.render(AGENT, { variables: { question, vip: true, history } });
    const json = JSON.stringify(rendered.request);
    expect(json).toContain(POLICY);
    expect(json).toContain("express shipping");
    expect(rendered.request.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    const plain = JSON.stringify((await client.render(AGENT, { variables: { question } })).request);
    expect(plain).not.toContain("express shipping");
  });

  it("the Langfuse endpoint carries the tools in config, the history as a placeholder, the snippet and section text", async () => {
    const res = await getJson<{
      type: string;
      prompt: Array<{ type?: string; role?: string; name?: string; content?: string }>;
      config: { tools?: unknown[] };
    }>(`${server.url}/api/public/v2/prompts/${AGENT}?label=production`, auth);
    expect(res.status).toBe(200);
    expect(res.body.type).toBe("chat");
    expect(res.body.config.tools).toEqual(tools);
    expect(res.body.prompt).toContainEqual(expect.objectContaining({ type: "placeholder", name: "history" }));
    const system = res.body.prompt.find((m) => m.role === "system");
    expect(system?.content).toContain(POLICY);
  });
});
