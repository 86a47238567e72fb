import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { SEED_MODEL_CATALOG } from "@/lib/models/catalog";
import { analyzeCache, cacheBlocks } from "@/lib/prompts/cache";
import { checkContract } from "@/lib/prompts/contract";
import { supportAssistantContent as support } from "@/lib/prompts/fixtures/support-assistant";
import { parseVersionContent, versionContentIssues, type PromptVersionContent } from "@/lib/prompts/schemas";

// The non-throwing checks the editor runs on every keystroke: shape issues as a list, the
// undeclared variables of the contract, and the running prefix size of each block.

describe("versionContentIssues", () => {
  it("is empty for content that parses", () => {
    expect(versionContentIssues(support)).toEqual([]);
    expect(versionContentIssues(support, { catalog: SEED_MODEL_CATALOG })).toEqual([]);
  });

  it("lists exactly the issues parseVersionContent throws with, one per problem", () => {
    const bad = { ...support, messages: [], modelConfig: { model: "no-such-model", max_tokens: 0 }, temperature: 1 };
    const issues = versionContentIssues(bad);
    expect(issues.length).toBeGreaterThanOrEqual(2);
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(["messages", "modelConfig.model"]));
    let thrown: unknown;
    try {
      parseVersionContent(bad);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect((thrown as AppError).issues).toEqual(issues);
  });

  it("uses the given catalog for the model check", () => {
    const content = { ...support, modelConfig: { model: "claude-sonnet-5-5", max_tokens: 100 } };
    expect(versionContentIssues(content, { catalog: [] }).map((i) => i.path)).toContain("modelConfig.model");
  });

  it("reports a value that is not an object at all", () => {
    expect(versionContentIssues("not content").length).toBeGreaterThan(0);
    expect(versionContentIssues(null).length).toBeGreaterThan(0);
  });
});

describe("checkContract undeclared", () => {
  it("lists the used names that are not declared, once each, in order of first use", () => {
    const content: PromptVersionContent = {
      ...support,
      system: [{ type: "text", role: "instructions", text: "{{tenant}} {{question}}" }],
      messages: [{ role: "user", content: [{ type: "text", text: "{{lang}} {{tenant}} {{question}}" }] }],
      variables: { question: { type: "string", required: true } },
    };
    const report = checkContract(content);
    expect(report.undeclared).toEqual(["tenant", "lang"]);
    expect(report.errors.filter((e) => e.code === "undeclared_variable").map((e) => e.variable)).toEqual(["tenant", "lang", "tenant"]);
  });

  it("is empty when every placeholder is declared", () => {
    expect(checkContract(support).undeclared).toEqual([]);
  });
});

describe("cacheBlocks prefixTokens", () => {
  it("is the running sum of the block tokens in prefix order, ending at the total", () => {
    const blocks = cacheBlocks(support);
    let sum = 0;
    for (const b of blocks) {
      sum += b.tokens;
      expect(b.prefixTokens).toBe(sum);
    }
    expect(analyzeCache(support).totalTokens).toBe(blocks.at(-1)?.prefixTokens);
  });

  it("matches each breakpoint's estimated prefix", () => {
    const analysis = analyzeCache(support);
    expect(analysis.breakpoints.length).toBeGreaterThan(0);
    for (const bp of analysis.breakpoints) expect(analysis.blocks[bp.blockIndex]?.prefixTokens).toBe(bp.prefixTokens);
  });

  it("uses the given token counter", () => {
    const blocks = cacheBlocks(support, () => 10);
    expect(blocks.map((b) => b.prefixTokens)).toEqual(blocks.map((_, i) => 10 * (i + 1)));
  });
});
