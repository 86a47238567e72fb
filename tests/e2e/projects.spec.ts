import { expect, test } from "@playwright/test";
import { ADMIN_STATE, PROJECT, VIEWER_STATE, snap } from "./fixtures";

test.describe("projects as admin", () => {
  test.use({ storageState: ADMIN_STATE });

  test("creates a second project, switches, renames, sets settings, reads the audit log and CSV, then deletes it", async ({ page, browser }) => {
    const stamp = Date.now().toString(36);
    const slug = `e2e-project-${stamp}`;

    // Create from the switcher; a bad slug first.
    await page.goto(`/p/${PROJECT}/prompts`);
    await page.getByTestId("project-switcher").click();
    await page.getByTestId("new-project-link").click();
    await expect(page).toHaveURL(/\/projects\/new/);
    await page.getByTestId("new-project-name").fill(`E2E Project ${stamp}`);
    await expect(page.getByTestId("new-project-slug")).toHaveValue(slug);
    await page.getByTestId("new-project-slug").fill("Bad Slug!");
    await page.getByTestId("new-project-submit").click();
    await expect(page.getByText("Use lowercase letters, digits and dashes")).toBeVisible();
    await page.getByTestId("new-project-slug").fill(PROJECT);
    await page.getByTestId("new-project-submit").click();
    await expect(page.getByText("This slug is taken")).toBeVisible();
    await snap(page, "projects-new", "light");
    await page.getByTestId("new-project-slug").fill(slug);
    await page.getByTestId("new-project-submit").click();
    await expect(page).toHaveURL(new RegExp(`/p/${slug}/prompts$`));
    await expect(page.getByText("Your role here:")).toContainText("Admin");

    // The switcher lists both; switch to the demo and back.
    await page.getByTestId("project-switcher").click();
    await expect(page.getByRole("menuitem", { name: new RegExp(`E2E Project ${stamp}`) })).toBeVisible();
    await page.getByRole("menuitem", { name: /Acme Support/ }).click();
    await expect(page).toHaveURL(new RegExp(`/p/${PROJECT}/prompts$`));
    await page.getByTestId("project-switcher").click();
    await page.getByRole("menuitem", { name: new RegExp(`E2E Project ${stamp}`) }).click();
    await expect(page).toHaveURL(new RegExp(`/p/${slug}/prompts$`));

    // Rename on the project settings page (linked from Settings).
    await page.goto(`/p/${slug}/settings`);
    await page.getByTestId("project-settings-link").click();
    await expect(page).toHaveURL(new RegExp(`/p/${slug}/settings/project$`));
    await page.getByTestId("project-name").fill("   ");
    await page.getByTestId("rename-save").click();
    await expect(page.getByTestId("rename-error")).toHaveText("Enter a project name");
    await page.getByTestId("project-name").fill(`Renamed ${stamp}`);
    await page.getByTestId("rename-save").click();
    await expect(page.getByTestId("rename-notice")).toContainText(`Renamed ${stamp}`);
    await expect(page.getByTestId("project-switcher")).toContainText(`Renamed ${stamp}`);

    // Settings: clear messages for bad values, then a valid save that sticks.
    await page.getByTestId("setting-max_retries").fill("11");
    await page.getByTestId("setting-timeout_ms").fill("soon");
    await page.getByTestId("setting-retention_days").fill("0");
    await page.getByTestId("setting-body_limit_bytes").fill("100");
    await page.getByTestId("settings-save").click();
    await expect(page.getByTestId("setting-max_retries-error")).toHaveText("Retries must be at most 10");
    await expect(page.getByTestId("setting-timeout_ms-error")).toHaveText("Attempt timeout must be a whole number");
    await expect(page.getByTestId("setting-retention_days-error")).toHaveText("Retention must be at least 1 day");
    await expect(page.getByTestId("setting-body_limit_bytes-error")).toHaveText("Body size limit must be at least 256 bytes");
    await snap(page, "project-settings-errors", "light");
    await page.getByTestId("setting-max_retries").fill("2");
    await page.getByTestId("setting-timeout_ms").fill("30000");
    await page.getByTestId("setting-retention_days").fill("30");
    await page.getByTestId("setting-body_limit_bytes").fill("8192");
    await page.getByTestId("setting-fallback_model").selectOption("claude-haiku-5-5");
    await page.getByTestId("setting-store_bodies").uncheck();
    await page.getByTestId("settings-save").click();
    await expect(page.getByTestId("settings-notice")).toContainText("Settings saved");
    await page.reload();
    await expect(page.getByTestId("setting-retention_days")).toHaveValue("30");
    await expect(page.getByTestId("setting-max_retries")).toHaveValue("2");
    await expect(page.getByTestId("setting-fallback_model")).toHaveValue("claude-haiku-5-5");
    await expect(page.getByTestId("setting-store_bodies")).not.toBeChecked();
    await snap(page, "project-settings", "light");

    // Audit log: newest first, the diff readable; filter by action; CSV export.
    await page.getByRole("link", { name: "Audit log" }).click();
    await expect(page).toHaveURL(new RegExp(`/p/${slug}/audit$`));
    const rows = page.getByTestId("audit-row");
    await expect(rows).toHaveCount(3);
    await expect(rows.nth(0)).toContainText("project.settings.update");
    await expect(rows.nth(0)).toContainText("calls.retention_days");
    await expect(rows.nth(1)).toContainText("project.rename");
    await expect(rows.nth(1).getByTestId("audit-diff")).toContainText(`"E2E Project ${stamp}" → "Renamed ${stamp}"`);
    await expect(rows.nth(2)).toContainText("project.create");
    await snap(page, "audit-log", "light");
    await page.getByTestId("audit-filter-action").selectOption("project.rename");
    await page.getByTestId("audit-filter-apply").click();
    await expect(page).toHaveURL(/action=project.rename/);
    await expect(rows).toHaveCount(1);
    // A date range with nothing in it, then a bad one.
    await page.goto(`/p/${slug}/audit?from=2020-01-01&to=2020-01-02`);
    await expect(page.getByTestId("audit-empty")).toContainText("No events match these filters");
    await page.goto(`/p/${slug}/audit?from=2026-02-01&to=2026-01-01`);
    await expect(page.getByTestId("audit-filter-error")).toHaveText("The end date is before the start date");
    await page.goto(`/p/${slug}/audit?action=project.rename`);
    const href = await page.getByTestId("audit-export").getAttribute("href");
    expect(href).toBe(`/p/${slug}/audit/export?action=project.rename`);
    const csv = await page.request.get(href ?? "");
    expect(csv.status()).toBe(200);
    expect(csv.headers()["content-type"]).toContain("text/csv");
    const text = await csv.text();
    expect(text.split("\r\n")[0]).toBe("at,actor,action,target_type,target_id,changes,before,after");
    expect(text).toContain("project.rename");
    expect(text).not.toContain("project.create");

    // A viewer of the demo is no member here: 404, and no name leaks.
    const viewer = await browser.newContext({ storageState: VIEWER_STATE });
    const viewerPage = await viewer.newPage();
    const response = await viewerPage.goto(`/p/${slug}/prompts`);
    expect(response?.status()).toBe(404);
    await expect(viewerPage.locator("body")).not.toContainText(`Renamed ${stamp}`);
    const csvAsViewer = await viewerPage.request.get(`/p/${slug}/audit/export`);
    expect(csvAsViewer.status()).toBe(404);
    await viewer.close();

    // Delete: the button waits for the exact slug.
    await page.goto(`/p/${slug}/settings/project`);
    await page.getByTestId("delete-confirm").fill(slug.slice(0, -1));
    await expect(page.getByTestId("delete-project")).toBeDisabled();
    await page.getByTestId("delete-confirm").fill(slug);
    await page.getByTestId("delete-project").click();
    // Home sends the user to their first remaining project.
    await expect(page).toHaveURL(/\/p\/[a-z0-9-]+\/prompts$/);
    await expect(page).not.toHaveURL(new RegExp(`/p/${slug}/`));
    await page.getByTestId("project-switcher").click();
    await expect(page.getByRole("menuitem", { name: new RegExp(`Renamed ${stamp}`) })).toHaveCount(0);
    const gone = await page.goto(`/p/${slug}/prompts`);
    expect(gone?.status()).toBe(404);
  });
});

test.describe("projects as viewer", () => {
  test.use({ storageState: VIEWER_STATE });

  test("no audit log link; the audit log and project settings are refused; the CSV too", async ({ page }) => {
    await page.goto(`/p/${PROJECT}/prompts`);
    await expect(page.getByRole("navigation", { name: "Project" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Audit log" })).toHaveCount(0);
    await page.goto(`/p/${PROJECT}/settings`);
    await expect(page.getByTestId("project-settings-link")).toHaveCount(0);
    await page.goto(`/p/${PROJECT}/audit`);
    await expect(page).toHaveURL(/\/forbidden/);
    await page.goto(`/p/${PROJECT}/settings/project`);
    await expect(page).toHaveURL(/\/forbidden/);
    const csv = await page.request.get(`/p/${PROJECT}/audit/export`);
    expect(csv.status()).toBe(403);
  });
});
