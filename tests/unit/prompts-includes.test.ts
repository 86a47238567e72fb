import { describe, expect, it } from "vitest";
import { diffSnippets } from "@/lib/prompts/diff";
import { includeKeys, pinFor, repinText, resolveIncludes, variableClashes, type SnippetLookup, type SnippetSource } from "@/lib/prompts/includes";
import { renderVersion } from "@/lib/prompts/render";
import type { PromptVersionContent, SnippetPin } from "@/lib/prompts/schemas";
import { proposeBump } from "@/lib/prompts/versioning";
import { hashVersionContent } from "@/lib/prompts/content-hash";

const content = (text: string, variables: PromptVersionContent["variables"] = {}): PromptVersionContent => ({
  system: [{ type: "text", role: "instructions", text }],
  messages: [{ role: "user", content: [{ type: "text", text: "{{question}}" }] }],
  variables: { question: { type: "string", required: true }, ...variables },
  modelConfig: { model: "claude-sonnet-5-5", max_tokens: 100 },
  outputSchema: { format: "text" },
  policy: {},
});

const source = (name: string, version: string, blocksText: string, extra: Partial<SnippetSource> = {}): SnippetSource => ({
  name,
  version,
  versionId: `${name}-${version}`,
  blocksText,
  variables: {},
  pins: [],
  ...extra,
});

/** A lookup over a fixed table: `name@ref` -> source. */
const table =
  (entries: Record<string, SnippetSource>): SnippetLookup =>
  (ref) =>
    Promise.resolve(entries[ref.key] ? { source: entries[ref.key]! } : { problem: `snippet "${ref.name}" does not exist` });

describe("include resolution", () => {
  it("pins each include to an exact version with its text and variables", async () => {
    const policy = source("policy", "1.2.0", "Refunds within {{refund_days}} days.", {
      variables: { refund_days: { type: "number", required: false, default: 30 } },
    });
    const r = await resolveIncludes(content("Rules.\n{{> policy@production}}"), "support", table({ "policy@production": policy }));
    expect(r.issues).toEqual([]);
    expect(r.pins).toEqual([
      {
        key: "policy@production",
        name: "policy",
        version: "1.2.0",
        versionId: "policy-1.2.0",
        text: "Refunds within {{refund_days}} days.",
        variables: policy.variables,
      },
    ]);
  });

  it("refuses a missing snippet, label or version with the path and position", async () => {
    const r = await resolveIncludes(content("x\n  {{> ghost@production}}"), "support", table({}));
    expect(r.issues).toEqual([{ path: "system.0.text", message: 'line 2, col 3: {{> ghost@production}}: snippet "ghost" does not exist' }]);
  });

  it("refuses a direct cycle (a snippet including itself)", async () => {
    const r = await resolveIncludes(content("{{> policy@production}}"), "policy", table({}));
    expect(r.issues[0]?.message).toContain('includes "policy" itself');
  });

  it("refuses an indirect cycle through a snippet's own pins", async () => {
    // b 1.0.0 includes a; a's draft now includes b -> a -> b -> a.
    const aPin: SnippetPin = { key: "a@production", name: "a", version: "1.0.0", versionId: "a1", text: "A", variables: {} };
    const b = source("b", "1.0.0", "B {{> a@production}}", { pins: [aPin] });
    const r = await resolveIncludes(content("{{> b@production}}"), "a", table({ "b@production": b }));
    expect(r.issues).toEqual([{ path: "system.0.text", message: expect.stringContaining("cycle a → b → … → a") }]);
    // Deeper: c includes b which includes a.
    const bPin = pinFor("b@production", b);
    expect(bPin.includes).toEqual(["a"]);
    const c = source("c", "1.0.0", "{{> b@production}}", { pins: [bPin] });
    expect(pinFor("c@1.0.0", c).includes).toEqual(["b", "a"]);
    const deep = await resolveIncludes(content("{{> c@1.0.0}}"), "a", table({ "c@1.0.0": c }));
    expect(deep.issues[0]?.message).toContain("cycle");
  });

  it("expands a snippet's own includes from its stored pins", () => {
    const inner: SnippetPin = { key: "tone@1.0.0", name: "tone", version: "1.0.0", versionId: "t1", text: "Be kind.", variables: {} };
    const pin = pinFor("policy@production", source("policy", "2.0.0", "Policy. {{> tone@1.0.0}}", { pins: [inner] }));
    expect(pin.text).toBe("Policy. Be kind.");
  });

  it("refuses a variable typed differently by the prompt and a snippet", () => {
    const pins: SnippetPin[] = [
      { key: "p@1.0.0", name: "p", version: "1.0.0", versionId: "p1", text: "", variables: { question: { type: "number", required: true } } },
    ];
    expect(variableClashes(content("x").variables, pins)).toEqual([
      { path: "variables.question", message: expect.stringContaining('"question" is a number in snippet "p" 1.0.0 but a string') },
    ]);
  });

  it("lists include keys and re-pins exact versions only", () => {
    expect(includeKeys(content("{{> a@production}} {{> b@1.0.0}} {{> a@production}}"))).toEqual(["a@production", "b@1.0.0"]);
    expect(repinText("{{> a@1.0.0}} {{> a@production}} {{>a@1.1.0}} {{> ab@1.0.0}} \\{{> a@1.0.0}}", "a", "2.0.0")).toEqual({
      text: "{{> a@2.0.0}} {{> a@production}} {{>a@2.0.0}} {{> ab@1.0.0}} \\{{> a@1.0.0}}",
      changed: 2,
    });
  });
});

