import { describe, expect, it } from "vitest";
import {
  batchDiscountMicros,
  buildPromptLevers,
  nonInteractiveReason,
  routingSavingMicros,
  sumPromptLevers,
  type NonInteractiveGroup,
  type PromptCostTotals,
  type RoutedGroup,
} from "@/lib/metrics/cost-levers";
import { computeCallCost, findModel, SEED_MODEL_CATALOG, type ModelSpec } from "@/lib/models/catalog";

const sonnet = findModel("claude-sonnet-5-5")!;
const haiku = findModel("claude-haiku-5-5")!;
const opus = findModel("claude-opus-5-5")!;

const usage = { inputTokens: 1_000_000, outputTokens: 200_000, cacheWriteTokens: 100_000, cacheWrite1hTokens: 40_000, cacheReadTokens: 500_000 };

function group(promptId: string, model: string, batch: boolean, calls: number, tokens = usage, costMicros = 1_000): NonInteractiveGroup {
  return { promptId, model, batch, calls, costMicros, ...tokens };
}

function totals(promptId: string, calls: number, extra: Partial<PromptCostTotals> = {}): PromptCostTotals {
  return { promptId, name: promptId, calls, costMicros: 10_000, cacheSavingsMicros: 0, batchSavingsMicros: 0, ...extra };
}

describe("nonInteractiveReason: which calls nobody waits on", () => {
  it("batch calls, evaluations and ingested calls without a subject are non-interactive; the rest are interactive", () => {
    expect(nonInteractiveReason({ source: "api", batch: true, subjectHash: "s" })).toBe("batch");
    expect(nonInteractiveReason({ source: "eval", batch: true, subjectHash: null })).toBe("batch");
    expect(nonInteractiveReason({ source: "eval", batch: false, subjectHash: null })).toBe("eval");
    expect(nonInteractiveReason({ source: "ingest", batch: false, subjectHash: null })).toBe("ingest_without_user");
    expect(nonInteractiveReason({ source: "ingest", batch: false, subjectHash: "abc" })).toBeNull();
    expect(nonInteractiveReason({ source: "api", batch: false, subjectHash: null })).toBeNull();
    expect(nonInteractiveReason({ source: "playground", batch: false, subjectHash: null })).toBeNull();
    expect(nonInteractiveReason({ source: "experiment", batch: false, subjectHash: null })).toBeNull();
  });
});

describe("batchDiscountMicros", () => {
  it("is the list price minus the batch price of the tokens, at the spec's prices", () => {
    const list = computeCallCost(usage, sonnet).totalMicros;
    const batch = computeCallCost(usage, sonnet, { batch: true }).totalMicros;
    expect(batchDiscountMicros(usage, sonnet)).toBe(list - batch);
    // Sonnet 5.5: $2 in, $2.5 5m write, $4 1h write, $0.2 read, $10 out per MTok; 50% off in batch.
    expect(list).toBe(2_000_000 + 150_000 + 160_000 + 100_000 + 2_000_000);
    expect(batchDiscountMicros(usage, sonnet)).toBe(list / 2);
  });

  it("follows the price book: a dearer price or a different discount changes the saving (prices are data)", () => {
    const dearer: ModelSpec = { ...sonnet, inputPerMTok: sonnet.inputPerMTok * 2 };
    expect(batchDiscountMicros(usage, dearer)).toBeGreaterThan(batchDiscountMicros(usage, sonnet));
    const noDiscount: ModelSpec = { ...sonnet, batchDiscountPct: 0 };
    expect(batchDiscountMicros(usage, noDiscount)).toBe(0);
  });
});

