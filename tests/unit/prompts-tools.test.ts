import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { analyzeCache } from "@/lib/prompts/cache";
import { checkContract } from "@/lib/prompts/contract";
import { previewCost, previewHistoryCost } from "@/lib/prompts/cost";
import { fromVersionDocument, toVersionDocument } from "@/lib/prompts/document";
import { supportAgentToolsContent as agent } from "@/lib/prompts/fixtures/support-agent-tools";
import { historyProblems } from "@/lib/prompts/history";
import { describeLocation } from "@/lib/prompts/locations";
import { renderVersion } from "@/lib/prompts/render";
import { parseVersionContent, versionContentIssues, type PromptVersionContent } from "@/lib/prompts/schemas";
import { compareInputSchemas, toolProblems, type ToolDef } from "@/lib/prompts/tools";
import { proposeBump } from "@/lib/prompts/versioning";

function appError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected an AppError");
}

const tools = agent.modelConfig.tools ?? [];
const lookup = tools[0]!;
const refund = tools[1]!;
const withTools = (next: ToolDef[], toolChoice = agent.modelConfig.tool_choice): PromptVersionContent => ({
  ...agent,
  modelConfig: { ...agent.modelConfig, tools: next, ...(toolChoice ? { tool_choice: toolChoice } : {}) },
});

describe("tool rules", () => {
  it("accepts the fixture's two tools", () => {
    expect(versionContentIssues(agent)).toEqual([]);
    expect(toolProblems(tools, agent.modelConfig.tool_choice)).toEqual([]);
  });

  it("names a duplicate tool at its second use", () => {
    const issues = versionContentIssues(withTools([lookup, { ...lookup, description: "again" }]));
    expect(issues).toEqual([{ path: "modelConfig.tools.1.name", message: 'tool name "lookup_order" is already used by tool 1' }]);
  });

  it("refuses an input_schema that is not a JSON Schema, at the place inside it", () => {
    const broken = { ...lookup, input_schema: { type: "object", properties: { order_id: { type: "strin" } } } } as ToolDef;
    const issues = versionContentIssues(withTools([broken]));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe("modelConfig.tools.0.input_schema.properties.order_id.type");
    expect(issues[0]?.message).toMatch(/tool "lookup_order": input_schema is not a valid JSON Schema/);
  });

  it("requires an object input_schema, a description and a valid name", () => {
    const issues = versionContentIssues(withTools([{ name: "bad name", description: " ", input_schema: { type: "string" } } as unknown as ToolDef]));
    expect(issues.map((i) => i.path).sort()).toEqual(["modelConfig.tools.0.description", "modelConfig.tools.0.input_schema.type", "modelConfig.tools.0.name"]);
  });

  it("allows a breakpoint on the last tool only", () => {
    const issues = toolProblems([{ ...lookup, cache_control: { type: "ephemeral" } }, refund], undefined);
    expect(issues).toEqual([{ path: "tools.0.cache_control", message: expect.stringContaining("only the last tool") as string }]);
  });

  it("checks tool_choice against the tools", () => {
    expect(toolProblems(tools, { type: "tool", name: "cancel_order" })).toEqual([
      { path: "tool_choice.name", message: 'tool_choice names "cancel_order", which is not one of the tools' },
    ]);
    expect(toolProblems([], { type: "any" })).toEqual([{ path: "tool_choice", message: 'tool_choice "any" needs at least one tool' }]);
  });

  it("names tool places for the editor", () => {
    expect(describeLocation("modelConfig.tools.1.input_schema.properties")).toBe("Tool 2 input_schema.properties");
    expect(describeLocation("request.tools.0")).toBe("Tool 1");
    expect(describeLocation("modelConfig.tool_choice.name")).toBe("Tool choice");
  });
});

describe("tools in the document", () => {
  const doc = toVersionDocument({ name: "agent", version: "1.0.0", content: agent });
  const body = { request: doc.request, variables: doc.variables };

  it("carries request.tools and request.tool_choice and reads them back", () => {
    expect(doc.request.tools?.map((t) => t.name)).toEqual(["lookup_order", "issue_refund"]);
    expect(doc.request.tool_choice).toEqual({ type: "auto" });
    expect(fromVersionDocument(body).content.modelConfig).toEqual(agent.modelConfig);
  });

  it("answers bad tools with 422 issues at document paths", () => {
    const error = appError(() =>
      fromVersionDocument({
        ...body,
        request: { ...doc.request, tools: [lookup, { ...lookup }, { name: "x", description: "d", input_schema: { type: "object", required: "id" } }] },
      }),
    );
    expect(error.status).toBe(422);
    expect(error.issues?.map((i) => i.path)).toEqual(["request.tools.1.name", "request.tools.2.input_schema.required"]);
  });
});

