import { describe, expect, it } from "vitest";
import {
  checkCallsAgainstContract,
  describeContractBreak,
  diffVariableContracts,
  recordedVariables,
  type LabelMoveContractCheck,
} from "@/lib/prompts/contract-diff";
import type { VariableDef } from "@/lib/prompts/schemas";

const v100: Record<string, VariableDef> = {
  question: { type: "string", required: true },
  tone: { type: "enum", required: false, values: ["formal", "casual"], default: "formal" },
};
// 1.1.0 added an optional `language` (the rollback case).
const v110: Record<string, VariableDef> = { ...v100, language: { type: "string", required: false } };

describe("diffVariableContracts", () => {
  it("a rollback across an added optional variable removes it: breaking for callers that send it", () => {
    const changes = diffVariableContracts(v110, v100);
    expect(changes).toEqual([{ variable: "language", kind: "removed", bump: "major", breaking: true, message: 'variable "language" removed' }]);
  });

  it("the forward move adds an optional variable: compatible", () => {
    const changes = diffVariableContracts(v100, v110);
    expect(changes.map((c) => [c.variable, c.kind, c.breaking])).toEqual([["language", "added", false]]);
  });

  it("type changes, newly required variables and removed enum values are breaking; added enum values and description are not", () => {
    const to: Record<string, VariableDef> = {
      question: { type: "json", required: true },
      tone: { type: "enum", required: true, values: ["casual", "pirate"] },
      user_id: { type: "string", required: true },
    };
    const from: Record<string, VariableDef> = { ...v100, tone: { ...v100.tone!, description: "how to sound" } as VariableDef };
    const changes = diffVariableContracts(from, to);
    const byKind = changes.map((c) => `${c.variable}:${c.kind}:${c.breaking ? "breaking" : "ok"}`);
    expect(byKind).toEqual([
      "question:type_changed:breaking",
      "tone:became_required:breaking",
      "tone:enum_values_removed:breaking",
      "tone:enum_values_added:ok",
      "tone:default_changed:ok",
      "tone:description_changed:ok",
      "user_id:added:breaking",
    ]);
  });

  it("a required variable that gets a default no longer has to be sent (compatible)", () => {
    const changes = diffVariableContracts(v100, { ...v100, question: { type: "string", required: true, default: "hi" } });
    expect(changes.map((c) => [c.kind, c.breaking])).toEqual([
      ["no_longer_required", false],
      ["default_changed", false],
    ]);
  });
});

describe("checkCallsAgainstContract", () => {
  it("counts the calls the target would refuse, per variable, and the ones without recorded variables", () => {
    const calls = [{ question: "a", language: "fr" }, { question: "b" }, { question: "c", language: "de", tone: "pirate" }, null, { language: "en" }];
    const result = checkCallsAgainstContract(v100, calls);
    expect(result).toEqual({
      checked: 4,
      incompatible: 3,
      unrecorded: 1,
      byVariable: [
        { variable: "language", calls: 3, example: 'unknown variable "language" (not declared by this version)' },
        { variable: "question", calls: 1, example: 'missing required variable "question"' },
        { variable: "tone", calls: 1, example: expect.stringContaining("tone") as string },
      ],
    });
  });

  it("every call fits an unchanged contract", () => {
    expect(checkCallsAgainstContract(v110, [{ question: "a", language: "fr" }, { question: "b" }]).incompatible).toBe(0);
  });
});

describe("describeContractBreak / recordedVariables", () => {
  it("names the difference, the refused recent calls and how to force", () => {
    const changes = diffVariableContracts(v110, v100);
    const check: LabelMoveContractCheck = {
      label: "production",
      from: "1.1.0",
      to: "1.0.0",
      changes,
      breaking: changes,
      recentCalls: { checked: 40, incompatible: 12, unrecorded: 0, byVariable: [], days: 7, limit: 1000 },
    };
    expect(describeContractBreak(check)).toBe(
      'Moving "production" from v1.1.0 to v1.0.0 changes the variables contract: variable "language" removed; 12 of the last 40 recorded calls (7 days) would be refused by v1.0.0. Send "force": true to move anyway',
    );
  });

  it("reads metadata.variables only when it is an object", () => {
    expect(recordedVariables({ variables: { a: 1 } })).toEqual({ a: 1 });
    expect(recordedVariables({ variables: [1] })).toBeNull();
    expect(recordedVariables({})).toBeNull();
    expect(recordedVariables(null)).toBeNull();
  });
});
