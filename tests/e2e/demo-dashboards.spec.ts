import { expect, test, type Page } from "@playwright/test";
import { ADMIN_STATE, PROJECT, expectTheme, presetTheme, snap, watchConsole } from "./fixtures";
import { ESCALATION_EXPERIMENT, MIXED_TICKETS_EXPERIMENT } from "@/prisma/seed";

// The seeded demo (issue 18, "the demo shows the product"): the first visit of Metrics, Cost,
// Calls and Experiments shows 30 days of calls, not empty states. Screenshots in both themes.
test.use({ storageState: ADMIN_STATE });

async function chartHasLines(page: Page, testId: string): Promise<void> {
  const chart = page.getByTestId(testId);
  await expect(chart.locator("svg.recharts-surface").first()).toBeVisible();
  await expect(chart.locator(".recharts-line-curve").first()).toBeVisible();
}

for (const theme of ["light", "dark"] as const) {
  test(`first visit: metrics, cost, calls and experiments show the seeded traffic (${theme})`, async ({ page }) => {
    test.setTimeout(120_000);
    await presetTheme(page, theme);
    const console = watchConsole(page);

    await page.goto(`/p/${PROJECT}/metrics`);
    await expectTheme(page, theme);
    for (const id of ["chart-overview-calls", "chart-overview-spend", "chart-overview-p95"]) await chartHasLines(page, id);
    const byPrompt = page.getByTestId("overview-by-prompt");
    for (const name of ["support-assistant", "ticket-classifier", "invoice-extractor"]) await expect(byPrompt).toContainText(name);
    await snap(page, "demo-metrics", theme);

    await page.goto(`/p/${PROJECT}/metrics/prompts/support-assistant`);
    await chartHasLines(page, "chart-cost-per-call");
    // 30 days: the caching release and the experiment's promotion are on the charts.
    await page.getByTestId("range-30d").click();
    await chartHasLines(page, "chart-accuracy");
    await expect(page.getByTestId("release-marker").first()).toBeVisible();
    await snap(page, "demo-metrics-prompt", theme);

    await page.goto(`/p/${PROJECT}/metrics/cost`);
    await expect(page.getByTestId("chart-cost-by-day").locator(".recharts-bar-rectangle").first()).toBeVisible();
    await expect(page.getByTestId("cost-by-model")).toContainText("claude-sonnet-5-5");
    await expect(page.getByTestId("kpi-cache-savings")).not.toContainText("$0.00");
    await snap(page, "demo-cost", theme);

    await page.goto(`/p/${PROJECT}/calls`);
    await expect(page.getByTestId("call-row")).toHaveCount(50);
    await snap(page, "demo-calls", theme);

    await page.goto(`/p/${PROJECT}/experiments`);
    const completed = page.getByTestId("experiment-row").filter({ hasText: ESCALATION_EXPERIMENT });
    await expect(completed.getByTestId("experiment-outcome")).toHaveText("B promoted");
    const running = page.getByTestId("experiment-row").filter({ hasText: MIXED_TICKETS_EXPERIMENT });
    await expect(running).toContainText(/running/i);
    await snap(page, "demo-experiments", theme);

    await completed.getByRole("link", { name: ESCALATION_EXPERIMENT }).click();
    await expect(page.getByRole("heading", { name: ESCALATION_EXPERIMENT })).toBeVisible();
    await snap(page, "demo-experiment-completed", theme);
    expect(console.errors).toEqual([]);
  });
}
