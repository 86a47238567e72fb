import { expect, test } from "@playwright/test";
import { getDb } from "@/lib/db/client";
import { saveDraft, starterContent } from "@/lib/prompts/mutations";
import { evalSummary, insertGateEval } from "../fixtures/gate-evals";
import { ADMIN_STATE, PROJECT, SCREENSHOT_DIR } from "./fixtures";
import { createPromptViaUi, uniqueName } from "./prompts-helpers";

// The release gate end to end: an admin gates a label (a label of its own, so specs running in
// parallel on the demo project are not affected), the publish dialog shows the draft has no eval
// and blocks ticking the gated label, a move without an eval is refused with the reason, a passing
// eval lets it through, and the dialog's eval panel shows a run against the label's version.
// Eval rows are inserted directly (as the eval worker would write them) to keep this spec fast.
test.describe.configure({ mode: "serial" });
test.use({ storageState: ADMIN_STATE });

const gated = `gate-${Date.now().toString(36)}`;

test.afterAll(async ({ browser }) => {
  // Leave the demo project without a gate, whatever happened above.
  const page = await browser.newPage({ storageState: ADMIN_STATE });
  await page.goto(`/p/${PROJECT}/settings`);
  const remove = page.getByTestId("gate-remove");
  if (await remove.isVisible()) {
    await remove.click();
    await expect(page.getByTestId("gate-notice")).toContainText("removed");
  }
  await page.close();
});

