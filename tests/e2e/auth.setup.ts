import { expect, test as setup } from "@playwright/test";
import { ADMIN, ADMIN_STATE, PROJECT, VIEWER, VIEWER_STATE, signIn } from "./fixtures";

// Signs in once per role and saves the cookies for the specs.
setup("sign in as the demo admin", async ({ page }) => {
  await signIn(page, ADMIN);
  await page.waitForURL(`**/p/${PROJECT}/prompts`);
  await expect(page.getByRole("heading", { name: "Prompts" })).toBeVisible();
  await page.context().storageState({ path: ADMIN_STATE });
});

setup("sign in as the demo viewer", async ({ page }) => {
  await signIn(page, VIEWER);
  await page.waitForURL(`**/p/${PROJECT}/prompts`);
  await expect(page.getByRole("heading", { name: "Prompts" })).toBeVisible();
  await page.context().storageState({ path: VIEWER_STATE });
});