describe("buildPromptLevers", () => {
  it("counts the non-interactive share per prompt and prices the batch saving only on calls made one by one", () => {
    const rows = buildPromptLevers(
      [totals("a", 100, { cacheSavingsMicros: 700, batchSavingsMicros: 300 }), totals("b", 50)],
      [
        group("a", "claude-sonnet-5-5", false, 20),
        group("a", "claude-haiku-5-5", false, 5),
        group("a", "claude-sonnet-5-5", true, 10),
        group("b", "claude-haiku-5-5", true, 50),
      ],
      SEED_MODEL_CATALOG,
    );
    const a = rows.find((r) => r.promptId === "a")!;
    expect(a.nonInteractiveCalls).toBe(35);
    expect(a.nonInteractiveShare).toBeCloseTo(0.35, 10);
    expect(a.batchedCalls).toBe(10);
    expect(a.unbatchedCalls).toBe(25);
    expect(a.unbatchedCostMicros).toBe(2_000);
    expect(a.batchWouldSaveMicros).toBe(batchDiscountMicros(usage, sonnet) + batchDiscountMicros(usage, haiku));
    // Realised savings come from the totals, side by side.
    expect(a.cacheSavingsMicros).toBe(700);
    expect(a.batchSavingsMicros).toBe(300);
    const b = rows.find((r) => r.promptId === "b")!;
    expect(b.nonInteractiveShare).toBe(1);
    expect(b.batchWouldSaveMicros).toBe(0); // everything already went through batch
    // Largest opportunity first.
    expect(rows.map((r) => r.promptId)).toEqual(["a", "b"]);
  });

  it("shows prompts without non-interactive calls at 0 %, and a prompt without calls with no share", () => {
    const rows = buildPromptLevers([totals("a", 10), totals("z", 0)], [], SEED_MODEL_CATALOG);
    expect(rows.find((r) => r.promptId === "a")).toMatchObject({ nonInteractiveCalls: 0, nonInteractiveShare: 0, batchWouldSaveMicros: 0 });
    expect(rows.find((r) => r.promptId === "z")?.nonInteractiveShare).toBeNull();
  });

  it("names models missing from the price book instead of guessing their saving, and ignores prompts outside the totals", () => {
    const rows = buildPromptLevers(
      [totals("a", 10)],
      [group("a", "my-custom-model", false, 4), group("gone", "claude-sonnet-5-5", false, 3)],
      SEED_MODEL_CATALOG,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ unbatchedCalls: 4, batchWouldSaveMicros: 0, unpricedModels: ["my-custom-model"] });
  });

  it("finds a model by its alias", () => {
    const alias = SEED_MODEL_CATALOG.find((m) => m.aliases.length > 0)!;
    const rows = buildPromptLevers([totals("a", 10)], [group("a", alias.aliases[0]!, false, 1)], SEED_MODEL_CATALOG);
    expect(rows[0]!.batchWouldSaveMicros).toBe(batchDiscountMicros(usage, alias));
    expect(rows[0]!.unpricedModels).toEqual([]);
  });

  it("never reports a share above 100 % (rollups and the call log read a moment apart)", () => {
    const rows = buildPromptLevers([totals("a", 3)], [group("a", "claude-sonnet-5-5", false, 4)], SEED_MODEL_CATALOG);
    expect(rows[0]!.nonInteractiveShare).toBe(1);
  });
});

describe("sumPromptLevers", () => {
  it("adds the rows up and derives the project's share", () => {
    const rows = buildPromptLevers(
      [totals("a", 100, { cacheSavingsMicros: 5, batchSavingsMicros: 7 }), totals("b", 100, { cacheSavingsMicros: 1 })],
      [group("a", "claude-sonnet-5-5", false, 30), group("b", "claude-sonnet-5-5", true, 10)],
      SEED_MODEL_CATALOG,
    );
    const total = sumPromptLevers(rows);
    expect(total).toMatchObject({ calls: 200, nonInteractiveCalls: 40, batchedCalls: 10, unbatchedCalls: 30, cacheSavingsMicros: 6, batchSavingsMicros: 7 });
    expect(total.nonInteractiveShare).toBeCloseTo(0.2, 10);
    expect(total.batchWouldSaveMicros).toBe(batchDiscountMicros(usage, sonnet));
    expect(sumPromptLevers([]).nonInteractiveShare).toBeNull();
  });
});

function routedGroup(promptId: string, requestedModel: string, routedModel: string, calls: number, batch = false, tokens = usage): RoutedGroup {
  return { promptId, requestedModel, routedModel, batch, calls, ...tokens };
}

