// Eval results against PostgreSQL: per-version summaries and the release gate, the per-item
// results pages (keyset paging, filters), the paired comparison with the baseline and its
// regressions, human review (roles, audit, hostile notes) and the judge's calibration. Runs are
// written straight into the tables by tests/fixtures/eval-runs.ts, with patterns whose figures
// are computed here by plain counting.
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import type { EvaluatorConfig } from "@/lib/evals/evaluator-config";
import { compareToBaseline, getRunResults, judgeCalibration, recordReview, summarizeRun, type EvalVersionSummary } from "@/lib/evals/results";
import { mcnemarExact, pairedTTest, wilsonInterval } from "@/lib/experiments/stats";
import { binary, createEvalRunFixture, graded, type EvalRunFixture } from "../fixtures/eval-runs";

const N = 40;
const evaluators: EvaluatorConfig[] = [
  { type: "exact_match", id: "exact", normalize: { trim: true, caseInsensitive: false, collapseWhitespace: false, stripPunctuation: false } },
  { type: "llm_judge", id: "judge", prompt: "rubric", version: "production", threshold: 0.5 },
];
// v0 = baseline 1.2.0; v1 = 1.3.0 regresses items 1 and 2 and fixes every 8th; v2 = draft, like v0 but items 0-4 errored.
const pass = [(i: number) => i % 4 !== 0, (i: number) => (i % 4 !== 0 && i !== 1 && i !== 2) || i % 8 === 0, (i: number) => i % 4 !== 0];
const judgeScore = (v: number, i: number) => (v === 1 ? (pass[1]!(i) ? 0.9 : 0.3) : pass[v]!(i) ? 0.8 : 0.2);
const errored = (v: number, i: number) => v === 2 && i < 5;
// People: items 0-9 reviewed on every version (correct unless i % 3 == 0), item 10 skipped;
// items 20-29 of v1 have a person's score on the logged call (1 for even items).
const human = (i: number) => i % 3 !== 0;
const callScore = (v: number, i: number) => (v === 1 && i >= 20 && i < 30 ? (i % 2 === 0 ? 1 : 0) : null);
const gate = { labels: ["production"], minScore: 0.6, failOnRegression: true };

let f: EvalRunFixture;
let other: EvalRunFixture;

beforeAll(async () => {
  f = await createEvalRunFixture({
    items: N,
    versions: ["1.2.0", "1.3.0", "1.4.0-draft"],
    evaluators,
    settings: { evals: { gate } },
    result: (i, v) =>
      errored(v, i)
        ? { outcome: "errored", error: "overloaded", costMicros: 0, latencyMs: null }
        : {
            scores: { exact: binary(pass[v]!(i)), judge: graded(judgeScore(v, i), 0.5, `reason ${i}/${v}`) },
            costMicros: 100 + i,
            latencyMs: 1000 + 10 * i,
            ...(i < 10
              ? { review: { verdict: human(i) ? ("correct" as const) : ("incorrect" as const) } }
              : i === 10
                ? { review: { verdict: "skip" as const } }
                : {}),
            callScore: callScore(v, i),
          },
  });
  // A second run in the same project: 5 items every one judged pass and marked correct.
  other = await createEvalRunFixture({
    project: f.project,
    items: 5,
    versions: ["2.0.0"],
    evaluators,
    result: () => ({ scores: { exact: binary(true), judge: graded(0.7) }, review: { verdict: "correct" } }),
  });
});

async function summaries(runId: string): Promise<Array<{ display: string; summary: EvalVersionSummary; gatePassed: boolean | null }>> {
  const rows = await getDb().evalRunVersion.findMany({ where: { runId }, orderBy: { position: "asc" } });
  return rows.map((r) => ({ display: r.display, summary: r.summary as unknown as EvalVersionSummary, gatePassed: r.gatePassed }));
}

