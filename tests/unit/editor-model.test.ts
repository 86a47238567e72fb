import { describe, expect, it } from "vitest";
import { acknowledgedLocations, fromContent, moveItem } from "@/components/editor/editor-model";
import type { PromptVersionContent } from "@/lib/prompts/schemas";

describe("moveItem", () => {
  it("moves an item forward and backward, keeping the others in order", () => {
    expect(moveItem(["a", "b", "c", "d"], 0, 2)).toEqual(["b", "c", "a", "d"]);
    expect(moveItem(["a", "b", "c", "d"], 3, 1)).toEqual(["a", "d", "b", "c"]);
    expect(moveItem(["a", "b", "c"], 1, 2)).toEqual(["a", "c", "b"]);
  });

  it("changes nothing for the same index or an index out of range, and never mutates its input", () => {
    const list = ["a", "b", "c"];
    expect(moveItem(list, 1, 1)).toEqual(list);
    expect(moveItem(list, 0, -1)).toEqual(list);
    expect(moveItem(list, 3, 0)).toEqual(list);
    expect(moveItem(list, 0, 2)).not.toBe(list);
    expect(list).toEqual(["a", "b", "c"]);
  });
});

describe("acknowledgements in the editor state", () => {
  const content: PromptVersionContent = {
    messages: [{ role: "user", content: [{ type: "text", text: "{{input}}" }] }],
    variables: { input: { type: "string", required: true }, tenant: { type: "string", required: true } },
    modelConfig: { model: "claude-sonnet-5-5", max_tokens: 256 },
    outputSchema: { format: "text" },
    policy: {},
    system: [
      { type: "text" as const, role: "instructions" as const, text: "Tenant {{tenant}}", cache_control: { type: "ephemeral" as const, ttl: "1h" as const } },
      { type: "text" as const, role: "reference" as const, text: "Policy", cache_control: { type: "ephemeral" as const } },
    ],
  };

  it("round-trips stored locations and follows a block when blocks are reordered", () => {
    const state = fromContent(content, ["system.0", "messages.0.content.0"]);
    expect(acknowledgedLocations(state)).toEqual(["system.0"]); // the message block has no breakpoint
    const moved = { ...state, system: moveItem(state.system, 0, 1) };
    expect(acknowledgedLocations(moved)).toEqual(["system.1"]);
  });

  it("drops the acknowledgement of a block whose breakpoint is switched off", () => {
    const state = fromContent(content, ["system.0", "system.1"]);
    const off = { ...state, system: state.system.map((b, i) => (i === 1 ? { ...b, cache: "off" as const } : b)) };
    expect(acknowledgedLocations(off)).toEqual(["system.0"]);
  });
});
