import { expect, test } from "@playwright/test";
import { ADMIN_STATE, PROJECT, VIEWER_STATE } from "./fixtures";

test.describe("API keys as admin", () => {
  test.use({ storageState: ADMIN_STATE });

  test("creates a key shown once, the key works on the API, and revokes it", async ({ page, request }) => {
    const name = `e2e key ${Date.now()}`;
    await page.goto(`/p/${PROJECT}/settings`);
    await page.getByTestId("create-api-key").click();

    // Bad input first: no scope picked.
    await page.getByLabel("Name").fill(name);
    await page.getByRole("checkbox", { name: /prompts:read/ }).uncheck();
    await page.getByTestId("create-api-key-submit").click();
    await expect(page.getByTestId("api-key-error")).toContainText("Pick at least one scope");

    await page.getByRole("checkbox", { name: /prompts:read/ }).check();
    await page.getByTestId("create-api-key-submit").click();
    const key = (await page.getByTestId("created-api-key").textContent())?.trim() ?? "";
    expect(key).toMatch(/^pd_[A-Za-z0-9]{32}$/);

    const ok = await request.get("/api/v1/prompts", { headers: { Authorization: `Bearer ${key}` } });
    expect(ok.status()).toBe(200);
    // A read-only key cannot write.
    const denied = await request.put("/api/v1/prompts/support-assistant/labels/staging", {
      headers: { Authorization: `Bearer ${key}` },
      data: { version: "1.0.0" },
    });
    expect(denied.status()).toBe(403);

    await page.getByRole("button", { name: "Done" }).click();
    await expect(page.getByTestId("created-api-key")).toHaveCount(0);
    const row = page.getByRole("row", { name: new RegExp(name) });
    await expect(row).toContainText(key.slice(0, 11));
    await expect(row).not.toContainText(key);
    await row.getByRole("button", { name: `Revoke ${name}` }).click();
    await row.getByTestId("confirm-revoke").click();
    await expect(row).toContainText("revoked");
  });
});

test.describe("API keys as viewer", () => {
  test.use({ storageState: VIEWER_STATE });

  test("the viewer sees keys but cannot create or revoke them", async ({ page }) => {
    await page.goto(`/p/${PROJECT}/settings`);
    await expect(page.getByTestId("api-keys-table")).toBeVisible();
    await expect(page.getByTestId("create-api-key")).toHaveCount(0);
    await expect(page.getByRole("button", { name: /^Revoke/ })).toHaveCount(0);
  });
});
