import { describe, expect, it } from "vitest";
import { formatDifference, formatLift, formatRelative } from "@/lib/experiments/format";

// Issue 18 (daily use): a rate's lift reads in points and relative, never one mistaken for the other.
describe("experiment lift in points and relative", () => {
  it("a rate: percentage points, then the relative change (70% -> 79.5%)", () => {
    expect(formatLift("accuracy", 0.095, 0.095 / 0.7)).toBe("+9.5 pts (+14% relative)");
    expect(formatLift("error_rate", -0.012, -0.4)).toBe("-1.2 pts (-40% relative)");
  });

  it("a mean: the difference in the metric's unit, then the relative change", () => {
    expect(formatLift("latency", -120.4, -0.0952)).toBe("-120 ms (-9.5% relative)");
    expect(formatLift("cost_per_call", -400, -0.081)).toBe("-$0.0004 (-8.1% relative)");
    expect(formatLift("output_length", 35.2, 0.04)).toBe("+35 chars (+4.0% relative)");
  });

  it("without a relative lift (control mean 0) only the difference", () => {
    expect(formatLift("refusal_rate", 0.02, null)).toBe("+2.0 pts");
  });

  it("no change reads as ±0", () => {
    expect(formatDifference("accuracy", 0.0001)).toBe("±0.0 pts");
    expect(formatRelative(0)).toBe("±0.0%");
    expect(formatRelative(0.13)).toBe("+13%");
  });
});
