import { describe, expect, it } from "vitest";
import { condenseText } from "@/lib/claude-simulator/generate";
import { blockAt, parseCondensed, replaceBlock, templateTags } from "@/lib/length-audit/condense";
import type { PromptVersionContent } from "@/lib/prompts/schemas";
import { isAppError } from "@/lib/errors";

describe("the simulator's condense (what the simulated model answers)", () => {
  it("keeps one copy of a repeated sentence, shortens wordy phrases, keeps template tags and lines", () => {
    const text = [
      "You answer questions about Acme orders.",
      "Please make sure to quote the order number you are talking about.",
      "Never share full card numbers, passwords or one-time codes with anyone.",
      "4. Never share full card numbers, passwords or one-time codes with anyone.",
      "Context: {{context}} {{#vip}}VIP{{/vip}}",
    ].join("\n");
    expect(condenseText(text)).toBe(
      [
        "You answer questions about Acme orders.",
        "Quote the order number you are talking about.",
        "Never share full card numbers, passwords or one-time codes with anyone.",
        "Context: {{context}} {{#vip}}VIP{{/vip}}",
      ].join("\n"),
    );
  });

  it("leaves a text with nothing to shorten as it is", () => {
    const text = "Answer in two short paragraphs.\nQuote the order number.";
    expect(condenseText(text)).toBe(text);
  });
});

describe("condense helpers", () => {
  const content = {
    system: [{ type: "text", role: "instructions", text: "A" }],
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "B" },
          { type: "text", text: "C" },
        ],
      },
    ],
  } as unknown as PromptVersionContent;

  it("reads and replaces a block by location; anything else is a bad_request naming it", () => {
    expect(blockAt(content, "system.0")).toBe("A");
    expect(blockAt(content, "messages.0.content.1")).toBe("C");
    const next = replaceBlock(content, "messages.0.content.1", "D");
    expect(next.messages[0]!.content.map((b) => b.text)).toEqual(["B", "D"]);
    expect(content.messages[0]!.content[1]!.text).toBe("C");
    for (const bad of ["system.1", "messages.1.content.0", "tools.0", "system.0.text", "", "system.\u0000"]) {
      let error: unknown;
      try {
        blockAt(content, bad);
      } catch (e) {
        error = e;
      }
      expect(isAppError(error) && error.code).toBe("bad_request");
    }
  });

  it("parses the answer inside <condensed> tags (else the whole answer) and lists template tags", () => {
    expect(parseCondensed("Sure!\n<condensed>\nShort text.\n</condensed>\nDone")).toBe("Short text.");
    expect(parseCondensed("  Just text  ")).toBe("Just text");
    expect(templateTags("Hi {{ name }}, {{#vip}}x{{/vip}} {{> policy@production}}")).toEqual(["#vip", "/vip", "> policy@production", "name"]);
  });
});
