// Release rules and the evidence of a release request (issue 16, approvals): who may decide, the
// settings parser, and the evidence built from two versions' content.
import { describe, expect, it } from "vitest";
import { SEED_MODEL_CATALOG } from "@/lib/models/catalog";
import { buildReleaseEvidence, DEFAULT_OUTPUT_TOKENS, PREVIEW_HIT_RATE, toEvalEvidence } from "@/lib/prompts/release-evidence";
import {
  describeReleaseRule,
  mayDecideRelease,
  releaseRuleFor,
  releaseRulesFromSettings,
  releaseRulesSchema,
  type ReleaseRule,
} from "@/lib/prompts/release-rules";
import type { PromptVersionContent } from "@/lib/prompts/schemas";

const adminsOnly: ReleaseRule = { label: "production", fourEyes: true, editorsMayApprove: false };
const editorsNoFourEyes: ReleaseRule = { label: "staging", fourEyes: false, editorsMayApprove: true };
const parties = (role: "ADMIN" | "EDITOR" | "VIEWER", label: string, requestedByLabel = "user:requester") => ({ actor: { role, label }, requestedByLabel });

describe("mayDecideRelease", () => {
  it("four eyes: the requester may not approve, even as an admin; another admin may", () => {
    expect(mayDecideRelease(adminsOnly, parties("ADMIN", "user:requester"), "approve")).toMatchObject({
      allowed: false,
      message: expect.stringMatching(/Four eyes/),
    });
    expect(mayDecideRelease(adminsOnly, parties("ADMIN", "user:other"), "approve")).toEqual({ allowed: true });
  });

  it("without four eyes the requester approves their own request", () => {
    expect(mayDecideRelease({ ...adminsOnly, fourEyes: false }, parties("ADMIN", "user:requester"), "approve")).toEqual({ allowed: true });
  });

  it("editors approve only where the rule allows; viewers never", () => {
    expect(mayDecideRelease(adminsOnly, parties("EDITOR", "user:other"), "approve")).toMatchObject({
      allowed: false,
      message: "Only admins can approve release requests for this label",
    });
    expect(mayDecideRelease(editorsNoFourEyes, parties("EDITOR", "user:other"), "approve")).toEqual({ allowed: true });
    expect(mayDecideRelease(editorsNoFourEyes, parties("VIEWER", "user:other"), "approve")).toMatchObject({ allowed: false });
    expect(mayDecideRelease(editorsNoFourEyes, parties("VIEWER", "user:requester"), "reject")).toMatchObject({ allowed: false });
  });

  it("the requester may withdraw (reject) their own request under four eyes; other editors may not reject an admins-only request", () => {
    expect(mayDecideRelease(adminsOnly, parties("EDITOR", "user:requester"), "reject")).toEqual({ allowed: true });
    expect(mayDecideRelease(adminsOnly, parties("EDITOR", "user:other"), "reject")).toMatchObject({ allowed: false });
  });

  it("a request whose rule was removed is decided by admins, with four eyes kept", () => {
    expect(mayDecideRelease(undefined, parties("EDITOR", "user:other"), "approve")).toMatchObject({ allowed: false });
    expect(mayDecideRelease(undefined, parties("ADMIN", "user:requester"), "approve")).toMatchObject({ allowed: false });
    expect(mayDecideRelease(undefined, parties("ADMIN", "api_key:k1"), "approve")).toEqual({ allowed: true });
  });
});

describe("release rules in settings", () => {
  it("parses valid rules with defaults, and ignores an invalid or absent value (never locks labels by accident)", () => {
    expect(releaseRulesFromSettings({ releases: { rules: [{ label: "production" }] } })).toEqual([
      { label: "production", fourEyes: true, editorsMayApprove: false },
    ]);
    expect(releaseRulesFromSettings({ releases: { rules: [{ label: "Production!" }] } })).toEqual([]);
    expect(releaseRulesFromSettings({ releases: "yes" })).toEqual([]);
    expect(releaseRulesFromSettings(null)).toEqual([]);
    expect(releaseRulesFromSettings({ evals: {} })).toEqual([]);
  });

  it("refuses two rules for one label, unknown keys and more than 20 rules", () => {
    const dup = releaseRulesSchema.safeParse([{ label: "production" }, { label: "production", fourEyes: false }]);
    expect(dup.success).toBe(false);
    expect(dup.error?.issues[0]?.message).toMatch(/two rules/);
    expect(releaseRulesSchema.safeParse([{ label: "production", approvers: 2 }]).success).toBe(false);
    expect(releaseRulesSchema.safeParse(Array.from({ length: 21 }, (_, i) => ({ label: `l${i}` }))).success).toBe(false);
  });

  it("finds the rule of a label and says it in words", () => {
    expect(releaseRuleFor([adminsOnly, editorsNoFourEyes], "staging")).toBe(editorsNoFourEyes);
    expect(releaseRuleFor([adminsOnly], "canary")).toBeUndefined();
    expect(describeReleaseRule(adminsOnly)).toBe("approval by an admin; the requester may not approve");
    expect(describeReleaseRule(editorsNoFourEyes)).toBe("approval by an editor or admin");
  });
});

