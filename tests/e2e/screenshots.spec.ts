import { expect, test, type Page } from "@playwright/test";
import { ADMIN_STATE, PROJECT, expectTheme, presetTheme, snap, watchConsole } from "./fixtures";

// A full-page screenshot of every page in both themes (test-results/screenshots/<page>-<theme>.png),
// each test also checking that the page logs no console error and no failed request.
const themes = ["light", "dark"] as const;

const dashboardPages: Array<{ name: string; path: string; ready: (page: Page) => Promise<void> }> = [
  {
    name: "prompts",
    path: `/p/${PROJECT}/prompts`,
    // Other specs add prompts to the same database: wait for the three seeded ones.
    ready: (p) => expect(p.getByTestId("prompt-name").filter({ hasText: /^(support-assistant|invoice-extractor|ticket-classifier)$/ })).toHaveCount(3),
  },
  {
    name: "prompts-new",
    path: `/p/${PROJECT}/prompts/new`,
    ready: (p) => expect(p.getByRole("heading", { name: "New prompt" })).toBeVisible(),
  },
  // The demo seeds a completed and a running experiment (other specs add their own).
  {
    name: "experiments",
    path: `/p/${PROJECT}/experiments`,
    ready: (p) => expect(p.getByTestId("experiment-row").first()).toBeVisible(),
  },
  // The demo seeds 30 days of calls: the by-prompt table lists the demo prompts.
  { name: "metrics", path: `/p/${PROJECT}/metrics`, ready: (p) => expect(p.getByTestId("overview-by-prompt")).toContainText("support-assistant") },
  // The demo seeds the support-tickets dataset.
  { name: "datasets", path: `/p/${PROJECT}/datasets`, ready: (p) => expect(p.getByTestId("datasets-table")).toBeVisible() },
  {
    name: "dataset-items",
    path: `/p/${PROJECT}/datasets/support-tickets`,
    ready: async (p) => {
      await expect(p.getByTestId("items-total")).toHaveText("40 items");
      // The contract check opens on the prompt the demo tickets are for, not the first by name.
      await expect(p.getByTestId("contract-prompt")).toHaveValue("ticket-classifier");
    },
  },
  // Other specs run evaluations in the demo project: the list or its empty state, whichever applies.
  { name: "evals", path: `/p/${PROJECT}/evals`, ready: (p) => expect(p.getByTestId("evals-empty").or(p.getByTestId("evals-table"))).toBeVisible() },
  {
    name: "evals-new",
    path: `/p/${PROJECT}/evals/new?prompt=ticket-classifier&dataset=support-tickets`,
    ready: (p) => expect(p.getByTestId("estimate-saving")).toContainText("batch saves $"),
  },
  { name: "settings", path: `/p/${PROJECT}/settings`, ready: (p) => expect(p.getByTestId("api-keys-table")).toBeVisible() },
  { name: "forbidden", path: `/forbidden?project=${PROJECT}`, ready: (p) => expect(p.getByTestId("forbidden")).toBeVisible() },
];

for (const theme of themes) {
  test.describe(`${theme} theme`, () => {
    test.beforeEach(async ({ page }) => {
      await presetTheme(page, theme);
    });

    test(`sign-in page (${theme})`, async ({ page }) => {
      const console = watchConsole(page);
      await page.goto("/signin");
      await expectTheme(page, theme);
      await snap(page, "signin", theme);
      await page.getByLabel("Email").fill("demo@promptdeck.dev");
      await page.getByLabel("Password").fill("wrong-password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByTestId("signin-error")).toBeVisible();
      await snap(page, "signin-error", theme);
      expect(console.errors).toEqual([]);
    });

    test.describe("signed in", () => {
      test.use({ storageState: ADMIN_STATE });

      for (const { name, path, ready } of dashboardPages) {
        test(`${name} (${theme})`, async ({ page }) => {
          const console = watchConsole(page);
          await page.goto(path);
          await expectTheme(page, theme);
          await ready(page);
          await snap(page, name, theme);
          expect(console.errors).toEqual([]);
        });
      }

      test(`menus (${theme})`, async ({ page }) => {
        await page.goto(`/p/${PROJECT}/prompts`);
        await page.getByTestId("user-menu").click();
        await expect(page.getByTestId("user-email")).toBeVisible();
        await snap(page, "user-menu", theme);
        await page.keyboard.press("Escape");
        await page.getByTestId("project-switcher").click();
        await expect(page.getByRole("menuitem", { name: /Acme Support/ })).toBeVisible();
        await snap(page, "project-switcher", theme);
      });

      test(`not found (${theme})`, async ({ page }) => {
        const missing = await page.goto("/p/no-such-project/prompts");
        expect(missing?.status()).toBe(404);
        await expect(page.getByTestId("not-found")).toBeVisible();
        await snap(page, "not-found", theme);
      });
    });
  });
}
