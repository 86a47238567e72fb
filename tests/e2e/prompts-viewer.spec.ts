import { expect, test } from "@playwright/test";
import { PROJECT, VIEWER_STATE } from "./fixtures";

test.use({ storageState: VIEWER_STATE });

test("a viewer sees versions, labels, history and snippets but no edit controls", async ({ page }) => {
  await page.goto(`/p/${PROJECT}/prompts/support-assistant`);
  await expect(page.getByTestId("versions-table")).toBeVisible();
  await expect(page.getByTestId("label-history")).toBeVisible();
  await expect(page.getByTestId("label-version-production")).toBeVisible();
  await expect(page.getByTestId("use-snippet")).toContainText("Authorization: Bearer $PROMPTDECK_API_KEY");
  // The typed client (lib/client) with the prompt's name and the variables a caller must send.
  await page.getByTestId("snippet-lang-client").click();
  await expect(page.getByTestId("use-snippet")).toContainText("new PromptdeckClient({");
  await expect(page.getByTestId("use-snippet")).toContainText('pd.getPrompt("support-assistant", { label: "production" })');
  await page.getByTestId("snippet-op-render").click();
  await expect(page.getByTestId("use-snippet")).toContainText('pd.render("support-assistant", {');
  await expect(page.getByTestId("use-snippet")).toContainText('variables: { question: "..." }');
  await page.getByTestId("snippet-op-run").click();
  await expect(page.getByTestId("use-snippet")).toContainText('pd.run("support-assistant", {');
  for (const id of ["edit-prompt", "open-publish", "move-production", "rollback-production", "move-staging", "add-label", "discard-draft"]) {
    await expect(page.getByTestId(id)).toHaveCount(0);
  }
  await expect(page.getByRole("button", { name: "Edit as draft" })).toHaveCount(0);

  await page.goto(`/p/${PROJECT}/prompts/support-assistant/edit`);
  await expect(page).toHaveURL(/\/forbidden\?project=demo$/);
});
