import { expect, test } from "@playwright/test";
import { PROJECT, VIEWER, VIEWER_STATE } from "./fixtures";

test.use({ storageState: VIEWER_STATE });

test("the viewer sees the prompts but no edit controls", async ({ page }) => {
  await page.goto(`/p/${PROJECT}/prompts`);
  for (const name of ["support-assistant", "invoice-extractor", "ticket-classifier"]) {
    await expect(page.getByTestId("prompt-row").filter({ hasText: name })).toHaveCount(1);
  }
  await expect(page.getByTestId("new-prompt")).toHaveCount(0);
  await expect(page.getByRole("link", { name: "New prompt" })).toHaveCount(0);

  await page.getByTestId("user-menu").click();
  await expect(page.getByTestId("user-email")).toHaveText(VIEWER.email);
  await expect(page.getByTestId("user-role")).toHaveText("Viewer");
});

test("editor-only pages turn the viewer away", async ({ page }) => {
  await page.goto(`/p/${PROJECT}/prompts/new`);
  await expect(page).toHaveURL(/\/forbidden\?project=demo$/);
  await expect(page.getByTestId("forbidden")).toBeVisible();
});
