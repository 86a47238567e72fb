import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { checkContract, validateVersionContent } from "@/lib/prompts/contract";
import { supportAssistantContent } from "@/lib/prompts/fixtures/support-assistant";
import type { PromptVersionContent } from "@/lib/prompts/schemas";
import { extractVariables, fillTemplate, scanTemplate } from "@/lib/prompts/templates";

describe("templates", () => {
  it("extracts names with optional whitespace, in order of first use, without duplicates", () => {
    expect(extractVariables("Hi {{name}}, {{ topic }} and {{\tname\t}} {{a_1}}")).toEqual(["name", "topic", "a_1"]);
  });

  it("treats \\{{x}} as an escape and malformed spans as literal", () => {
    const scan = scanTemplate("\\{{literal}} {{ not a name }} {{}} {{1x}} {{ok}}");
    expect(scan.placeholders.map((p) => p.name)).toEqual(["ok"]);
    expect(scan.escaped.map((e) => e.raw)).toEqual(["\\{{literal}}"]);
    expect(scan.invalid.map((e) => e.raw)).toEqual(["{{ not a name }}", "{{}}", "{{1x}}"]);
  });

  it("fills placeholders verbatim and unescapes", () => {
    expect(fillTemplate("\\{{x}} = {{ x }}; {{bad name}}", { x: "{{y}}" })).toBe("{{x}} = {{y}}; {{bad name}}");
    expect(() => fillTemplate("{{missing}}", {})).toThrow(/missing/);
  });
});

function withUser(text: string, variables: PromptVersionContent["variables"]): PromptVersionContent {
  return { ...supportAssistantContent, messages: [{ role: "user", content: [{ type: "text", text }] }], variables };
}

describe("checkContract", () => {
  it("passes the fixture with no issues", () => {
    const report = checkContract(supportAssistantContent);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.used).toEqual(["account_context", "tone", "question"]);
  });

  it("reports undeclared placeholders as errors and unused variables as warnings", () => {
    const report = checkContract(
      withUser("{{question}} {{lang}} {{ not valid }}", { question: { type: "string", required: true }, extra: { type: "number", required: false } }),
    );
    expect(report.errors).toEqual([expect.objectContaining({ code: "undeclared_variable", variable: "lang", path: "messages.0.content.0.text" })]);
    expect(report.warnings.map((w) => [w.code, w.path])).toEqual([
      ["invalid_placeholder", "messages.0.content.0.text"],
      ["unused_variable", "variables.extra"],
    ]);
  });

  it("reports defaults that do not match their type (content built without zod)", () => {
    const bad = withUser("{{n}} {{e}}", {
      n: { type: "number", required: false, default: "3" as unknown as number },
      e: { type: "enum", required: false, values: [], default: "x" },
    });
    const codes = checkContract(bad).errors.map((e) => `${e.code}:${e.variable}`);
    expect(codes).toEqual(["invalid_default:n", "invalid_default:e", "empty_enum:e"]);
  });

  it("validateVersionContent throws contract errors as unprocessable issues, returns warnings", () => {
    expect(() => validateVersionContent(withUser("{{nope}}", {}))).toThrow(AppError);
    try {
      validateVersionContent(withUser("{{nope}}", {}));
    } catch (error) {
      expect((error as AppError).code).toBe("unprocessable");
      expect((error as AppError).issues).toEqual([{ path: "messages.0.content.0.text", message: "{{nope}} is used but not declared in variables" }]);
    }
    const ok = validateVersionContent(withUser("{{q}}", { q: { type: "string", required: true }, unused: { type: "string", required: false } }));
    expect(ok.warnings.map((w) => w.variable)).toEqual(["unused"]);
  });
});

describe("output schema against the JSON Schema meta-schema (issue 18, defect 1)", () => {
  const withSchema = (schema: Record<string, unknown>): PromptVersionContent => ({ ...supportAssistantContent, outputSchema: { format: "json", schema } });

  it("reports each problem of an invalid schema once, naming the keyword, the allowed values and the value given", () => {
    const report = checkContract(withSchema({ type: "banana", required: "a" }));
    expect(report.errors.map((e) => [e.code, e.path, e.message])).toEqual([
      ["invalid_output_schema", "outputSchema.schema.required", 'the output schema is not a valid JSON Schema: "required" must be array (got "a")'],
      [
        "invalid_output_schema",
        "outputSchema.schema.type",
        'the output schema is not a valid JSON Schema: "type" must be one of "array", "boolean", "integer", "null", "number", "object", "string" (got "banana")',
      ],
    ]);
  });

  it("finds problems in nested schemas and references that do not resolve", () => {
    const nested = checkContract(withSchema({ type: "object", properties: { a: { type: "strin" } } }));
    expect(nested.errors.map((e) => e.path)).toEqual(["outputSchema.schema.properties.a.type"]);
    const ref = checkContract(withSchema({ $ref: "#/definitions/missing" }));
    expect(ref.errors.map((e) => e.message)).toEqual([expect.stringContaining("can't resolve reference #/definitions/missing")]);
  });

  it("accepts valid schemas (also compiled repeatedly) and text output", () => {
    const schema = { $id: "https://example.com/answer", type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    expect(checkContract(withSchema(schema)).errors).toEqual([]);
    expect(checkContract(withSchema(schema)).errors).toEqual([]);
    expect(checkContract(supportAssistantContent).errors).toEqual([]);
  });

  it("refuses such content in validateVersionContent with a message naming the schema", () => {
    try {
      validateVersionContent(withSchema({ type: "banana" }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).message).toBe("The output schema is not a valid JSON Schema");
      expect((error as AppError).issues?.map((i) => i.path)).toEqual(["outputSchema.schema.type"]);
    }
  });
});
