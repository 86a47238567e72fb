import { describe, expect, it } from "vitest";
import { editDocument, STARTER_JSON_SCHEMA, type EditorEdit } from "@/components/editor/editor-edits";
import { acknowledgedLocations, fromContent, toContent, type EditorState } from "@/components/editor/editor-model";
import { supportAssistantContent as support } from "@/lib/prompts/fixtures/support-assistant";

const start = (): EditorState => fromContent(support);
const apply = (state: EditorState, ...edits: EditorEdit[]): EditorState => edits.reduce(editDocument, state);

describe("editDocument", () => {
  it("never mutates the state it is given", () => {
    const state = start();
    const frozen = JSON.stringify(state);
    apply(
      state,
      { type: "addSystemBlock", id: "s-new" },
      { type: "patchSystemBlock", id: state.system[0]!.id, patch: { text: "changed" } },
      { type: "moveTurn", from: 0, to: 0 },
      { type: "addVariables", variables: [{ id: "v-new", name: "lang" }] },
      { type: "set", patch: { model: "claude-haiku-5-5" } },
      { type: "setOutputFormat", format: "json" },
    );
    expect(JSON.stringify(state)).toBe(frozen);
  });

  it("adds, patches, moves and removes system blocks", () => {
    const state = start();
    const [a, b] = state.system;
    const added = apply(state, { type: "addSystemBlock", id: "s-new" });
    expect(added.system.at(-1)).toEqual({ id: "s-new", role: "instructions", text: "", cache: "off" });
    const patched = apply(added, { type: "patchSystemBlock", id: b!.id, patch: { text: "New text", role: "examples" } });
    expect(patched.system[1]).toMatchObject({ id: b!.id, text: "New text", role: "examples" });
    expect(
      apply(patched, { type: "moveSystemBlock", from: 0, to: 1 })
        .system.map((x) => x.id)
        .slice(0, 2),
    ).toEqual([b!.id, a!.id]);
    expect(apply(patched, { type: "removeSystemBlock", id: a!.id }).system.map((x) => x.id)).not.toContain(a!.id);
  });

  it("an acknowledgement set on a block follows it when blocks move", () => {
    const state = apply(start(), { type: "set", patch: {} });
    const cached = state.system.findIndex((b) => b.cache !== "off");
    const withVariable = apply(
      state,
      { type: "patchSystemBlock", id: state.system[0]!.id, patch: { text: "Tenant {{tenant}}" } },
      { type: "patchSystemBlock", id: state.system[cached]!.id, patch: { acknowledged: true } },
    );
    expect(acknowledgedLocations(withVariable)).toEqual([`system.${cached}`]);
    const moved = apply(withVariable, { type: "moveSystemBlock", from: cached, to: 0 });
    expect(acknowledgedLocations(moved)).toEqual(["system.0"]);
  });

  it("a new turn alternates roles with the last one and starts with one empty block", () => {
    const state = start();
    expect(state.turns.at(-1)?.role).toBe("user");
    const one = apply(state, { type: "addTurn", id: "t-1", blockId: "b-1" });
    expect(one.turns.at(-1)).toEqual({ id: "t-1", role: "assistant", blocks: [{ id: "b-1", text: "", cache: "off" }] });
    expect(apply(one, { type: "addTurn", id: "t-2", blockId: "b-2" }).turns.at(-1)?.role).toBe("user");
    const none = { ...state, turns: [] };
    expect(apply(none, { type: "addTurn", id: "t-1", blockId: "b-1" }).turns[0]?.role).toBe("user");
  });

  it("edits the blocks of one turn only", () => {
    const state = apply(start(), { type: "addTurn", id: "t-2", blockId: "b-x" });
    const first = state.turns[0]!;
    const next = apply(
      state,
      { type: "addTurnBlock", turnId: first.id, id: "b-2" },
      { type: "patchTurnBlock", turnId: first.id, id: "b-2", patch: { text: "Be brief.", cache: "5m" } },
      { type: "moveTurnBlock", turnId: first.id, from: 1, to: 0 },
    );
    expect(next.turns[0]!.blocks.map((b) => b.id)).toEqual(["b-2", first.blocks[0]!.id]);
    expect(next.turns[0]!.blocks[0]).toMatchObject({ text: "Be brief.", cache: "5m" });
    expect(next.turns[1]).toEqual(state.turns[1]);
    const removed = apply(next, { type: "removeTurnBlock", turnId: first.id, id: "b-2" });
    expect(removed.turns[0]!.blocks).toEqual(first.blocks);
    const role = apply(next, { type: "setTurnRole", id: "t-2", role: "user" });
    expect(role.turns.map((t) => t.role)).toEqual(["user", "user"]);
    expect(apply(next, { type: "moveTurn", from: 1, to: 0 }).turns[0]!.id).toBe("t-2");
    expect(apply(next, { type: "removeTurn", id: "t-2" }).turns).toHaveLength(1);
  });

  it("declares variables as required strings with no default, then patches and removes them", () => {
    const state = start();
    const added = apply(state, {
      type: "addVariables",
      variables: [
        { id: "v-1", name: "lang" },
        { id: "v-2", name: "" },
      ],
    });
    expect(added.variables.slice(-2)).toEqual([
      {
        id: "v-1",
        name: "lang",
        type: "string",
        required: true,
        hasDefault: false,
        defaultText: "",
        description: "",
        valuesText: "",
        position: 0,
        historyCache: "off",
      },
      {
        id: "v-2",
        name: "",
        type: "string",
        required: true,
        hasDefault: false,
        defaultText: "",
        description: "",
        valuesText: "",
        position: 0,
        historyCache: "off",
      },
    ]);
    const patched = apply(added, { type: "patchVariable", id: "v-1", patch: { type: "enum", valuesText: "en, fr" } });
    expect(toContent(patched).content.variables.lang).toEqual({ type: "enum", required: true, values: ["en", "fr"] });
    expect(apply(patched, { type: "removeVariable", id: "v-1" }).variables.map((v) => v.id)).not.toContain("v-1");
  });

  it("switching to JSON output starts from an empty object schema, and keeps one already written", () => {
    const state = start();
    expect(state.outputFormat).toBe("text");
    const json = apply(state, { type: "setOutputFormat", format: "json" });
    expect(json.schemaText).toBe(STARTER_JSON_SCHEMA);
    expect(toContent(json).content.outputSchema).toEqual({ format: "json", schema: { type: "object", properties: {}, required: [] } });
    const written = apply(
      json,
      { type: "set", patch: { schemaText: '{"type":"string"}' } },
      { type: "setOutputFormat", format: "text" },
      { type: "setOutputFormat", format: "json" },
    );
    expect(written.schemaText).toBe('{"type":"string"}');
    expect(apply(json, { type: "setOutputFormat", format: "text" }).schemaText).toBe(STARTER_JSON_SCHEMA);
  });

  it("sets the model config fields", () => {
    const next = apply(start(), {
      type: "set",
      patch: { model: "claude-haiku-5-5", maxTokens: "256", stopSequences: "END", effort: "low", serviceTier: "", fallbackModel: "" },
    });
    expect(toContent(next).content.modelConfig).toEqual({ model: "claude-haiku-5-5", max_tokens: 256, stop_sequences: ["END"], effort: "low" });
  });
});