describe("summarizeRun", () => {
  it("writes per-version counts, cost, latency percentiles and evaluator figures", async () => {
    await summarizeRun(f.runId);
    const [v0, v1, v2] = await summaries(f.runId);
    expect(v0!.summary).toMatchObject({
      items: 40,
      succeeded: 40,
      errored: 0,
      canceled: 0,
      expired: 0,
      costMicros: 40 * 100 + (39 * 40) / 2,
      regressions: null,
    });
    // percentile_cont over 1000, 1010, ..., 1390: p50 = 1195, p95 = 1000 + 10 * 0.95 * 39 = 1370.5 -> 1371
    expect(v0!.summary.latencyP50Ms).toBe(1195);
    expect(v0!.summary.latencyP95Ms).toBe(1371);
    const exact = v0!.summary.evaluators.exact!;
    expect(exact.n).toBe(40);
    expect(exact.mean).toBeCloseTo(0.75, 12);
    expect(exact.passRate).toBeCloseTo(0.75, 12);
    const wilson = wilsonInterval(30, 40)!;
    expect(exact.passCi95![0]).toBeCloseTo(wilson.low, 12);
    expect(exact.passCi95![1]).toBeCloseTo(wilson.high, 12);
    const judge = v0!.summary.evaluators.judge!;
    expect(judge.mean).toBeCloseTo((30 * 0.8 + 10 * 0.2) / 40, 12);
    expect(judge.ci95![0]).toBeLessThan(judge.mean!);
    expect(judge.ci95![1]).toBeGreaterThan(judge.mean!);
    expect(v0!.summary.combined.mean).toBeCloseTo((30 * 0.9 + 10 * 0.1) / 40, 12);

    expect(v1!.summary.regressions).toBe(2);
    expect(v1!.summary.evaluators.exact!.passRate).toBeCloseTo(33 / 40, 12);

    expect(v2!.summary).toMatchObject({ items: 40, succeeded: 35, errored: 5, regressions: 0 });
    expect(v2!.summary.evaluators.exact!.n).toBe(35);
    expect(v2!.summary.costMicros).toBe(Array.from({ length: 35 }, (_, k) => 100 + k + 5).reduce((a, b) => a + b, 0));
  });

  it("judges each version against the project's gate", async () => {
    const [v0, v1, v2] = await summaries(f.runId);
    expect(v0!.gatePassed).toBe(true);
    expect(v1!.gatePassed).toBe(false);
    expect(v1!.summary.gate!.reasons).toEqual(["2 items passed on the baseline and fail here"]);
    expect(v2!.gatePassed).toBe(true);
  });

  it("names the gate's evaluator and leaves gatePassed null without a gate", async () => {
    await getDb().project.update({
      where: { id: f.project.id },
      data: { settings: { evals: { gate: { ...gate, evaluator: "judge", minScore: 0.7, failOnRegression: false } } } },
    });
    await summarizeRun(f.runId);
    const [v0, v1] = await summaries(f.runId);
    expect(v0!.gatePassed).toBe(false);
    expect(v0!.summary.gate!.reasons[0]).toMatch(/^evaluator "judge" is 0.650, below the minimum 0.7$/);
    expect(v1!.gatePassed).toBe(true);
    await getDb().project.update({ where: { id: f.project.id }, data: { settings: {} } });
    await summarizeRun(f.runId);
    expect((await summaries(f.runId)).map((s) => s.gatePassed)).toEqual([null, null, null]);
    await getDb().project.update({ where: { id: f.project.id }, data: { settings: { evals: { gate } } } });
    await summarizeRun(f.runId);
  });

  it("keeps score intervals within [0, 1] where the t interval would reach past them", async () => {
    // 1 of 12 items scores 1, the rest 0: mean 0.083, t interval about -0.10 to 0.27.
    const skewed = await createEvalRunFixture({
      project: f.project,
      items: 12,
      versions: ["1.0.0"],
      evaluators: [evaluators[0]!],
      baseline: null,
      result: (i) => ({ scores: { exact: binary(i === 0) } }),
    });
    await summarizeRun(skewed.runId);
    const [only] = await summaries(skewed.runId);
    const exact = only!.summary.evaluators.exact!;
    expect(exact.mean).toBeCloseTo(1 / 12, 12);
    expect(exact.ci95![0]).toBe(0);
    expect(exact.ci95![1]).toBeGreaterThan(exact.mean!);
    expect(exact.ci95![1]).toBeLessThanOrEqual(1);
  });

  it("counts every outcome and reads malformed stored scores as unscored", async () => {
    const outcomes = ["succeeded", "errored", "canceled", "expired", "pending"] as const;
    const odd = await createEvalRunFixture({
      project: f.project,
      items: 10,
      versions: ["1.0.0", "1.1.0"],
      evaluators: [evaluators[0]!],
      result: (i, v) => {
        const outcome = outcomes[i % 5]!;
        if (outcome !== "succeeded") return { outcome, output: null };
        // Version 1 holds scores written by hand in the wrong shape.
        return { scores: v === 0 ? { exact: binary(true) } : ({ exact: { score: "1", pass: "yes" } } as never), latencyMs: 500 };
      },
    });
    await summarizeRun(odd.runId);
    const [v0, v1] = await summaries(odd.runId);
    expect(v0!.summary).toMatchObject({ items: 10, succeeded: 2, errored: 2, canceled: 2, expired: 2, latencyP50Ms: 500, latencyP95Ms: 500 });
    expect(v0!.summary.evaluators.exact).toMatchObject({ n: 2, mean: 1, passRate: 1 });
    expect(v1!.summary.evaluators.exact).toEqual({ n: 0, mean: null, ci95: null, passRate: null, passCi95: null });
    const page = await getRunResults(odd.runId, f.project.id, { limit: 1 });
    expect(page.rows[0]!.results[1]!.scores.exact).toEqual({ score: null, pass: null });
    const [comparison] = await compareToBaseline(odd.runId, f.project.id);
    expect(comparison!.evaluators[0]!.passFail.n).toBe(0);
    expect(comparison!.evaluators[0]!.verdict.text).toBe("no detectable difference in pass rate between 1.1.0 and 1.0.0");
  });

  it("is not_found for an unknown run", async () => {
    await expect(summarizeRun("no-such-run")).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("getRunResults", () => {
  it("pages every item once, in dataset order, with each version side by side", async () => {
    const seen: number[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await getRunResults(f.runId, f.project.id, { after, limit: 7 });
      expect(page.total).toBe(N);
      for (const row of page.rows) {
        seen.push(row.ordinal);
        expect(row.results.map((r) => r.display)).toEqual(["1.2.0", "1.3.0", "1.4.0-draft"]);
      }
      after = page.nextCursor ?? undefined;
      pages += 1;
    } while (after);
    expect(pages).toBe(6);
    expect(seen).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  it("carries outputs, scores with reasons, reviews and regressions", async () => {
    const page = await getRunResults(f.runId, f.project.id, { limit: 3 });
    const item1 = page.rows[1]!;
    expect(item1.key).toBe("item-1");
    expect(item1.variables).toEqual({ question: "question 1" });
    expect(item1.expected).toBe("answer 1");
    const [base, cand, draft] = item1.results;
    expect(base).toMatchObject({ outcome: "succeeded", passed: true, regression: false, output: "output 1 of 1.2.0", costMicros: 101, latencyMs: 1010 });
    expect(base!.scores.judge).toEqual({ score: 0.8, pass: true, reason: "reason 1/0" });
    expect(base!.review).toMatchObject({ verdict: "correct", reviewerId: f.project.editor.userId });
    expect(cand).toMatchObject({ passed: false, regression: true });
    expect(draft).toMatchObject({ outcome: "errored", error: "overloaded", output: null, passed: null, regression: false });
    expect(item1.regression).toBe(true);
  });

  it("filters regressions, failures and unreviewed items", async () => {
    const regressions = await getRunResults(f.runId, f.project.id, { filter: "regressions" });
    expect(regressions.total).toBe(2);
    expect(regressions.rows.map((r) => r.key)).toEqual(["item-1", "item-2"]);
    const failed = await getRunResults(f.runId, f.project.id, { filter: "failed", limit: 500 });
    const expectedFailed = Array.from({ length: N }, (_, i) => i).filter((i) => [0, 1, 2].some((v) => (errored(v, i) ? true : !pass[v]!(i))));
    expect(failed.total).toBe(expectedFailed.length);
    expect(failed.rows.map((r) => r.ordinal)).toEqual(expectedFailed);
    const unreviewed = await getRunResults(f.runId, f.project.id, { filter: "unreviewed", limit: 500 });
    expect(unreviewed.rows.map((r) => r.ordinal)).toEqual(Array.from({ length: N - 11 }, (_, k) => k + 11));
    // Paging inside a filter.
    const first = await getRunResults(f.runId, f.project.id, { filter: "failed", limit: 5 });
    const second = await getRunResults(f.runId, f.project.id, { filter: "failed", limit: 5, after: first.nextCursor! });
    expect([...first.rows, ...second.rows].map((r) => r.ordinal)).toEqual(expectedFailed.slice(0, 10));
  });

  it("refuses foreign runs, forged cursors and clamps the page size", async () => {
    await expect(getRunResults(f.runId, other.project.id === f.project.id ? "another-project" : other.project.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(getRunResults(f.runId, f.project.id, { after: "not-a-cursor\u0000" })).rejects.toMatchObject({ code: "bad_request" });
    await expect(getRunResults(f.runId, f.project.id, { after: Buffer.from('{"ordinal":"x"}').toString("base64url") })).rejects.toMatchObject({
      code: "bad_request",
    });
    expect((await getRunResults(f.runId, f.project.id, { limit: 1e9 })).rows.length).toBe(N);
    expect((await getRunResults(f.runId, f.project.id, { limit: -5 })).rows.length).toBe(1);
    expect((await getRunResults(f.runId, f.project.id, { limit: Number.NaN })).rows.length).toBe(Math.min(N, 50)); // the default page size
    await expect(getRunResults(f.runId, f.project.id, { filter: "bogus" as never })).rejects.toThrow();
  });
});

describe("compareToBaseline", () => {
  it("gives McNemar for pass/fail, paired tests for scores, and the regressions", async () => {
    const comparisons = await compareToBaseline(f.runId, f.project.id);
    expect(comparisons.map((c) => c.display)).toEqual(["1.3.0", "1.4.0-draft"]);
    const [v1, v2] = comparisons;
    expect(v1!.baseline.display).toBe("1.2.0");
    const count = (p: (i: number) => boolean) => Array.from({ length: N }, (_, i) => i).filter(p).length;
    const counts = {
      bothPass: count((i) => pass[0]!(i) && pass[1]!(i)),
      baselineOnly: count((i) => pass[0]!(i) && !pass[1]!(i)),
      candidateOnly: count((i) => !pass[0]!(i) && pass[1]!(i)),
      bothFail: count((i) => !pass[0]!(i) && !pass[1]!(i)),
    };
    expect(counts).toEqual({ bothPass: 28, baselineOnly: 2, candidateOnly: 5, bothFail: 5 });
    const exact = v1!.evaluators.find((e) => e.evaluatorId === "exact")!;
    expect(exact.passFail).toMatchObject({ ...counts, n: 40 });
    expect(exact.passFail.test!.pValue).toBeCloseTo(mcnemarExact(counts)!.pValue, 12);
    expect(exact.verdict.text).toMatch(/^no detectable difference in pass rate between 1.3.0 and 1.2.0 \(95% CI -?\d/);
    expect(v1!.combined.passFail).toMatchObject(counts);

    const judge = v1!.evaluators.find((e) => e.evaluatorId === "judge")!;
    const diffs = Array.from({ length: N }, (_, i) => judgeScore(1, i) - judgeScore(0, i));
    const t = pairedTTest(diffs)!;
    expect(judge.scores.n).toBe(40);
    expect(judge.scores.pairedT!.difference).toBeCloseTo(t.difference, 12);
    expect(judge.scores.pairedT!.pValue).toBeCloseTo(t.pValue, 10);
    expect(judge.scores.wilcoxon).not.toBeNull();
    expect(judge.scores.hodgesLehmann).not.toBeNull();
    // A graded evaluator's headline is its mean score.
    expect(judge.verdict).toBe(judge.scoreVerdict);

    expect(v1!.regressions).toEqual({
      count: 2,
      items: [
        { itemId: f.items[1]!.id, key: "item-1", ordinal: 1 },
        { itemId: f.items[2]!.id, key: "item-2", ordinal: 2 },
      ],
    });
    // The draft: errored items have no pass/fail, so 35 pairs, none discordant.
    const draftExact = v2!.evaluators.find((e) => e.evaluatorId === "exact")!;
    expect(draftExact.passFail.n).toBe(35);
    expect(draftExact.passFail.test!.pValue).toBe(1);
    expect(v2!.regressions.count).toBe(0);
  });

  it("says a clear improvement in words", async () => {
    const better = await createEvalRunFixture({
      project: f.project,
      items: 60,
      versions: ["1.0.0", "1.1.0"],
      evaluators: [evaluators[0]!],
      result: (i, v) => ({ scores: { exact: binary(v === 1 ? i % 10 !== 0 : i % 2 === 0) } }),
    });
    const [c] = await compareToBaseline(better.runId, f.project.id);
    expect(c!.combined.verdict.significant).toBe(true);
    expect(c!.combined.verdict.text).toMatch(/^1.1.0 passes 40 points more often than 1.0.0 \(95% CI [\d.]+ to [\d.]+; p < 0.001\)$/);
  });

  it("has nothing to compare for a single version", async () => {
    expect(await compareToBaseline(other.runId, f.project.id)).toEqual([]);
  });
});

describe("recordReview", () => {
  it("records an editor's verdict with an audit event, replacing the earlier one", async () => {
    const resultId = f.resultIds[30]![1]!;
    await recordReview(resultId, { verdict: "incorrect", note: "  wrong\u0000 tone  " }, { projectId: f.project.id, actor: f.project.editor });
    let row = await getDb().evalResult.findUniqueOrThrow({ where: { id: resultId } });
    expect(row).toMatchObject({ reviewVerdict: "incorrect", reviewNote: "wrong tone", reviewerId: f.project.editor.userId });
    await recordReview(resultId, { verdict: "correct" }, { projectId: f.project.id, actor: f.project.editor });
    row = await getDb().evalResult.findUniqueOrThrow({ where: { id: resultId } });
    expect(row).toMatchObject({ reviewVerdict: "correct", reviewNote: null });
    const events = await getDb().auditEvent.findMany({
      where: { projectId: f.project.id, action: "eval_result.review", targetId: resultId },
      orderBy: { at: "asc" },
    });
    expect(events).toHaveLength(2);
    expect(events[1]!.before).toEqual({ verdict: "incorrect", note: "wrong tone" });
  });

  it("refuses viewers, API keys, foreign results and bad input", async () => {
    const resultId = f.resultIds[31]![0]!;
    const ctx = { projectId: f.project.id, actor: f.project.editor };
    await expect(recordReview(resultId, { verdict: "correct" }, { projectId: f.project.id, actor: f.project.viewer })).rejects.toMatchObject({
      code: "forbidden",
    });
    await expect(
      recordReview(
        resultId,
        { verdict: "correct" },
        { projectId: f.project.id, actor: { kind: "api_key", apiKeyId: "k", projectId: f.project.id, role: "ADMIN" } },
      ),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(recordReview("missing", { verdict: "correct" }, ctx)).rejects.toMatchObject({ code: "not_found" });
    const stranger = await createEvalRunFixture({ items: 1, versions: ["1.0.0"], evaluators, result: () => ({ scores: {} }) });
    await expect(recordReview(stranger.resultIds[0]![0]!, { verdict: "correct" }, ctx)).rejects.toMatchObject({ code: "not_found" });
    await expect(recordReview(resultId, { verdict: "maybe" as never }, ctx)).rejects.toMatchObject({ code: "unprocessable" });
    await expect(recordReview(resultId, { verdict: "correct", note: "x".repeat(2_001) }, ctx)).rejects.toMatchObject({ code: "unprocessable" });
    expect((await getDb().evalResult.findUniqueOrThrow({ where: { id: resultId } })).reviewVerdict).toBeNull();
    // The draft's errored item has nothing to review.
    await expect(recordReview(f.resultIds[3]![2]!, { verdict: "correct" }, ctx)).rejects.toMatchObject({
      code: "unprocessable",
      message: expect.stringMatching(/no output/),
    });
  });
});

describe("judgeCalibration", () => {
  /** The expected matrix of the main run, counted here from the patterns. */
  function expectedMatrix(extra: { correctPass: number } = { correctPass: 0 }) {
    const m = { correctPass: extra.correctPass, correctFail: 0, incorrectPass: 0, incorrectFail: 0 };
    let reviews = extra.correctPass;
    let callScores = 0;
    for (let i = 0; i < N; i += 1) {
      for (let v = 0; v < 3; v += 1) {
        if (errored(v, i)) continue;
        let person: boolean | null = null;
        if (i < 10) person = human(i);
        else if (i !== 10 && callScore(v, i) !== null) person = callScore(v, i)! >= 0.5;
        if (person === null) continue;
        if (i < 10) reviews += 1;
        else callScores += 1;
        const judged = pass[v]!(i);
        if (person && judged) m.correctPass += 1;
        else if (person) m.correctFail += 1;
        else if (judged) m.incorrectPass += 1;
        else m.incorrectFail += 1;
      }
    }
    return { m, reviews, callScores };
  }

  it("counts the judge's agreement with reviews and call scores for one run", async () => {
    // recordReview above changed item 30 of v1 to "correct": reset it so the patterns hold.
    await getDb().evalResult.update({
      where: { id: f.resultIds[30]![1]! },
      data: { reviewVerdict: null, reviewNote: null, reviewerId: null, reviewedAt: null },
    });
    const calibration = await judgeCalibration(f.project.id, { runId: f.runId });
    expect(calibration.evaluators.map((e) => e.evaluatorId)).toEqual(["judge", "exact"]);
    const judge = calibration.evaluators[0]!;
    const { m, reviews, callScores } = expectedMatrix();
    expect(judge).toMatchObject({ type: "llm_judge", rubric: "rubric", matrix: m, n: reviews + callScores, sources: { reviews, callScores } });
    expect(judge.agreement).toBeCloseTo((m.correctPass + m.incorrectFail) / (reviews + callScores), 12);
    expect(judge.kappa!.kappa).not.toBeNull();
    expect(judge.kappa!.ci).not.toBeNull();
  });

  it("sums the project's runs and filters by evaluator", async () => {
    const calibration = await judgeCalibration(f.project.id, { evaluatorId: "judge" });
    expect(calibration.evaluators).toHaveLength(1);
    expect(calibration.evaluators[0]!.matrix).toEqual(expectedMatrix({ correctPass: 5 }).m);
    expect(await judgeCalibration("no-such-project")).toEqual({ evaluators: [] });
  });
});
