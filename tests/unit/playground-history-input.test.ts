import { describe, expect, it } from "vitest";
import { historyTurnsOf, historyValueOf, switchTurnKind, UNPARSED_HISTORY, type EditedTurn } from "@/components/playground/history-input";
import { coerceHistoryValue, historyProblems } from "@/lib/prompts/history";

// The playground's chat history input holds what a history may hold: text turns and turns of
// content blocks (the assistant's tool_use, the user's tool_result) as JSON. Before this, a block
// turn was turned into a text turn holding its JSON as soon as any turn was edited.
describe("the playground's history input", () => {
  const withTools = [
    { role: "user", content: "Where is A-1?" },
    { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "lookup_order", input: { order_id: "A-1" } }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: '{"status":"shipped"}' }] },
    { role: "assistant", content: "It has shipped." },
  ];

  it("round-trips tool_use and tool_result turns as blocks, text turns as strings", () => {
    const turns = historyTurnsOf(JSON.stringify(withTools));
    expect(turns.map((t) => t.kind)).toEqual(["text", "blocks", "blocks", "text"]);
    const out = historyValueOf(turns);
    expect(out.problems).toEqual([]);
    expect(JSON.parse(out.value)).toEqual(withTools);
  });

  it("keeps the blocks when another turn is edited, and the server's check accepts them", () => {
    const turns = historyTurnsOf(JSON.stringify(withTools));
    const edited = turns.map((t, i) => (i === 3 ? { ...t, text: "It has shipped with DHL." } : t));
    const value = JSON.parse(historyValueOf(edited).value) as unknown[];
    expect(value[1]).toEqual(withTools[1]);
    expect(value[2]).toEqual(withTools[2]);
    expect(historyProblems(value, { path: "variables.history", after: "user" })).toEqual([]);
  });

  it("names block JSON that does not parse or is not an array, and sends nothing the server would accept", () => {
    const bad: EditedTurn[] = [
      { role: "user", kind: "text", text: "Hi" },
      { role: "assistant", kind: "blocks", text: '[{"type": "tool_use",' },
      { role: "user", kind: "blocks", text: '{"type": "text", "text": "x"}' },
    ];
    const out = historyValueOf(bad);
    expect(out.problems).toHaveLength(2);
    expect(out.problems[0]).toMatch(/^Turn 2: content blocks are not valid JSON: /);
    expect(out.problems[1]).toMatch(/^Turn 3: content blocks must be a JSON array/);
    expect(out.value).toBe(UNPARSED_HISTORY);
    expect(coerceHistoryValue(out.value).ok).toBe(false);
  });

  it("switches a turn between text and blocks without losing tool blocks", () => {
    const text: EditedTurn = { role: "user", kind: "text", text: "Hello" };
    const blocks = switchTurnKind(text, "blocks");
    expect(JSON.parse(blocks.text)).toEqual([{ type: "text", text: "Hello" }]);
    expect(switchTurnKind(blocks, "text")).toEqual(text);
    const tool: EditedTurn = { role: "assistant", kind: "blocks", text: JSON.stringify(withTools[1]!.content) };
    expect(switchTurnKind(tool, "text")).toEqual(tool);
  });

  it("is empty for no turns and for a value that is not a list", () => {
    expect(historyValueOf([])).toEqual({ value: "", problems: [] });
    expect(historyTurnsOf("")).toEqual([]);
    expect(historyTurnsOf("{}")).toEqual([]);
    expect(historyTurnsOf(UNPARSED_HISTORY)).toEqual([]);
  });
});
