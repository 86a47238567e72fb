import { expect, test } from "@playwright/test";
import { ADMIN_STATE, snap } from "./fixtures";
import { appendToBlock, createPromptViaUi, expectSaved, uniqueName } from "./prompts-helpers";

test.use({ storageState: ADMIN_STATE });

test("system blocks and message turns reorder by dragging their handle, and by the arrow buttons", async ({ page }) => {
  test.setTimeout(90_000);
  await createPromptViaUi(page, uniqueName("drag"));
  const blocks = page.getByTestId("system-block");

  // A second system block, then drag it above the first.
  await page.getByTestId("add-system-block").click();
  await expect(page.getByTestId("editor-system.1")).toHaveAttribute("data-ready", "true");
  await appendToBlock(page, "system.1", "Reference: the refund policy.");
  await expectSaved(page);
  await expect(blocks.nth(0)).toContainText("You are a helpful assistant");
  await page.getByTestId("drag-system-1").dragTo(blocks.nth(0));
  await expect(blocks.nth(0)).toContainText("Reference: the refund policy.");
  await expect(blocks.nth(1)).toContainText("You are a helpful assistant");
  await expectSaved(page);

  // The order was saved: a reload shows it.
  await page.reload();
  await expect(page.getByTestId("editor-system.1")).toHaveAttribute("data-ready", "true");
  await expect(blocks.nth(0)).toContainText("Reference: the refund policy.");

  // Keyboard users keep the arrows.
  await page.getByRole("button", { name: "Move System block 2 up" }).click();
  await expect(blocks.nth(0)).toContainText("You are a helpful assistant");

  // Message turns: add an assistant and a user turn, drag the last one to the top.
  const turns = page.getByTestId("message-turn");
  await page.getByTestId("add-turn").click();
  await appendToBlock(page, "messages.1.content.0", "Sure, which order?");
  await page.getByTestId("add-turn").click();
  await appendToBlock(page, "messages.2.content.0", "Order 42.");
  await expect(turns).toHaveCount(3);
  await page.getByTestId("drag-turn-2").dragTo(turns.nth(0));
  await expect(turns.nth(0)).toContainText("Order 42.");
  await expect(turns.nth(1)).toContainText("{{input}}");
  await expect(turns.nth(2)).toContainText("Sure, which order?");
  await snap(page, "editor-reordered", "light");

  // A system block cannot be dropped among the turns (nothing moves).
  await page.getByTestId("drag-system-0").dragTo(turns.nth(1));
  await expect(turns.nth(1)).toContainText("{{input}}");
  await expect(blocks).toHaveCount(2);
});
