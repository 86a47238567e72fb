import { describe, expect, it } from "vitest";
import { diffHistories, diffTools, diffVersions } from "@/lib/prompts/diff";
import { supportAgentToolsContent as agent } from "@/lib/prompts/fixtures/support-agent-tools";
import type { PromptVersionContent } from "@/lib/prompts/schemas";
import type { ToolDef } from "@/lib/prompts/tools";
import { proposeBump } from "@/lib/prompts/versioning";

const tools = agent.modelConfig.tools!;
const [lookup, refund] = tools as [ToolDef, ToolDef];
const withConfig = (patch: Partial<PromptVersionContent["modelConfig"]>): PromptVersionContent => ({
  ...agent,
  modelConfig: { ...agent.modelConfig, ...patch },
});

describe("diffTools", () => {
  it("finds nothing between equal tool sets", () => {
    const d = diffTools(agent.modelConfig, agent.modelConfig);
    expect(d).toMatchObject({ changed: false, changes: [], reasons: [], toolChoice: { changed: false } });
    expect(diffVersions(agent, agent).identical).toBe(true);
  });

  it("shows a removed tool and a narrowed schema as major, with the schema's line diff, and an added tool as minor", () => {
    const narrowed: ToolDef = {
      ...refund,
      input_schema: {
        ...refund.input_schema,
        properties: { ...(refund.input_schema.properties as object), note: { type: "string" } },
        required: ["order_id", "amount_cents", "reason", "note"],
      },
    };
    const cancel: ToolDef = {
      name: "cancel_order",
      description: "Cancel an order not yet shipped.",
      input_schema: { type: "object", properties: { order_id: { type: "string" } } },
    };
    const next = withConfig({ tools: [narrowed, cancel] });
    const d = diffTools(agent.modelConfig, next.modelConfig);
    expect(d.changed).toBe(true);
    expect(d.changes.map((c) => [c.name, c.type])).toEqual([
      ["issue_refund", "changed"],
      ["cancel_order", "added"],
      ["lookup_order", "removed"],
    ]);
    const changed = d.changes[0]!;
    expect(changed.fields).toEqual(["input_schema", "position"]);
    expect(changed.reasons).toEqual([{ bump: "major", message: 'tool "issue_refund" input_schema narrowed: $.note added as required' }]);
    expect(
      changed.schemaLines
        .filter((l) => l.type === "added")
        .map((l) => l.value)
        .join(""),
    ).toContain('"note"');
    expect(d.changes[1]!.reasons).toEqual([{ bump: "minor", message: 'tool "cancel_order" added' }]);
    expect(d.changes[2]!.reasons).toEqual([{ bump: "major", message: 'tool "lookup_order" removed' }]);
    // The page's summary bump is the same rules: major.
    expect(proposeBump(agent, next).bump).toBe("major");
  });

  it("reports a description change, a moved breakpoint and a reorder with their levels, and a tool_choice change", () => {
    const { cache_control: _moved, ...refundPlain } = refund;
    const next = withConfig({
      tools: [refundPlain, { ...lookup, description: "Look an order up by number.", cache_control: { type: "ephemeral" } }],
      tool_choice: { type: "any" },
    });
    const d = diffTools(agent.modelConfig, next.modelConfig);
    const lookupChange = d.changes.find((c) => c.name === "lookup_order")!;
    expect(lookupChange.fields).toEqual(["description", "cache_control", "position"]);
    expect(lookupChange.reasons.map((r) => r.bump)).toEqual(["minor", "patch"]);
    expect(lookupChange.before?.description).toBe(lookup.description);
    expect(lookupChange.after?.description).toBe("Look an order up by number.");
    expect(d.reasons).toEqual([{ bump: "patch", message: "tools reordered" }]);
    expect(d.order).toEqual({ before: ["lookup_order", "issue_refund"], after: ["issue_refund", "lookup_order"] });
    expect(d.toolChoice).toEqual({
      changed: true,
      before: { type: "auto" },
      after: { type: "any" },
      reasons: [{ bump: "major", message: "tool_choice changed auto -> any" }],
    });
  });

  it("keeps tools out of the model config's fields", () => {
    const d = diffVersions(agent, withConfig({ tools: [lookup], max_tokens: 2048 }));
    expect(d.modelConfig.fields.map((f) => f.field)).toEqual(["max_tokens"]);
    expect(d.tools.changes.map((c) => c.name)).toEqual(["issue_refund"]);
  });
});

describe("diffHistories", () => {
  const history = agent.variables.history as Extract<NonNullable<PromptVersionContent["variables"][string]>, { type: "messages" }>;
  const twoTurns: PromptVersionContent = {
    ...agent,
    messages: [
      { role: "user", content: [{ type: "text", text: "Context: Acme support." }] },
      { role: "assistant", content: [{ type: "text", text: "Understood." }] },
      { role: "user", content: [{ type: "text", text: "{{question}}" }] },
    ],
  };

  it("shows a history moved among the turns as minor and its breakpoint as patch, with the same reasons as the bump", () => {
    const moved: PromptVersionContent = {
      ...twoTurns,
      variables: { ...agent.variables, history: { ...history, position: 2, cache_control: { type: "ephemeral", ttl: "1h" } } },
    };
    const d = diffHistories(twoTurns.variables, moved.variables);
    expect(d.changes).toEqual([
      {
        name: "history",
        type: "moved",
        before: { position: 0, cacheControl: '{"type":"ephemeral"}', required: false },
        after: { position: 2, cacheControl: '{"ttl":"1h","type":"ephemeral"}', required: false },
        reasons: [
          { bump: "minor", message: 'chat history "history" moved from position 0 to 2' },
          { bump: "patch", message: 'chat history "history" cache breakpoint changed' },
        ],
      },
    ]);
    const bump = proposeBump(twoTurns, moved);
    expect(bump.reasons).toEqual(expect.arrayContaining(d.changes[0]!.reasons.map((r) => `${r.bump}: ${r.message}`)));
    expect(diffVersions(twoTurns, moved).histories.changed).toBe(true);
  });

  it("shows an added and a removed history with the variables contract's reasons", () => {
    const { history: _h, ...rest } = agent.variables;
    const added = diffHistories(rest, agent.variables);
    expect(added.changes).toEqual([
      {
        name: "history",
        type: "added",
        after: { position: 0, cacheControl: '{"type":"ephemeral"}', required: false },
        reasons: [{ bump: "minor", message: expect.stringContaining('"history"') }],
      },
    ]);
    const removed = diffHistories(agent.variables, rest);
    expect(removed.changes[0]).toMatchObject({ name: "history", type: "removed", reasons: [{ bump: "major" }] });
    // Other variables are not histories.
    expect(diffHistories({ q: { type: "string", required: true } }, {}).changes).toEqual([]);
  });
});
