import { expect, test } from "@playwright/test";
import { ADMIN_STATE, PROJECT, expectTheme, presetTheme, snap, watchConsole } from "./fixtures";
import { waitForEditor } from "./prompts-helpers";

// Screenshots of the registry pages in both themes, each page free of console errors.
test.use({ storageState: ADMIN_STATE });

for (const theme of ["light", "dark"] as const) {
  test(`registry pages (${theme})`, async ({ page }) => {
    test.setTimeout(90_000);
    await presetTheme(page, theme);
    const console = watchConsole(page);

    await page.goto(`/p/${PROJECT}/prompts`);
    await expectTheme(page, theme);
    await expect(page.getByTestId("prompt-row").first()).toBeVisible();
    await snap(page, "registry-list", theme);

    await page.goto(`/p/${PROJECT}/prompts/support-assistant`);
    await expect(page.getByTestId("versions-table")).toBeVisible();
    await snap(page, "registry-prompt", theme);

    await page.getByTestId("open-publish").click();
    await expect(page.getByTestId("publish-proposed-version")).toBeVisible();
    await snap(page, "registry-publish-dialog", theme);
    await page.keyboard.press("Escape");

    await page.goto(`/p/${PROJECT}/prompts/support-assistant/diff?from=1.1.0&to=1.2.0`);
    await expect(page.getByTestId("diff-summary")).toBeVisible();
    await snap(page, "registry-diff", theme);

    await page.goto(`/p/${PROJECT}/prompts/support-assistant/edit`);
    await waitForEditor(page);
    await expect(page.getByTestId("rendered-json").or(page.getByTestId("render-errors"))).toBeVisible();
    await snap(page, "registry-editor", theme);

    expect(console.errors).toEqual([]);
  });
}