test("configure the gate, see a move refused with the reason, and the publish dialog's eval panel", async ({ page }) => {
  // 1. Settings: bad input is named, then the gate is saved.
  await page.goto(`/p/${PROJECT}/settings`);
  const card = page.getByTestId("release-gate-card");
  await expect(card).toContainText("A rollback to a version the label served before is always allowed");
  await card.getByTestId("gate-label-production").uncheck();
  await card.getByTestId("gate-other-labels").fill(gated);
  await card.getByTestId("gate-min-score").fill("1.5");
  await card.getByTestId("gate-save").click();
  await expect(card).toContainText("the minimum score is between 0 and 1");
  await card.getByTestId("gate-min-score").fill("0.8");
  await card.getByTestId("gate-max-age").fill("14");
  await card.getByTestId("gate-save").click();
  await expect(card.getByTestId("gate-notice")).toContainText("Release gate saved");
  await expect(card.getByTestId(`gate-label-${gated}`)).toBeChecked();
  await page.screenshot({ path: `${SCREENSHOT_DIR}/release-gate-settings.png`, fullPage: true });

  // 2. A new prompt's draft: no eval yet, and the gated label cannot be ticked for this publish.
  const name = uniqueName("gate");
  await createPromptViaUi(page, name);
  await page.goto(`/p/${PROJECT}/prompts/${name}`);
  await page.getByTestId("open-publish").click();
  const dialog = page.getByTestId("publish-dialog");
  const panel = dialog.getByTestId("publish-eval-panel");
  await expect(panel.getByTestId("publish-eval-none")).toContainText("No eval of this draft yet");
  await expect(panel.getByTestId("publish-eval-new-link")).toHaveAttribute("href", `/p/${PROJECT}/evals/new?prompt=${name}`);
  await expect(panel.getByTestId(`publish-gate-${gated}`)).toContainText("blocked");
  await expect(panel.getByTestId(`publish-gate-${gated}`)).toContainText("No completed eval of this content was found");
  await dialog.getByTestId(`publish-label-${gated}`).check();
  await expect(dialog.getByTestId("publish-gate-blocked")).toContainText(`The release gate blocks moving "${gated}"`);
  await expect(dialog.getByTestId("publish-submit")).toBeDisabled();
  await dialog.getByTestId(`publish-label-${gated}`).uncheck();
  await dialog.getByTestId("publish-changelog").fill("First version");
  await dialog.getByTestId("publish-submit").click();
  await expect(page).toHaveURL(/\?published=1\.0\.0$/);

  // 3. Moving the gated label to 1.0.0 without an eval is refused with what is missing.
  await page.getByTestId("add-label").click();
  const move = page.getByTestId("move-dialog");
  await move.getByLabel("Label name").fill(gated);
  await expect(move.getByTestId("move-gate-note")).toContainText("needs a passing eval of its exact content");
  await move.getByTestId("confirm-move").click();
  await expect(move.getByTestId("move-error")).toContainText(`Moving "${gated}" to 1.0.0 needs a passing evaluation of that exact version`);
  await expect(move.getByTestId("move-error")).toContainText("No completed eval of this content was found: run one first.");
  await page.screenshot({ path: `${SCREENSHOT_DIR}/release-gate-refused.png` });

  // 4. With a passing eval of 1.0.0 the same move goes through.
  const db = getDb();
  const prompt = await db.prompt.findFirstOrThrow({ where: { name, project: { slug: PROJECT } } });
  const v100 = await db.promptVersion.findFirstOrThrow({ where: { promptId: prompt.id, major: 1, minor: 0, patch: 0 } });
  await insertGateEval({
    projectId: prompt.projectId,
    promptId: prompt.id,
    version: { id: v100.id, contentHash: v100.contentHash, display: "1.0.0" },
    gatePassed: true,
    summary: { ...evalSummary(0.92, { passRate: 0.95 }), gate: { passed: true, reasons: [] } },
  });
  await move.getByTestId("confirm-move").click();
  await expect(page.getByTestId(`label-version-${gated}`)).toHaveText("v1.0.0");
  await expect(page.getByTestId(`label-gated-${gated}`)).toBeVisible();

  // 5. A draft evaluated against the label's version: the panel shows scores, the verdict and the gate's reason.
  const admin = await db.user.findUniqueOrThrow({ where: { email: "demo@promptdeck.dev" } });
  const content = { ...starterContent(), system: [{ type: "text" as const, role: "instructions" as const, text: "Answer in one short sentence." }] };
  const draft = await saveDraft({ kind: "user", userId: admin.id, projectId: prompt.projectId, role: "ADMIN" }, { promptId: prompt.id, content });
  const run = await insertGateEval({
    projectId: prompt.projectId,
    promptId: prompt.id,
    version: { id: draft.id, contentHash: draft.contentHash, display: "1.0.1-draft" },
    baseline: { id: v100.id, contentHash: v100.contentHash, display: "1.0.0" },
    gatePassed: false,
    summary: { ...evalSummary(0.72, { passRate: 0.6 }), gate: { passed: false, reasons: ["the combined score is 0.720, below the minimum 0.8"] } },
    baselineSummary: evalSummary(0.92, { passRate: 0.95 }),
  });
  await page.reload();
  await page.getByTestId("open-publish").click();
  const scores = dialog.getByTestId("publish-eval-scores");
  await expect(scores).toContainText("judge");
  await expect(scores).toContainText("0.72 [0.67–0.77] · 60% pass");
  await expect(scores).toContainText(`1.0.0 (${gated})`);
  await expect(scores).toContainText("0.92 [0.87–0.97] · 95% pass");
  await expect(dialog.getByTestId("publish-eval-regressions")).toHaveText("0 regressions.");
  await expect(dialog.getByTestId("publish-eval-verdict")).toContainText("Did not pass the release gate: the combined score is 0.720, below the minimum 0.8.");
  await expect(dialog.getByTestId("publish-eval-run-link")).toHaveAttribute("href", `/p/${PROJECT}/evals/${run.runId}`);
  await expect(dialog.getByTestId(`publish-gate-${gated}`)).toContainText("did not pass (the combined score is 0.720, below the minimum 0.8)");
  await page.screenshot({ path: `${SCREENSHOT_DIR}/release-gate-publish-panel.png` });
});

test("the cost page splits spend by source and shows what evaluations cost and saved", async ({ page }) => {
  await page.goto(`/p/${PROJECT}/metrics/cost`);
  await expect(page.getByTestId("cost-by-source")).toBeVisible();
  const panel = page.getByTestId("cost-evaluations");
  await expect(panel).toContainText("Evaluations");
  await expect(panel.getByTestId("kpi-eval-spend")).toContainText("Eval spend");
  await expect(panel.getByTestId("kpi-eval-realtime")).toContainText("At the realtime price");
  await expect(panel.getByTestId("kpi-eval-batch-savings")).toContainText("Saved by batch evals");
  await page.screenshot({ path: `${SCREENSHOT_DIR}/cost-by-source.png`, fullPage: true });
});
