import { describe, expect, it } from "vitest";
import { analyzeCache, normalizeAcknowledgements } from "@/lib/prompts/cache";
import { supportAssistantContent as support } from "@/lib/prompts/fixtures/support-assistant";
import type { PromptVersionContent, SystemBlock } from "@/lib/prompts/schemas";
import { BLOCK_OVERHEAD_TOKENS, estimateTokens, MESSAGE_OVERHEAD_TOKENS } from "@/lib/models/tokens";

const long = "x".repeat(7000); // 2000 estimated tokens
const block = (text: string, ttl?: "5m" | "1h"): SystemBlock => ({
  type: "text",
  text,
  role: "reference",
  ...(ttl ? { cache_control: { type: "ephemeral", ttl } } : {}),
});
const version = (system: SystemBlock[], userText = "{{q}}", model = "claude-sonnet-5-5"): PromptVersionContent => ({
  ...support,
  system,
  messages: [{ role: "user", content: [{ type: "text", text: userText }] }],
  variables: { q: { type: "string", required: true } },
  modelConfig: { model, max_tokens: 100 },
});

describe("estimateTokens", () => {
  it("is ceil(code points / 3.5)", () => {
    expect(estimateTokens("")).toBe(0);
    expect(estimateTokens("abc")).toBe(1);
    expect(estimateTokens("abcdefg")).toBe(2);
    expect(estimateTokens("abcdefgh")).toBe(3);
    expect(estimateTokens("😀😀😀😀")).toBe(2); // 4 code points, not 8 UTF-16 units
  });
});

