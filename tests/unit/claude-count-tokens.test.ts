import { describe, expect, it } from "vitest";
import type { ClaudeTransport } from "@/lib/claude/client";
import { countPrefixTokens, planCountTokens } from "@/lib/claude/count-tokens";
import { isAppError } from "@/lib/errors";
import type { PromptVersionContent } from "@/lib/prompts/schemas";

type Params = Parameters<ClaudeTransport["countTokens"]>[0];

const content: Pick<PromptVersionContent, "system" | "messages" | "modelConfig"> = {
  system: [
    { type: "text", role: "instructions", text: "You are a support assistant.", cache_control: { type: "ephemeral", ttl: "1h" } },
    { type: "text", role: "reference", text: "<policy>Refunds within 30 days.</policy>" },
  ],
  messages: [
    { role: "user", content: [{ type: "text", text: "Example question" }] },
    { role: "assistant", content: [{ type: "text", text: "Example answer", cache_control: { type: "ephemeral" } }] },
    {
      role: "user",
      content: [
        { type: "text", text: "{{context}}", cache_control: { type: "ephemeral" } },
        { type: "text", text: "{{question}}" },
      ],
    },
  ],
  modelConfig: { model: "claude-sonnet-5-5", max_tokens: 512 },
};

/** A fake counter with simple, exact framing: 3 per request, 3 for a system prompt, 4 per message, 1 per character. */
function fakeCount(params: Params): number {
  const system = Array.isArray(params.system) ? params.system.reduce((n, b) => n + b.text.length, 3) : 0;
  const messages = params.messages.reduce((n, m) => {
    const blocks = typeof m.content === "string" ? [{ type: "text", text: m.content }] : m.content;
    return n + 4 + blocks.reduce((k, b) => k + (b.type === "text" ? b.text.length : 0), 0);
  }, 0);
  return 3 + system + messages;
}

function fakeTransport(count: (p: Params) => Promise<number>): { transport: ClaudeTransport; calls: Params[] } {
  const calls: Params[] = [];
  const transport = {
    simulated: false,
    baseURL: "http://fake",
    countTokens: (params: Params) => {
      calls.push(params);
      return count(params);
    },
  } as unknown as ClaudeTransport;
  return { transport, calls };
}

describe("planCountTokens", () => {
  it("cuts the template after each breakpoint, without roles or cache_control", () => {
    const plan = planCountTokens(content);
    expect(plan.prefixes.map((p) => p.location)).toEqual(["system.0", "messages.1.content.0", "messages.2.content.0"]);
    const [sys, reply, ctx] = plan.prefixes;
    expect(sys?.params).toEqual({
      model: "claude-sonnet-5-5",
      system: [{ type: "text", text: "You are a support assistant." }],
      messages: [{ role: "user", content: [{ type: "text", text: "." }] }],
    });
    expect(sys?.placeholder).toBe(true);
    expect(reply?.params.messages).toHaveLength(2);
    expect(reply?.params.system).toHaveLength(2);
    expect(ctx?.params.messages.at(-1)).toEqual({ role: "user", content: [{ type: "text", text: "{{context}}" }] });
    expect(JSON.stringify(plan)).not.toContain("cache_control");
    expect(JSON.stringify(plan)).not.toContain('role":"instructions');
    expect(plan.total.messages).toHaveLength(3);
    expect(plan.baseline?.three.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
  });

  it("counts at most the first 4 breakpoints and needs no baseline without a system breakpoint", () => {
    const many = {
      ...content,
      system: [],
      messages: [
        {
          role: "user" as const,
          content: ["a", "b", "c", "d", "e"].map((text) => ({ type: "text" as const, text, cache_control: { type: "ephemeral" as const } })),
        },
      ],
    };
    const plan = planCountTokens(many);
    expect(plan.prefixes.map((p) => p.location)).toEqual([0, 1, 2, 3].map((j) => `messages.0.content.${j}`));
    expect(plan.baseline).toBeUndefined();
    expect(plan.total.system).toBeUndefined();
  });
});

describe("countPrefixTokens", () => {
  it("returns the total and the prefix per breakpoint, taking the placeholder turn out of system prefixes", async () => {
    const { transport, calls } = fakeTransport(async (p) => fakeCount(p));
    const counts = await countPrefixTokens(content, { transport });
    const systemPrefix = 3 + 3 + "You are a support assistant.".length;
    const policy = "<policy>Refunds within 30 days.</policy>".length;
    const toReply = 3 + 3 + "You are a support assistant.".length + policy + (4 + 16) + (4 + 14);
    expect(counts.breakpoints).toEqual([
      { location: "system.0", prefixTokens: systemPrefix },
      { location: "messages.1.content.0", prefixTokens: toReply },
      { location: "messages.2.content.0", prefixTokens: toReply + 4 + "{{context}}".length },
    ]);
    expect(counts.totalTokens).toBe(toReply + 4 + "{{context}}{{question}}".length);
    expect(counts.simulated).toBe(false);
    expect(calls).toHaveLength(1 + 2 + 3);
  });

  it("turns a failed request into an upstream AppError", async () => {
    const { transport } = fakeTransport(async () => {
      throw new Error("529 overloaded");
    });
    const error: unknown = await countPrefixTokens(content, { transport }).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe("upstream");
    expect(isAppError(error) && error.message).toContain("529 overloaded");
  });
});
