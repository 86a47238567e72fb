import { describe, expect, it } from "vitest";
import { diffAcknowledgements, diffText, diffVersions, wordLines } from "@/lib/prompts/diff";
import { supportAssistantContent as base } from "@/lib/prompts/fixtures/support-assistant";
import type { PromptVersionContent } from "@/lib/prompts/schemas";

describe("diffText", () => {
  it("gives line-level runs", () => {
    expect(diffText("a\nb\nc\n", "a\nB\nc\n")).toEqual([
      { type: "unchanged", value: "a\n", count: 1 },
      {
        type: "removed",
        value: "b\n",
        count: 1,
        words: [
          { type: "removed", value: "b" },
          { type: "unchanged", value: "\n" },
        ],
      },
      {
        type: "added",
        value: "B\n",
        count: 1,
        words: [
          { type: "added", value: "B" },
          { type: "unchanged", value: "\n" },
        ],
      },
      { type: "unchanged", value: "c\n", count: 1 },
    ]);
  });
});

describe("word diff within edited lines", () => {
  it("marks only the words that changed, on each side", () => {
    const [removed, added] = diffText("Answer in three short sentences.\n", "Answer in two short sentences.\n");
    expect(removed?.words?.filter((w) => w.type === "removed").map((w) => w.value)).toEqual(["three"]);
    expect(added?.words?.filter((w) => w.type === "added").map((w) => w.value)).toEqual(["two"]);
    expect(removed?.words?.map((w) => w.value).join("")).toBe(removed?.value);
    expect(added?.words?.map((w) => w.value).join("")).toBe(added?.value);
  });

  it("each side's words are exactly that side's text (words added before punctuation leave no stray space on the old side)", () => {
    const before = "You are a helpful assistant. Answer concisely.";
    const after = "You are a helpful assistant. Answer concisely and cite the refund policy when it applies.";
    const [removed, added] = diffText(before, after);
    expect(removed?.words?.map((w) => w.value).join("")).toBe(before);
    expect(added?.words?.map((w) => w.value).join("")).toBe(after);
    expect(added?.words?.filter((w) => w.type === "added").map((w) => w.value)).toEqual([" and cite the refund policy when it applies"]);
    const pairs: Array<[string, string]> = [
      ["Reply in English.", "Reply in plain English, briefly."],
      ["One two three four.", "One three four five."],
      ["Tabs\tand  double  spaces.", "Tabs and double spaces!"],
    ];
    for (const [a, b] of pairs) {
      const [r, n] = diffText(a, b);
      expect(r?.words?.map((w) => w.value).join("")).toBe(a);
      expect(n?.words?.map((w) => w.value).join("")).toBe(b);
    }
  });

  it("leaves whole added or removed lines without a word diff", () => {
    expect(diffText("a\n", "a\nb\n").every((r) => r.words === undefined)).toBe(true);
  });

  it("cuts words into display lines at newlines", () => {
    expect(
      wordLines([
        { type: "unchanged", value: "one " },
        { type: "removed", value: "two\nthree" },
        { type: "unchanged", value: " four\n" },
      ]),
    ).toEqual([
      [
        { type: "unchanged", value: "one " },
        { type: "removed", value: "two" },
      ],
      [
        { type: "removed", value: "three" },
        { type: "unchanged", value: " four" },
      ],
    ]);
  });
});

describe("diffVersions", () => {
  it("reports identical versions", () => {
    const d = diffVersions(base, structuredClone(base));
    expect(d.identical).toBe(true);
    expect(d.system.blocks.every((b) => b.type === "unchanged")).toBe(true);
  });

  it("pairs an edited system block and diffs its lines", () => {
    const next: PromptVersionContent = {
      ...base,
      system: [{ ...base.system[0]!, text: `${base.system[0]!.text}\nBe brief.` }, ...base.system.slice(1)],
    };
    const d = diffVersions(base, next);
    expect(d.identical).toBe(false);
    expect(d.messages.changed).toBe(false);
    expect(d.system.blocks.map((b) => b.type)).toEqual(["changed", "unchanged", "unchanged"]);
    const changed = d.system.blocks[0];
    expect(changed?.type === "changed" && changed.fields).toEqual(["text"]);
    expect(changed?.type === "changed" && changed.lines.filter((l) => l.type === "added").map((l) => l.value)).toEqual([`${base.system[0]!.text}\nBe brief.`]);
  });

  it("aligns inserted and removed blocks instead of shifting everything", () => {
    const inserted = { type: "text" as const, text: "New rule.", role: "instructions" as const };
    const next: PromptVersionContent = { ...base, system: [base.system[0]!, inserted, base.system[1]!] };
    const d = diffVersions(base, next);
    expect(d.system.blocks.map((b) => b.type)).toEqual(["unchanged", "added", "unchanged", "removed"]);
    const removed = d.system.blocks[3];
    expect(removed?.type === "removed" && removed.before.location).toBe("system.2");
  });

  it("reports role and cache_control changes as changed fields", () => {
    const next: PromptVersionContent = {
      ...base,
      system: base.system.map((b, i) => (i === 1 ? { ...b, role: "other" as const, cache_control: { type: "ephemeral" as const } } : b)),
    };
    const block = diffVersions(base, next).system.blocks[1];
    expect(block?.type === "changed" && block.fields).toEqual(["role", "cacheControl"]);
    expect(block?.type === "changed" && block.lines.every((l) => l.type === "unchanged")).toBe(true);
  });

  it("diffs messages, variables, model config, output and policy", () => {
    const next: PromptVersionContent = {
      ...base,
      messages: [...base.messages, { role: "assistant", content: [{ type: "text", text: "<answer>" }] }],
      variables: { question: { ...base.variables.question!, description: "Asked" }, tone: base.variables.tone!, lang: { type: "string", required: false } },
      modelConfig: { ...base.modelConfig, max_tokens: 2048, effort: undefined },
      outputSchema: { format: "json", schema: { type: "object" } },
      policy: { ...base.policy, max_retries: 2 },
    };
    const d = diffVersions(base, next);
    expect(d.messages.blocks.map((b) => b.type)).toEqual(["unchanged", "added"]);
    expect(d.variables.changes.map((c) => `${c.type}:${c.name}`)).toEqual(["removed:account_context", "added:lang", "changed:question"]);
    const q = d.variables.changes[2];
    expect(q?.type === "changed" && q.fields).toEqual([{ field: "description", before: "The customer's message", after: "Asked" }]);
    expect(d.modelConfig.fields).toEqual([
      { field: "effort", before: "medium", after: undefined },
      { field: "max_tokens", before: 1024, after: 2048 },
    ]);
    expect(d.output.fields.map((f) => f.field)).toEqual(["format", "schema"]);
    expect(d.output.lines.some((l) => l.type === "added" && l.value.includes('"type": "object"'))).toBe(true);
    expect(d.policy.fields).toEqual([{ field: "max_retries", before: 4, after: 2 }]);
  });
});

describe("diffAcknowledgements", () => {
  it("lists added, removed and kept locations", () => {
    expect(diffAcknowledgements(["system.0", "system.2"], ["system.2", "messages.0.content.0"])).toEqual({
      changed: true,
      added: ["messages.0.content.0"],
      removed: ["system.0"],
      kept: ["system.2"],
    });
    expect(diffAcknowledgements(["system.0"], ["system.0"]).changed).toBe(false);
    expect(diffAcknowledgements([], []).changed).toBe(false);
  });
});
