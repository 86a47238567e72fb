// The gate end to end with the real summariser: lib/evals' summarizeRun decides gatePassed
// against the project's gate (score and regressions), and the label move reads that verdict.
// Eval rows come from the shared fixture (tests/fixtures/eval-runs.ts), pointed at real versions.
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { summarizeRun } from "@/lib/evals/summary";
import { getPublishEvalStatus } from "@/lib/evals/latest";
import { moveLabel, publishDraft, saveDraft } from "@/lib/prompts/mutations";
import { binary, createEvalRunFixture, type EvalRunFixture } from "../fixtures/eval-runs";
import { simpleContent } from "./serving-helpers";

let fixture: EvalRunFixture;
let v1: { id: string; contentHash: string };
let v2: { id: string; contentHash: string };

beforeAll(async () => {
  // 20 items; 1.0.0 (baseline) passes all, 1.1.0 passes 19: item 3 regresses.
  fixture = await createEvalRunFixture({
    items: 20,
    versions: ["1.0.0", "1.1.0"],
    evaluators: [{ type: "exact_match", id: "exact", normalize: { trim: true, caseInsensitive: false, collapseWhitespace: false, stripPunctuation: false } }],
    result: (item, version) => ({ scores: { exact: binary(version === 0 || item !== 3) } }),
    settings: { evals: { gate: { labels: ["staging"], minScore: 0.9, failOnRegression: true, maxAgeDays: 30 } } },
  });
  const editor = fixture.project.editor;
  await saveDraft(editor, { promptId: fixture.promptId, content: simpleContent("You answer in one sentence.") });
  const p1 = await publishDraft(editor, { promptId: fixture.promptId, changelog: "first" });
  await saveDraft(editor, { promptId: fixture.promptId, content: simpleContent("You answer in one friendly sentence.") });
  const p2 = await publishDraft(editor, { promptId: fixture.promptId, changelog: "second" });
  v1 = p1;
  v2 = p2;
  // Point the run's versions at the real ones, with their content hashes, as the engine snapshots them.
  const db = getDb();
  const [base, cand] = fixture.versions;
  await db.evalRunVersion.update({ where: { id: base!.id }, data: { versionId: v1.id, snapshot: { versionId: v1.id, contentHash: v1.contentHash } } });
  await db.evalRunVersion.update({ where: { id: cand!.id }, data: { versionId: v2.id, snapshot: { versionId: v2.id, contentHash: v2.contentHash } } });
  await db.evalRun.update({ where: { id: fixture.runId }, data: { endedAt: new Date() } });
});

describe("gate verdicts from summarizeRun", () => {
  it("a regression fails the gate: moving staging to 1.1.0 is refused with the summariser's reason", async () => {
    await summarizeRun(fixture.runId);
    const cand = await getDb().evalRunVersion.findUniqueOrThrow({ where: { id: fixture.versions[1]!.id } });
    expect(cand.gatePassed).toBe(false);
    await expect(moveLabel(fixture.project.editor, { promptId: fixture.promptId, label: "staging", versionId: v2.id })).rejects.toThrow(
      /did not pass \(1 item passed on the baseline and fails here\)/,
    );
    // 1.0.0 passed every item: staging may move there.
    await moveLabel(fixture.project.editor, { promptId: fixture.promptId, label: "staging", versionId: v1.id });
  });

  it("without the regression rule the same run passes (once summarised again) and the move goes through", async () => {
    await getDb().project.update({
      where: { id: fixture.project.id },
      data: { settings: { evals: { gate: { labels: ["staging"], minScore: 0.9, failOnRegression: false, maxAgeDays: 30 } } } },
    });
    await summarizeRun(fixture.runId);
    await moveLabel(fixture.project.editor, { promptId: fixture.promptId, label: "staging", versionId: v2.id });
    const label = await getDb().label.findUniqueOrThrow({ where: { promptId_name: { promptId: fixture.promptId, name: "staging" } } });
    expect(label.versionId).toBe(v2.id);
    // No draft now: the panel has nothing to show for publishing.
    expect((await getPublishEvalStatus(fixture.project.id, fixture.promptId)).latest).toBeNull();
  });
});
