// Eval runs in batch mode through the simulator's Message Batches API: every item outcome
// (succeeded, errored and retried once when transient, errored for good, expired, canceled),
// results matched by custom_id whatever their order, code and judge scores, calls logged at the
// batch price, cancel, and a judge that answers prose.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { cancelEvalRun, createEvalRun, estimateEvalRun, getEvalRun } from "@/lib/evals/runs";
import { advanceEvalRun } from "@/lib/evals/worker";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { makeEvalFixture, resultsOf, runToEnd, type EvalFixture } from "./evals-helpers";

let fx: EvalFixture;

beforeAll(async () => {
  fx = await makeEvalFixture([
    { review: "I love it, truly positive", expected: "positive" },
    { review: "Awful and negative experience", expected: "negative" },
    { review: "positive again", expected: "negative" },
    { review: "busy API, positive [[sim:529;count=1;key=retry-once]]", expected: "positive" },
    { review: "broken request [[sim:400]]", expected: "positive" },
    { review: "too late [[sim:expired]]", expected: "positive" },
    { review: "stopped [[sim:canceled]]", expected: "positive" },
    { review: "unicode ✓ 日本語 positive \u{1F600}", expected: "positive" },
  ]);
});

afterAll(async () => {
  await fx.close();
});

describe("eval runs: batch mode", () => {
  it("estimates both modes, batch at half the realtime price", async () => {
    const estimate = await estimateEvalRun(
      { prompt: "sentiment", versions: ["production", "draft"], dataset: "reviews", evaluators: [{ type: "exact_match", id: "exact" }], mode: "batch" },
      { projectId: fx.projectId },
    );
    expect(estimate).toMatchObject({ items: 8, versions: 2, requests: 16, judgeMicros: 0 });
    expect(estimate.realtimeMicros).toBeGreaterThan(0);
    // Half price, up to the rounding of each line of each version's cost.
    expect(Math.abs(estimate.batchMicros * 2 - estimate.realtimeMicros)).toBeLessThanOrEqual(estimate.realtimeMicros * 0.01 + 40);
    expect(estimate.perVersion.map((v) => v.display)).toEqual(["1.0.0", "draft"]);
  });

  it("handles every outcome, retries transient errors once, scores and logs at the batch price", async () => {
    const view = await createEvalRun(
      {
        prompt: "sentiment",
        versions: ["draft"],
        baseline: "production",
        dataset: "reviews",
        evaluators: [
          { type: "exact_match", id: "exact", normalize: { trim: true, caseInsensitive: true, collapseWhitespace: false, stripPunctuation: false } },
          { type: "llm_judge", id: "judge", prompt: "judge-json", version: "production", threshold: 0.5 },
        ],
        mode: "batch",
      },
      { projectId: fx.projectId, actor: fx.admin },
    );
    expect(view).toMatchObject({ status: "queued", phase: "generate", mode: "batch", progress: { done: 0, total: 32 } });
    expect(view.versions.map((v) => [v.requested, v.display, v.baseline])).toEqual([
      ["draft", "draft", false],
      ["production", "1.0.0", true],
    ]);
    expect(view.evaluators[1]).toMatchObject({ type: "llm_judge", version: "1.0.0" });

    await runToEnd(view.id, fx.step);
    const done = (await getEvalRun(view.id, fx.projectId))!;
    expect(done.status).toBe("completed");
    expect(done.phase).toBe("done");
    expect(done.error).toBeNull();
    for (const v of done.versions) expect(v.counts).toEqual({ pending: 0, succeeded: 5, errored: 1, canceled: 1, expired: 1 });

    const results = await resultsOf(view.id);
    const byKey = (key: string) => results.filter((r) => r.item.key === key);
    for (const r of byKey("r4")) expect(r).toMatchObject({ outcome: "errored", output: null });
    expect(byKey("r4")[0]!.error).toContain("invalid_request_error");
    for (const r of byKey("r5")) expect(r.outcome).toBe("expired");
    for (const r of byKey("r6")) expect(r.outcome).toBe("canceled");
    // The transient error: one of the two requests failed in the first batch, both succeeded in the end.
    for (const r of byKey("r3")) expect(r.outcome).toBe("succeeded");
    const batches = await getDb().evalBatch.findMany({ where: { runId: view.id }, orderBy: { submittedAt: "asc" } });
    expect(batches.map((b) => [b.purpose, b.attempt, b.requestCount, b.status])).toEqual([
      ["generate", 1, 16, "ended"],
      ["generate", 2, 1, "ended"],
      ["judge", 1, 10, "ended"],
    ]);

    // Scores: exact match from the code scorer, the judge's JSON answer parsed.
    const positive = byKey("r0").find((r) => r.runVersion.display === "1.0.0")!;
    expect(positive.output).toBe("positive");
    expect(positive.scores).toMatchObject({ exact: { score: 1, pass: true }, judge: { pass: expect.any(Boolean) } });
    expect((positive.scores as Record<string, { score: number }>).judge?.score).toBeGreaterThanOrEqual(0);
    const wrong = byKey("r2").find((r) => r.runVersion.display === "1.0.0")!;
    expect(wrong.scores).toMatchObject({ exact: { score: 0, pass: false } });
    expect(wrong.passed).toBe(false);

    // Calls: one per batch request that returned (succeeded or errored), source eval, batch price.
    await getCallLogWriter().flush();
    const calls = await getDb().callLog.findMany({ where: { projectId: fx.projectId, source: "eval" } });
    const succeededOrErrored = 16 - 2 /* expired */ - 2 /* canceled */ + 1; /* the retried one */
    expect(calls.filter((c) => c.promptId === fx.promptId)).toHaveLength(succeededOrErrored);
    expect(calls.every((c) => c.batch)).toBe(true);
    const sample = calls.find((c) => c.status === "ok" && c.promptId === fx.promptId)!;
    // Haiku 4.5 costs $1 / $5 per MTok (1 and 5 micro-dollars per token); the batch takes 50% off each line.
    expect(sample.cacheReadTokens + sample.cacheWriteTokens).toBe(0);
    expect(Number(sample.costMicros)).toBe(Math.round(sample.inputTokens * 0.5) + Math.round(sample.outputTokens * 2.5));
    const linked = results.filter((r) => r.callLogId !== null);
    // 10 succeeded + the 2 errored for good link their call; expired and canceled requests made none.
    expect(linked.length).toBe(12);
    expect(Number(done.costMicros)).toBeGreaterThan(0);
    expect(done.progress).toEqual({ done: 32 - 6, total: 32 });
  });

  it("a judge that answers prose: score null with the error shown, the run still completes", async () => {
    const view = await createEvalRun(
      {
        prompt: "sentiment",
        versions: ["production"],
        dataset: "reviews",
        datasetVersion: 1,
        evaluators: [{ type: "llm_judge", id: "prose", prompt: "judge-prose", version: "production", threshold: 0.5 }],
        mode: "batch",
      },
      { projectId: fx.projectId, actor: fx.admin },
    );
    await runToEnd(view.id, fx.step);
    const done = (await getEvalRun(view.id, fx.projectId))!;
    expect(done.status).toBe("completed");
    const ok = (await resultsOf(view.id)).filter((r) => r.outcome === "succeeded");
    expect(ok.length).toBeGreaterThan(0);
    for (const r of ok) {
      const score = (r.scores as Record<string, { score: number | null; pass: boolean | null; error?: string }>).prose;
      expect(score).toMatchObject({ score: null, pass: null });
      expect(score!.error).toMatch(/did not answer JSON/);
      expect(r.score).toBeNull();
    }
  });

  it("cancel: the Message Batch is canceled, what finished is kept, the rest ends canceled", async () => {
    const slow = await makeEvalFixture(
      Array.from({ length: 6 }, (_, i) => ({ review: `review ${i} positive`, expected: "positive" })),
      { batchMs: 60_000 },
    );
    try {
      const view = await createEvalRun(
        { prompt: "sentiment", versions: ["production"], dataset: "reviews", evaluators: [{ type: "valid_json", id: "json" }], mode: "batch" },
        { projectId: slow.projectId, actor: slow.admin },
      );
      expect(await advanceEvalRun(view.id, slow.step)).toBeGreaterThan(0);
      const submitted = await getDb().evalBatch.findMany({ where: { runId: view.id } });
      expect(submitted).toHaveLength(1);
      const canceling = await cancelEvalRun(view.id, { projectId: slow.projectId, actor: slow.admin });
      expect(canceling).toMatchObject({ status: "running", cancelRequested: true });
      await runToEnd(view.id, slow.step);
      const done = (await getEvalRun(view.id, slow.projectId))!;
      expect(done.status).toBe("canceled");
      expect(done.versions[0]!.counts.pending).toBe(0);
      expect(done.versions[0]!.counts.canceled).toBe(6);
      const batch = await slow.transport.retrieveBatch(submitted[0]!.providerBatchId);
      expect(batch.processing_status).toBe("ended");
      expect(batch.request_counts.canceled).toBe(6);
      await expect(cancelEvalRun(view.id, { projectId: slow.projectId, actor: slow.admin })).rejects.toMatchObject({ code: "conflict" });
    } finally {
      await slow.close();
    }
  });
});
