import { expect, test } from "@playwright/test";
import { ADMIN_STATE, PROJECT, SCREENSHOT_DIR } from "./fixtures";
import { appendToBlock, createPromptOfKind as createViaUi, expectSaved, publish, replaceBlock, uniqueName, waitForEditor } from "./prompts-helpers";

test.use({ storageState: ADMIN_STATE });

test("create a snippet, include it, publish: the pin, the dependents and the re-pin offer", async ({ page }) => {
  test.setTimeout(420_000);
  const snippet = uniqueName("snip");
  const prompt = uniqueName("incl");

  // A snippet: New prompt form, kind Snippet; its text is one block.
  await createViaUi(page, snippet, "snippet");
  await replaceBlock(page, "messages.0.content.0", "Refunds are accepted within 30 days of delivery.");
  await expectSaved(page);
  await publish(page, { changelog: "Refund policy", expectVersion: "1.0.0", labels: ["production"] });
  await expect(page.getByTestId("snippet-badge")).toBeVisible();
  await expect(page.getByTestId("snippet-no-dependents")).toBeVisible();
  await expect(page.getByTestId("include-snippet")).toContainText(`{{> ${snippet}@production}}`);

  // A prompt that includes it.
  await createViaUi(page, prompt, "prompt");
  await appendToBlock(page, "system.0", `\n{{> ${snippet}@production}}`);
  await expectSaved(page);
  // The editor resolves includes when it loads: the preview shows the snippet's text.
  await page.reload();
  await waitForEditor(page);
  await page.getByLabel("Sample value of input").fill("Can I return my kettle?");
  await expect(page.getByTestId("rendered-json")).toContainText("Refunds are accepted within 30 days of delivery.");
  await publish(page, { changelog: "Uses the refund policy", expectVersion: "1.0.0", labels: ["production"] });
  await expect(page.getByTestId("version-pin")).toContainText(`${snippet} v1.0.0`);

  // The snippet page lists the prompt and the version it pinned.
  await page.goto(`/p/${PROJECT}/prompts/${snippet}`);
  const row = page.locator(`[data-testid="snippet-dependent"][data-prompt="${prompt}"]`);
  await expect(row.getByTestId("snippet-pin")).toContainText("v1.0.0 → v1.0.0");

  // A new snippet version: the page offers drafts for the dependents.
  await page.getByTestId("edit-prompt").click();
  await waitForEditor(page);
  await replaceBlock(page, "messages.0.content.0", "Refunds are accepted within 30 days of delivery, with the receipt.");
  await expectSaved(page);
  await publish(page, { changelog: "Receipt required", expectVersion: "1.1.0", labels: ["production"] });
  await expect(page.getByTestId("repin-offer")).toContainText("1 prompt pins an older version than v1.1.0");
  await page.screenshot({ path: `${SCREENSHOT_DIR}/snippet-page.png`, fullPage: true });
  await page.getByTestId("open-dependent-drafts").click();
  await expect(page.getByTestId("repin-results")).toContainText(`${prompt}: draft opened`);

  // The dependent's draft publishes with the new pin; the diff shows the snippet change.
  await page.goto(`/p/${PROJECT}/prompts/${prompt}`);
  await publish(page, { changelog: "Policy 1.1.0", expectVersion: "1.1.0" });
  await expect(page.locator('[data-testid="version-row"][data-version="1.1.0"]').getByTestId("version-pin")).toContainText(`${snippet} v1.1.0`);
  await page.screenshot({ path: `${SCREENSHOT_DIR}/snippet-dependent-versions.png`, fullPage: true });
  await page.goto(`/p/${PROJECT}/prompts/${prompt}/diff?from=1.0.0&to=1.1.0`);
  await expect(page.getByTestId("diff-snippets")).toContainText(`${snippet}: v1.0.0 → v1.1.0`);
  await expect(page.getByTestId("diff-snippets")).toContainText("with the receipt");
  await page.screenshot({ path: `${SCREENSHOT_DIR}/snippet-diff.png`, fullPage: true });
});

test("an optional section shows in the preview only when its variable is set; a bad include is a located error", async ({ page }) => {
  test.setTimeout(300_000);
  const name = uniqueName("section");
  await createViaUi(page, name, "prompt");
  await appendToBlock(page, "messages.0.content.0", "\n{{#order_id}}\nOrder: {{order_id}}\n{{/order_id}}");
  await page.getByTestId("add-missing-variables").click();
  await page.getByLabel("order_id is required").uncheck();
  await expectSaved(page);
  await page.getByLabel("Sample value of input").fill("Where is my parcel?");
  const preview = page.getByTestId("rendered-json");
  await expect(preview).toContainText('"text": "Where is my parcel?\\n"');
  await expect(preview).not.toContainText("Order:");
  await page.getByLabel("Sample value of order_id").fill("A-1001");
  await expect(preview).toContainText("Order: A-1001");
  // The section tag is highlighted in the editor.
  await expect(page.getByTestId("editor-messages.0.content.0").locator(".cm-template-section").first()).toHaveText("{{#order_id}}");
  await page.screenshot({ path: `${SCREENSHOT_DIR}/editor-optional-section.png`, fullPage: true });

  // An unclosed section is a located error.
  await appendToBlock(page, "messages.0.content.0", "\n{{#order_id}} again");
  await expect(page.getByTestId("validation-panel")).toContainText("line 5, col 1: {{#order_id}} is never closed");
});