describe("pinned versions", () => {
  const pin = (version: string, text: string, variables: SnippetPin["variables"] = {}): SnippetPin => ({
    key: "policy@production",
    name: "policy",
    version,
    versionId: `policy-${version}`,
    text,
    variables,
  });
  const v = (p: SnippetPin) => ({
    ...content("Rules.\n{{> policy@production}}\n{{#vip}}VIP.{{/vip}}", { vip: { type: "boolean", required: false } }),
    snippets: [p],
  });

  it("renders the pinned text, with the snippet's variables joining the contract", () => {
    const version = v(pin("1.0.0", "Refunds in {{days}} days.", { days: { type: "number", required: true } }));
    const out = renderVersion(version, { question: "Q", days: 14, vip: true });
    expect(out.system?.[0]?.text).toBe("Rules.\nRefunds in 14 days.\nVIP.");
    expect(() => renderVersion(version, { question: "Q" })).toThrow(/missing required variable "days"/);
  });

  it("refuses to render an include without a pin (a draft) with the path", () => {
    expect(() => renderVersion(content("{{> policy@production}}"), { question: "Q" })).toThrow(/not pinned/);
  });

  it("changes the hash, the diff and the bump when the pin moves", () => {
    const a = v(pin("1.0.0", "Old policy."));
    const b = v(pin("1.1.0", "New policy."));
    const same = v(pin("1.0.1", "Old policy."));
    expect(hashVersionContent(a)).not.toBe(hashVersionContent(b));
    expect(hashVersionContent({ ...a, snippets: [] })).toBe(
      hashVersionContent(content("Rules.\n{{> policy@production}}\n{{#vip}}VIP.{{/vip}}", { vip: { type: "boolean", required: false } })),
    );
    const d = diffSnippets(a.snippets, b.snippets);
    expect(d.changes).toEqual([
      expect.objectContaining({
        name: "policy",
        type: "changed",
        before: { key: "policy@production", version: "1.0.0" },
        after: { key: "policy@production", version: "1.1.0" },
      }),
    ]);
    expect(d.changes[0]?.lines.map((l) => l.type)).toEqual(["removed", "added"]);
    expect(proposeBump(a, b).bump).toBe("minor");
    expect(proposeBump(a, same).bump).toBe("patch");
    // A snippet that now needs a variable breaks callers: major.
    expect(proposeBump(a, v(pin("2.0.0", "{{region}}", { region: { type: "string", required: true } }))).bump).toBe("major");
  });
});
