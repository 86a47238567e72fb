import { expect, test } from "@playwright/test";
import { ADMIN_STATE } from "./fixtures";
import { appendToBlock, createPromptViaUi, expectSaved, uniqueName, waitForEditor } from "./prompts-helpers";

test.use({ storageState: ADMIN_STATE });

test("two editors on one draft: the second save is rejected, nothing is overwritten", async ({ page, context }) => {
  const name = uniqueName("conflict");
  await createPromptViaUi(page, name);
  const second = await context.newPage();
  await second.goto(page.url());
  await waitForEditor(second);

  await appendToBlock(page, "system.0", " First editor's change.");
  await expectSaved(page);

  await appendToBlock(second, "system.0", " Second editor's change.");
  await expect(second.getByTestId("conflict-banner")).toContainText("Someone else saved this draft");
  await expect(second.getByTestId("save-status")).toHaveText("Not saved: conflict");
  await expect(second.getByTestId("save-draft")).toBeDisabled();

  // The first editor's text survived; the reload shows it.
  await second.getByTestId("conflict-reload").click();
  await waitForEditor(second);
  await expect(second.getByTestId("editor-system.0")).toContainText("First editor's change.");
  await expect(second.getByTestId("editor-system.0")).not.toContainText("Second editor's change.");
});
