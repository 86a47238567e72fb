// Reference values computed independently with SciPy 1.17 (scipy.stats.ttest_ind(equal_var=False),
// norm, t, binom.sf) and by hand from the textbook formulas; the Welch samples are the first
// example of the Wikipedia "Welch's t-test" article.
import { describe, expect, it } from "vitest";
import {
  binomialUpperTail,
  holmAdjust,
  momentsOf,
  relativeLift,
  sampleSizeForMeans,
  sampleSizeForProportions,
  studentTCdf,
  studentTQuantile,
  summarizeMean,
  twoProportionTest,
  welchTest,
  wilsonInterval,
} from "@/lib/experiments/stats";

const A = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
const B = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];

describe("distributions (jstat)", () => {
  it("match SciPy", () => {
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228138851986274, 6);
    expect(studentTCdf(2, 10)).toBeCloseTo(0.9633059826146299, 8);
  });
});

describe("Welch's t-test", () => {
  it("matches scipy.stats.ttest_ind(equal_var=False) on the Wikipedia example", () => {
    const r = welchTest(momentsOf(A), momentsOf(B));
    expect(r).not.toBeNull();
    expect(r!.statistic).toBeCloseTo(2.455356398286006, 6);
    expect(r!.df).toBeCloseTo(24.988529290231416, 5);
    expect(r!.pValue).toBeCloseTo(0.021378001462866992, 5);
    expect(r!.differenceCi.low).toBeCloseTo(0.3492370661924069, 5);
    expect(r!.differenceCi.high).toBeCloseTo(3.984096267140929, 5);
  });

  it("is symmetric and null without variance or data", () => {
    const ab = welchTest(momentsOf(A), momentsOf(B))!;
    const ba = welchTest(momentsOf(B), momentsOf(A))!;
    expect(ba.statistic).toBeCloseTo(-ab.statistic, 10);
    expect(ba.pValue).toBeCloseTo(ab.pValue, 10);
    expect(welchTest(momentsOf([1, 1, 1]), momentsOf([1, 1]))).toBeNull();
    expect(welchTest(momentsOf([1]), momentsOf([1, 2]))).toBeNull();
  });
});

describe("two-proportion z-test", () => {
  it("matches the hand computation (120/1000 vs 150/1000)", () => {
    const r = twoProportionTest(120, 1000, 150, 1000)!;
    expect(r.statistic).toBeCloseTo(1.963049807622355, 8);
    expect(r.pValue).toBeCloseTo(0.04964038686536878, 6);
    expect(r.differenceCi.low).toBeCloseTo(7.602882129778554e-5, 6);
    expect(r.differenceCi.high).toBeCloseTo(0.05992397117870221, 6);
  });
  it("has no test for empty groups or no variance", () => {
    expect(twoProportionTest(0, 0, 1, 10)).toBeNull();
    expect(twoProportionTest(0, 10, 0, 10)).toBeNull();
  });
});

describe("intervals", () => {
  it("Wilson 8/10 = (0.4902, 0.9433)", () => {
    const ci = wilsonInterval(8, 10)!;
    expect(ci.low).toBeCloseTo(0.49016247153664183, 6);
    expect(ci.high).toBeCloseTo(0.9433178485456247, 6);
    expect(wilsonInterval(0, 0)).toBeNull();
  });
  it("t interval of a mean", () => {
    const s = summarizeMean(momentsOf([2, 4, 4, 4, 5, 5, 7, 9]));
    expect(s.mean).toBe(5);
    expect(s.ci!.low).toBeCloseTo(3.21251208176379, 6);
    expect(s.ci!.high).toBeCloseTo(6.787487918236209, 6);
  });
  it("relative lift by the delta method", () => {
    const r = relativeLift({ mean: 10, se: 0.5 }, { mean: 12, se: 0.6 })!;
    expect(r.lift).toBeCloseTo(0.2, 10);
    expect(r.ci.low).toBeCloseTo(0.033691541078038595, 6);
    expect(r.ci.high).toBeCloseTo(0.3663084589219613, 6);
    expect(relativeLift({ mean: 0, se: 1 }, { mean: 1, se: 1 })).toBeNull();
  });
});

describe("sample sizes (alpha 0.05, power 0.8)", () => {
  it("proportions: 0.5 -> 0.6 needs 388 per group, 0.8 -> 0.85 needs 906", () => {
    expect(sampleSizeForProportions(0.5, 0.6)).toBe(388); // 387.34 rounded up
    expect(sampleSizeForProportions(0.8, 0.85)).toBe(906); // 905.37
  });
  it("means: sd 10, delta 5 needs 63 per group", () => {
    expect(sampleSizeForMeans(10, 5)).toBe(63); // 62.79
  });
});

describe("guardrail test", () => {
  it("exact binomial upper tail matches scipy binom.sf", () => {
    expect(binomialUpperTail(5, 20, 0.05)).toBeCloseTo(0.0025739403346522792, 8);
    expect(binomialUpperTail(30, 100, 0.2)).toBeCloseTo(0.011248978720991648, 6);
    expect(binomialUpperTail(0, 100, 0.2)).toBe(1);
  });
});

describe("Holm–Bonferroni adjustment", () => {
  it("matches the hand computation of the Wikipedia example (p = 0.01, 0.04, 0.03, 0.005)", () => {
    // Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 -> running max 0.02, 0.03, 0.06, 0.06.
    const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((v, i) => expect(adjusted[i]).toBeCloseTo(v, 12));
    // At alpha 0.05 the first and last are rejected, as in the article.
    expect(adjusted.map((p) => p < 0.05)).toEqual([true, false, false, true]);
  });
  it("a larger planned family (untested comparisons count as p = 1), ties, the cap at 1", () => {
    const fam = holmAdjust([0.01, 0.04, 0.03], 4); // 0.01*4, 0.03*3, max(0.04*2, 0.09)
    [0.04, 0.09, 0.09].forEach((v, i) => expect(fam[i]).toBeCloseTo(v, 12));
    expect(holmAdjust([0.02, 0.02])).toEqual([0.04, 0.04]);
    expect(holmAdjust([0.5, 0.6])).toEqual([1, 1]);
    expect(holmAdjust([0.2])).toEqual([0.2]);
    expect(holmAdjust([])).toEqual([]);
    expect(() => holmAdjust([0.1, 0.2], 1)).toThrow(RangeError);
  });
});
