import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { supportAssistantContent as base } from "@/lib/prompts/fixtures/support-assistant";
import type { PromptVersionContent } from "@/lib/prompts/schemas";
import { compareJsonSchemas, exactVersionSchema, nextVersion, parseVersion, proposeBump, validateRequestedVersion } from "@/lib/prompts/versioning";

const withPersona = (text: string): PromptVersionContent => ({
  ...base,
  system: base.system.map((b, i) => (i === 0 ? { ...b, text } : b)),
});
const persona = base.system[0]!.text;
const vars = (variables: PromptVersionContent["variables"]): PromptVersionContent => ({ ...base, variables });
const json = (schema: Record<string, unknown>): PromptVersionContent => ({ ...base, outputSchema: { format: "json", schema } });
const answerSchema = {
  type: "object",
  properties: { answer: { type: "string" }, confidence: { type: "number" } },
  required: ["answer"],
};

describe("proposeBump", () => {
  it("identical content is a patch", () => {
    expect(proposeBump(base, structuredClone(base))).toEqual({ bump: "patch", reasons: ["patch: no content change"] });
  });

  it("whitespace-only and typo-level edits are patches", () => {
    expect(proposeBump(base, withPersona(persona.replace(". ", ".\n\n  "))).bump).toBe("patch");
    const typo = proposeBump(withPersona(persona.replace("precise", "percise")), base);
    expect(typo.bump).toBe("patch");
    expect(typo.reasons[0]).toMatch(/^patch: small text edit \(\d+ characters edited, threshold 10\)/);
  });

  it("substantive text changes are minor", () => {
    const p = proposeBump(base, withPersona(`${persona} Always offer store credit before a refund.`));
    expect(p.bump).toBe("minor");
    expect(p.reasons).toEqual([expect.stringMatching(/^minor: instructions or message text changed/)]);
    expect(proposeBump(base, { ...base, system: base.system.slice(0, 2) }).bump).toBe("minor");
    // Short insertions that add a word are never typo-level.
    expect(proposeBump(withPersona("Do refund."), withPersona("Do not refund.")).bump).toBe("minor");
  });

  it("patch threshold scales with length: 3 edits on a short text are minor", () => {
    const short = (text: string): PromptVersionContent => ({ ...base, system: [{ type: "text", text, role: "instructions" }], messages: base.messages });
    expect(proposeBump(short("Answer briefly."), short("Answer briefyl.")).bump).toBe("patch");
    expect(proposeBump(short("Answer briefly."), short("Answer quickly.")).bump).toBe("minor");
  });

  it("cache_control and block role changes are patches", () => {
    const moved = { ...base, system: base.system.map((b) => ({ ...b, role: "other" as const })) };
    expect(proposeBump(base, moved).bump).toBe("patch");
    const uncached = { ...base, system: base.system.map((b) => ({ type: b.type, text: b.text, role: b.role })) };
    expect(proposeBump(base, uncached)).toMatchObject({ bump: "patch" });
  });

  it("incompatible variable contract changes are major", () => {
    const q = base.variables;
    const cases: Array<[PromptVersionContent["variables"], RegExp]> = [
      [{ account_context: q.account_context!, tone: q.tone! }, /variable "question" removed/],
      [{ ...q, account_context: { type: "json", required: false } }, /"account_context" changed type string -> json/],
      [{ ...q, account_context: { type: "string", required: true } }, /"account_context" became required/],
      [{ ...q, locale: { type: "string", required: true } }, /new required variable "locale" without a default/],
      [{ ...q, tone: { type: "enum", required: false, values: ["friendly"], default: "friendly" } }, /enum values removed: formal/],
    ];
    for (const [variables, reason] of cases) {
      const p = proposeBump(base, vars(variables));
      expect(p.bump).toBe("major");
      expect(p.reasons.join("\n")).toMatch(reason);
    }
  });

  it("compatible variable changes are minor or patch", () => {
    const q = base.variables;
    expect(proposeBump(base, vars({ ...q, locale: { type: "string", required: true, default: "en" } })).bump).toBe("minor");
    expect(proposeBump(base, vars({ ...q, locale: { type: "string", required: false } })).bump).toBe("minor");
    expect(proposeBump(base, vars({ ...q, tone: { type: "enum", required: false, values: ["friendly", "formal", "terse"], default: "friendly" } })).bump).toBe(
      "minor",
    );
    expect(proposeBump(base, vars({ ...q, question: { type: "string", required: false } })).bump).toBe("minor");
    expect(proposeBump(base, vars({ ...q, question: { type: "string", required: true, description: "Customer message" } })).bump).toBe("patch");
  });

  it("output schema: format change and incompatible schema edits are major", () => {
    expect(proposeBump(base, json(answerSchema)).reasons[0]).toBe("major: output format changed text -> json");
    const major = (schema: Record<string, unknown>) => proposeBump(json(answerSchema), json(schema));
    expect(major({ ...answerSchema, required: ["answer", "confidence"] }).reasons.join()).toMatch(/confidence became required/);
    expect(major({ ...answerSchema, properties: { answer: { type: "string" } } }).reasons.join()).toMatch(/\$\.confidence removed/);
    expect(major({ ...answerSchema, properties: { ...answerSchema.properties, answer: { type: "array" } } }).bump).toBe("major");
    expect(
      major({ ...answerSchema, properties: { ...answerSchema.properties, source: { type: "string" } }, required: ["answer", "source"] }).reasons.join(),
    ).toMatch(/source added as required/);
    expect(major({ ...answerSchema, additionalProperties: false }).reasons.join()).toMatch(/not analysed; assumed breaking/);
  });

  it("output schema: optional additions and annotations are minor", () => {
    const p = proposeBump(
      json(answerSchema),
      json({ ...answerSchema, description: "An answer", properties: { ...answerSchema.properties, source: { type: "string" } } }),
    );
    expect(p.bump).toBe("minor");
    expect(p.reasons).toEqual(["minor: output schema: $.source added (optional)", "minor: output schema: $ description changed"]);
  });

  it("model: family or generation change is major, same generation is minor", () => {
    const model = (m: string): PromptVersionContent => ({ ...base, modelConfig: { ...base.modelConfig, model: m } });
    expect(proposeBump(base, model("claude-opus-5-5")).bump).toBe("major");
    expect(proposeBump(base, model("claude-sonnet-5")).bump).toBe("major");
    expect(proposeBump(model("claude-sonnet-4-5"), model("claude-sonnet-4-5-20250929")).bump).toBe("patch");
    expect(proposeBump(base, { ...base, modelConfig: { ...base.modelConfig, max_tokens: 2048 } }).bump).toBe("minor");
    expect(proposeBump(base, { ...base, policy: { ...base.policy, max_retries: 1 } }).reasons).toEqual(["minor: policy max_retries changed"]);
  });

  it("orders reasons most severe first", () => {
    const p = proposeBump(base, {
      ...withPersona(`${persona} More.`),
      variables: {
        question: base.variables.question!,
        account_context: base.variables.account_context!,
        tone: base.variables.tone!,
        x: { type: "string", required: true },
      },
    });
    expect(p.bump).toBe("major");
    expect(p.reasons[0]).toMatch(/^major:/);
    expect(p.reasons.at(-1)).toMatch(/^minor:/);
  });
});

