import { describe, expect, it } from "vitest";
import { computeCallCost, findModel, type ModelSpec } from "@/lib/models/catalog";
import { AppError } from "@/lib/errors";
import { previewCost } from "@/lib/prompts/cost";
import { supportAssistantContent as support } from "@/lib/prompts/fixtures/support-assistant";
import type { PromptVersionContent } from "@/lib/prompts/schemas";

// Round numbers so the expected micros are easy to check by hand: $1/MTok input, 5m write
// $1.25, 1h write $2, read $0.10, output $5.
const price: ModelSpec = { ...findModel("claude-haiku-4-5")!, minCacheableTokens: 100 };
const count = (text: string) => (text.startsWith("A") ? 1000 : text.startsWith("B") ? 4000 : 500);
const v: PromptVersionContent = {
  ...support,
  system: [
    { type: "text", role: "reference", text: "A", cache_control: { type: "ephemeral", ttl: "1h" } },
    { type: "text", role: "examples", text: "B", cache_control: { type: "ephemeral" } },
  ],
  messages: [{ role: "user", content: [{ type: "text", text: "{{question}}" }] }],
  variables: { question: { type: "string", required: true } },
};

describe("previewCost", () => {
  it("prices cold, warm and blended calls from the price row", () => {
    const p = previewCost(v, { model: price, countTokens: count, expectedOutputTokens: 200, hitRate: 0.9 });
    expect(p).toMatchObject({ inputTokens: 5500, cachedPrefixTokens: 5000, cached1hTokens: 1000, outputTokens: 200, tokensEstimated: false });
    // cold: 500 input x $1 + 4000 x $1.25 + 1000 x $2 + 200 x $5 = 500 + 5000 + 2000 + 1000 micros
    expect(p.cold.totalMicros).toBe(8500);
    // warm: 500 input + 5000 x $0.10 + output 1000
    expect(p.warm.totalMicros).toBe(2000);
    expect(p.blendedMicros).toBe(Math.round(0.9 * 2000 + 0.1 * 8500));
    expect(p.uncachedMicros).toBe(5500 + 1000);
    expect(p.cold).toEqual(
      computeCallCost({ inputTokens: 500, outputTokens: 200, cacheWriteTokens: 5000, cacheWrite1hTokens: 1000, cacheReadTokens: 0 }, price),
    );
  });

  it("follows the price row, not literals", () => {
    const cheapReads = { ...price, cacheReadPerMTok: 0 };
    expect(previewCost(v, { model: cheapReads, countTokens: count, expectedOutputTokens: 0, hitRate: 1 }).blendedMicros).toBe(500);
  });

  it("ignores breakpoints below the model's minimum and honours inputTokens", () => {
    const strict = { ...price, minCacheableTokens: 2000 };
    const p = previewCost(v, { model: strict, countTokens: count, expectedOutputTokens: 0, hitRate: 0.5, inputTokens: 9000 });
    expect(p.cachedPrefixTokens).toBe(5000);
    expect(p.cached1hTokens).toBe(0);
    expect(p.inputTokens).toBe(9000);
    expect(p.warm.inputMicros).toBe(4000);
  });

  it("takes counted tokens (messages.countTokens) for the input and the cached prefix", () => {
    const p = previewCost(v, {
      model: price,
      counted: { totalTokens: 6000, prefixTokens: { "system.0": 1200, "system.1": 5100 } },
      expectedOutputTokens: 0,
      hitRate: 1,
    });
    expect(p).toMatchObject({ inputTokens: 6000, cachedPrefixTokens: 5100, cached1hTokens: 1200, tokensEstimated: false });
    expect(p.warm.totalMicros).toBe(900 + 510);
  });

  it("uses the catalog model and the offline estimate by default; batch halves the cost", () => {
    const p = previewCost(support, { expectedOutputTokens: 300, hitRate: 0 });
    expect(p.model).toBe("claude-sonnet-5-5");
    expect(p.tokensEstimated).toBe(true);
    expect(p.blendedMicros).toBe(p.cold.totalMicros);
    expect(p.cold.totalMicros).toBeGreaterThan(p.uncachedMicros);
    const batch = previewCost(support, { expectedOutputTokens: 300, hitRate: 0, batch: true });
    expect(Math.abs(batch.cold.totalMicros - p.cold.totalMicros / 2)).toBeLessThanOrEqual(3);
  });

  it("rejects a bad hit rate", () => {
    expect(() => previewCost(support, { expectedOutputTokens: 1, hitRate: 1.5 })).toThrow(AppError);
    expect(() => previewCost(support, { expectedOutputTokens: -1, hitRate: 0.5 })).toThrow(AppError);
  });
});
