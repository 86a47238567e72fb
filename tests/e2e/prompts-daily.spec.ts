import { expect, test, type Page } from "@playwright/test";
import { ADMIN_STATE, PROJECT, presetTheme, snap, watchConsole } from "./fixtures";
import { appendToBlock, createPromptViaUi, expectSaved, publish, uniqueName, waitForEditor } from "./prompts-helpers";

// Issue 18, daily use: a version readable without a draft, word-level diffs, "Declare all",
// block names in messages, autosave through validation errors, archive / restore / delete.
test.use({ storageState: ADMIN_STATE });

/** A prompt with v1.0.0 and v1.1.0 (one word of its system block changed), no labels. */
async function twoVersions(page: Page, name: string): Promise<void> {
  await createPromptViaUi(page, name);
  await publish(page, { changelog: "First", expectVersion: "1.0.0" });
  await page.getByTestId("edit-prompt").click();
  await waitForEditor(page);
  const block = page.getByTestId("editor-system.0").locator(".cm-content");
  await block.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.type("You are a helpful assistant. Answer briefly and politely.");
  await expectSaved(page);
  await publish(page, { changelog: "Briefly", expectVersion: "1.1.0" });
}

for (const theme of ["light", "dark"] as const) {
  test(`a published version reads in full without a draft, and its diff marks words (${theme})`, async ({ page }) => {
    test.setTimeout(120_000);
    await presetTheme(page, theme);
    const console = watchConsole(page);
    const name = uniqueName(`version-${theme}`);
    await twoVersions(page, name);

    await page.locator('[data-testid="version-row"][data-version="1.0.0"]').getByTestId("version-link").click();
    await expect(page).toHaveURL(new RegExp(`/prompts/${name}/versions/1\\.0\\.0$`));
    await expect(page.getByTestId("version-title")).toContainText("v1.0.0");
    await expect(page.getByTestId("version-system")).toContainText("System block 1");
    await expect(page.getByTestId("version-system")).toContainText("Answer concisely.");
    await expect(page.getByTestId("version-messages")).toContainText("Turn 1");
    await expect(page.getByTestId("version-messages")).toContainText("{{input}}");
    await expect(page.getByTestId("version-variable")).toContainText("input");
    await expect(page.getByTestId("version-model")).toContainText("max_tokens");
    await expect(page.getByTestId("version-policy")).toBeVisible();
    await expect(page.getByTestId("version-output")).toContainText("Plain text");
    // Reading created no draft.
    await page.goto(`/p/${PROJECT}/prompts/${name}`);
    await expect(page.locator('[data-testid="version-row"][data-version="draft"]')).toHaveCount(0);
    await page.goto(`/p/${PROJECT}/prompts/${name}/versions/1.0.0`);
    await snap(page, "daily-version", theme);

    await expect(page.getByTestId("version-diff-previous")).toHaveCount(0);
    await page.goto(`/p/${PROJECT}/prompts/${name}/diff?from=1.0.0&to=1.1.0`);
    const changed = page.locator('[data-testid="diff-block"][data-change="changed"]');
    await expect(changed).toHaveCount(1);
    await expect(changed).toContainText("System block 1");
    // Only the changed words are marked, not the whole line.
    const removed = changed.locator('[data-word="removed"]');
    const added = changed.locator('[data-word="added"]');
    await expect(removed.first()).toBeVisible();
    expect((await removed.allTextContents()).join(" ")).toMatch(/concisely/);
    expect((await removed.allTextContents()).join(" ")).not.toMatch(/helpful/);
    expect((await added.allTextContents()).join(" ")).toMatch(/briefly and politely/);
    await snap(page, "daily-diff", theme);
    expect(console.errors).toEqual([]);
  });
}