describe("routing savings: the routed calls on the requested model minus on the routed one, at current prices", () => {
  it("prices the same tokens on both models (Sonnet 5.5 -> Haiku 5.5 by hand)", () => {
    // Sonnet: 2_000_000 + 150_000 + 160_000 + 100_000 + 2_000_000 = 4_410_000 micro-dollars.
    // Haiku ($0.1 in, $0.125 5m write, $0.2 1h write, $0.01 read, $0.5 out per MTok):
    // 100_000 + 7_500 + 8_000 + 5_000 + 100_000 = 220_500.
    expect(routingSavingMicros(usage, sonnet, haiku, false)).toBe(4_410_000 - 220_500);
    // At the batch price both halve.
    expect(routingSavingMicros(usage, sonnet, haiku, true)).toBe(2_205_000 - 110_250);
    // Routed to a dearer model, the saving is negative: Opus 5.5 ($4, $5, $8, $0.2, $20) = 4_000_000 + 300_000 + 320_000 + 100_000 + 4_000_000.
    expect(routingSavingMicros(usage, sonnet, opus, false)).toBe(4_410_000 - 8_720_000);
  });

  it("adds per prompt, keeps downgrades and upgrades apart from nothing (they net), and counts routed calls", () => {
    const rows = buildPromptLevers([totals("a", 100), totals("b", 10)], [], SEED_MODEL_CATALOG, [
      routedGroup("a", "claude-sonnet-5-5", "claude-haiku-5-5", 30),
      routedGroup("a", "claude-sonnet-5-5", "claude-opus-5-5", 5),
      routedGroup("a", "claude-sonnet-5-5", "claude-haiku-5-5", 7, true),
    ]);
    const a = rows.find((r) => r.promptId === "a")!;
    expect(a.routedCalls).toBe(42);
    expect(a.routingSavingsMicros).toBe(
      routingSavingMicros(usage, sonnet, haiku, false) + routingSavingMicros(usage, sonnet, opus, false) + routingSavingMicros(usage, sonnet, haiku, true),
    );
    expect(a.unpricedRoutedModels).toEqual([]);
    expect(rows.find((r) => r.promptId === "b")).toMatchObject({ routedCalls: 0, routingSavingsMicros: 0 });
  });

  it("follows the price book: a cheaper requested model shrinks the saving (prices are data, not constants)", () => {
    const cheaper = SEED_MODEL_CATALOG.map((m) => (m.model === "claude-sonnet-5-5" ? { ...m, inputPerMTok: 1_000_000, outputPerMTok: 5_000_000 } : m));
    const before = buildPromptLevers([totals("a", 1)], [], SEED_MODEL_CATALOG, [routedGroup("a", "claude-sonnet-5-5", "claude-haiku-5-5", 1)]);
    const after = buildPromptLevers([totals("a", 1)], [], cheaper, [routedGroup("a", "claude-sonnet-5-5", "claude-haiku-5-5", 1)]);
    expect(after[0]!.routingSavingsMicros).toBeLessThan(before[0]!.routingSavingsMicros);
    expect(after[0]!.routingSavingsMicros).toBe(1_000_000 + 150_000 + 160_000 + 100_000 + 1_000_000 - 220_500);
  });

  it("names a model missing from the price book (no saving guessed) and ignores prompts outside the totals", () => {
    const rows = buildPromptLevers([totals("a", 5)], [], SEED_MODEL_CATALOG, [
      routedGroup("a", "claude-sonnet-5-5", "my-custom-model", 2),
      routedGroup("gone", "claude-sonnet-5-5", "claude-haiku-5-5", 9),
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ routedCalls: 2, routingSavingsMicros: 0, unpricedRoutedModels: ["my-custom-model"] });
  });

  it("sums into the project's total beside caching and batch", () => {
    const rows = buildPromptLevers([totals("a", 10, { cacheSavingsMicros: 3, batchSavingsMicros: 4 }), totals("b", 10)], [], SEED_MODEL_CATALOG, [
      routedGroup("a", "claude-sonnet-5-5", "claude-haiku-5-5", 1),
      routedGroup("b", "claude-sonnet-5-5", "claude-haiku-5-5", 2),
    ]);
    expect(sumPromptLevers(rows)).toMatchObject({
      routedCalls: 3,
      routingSavingsMicros: 2 * (4_410_000 - 220_500),
      cacheSavingsMicros: 3,
      batchSavingsMicros: 4,
    });
  });
});