describe("compareJsonSchemas", () => {
  it("walks nested objects and array items", () => {
    const a = { type: "object", properties: { items: { type: "array", items: { type: "object", properties: { id: { type: "string" } } } } } };
    const b = { type: "object", properties: { items: { type: "array", items: { type: "object", properties: { id: { type: "integer" } } } } } };
    expect(compareJsonSchemas(a, b).breaking).toEqual(["$.items[].id type changed string -> integer"]);
    expect(compareJsonSchemas(a, structuredClone(a))).toEqual({ breaking: [], compatible: [] });
  });
});

describe("versions", () => {
  it("nextVersion bumps with semver and starts at 1.0.0", () => {
    expect(nextVersion("1.2.3", "patch")).toBe("1.2.4");
    expect(nextVersion("1.2.3", "minor")).toBe("1.3.0");
    expect(nextVersion("1.2.3", "major")).toBe("2.0.0");
    expect(nextVersion(null, "minor")).toBe("1.0.0");
    expect(() => nextVersion("1.2", "patch")).toThrow(AppError);
  });

  it("parseVersion accepts only plain versions", () => {
    expect(parseVersion("10.0.7")).toEqual({ major: 10, minor: 0, patch: 7 });
    for (const bad of ["1.2", "v1.2.3", "1.2.3-beta.1", "1.2.3+build", "01.2.3", " 1.2.3"]) expect(() => parseVersion(bad)).toThrow(AppError);
  });

  it("exactVersionSchema reports a malformed version once, and an out-of-range one by its range (issue 18, defect 10)", () => {
    for (const bad of ["banana", "1.2", "v1.2.3", "1.2.3-beta.1"]) {
      expect(exactVersionSchema.safeParse(bad).error?.issues.map((i) => i.message)).toEqual(["must be an exact version such as 1.2.0"]);
    }
    expect(exactVersionSchema.safeParse("2147483648.0.0").error?.issues.map((i) => i.message)).toEqual(["version numbers are at most 2147483647 each"]);
    expect(exactVersionSchema.safeParse("1.2.3").success).toBe(true);
  });

  it("validateRequestedVersion: may raise, never lower, must beat published", () => {
    expect(validateRequestedVersion("1.3.0", "1.3.0", ["1.2.0"])).toBe("1.3.0");
    expect(validateRequestedVersion("1.3.0", "2.0.0", ["1.2.0"])).toBe("2.0.0");
    const lower = (() => {
      try {
        validateRequestedVersion("1.3.0", "1.2.9", ["1.2.0"]);
      } catch (e) {
        return e as AppError;
      }
      return null;
    })();
    expect(lower?.code).toBe("unprocessable");
    expect(lower?.message).toMatch(/never lower/);
    try {
      validateRequestedVersion("1.0.0", "1.2.0", ["1.2.0"]);
      expect.unreachable();
    } catch (e) {
      expect((e as AppError).code).toBe("conflict");
    }
    expect(() => validateRequestedVersion("1.0.0", "1.1.0", ["1.2.0"])).toThrow(/greater than the latest published 1.2.0/);
    expect(() => validateRequestedVersion("1.0.0", "2.0.0-rc.1")).toThrow(AppError);
  });
});
