import { describe, expect, it } from "vitest";
import { includesTemplateJson } from "@/components/editor/editor-model";
import { supportAgentToolsContent as agent } from "@/lib/prompts/fixtures/support-agent-tools";
import type { PromptVersionContent } from "@/lib/prompts/schemas";

// The editor resolves snippet includes again (without a reload) exactly when what they depend on
// changes: the templates' texts and the variables. No include, no request.
describe("includesTemplateJson", () => {
  const withInclude = { ...agent, system: [{ ...agent.system[0]!, text: "Policy: {{> refund-policy@production}}" }] };

  it("is null while no template includes a snippet", () => {
    expect(includesTemplateJson(agent)).toBeNull();
    expect(includesTemplateJson({ ...agent, system: [{ ...agent.system[0]!, text: "Not an include: {{ name }} {{#vip}}x{{/vip}}" }] })).toBeNull();
  });

  it("changes when a text or a variable changes, not when the model config does", () => {
    const base = includesTemplateJson(withInclude);
    expect(base).not.toBeNull();
    expect(includesTemplateJson({ ...withInclude, system: [{ ...withInclude.system[0]!, text: "Policy: {{> refund-policy@1.0.0}}" }] })).not.toBe(base);
    expect(includesTemplateJson({ ...withInclude, variables: { ...withInclude.variables, tier: { type: "string", required: false } } })).not.toBe(base);
    const otherConfig: PromptVersionContent = { ...withInclude, modelConfig: { ...withInclude.modelConfig, max_tokens: 10 } };
    expect(includesTemplateJson(otherConfig)).toBe(base);
  });

  it("finds an include in a message turn and with spaces after the braces", () => {
    expect(
      includesTemplateJson({ ...agent, messages: [{ role: "user", content: [{ type: "text", text: "{{ > tone@production}} {{question}}" }] }] }),
    ).not.toBeNull();
  });
});