function content(system: string, overrides: Partial<PromptVersionContent> = {}): PromptVersionContent {
  return {
    system: [{ type: "text", role: "instructions", text: system }],
    messages: [{ role: "user", content: [{ type: "text", text: "{{question}}" }] }],
    variables: { question: { type: "string", required: true } },
    modelConfig: { model: "claude-sonnet-5-5", max_tokens: 512 },
    outputSchema: { format: "text" },
    policy: {},
    ...overrides,
  };
}

const noContract = {
  label: "production",
  from: "1.0.0",
  to: "1.1.0",
  changes: [],
  breaking: [],
  recentCalls: { checked: 0, incompatible: 0, unrecorded: 0, byVariable: [], days: 7, limit: 1000 },
};
const gate = { status: "not_gated" as const, allowed: true, message: "not gated" };

describe("buildReleaseEvidence", () => {
  it("diffs against what the label serves, gives the semver reasons and the cost per call of both sides", () => {
    const from = content("You answer briefly.");
    const to = content("You answer briefly and cite the policy.", { modelConfig: { model: "claude-haiku-5-5", max_tokens: 512 } });
    const evidence = buildReleaseEvidence({
      label: "production",
      from: { versionId: "a", version: "1.0.0", content: from, logged: { micros: 1500, calls: 12 } },
      to: { versionId: "b", version: "1.1.0", content: to, logged: { micros: null, calls: 0 } },
      contract: noContract,
      eval: null,
      gate,
      catalog: SEED_MODEL_CATALOG,
      outputTokens: 250,
    });
    expect(evidence.from).toEqual({ versionId: "a", version: "1.0.0" });
    expect(evidence.diff?.system.changed).toBe(true);
    expect(evidence.diff?.modelConfig.fields.map((f) => f.field)).toContain("model");
    expect(evidence.semver?.reasons.join(" ")).toMatch(/model/);
    expect(evidence.cost).toMatchObject({ hitRate: PREVIEW_HIT_RATE, outputTokens: 250, days: 7 });
    expect(evidence.cost.before).toMatchObject({ version: "1.0.0", model: "claude-sonnet-5-5", loggedMicros: 1500, loggedCalls: 12 });
    expect(evidence.cost.after).toMatchObject({ version: "1.1.0", model: "claude-haiku-5-5", loggedMicros: null, loggedCalls: 0 });
    // A cheaper model costs less per call in the preview.
    expect(evidence.cost.after.previewMicros).toBeLessThan(evidence.cost.before?.previewMicros ?? 0);
  });

  it("a new label has no diff, no semver and no 'before' cost; an unknown model has no preview; default output tokens apply", () => {
    const evidence = buildReleaseEvidence({
      label: "production",
      from: null,
      to: {
        versionId: "b",
        version: "1.0.0",
        content: content("x", { modelConfig: { model: "not-a-model", max_tokens: 10 } }),
        logged: { micros: null, calls: 0 },
      },
      contract: { ...noContract, from: null },
      eval: null,
      gate,
      catalog: SEED_MODEL_CATALOG,
    });
    expect(evidence).toMatchObject({ from: null, diff: null, semver: null });
    expect(evidence.cost.before).toBeNull();
    expect(evidence.cost.after.previewMicros).toBeNull();
    expect(evidence.cost.outputTokens).toBe(DEFAULT_OUTPUT_TOKENS);
  });

  it("reads an eval summary as lib/evals writes it, tolerating missing parts", () => {
    const run = { id: "r1", endedAt: new Date("2026-12-01T10:00:00Z"), updatedAt: new Date("2026-12-01T11:00:00Z") };
    expect(
      toEvalEvidence({
        display: "1.1.0",
        gatePassed: false,
        summary: { items: 40, regressions: 2, combined: { mean: 0.82, passRate: 0.8 }, gate: { passed: false, reasons: ["2 items regressed", 7] } },
        run,
      }),
    ).toEqual({
      runId: "r1",
      display: "1.1.0",
      endedAt: "2026-12-01T10:00:00.000Z",
      score: 0.82,
      passRate: 0.8,
      items: 40,
      regressions: 2,
      gatePassed: false,
      gateReasons: ["2 items regressed"],
    });
    expect(toEvalEvidence({ display: "1.1.0", gatePassed: null, summary: null, run: { ...run, endedAt: null } })).toMatchObject({
      endedAt: "2026-12-01T11:00:00.000Z",
      score: null,
      items: null,
      gateReasons: [],
    });
  });
});
