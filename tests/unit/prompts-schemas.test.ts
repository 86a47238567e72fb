import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { supportAssistantContent } from "@/lib/prompts/fixtures/support-assistant";
import {
  messagesSchema,
  modelConfigSchema,
  outputSchemaSchema,
  parseVersionContent,
  policySchema,
  promptDescriptionSchema,
  promptNameSchema,
  promptTagsSchema,
  systemSchema,
  variableDefSchema,
  variablesSchema,
} from "@/lib/prompts/schemas";

function messagesOf(result: { success: boolean; error?: { issues: Array<{ message: string; path: PropertyKey[] }> } }): string[] {
  return result.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];
}

describe("prompt metadata", () => {
  it.each(["support-assistant", "a", "0", "team/support.v2_x", "a".repeat(128)])("accepts name %s", (name) => {
    expect(promptNameSchema.safeParse(name).success).toBe(true);
  });
  it.each(["", "Support", "-lead", ".hidden", "has space", "a".repeat(129), "émoji", "/root"])("rejects name %j", (name) => {
    expect(promptNameSchema.safeParse(name).success).toBe(false);
  });
  it("limits tags and description", () => {
    expect(promptTagsSchema.safeParse(["support", "v2", "team.a"]).success).toBe(true);
    expect(promptTagsSchema.safeParse(["dup", "dup"]).success).toBe(false);
    expect(promptTagsSchema.safeParse(["Upper"]).success).toBe(false);
    expect(promptTagsSchema.safeParse(["x".repeat(33)]).success).toBe(false);
    expect(promptTagsSchema.safeParse(Array.from({ length: 21 }, (_, i) => `t${i}`)).success).toBe(false);
    expect(promptDescriptionSchema.safeParse("d".repeat(2000)).success).toBe(true);
    expect(promptDescriptionSchema.safeParse("d".repeat(2001)).success).toBe(false);
  });
});

