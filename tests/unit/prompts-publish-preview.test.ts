import { describe, expect, it } from "vitest";
import { supportAssistantContent as support } from "@/lib/prompts/fixtures/support-assistant";
import { publishButtonLabel, requestedVersionProblem, toPublishPreview, type PublishPlanSummary } from "@/lib/prompts/publish-preview";
import type { PromptVersionContent } from "@/lib/prompts/schemas";

const plan = (content: PromptVersionContent | null): PublishPlanSummary => ({
  content,
  latest: "1.0.0",
  bump: "minor",
  reasons: ["system prompt changed"],
  proposedVersion: "1.1.0",
  identical: false,
  errors: [],
  warnings: [{ path: "variables.x", message: "unused" }],
  acknowledged: ["system.0"],
});

describe("toPublishPreview", () => {
  it("keeps the plan's verdict and lists breakpoints whose cached prefix holds variables", () => {
    const long = "policy ".repeat(1000);
    const content: PromptVersionContent = {
      ...support,
      system: [{ type: "text", text: `Tenant {{tenant}}. ${long}`, role: "reference", cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: [{ type: "text", text: "{{q}}" }] }],
      variables: { tenant: { type: "string", required: true }, q: { type: "string", required: true } },
    };
    const preview = toPublishPreview(plan(content));
    expect(preview).toMatchObject({
      latest: "1.0.0",
      bump: "minor",
      proposedVersion: "1.1.0",
      acknowledged: ["system.0"],
      warnings: [{ path: "variables.x" }],
    });
    expect(preview.variableBreakpoints).toEqual([{ location: "system.0", variables: ["tenant"] }]);
    expect(preview).not.toHaveProperty("content");
  });

  it("has no breakpoints when the draft does not parse", () => {
    expect(toPublishPreview({ ...plan(null), errors: [{ path: "messages", message: "required" }] }).variableBreakpoints).toEqual([]);
  });
});

describe("the exact version typed in the publish dialog (issue 18, defect 10)", () => {
  const preview = { latest: "1.0.0", proposedVersion: "1.1.0", bump: "minor" as const };

  it("names why a version cannot be published, and nothing for one that can", () => {
    expect(requestedVersionProblem("", preview)).toBeNull();
    expect(requestedVersionProblem("1.1.0", preview)).toBeNull();
    expect(requestedVersionProblem("2.0.0", preview)).toBeNull();
    expect(requestedVersionProblem("vbanana", preview)).toBe('"vbanana" is not a plain MAJOR.MINOR.PATCH version');
    expect(requestedVersionProblem("1.2", preview)).toMatch(/not a plain MAJOR\.MINOR\.PATCH/);
    expect(requestedVersionProblem("1.0.1", preview)).toMatch(/lower than the proposed 1\.1\.0/);
    expect(requestedVersionProblem("1.0.0", { latest: "1.0.0", proposedVersion: "1.0.0" })).toMatch(/already published/);
  });

  it("the button never offers a version that cannot be published", () => {
    expect(publishButtonLabel({ busy: false, version: "vbanana", bump: "", preview })).toBe("Publish");
    expect(publishButtonLabel({ busy: false, version: "1.2.0", bump: "", preview })).toBe("Publish v1.2.0");
    expect(publishButtonLabel({ busy: false, version: "", bump: "major", preview })).toBe("Publish (major bump)");
    expect(publishButtonLabel({ busy: false, version: "", bump: "", preview })).toBe("Publish v1.1.0");
    expect(publishButtonLabel({ busy: true, version: "vbanana", bump: "", preview })).toBe("Publishing…");
  });
});
