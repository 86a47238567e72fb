import { describe, expect, it } from "vitest";
import type { ClaudeMessage, ClaudeRequest, ClaudeTransport } from "@/lib/claude/client";
import { invalidToolCalls, toolCallsOf } from "@/lib/claude/output";
import { ResponseCache } from "@/lib/claude/response-cache";
import { runPrompt } from "@/lib/claude/runner";
import { breakToolInput, generateOutput, toolAskedFor } from "@/lib/claude-simulator/generate";
import type { MessagesRequest } from "@/lib/claude-simulator/request-schema";
import { createPriceBook } from "@/lib/models/pricing";
import { supportAgentToolsContent as agent } from "@/lib/prompts/fixtures/support-agent-tools";
import { renderVersion } from "@/lib/prompts/render";

type Block = { type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: unknown };

function message(model: string, content: Block[]): ClaudeMessage {
  return {
    id: "msg_1",
    type: "message",
    role: "assistant",
    model,
    content: content.map((b) => (b.type === "text" ? { ...b, citations: null } : b)),
    stop_reason: content.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn",
    stop_sequence: null,
    stop_details: null,
    usage: { input_tokens: 100, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, cache_creation: null },
  } as unknown as ClaudeMessage;
}

/** A scripted transport: each call answers the next content; requests are recorded. */
function scripted(replies: Block[][]) {
  const requests: ClaudeRequest[] = [];
  const transport: ClaudeTransport = {
    simulated: true,
    baseURL: "http://fake",
    createMessage(params) {
      requests.push(params);
      const next = replies.shift();
      if (!next) return Promise.reject(new Error("no scripted reply left"));
      return Promise.resolve(message(params.model, next));
    },
    streamMessage: () => Promise.reject(new Error("not used")),
    countTokens: () => Promise.resolve(0),
    createBatch: () => Promise.reject(new Error("not used")),
    retrieveBatch: () => Promise.reject(new Error("not used")),
    cancelBatch: () => Promise.reject(new Error("not used")),
    batchResults: async function* () {
      yield* [];
      throw new Error("not used");
    },
  };
  return { transport, requests };
}

const deps = (transport: ClaudeTransport) => ({
  transport,
  prices: createPriceBook(async () => []),
  responseCache: new ResponseCache(),
  sleep: () => Promise.resolve(),
  random: () => 0.5,
});
const tools = agent.modelConfig.tools ?? [];

describe("tool calls in the runner", () => {
  it("returns a tool_use answer with its blocks when every input fits its schema", async () => {
    const { transport } = scripted([
      [
        { type: "text", text: "Checking." },
        { type: "tool_use", id: "toolu_1", name: "lookup_order", input: { order_id: "A-1" } },
      ],
    ]);
    const r = await runPrompt({ version: agent, variables: { question: "Where is A-1?" }, options: { source: "api" }, deps: deps(transport) });
    expect(r.status).toBe("ok");
    expect(r.stopReason).toBe("tool_use");
    expect(r.toolCalls).toEqual([{ id: "toolu_1", name: "lookup_order", input: { order_id: "A-1" } }]);
    expect(r.output).toBe("Checking.");
  });

  it("repairs an invalid tool input once with an error tool_result per call", async () => {
    const { transport, requests } = scripted([
      [{ type: "tool_use", id: "toolu_1", name: "issue_refund", input: { order_id: "A-1", amount_cents: "ten", reason: "broken" } }],
      [{ type: "tool_use", id: "toolu_2", name: "issue_refund", input: { order_id: "A-1", amount_cents: 1000, reason: "damaged" } }],
    ]);
    const r = await runPrompt({ version: agent, variables: { question: "Refund A-1" }, options: { source: "api" }, deps: deps(transport) });
    expect(r.status).toBe("ok");
    expect(r.attempts.map((a) => a.kind)).toEqual(["initial", "repair"]);
    expect(r.toolCalls?.[0]?.id).toBe("toolu_2");
    const repair = requests[1]!;
    expect(repair.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    const results = repair.messages[2]!.content as Array<{ type: string; tool_use_id?: string; is_error?: boolean; content?: string }>;
    expect(results[0]).toMatchObject({ type: "tool_result", tool_use_id: "toolu_1", is_error: true });
    expect(results[0]?.content).toContain("/amount_cents must be integer");
    expect(results[0]?.content).toContain("/reason must be one of");
    expect(r.toolRepairs).toEqual([
      {
        model: "claude-sonnet-5-5",
        calls: [
          {
            id: "toolu_1",
            name: "issue_refund",
            input: { order_id: "A-1", amount_cents: "ten", reason: "broken" },
            problems: expect.arrayContaining([expect.stringContaining("/amount_cents must be integer")]) as unknown as string[],
          },
        ],
      },
    ]);
  });

  it("ends invalid_output naming the call when the repair is invalid too", async () => {
    const bad: Block[] = [{ type: "tool_use", id: "toolu_1", name: "cancel_order", input: {} }];
    const { transport } = scripted([bad, bad]);
    const r = await runPrompt({ version: agent, variables: { question: "Cancel it" }, options: { source: "api" }, deps: deps(transport) });
    expect(r.status).toBe("invalid_output");
    if (r.status === "invalid_output")
      expect(r.validationError).toBe('tool call "cancel_order" (toolu_1): "cancel_order" is not one of the tools (lookup_order, issue_refund)');
  });

  it("appends a continuation (tool result) after the rendered turns", async () => {
    const { transport, requests } = scripted([[{ type: "text", text: "It shipped." }]]);
    const continuation = [
      { role: "assistant" as const, content: [{ type: "tool_use", id: "toolu_1", name: "lookup_order", input: { order_id: "A-1" } }] },
      { role: "user" as const, content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "shipped" }] },
    ];
    const r = await runPrompt({ version: agent, variables: { question: "Where is A-1?" }, continuation, options: { source: "api" }, deps: deps(transport) });
    expect(r.status).toBe("ok");
    expect(requests[0]?.messages).toHaveLength(3);
    expect(r.toolCalls).toEqual([]);
  });

  it("invalidToolCalls / toolCallsOf read the blocks", () => {
    const calls = toolCallsOf([{ type: "text" }, { type: "tool_use", id: "t", name: "lookup_order", input: {} } as { type: string }]);
    expect(invalidToolCalls(calls, tools)).toEqual([{ call: calls[0], problems: ["the input must have required property 'order_id'"] }]);
  });
});

