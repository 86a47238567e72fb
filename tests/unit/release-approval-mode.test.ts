// The request page's mode line (issue 16): what approving a release request will do (or did),
// for the three kinds of request: a plain move, a canary rollout, an experiment's promotion.
import { describe, expect, it } from "vitest";
import { describeApproval, releaseMode, type ReleasePlan } from "@/lib/prompts/release-requests";

const rollout: ReleasePlan = { kind: "rollout", steps: [5, 25, 100], minStepSeconds: 600, minStepCalls: 50, guardrails: {} };
const promote: ReleasePlan = { kind: "promote", experimentId: "exp_1", experiment: "shorter answers", variant: "B" };
const base = { label: "production", version: "1.1.0", fromVersion: "1.0.0" as string | null };

describe("describeApproval", () => {
  it("a plain move: approving moves the label at once (from what it serves, or a new label)", () => {
    expect(describeApproval({ ...base, plan: null, status: "open" })).toEqual({
      mode: "move",
      text: "Approving moves production from v1.0.0 to v1.1.0 at once.",
    });
    expect(describeApproval({ ...base, fromVersion: null, plan: null, status: "open" })?.text).toBe("Approving moves production to v1.1.0 at once.");
    expect(describeApproval({ ...base, plan: null, status: "approved" })?.text).toBe("Approval moved production from v1.0.0 to v1.1.0.");
  });

  it("a rollout: approving starts the rollout with its steps; the label moves at the end", () => {
    const open = describeApproval({ ...base, plan: rollout, status: "open" });
    expect(open?.mode).toBe("rollout");
    expect(open?.text).toBe(
      "Approving starts a canary rollout (5 → 25 → 100 %) of v1.1.0 on production; production moves when its last step has passed, under this approval.",
    );
    expect(describeApproval({ ...base, plan: rollout, status: "approved" })?.text).toMatch(/^Approval started a canary rollout \(5 → 25 → 100 %\)/);
  });

  it("a promotion: approving ends the experiment with the variant as winner and moves the label", () => {
    expect(describeApproval({ ...base, plan: promote, status: "open" })).toEqual({
      mode: "promote",
      text: 'Approving ends experiment "shorter answers" with variant B as the winner and moves production to v1.1.0.',
    });
    expect(describeApproval({ ...base, plan: promote, status: "approved" })?.text).toBe(
      'Approval ended experiment "shorter answers" with variant B as the winner and moved production to v1.1.0.',
    );
  });

  it("a rejected request did nothing: no line", () => {
    for (const plan of [null, rollout, promote]) expect(describeApproval({ ...base, plan, status: "rejected" })).toBeNull();
  });

  it("releaseMode names the plan's kind, move without one", () => {
    expect([null, rollout, promote].map(releaseMode)).toEqual(["move", "rollout", "promote"]);
  });
});
