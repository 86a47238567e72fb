import { expect, test } from "@playwright/test";
import { ADMIN_STATE, PROJECT } from "./fixtures";
import { waitForEditor } from "./prompts-helpers";

test.use({ storageState: ADMIN_STATE });

// The e2e server runs on the simulator (no ANTHROPIC_API_KEY): token figures must say they are
// estimates, never "counted by the API" (that path is covered against the simulator in
// tests/integration/claude-count-tokens.test.ts).
test("without an API key the editor labels every token figure as an estimate", async ({ page }) => {
  await page.goto(`/p/${PROJECT}/prompts/support-assistant/edit`);
  await waitForEditor(page);
  const source = page.getByTestId("token-source");
  await expect(source).toHaveAttribute("data-kind", "estimate");
  await expect(source).toContainText("no Anthropic API key is configured");
  const badge = page.locator(`[data-testid^="breakpoint-"]`).first();
  await expect(badge).toContainText("(estimate)");
  await expect(badge).toHaveAttribute("data-counted", "false");
  await expect(page.getByTestId("cost-preview")).toContainText("tokens estimated");
  await expect(page.getByTestId("cost-input-tokens")).toHaveText(/^~[\d,]+$/);
});