test("editor: Declare all, block names in messages, autosave through validation errors", async ({ page }) => {
  test.setTimeout(120_000);
  const name = uniqueName("declare");
  await createPromptViaUi(page, name);
  await appendToBlock(page, "messages.0.content.0", " {{city}} on {{date}} for {{party_size}}");
  const panel = page.getByTestId("validation-panel");
  await expect(panel.getByTestId("issue-error").filter({ hasText: "{{city}}" })).toHaveCount(1);
  // Named as the editor names the block, not messages.0.content.0.text.
  await expect(panel).toContainText("Turn 1");
  await expect(panel).not.toContainText("messages.0");

  await panel.getByTestId("declare-all").click();
  await expect(panel.getByTestId("declare-all")).toHaveCount(0);
  await expect(panel.getByTestId("issue-error")).toHaveCount(0);
  const rows = page.getByTestId("variable-row");
  await expect(rows).toHaveCount(4);
  for (const [i, variable] of ["input", "city", "date", "party_size"].entries()) {
    await expect(rows.nth(i).getByLabel("Variable name")).toHaveValue(variable);
  }
  await expect(rows.nth(1).getByLabel("Type of city")).toHaveValue("string");
  await expect(rows.nth(1).getByLabel("city is required")).toBeChecked();
  await expectSaved(page);

  // A blank system block is a validation error; the draft is still saved, the error shown.
  await page.getByRole("button", { name: "+ System block" }).click();
  await expect(panel.getByTestId("issue-error").filter({ hasText: "System block 2" })).toHaveCount(1);
  await appendToBlock(page, "system.0", " Always reply in French.");
  await expectSaved(page);
  await page.reload();
  await waitForEditor(page);
  await expect(page.getByTestId("editor-system.0")).toContainText("Always reply in French.");
  await expect(page.getByTestId("editor-system.1")).toBeVisible();
  await expect(panel.getByTestId("issue-error").filter({ hasText: "System block 2" })).toHaveCount(1);
  await snap(page, "daily-editor-errors-saved", "light");
});

test("archive hides a prompt and makes it read-only, restore brings it back, delete needs the name typed", async ({ page }) => {
  test.setTimeout(120_000);
  const console = watchConsole(page);
  const name = uniqueName("archive");
  await createPromptViaUi(page, name);
  await publish(page, { changelog: "First", expectVersion: "1.0.0" });

  await page.getByTestId("archive-prompt").click();
  await page.getByTestId("confirm-archive").click();
  await expect(page.getByTestId("archived-banner")).toContainText("read-only");
  await expect(page.getByTestId("edit-prompt")).toHaveCount(0);
  await snap(page, "daily-archived", "light");

  await page.goto(`/p/${PROJECT}/prompts?q=${name}`);
  await expect(page.getByTestId("prompt-row")).toHaveCount(0);
  await page.getByTestId("toggle-archived").click();
  await expect(page.getByTestId("prompt-row")).toHaveCount(1);
  await expect(page.getByTestId("prompt-row")).toHaveAttribute("data-archived", "true");
  await expect(page.getByTestId("prompt-row")).toContainText("archived");
  await snap(page, "daily-list-archived", "light");

  await page.getByTestId("prompt-name").click();
  await page.getByTestId("restore-prompt").click();
  await expect(page.getByTestId("archived-banner")).toHaveCount(0);
  await expect(page.getByTestId("edit-prompt")).toBeVisible();

  await page.getByTestId("delete-prompt").click();
  const dialog = page.getByTestId("delete-dialog");
  await expect(dialog.getByTestId("confirm-delete")).toBeDisabled();
  await dialog.getByTestId("delete-confirm-name").fill(name.slice(0, -1));
  await expect(dialog.getByTestId("confirm-delete")).toBeDisabled();
  await dialog.getByTestId("delete-confirm-name").fill(name);
  await snap(page, "daily-delete-dialog", "light");
  await dialog.getByTestId("confirm-delete").click();
  await expect(page.getByTestId("deleted-banner")).toContainText(name);
  await page.goto(`/p/${PROJECT}/prompts?q=${name}&archived=1`);
  await expect(page.getByTestId("prompt-row")).toHaveCount(0);
  expect(console.errors).toEqual([]);
});

test("deleting a prompt a label serves is refused with the labels named", async ({ page }) => {
  await presetTheme(page, "dark");
  const name = uniqueName("served");
  await createPromptViaUi(page, name);
  await publish(page, { changelog: "First", expectVersion: "1.0.0", labels: ["production"] });
  await page.getByTestId("delete-prompt").click();
  const dialog = page.getByTestId("delete-dialog");
  await expect(dialog.getByTestId("delete-refused")).toContainText("production (v1.0.0)");
  await expect(dialog.getByTestId("confirm-delete")).toBeDisabled();
  await snap(page, "daily-delete-refused", "dark");
});
