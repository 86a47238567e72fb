import { describe, expect, expectTypeOf, it } from "vitest";
import type { MessageCreateParamsNonStreaming } from "@anthropic-ai/sdk/resources/messages/messages";
import { AppError } from "@/lib/errors";
import { supportAssistantContent as support } from "@/lib/prompts/fixtures/support-assistant";
import { renderVersion, type RenderedRequest } from "@/lib/prompts/render";
import type { PromptVersionContent } from "@/lib/prompts/schemas";

/** The text of a rendered content block (undefined for tool blocks). */
const textOf = (block: RenderedRequest["messages"][number]["content"][number] | undefined): string | undefined =>
  block?.type === "text" ? block.text : undefined;

function catchAppError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected an AppError");
}

const typed: PromptVersionContent = {
  system: [{ type: "text", text: "You sort tickets.", role: "instructions" }],
  messages: [
    { role: "user", content: [{ type: "text", text: "n={{n}} flag={{flag}} data={{data}} level={{level}} s={{s}}" }] },
    { role: "assistant", content: [{ type: "text", text: "<answer>" }] },
  ],
  variables: {
    n: { type: "number", required: true },
    flag: { type: "boolean", required: false, default: false },
    data: { type: "json", required: false, default: { a: [1, "x"] } },
    level: { type: "enum", required: true, values: ["low", "high"] },
    s: { type: "string", required: false },
  },
  modelConfig: { model: "claude-haiku-5-5", max_tokens: 500 },
  outputSchema: { format: "text" },
  policy: {},
};

describe("renderVersion", () => {
  it("renders exact Messages API params for the support prompt", () => {
    const request = renderVersion(support, { question: "Where is my order?", account_context: "Plan: pro" });
    expect(Object.keys(request)).toEqual(["model", "max_tokens", "system", "messages", "stop_sequences", "output_config"]);
    expect(request.model).toBe("claude-sonnet-5-5");
    expect(request.max_tokens).toBe(1024);
    expect(request.stop_sequences).toEqual(["</answer>"]);
    expect(request.output_config).toEqual({ effort: "medium" });
    expect(request.service_tier).toBeUndefined();
    expect(request.system?.map((b) => Object.keys(b))).toEqual([
      ["type", "text"],
      ["type", "text", "cache_control"],
      ["type", "text", "cache_control"],
    ]);
    expect(request.system?.[1]?.cache_control).toEqual({ type: "ephemeral", ttl: "1h" });
    expect(request.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "<account>\nPlan: pro\n</account>\n\nTone: friendly\n\nWhere is my order?" }] },
    ]);
    // Does not mutate the version.
    expect(support.system[0]).toHaveProperty("role", "persona");
  });

  it("is assignable to the SDK's request type", () => {
    expectTypeOf<RenderedRequest>().toExtend<MessageCreateParamsNonStreaming>();
  });

  it("formats number/boolean with String, json with JSON.stringify, applies defaults and blanks optional ones", () => {
    const request = renderVersion(typed, { n: 2.5, level: "high" });
    expect(textOf(request.messages[0]?.content[0])).toBe('n=2.5 flag=false data={"a":[1,"x"]} level=high s=');
    expect(request.messages[1]).toEqual({ role: "assistant", content: [{ type: "text", text: "<answer>" }] });
    expect(request.system).toEqual([{ type: "text", text: "You sort tickets." }]);
    expect(textOf(renderVersion(typed, { n: 0, level: "low", flag: true, data: null, s: "hi" }).messages[0]?.content[0])).toBe(
      "n=0 flag=true data=null level=low s=hi",
    );
  });

  it("collects missing, unknown and ill-typed variables into one unprocessable error", () => {
    const error = catchAppError(() => renderVersion(typed, { flag: "yes", data: undefined, level: "medium", extra: 1, s: 3 }));
    expect(error.code).toBe("unprocessable");
    expect(error.status).toBe(422);
    expect(error.issues).toEqual([
      { path: "variables.extra", message: 'unknown variable "extra" (not declared by this version)' },
      { path: "variables.n", message: 'missing required variable "n"' },
      { path: "variables.flag", message: 'variable "flag" must be a boolean' },
      { path: "variables.level", message: 'variable "level" must be one of "low", "high"' },
      { path: "variables.s", message: 'variable "s" must be a string' },
    ]);
  });

  it("rejects non-finite numbers and non-JSON values", () => {
    const error = catchAppError(() => renderVersion(typed, { n: Number.NaN, level: "low", data: { f: () => 1 } }));
    expect(error.issues?.map((i) => i.path)).toEqual(["variables.n", "variables.data"]);
  });

  it("coerces strings only when asked (editor preview)", () => {
    expect(() => renderVersion(typed, { n: "3", level: "low" })).toThrow(AppError);
    const request = renderVersion(typed, { n: "3", level: "low", flag: "true", data: '{"b":2}' }, { coerceStrings: true });
    expect(textOf(request.messages[0]?.content[0])).toBe('n=3 flag=true data={"b":2} level=low s=');
    expect(catchAppError(() => renderVersion(typed, { n: "x", level: "low", data: "{" }, { coerceStrings: true })).issues?.map((i) => i.path)).toEqual([
      "variables.n",
      "variables.data",
    ]);
  });

  it("drops blocks that render blank and rejects a message left empty", () => {
    const v: PromptVersionContent = {
      ...typed,
      system: [{ type: "text", text: "{{s}}", role: "other" }],
      messages: [{ role: "user", content: [{ type: "text", text: " {{s}} " }] }],
      variables: { s: { type: "string", required: false } },
    };
    expect(renderVersion(v, { s: "x" }).system).toEqual([{ type: "text", text: "x" }]);
    const error = catchAppError(() => renderVersion(v, {}));
    expect(error.issues).toEqual([{ path: "messages.0", message: "message 0 (user) is empty after filling in the variables" }]);
  });

  it("renders for an override model and clamps max_tokens; rejects unknown models", () => {
    const big = { ...typed, modelConfig: { model: "claude-sonnet-5-5", max_tokens: 100_000, service_tier: "auto" as const } };
    const request = renderVersion(big, { n: 1, level: "low" }, { model: "claude-haiku-4-5" });
    expect(request.model).toBe("claude-haiku-4-5");
    expect(request.max_tokens).toBe(64_000);
    expect(request.service_tier).toBe("auto");
    expect(catchAppError(() => renderVersion(big, { n: 1, level: "low" }, { model: "gpt" })).code).toBe("unprocessable");
  });
});
