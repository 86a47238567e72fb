import { expect, test, type Page } from "@playwright/test";
import { ADMIN_STATE, PROJECT, SCREENSHOT_DIR, VIEWER_STATE, expectTheme, presetTheme, snap, watchConsole } from "./fixtures";
import { uniqueName } from "./prompts-helpers";
import { createTicketDataset, waitForRunStatus } from "./evals-helpers";

// The evaluation screens: the Evaluate button, the new-evaluation form (evaluator builder,
// estimate in both modes, errors), the run page (progress, summaries, comparison, results table),
// the review queue's keyboard, calibration, cancel, and the results route's answers to bad input.
// Datasets are created through lib/datasets here; the CSV upload is in evals-done-when.spec.ts.

test.use({ storageState: ADMIN_STATE });
// Runs go through the in-process simulator and the server's eval worker.
test.setTimeout(180_000);

/** Opens the form from the prompt page's Evaluate button (draft vs production) and picks `dataset`. */
async function openPrefilledForm(page: Page, dataset: string): Promise<void> {
  await page.goto(`/p/${PROJECT}/prompts/ticket-classifier`);
  await page.getByTestId("evaluate-prompt").click();
  await expect(page).toHaveURL(/\/evals\/new\?/);
  await expect(page.getByTestId("eval-prompt")).toHaveValue("ticket-classifier");
  await expect(page.getByTestId("eval-version-production")).toBeChecked();
  await expect(page.getByTestId("eval-version-draft")).toBeChecked();
  await expect(page.getByTestId("eval-baseline")).toHaveValue("production");
  await page.getByTestId("eval-dataset").selectOption(dataset);
}

test("Evaluate prefills draft vs production; the estimate shows both modes; a realtime run completes with scored, diffed results", async ({ page }) => {
  const console = watchConsole(page);
  const dataset = uniqueName("tickets");
  await createTicketDataset(dataset, 12);
  await openPrefilledForm(page, dataset);

  // The judge (ticket-judge answers score + reason) is the default evaluator; add a code scorer.
  await expect(page.getByTestId("evaluator").first()).toHaveAttribute("data-type", "llm_judge");
  await expect(page.getByTestId("evaluator-prompt").first()).toHaveValue("ticket-judge");
  await page.getByTestId("add-evaluator-type").selectOption("json_field");
  await page.getByTestId("add-evaluator").click();
  await expect(page.getByTestId("evaluator")).toHaveCount(2);

  const estimate = page.getByTestId("eval-estimate");
  await expect(estimate).toContainText("12 items × 2 versions = 24 requests");
  await expect(page.getByTestId("estimate-batch")).toHaveText(/^\$/);
  await expect(page.getByTestId("estimate-realtime")).toHaveText(/^\$/);
  await expect(page.getByTestId("estimate-saving")).toContainText("batch saves $");
  await page.screenshot({ path: `${SCREENSHOT_DIR}/evals-new.png`, fullPage: true });

  await page.getByTestId("eval-mode-realtime").check();
  await page.getByTestId("start-eval").click();
  await expect(page).toHaveURL(new RegExp(`/p/${PROJECT}/evals/[a-z0-9]+$`));
  await waitForRunStatus(page, "completed");

  await expect(page.getByTestId("version-summary")).toHaveCount(2);
  const draft = page.getByTestId("version-summary").filter({ hasText: "draft" });
  await expect(draft.getByTestId("evaluator-summary")).toHaveCount(2);
  await expect(draft.getByTestId("evaluator-summary").first()).toContainText(/\d\.\d\d/);
  await expect(page.getByTestId("comparison")).toBeVisible();
  await expect(page.getByTestId("comparison-summary").first()).not.toBeEmpty();

  const table = page.getByTestId("results-table");
  await expect(table).toHaveAttribute("data-total", "12");
  await page.getByTestId("result-row").first().locator("button").click();
  const detail = page.getByTestId("result-detail");
  await expect(detail.getByTestId("result-version")).toHaveCount(2);
  await expect(detail.getByTestId("result-score").first()).toBeVisible();
  await expect(detail.getByTestId("judge-reason").first()).not.toBeEmpty();
  await snap(page, "evals-run", "light");
  // The same run page in the dark theme.
  await presetTheme(page, "dark");
  await page.reload();
  await expectTheme(page, "dark");
  await expect(table).toHaveAttribute("data-total", "12");
  await expect(page.getByTestId("comparison-summary").first()).not.toBeEmpty();
  // A reload keeps the scroll position; a full-page shot from there draws the fixed shell mid-page.
  await page.evaluate(() => window.scrollTo(0, 0));
  await snap(page, "evals-run", "dark");

  await page.getByTestId("filter-failed").click();
  await expect(page.getByTestId("results-count")).toHaveText(/^\d+ items?|Loading/);

  // The list shows it with dataset@version, mode, status and a score.
  await page.getByRole("link", { name: "Evaluations" }).first().click();
  await expect(page).toHaveURL(new RegExp(`/p/${PROJECT}/evals$`));
  const row = page.getByTestId("eval-row").filter({ hasText: `${dataset}@v1` });
  await expect(row).toContainText("realtime");
  await expect(row.getByTestId("eval-status")).toHaveText("completed");
  await expect(row.getByTestId("eval-row-score")).toContainText(/\d\.\d\d/);
  await page.screenshot({ path: `${SCREENSHOT_DIR}/evals-list.png`, fullPage: true });
  expect(console.errors).toEqual([]);
});

