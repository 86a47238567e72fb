// Paired statistics against values computed independently: scipy 1.17 and statsmodels 0.13.5
// (tests/unit/stats-paired-reference.py prints every value below, with the call used), and the
// worked example of Fagerland, Lydersen & Laake, "Statistical Analysis of Contingency Tables"
// (2017), chapter 8 (Cavo et al. 2012), for Newcombe's interval.
import { describe, expect, it } from "vitest";
import {
  SIGNED_RANK_EXACT_MAX,
  cohensKappa,
  formatPValue,
  hodgesLehmann,
  mcnemarExact,
  pairedTTest,
  pairedVerdict,
  wilcoxonSignedRank,
} from "@/lib/experiments/stats";

const D1 = [0.8, -0.3, 1.2, 0.5, 2.1, -0.7, 1.6, 0.9, 0.4, 1.1];
const D2 = [0.5, 0.5, 0, 1, -0.5, 0.5, 0, 0.5, 1, -0.5, 0.5, 0.5];
// np.round(np.random.default_rng(12).normal(0.08, 0.3, 80) * 4) / 4
const D3 = [
  0.0, 0.5, 0.25, 0.25, 0.5, -0.25, -0.0, -0.25, 0.0, 0.5, 0.0, 0.25, -0.5, 0.0, -0.25, 0.5, 0.25, 0.25, 0.0, 0.25, 0.25, -0.0, -0.0, 0.0, -0.0, -0.0, -0.0,
  -0.25, 0.25, -0.5, 0.25, -0.0, -0.0, -0.25, 0.0, 0.0, 0.25, -0.0, 0.0, 0.75, 0.25, -0.0, 0.25, 0.0, 0.25, 0.25, -0.0, -0.5, -0.0, 0.25, -0.0, 0.25, 0.25,
  -0.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.75, 0.25, 0.0, 0.25, -0.25, -0.5, -0.25, 0.25, 0.25, -0.5, -0.5, -0.0, 0.0, 0.0, 0.25, 0.5, 0.25, 0.25, -0.25, -0.25, 0.25,
];

describe("mcnemarExact", () => {
  it("matches statsmodels mcnemar(exact=True) and Newcombe's interval for Cavo et al.", () => {
    // Table [[59, 6], [16, 80]]: rows = before (baseline), columns = after (candidate).
    const test = mcnemarExact({ bothPass: 59, baselineOnly: 6, candidateOnly: 16, bothFail: 80 })!;
    // mcnemar([[59, 6], [16, 80]], exact=True).pvalue == stats.binomtest(6, 22, 0.5).pvalue
    expect(test.pValue).toBeCloseTo(0.052478790283203125, 8);
    expect(test.n).toBe(161);
    expect(test.difference).toBeCloseTo(10 / 161, 12);
    // The book: estimate = -0.0621 (95% CI -0.1186 to -0.0046) for baseline - candidate.
    expect(test.differenceCi.low).toBeCloseTo(0.0046, 4);
    expect(test.differenceCi.high).toBeCloseTo(0.1186, 4);
  });

  it("matches statsmodels on more tables", () => {
    // mcnemar([[40, 3], [12, 45]], exact=True).pvalue
    expect(mcnemarExact({ bothPass: 40, baselineOnly: 3, candidateOnly: 12, bothFail: 45 })!.pValue).toBeCloseTo(0.03515625, 10);
    // mcnemar([[500, 180], [250, 70]], exact=True).pvalue
    expect(mcnemarExact({ bothPass: 500, baselineOnly: 180, candidateOnly: 250, bothFail: 70 })!.pValue).toBeCloseTo(0.0008559705446208579, 8);
  });

  it("is symmetric, and p = 1 with no discordant pairs", () => {
    const a = mcnemarExact({ bothPass: 10, baselineOnly: 2, candidateOnly: 7, bothFail: 5 })!;
    const b = mcnemarExact({ bothPass: 10, baselineOnly: 7, candidateOnly: 2, bothFail: 5 })!;
    expect(a.pValue).toBeCloseTo(b.pValue, 12);
    expect(a.difference).toBeCloseTo(-b.difference, 12);
    expect(a.differenceCi.low).toBeCloseTo(-b.differenceCi.high, 12);
    const none = mcnemarExact({ bothPass: 30, baselineOnly: 0, candidateOnly: 0, bothFail: 0 })!;
    expect(none.pValue).toBe(1);
    expect(none.difference).toBe(0);
    expect(none.differenceCi.low).toBeLessThan(0);
    expect(none.differenceCi.high).toBeGreaterThan(0);
    expect(mcnemarExact({ bothPass: 0, baselineOnly: 0, candidateOnly: 0, bothFail: 0 })).toBeNull();
  });

  it("stays finite for 10,000 pairs", () => {
    const t = mcnemarExact({ bothPass: 6000, baselineOnly: 1500, candidateOnly: 1650, bothFail: 850 })!;
    expect(Number.isFinite(t.pValue)).toBe(true);
    expect(t.pValue).toBeGreaterThan(0);
    expect(t.pValue).toBeLessThan(0.01);
  });
});

