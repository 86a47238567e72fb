import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { canonicalJson } from "@/lib/canonical-json";
import { hashVersionContent } from "@/lib/prompts/content-hash";

const content = {
  system: [{ type: "text", text: "You are helpful.", role: "instructions" }],
  messages: [{ role: "user", content: [{ type: "text", text: "{{question}}" }] }],
  variables: { question: { type: "string", required: true } },
  modelConfig: { model: "claude-sonnet-5-5", max_tokens: 1024 },
  outputSchema: { format: "text" },
  policy: { max_retries: 2 },
};

describe("canonicalJson", () => {
  it("sorts keys recursively and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });
});

describe("hashVersionContent", () => {
  it("is the SHA-256 hex of the canonical JSON of the six fields", () => {
    const expected = createHash("sha256")
      .update(
        '{"messages":[{"content":[{"text":"{{question}}","type":"text"}],"role":"user"}],' +
          '"modelConfig":{"max_tokens":1024,"model":"claude-sonnet-5-5"},"outputSchema":{"format":"text"},' +
          '"policy":{"max_retries":2},"system":[{"role":"instructions","text":"You are helpful.","type":"text"}],' +
          '"variables":{"question":{"required":true,"type":"string"}}}',
      )
      .digest("hex");
    expect(hashVersionContent(content)).toBe(expected);
    expect(hashVersionContent(content)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("ignores key order and extra fields", () => {
    const reordered = {
      policy: { max_retries: 2 },
      outputSchema: { format: "text" },
      modelConfig: { max_tokens: 1024, model: "claude-sonnet-5-5" },
      variables: { question: { required: true, type: "string" } },
      messages: [{ content: [{ text: "{{question}}", type: "text" }], role: "user" }],
      system: [{ role: "instructions", text: "You are helpful.", type: "text" }],
      changelog: "not part of the content",
    };
    expect(hashVersionContent(reordered)).toBe(hashVersionContent(content));
  });

  it("changes when any value changes", () => {
    const base = hashVersionContent(content);
    expect(hashVersionContent({ ...content, modelConfig: { model: "claude-sonnet-5-5", max_tokens: 1025 } })).not.toBe(base);
    expect(hashVersionContent({ ...content, policy: {} })).not.toBe(base);
    expect(hashVersionContent({ ...content, system: [{ type: "text", text: "You are helpful!", role: "instructions" }] })).not.toBe(base);
  });
});
