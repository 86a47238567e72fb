// POST /api/v1/prompts/{name}/run with tools and chat history, through the simulator (reached by
// the runner over the real SDK): a tool_use answer with per-call validation, an invalid tool input
// repaired once, a conversation continued with tool results, and bad history / continuation
// refused with 422 naming each path. Also: the tool-using prompt fetched through the API and the
// Langfuse-compatible endpoint carries its tools and history.
import { randomUUID } from "node:crypto";
import { Langfuse } from "langfuse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { getDb } from "@/lib/db/client";
import { supportAgentToolsContent } from "@/lib/prompts/fixtures/support-agent-tools";
import {
  bearer,
  getJson,
  makeTestProject,
  publishPrompt,
  sendJson,
  startApiServer,
  type ApiError,
  type RunningServer,
  type TestProject,
} from "./serving-helpers";

let server: RunningServer;
let ctx: TestProject;
let runKey: string;

beforeAll(async () => {
  if (process.env.ANTHROPIC_API_KEY) throw new Error("these tests expect the simulator: unset ANTHROPIC_API_KEY");
  server = await startApiServer();
  ctx = await makeTestProject();
  runKey = (await ctx.key(["prompts:read", "prompts:run"])).key;
  await publishPrompt(ctx.admin, "support-agent", [supportAgentToolsContent]);
});

afterAll(async () => {
  await getCallLogWriter().flush({ timeoutMs: 10_000 });
  await server.close();
});

interface ToolCallReport {
  id: string;
  name: string;
  input: Record<string, unknown>;
  valid: boolean;
  problems: string[];
}
interface RunResponse {
  callId: string;
  version: string;
  status: string;
  output: string;
  stopReason: string | null;
  attempts: number;
  usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number };
  costMicros: number;
  content: Array<{ type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: unknown }>;
  toolCalls: ToolCallReport[];
  toolRepairs: Array<{ model: string; calls: Array<ToolCallReport & { problems: string[] }> }>;
}

const run = (body: unknown) => sendJson<RunResponse>("POST", `${server.url}/api/v1/prompts/support-agent/run`, body, bearer(runKey));
const runError = (body: unknown) => sendJson<ApiError>("POST", `${server.url}/api/v1/prompts/support-agent/run`, body, bearer(runKey));

describe("run with tools", () => {
  it("returns a tool_use answer with its blocks and each input validated against its schema", async () => {
    const res = await run({ variables: { question: "Where is my order A-1042?" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "ok", stopReason: "tool_use", attempts: 1, toolRepairs: [] });
    expect(res.body.toolCalls).toHaveLength(1);
    const call = res.body.toolCalls[0]!;
    expect(call).toMatchObject({ name: "lookup_order", valid: true, problems: [] });
    expect(typeof call.input.order_id).toBe("string");
    expect(call.id).toMatch(/^toolu_/);
    // The answer's blocks, ready to send back as the assistant turn (response-only fields left out).
    expect(res.body.content).toContainEqual({ type: "tool_use", id: call.id, name: "lookup_order", input: call.input });

    await getCallLogWriter().flush({ timeoutMs: 10_000 });
    const row = await getDb().callLog.findUniqueOrThrow({ where: { id: res.body.callId } });
    expect(row).toMatchObject({ source: "api", status: "ok", attempts: 1 });
  });

  it("repairs an invalid tool input once: the rejected call and its problems are reported, the repaired call fits", async () => {
    const fault = `[[sim:invalid_tool_input;count=1;key=${randomUUID()}]]`;
    const res = await run({ variables: { question: `Where is my order A-1042? ${fault}` } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "ok", stopReason: "tool_use", attempts: 2 });
    expect(res.body.toolRepairs).toHaveLength(1);
    const rejected = res.body.toolRepairs[0]!.calls[0]!;
    expect(rejected.name).toBe("lookup_order");
    expect(rejected.input).not.toHaveProperty("order_id");
    expect(rejected.problems).toEqual(["the input must have required property 'order_id'"]);
    expect(res.body.toolCalls[0]).toMatchObject({ name: "lookup_order", valid: true });
    expect(res.body.toolCalls[0]!.id).not.toBe(rejected.id);
  });

  it("continues the conversation with tool results, round after round, on the same version", async () => {
    const question = "Where is my order A-1042?";
    const first = await run({ variables: { question } });
    const call = first.body.toolCalls[0]!;
    const continuation = [
      { role: "assistant", content: first.body.content },
      { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: '{"status":"shipped","eta":"2026-12-05"}' }] },
    ];
    const second = await run({ version: first.body.version, variables: { question }, continuation });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: "ok", stopReason: "end_turn", toolCalls: [], toolRepairs: [] });
    expect(second.body.output.length).toBeGreaterThan(0);
    // The second round sent more input than the first (the tool call and its result).
    expect(second.body.usage.inputTokens + second.body.usage.cacheReadTokens).toBeGreaterThan(first.body.usage.inputTokens + first.body.usage.cacheReadTokens);

    // A tool result marked is_error: Claude (the simulator) calls the tool again.
    const failed = await run({
      version: first.body.version,
      variables: { question },
      continuation: [
        continuation[0],
        { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "order service down", is_error: true }] },
      ],
    });
    expect(failed.body).toMatchObject({ status: "ok", stopReason: "tool_use" });
    expect(failed.body.toolCalls[0]).toMatchObject({ name: "lookup_order", valid: true });
  });

  it("refuses a continuation that does not follow the conversation with 422 naming each path", async () => {
    const first = await run({ variables: { question: "Where is my order A-1042?" } });
    const wrongId = await runError({
      variables: { question: "Where is my order A-1042?" },
      continuation: [
        { role: "assistant", content: first.body.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_nope", content: "x" }] },
      ],
    });
    expect(wrongId.status).toBe(422);
    expect(wrongId.body.error.issues?.map((i) => i.path)).toEqual(["continuation.1.content.0.tool_use_id", "continuation.1"]);
    expect(wrongId.body.error.issues?.[0]?.message).toContain('answers "toolu_nope"');

    const twoUsers = await runError({ variables: { question: "Hi" }, continuation: [{ role: "user", content: "again" }] });
    expect(twoUsers.status).toBe(422);
    expect(twoUsers.body.error.issues?.[0]?.path).toBe("continuation.0.role");

    const unanswered = await runError({ variables: { question: "Hi" }, continuation: [{ role: "assistant", content: first.body.content }] });
    expect(unanswered.status).toBe(422);
    expect(unanswered.body.error.issues?.[0]?.message).toContain("get no tool_result");

    const badShape = await runError({ variables: { question: "Hi" }, continuation: [{ role: "system", content: "x" }] });
    expect(badShape.status).toBe(422);
    expect(badShape.body.error.issues?.[0]?.path).toBe("continuation.0.role");
  });

  it("hostile continuations get a 4xx naming the problem, never a 500", async () => {
    const long = await runError({
      variables: { question: "Hi" },
      continuation: Array.from({ length: 101 }, (_, i) => ({ role: i % 2 ? "user" : "assistant", content: "x" })),
    });
    expect(long.status).toBe(422);
    expect(long.body.error.issues?.[0]?.path).toBe("continuation");
    const nul = await runError({
      variables: { question: "Hi" },
      continuation: [
        { role: "assistant", content: "a\u0000b" },
        { role: "user", content: "c" },
      ],
    });
    expect(nul.status).toBe(400);
    expect(nul.body.error.message).toMatch(/NUL/i);
    let deep: unknown = "leaf";
    for (let i = 0; i < 200; i++) deep = { d: deep };
    const nested = await runError({
      variables: { question: "Hi" },
      continuation: [{ role: "assistant", content: [{ type: "tool_use", id: "t", name: "lookup_order", input: deep }] }],
    });
    expect(nested.status).toBeGreaterThanOrEqual(400);
    expect(nested.status).toBeLessThan(500);
    const oddBlock = await runError({
      variables: { question: "Hi" },
      continuation: [{ role: "assistant", content: [{ type: "tool_use", id: "", name: "", input: [] }] }],
    });
    expect(oddBlock.status).toBe(422);
    expect(oddBlock.body.error.issues?.map((i) => i.path)).toEqual([
      "continuation.0.content.0.id",
      "continuation.0.content.0.name",
      "continuation.0.content.0.input",
    ]);
  });
});

