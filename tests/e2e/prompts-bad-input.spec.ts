import { expect, test } from "@playwright/test";
import { ADMIN_STATE, PROJECT } from "./fixtures";
import { appendToBlock, createPromptViaUi, expectSaved, uniqueName } from "./prompts-helpers";

test.use({ storageState: ADMIN_STATE });

test("an invalid name is refused with the naming rule", async ({ page }) => {
  await page.goto(`/p/${PROJECT}/prompts/new`);
  await page.getByLabel("Name").fill("Bad Name!");
  await page.getByTestId("create-prompt").click();
  await expect(page.locator("#field-name-error")).toContainText("Invalid prompt name");
  await expect(page.getByLabel("Name")).toHaveValue("Bad Name!");
  await expect(page).toHaveURL(/\/prompts\/new$/);
});

test("a duplicate name is refused", async ({ page }) => {
  await page.goto(`/p/${PROJECT}/prompts/new`);
  await page.getByLabel("Name").fill("support-assistant");
  await page.getByTestId("create-prompt").click();
  await expect(page.locator("#field-name-error")).toContainText('A prompt named "support-assistant" already exists');
});

test("unbalanced braces are a validation error that blocks publishing", async ({ page }) => {
  await createPromptViaUi(page, uniqueName("braces"));
  await appendToBlock(page, "messages.0.content.0", " and {{language");
  const panel = page.getByTestId("validation-panel");
  await expect(panel.getByTestId("issue-error").filter({ hasText: "unbalanced braces" })).toBeVisible();
  await expectSaved(page); // drafts may hold problems; publishing may not
  await page.getByTestId("open-publish").click();
  await expect(page.getByTestId("publish-errors")).toContainText("unbalanced braces");
  await expect(page.getByTestId("publish-submit")).toBeDisabled();
});

test("a typed version that is not semver disables Publish and says why (issue 18, defect 10)", async ({ page }) => {
  await createPromptViaUi(page, uniqueName("badver"));
  await page.getByTestId("open-publish").click();
  await expect(page.getByTestId("publish-proposed-version")).toHaveText("v1.0.0");
  await page.locator("#publish-version").fill("vbanana");
  await expect(page.getByTestId("publish-version-error")).toHaveText('"vbanana" is not a plain MAJOR.MINOR.PATCH version');
  await expect(page.getByTestId("publish-submit")).toBeDisabled();
  await expect(page.getByTestId("publish-submit")).toHaveText("Publish");
  await page.locator("#publish-version").fill("1.2.0");
  await expect(page.getByTestId("publish-version-error")).toHaveCount(0);
  await expect(page.getByTestId("publish-submit")).toBeEnabled();
  await expect(page.getByTestId("publish-submit")).toHaveText("Publish v1.2.0");
});

test("publishing without a changelog is refused", async ({ page }) => {
  await createPromptViaUi(page, uniqueName("nolog"));
  await page.getByTestId("open-publish").click();
  await expect(page.getByTestId("publish-proposed-version")).toHaveText("v1.0.0");
  await page.getByTestId("publish-submit").click();
  await expect(page.getByTestId("publish-error")).toContainText("A changelog message is required");
  await expect(page).toHaveURL(/\/edit$/);
});