describe("tools and semver", () => {
  it("removing a tool is MAJOR, adding one MINOR", () => {
    const removed = proposeBump(agent, withTools([lookup]));
    expect(removed.bump).toBe("major");
    expect(removed.reasons).toContain('major: tool "issue_refund" removed');
    const added = proposeBump(withTools([lookup]), agent);
    expect(added.bump).toBe("minor");
    expect(added.reasons).toContain('minor: tool "issue_refund" added');
  });

  it("narrowing an input schema is MAJOR, widening MINOR", () => {
    const narrowed = {
      ...refund,
      input_schema: { ...refund.input_schema, properties: { ...(refund.input_schema.properties as object), reason: { type: "string", enum: ["damaged"] } } },
    };
    const p = proposeBump(agent, withTools([lookup, narrowed]));
    expect(p.bump).toBe("major");
    expect(p.reasons.some((r) => r.startsWith('major: tool "issue_refund" input_schema narrowed: $.reason enum values removed'))).toBe(true);
    const widened = { ...lookup, input_schema: { ...lookup.input_schema, properties: { order_id: { type: "string" }, email: { type: "string" } } } };
    const w = proposeBump(agent, withTools([widened, refund]));
    expect(w.bump).toBe("minor");
    expect(w.reasons).toContain('minor: tool "lookup_order" input_schema widened: $.email added (optional)');
  });

  it("compareInputSchemas: a new required property or a dropped type narrows", () => {
    expect(
      compareInputSchemas({ type: "object", properties: { a: { type: ["string", "null"] } } }, { type: "object", properties: { a: { type: "string" } } })
        .narrower,
    ).toEqual(["$.a no longer accepts null"]);
    expect(compareInputSchemas({ type: "object" }, { type: "object", properties: { b: { type: "string" } }, required: ["b"] }).narrower).toEqual([
      "$.b added as required",
    ]);
  });

  it("forcing a tool is MAJOR; the breakpoint on a tool is a PATCH", () => {
    expect(proposeBump(agent, withTools(tools, { type: "tool", name: "lookup_order" })).bump).toBe("major");
    expect(proposeBump(agent, withTools([lookup, { ...refund, cache_control: { type: "ephemeral", ttl: "1h" } }])).bump).toBe("patch");
  });

  it("moving the chat history is MINOR; adding a required one MAJOR", () => {
    const moved: PromptVersionContent = {
      ...agent,
      messages: [
        ...agent.messages,
        { role: "assistant", content: [{ type: "text", text: "Sure." }] },
        { role: "user", content: [{ type: "text", text: "Go on." }] },
      ],
      variables: {
        ...agent.variables,
        history: { ...(agent.variables.history as Extract<PromptVersionContent["variables"][string], { type: "messages" }>), position: 2 },
      },
    };
    expect(proposeBump(agent, moved).reasons).toContain('minor: chat history "history" moved from position 0 to 2');
    const required = { ...agent, variables: { ...agent.variables, history: { type: "messages" as const, required: true, position: 0 } } };
    const { history: _drop, ...withoutHistory } = agent.variables;
    expect(proposeBump({ ...agent, variables: withoutHistory }, required).bump).toBe("major");
  });
});

