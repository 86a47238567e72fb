import { describe, expect, it } from "vitest";
import { computeCallCost, findModel, routeModel, SEED_MODEL_CATALOG, type ModelSpec } from "@/lib/models/catalog";
import { createPriceBook, modelSpecFromRow, type ModelPriceRow } from "@/lib/models/pricing";
import { usageFromMessage } from "@/lib/claude/runner";
import type { ClaudeMessage } from "@/lib/claude/client";

const sonnet = findModel("claude-sonnet-5-5") as ModelSpec; // 2 / 2.5 / 4 / 0.2 / 10 $ per MTok
const zero = { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 };

describe("computeCallCost: every usage shape, exact integer micro-dollars", () => {
  it("plain input + output", () => {
    const c = computeCallCost({ ...zero, inputTokens: 1000, outputTokens: 500 }, sonnet);
    expect(c.inputMicros).toBe(2000); // 1000 x 2_000_000 / 1e6
    expect(c.outputMicros).toBe(5000);
    expect(c.totalMicros).toBe(7000);
    expect(c.uncachedMicros).toBe(7000);
  });

  it("5m cache write at 1.25x-style row price, read at the read price", () => {
    const write = computeCallCost({ ...zero, inputTokens: 10, cacheWriteTokens: 4000, outputTokens: 100 }, sonnet);
    expect(write.cacheWrite5mMicros).toBe(10_000); // 4000 x 2.5
    expect(write.cacheWrite1hMicros).toBe(0);
    expect(write.totalMicros).toBe(20 + 10_000 + 1000);
    const read = computeCallCost({ ...zero, inputTokens: 10, cacheReadTokens: 4000, outputTokens: 100 }, sonnet);
    expect(read.cacheReadMicros).toBe(800); // 4000 x 0.2
    expect(read.totalMicros).toBe(20 + 800 + 1000);
    expect(write.totalMicros - read.totalMicros).toBe(10_000 - 800);
  });

  it("splits writes by TTL: 1h at the 1h price, the rest at the 5m price", () => {
    const c = computeCallCost({ ...zero, cacheWriteTokens: 3000, cacheWrite1hTokens: 1000 }, sonnet);
    expect(c.cacheWrite1hMicros).toBe(4000); // 1000 x 4
    expect(c.cacheWrite5mMicros).toBe(5000); // 2000 x 2.5
    expect(c.totalMicros).toBe(9000);
    expect(c.uncachedMicros).toBe(6000); // 3000 x 2 as plain input
  });

  it("batch: the discount applies to every line (stacking with cache prices)", () => {
    const usage = { inputTokens: 1000, outputTokens: 1000, cacheWriteTokens: 2000, cacheWrite1hTokens: 1000, cacheReadTokens: 5000 };
    const full = computeCallCost(usage, sonnet);
    const batch = computeCallCost(usage, sonnet, { batch: true });
    expect(full.totalMicros).toBe(2000 + 10_000 + 2500 + 4000 + 1000);
    expect(batch.totalMicros).toBe(1000 + 5000 + 1250 + 2000 + 500);
  });

  it("rounds each line half-up once (sub-micro amounts)", () => {
    const haiku = findModel("claude-haiku-5-5") as ModelSpec; // read 0.01 $/MTok = 10_000 micros/MTok
    expect(computeCallCost({ ...zero, cacheReadTokens: 49 }, haiku).cacheReadMicros).toBe(0);
    expect(computeCallCost({ ...zero, cacheReadTokens: 50 }, haiku).cacheReadMicros).toBe(1);
  });

  it("usageFromMessage reads the API usage shape incl. the TTL split and nulls", () => {
    const message = {
      usage: {
        input_tokens: 12,
        output_tokens: 34,
        cache_creation_input_tokens: 3000,
        cache_read_input_tokens: null,
        cache_creation: { ephemeral_5m_input_tokens: 2000, ephemeral_1h_input_tokens: 1000 },
      },
    } as unknown as ClaudeMessage;
    expect(usageFromMessage(message)).toEqual({ inputTokens: 12, outputTokens: 34, cacheWriteTokens: 3000, cacheWrite1hTokens: 1000, cacheReadTokens: 0 });
  });
});

function row(model: string, input: bigint): ModelPriceRow {
  const seed = findModel(model) as ModelSpec;
  return {
    model,
    displayName: seed.displayName,
    family: seed.family,
    tier: seed.tier,
    contextWindow: seed.contextWindow,
    maxOutputTokens: seed.maxOutputTokens,
    minCacheableTokens: seed.minCacheableTokens,
    inputPerMTok: input,
    cacheWrite5mPerMTok: BigInt(seed.cacheWrite5mPerMTok),
    cacheWrite1hPerMTok: BigInt(seed.cacheWrite1hPerMTok),
    cacheReadPerMTok: BigInt(seed.cacheReadPerMTok),
    outputPerMTok: BigInt(seed.outputPerMTok),
    batchDiscountPct: 50,
    deprecated: false,
    retiresAt: null,
  };
}

describe("price book", () => {
  it("maps rows to specs (BigInt prices, seed-only fields from the seed)", () => {
    const spec = modelSpecFromRow(row("claude-sonnet-4-5-20250929", 3_500_000n));
    expect(spec.inputPerMTok).toBe(3_500_000);
    expect(spec.aliases).toEqual(["claude-sonnet-4-5"]);
    expect(spec.generation).toBe("4.5");
  });

  it("database rows override the seed per model, cached for the TTL, seed fills the gaps", async () => {
    let loads = 0;
    let now = 0;
    let price = 9_000_000n;
    const book = createPriceBook(
      async () => {
        loads++;
        return [row("claude-sonnet-5-5", price)];
      },
      { ttlMs: 1000, now: () => now },
    );
    expect((await book.spec("claude-sonnet-5-5"))?.inputPerMTok).toBe(9_000_000);
    expect((await book.spec("claude-haiku-5-5"))?.inputPerMTok).toBe(100_000);
    price = 1n;
    now = 999;
    expect((await book.spec("claude-sonnet-5-5"))?.inputPerMTok).toBe(9_000_000);
    expect(loads).toBe(1);
    now = 1000;
    expect((await book.spec("claude-sonnet-5-5"))?.inputPerMTok).toBe(1);
    expect(loads).toBe(2);
    book.invalidate();
    await book.catalog();
    expect(loads).toBe(3);
  });

  it("a failing loader serves the seed and never rejects", async () => {
    const book = createPriceBook(async () => {
      throw new Error("database down");
    });
    const catalog = await book.catalog();
    expect(catalog.map((m) => m.model)).toEqual(SEED_MODEL_CATALOG.map((m) => m.model));
  });
});

describe("routeModel", () => {
  it("routes by tier to the newest non-deprecated model", () => {
    expect(routeModel("fast").model).toBe("claude-haiku-5-5");
    expect(routeModel("low").model).toBe("claude-haiku-5-5");
    expect(routeModel("standard").model).toBe("claude-sonnet-5-5");
    expect(routeModel("complex").model).toBe("claude-opus-5-5");
    expect(routeModel("high").tier).toBe("complex");
  });

  it("skips deprecated models when a current one exists", () => {
    const catalog = SEED_MODEL_CATALOG.map((m) => (m.model === "claude-opus-5-5" ? { ...m, deprecated: true } : m));
    expect(routeModel("complex", catalog).model).toBe("claude-opus-5");
  });
});
