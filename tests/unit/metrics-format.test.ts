import { describe, expect, it } from "vitest";
import { fmtUsd } from "@/components/metrics/format";

describe("fmtUsd", () => {
  it("keeps the digits that tell chart ticks and small amounts apart", () => {
    expect(fmtUsd(null)).toBe("–");
    expect(fmtUsd(0)).toBe("$0");
    expect(fmtUsd(1_234)).toBe("$0.00123");
    expect([25_000, 50_000, 75_000, 100_000].map(fmtUsd)).toEqual(["$0.025", "$0.05", "$0.075", "$0.10"]);
    expect(fmtUsd(731_200)).toBe("$0.731");
    expect(fmtUsd(12_345_678)).toBe("$12.35");
    expect(fmtUsd(123_456_789)).toBe("$123");
  });
});