describe("analyzeCache", () => {
  it("finds no issues in the support prompt and reports each breakpoint", () => {
    const analysis = analyzeCache(support);
    expect(analysis.issues).toEqual([]);
    expect(analysis.tokensEstimated).toBe(true);
    expect(analysis.minCacheableTokens).toBe(512);
    expect(analysis.breakpoints.map((b) => [b.location, b.ttl, b.meetsMinimum])).toEqual([
      ["system.1", "1h", true],
      ["system.2", "5m", true],
    ]);
    const [first, second] = analysis.breakpoints;
    expect(second!.prefixTokens).toBe(first!.prefixTokens + second!.segmentTokens);
  });

  it("uses the given counter for every block and sums prefixes", () => {
    const analysis = analyzeCache(version([block("a"), block("bb", "5m")], "ccc"), { countTokens: (t) => t.length * 100 });
    expect(analysis.tokensEstimated).toBe(false);
    expect(analysis.breakpoints[0]).toMatchObject({ prefixTokens: 300, segmentTokens: 300, blocksSincePrevious: 2 });
    expect(analysis.totalTokens).toBe(600);
  });

  it("adds block and message overhead to the estimate", () => {
    const analysis = analyzeCache(version([block("abcdefg")], "abcdefg"));
    expect(analysis.blocks.map((b) => b.tokens)).toEqual([2 + BLOCK_OVERHEAD_TOKENS, 2 + BLOCK_OVERHEAD_TOKENS + MESSAGE_OVERHEAD_TOKENS]);
  });

  it("errors on more than 4 breakpoints", () => {
    const analysis = analyzeCache(version([block(long, "5m"), block(long, "5m"), block(long, "5m"), block(long, "5m"), block(long, "5m")]));
    expect(analysis.issues).toEqual([expect.objectContaining({ severity: "error", code: "too_many_breakpoints", location: "system.4" })]);
  });

  it("errors when a 1h breakpoint follows a 5m one", () => {
    const analysis = analyzeCache(version([block(long, "5m"), block(long, "1h")]));
    expect(analysis.issues.map((i) => [i.severity, i.code, i.location])).toEqual([["error", "ttl_order", "system.1"]]);
    expect(analyzeCache(version([block(long, "1h"), block(long, "5m")])).issues).toEqual([]);
  });

  it("errors on a variable in the cached prefix unless acknowledged", () => {
    const v = version([block(`${long} {{q}}`, "1h"), block(long, "5m")], "hello");
    const analysis = analyzeCache(v);
    expect(analysis.issues.map((i) => [i.severity, i.code, i.location])).toEqual([
      ["error", "variable_in_cached_prefix", "system.0"],
      ["error", "variable_in_cached_prefix", "system.1"],
    ]);
    expect(analysis.issues[0]?.message).toContain("{{q}}");
    const acked = analyzeCache(v, { acknowledgedVariableBreakpoints: ["system.0"] });
    expect(acked.issues.map((i) => [i.severity, i.location])).toEqual([
      ["warning", "system.0"],
      ["error", "system.1"],
    ]);
    // A variable after the last breakpoint is fine.
    expect(analyzeCache(version([block(long, "1h")], "{{q}}")).issues).toEqual([]);
  });

  it("warns when the prefix is below the model's minimum cacheable length", () => {
    const short = "y".repeat(3000); // ~860 tokens: enough for Sonnet 5.5 (512), not for Haiku 4.5 (4096)
    expect(analyzeCache(version([block(short, "5m")])).issues).toEqual([]);
    const analysis = analyzeCache(version([block(short, "5m")], "{{q}}", "claude-haiku-4-5"));
    expect(analysis.minCacheableTokens).toBe(4096);
    expect(analysis.issues.map((i) => [i.severity, i.code])).toEqual([["warning", "below_min_cacheable"]]);
    expect(analysis.breakpoints[0]?.meetsMinimum).toBe(false);
  });

  it("warns when a breakpoint is more than 20 blocks after the previous one", () => {
    const filler = (n: number) => Array.from({ length: n }, (_, i) => block(`rule ${i}`));
    const tooFar = analyzeCache(version([block(long, "1h"), ...filler(20), block("end", "5m")]));
    expect(tooFar.breakpoints[1]?.blocksSincePrevious).toBe(21);
    expect(tooFar.issues.map((i) => [i.severity, i.code, i.location])).toEqual([["warning", "lookback_exceeded", "system.21"]]);
    const justOk = analyzeCache(version([block(long, "1h"), ...filler(19), block("end", "5m")]));
    expect(justOk.issues).toEqual([]);
  });

  it("counts message blocks after system blocks", () => {
    const v: PromptVersionContent = {
      ...version([block(long)]),
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: long },
            { type: "text", text: "{{q}}" },
          ],
        },
        { role: "assistant", content: [{ type: "text", text: "ok", cache_control: { type: "ephemeral" } }] },
      ],
    };
    const analysis = analyzeCache(v);
    expect(analysis.breakpoints[0]).toMatchObject({ location: "messages.1.content.0", blockIndex: 3, variablesInPrefix: ["q"] });
  });

  it("uses counted prefixes (messages.countTokens) instead of the estimate, for the figures and the minimum check", () => {
    const v = version([block("short reference", "1h"), block(long, "5m")], "plain question");
    const estimated = analyzeCache(v);
    expect(estimated.breakpoints.map((b) => [b.meetsMinimum, b.counted])).toEqual([
      [false, false],
      [true, false],
    ]);
    const analysis = analyzeCache(v, { counted: { totalTokens: 4321, prefixTokens: { "system.0": 1500, "system.1": 3900 } } });
    expect(analysis.tokensEstimated).toBe(false);
    expect(analysis.totalTokens).toBe(4321);
    expect(analysis.breakpoints.map((b) => [b.location, b.prefixTokens, b.counted, b.meetsMinimum])).toEqual([
      ["system.0", 1500, true, true],
      ["system.1", 3900, true, true],
    ]);
    expect(analysis.issues.filter((i) => i.code === "below_min_cacheable")).toEqual([]);
    // A counted prefix below the minimum is flagged with the counted figure; uncounted ones keep the estimate.
    const low = analyzeCache(v, { counted: { totalTokens: 300, prefixTokens: { "system.1": 200 } } });
    expect(low.breakpoints.map((b) => [b.prefixTokens === estimated.breakpoints[0]!.prefixTokens, b.counted])).toEqual([
      [true, false],
      [false, true],
    ]);
    expect(low.issues.find((i) => i.location === "system.1")?.message).toContain("is 200 tokens (counted)");
  });
});

describe("normalizeAcknowledgements", () => {
  it("keeps only breakpoints with a variable in their prefix, once each, in prefix order", () => {
    const v = version([block("Tenant {{tenant}} policy", "1h"), block(long), block("more", "5m")], "plain question");
    expect(normalizeAcknowledgements(v, ["system.2", "system.0", "system.0", "system.1", "messages.0.content.0", "bogus"])).toEqual(["system.0", "system.2"]);
    // Without the variable, nothing is left to acknowledge.
    const plain = version([block("Tenant policy", "1h"), block("more", "5m")], "plain question");
    expect(normalizeAcknowledgements(plain, ["system.0", "system.1"])).toEqual([]);
  });
});
