import { expect, test } from "@playwright/test";
import { ADMIN_STATE, PROJECT } from "./fixtures";
import { appendToBlock, createPromptViaUi, expectSaved, publish, uniqueName, waitForEditor } from "./prompts-helpers";

test.use({ storageState: ADMIN_STATE });

test("create -> edit -> publish 1.0.0 -> edit -> publish 1.1.0 -> move production -> roll back", async ({ page }) => {
  test.setTimeout(120_000);
  const name = uniqueName("life");
  await createPromptViaUi(page, name);

  // Edit the system block; the autosave stores the draft.
  await appendToBlock(page, "system.0", " Always cite the policy section you rely on.");
  await expectSaved(page);
  await publish(page, { changelog: "First version", expectVersion: "1.0.0", labels: ["production"] });
  await expect(page.getByTestId("label-version-production")).toHaveText("v1.0.0");

  // Published versions are frozen: editing starts a new draft from 1.0.0.
  await page.getByTestId("edit-prompt").click();
  await waitForEditor(page);
  await expect(page.getByTestId("based-on")).toContainText("v1.0.0");
  await appendToBlock(page, "messages.0.content.0", "\n\nAnswer in at most three sentences and mention the refund window explicitly.");
  await expectSaved(page);
  await publish(page, { changelog: "Shorter answers", expectVersion: "1.1.0" });
  await expect(page.locator('[data-testid="version-row"][data-version="1.1.0"]')).toBeVisible();
  await expect(page.getByTestId("label-version-production")).toHaveText("v1.0.0");

  // Release 1.1.0 to production.
  await page.getByTestId("move-production").click();
  await page.getByTestId("move-target").selectOption({ label: "v1.1.0" });
  await page.getByTestId("confirm-move").click();
  await expect(page.getByTestId("label-version-production")).toHaveText("v1.1.0");

  // One-click rollback, with confirmation.
  await page.getByTestId("rollback-production").click();
  await expect(page.getByTestId("rollback-dialog")).toContainText("back to v1.0.0");
  await page.getByTestId("confirm-rollback").click();
  await expect(page.getByTestId("label-version-production")).toHaveText("v1.0.0");
  await expect(page.getByTestId("label-event-move")).toHaveText(["v1.1.0 → v1.0.0", "v1.0.0 → v1.1.0", "new → v1.0.0"]);
  await expect(page.getByTestId("label-event").first()).toContainText("rollback");

  // The diff between the two versions names the bump.
  await page.goto(`/p/${PROJECT}/prompts/${name}/diff?from=1.0.0&to=1.1.0`);
  await expect(page.getByTestId("diff-bump")).toHaveText("minor");
  await expect(page.locator('[data-testid="diff-block"][data-change="changed"]')).toHaveCount(1);

  // The list shows the prompt with its production label.
  await page.goto(`/p/${PROJECT}/prompts?q=${name}`);
  await expect(page.getByTestId("prompt-row")).toHaveCount(1);
  await expect(page.getByTestId("prompt-row").getByTestId("label-production")).toContainText("v1.0.0");
});
