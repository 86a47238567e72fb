import { describe, expect, it } from "vitest";
import { baselineOf, gateVerdict, runEvaluators, type EvalVersionSummary } from "@/lib/evals/summary";

const figure = (mean: number | null) => ({ n: mean === null ? 0 : 10, mean, ci95: null, passRate: null, passCi95: null });
const summary = (combined: number | null, regressions: number | null, evaluators: Record<string, number | null> = {}): EvalVersionSummary => ({
  items: 10,
  succeeded: 10,
  errored: 0,
  canceled: 0,
  expired: 0,
  costMicros: 0,
  latencyP50Ms: null,
  latencyP95Ms: null,
  evaluators: Object.fromEntries(Object.entries(evaluators).map(([id, mean]) => [id, figure(mean)])),
  combined: figure(combined),
  regressions,
});
const gate = { labels: ["production"], minScore: 0.8, failOnRegression: true, maxAgeDays: 30 };

describe("gateVerdict", () => {
  it("passes at the minimum score with no regressions", () => {
    expect(gateVerdict(gate, summary(0.8, 0))).toEqual({ passed: true, reasons: [] });
    expect(gateVerdict(gate, summary(0.95, null))).toEqual({ passed: true, reasons: [] });
  });

  it("names every reason it fails", () => {
    expect(gateVerdict(gate, summary(0.5, 3)).reasons).toEqual([
      "the combined score is 0.500, below the minimum 0.8",
      "3 items passed on the baseline and fail here",
    ]);
    expect(gateVerdict(gate, summary(0.9, 1)).reasons).toEqual(["1 item passed on the baseline and fails here"]);
    expect(gateVerdict({ ...gate, failOnRegression: false }, summary(0.9, 1)).passed).toBe(true);
  });

  it("fails without evidence, and uses the named evaluator", () => {
    expect(gateVerdict(gate, summary(null, 0)).reasons).toEqual(["the combined score has no scored items"]);
    expect(gateVerdict({ ...gate, evaluator: "judge" }, summary(0.99, 0)).reasons).toEqual(['evaluator "judge" is not part of this run']);
    expect(gateVerdict({ ...gate, evaluator: "judge" }, summary(0.1, 0, { judge: 0.85 })).passed).toBe(true);
  });
});

describe("baselineOf and runEvaluators", () => {
  it("takes the named baseline, else the first position", () => {
    const versions = [
      { id: "b", position: 1 },
      { id: "a", position: 0 },
    ];
    expect(baselineOf({ baselineRunVersionId: "b" }, versions)).toBe("b");
    expect(baselineOf({ baselineRunVersionId: null }, versions)).toBe("a");
    expect(baselineOf({ baselineRunVersionId: "gone" }, versions)).toBe("a");
    expect(baselineOf({ baselineRunVersionId: null }, [])).toBeNull();
  });

  it("reads stored evaluator configs leniently", () => {
    expect(runEvaluators([{ type: "valid_json", id: "json" }, { type: "nope", id: "x" }, null]).map((e) => e.id)).toEqual(["json"]);
    expect(runEvaluators({ not: "an array" })).toEqual([]);
  });
});