describe("run with chat history", () => {
  it("sends the history before the new message", async () => {
    const history = [
      { role: "user", content: "Hi, I ordered a lamp." },
      { role: "assistant", content: "Thanks! How can I help with it?" },
    ];
    const res = await run({ variables: { history, question: "Tell me a joke about lamps" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "ok", stopReason: "end_turn" });
  });

  it("refuses bad history with 422 naming every problem with its path", async () => {
    const res = await runError({
      variables: {
        question: "Hi",
        history: [
          { role: "assistant", content: "I start" },
          { role: "assistant", content: "" },
          { role: "user", content: [{ type: "image", source: {} }] },
        ],
      },
    });
    expect(res.status).toBe(422);
    const paths = res.body.error.issues?.map((i) => i.path) ?? [];
    expect(paths).toEqual(
      expect.arrayContaining(["variables.history.0.role", "variables.history.1.role", "variables.history.1.content", "variables.history.2.content.0.type"]),
    );
    // The last history turn is from the user, and so is the new message after it.
    expect(paths).toContain("variables.history.2.role");
  });
});

describe("the tool-using prompt through the read APIs", () => {
  it("GET /api/v1/prompts/{name} carries the tools, tool_choice and the history variable", async () => {
    const res = await getJson<{ request: Record<string, unknown>; variables: Record<string, { type: string; position?: number }> }>(
      `${server.url}/api/v1/prompts/support-agent?label=production`,
      bearer(runKey),
    );
    expect(res.status).toBe(200);
    expect(res.body.request.tools).toEqual(supportAgentToolsContent.modelConfig.tools);
    expect(res.body.request.tool_choice).toEqual({ type: "auto" });
    expect(res.body.variables.history).toMatchObject({ type: "messages", position: 0 });
  });

  it("the Langfuse SDK gets the tools in config and the history as a placeholder it fills", async () => {
    const langfuse = new Langfuse({ publicKey: "pk-lf-anything", secretKey: runKey, baseUrl: server.url, flushAt: 1000, requestTimeout: 5000 });
    try {
      const prompt = await langfuse.getPrompt("support-agent", undefined, { type: "chat", cacheTtlSeconds: 0 });
      expect((prompt.config as { tools?: unknown }).tools).toEqual(supportAgentToolsContent.modelConfig.tools);
      const compiled = prompt.compile(
        { question: "Where is A-1?" },
        {
          history: [
            { role: "user", content: "Hi" },
            { role: "assistant", content: "Hello!" },
          ],
        },
      );
      expect(compiled.map((m) => ("role" in m ? m.role : "?"))).toEqual(["system", "user", "assistant", "user"]);
      expect(compiled.at(-1)).toEqual({ role: "user", content: "Where is A-1?" });
    } finally {
      await langfuse.shutdownAsync();
    }
  });
});