describe("pairedTTest", () => {
  it("matches scipy ttest_rel", () => {
    // stats.ttest_rel(cand1, base1) with cand1 - base1 = D1; .confidence_interval(0.95)
    const t = pairedTTest(D1)!;
    expect(t.statistic).toBeCloseTo(2.876184614662166, 10);
    expect(t.pValue).toBeCloseTo(0.01829138889611204, 8);
    expect(t.differenceCi.low).toBeCloseTo(0.1622499685999551, 8);
    expect(t.differenceCi.high).toBeCloseTo(1.357750031400045, 8);
    expect(t.df).toBe(9);
  });

  it("matches scipy ttest_1samp on tied data", () => {
    const t = pairedTTest(D3)!;
    expect(t.pValue).toBeCloseTo(0.004655401743737159, 8);
    expect(t.differenceCi.low).toBeCloseTo(0.029686626578376826, 8);
    expect(t.differenceCi.high).toBeCloseTo(0.15781337342162316, 8);
  });

  it("handles degenerate input", () => {
    expect(pairedTTest([1])).toBeNull();
    expect(pairedTTest([0, 0, 0])).toMatchObject({ difference: 0, pValue: 1 });
    expect(pairedTTest([0.5, 0.5, 0.5])).toMatchObject({ difference: 0.5, pValue: 0 });
  });
});

describe("wilcoxonSignedRank", () => {
  it("is exact for small samples without ties (scipy wilcoxon, method auto)", () => {
    const w = wilcoxonSignedRank(D1)!;
    expect(w.method).toBe("exact");
    // scipy reports min(W+, W-) = 5; W+ = 55 - 5
    expect(Math.min(w.wPlus, (10 * 11) / 2 - w.wPlus)).toBe(5);
    expect(w.pValue).toBeCloseTo(0.01953125, 12);
  });

  it("is the exact permutation test with ties and zeros (scipy PermutationMethod(n_resamples=inf))", () => {
    const w = wilcoxonSignedRank(D2)!;
    expect(w.method).toBe("exact");
    expect(w.n).toBe(10);
    expect(w.pValue).toBeCloseTo(0.072265625, 12);
  });

  it("uses the normal approximation with tie and continuity correction above the exact limit", () => {
    // stats.wilcoxon(D3, correction=True, method="asymptotic"): 57 non-zero differences
    const w = wilcoxonSignedRank(D3)!;
    expect(w.n).toBeGreaterThan(SIGNED_RANK_EXACT_MAX);
    expect(w.method).toBe("normal");
    expect(w.pValue).toBeCloseTo(0.008967314019519917, 10);
  });

  it("returns null when every difference is zero, and survives 10,000 pairs", () => {
    expect(wilcoxonSignedRank([0, 0, -0])).toBeNull();
    const many = Array.from({ length: 10_000 }, (_, i) => ((i * 7919) % 13) / 13 - 0.45);
    const w = wilcoxonSignedRank(many)!;
    expect(w.method).toBe("normal");
    expect(w.pValue).toBeGreaterThanOrEqual(0);
    expect(w.pValue).toBeLessThanOrEqual(1);
  });
});

