// The quality change of model routing before publishing: an eval run with compareRouting runs the
// draft with its rules (each item on the model they pick, through Message Batches at the batch
// price) and on its own model only (the baseline), and the breakdown shows per rule the score and
// cost of both. Bad input: a version without rules, two versions, another baseline (422 naming it).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { createEvalRun, estimateEvalRun, getEvalRun } from "@/lib/evals/runs";
import { compareToBaseline, routingBreakdown } from "@/lib/evals/results";
import { isAppError } from "@/lib/errors";
import { saveDraft } from "@/lib/prompts/mutations";
import { classifierContent, makeEvalFixture, runToEnd, type EvalFixture } from "./evals-helpers";

let fx: EvalFixture;
const evaluators = [{ type: "exact_match" as const, id: "exact" }];

beforeAll(async () => {
  fx = await makeEvalFixture([
    { review: "I love it, truly positive", expected: "positive" },
    { review: "Awful and negative experience", expected: "negative" },
    { review: "positive again", expected: "negative" },
    { review: "meh", expected: "neutral" },
  ]);
  const draft = await getDb().promptVersion.findFirstOrThrow({ where: { promptId: fx.promptId, status: "DRAFT" }, select: { lockVersion: true } });
  const content = classifierContent(["positive", "negative", "neutral"]);
  await saveDraft(fx.admin, {
    promptId: fx.promptId,
    lockVersion: draft.lockVersion,
    content: {
      ...content,
      modelConfig: {
        ...content.modelConfig,
        routing: {
          rules: [{ name: "says-positive", when: [{ signal: "variable", name: "review", op: "matches", value: "positive" }], model: "claude-haiku-5-5" }],
        },
      },
    },
  });
});

afterAll(async () => {
  await fx.close();
});

async function refusal(input: Parameters<typeof createEvalRun>[0]): Promise<{ message: string; paths: string[] }> {
  try {
    await createEvalRun(input, { projectId: fx.projectId, actor: fx.admin });
  } catch (error) {
    if (isAppError(error) && error.code === "unprocessable") {
      const issues = (error.issues ?? []).map((i) => i.path);
      return { message: error.message, paths: issues };
    }
    throw error;
  }
  throw new Error("expected a 422");
}

describe("eval per routed model", () => {
  it("estimates each item at the price of the model the rules pick", async () => {
    const estimate = await estimateEvalRun(
      { prompt: "sentiment", versions: ["draft"], compareRouting: true, dataset: "reviews", evaluators, mode: "batch" },
      { projectId: fx.projectId },
    );
    expect(estimate.perVersion.map((v) => v.display)).toEqual(["draft on claude-haiku-4-5 only", "draft"]);
    // Haiku 5.5 is ten times cheaper than Haiku 4.5: two of four items routed there make the routed side cheaper.
    const [plain, routed] = estimate.perVersion;
    expect(routed!.batchMicros).toBeLessThan(plain!.batchMicros);
    expect(routed!.inputTokens).toBe(plain!.inputTokens);
  });

  it("runs the draft with its rules and on its own model, and breaks the scores and costs down per rule", async () => {
    const view = await createEvalRun(
      { prompt: "sentiment", versions: ["draft"], compareRouting: true, dataset: "reviews", evaluators, mode: "batch" },
      { projectId: fx.projectId, actor: fx.admin },
    );
    expect(view.versions.map((v) => [v.display, v.baseline, v.versionId === null])).toEqual([
      ["draft on claude-haiku-4-5 only", true, true],
      ["draft", false, false],
    ]);
    await runToEnd(view.id, fx.step);
    expect((await getEvalRun(view.id, fx.projectId))?.status).toBe("completed");

    // The routed side's calls went through the batch at the rule's model and say so.
    const calls = await getDb().callLog.findMany({
      where: { projectId: fx.projectId, source: "eval", metadata: { path: ["evalRunId"], equals: view.id } },
      select: { model: true, requestedModel: true, routedModel: true, routingRule: true, batch: true },
    });
    expect(calls).toHaveLength(8);
    expect(calls.every((c) => c.batch && c.requestedModel === "claude-haiku-4-5")).toBe(true);
    const count = (rule: string | null, model: string) => calls.filter((c) => c.routingRule === rule && c.model === model).length;
    expect(count("says-positive", "claude-haiku-5-5")).toBe(2);
    expect(count("default", "claude-haiku-4-5")).toBe(2);
    expect(count(null, "claude-haiku-4-5")).toBe(4); // the baseline: no rules

    const [breakdown, ...more] = await routingBreakdown(view.id, fx.projectId);
    expect(more).toEqual([]);
    expect(breakdown).toMatchObject({ display: "draft", baselineDisplay: "draft on claude-haiku-4-5 only" });
    const byRule = Object.fromEntries(breakdown!.rules.map((r) => [r.rule, r]));
    expect(byRule["says-positive"]).toMatchObject({ model: "claude-haiku-5-5", items: 2, baseline: { items: 2 } });
    expect(byRule.default).toMatchObject({ model: "claude-haiku-4-5", items: 2, baseline: { items: 2 } });
    // Cost: the rule's items cost less on Haiku 5.5 than the same items on Haiku 4.5.
    expect(byRule["says-positive"]!.costMicros).toBeLessThan(byRule["says-positive"]!.baseline!.costMicros);
    // Scores are the exact-match results of each side, per rule.
    const results = await getDb().evalResult.findMany({
      where: { runId: view.id },
      include: { runVersion: { select: { position: true } }, call: { select: { routingRule: true } } },
    });
    const routedPositive = results.filter((r) => r.runVersion.position === 1 && r.call?.routingRule === "says-positive");
    const mean = routedPositive.reduce((s, r) => s + (r.score ?? 0), 0) / routedPositive.length;
    expect(byRule["says-positive"]!.score).toBeCloseTo(mean, 10);
    // The existing paired comparison compares the routed draft with the draft on its own model.
    const comparisons = await compareToBaseline(view.id, fx.projectId);
    expect(comparisons).toHaveLength(1);
  });

  it("refuses what it cannot compare, naming the problem", async () => {
    const base = { prompt: "sentiment", dataset: "reviews", evaluators, mode: "batch" as const, compareRouting: true };
    expect(await refusal({ ...base, versions: ["production"] })).toMatchObject({
      message: "1.0.0 has no routing rules: there is nothing to compare",
      paths: ["compareRouting"],
    });
    expect((await refusal({ ...base, versions: ["draft", "production"] })).paths).toEqual(["versions"]);
    expect((await refusal({ ...base, versions: ["draft"], baseline: "production" })).paths).toEqual(["versions"]);
  });
});