describe("content shapes", () => {
  it("accepts the support fixture", () => {
    expect(parseVersionContent(supportAssistantContent)).toEqual(supportAssistantContent);
  });

  it("system blocks need a known role and non-empty text; cache ttl is 5m or 1h", () => {
    expect(systemSchema.safeParse([{ type: "text", text: "x", role: "persona", cache_control: { type: "ephemeral", ttl: "1h" } }]).success).toBe(true);
    expect(systemSchema.safeParse([{ type: "text", text: "x", role: "boss" }]).success).toBe(false);
    expect(systemSchema.safeParse([{ type: "text", text: "x" }]).success).toBe(false);
    expect(systemSchema.safeParse([{ type: "text", text: "  ", role: "other" }]).success).toBe(false);
    expect(systemSchema.safeParse([{ type: "text", text: "x", role: "other", cache_control: { type: "ephemeral", ttl: "2h" } }]).success).toBe(false);
    expect(systemSchema.safeParse([{ type: "text", text: "x", role: "other", extra: 1 }]).success).toBe(false);
  });

  it("messages start with the user and alternate", () => {
    const t = (role: "user" | "assistant") => ({ role, content: [{ type: "text", text: "hi" }] });
    expect(messagesSchema.safeParse([t("user"), t("assistant"), t("user")]).success).toBe(true);
    expect(messagesOf(messagesSchema.safeParse([t("assistant")]))).toEqual(["0.role: the first message must be from the user"]);
    expect(messagesOf(messagesSchema.safeParse([t("user"), t("user")]))).toEqual(["1.role: user and assistant turns must alternate"]);
    expect(messagesSchema.safeParse([]).success).toBe(false);
    expect(messagesSchema.safeParse([{ role: "user", content: [] }]).success).toBe(false);
  });

  it("variable names and definitions", () => {
    expect(variablesSchema.safeParse({ _a1: { type: "string", required: true } }).success).toBe(true);
    expect(variablesSchema.safeParse({ "1a": { type: "string", required: true } }).success).toBe(false);
    expect(variablesSchema.safeParse({ "a-b": { type: "string", required: true } }).success).toBe(false);
    expect(variableDefSchema.safeParse({ type: "number", required: false, default: "3" }).success).toBe(false);
    expect(variableDefSchema.safeParse({ type: "boolean", required: false, default: 1 }).success).toBe(false);
    expect(variableDefSchema.safeParse({ type: "enum", required: true, values: [] }).success).toBe(false);
    expect(variableDefSchema.safeParse({ type: "enum", required: true, values: ["a", "a"] }).success).toBe(false);
    expect(messagesOf(variableDefSchema.safeParse({ type: "enum", required: false, values: ["a"], default: "b" }))).toEqual([
      'default: default "b" is not one of the enum values',
    ]);
    expect(variableDefSchema.safeParse({ type: "string", required: true, values: ["a"] }).success).toBe(false);
    expect(variableDefSchema.safeParse({ type: "json", required: false, default: { a: [1, null] } }).success).toBe(true);
  });

  it("model config: catalog model, max_tokens within the model's limit", () => {
    expect(modelConfigSchema.safeParse({ model: "claude-haiku-4-5", max_tokens: 64_000 }).success).toBe(true);
    expect(messagesOf(modelConfigSchema.safeParse({ model: "claude-haiku-4-5", max_tokens: 64_001 }))).toEqual([
      "max_tokens: max_tokens 64001 exceeds claude-haiku-4-5-20251001's maximum output of 64000",
    ]);
    expect(messagesOf(modelConfigSchema.safeParse({ model: "gpt-4", max_tokens: 10 }))).toEqual(['model: unknown model "gpt-4"']);
    expect(modelConfigSchema.safeParse({ model: "claude-sonnet-5-5", max_tokens: 0 }).success).toBe(false);
    expect(modelConfigSchema.safeParse({ model: "claude-sonnet-5-5", max_tokens: 10, effort: "huge" }).success).toBe(false);
  });

  it("rejects temperature/top_p/top_k with a clear message", () => {
    const result = modelConfigSchema.safeParse({ model: "claude-sonnet-5-5", max_tokens: 10, temperature: 0.2, top_k: 5, colour: "red" });
    const messages = messagesOf(result);
    expect(messages).toHaveLength(3);
    expect(messages[0]).toMatch(/^temperature: temperature is not supported: Anthropic API version 2026-10-21 removed/);
    expect(messages[1]).toMatch(/^top_k: top_k is not supported/);
    expect(messages[2]).toBe('colour: unknown field "colour"');
  });

  it("output and policy", () => {
    expect(outputSchemaSchema.safeParse({ format: "text" }).success).toBe(true);
    expect(outputSchemaSchema.safeParse({ format: "json", schema: { type: "object" } }).success).toBe(true);
    expect(outputSchemaSchema.safeParse({ format: "json" }).success).toBe(false);
    expect(outputSchemaSchema.safeParse({ format: "text", schema: {} }).success).toBe(false);
    expect(policySchema.safeParse({ max_retries: 10, context_strategy: "chunk_summarize", allow_cached_fallback: true }).success).toBe(true);
    expect(policySchema.safeParse({ max_retries: 11 }).success).toBe(false);
    expect(messagesOf(policySchema.safeParse({ fallback_model: "nope" }))).toEqual(['fallback_model: unknown model "nope"']);
    expect(policySchema.safeParse({ context_strategy: "truncate" }).success).toBe(false);
  });

  it("parseVersionContent picks the six columns, defaults null output/policy, and throws every issue", () => {
    const row = { ...supportAssistantContent, id: "v1", contentHash: "x", outputSchema: null, policy: null };
    expect(parseVersionContent(row).outputSchema).toEqual({ format: "text" });
    expect(parseVersionContent(row).policy).toEqual({});
    try {
      parseVersionContent({ ...supportAssistantContent, messages: [], modelConfig: { model: "x", max_tokens: 1 } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      const e = error as AppError;
      expect(e.code).toBe("unprocessable");
      expect(e.issues?.map((i) => i.path).sort()).toEqual(["messages", "modelConfig.model"]);
    }
  });
});