test("the review queue works from the keyboard and the judge's agreement shows on the run page", async ({ page }) => {
  const dataset = uniqueName("review");
  await createTicketDataset(dataset, 6);
  await openPrefilledForm(page, dataset);
  await page.getByTestId("eval-version-production").uncheck();
  await page.getByTestId("eval-mode-realtime").check();
  await expect(page.getByTestId("eval-estimate")).toContainText("6 items × 1 version");
  await page.getByTestId("start-eval").click();
  await waitForRunStatus(page, "completed");
  await expect(page.getByTestId("calibration-panel")).toContainText("0 reviewed");

  await page.getByTestId("open-review").click();
  await expect(page.getByTestId("review-shortcuts")).toContainText("correct");
  await expect(page.getByTestId("review-position")).toHaveText("1 of 6");
  const ready = () => expect(page.getByTestId("review-correct")).toBeEnabled();
  await page.keyboard.press("c");
  await expect(page.getByTestId("review-position")).toHaveText("2 of 6");
  await ready();
  await page.keyboard.press("i");
  await expect(page.getByTestId("review-position")).toHaveText("3 of 6");
  await ready();
  await page.keyboard.press("s");
  await expect(page.getByTestId("review-position")).toHaveText("4 of 6");
  await ready();
  await page.keyboard.press("k");
  await expect(page.getByTestId("review-position")).toHaveText("3 of 6");
  await expect(page.getByTestId("review-current")).toHaveText("skip");
  await page.keyboard.press("j");
  // Item 4: incorrect, then back to it to add a note (Enter saves the note with its verdict).
  await page.keyboard.press("i");
  await expect(page.getByTestId("review-position")).toHaveText("5 of 6");
  await ready();
  await page.keyboard.press("k");
  await expect(page.getByTestId("review-current")).toHaveText("incorrect");
  await page.keyboard.press("n");
  await page.getByTestId("review-note").fill("Urgency should be high: the customer cannot work.");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("review-position")).toHaveText("5 of 6");
  await ready();
  await page.keyboard.press("c");
  await expect(page.getByTestId("review-done")).toHaveText("5 reviewed");
  await page.screenshot({ path: `${SCREENSHOT_DIR}/evals-review.png`, fullPage: true });

  // The 4 correct/incorrect verdicts (skip does not count) meet the judge's pass/fail.
  await page.goBack();
  await page.reload();
  const panel = page.getByTestId("calibration-panel");
  await expect(panel).toContainText("4 reviewed");
  await expect(page.getByTestId("kappa-reading")).toContainText(/agreement|review/);
  const cells = await Promise.all(
    ["cm-pass-correct", "cm-pass-incorrect", "cm-fail-correct", "cm-fail-incorrect"].map((id) => page.getByTestId(id).textContent()),
  );
  expect(cells.reduce((n, c) => n + Number(c), 0)).toBe(4);
  // The note shows with the result in the table.
  await page.getByTestId("filter-all").click();
  await expect(page.getByTestId("result-row")).toHaveCount(6);
  for (let i = 0; i < 6; i++) {
    const row = page.getByTestId("result-row").nth(i);
    await row.locator("button").click();
    if ((await row.getByTestId("result-review").count()) > 0 && (await row.getByTestId("result-review").textContent())?.includes("Urgency")) break;
  }
  await expect(page.getByTestId("result-review").filter({ hasText: "Urgency should be high" })).toBeVisible();
  await page.screenshot({ path: `${SCREENSHOT_DIR}/evals-calibration.png`, fullPage: true });
});

