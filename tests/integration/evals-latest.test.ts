// The publish dialog's eval panel (lib/evals/latest.ts): the draft's newest eval (by draft row or
// exact content), compared with the version production serves, regressions counted from the
// per-item results, and the release gate's decision for each gated label.
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { getPublishEvalStatus } from "@/lib/evals/latest";
import { saveDraft } from "@/lib/prompts/mutations";
import { setReleaseGate } from "@/lib/prompts/release-gate";
import { evalSummary, insertGateEval } from "../fixtures/gate-evals";
import { makeTestProject, publishPrompt, simpleContent, type TestProject } from "./serving-helpers";

let ctx: TestProject;
let promptId: string;

async function draftRow() {
  return getDb().promptVersion.findFirstOrThrow({ where: { promptId, status: "DRAFT" } });
}
async function production() {
  const label = await getDb().label.findUniqueOrThrow({ where: { promptId_name: { promptId, name: "production" } }, include: { version: true } });
  return label.version;
}

beforeAll(async () => {
  ctx = await makeTestProject();
  promptId = await publishPrompt(ctx.admin, "panel", [simpleContent("v1")], ["production"]);
});

describe("publish eval panel", () => {
  it("says there is no eval when the draft has none (and no gate)", async () => {
    await saveDraft(ctx.admin, { promptId, content: simpleContent("v2 draft") });
    const status = await getPublishEvalStatus(ctx.projectId, promptId);
    expect(status.draft?.id).toBe((await draftRow()).id);
    expect(status.labels).toEqual([expect.objectContaining({ name: "production", version: "1.0.0" })]);
    expect(status.latest).toBeNull();
    expect(status.gate).toBeNull();
  });

  it("shows the latest run against production with scores, regressions and the gate decision", async () => {
    const draft = await draftRow();
    const prod = await production();
    await setReleaseGate(ctx.admin, { labels: ["production", "staging"], minScore: 0.8, failOnRegression: true, maxAgeDays: 30 });
    // An older run, then the newest: the panel shows the newest.
    await insertGateEval({
      projectId: ctx.projectId,
      promptId,
      version: { id: draft.id, contentHash: draft.contentHash },
      gatePassed: false,
      endedAt: new Date(Date.now() - 3_600_000),
    });
    const run = await insertGateEval({
      projectId: ctx.projectId,
      promptId,
      version: { id: draft.id, contentHash: draft.contentHash, display: "1.0.1-draft" },
      baseline: { id: prod.id, contentHash: prod.contentHash, display: "1.0.0" },
      gatePassed: false,
      summary: evalSummary(0.7, { passRate: 0.5 }),
      baselineSummary: evalSummary(0.9, { passRate: 1 }),
    });
    // Four items: two regress (pass -> fail), one improves, one passes on both.
    const db = getDb();
    const versions = await db.evalRunVersion.findMany({ where: { runId: run.runId }, orderBy: { position: "asc" } });
    const [base, cand] = versions;
    const outcomes: Array<[boolean, boolean]> = [
      [true, false],
      [true, false],
      [false, true],
      [true, true],
    ];
    for (const [i, [before, after]] of outcomes.entries()) {
      const item = await db.datasetItem.create({
        data: { datasetId: run.datasetId, key: `k${i}`, ordinal: i, fromVersion: 1, variables: { question: `q${i}` } },
      });
      await db.evalResult.create({
        data: { runId: run.runId, runVersionId: base!.id, itemId: item.id, outcome: "succeeded", output: "a", passed: before, score: before ? 1 : 0 },
      });
      await db.evalResult.create({
        data: { runId: run.runId, runVersionId: cand!.id, itemId: item.id, outcome: "succeeded", output: "b", passed: after, score: after ? 1 : 0 },
      });
    }

    const status = await getPublishEvalStatus(ctx.projectId, promptId);
    expect(status.latest).toMatchObject({
      runId: run.runId,
      status: "completed",
      current: true,
      regressions: 2,
      gatePassed: false,
      draft: { display: "1.0.1-draft", evaluators: { judge: { mean: 0.7, passRate: 0.5 } } },
      baseline: { display: "1.0.0", servedBy: ["production"], evaluators: { judge: { mean: 0.9, passRate: 1 } } },
    });
    expect(status.latest?.draft?.evaluators.judge?.ci95?.[0]).toBeCloseTo(0.65, 10);
    expect(status.latest?.draft?.evaluators.judge?.ci95?.[1]).toBeCloseTo(0.75, 10);
    expect(status.latest?.verdict).toBe("The draft vs 1.0.0: judge: 50% pass vs 100%. Did not pass the release gate.");
    expect(status.gate?.rule).toMatch(/at least 0\.80/);
    expect(status.gate?.decisions.map((d) => [d.label, d.status, d.allowed])).toEqual([
      ["production", "failed", false],
      ["staging", "failed", false],
    ]);
  });

  it("marks an eval of earlier draft content as outdated and the gate as missing an eval", async () => {
    await saveDraft(ctx.admin, { promptId, content: simpleContent("v3 draft, edited after the eval") });
    const status = await getPublishEvalStatus(ctx.projectId, promptId);
    expect(status.latest?.current).toBe(false);
    expect(status.gate?.decisions[0]).toMatchObject({ label: "production", status: "no_eval", allowed: false });
  });

  it("shows a run in progress, and a passing eval lets the gated labels move", async () => {
    const draft = await draftRow();
    await insertGateEval({
      projectId: ctx.projectId,
      promptId,
      version: { id: draft.id, contentHash: draft.contentHash },
      gatePassed: true,
      endedAt: new Date(Date.now() - 60_000),
    });
    await insertGateEval({
      projectId: ctx.projectId,
      promptId,
      version: { id: draft.id, contentHash: draft.contentHash },
      gatePassed: null,
      status: "running",
      summary: null,
    });
    const status = await getPublishEvalStatus(ctx.projectId, promptId);
    expect(status.latest).toMatchObject({ status: "running", regressions: null, verdict: "Still running (40 of 40 done)." });
    expect(status.gate?.decisions.every((d) => d.allowed && d.status === "passed")).toBe(true);
  });

  it("is not_found for a prompt of another project", async () => {
    const other = await makeTestProject();
    await expect(getPublishEvalStatus(other.projectId, promptId)).rejects.toThrow(/does not exist/);
  });
});
