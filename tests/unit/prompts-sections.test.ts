import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { analyzeCache } from "@/lib/prompts/cache";
import { checkContract } from "@/lib/prompts/contract";
import { renderVersion } from "@/lib/prompts/render";
import type { PromptVersionContent } from "@/lib/prompts/schemas";
import { evaluateTemplate, expandIncludes, isTruthyText, parseIncludeRef, parseTemplate, positionAt } from "@/lib/prompts/sections";
import { scanTemplate } from "@/lib/prompts/templates";

const render = (text: string, truthy: Record<string, boolean>) => {
  const parsed = parseTemplate(text);
  expect(parsed.errors).toEqual([]);
  return evaluateTemplate(
    parsed.nodes,
    (n) => truthy[n] === true,
    (t) => t,
  );
};

describe("section grammar", () => {
  it("keeps a section's text when its variable is truthy and an inverted one when it is not", () => {
    expect(render("a{{#vip}}B{{/vip}}c", { vip: true })).toBe("aBc");
    expect(render("a{{#vip}}B{{/vip}}c", { vip: false })).toBe("ac");
    expect(render("a{{^vip}}B{{/vip}}c", { vip: false })).toBe("aBc");
    expect(render("a{{^vip}}B{{/vip}}c", { vip: true })).toBe("ac");
  });

  it("nests sections, same variable included", () => {
    const text = "{{#a}}A{{#b}}B{{^c}}notC{{/c}}{{/b}}{{#a}}A2{{/a}}{{/a}}";
    expect(render(text, { a: true, b: true, c: false })).toBe("ABnotCA2");
    expect(render(text, { a: true, b: false })).toBe("AA2");
    expect(render(text, { a: false, b: true })).toBe("");
  });

  it("takes standalone tag lines out whole, so no blank line is left", () => {
    const text = "Hello.\n{{#vip}}\nYou are a VIP.\n{{/vip}}\nBye.";
    expect(render(text, { vip: true })).toBe("Hello.\nYou are a VIP.\nBye.");
    expect(render(text, { vip: false })).toBe("Hello.\nBye.");
    // Indented standalone tags and CRLF line ends too.
    expect(render("x\r\n  {{#a}}  \r\ny\r\n\t{{/a}}\r\nz", { a: false })).toBe("x\r\nz");
    // Two tags on one line are inline, not standalone.
    expect(render("x\n{{#a}}{{/a}}\ny", { a: true })).toBe("x\n\ny");
  });

  it("allows spaces inside the braces and leaves escaped tags literal", () => {
    expect(render("{{ # a }}A{{ / a }}", { a: true })).toBe("A");
    const parsed = parseTemplate("\\{{#a}} literal");
    expect(parsed.sections).toEqual([]);
    expect(parsed.errors).toEqual([]);
  });

  it("reports an unclosed section at its open tag with line and column", () => {
    const parsed = parseTemplate("one\n  {{#vip}} text");
    expect(parsed.errors).toEqual([expect.objectContaining({ code: "unclosed_section", line: 2, col: 3 })]);
    expect(parsed.errors[0]?.message).toContain("{{/vip}}");
  });

  it("reports a mismatched close naming the open section and where it is", () => {
    const parsed = parseTemplate("{{#a}}{{#b}}x{{/a}}{{/b}}");
    const mismatched = parsed.errors.find((e) => e.code === "mismatched_close");
    expect(mismatched).toMatchObject({ line: 1, col: 14 });
    expect(mismatched?.message).toContain("{{#b}} (line 1, col 7)");
  });

  it("reports a stray close and a section name that is not a variable name", () => {
    expect(parseTemplate("x {{/a}}").errors).toEqual([expect.objectContaining({ code: "unexpected_close", line: 1, col: 3 })]);
    expect(parseTemplate("{{#not a name}}x{{/not a name}}").errors.map((e) => e.code)).toEqual(["invalid_section_name", "invalid_section_name"]);
  });

  it("parses includes and refuses malformed ones", () => {
    expect(parseIncludeRef("policy@production")).toEqual({ name: "policy", selector: { label: "production" }, key: "policy@production" });
    expect(parseIncludeRef("shared/policy@1.2.0")).toEqual({ name: "shared/policy", selector: { version: "1.2.0" }, key: "shared/policy@1.2.0" });
    expect(parseIncludeRef("policy")).toBeNull();
    expect(parseIncludeRef("Policy@x")).toBeNull();
    expect(parseIncludeRef("policy@Prod!")).toBeNull();
    const parsed = parseTemplate("a {{> policy@production}} b {{> nope}}");
    expect(parsed.includes.map((i) => i.ref.key)).toEqual(["policy@production"]);
    expect(parsed.errors).toEqual([expect.objectContaining({ code: "invalid_include", col: 29 })]);
  });

  it("expands includes, leaving escaped ones and reporting missing pins", () => {
    const out = expandIncludes("A {{> p@production}} \\{{> p@production}} {{> q@1.0.0}}", (ref) => (ref.key === "p@production" ? "POLICY" : undefined));
    expect(out.text).toBe("A POLICY \\{{> p@production}} {{> q@1.0.0}}");
    expect(out.missing).toEqual(["q@1.0.0"]);
  });

  it("defines truthiness on the resolved text", () => {
    for (const falsy of [undefined, "", "false", "0", "null", "[]", "{}", '""']) expect(isTruthyText(falsy)).toBe(false);
    for (const truthy of ["x", "true", "1", "-2", '{"a":1}', "[1]"]) expect(isTruthyText(truthy)).toBe(true);
  });

  it("computes positions and keeps section tags out of the placeholder scan", () => {
    expect(positionAt("ab\ncd", 4)).toEqual({ line: 2, col: 2 });
    const scan = scanTemplate("{{#a}}{{b}}{{/a}}{{> s@production}}");
    expect(scan.placeholders.map((p) => p.name)).toEqual(["b"]);
    expect(scan.invalid).toEqual([]);
  });
});