describe("the simulator answers with tool calls", () => {
  const request = (question: string, extra: Partial<MessagesRequest> = {}): MessagesRequest =>
    ({ ...renderVersion(agent, { question }), ...extra }) as unknown as MessagesRequest;

  it("calls the tool the user asks for, with an input that fits its schema", () => {
    const out = generateOutput(request("Where is my order A-1042?"), { inputTokens: 100, charsPerToken: 3.5 });
    expect(out.kind).toBe("tool_use");
    if (out.kind !== "tool_use") return;
    expect(out.name).toBe("lookup_order");
    expect(invalidToolCalls([{ id: "x", name: out.name, input: out.input }], tools)).toEqual([]);
  });

  it("calls the tool again after error tool_results (a rejected input), and breaks an input for the invalid_tool_input fault", () => {
    const retry = request("Tell me a joke");
    retry.messages = [
      ...retry.messages,
      { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "issue_refund", input: {} }] },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "t1", content: "bad input", is_error: true },
          { type: "text", text: "Call again." },
        ],
      },
    ] as MessagesRequest["messages"];
    const out = generateOutput(retry, { inputTokens: 100, charsPerToken: 3.5 });
    expect(out.kind === "tool_use" && out.name).toBe("issue_refund");
    if (out.kind !== "tool_use") return;
    expect(invalidToolCalls([{ id: "x", name: out.name, input: out.input }], tools)).toEqual([]);
    const broken = breakToolInput(out.input, out.schema);
    expect(broken).toEqual({});
    expect(invalidToolCalls([{ id: "x", name: out.name, input: broken }], tools)[0]?.problems).toHaveLength(3);
    // Nothing required: each declared property gets another type.
    expect(breakToolInput({ a: "x", n: 1 }, { type: "object", properties: { a: { type: "string" }, n: { type: "number" } } })).toEqual({
      a: 12345,
      n: "not the declared type",
    });
  });

  it("answers in text after a tool result, and never calls with tool_choice none or without tools", () => {
    const withResult = request("Where is my order A-1042?");
    withResult.messages = [
      ...withResult.messages,
      { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "lookup_order", input: { order_id: "A-1042" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "shipped" }] },
    ] as MessagesRequest["messages"];
    expect(generateOutput(withResult, { inputTokens: 100, charsPerToken: 3.5 }).kind).toBe("text");
    expect(generateOutput(request("Where is my order?", { tool_choice: { type: "none" } }), { inputTokens: 100, charsPerToken: 3.5 }).kind).toBe("text");
    expect(toolAskedFor(tools, "Tell me a joke about cats")).toBeUndefined();
  });
});
