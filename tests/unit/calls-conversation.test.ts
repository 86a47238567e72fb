import { describe, expect, it } from "vitest";
import { callConversation } from "@/lib/calls/conversation";

// Issue 18 (daily use): the call page reads as a conversation, not two JSON dumps.
describe("a logged call as a conversation", () => {
  it("reads variables, the rendered system blocks, the turns and the answer", () => {
    const c = callConversation({
      request: {
        model: "claude-sonnet-5-5",
        max_tokens: 256,
        system: [
          { type: "text", text: "You are a support agent." },
          { type: "text", text: "Answer in French.", cache_control: { type: "ephemeral" } },
        ],
        messages: [
          { role: "user", content: [{ type: "text", text: "How do I reset my password?" }] },
          { role: "assistant", content: "Which account?" },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "acct 42" }] }] },
        ],
      },
      response: {
        id: "msg_1",
        content: [
          { type: "thinking", thinking: "They want a reset link." },
          { type: "text", text: "Cliquez sur « Mot de passe oublié »." },
          { type: "tool_use", id: "t2", name: "send_link", input: { account: 42 } },
        ],
      },
      metadata: { variables: { question: "How do I reset my password?", language: "fr" }, attempts: [] },
    });
    expect(c.readable).toBe(true);
    expect(c.variables).toEqual({ question: "How do I reset my password?", language: "fr" });
    expect(c.system).toEqual(["You are a support agent.", "Answer in French."]);
    expect(c.turns).toEqual([
      { role: "user", parts: [{ kind: "text", text: "How do I reset my password?" }] },
      { role: "assistant", parts: [{ kind: "text", text: "Which account?" }] },
      { role: "user", parts: [{ kind: "tool_result", text: "acct 42" }] },
    ]);
    expect(c.answer).toEqual([
      { kind: "thinking", text: "They want a reset link." },
      { kind: "text", text: "Cliquez sur « Mot de passe oublié »." },
      { kind: "tool_use", name: "send_link", input: { account: 42 } },
    ]);
    expect(c.truncated).toEqual({ request: false, response: false });
  });

  it("a system prompt given as one string, no response (an error), no variables kept", () => {
    const c = callConversation({ request: { system: "Be brief.", messages: [{ role: "user", content: "Hi" }] }, response: null, metadata: {} });
    expect(c.system).toEqual(["Be brief."]);
    expect(c.turns).toHaveLength(1);
    expect(c.answer).toBeNull();
    expect(c.variables).toBeNull();
  });

  it("cut or foreign bodies are not readable and say so", () => {
    const c = callConversation({
      request: { truncated: true, bytes: 90_000, preview: '{"model":"claude' },
      response: { truncated: true, bytes: 70_000, preview: "{" },
      metadata: null,
    });
    expect(c.readable).toBe(false);
    expect(c.truncated).toEqual({ request: true, response: true });
    expect(callConversation({ request: { prompt: "an app's own shape" }, response: "ok", metadata: [] }).readable).toBe(false);
  });
});
