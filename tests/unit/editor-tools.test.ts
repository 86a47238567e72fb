import { describe, expect, it } from "vitest";
import { editDocument, STARTER_TOOL_SCHEMA, type EditorEdit } from "@/components/editor/editor-edits";
import {
  anchorForPath,
  collectIssues,
  fromContent,
  historyPlacement,
  issuesAt,
  openedDraftJson,
  draftJson,
  toContent,
  type EditorState,
} from "@/components/editor/editor-model";
import { newHistoryName } from "@/components/editor/messages-section";
import { analyzeCache } from "@/lib/prompts/cache";
import { checkContract } from "@/lib/prompts/contract";
import { supportAgentToolsContent as agent } from "@/lib/prompts/fixtures/support-agent-tools";
import { versionContentIssues } from "@/lib/prompts/schemas";

const apply = (state: EditorState, ...edits: EditorEdit[]) => edits.reduce(editDocument, state);

/** The issues the editor lists for a working copy (form, shape, contract, cache), as the editor derives them. */
function issuesOf(state: EditorState) {
  const { content, issues: form } = toContent(state);
  return collectIssues({ form, shape: versionContentIssues(content), contract: checkContract(content), cache: analyzeCache(content) });
}

describe("tools in the editor's working copy", () => {
  it("round-trips the tool-using support agent unchanged (tools, tool_choice, the history's position and breakpoint)", () => {
    const state = fromContent(agent);
    expect(state.tools.map((t) => [t.name, t.cache])).toEqual([
      ["lookup_order", "off"],
      ["issue_refund", "5m"],
    ]);
    expect(state.toolChoice).toBe("auto");
    const history = state.variables.find((v) => v.name === "history");
    expect(history).toMatchObject({ type: "messages", position: 0, historyCache: "5m" });
    const { content, issues } = toContent(state);
    expect(issues).toEqual([]);
    expect(content.modelConfig).toEqual(agent.modelConfig);
    expect(content.variables).toEqual(agent.variables);
    // Opening the stored draft is not an edit (the save bar stays "Saved").
    expect(openedDraftJson(agent, [])).toBe(draftJson(content, []));
  });

  it("leaves tools and tool_choice out when there are none", () => {
    const start = fromContent(agent);
    const state = apply(start, ...start.tools.map((t) => ({ type: "removeTool", id: t.id }) as EditorEdit), {
      type: "set",
      patch: { toolChoice: "" },
    });
    const { content } = toContent(state);
    expect(content.modelConfig).toEqual({ model: "claude-sonnet-5-5", max_tokens: 1024 });
  });

  it("adds a tool with a starter schema and keeps the breakpoint on the last tool when tools are added, moved or removed", () => {
    const start = fromContent(agent);
    const added = apply(start, { type: "addTool", id: "tool-new" });
    expect(added.tools.map((t) => t.cache)).toEqual(["off", "off", "5m"]);
    expect(added.tools[2]).toMatchObject({ id: "tool-new", name: "", schemaText: STARTER_TOOL_SCHEMA });
    const moved = apply(added, { type: "moveTool", from: 2, to: 0 });
    expect(moved.tools.map((t) => [t.id === "tool-new" ? "new" : t.name, t.cache])).toEqual([
      ["new", "off"],
      ["lookup_order", "off"],
      ["issue_refund", "5m"],
    ]);
    const removed = apply(moved, { type: "removeTool", id: moved.tools[2]!.id });
    expect(removed.tools.map((t) => t.cache)).toEqual(["off", "5m"]);
    const off = apply(removed, { type: "setToolsCache", cache: "off" });
    expect(toContent(off).content.modelConfig.tools?.every((t) => t.cache_control === undefined)).toBe(true);
    const hour = apply(off, { type: "setToolsCache", cache: "1h" });
    expect(toContent(hour).content.modelConfig.tools?.at(-1)?.cache_control).toEqual({ type: "ephemeral", ttl: "1h" });
  });

  it("writes tool_choice as the API takes it", () => {
    const start = fromContent(agent);
    const forced = apply(start, { type: "set", patch: { toolChoice: "tool", toolChoiceName: "lookup_order", disableParallel: true } });
    expect(toContent(forced).content.modelConfig.tool_choice).toEqual({ type: "tool", name: "lookup_order", disable_parallel_tool_use: true });
    const none = apply(forced, { type: "set", patch: { toolChoice: "none" } });
    expect(toContent(none).content.modelConfig.tool_choice).toEqual({ type: "none" });
  });

  it("names each bad input at its field: a schema that is not JSON, not a schema, a duplicate name, an invalid name", () => {
    const start = fromContent(agent);
    const [first, second] = start.tools;
    const notJson = apply(start, { type: "patchTool", id: first!.id, patch: { schemaText: '{"type": "object",' } });
    const atSchema = issuesAt(issuesOf(notJson), "modelConfig.tools.0.input_schema");
    expect(atSchema.map((i) => i.message)).toEqual([expect.stringMatching(/^tool "lookup_order": input_schema is not valid JSON/)]);

    const notSchema = apply(start, {
      type: "patchTool",
      id: first!.id,
      patch: { schemaText: '{"type":"object","properties":{"order_id":{"type":"strin"}}}' },
    });
    const schemaIssues = issuesAt(issuesOf(notSchema), "modelConfig.tools.0.input_schema");
    expect(schemaIssues.length).toBeGreaterThan(0);
    expect(schemaIssues[0]!.message).toMatch(/tool "lookup_order": input_schema is not a valid JSON Schema/);
    expect(anchorForPath(schemaIssues[0]!.path)).toBe("tool-0");

    const duplicate = apply(start, { type: "patchTool", id: second!.id, patch: { name: "lookup_order" } });
    expect(issuesAt(issuesOf(duplicate), "modelConfig.tools.1.name").map((i) => i.message)).toEqual(['tool name "lookup_order" is already used by tool 1']);

    const invalid = apply(start, { type: "patchTool", id: first!.id, patch: { name: "look up" } });
    expect(issuesAt(issuesOf(invalid), "modelConfig.tools.0.name").map((i) => i.message)).toEqual([
      "tool names are 1-64 characters of a-z, A-Z, 0-9, '_' and '-'",
    ]);

    const unknownChoice = apply(start, { type: "set", patch: { toolChoice: "tool", toolChoiceName: "cancel_order" } });
    expect(issuesAt(issuesOf(unknownChoice), "modelConfig.tool_choice").map((i) => i.message)).toEqual([
      'tool_choice names "cancel_order", which is not one of the tools',
    ]);
  });

  it("names what no save accepts at its field, before any save: NUL, an unpaired surrogate, 1e400, a schema nested 1,000 levels", () => {
    const start = fromContent(agent);
    const [first] = start.tools;
    const formIssues = (state: EditorState) => toContent(state).issues;
    const under = (issues: { path: string; message: string }[], path: string) => issues.filter((i) => i.path === path || i.path.startsWith(`${path}.`));
    const nul = apply(start, { type: "patchTool", id: first!.id, patch: { description: "Look\u0000up" } });
    expect(formIssues(nul)).toEqual([{ path: "modelConfig.tools.0.description", message: "must not contain NUL characters" }]);
    const surrogate = apply(start, { type: "patchTool", id: first!.id, patch: { description: "Look \ud800up" } });
    expect(under(formIssues(surrogate), "modelConfig.tools.0.description").map((i) => i.message)).toEqual([expect.stringMatching(/surrogate/)]);
    const huge = apply(start, { type: "patchTool", id: first!.id, patch: { schemaText: '{"type":"object","maxProperties":1e400}' } });
    expect(under(formIssues(huge), "modelConfig.tools.0.input_schema")).toHaveLength(1);
    let deep = '{"type":"string"}';
    for (let i = 0; i < 1000; i++) deep = `{"type":"object","properties":{"x":${deep}}}`;
    const nested = apply(start, { type: "patchTool", id: first!.id, patch: { schemaText: deep } });
    expect(under(formIssues(nested), "modelConfig.tools.0.input_schema").map((i) => i.message)).toEqual([expect.stringMatching(/nested too deeply/)]);
    expect(anchorForPath(formIssues(nested)[0]!.path)).toBe("tool-0");
    expect(formIssues(start)).toEqual([]);
  });

  it("anchors tool, tool_choice and history paths at their editor elements", () => {
    expect(anchorForPath("modelConfig.tools.1.name")).toBe("tool-1");
    expect(anchorForPath("tools.1")).toBe("tool-1");
    expect(anchorForPath("modelConfig.tool_choice.name")).toBe("section-tools");
    expect(anchorForPath("variables.history.position")).toBe("history-history");
    expect(anchorForPath("variables.question")).toBe("section-variables");
  });
});

