import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { ADMIN_STATE, PROJECT, SCREENSHOT_DIR, watchConsole } from "./fixtures";
import { uniqueName } from "./prompts-helpers";
import { ticket, waitForRunStatus } from "./evals-helpers";

// Issue 12's "Done when", as a person would do it in the browser: upload a CSV of 200 tickets,
// run production vs the draft of the ticket classifier in batch mode (the simulator's Message
// Batches, the worker inside the server), see the cost saved, the items that regressed and the
// judge's reasons, mark a few items by hand and see the judge's agreement. (The CI-style script
// failing on a regression is the engine's CLI test.)

test.use({ storageState: ADMIN_STATE });
test.setTimeout(240_000);

/** 200 tickets with the category a support lead would choose, as the CSV a team would export. */
function writeTicketsCsv(file: string): void {
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const lines = ["ticket,channel,expected"];
  for (let i = 0; i < 200; i++) {
    const t = ticket(i);
    lines.push([quote(t.ticket), i % 4 === 0 ? "chat" : "email", quote(JSON.stringify({ category: t.category, urgency: "normal" }))].join(","));
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${lines.join("\n")}\n`, "utf8");
}

test("upload 200 tickets, evaluate production vs the draft in batch mode, see savings, regressions and reasons, review, see the judge's agreement", async ({
  page,
}, testInfo) => {
  const console = watchConsole(page);
  const name = uniqueName("tickets");
  const csv = testInfo.outputPath("tickets.csv");
  writeTicketsCsv(csv);

  // 1. The dataset: create it, upload the CSV, map `expected` as JSON, import all rows.
  await page.goto(`/p/${PROJECT}`);
  await page.getByRole("link", { name: "Datasets" }).click();
  await page.getByTestId("new-dataset").click();
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Description").fill("Support tickets with the category a lead would choose");
  await page.getByTestId("create-dataset").click();
  await expect(page).toHaveURL(new RegExp(`/datasets/${name}`));
  await page.getByTestId("import-link").click();
  await page.getByTestId("import-file").setInputFiles(csv);
  const preview = page.getByTestId("import-preview");
  await expect(preview).toBeVisible();
  await expect(page.getByTestId("map-ticket")).toHaveValue("variable");
  await expect(page.getByTestId("map-expected")).toHaveValue("expected");
  await page.getByTestId("map-expected").locator("xpath=ancestor::tr").locator("select").nth(1).selectOption("json");
  await page.getByTestId("import-run").click();
  await expect(page).toHaveURL(new RegExp(`/datasets/${name}(\\?.*)?$`), { timeout: 30_000 });
  await expect(page.getByTestId("items-total")).toHaveText("200 items");

  // 2. Evaluate from the prompt page: production vs the draft, the rubric judge plus the category field.
  await page.getByRole("link", { name: "Prompts" }).click();
  await page.getByRole("link", { name: "ticket-classifier" }).first().click();
  await page.getByTestId("evaluate-prompt").click();
  await expect(page.getByTestId("eval-version-production")).toBeChecked();
  await expect(page.getByTestId("eval-version-draft")).toBeChecked();
  await page.getByTestId("eval-dataset").selectOption(name);
  await page.getByTestId("add-evaluator-type").selectOption("json_field");
  await page.getByTestId("add-evaluator").click();
  await page.getByTestId("eval-mode-batch").check();
  await expect(page.getByTestId("eval-estimate")).toContainText("200 items × 2 versions = 400 requests");
  await expect(page.getByTestId("estimate-saving")).toContainText("batch saves $");
  await page.getByTestId("start-eval").click();
  await expect(page).toHaveURL(new RegExp(`/p/${PROJECT}/evals/[a-z0-9]+$`));
  await expect(page.getByTestId("eval-progress")).toBeVisible();
  await waitForRunStatus(page, "completed", 180_000);

  // 3. The cost saved, the regressions and the judge's reasons.
  await expect(page.getByTestId("run-saved")).toContainText("$");
  await expect(page.getByTestId("version-cost").first()).toContainText("saved $");
  const regressions = page.getByTestId("comparison-regressions");
  await expect(regressions).toContainText(/\d+ regressions? \(passed on 1\.1\.0, fail now\)/);
  await expect(page.getByTestId("comparison-summary")).not.toBeEmpty();
  await page.getByTestId("show-regressions").click();
  const regressed = page.getByTestId("result-row").first();
  await expect(regressed).toHaveAttribute("data-regression", "true");
  await regressed.locator("button").click();
  const detail = page.getByTestId("result-detail");
  await expect(detail.getByTestId("judge-reason").first()).not.toBeEmpty();
  await expect(detail.getByTestId("result-version")).toHaveCount(2);
  await page.screenshot({ path: `${SCREENSHOT_DIR}/evals-done-when-run.png`, fullPage: true });

  // 4. Mark a few regressed outputs by hand, then read the judge's agreement.
  const runUrl = page.url();
  await page.goto(`${runUrl}/review?filter=regressions`);
  await expect(page.getByTestId("review-item")).toBeVisible();
  for (const key of ["c", "i", "c", "c", "i", "c"]) {
    const before = await page.getByTestId("review-position").textContent();
    await expect(page.getByTestId("review-correct")).toBeEnabled();
    await page.keyboard.press(key);
    await expect(page.getByTestId("review-position")).not.toHaveText(before ?? "");
  }
  await expect(page.getByTestId("review-done")).toHaveText("6 reviewed");
  await page.goto(runUrl);
  const panel = page.getByTestId("calibration-panel");
  await expect(panel).toContainText("6 reviewed");
  await expect(page.getByTestId("kappa")).toHaveText(/^-?\d\.\d\d$|^–$/);
  await expect(page.getByTestId("kappa-reading")).toContainText(/agreement|review/);
  await page.screenshot({ path: `${SCREENSHOT_DIR}/evals-done-when-calibration.png`, fullPage: true });
  expect(console.errors).toEqual([]);
});
