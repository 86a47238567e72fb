import { expect, test } from "@playwright/test";
import { ADMIN_STATE, PROJECT, snap, watchConsole } from "./fixtures";
import { appendToBlock, createPromptViaUi, expectSaved, publish, uniqueName, waitForEditor } from "./prompts-helpers";

test.use({ storageState: ADMIN_STATE });

test("a variable before a breakpoint is acknowledged once: stored with the draft, kept on publish and in the next version", async ({ page }) => {
  test.setTimeout(120_000);
  const console = watchConsole(page);
  const name = uniqueName("ack");
  await createPromptViaUi(page, name);

  // {{input}} in a cached system block: an error until acknowledged.
  await appendToBlock(page, "system.0", " The customer wrote: {{input}}");
  await page.getByRole("radiogroup", { name: "Cache breakpoint for System block 1" }).getByRole("radio", { name: "1h" }).click();
  const panel = page.getByTestId("validation-panel");
  await expect(panel.getByTestId("issue-error").filter({ hasText: "{{input}}" })).toHaveCount(1);
  const ack = page.getByTestId("editor-ack-system.0");
  await ack.check();
  await expect(panel.getByTestId("issue-error").filter({ hasText: "{{input}}" })).toHaveCount(0);
  await expect(panel.getByTestId("issue-warning").filter({ hasText: "(acknowledged)" })).toHaveCount(1);
  await expectSaved(page);
  await snap(page, "editor-acknowledged", "light");

  // Stored: a reload shows it, and the publish dialog starts from it.
  await page.reload();
  await waitForEditor(page);
  await expect(page.getByTestId("editor-ack-system.0")).toBeChecked();
  await page.getByTestId("open-publish").click();
  await expect(page.getByTestId("publish-dialog").getByTestId("ack-system.0")).toBeChecked();
  await page.keyboard.press("Escape");
  await publish(page, { changelog: "First version", expectVersion: "1.0.0" });

  // The next draft, based on 1.0.0, carries the acknowledgement: 1.1.0 needs none again.
  await page.getByTestId("edit-prompt").click();
  await waitForEditor(page);
  await expect(page.getByTestId("editor-ack-system.0")).toBeChecked();
  await appendToBlock(page, "messages.0.content.0", "\n\nAnswer in one paragraph.");
  await expectSaved(page);
  await publish(page, { changelog: "One paragraph", expectVersion: "1.1.0" });

  // The diff shows the acknowledgement kept on both sides, outside the content change.
  await page.goto(`/p/${PROJECT}/prompts/${name}/diff?from=1.0.0&to=1.1.0`);
  const acks = page.getByTestId("diff-acknowledgements");
  await expect(acks.getByTestId("diff-ack")).toHaveCount(1);
  await expect(acks.getByTestId("diff-ack")).toHaveAttribute("data-change", "kept");
  await expect(acks.getByTestId("diff-ack")).toContainText("System block 1");
  await expect(acks.getByTestId("diff-ack")).toContainText("{{input}}");
  await snap(page, "diff-acknowledgements", "light");
  expect(console.errors).toEqual([]);
});