describe("render with tools and chat history", () => {
  const history = [
    { role: "user", content: "Where is my order A-1042?" },
    {
      role: "assistant",
      content: [
        { type: "text", text: "Let me check." },
        { type: "tool_use", id: "toolu_1", name: "lookup_order", input: { order_id: "A-1042" } },
      ],
    },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "shipped 2 days ago" }] },
    { role: "assistant", content: "It shipped two days ago." },
  ];

  it("sends tools, tool_choice and the history before the new message, with the breakpoint on its last message", () => {
    const request = renderVersion(agent, { history, question: "Can I get a refund?" });
    expect(request.tools?.map((t) => t.name)).toEqual(["lookup_order", "issue_refund"]);
    expect(request.tools?.[1]?.cache_control).toEqual({ type: "ephemeral" });
    expect(request.tool_choice).toEqual({ type: "auto" });
    expect(request.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant", "user"]);
    expect(request.messages[0]?.content).toEqual([{ type: "text", text: "Where is my order A-1042?" }]);
    expect(request.messages[3]?.content).toEqual([{ type: "text", text: "It shipped two days ago.", cache_control: { type: "ephemeral" } }]);
    expect(request.messages[4]?.content).toEqual([{ type: "text", text: "Can I get a refund?" }]);
  });

  it("inserts nothing for an optional history not sent, and parses JSON text from forms", () => {
    expect(renderVersion(agent, { question: "Hi" }).messages).toHaveLength(1);
    expect(renderVersion(agent, { question: "Hi", history: JSON.stringify(history) }, { coerceStrings: true }).messages).toHaveLength(5);
    expect(appError(() => renderVersion(agent, { question: "Hi", history: "[{" }, { coerceStrings: true })).issues).toEqual([
      { path: "variables.history", message: 'variable "history" must be a JSON array of messages ({ role, content })' },
    ]);
  });

  it("names every problem of a bad history at once", () => {
    const bad = [
      { role: "user", content: "one" },
      { role: "user", content: "two" },
      { role: "assistant", content: [{ type: "image", source: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_9" }] },
    ];
    const error = appError(() => renderVersion(agent, { history: bad, question: "Hi" }));
    expect(error.status).toBe(422);
    expect(error.issues).toEqual([
      { path: "variables.history.1.role", message: "history message 2 and history message 1 are both from the user: user and assistant turns must alternate" },
      {
        path: "variables.history.2.content.0.type",
        message: 'history message 3 block 1: content type "image" is not allowed (allowed: text, tool_use, tool_result)',
      },
      {
        path: "variables.history.3.content.0.tool_use_id",
        message: 'history message 4 block 1: tool_result answers "toolu_9", which no tool_use in the turn before has',
      },
      {
        path: "variables.history.3.role",
        message: "the last history message and the turn after the history are both from the user: user and assistant turns must alternate",
      },
    ]);
  });

  it("historyProblems: starts with the user, tool_use from the assistant only, every tool call answered", () => {
    expect(historyProblems([{ role: "assistant", content: "hi" }], { path: "h" })[0]).toEqual({
      path: "h.0.role",
      message: "history message 1 is from the assistant, but a conversation starts with the user",
    });
    const issues = historyProblems(
      [
        { role: "user", content: [{ type: "tool_use", id: "t", name: "x", input: {} }] },
        { role: "assistant", content: [{ type: "tool_use", id: "t2", name: "x", input: {} }] },
        { role: "user", content: "no result" },
      ],
      { path: "h", after: "assistant" },
    );
    expect(issues.map((i) => i.path)).toEqual(["h.0.content.0.type", "h.2"]);
    expect(historyProblems("nope", { path: "h" })).toEqual([{ path: "h", message: "must be an array of messages ({ role, content })" }]);
  });

  it("refuses a history used as a placeholder or placed past the last turn", () => {
    const misplaced = { ...agent, variables: { ...agent.variables, history: { type: "messages" as const, required: false, position: 3 } } };
    expect(checkContract(misplaced).errors).toEqual([expect.objectContaining({ path: "variables.history.position", code: "history_placement" })]);
    const inText = { ...agent, messages: [{ role: "user" as const, content: [{ type: "text" as const, text: "{{history}} {{question}}" }] }] };
    expect(checkContract(inText).errors).toEqual([expect.objectContaining({ path: "messages.0.content.0.text", code: "history_placement" })]);
    expect(checkContract(agent).warnings).toEqual([]);
  });
});

describe("tools and history in the cache and the cost preview", () => {
  it("puts the tools first in the cached prefix, with the last tool's breakpoint", () => {
    const analysis = analyzeCache(agent);
    expect(analysis.blocks.slice(0, 3).map((b) => b.location)).toEqual(["tools.0", "tools.1", "system.0"]);
    expect(analysis.breakpoints.map((b) => b.location)).toEqual(["tools.1"]);
    expect(analysis.breakpoints[0]?.prefixTokens).toBe((analysis.blocks[0]?.tokens ?? 0) + (analysis.blocks[1]?.tokens ?? 0));
    const preview = previewCost(agent, { expectedOutputTokens: 100, hitRate: 0.5 });
    expect(preview.inputTokens).toBe(analysis.totalTokens);
  });

  it("counts a history breakpoint toward the limit of four", () => {
    const many = {
      ...agent,
      system: [1, 2, 3, 4].map((n) => ({ type: "text" as const, role: "other" as const, text: `block ${n}`, cache_control: { type: "ephemeral" as const } })),
    };
    const issue = analyzeCache({ ...many, modelConfig: { ...many.modelConfig, tools: [lookup] } }).issues.find((i) => i.code === "too_many_breakpoints");
    expect(issue?.message).toBe("5 cache breakpoints (1 on chat history): the API allows at most 4");
  });

  it("prices a long conversation with and without the history breakpoint", () => {
    const preview = previewHistoryCost(agent, "history", { turns: 10, tokensPerExchange: 800 });
    expect(preview.turns).toHaveLength(10);
    const [t1, t2, t3] = preview.turns;
    expect(t1?.cacheWriteTokens).toBe(0);
    expect(t2?.cacheReadTokens).toBe(0);
    expect(t3?.cacheReadTokens).toBe(preview.beforeTokens + 800);
    expect(t3?.cacheWriteTokens).toBe(800);
    expect(preview.withBreakpointMicros).toBeLessThan(preview.withoutBreakpointMicros);
    expect(() => previewHistoryCost(agent, "question", { turns: 3, tokensPerExchange: 10 })).toThrow(AppError);
  });
});

describe("stored content", () => {
  it("parses the fixture unchanged", () => {
    expect(parseVersionContent(agent)).toEqual(agent);
  });
});
