import { describe, expect, it } from "vitest";
import { TEST_DESIGN, variantAggregate } from "../fixtures/variant-aggregate";
import { buildDecisionRecord, parseDecision, sinceDecision } from "@/lib/experiments/decision";
import { computeResults, type VariantAggregate } from "@/lib/experiments/results";
import type { Design } from "@/lib/experiments/schemas";

const design: Design = { ...TEST_DESIGN, plannedPerVariant: 300 };

const agg = variantAggregate;

const results = (a: Partial<VariantAggregate>, b: Partial<VariantAggregate>, ended = false) =>
  computeResults({ primaryMetric: "accuracy", design, variants: [agg("A", a), agg("B", b)], effectiveWeights: { A: 50, B: 50 }, ended });

describe("an ended experiment's verdict", () => {
  it("a completed experiment no longer says promote it", () => {
    const live = results({ calls: 400, scored: 400, scoreSum: 300 }, { calls: 400, scored: 400, scoreSum: 360 }, true);
    expect(live.winnerKey).toBe("B");
    expect(live.verdict).not.toMatch(/promote/i);
    expect(live.verdict).toBe("B won on accuracy (the experiment has ended).");
  });
});

describe("decision record", () => {
  const at = new Date("2026-12-01T10:00:00Z");
  const decided = results({ calls: 400, scored: 400, scoreSum: 300 }, { calls: 400, scored: 400, scoreSum: 360 });

  it("freezes the results with a past-tense verdict and survives the JSON column", () => {
    const record = buildDecisionRecord({ at, action: "promoted", promoted: { key: "B", version: "1.0.1" }, label: "production", results: decided });
    expect(record.verdict).toBe("Promoted B (1.0.1) to production: B won on accuracy with 800 calls.");
    expect(parseDecision(JSON.parse(JSON.stringify(record)))).toEqual(record);
    expect(parseDecision(null)).toBeNull();
    expect(parseDecision({ at: "x" })).toBeNull();
    const ended = buildDecisionRecord({ at, action: "completed", promoted: null, label: "production", results: results({ calls: 10 }, { calls: 12 }) });
    expect(ended.verdict).toBe("Ended without promoting: no variant had won on accuracy yet (22 calls); production kept its version.");
  });

  it("later calls and later scores are counted apart, and the frozen numbers do not move", () => {
    const record = buildDecisionRecord({ at, action: "promoted", promoted: { key: "B", version: "1.0.1" }, label: "production", results: decided });
    const frozen = JSON.stringify(record);
    // 40 more B calls, 30 of them scored, and 10 older A calls scored late.
    const live = results({ calls: 400, scored: 410, scoreSum: 301 }, { calls: 440, scored: 430, scoreSum: 370 }, true);
    expect(sinceDecision(record.results, live)).toEqual({
      calls: 40,
      scored: 40,
      variants: [
        { key: "A", calls: 0, scored: 10 },
        { key: "B", calls: 40, scored: 30 },
      ],
    });
    expect(JSON.stringify(record)).toBe(frozen);
    expect(record.results.variants[1]!.metrics.accuracy.mean).toBeCloseTo(0.9, 10);
  });
});
