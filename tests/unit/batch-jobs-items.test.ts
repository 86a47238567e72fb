// Batch job items before anything is stored: validateItems (every problem named by path, in the
// caller's order) and encodeItemChunk (the one jsonb parameter a chunk of items is stored with).
import { describe, expect, it } from "vitest";
import { encodeItemChunk, validateItems } from "@/lib/batch-jobs/jobs";
import { SEED_MODEL_CATALOG } from "@/lib/models/catalog";
import { parseVersionContent } from "@/lib/prompts/schemas";

const content = parseVersionContent(
  {
    system: [{ type: "text", role: "instructions", text: "Answer briefly." }],
    messages: [{ role: "user", content: [{ type: "text", text: "Q: {{question}} ({{limit}})" }] }],
    variables: { question: { type: "string", required: true }, limit: { type: "number", required: false, default: 3 } },
    modelConfig: { model: "claude-haiku-4-5", max_tokens: 64 },
    outputSchema: { format: "text" },
    policy: {},
  },
  { catalog: SEED_MODEL_CATALOG },
);

const check = (items: Array<{ id?: string; variables: Record<string, unknown> }>) => validateItems(content, items, SEED_MODEL_CATALOG);

describe("validateItems", () => {
  it("keeps valid items in order, with the position as the id when none is given", () => {
    const { valid, invalid } = check([{ variables: { question: "a" } }, { id: "mine", variables: { question: "b", limit: 1e308 } }]);
    expect(invalid).toEqual([]);
    expect(valid.map((v) => [v.index, v.externalId])).toEqual([
      [0, "0"],
      [1, "mine"],
    ]);
  });

  it("names a duplicate id, a missing variable and a wrong type by path", () => {
    const { valid, invalid } = check([
      { id: "x", variables: { question: "a" } },
      { id: "x", variables: { question: "b" } },
      { id: "y", variables: {} },
      { id: "z", variables: { question: "c", limit: "many" } },
    ]);
    expect(valid.map((v) => v.externalId)).toEqual(["x"]);
    expect(invalid.map((i) => [i.id, i.index, i.issues.map((x) => x.path)])).toEqual([
      ["x", 1, ["items.1.id"]],
      ["y", 2, ["items.2.variables.question"]],
      ["z", 3, ["items.3.variables.limit"]],
    ]);
  });

  it("refuses what PostgreSQL cannot store or JSON cannot carry, even past the API's body check", () => {
    const { valid, invalid } = check([
      { id: "nul", variables: { question: "a\u0000b" } },
      { id: "surrogate", variables: { question: "cut \ud83d" } },
      { id: "deep", variables: { question: "ok", extra: { note: "x\u0000" } } },
      { id: "inf", variables: { question: "ok", limit: Number.POSITIVE_INFINITY } },
      { id: "id\u0000nul", variables: { question: "ok" } },
      { id: "fine", variables: { question: "日本語 ✓ \u{1F600}" } },
    ]);
    expect(valid.map((v) => v.externalId)).toEqual(["fine"]);
    expect(invalid.map((i) => [i.id, i.issues[0]!.path, i.issues[0]!.message])).toEqual([
      ["nul", "items.0.variables.question", "must not contain NUL characters"],
      ["surrogate", "items.1.variables.question", "is not valid Unicode text (unpaired surrogate)"],
      ["deep", "items.2.variables.extra.note", "must not contain NUL characters"],
      ["inf", "items.3.variables.limit", "must be a finite number"],
      ["id\u0000nul", "items.4.id", "must not contain NUL characters"],
    ]);
  });
});

describe("encodeItemChunk", () => {
  it("is a JSON array of [id, variables] in the given order, escapes intact", () => {
    const items = [
      { externalId: "b", variables: { question: 'quote " and \\ backslash', n: 12345678901234567890 } },
      { externalId: "a", variables: { question: "日本語 \u{1F600}", nested: { list: [1, null, true] } } },
    ];
    const text = encodeItemChunk(items);
    expect(JSON.parse(text)).toEqual(items.map((i) => [i.externalId, i.variables]));
    expect(encodeItemChunk([])).toBe("[]");
  });
});