const base = (text: string, variables: PromptVersionContent["variables"]): PromptVersionContent => ({
  system: [{ type: "text", role: "instructions", text: "You help." }],
  messages: [{ role: "user", content: [{ type: "text", text }] }],
  variables,
  modelConfig: { model: "claude-sonnet-5-5", max_tokens: 100 },
  outputSchema: { format: "text" },
  policy: {},
});

describe("sections in render, contract and cache", () => {
  const content = base("{{question}}\n{{#account}}\nAccount: {{account}}\n{{/account}}\n{{^vip}}\nStandard tier.\n{{/vip}}", {
    question: { type: "string", required: true },
    account: { type: "string", required: false },
    vip: { type: "boolean", required: false, default: false },
  });

  it("renders sections from typed values: unset optional, defaults, booleans", () => {
    expect(renderVersion(content, { question: "Hi" }).messages[0]?.content.map((b) => ("text" in b ? b.text : ""))[0]).toBe("Hi\nStandard tier.\n");
    expect(renderVersion(content, { question: "Hi", account: "ACME", vip: true }).messages[0]?.content.map((b) => ("text" in b ? b.text : ""))[0]).toBe(
      "Hi\nAccount: ACME\n",
    );
    // The editor preview's strings: "false" is false.
    expect(
      renderVersion(content, { question: "Hi", vip: "false" }, { coerceStrings: true }).messages[0]?.content.map((b) => ("text" in b ? b.text : ""))[0],
    ).toContain("Standard tier.");
  });

  it("refuses to render a template with a grammar error, with the path and position", () => {
    const broken = base("{{#vip}}x", { vip: { type: "boolean", required: false } });
    try {
      renderVersion(broken, {});
      throw new Error("expected a throw");
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).issues).toEqual([{ path: "messages.0.content.0.text", message: expect.stringContaining("line 1, col 1") }]);
    }
  });

  it("type-checks sections against the contract: unknown variable, unclosed, mismatched", () => {
    const report = checkContract(base("{{#known}}a{{/known}}\n{{#ghost}}b{{/ghost}}\n{{#known}}c", { known: { type: "boolean", required: false } }));
    expect(report.used).toEqual(["known", "ghost"]);
    expect(report.errors).toEqual([
      expect.objectContaining({ code: "template_syntax", path: "messages.0.content.0.text", message: expect.stringMatching(/^line 3, col 1: .*never closed/) }),
      expect.objectContaining({ code: "undeclared_variable", variable: "ghost", message: expect.stringContaining("line 2, col 1") }),
    ]);
    // A declared variable used only by a section is not "unused".
    expect(report.warnings).toEqual([]);
  });

  it("refuses a cache breakpoint whose prefix holds a section, naming block, line and column", () => {
    const cached: PromptVersionContent = {
      ...base("{{q}}", { q: { type: "string", required: true }, vip: { type: "boolean", required: false } }),
      system: [
        { type: "text", role: "instructions", text: "Rules.\n{{#vip}}VIP rules.{{/vip}}" },
        { type: "text", role: "reference", text: "Long policy.", cache_control: { type: "ephemeral" } },
      ],
    };
    const issue = analyzeCache(cached).issues.find((i) => i.code === "section_in_cached_prefix");
    expect(issue).toMatchObject({ severity: "error", location: "system.1" });
    expect(issue?.message).toContain("System block 1, line 2, col 1");
    // After the breakpoint it is fine.
    const after = { ...cached, system: [cached.system[1]!, cached.system[0]!] };
    expect(analyzeCache(after).issues.some((i) => i.code === "section_in_cached_prefix")).toBe(false);
  });
});