describe("chat history in the editor", () => {
  it("adds an optional messages variable at a position, with a name no variable has", () => {
    const start = fromContent({ ...agent, variables: { question: agent.variables.question! } });
    expect(newHistoryName(start.variables)).toBe("history");
    const added = apply(start, { type: "addHistory", id: "v-h", name: "history", position: 0 });
    expect(newHistoryName(added.variables)).toBe("history_2");
    const cached = apply(added, { type: "patchVariable", id: "v-h", patch: { historyCache: "1h" } });
    expect(toContent(cached).content.variables.history).toEqual({
      type: "messages",
      required: false,
      position: 0,
      cache_control: { type: "ephemeral", ttl: "1h" },
    });
  });

  it("says what the turns around it ask of the history and names a bad place", () => {
    const turns = [{ role: "user" as const }, { role: "assistant" as const }, { role: "user" as const }];
    expect(historyPlacement(turns, 0)).toMatchObject({ startsWith: "user", endsWith: "assistant", problems: [] });
    expect(historyPlacement(turns, 2)).toMatchObject({
      before: { turn: 2, role: "assistant" },
      after: { turn: 3, role: "user" },
      startsWith: "user",
      endsWith: "assistant",
      problems: [],
    });
    expect(historyPlacement(turns, 1)).toMatchObject({ startsWith: "assistant", endsWith: "user", problems: [] });
    // Two user turns in a row around it: they must alternate when the history is empty.
    const twoUsers = historyPlacement([{ role: "user" }, { role: "user" }], 1);
    expect(twoUsers.problems).toEqual([expect.stringContaining("Turn 1 and Turn 2 around it are both from the user")]);
    // After a final user turn: nothing left for Claude to answer.
    expect(historyPlacement([{ role: "user" }], 1).problems).toEqual([expect.stringContaining("comes after Turn 1, from the user")]);
    expect(historyPlacement(turns, 7).problems[0]).toMatch(/position 7 is outside the turns/);
  });

  it("keeps a history's default out of the stored variable and reports one the form holds", () => {
    const start = fromContent(agent);
    const history = start.variables.find((v) => v.name === "history")!;
    const withDefault = apply(start, { type: "patchVariable", id: history.id, patch: { hasDefault: true, defaultText: "[]" } });
    expect(toContent(withDefault).issues).toEqual([{ path: "variables.history.default", message: expect.stringContaining("a chat history has no default") }]);
  });
});
