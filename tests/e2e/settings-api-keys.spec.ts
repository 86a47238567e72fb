import { expect, test } from "@playwright/test";
import { ADMIN_STATE, PROJECT, VIEWER_STATE, snap } from "./fixtures";

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

test.describe("API key rate limits as admin", () => {
  test.use({ storageState: ADMIN_STATE });

  test("creates a key with its own rate limit, the API enforces it, and an admin edits it", async ({ page, request }) => {
    const name = `e2e limited ${Date.now()}`;
    await page.goto(`/p/${PROJECT}/settings`);
    await page.getByTestId("create-api-key").click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name").fill(name);
    // A bad value is refused with a message naming the problem.
    await dialog.getByLabel("Requests per second").fill("2000000");
    await dialog.getByLabel("Burst").fill("3");
    await page.getByTestId("create-api-key-submit").click();
    await expect(page.getByTestId("api-key-error")).toContainText("Requests per second must be at most 1,000,000");
    await dialog.getByLabel("Requests per second").fill("0.1");
    await page.getByTestId("create-api-key-submit").click();
    const key = (await page.getByTestId("created-api-key").textContent())?.trim() ?? "";
    expect(key).toMatch(/^pd_/);
    await page.getByRole("button", { name: "Done" }).click();

    const row = page.getByRole("row", { name: new RegExp(name) });
    await expect(row.getByTestId("api-key-rate-limit")).toHaveText(/0\.1\/s, burst 3/);
    await expect(row.getByTestId("api-key-rate-limit")).not.toContainText("default");

    // The API holds the key to its own burst (3), not the server's default (200).
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await request.get("/api/v1/prompts", { headers: { Authorization: `Bearer ${key}` } })).status());
    expect(statuses).toEqual([200, 200, 200, 429]);

    // Edit: a higher burst, and the per-second rate back to the default.
    await row.getByRole("button", { name: `Edit the rate limit of ${name}` }).click();
    const form = page.getByRole("form", { name: `Rate limit of ${name}` });
    await expect(form.getByLabel("Requests per second")).toHaveValue("0.1");
    await form.getByLabel("Requests per second").fill("");
    await form.getByLabel("Burst").fill("50");
    await snap(page, "settings-api-key-rate-limit-edit", "light");
    await form.getByTestId("save-rate-limit").click();
    await expect(row.getByTestId("api-key-rate-limit")).toHaveText(/100\/s, burst 50/);
    await snap(page, "settings-api-key-rate-limit", "light");

    // Back to the default entirely.
    await row.getByRole("button", { name: `Edit the rate limit of ${name}` }).click();
    await form.getByLabel("Burst").fill("");
    await form.getByTestId("save-rate-limit").click();
    await expect(row.getByTestId("api-key-rate-limit")).toHaveText(/100\/s, burst 200\s*\(default\)/);
  });
});

test.describe("API keys as viewer", () => {
  test.use({ storageState: VIEWER_STATE });

  test("the viewer sees keys but cannot create or revoke them", async ({ page }) => {
    await page.goto(`/p/${PROJECT}/settings`);
    await expect(page.getByTestId("api-keys-table")).toBeVisible();
    await expect(page.getByTestId("create-api-key")).toHaveCount(0);
    await expect(page.getByRole("button", { name: /^Revoke/ })).toHaveCount(0);
    await expect(page.getByTestId("api-key-rate-limit").first()).toBeVisible();
    await expect(page.getByRole("button", { name: /^Edit the rate limit/ })).toHaveCount(0);
  });
});
