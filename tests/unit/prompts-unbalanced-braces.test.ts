import { describe, expect, it } from "vitest";
import { scanTemplate } from "@/lib/prompts/templates";
import { checkContract } from "@/lib/prompts/contract";

describe("unbalanced braces", () => {
  it("reports an unclosed {{ and a {name}} one brace short", () => {
    expect(scanTemplate("Hello {{name").unbalanced.map((u) => u.raw)).toEqual(["{{name"]);
    expect(scanTemplate("Hello {{name}!").unbalanced.map((u) => u.raw)).toEqual(["{{name}!"]);
    expect(scanTemplate("Hi {name}} there").unbalanced).toEqual([{ raw: "{name}}", start: 3 }]);
  });

  it("accepts well-formed, escaped and invalid-name spans and JSON examples", () => {
    for (const text of ["{{a}} and {{ b }}", "\\{{literal}}", "{{ not a name }}", '{"a": {"b": 1}}', "{{{a}}}"]) {
      expect(scanTemplate(text).unbalanced).toEqual([]);
    }
  });

  it("is a contract error with the block path", () => {
    const report = checkContract({
      system: [],
      messages: [{ role: "user", content: [{ type: "text", text: "Answer {{question" }] }],
      variables: {},
    });
    expect(report.errors).toEqual([expect.objectContaining({ code: "unbalanced_braces", path: "messages.0.content.0.text" })]);
    expect(report.errors[0]?.message).toContain("{{question");
  });
});
