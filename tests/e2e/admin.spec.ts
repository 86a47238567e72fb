import { expect, test } from "@playwright/test";
import { ADMIN, ADMIN_STATE, PROJECT, watchConsole } from "./fixtures";

test.use({ storageState: ADMIN_STATE });

test("the admin sees the three demo prompts with versions and labels", async ({ page }) => {
  const console = watchConsole(page);
  await page.goto("/");
  await expect(page).toHaveURL(new RegExp(`/p/${PROJECT}/prompts$`));
  const rows = page.getByTestId("prompt-row");
  // Other specs add prompts to the demo project while this runs: look at the three demo prompts.
  const demoNames = ["support-assistant", "invoice-extractor", "ticket-classifier"];
  await expect(rows.filter({ hasText: "ticket-classifier" })).toHaveCount(1);
  const names = (await page.getByTestId("prompt-name").allTextContents()).map((n) => n.trim()).filter((n) => demoNames.includes(n));
  // Most recently updated first: the support assistant has a draft from yesterday.
  expect(names).toEqual(demoNames);

  const support = rows.filter({ hasText: "support-assistant" });
  await expect(support).toContainText("v1.2.0");
  await expect(support).toContainText("draft");
  await expect(support).toContainText("production");
  await expect(support).toContainText("staging");
  const invoice = rows.filter({ hasText: "invoice-extractor" });
  await expect(invoice).toContainText("v2.0.0");

  await expect(page.getByTestId("new-prompt")).toBeVisible();
  expect(console.errors).toEqual([]);
});

test("the user menu shows who is signed in and their role; the switcher lists the project", async ({ page }) => {
  await page.goto(`/p/${PROJECT}/prompts`);
  await page.getByTestId("user-menu").click();
  await expect(page.getByTestId("user-email")).toHaveText(ADMIN.email);
  await expect(page.getByTestId("user-name")).toHaveText("Dana Demo");
  await expect(page.getByTestId("user-role")).toHaveText("Admin");
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("user-email")).toBeHidden();

  await page.getByTestId("project-switcher").click();
  await expect(page.getByRole("menuitem", { name: /Acme Support/ })).toBeVisible();
});

test("the sidebar navigates between sections and marks the current one", async ({ page }) => {
  await page.goto(`/p/${PROJECT}/prompts`);
  const nav = page.getByRole("navigation", { name: "Project" });
  // Other specs add data (calls, experiments) to the demo project while this runs, so look at
  // the page headings rather than at empty states.
  for (const label of ["Experiments", "Metrics", "Calls", "Datasets"]) {
    await nav.getByRole("link", { name: label }).click();
    await expect(page.getByRole("heading", { level: 1, name: label })).toBeVisible();
    await expect(nav.getByRole("link", { name: label })).toHaveAttribute("aria-current", "page");
  }
  await nav.getByRole("link", { name: "Settings" }).click();
  await expect(page.getByTestId("members-table")).toContainText("viewer@promptdeck.dev");
  await expect(page.getByTestId("api-keys-table")).toContainText("pd_demo_000");
});

test("the theme toggle switches to dark and the choice survives a reload", async ({ page }) => {
  await page.goto(`/p/${PROJECT}/prompts`);
  await page.evaluate(() => localStorage.removeItem("promptdeck-theme"));
  await page.emulateMedia({ colorScheme: "light" });
  await page.reload();
  await expect(page.locator("html")).not.toHaveClass(/dark/);
  await page.getByTestId("user-menu").click();
  await page.getByTestId("theme-toggle").click();
  await expect(page.locator("html")).toHaveClass(/dark/);
  await page.reload();
  await expect(page.locator("html")).toHaveClass(/dark/);
});

test("an unknown project is a 404, not an error", async ({ page }) => {
  const response = await page.goto("/p/no-such-project/prompts");
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId("not-found")).toBeVisible();
});

test("an unknown prompt is a 404 on its page, editor, diff and playground", async ({ page }) => {
  for (const suffix of ["", "/edit", "/diff", "/playground"]) {
    const response = await page.goto(`/p/${PROJECT}/prompts/no-such-prompt${suffix}`);
    expect(response?.status(), suffix || "prompt page").toBe(404);
    await expect(page.getByTestId("not-found")).toBeVisible();
  }
});