test("the form names each problem of an evaluator and of the version choice", async ({ page }) => {
  const dataset = uniqueName("errors");
  await createTicketDataset(dataset, 3);
  await openPrefilledForm(page, dataset);
  await page.getByTestId("add-evaluator-type").selectOption("regex");
  await page.getByTestId("add-evaluator").click();
  const regex = page.getByTestId("evaluator").filter({ has: page.getByTestId("evaluator-pattern") });
  await regex.getByTestId("evaluator-id").fill("Bad Id");
  await regex.getByTestId("evaluator-flags").fill("gx");
  await page.getByTestId("eval-version-production").uncheck();
  await page.getByTestId("eval-version-draft").uncheck();
  await page.getByTestId("start-eval").click();
  await expect(page.getByTestId("eval-form-error")).toContainText("Fix the highlighted fields");
  await expect(regex).toContainText("use lowercase letters, digits, - and _");
  await expect(regex).toContainText("flags may be i, m, s, u");
  await expect(page.getByTestId("new-eval-form")).toContainText("Choose at least one version to evaluate.");
  await expect(page).toHaveURL(/\/evals\/new/);
});

test("a batch run can be canceled from its page", async ({ page }) => {
  const dataset = uniqueName("cancel");
  await createTicketDataset(dataset, 200);
  await openPrefilledForm(page, dataset);
  await page.getByTestId("eval-mode-batch").check();
  await page.getByTestId("start-eval").click();
  await expect(page).toHaveURL(new RegExp(`/p/${PROJECT}/evals/[a-z0-9]+$`));
  await page.getByTestId("cancel-eval").click();
  await waitForRunStatus(page, "canceled");
  await expect(page.getByTestId("cancel-eval")).toHaveCount(0);
});

test("the results route answers bad queries with a 4xx naming the problem", async ({ page }) => {
  const base = `/p/${PROJECT}/evals`;
  const missing = await page.request.get(`${base}/no-such-run/results`);
  expect(missing.status()).toBe(404);
  expect((await missing.json()) as unknown).toMatchObject({ error: { code: "not_found" } });
  for (const [query, word] of [
    ["filter=%3Cscript%3E", "filter"],
    ["limit=1e400", "limit"],
    ["limit=-1", "limit"],
    // Control characters are refused at the edge, before the route (issue 17, item 4).
    ["after=%00%00", "NUL"],
    ["after=" + "a".repeat(600), "after"],
    ["surprise=1", "surprise"],
  ] as const) {
    const res = await page.request.get(`${base}/no-such-run/results?${query}`);
    expect(res.status(), query).toBe(400);
    const body = (await res.json()) as { error: { message: string; issues?: Array<{ path: string }> } };
    expect(JSON.stringify(body.error), query).toContain(word);
  }
  const data = await page.request.get(`${base}/no-such-run/data`);
  expect(data.status()).toBe(404);
});

test.describe("as a viewer", () => {
  test.use({ storageState: VIEWER_STATE });
  test("the list is readable but offers no New evaluation", async ({ page }) => {
    await page.goto(`/p/${PROJECT}/evals`);
    await expect(page.getByRole("heading", { name: "Evaluations" })).toBeVisible();
    await expect(page.getByTestId("new-eval")).toHaveCount(0);
    await page.goto(`/p/${PROJECT}/prompts/ticket-classifier`);
    await expect(page.getByTestId("evaluate-prompt")).toHaveCount(0);
  });
});
