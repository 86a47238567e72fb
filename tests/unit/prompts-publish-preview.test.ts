import { describe, expect, it } from "vitest";
import { supportAssistantContent as support } from "@/lib/prompts/fixtures/support-assistant";
import { toPublishPreview, type PublishPlanSummary } from "@/lib/prompts/publish-preview";
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
