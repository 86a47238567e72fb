import { describe, expect, it } from "vitest";
import { analyzeCache } from "@/lib/prompts/cache";
import { supportAssistantContent as base } from "@/lib/prompts/fixtures/support-assistant";
import { describeLocation } from "@/lib/prompts/locations";
import type { PromptVersionContent } from "@/lib/prompts/schemas";
import { proposeBump } from "@/lib/prompts/versioning";

describe("describeLocation", () => {
  it("names blocks and turns as the editor does, 1-based", () => {
    expect(describeLocation("system.1")).toBe("System block 2");
    expect(describeLocation("system.0.text")).toBe("System block 1");
    expect(describeLocation("system.2.role")).toBe("System block 3 role");
    expect(describeLocation("messages.0.content.0.text")).toBe("Turn 1");
    expect(describeLocation("messages.0.content.0")).toBe("Turn 1");
    expect(describeLocation("messages.1.content.1")).toBe("Turn 2 block 2");
    expect(describeLocation("messages.2.role")).toBe("Turn 3 role");
    expect(describeLocation("request.system.0")).toBe("System block 1");
  });

  it("says 'Turn 1 block 1' when the content shows that turn has several blocks", () => {
    const content = {
      messages: [
        {
          role: "user" as const,
          content: [
            { type: "text" as const, text: "a" },
            { type: "text" as const, text: "b" },
          ],
        },
      ],
    };
    expect(describeLocation("messages.0.content.0", content)).toBe("Turn 1 block 1");
  });

  it("names variables, model, output and policy fields", () => {
    expect(describeLocation("variables.city.default")).toBe("Variable city.default");
    expect(describeLocation("variables.city")).toBe("Variable city");
    expect(describeLocation("modelConfig.max_tokens")).toBe("Model max_tokens");
    expect(describeLocation("outputSchema.schema")).toBe("Output schema");
    expect(describeLocation("policy.timeout_ms")).toBe("Policy timeout_ms");
    expect(describeLocation("")).toBe("Prompt");
  });
});

describe("user-facing messages name blocks, not paths", () => {
  it("cache issues say 'System block 2', not system.1", () => {
    const content: PromptVersionContent = {
      ...base,
      system: [
        { type: "text", role: "instructions", text: "Hello {{customer_name}}" },
        { type: "text", role: "reference", text: "Policy text", cache_control: { type: "ephemeral" } },
      ],
    };
    const messages = analyzeCache(content).issues.map((i) => i.message);
    expect(messages.some((m) => m.includes("System block 2"))).toBe(true);
    expect(messages.join("\n")).not.toMatch(/system\.\d|messages\.\d/);
  });

  it("bump reasons say where the cache or role changed by block name", () => {
    const next: PromptVersionContent = { ...base, system: base.system.map((b, i) => (i === 0 ? { ...b, role: "instructions" as const } : b)) };
    const reasons = proposeBump(base, next).reasons.join("\n");
    expect(reasons).toContain("System block 1");
    expect(reasons).not.toMatch(/system\.\d/);
  });
});