describe("hodgesLehmann", () => {
  it("matches a brute-force median of Walsh averages with its signed-rank interval", () => {
    // hodges_lehmann(D1) in the reference script: (0.8, (0.1, 1.4))
    const hl = hodgesLehmann(D1)!;
    expect(hl.estimate).toBeCloseTo(0.8, 12);
    expect(hl.ci!.low).toBeCloseTo(0.1, 12);
    expect(hl.ci!.high).toBeCloseTo(1.4, 12);
    // hodges_lehmann(D3): (0.125, (0.0, 0.125))
    const hl3 = hodgesLehmann(D3)!;
    expect(hl3.estimate).toBeCloseTo(0.125, 12);
    expect(hl3.ci!.low).toBeCloseTo(0, 12);
    expect(hl3.ci!.high).toBeCloseTo(0.125, 12);
  });

  it("agrees with brute force on random data and scales to 10,000 pairs", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 0.9;
    const d = Array.from({ length: 301 }, random);
    const walsh: number[] = [];
    for (let i = 0; i < d.length; i += 1) for (let j = i; j < d.length; j += 1) walsh.push((d[i]! + d[j]!) / 2);
    walsh.sort((a, b) => a - b);
    const m = walsh.length;
    const median = m % 2 ? walsh[(m - 1) / 2]! : (walsh[m / 2 - 1]! + walsh[m / 2]!) / 2;
    expect(hodgesLehmann(d)!.estimate).toBeCloseTo(median, 12);
    // Heavily tied data (the differences of 0/1 and judge scores) takes the tie path.
    const tied = Array.from({ length: 200 }, () => [-1, -0.5, 0, 0, 0.5, 1, 1][Math.floor((random() + 0.9) * 3.5) % 7]!);
    const tiedWalsh: number[] = [];
    for (let i = 0; i < tied.length; i += 1) for (let j = i; j < tied.length; j += 1) tiedWalsh.push((tied[i]! + tied[j]!) / 2);
    tiedWalsh.sort((a, b) => a - b);
    const tm = tiedWalsh.length;
    const k = Math.floor(tm / 2 - 1.959963984540054 * Math.sqrt((200 * 201 * 401) / 24));
    const hlTied = hodgesLehmann(tied)!;
    expect(hlTied.estimate).toBeCloseTo((tiedWalsh[tm / 2 - 1]! + tiedWalsh[tm / 2]!) / 2, 12);
    expect(hlTied.ci!.low).toBeCloseTo(tiedWalsh[k - 1]!, 12);
    expect(hlTied.ci!.high).toBeCloseTo(tiedWalsh[tm - k]!, 12);
    const big = Array.from({ length: 10_000 }, random);
    const started = Date.now();
    expect(hodgesLehmann(big)!.ci).not.toBeNull();
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe("cohensKappa", () => {
  it("matches statsmodels cohens_kappa (kappa, std_kappa, interval)", () => {
    const cases: Array<[number[][], [number, number, number, number]]> = [
      [
        [
          [20, 5],
          [10, 15],
        ],
        [0.3999999999999999, 0.12699606293110033, 0.151092290476661, 0.6489077095233389],
      ],
      [
        [
          [45, 15],
          [25, 15],
        ],
        [0.13043478260869554, 0.0986615376234396, -0.06293827779258965, 0.3238078430099807],
      ],
      [
        [
          [30, 2, 1],
          [3, 25, 4],
          [2, 3, 30],
        ],
        [0.7747747747747747, 0.05351120116723668, 0.6698947477175131, 0.8796548018320364],
      ],
    ];
    for (const [table, [kappa, se, low, high]] of cases) {
      const k = cohensKappa(table)!;
      expect(k.kappa).toBeCloseTo(kappa, 10);
      expect(k.se).toBeCloseTo(se, 10);
      expect(k.ci!.low).toBeCloseTo(low, 8);
      expect(k.ci!.high).toBeCloseTo(high, 8);
    }
  });

  it("is 1 for perfect agreement and undefined when both raters use one category", () => {
    expect(
      cohensKappa([
        [5, 0],
        [0, 5],
      ])!.kappa,
    ).toBeCloseTo(1, 12);
    expect(
      cohensKappa([
        [9, 0],
        [0, 0],
      ])!.kappa,
    ).toBeNull();
    expect(
      cohensKappa([
        [0, 0],
        [0, 0],
      ]),
    ).toBeNull();
    expect(() => cohensKappa([[1, 2]])).toThrow(RangeError);
  });
});

describe("pairedVerdict", () => {
  it("says what changed in plain words", () => {
    expect(pairedVerdict({ candidate: "1.3.0", baseline: "1.2.0", kind: "rate", difference: 0.065, ci: { low: 0.021, high: 0.109 }, pValue: 0.004 })).toEqual({
      significant: true,
      direction: "better",
      text: "1.3.0 passes 6.5 points more often than 1.2.0 (95% CI 2.1 to 10.9; p = 0.004)",
    });
    expect(
      pairedVerdict({ candidate: "draft", baseline: "production", kind: "rate", difference: -0.1, ci: { low: -0.15, high: -0.05 }, pValue: 0.0001 }).text,
    ).toBe("draft passes 10 points less often than production (95% CI -15 to -5; p < 0.001)");
    expect(
      pairedVerdict({ candidate: "1.3.0", baseline: "1.2.0", kind: "score", difference: 0.0421, ci: { low: 0.012, high: 0.0712 }, pValue: 0.006 }).text,
    ).toBe("1.3.0 scores 0.042 higher than 1.2.0 (95% CI 0.012 to 0.071; p = 0.006)");
  });

  it("reports no detectable difference when p >= alpha", () => {
    expect(pairedVerdict({ candidate: "1.3.0", baseline: "1.2.0", kind: "rate", difference: 0.011, ci: { low: -0.012, high: 0.034 }, pValue: 0.41 })).toEqual({
      significant: false,
      direction: "none",
      text: "no detectable difference in pass rate between 1.3.0 and 1.2.0 (95% CI -1.2 to 3.4; p = 0.41)",
    });
    expect(pairedVerdict({ candidate: "a", baseline: "b", kind: "score", difference: 0, ci: null, pValue: null }).text).toBe(
      "no detectable difference in score between a and b",
    );
  });

  it("formats p-values", () => {
    expect(formatPValue(0.0004)).toBe("p < 0.001");
    expect(formatPValue(0.0123)).toBe("p = 0.012");
    expect(formatPValue(0.5)).toBe("p = 0.5");
    expect(formatPValue(1)).toBe("p = 1");
  });
});
