import { expect, test, type Page } from "@playwright/test";
import { ADMIN_STATE, PROJECT, SCREENSHOT_DIR, expectTheme, presetTheme, watchConsole } from "./fixtures";
import { appendToBlock, createPromptViaUi, expectSaved, uniqueName, waitForEditor } from "./prompts-helpers";

// Full-page screenshots of the prompt editor in its main states (test-results/screenshots/editor-*.png):
// the seeded prompts in both themes, a new prompt with contract and form errors, multi-block turns,
// JSON output and an acknowledged breakpoint, and the conflict banner. The save time is masked so
// two runs of the same code give the same pixels (compare before/after a refactor of the editor),
// and so are the generated prompt names (heading and breadcrumb) of the new prompts.

test.use({ storageState: ADMIN_STATE });

async function shot(page: Page, name: string, generatedName = true): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({
    path: `${SCREENSHOT_DIR}/editor-${name}.png`,
    fullPage: true,
    animations: "disabled",
    caret: "hide",
    mask: [page.getByTestId("save-status"), ...(generatedName ? [page.locator("h1"), page.locator("a.font-mono")] : [])],
  });
}

for (const theme of ["light", "dark"] as const) {
  for (const prompt of ["support-assistant", "invoice-extractor"]) {
    test(`seeded ${prompt} (${theme})`, async ({ page }) => {
      const console = watchConsole(page);
      await presetTheme(page, theme);
      await page.goto(`/p/${PROJECT}/prompts/${prompt}/edit`);
      await expectTheme(page, theme);
      await waitForEditor(page);
      await expect(page.getByTestId("rendered-json").or(page.getByTestId("render-errors"))).toBeVisible();
      await shot(page, `${prompt}-${theme}`, false);
      expect(console.errors).toEqual([]);
    });
  }
}

test("a new prompt through errors, variables, blocks, JSON output and an acknowledgement", async ({ page }) => {
  test.setTimeout(120_000);
  const console = watchConsole(page);
  await createPromptViaUi(page, uniqueName("screens"));
  await shot(page, "new-starter");

  // An undeclared variable: a contract error, the "Declare all" button, a render error.
  await appendToBlock(page, "messages.0.content.0", " About {{topic}}.");
  await expect(page.getByTestId("add-missing-variables")).toBeVisible();
  await expect(page.getByTestId("issue-error").first()).toBeVisible();
  await shot(page, "new-undeclared");

  await page.getByTestId("add-missing-variables").click();
  await expect(page.getByTestId("variable-row")).toHaveCount(2);
  await page.getByLabel("Type of topic").selectOption("enum");
  await page.getByLabel("Enum values of topic").fill("billing, shipping");
  await page.getByLabel("Description of topic").fill("What the question is about");
  await expectSaved(page);

  // A variable before a cached breakpoint, acknowledged; a second block in the user turn; a prefill turn.
  await appendToBlock(page, "system.0", " Topic: {{topic}}.");
  await page.getByRole("radiogroup", { name: "Cache breakpoint for System block 1" }).getByRole("radio", { name: "1h" }).click();
  await page.getByTestId("editor-ack-system.0").check();
  await page.getByRole("button", { name: "Add a block to Turn 1" }).click();
  await appendToBlock(page, "messages.0.content.1", "Be brief.");
  await page.getByTestId("add-turn").click();
  await appendToBlock(page, "messages.1.content.0", "Answer:");
  await page.getByLabel("Sample value of topic").selectOption("billing");
  await page.getByLabel("Sample value of input").fill("Where is my refund?");
  await page.getByRole("radiogroup", { name: "Output format" }).getByText("JSON").click();
  await expect(page.getByTestId("schema-text")).toBeVisible();
  await expectSaved(page);
  await shot(page, "new-filled");

  // A form error: max_tokens that is not a number stops the autosave.
  await page.getByLabel("max_tokens").fill("lots");
  await expect(page.getByTestId("save-status")).toHaveText("Not saved: fix the errors below");
  await page.getByTestId("schema-text").fill("[1, 2");
  await shot(page, "new-invalid");
  expect(console.errors).toEqual([]);
});

test("the conflict banner", async ({ page, context }) => {
  await createPromptViaUi(page, uniqueName("screens-conflict"));
  const second = await context.newPage();
  await second.goto(page.url());
  await waitForEditor(second);
  await appendToBlock(page, "system.0", " One.");
  await expectSaved(page);
  await appendToBlock(second, "system.0", " Two.");
  await expect(second.getByTestId("conflict-banner")).toBeVisible();
  await shot(second, "conflict");
});
