// The Batch jobs pages: a job submitted through the public API with the demo key runs to the end
// through the simulator's Message Batches while its page watches; the list shows it; the results
// download as JSON lines matched to the caller's ids; refused items are reported up front;
// another job (kept in progress by the simulator) is canceled after a confirmation; a viewer reads
// but cannot cancel. The cost page shows the levers per prompt.
import { readFileSync } from "node:fs";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { ADMIN_STATE, PROJECT, VIEWER_STATE, snap } from "./fixtures";
import { DEMO_API_AUTH } from "./experiment-api";

test.use({ storageState: ADMIN_STATE });

interface Job {
  id: string;
  status: string;
  itemCount: number;
  invalidItems?: Array<{ id: string }>;
}

async function submit(request: APIRequestContext, items: Array<{ id: string; variables: Record<string, unknown> }>, skipInvalid = false): Promise<Job> {
  const res = await request.post("/api/v1/prompts/ticket-classifier/batches", { headers: DEMO_API_AUTH, data: { items, skipInvalid } });
  expect(res.status(), await res.text()).toBe(202);
  return (await res.json()) as Job;
}

test("a batch job submitted through the API is watched to the end, listed, and its results downloaded", async ({ page, request }) => {
  const tag = Date.now().toString(36);
  const items = Array.from({ length: 12 }, (_, i) => ({
    id: `e2e-${tag}-${i}`,
    variables: { ticket: `Order #${i} arrived damaged (${tag})`, channel: "email" },
  }));
  // One refused item (no ticket): reported in the 202 and on the job's page.
  const job = await submit(request, [...items, { id: `e2e-${tag}-bad`, variables: { channel: "fax" } }], true);
  expect(job.itemCount).toBe(12);
  expect(job.invalidItems?.map((i) => i.id)).toEqual([`e2e-${tag}-bad`]);

  await page.goto(`/p/${PROJECT}/batches/${job.id}`);
  await expect(page.getByRole("heading", { name: /ticket-classifier@/ })).toBeVisible();
  await expect(page.getByTestId("batch-invalid")).toContainText("1 item was refused");
  await expect(page.getByTestId("batch-invalid-item")).toContainText(`e2e-${tag}-bad`);
  await expect(page.getByTestId("batch-invalid-item")).toContainText("variables.ticket");
  // The page polls while the worker runs the job through the simulator.
  await expect(page.getByTestId("batch-status")).toHaveText("completed", { timeout: 90_000 });
  await expect(page.getByTestId("outcome-succeeded")).toContainText("12");
  await expect(page.getByTestId("outcome-pending")).toContainText("0");
  await expect(page.getByTestId("batch-cost")).toContainText("saved");
  await expect(page.getByTestId("cancel-batch")).toHaveCount(0);
  await snap(page, "batch-job", "light");

  const download = page.waitForEvent("download");
  await page.getByTestId("download-results").click();
  const file = await (await download).path();
  const lines = readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { id: string; status: string; output: string | null });
  expect(lines.map((l) => l.id)).toEqual(items.map((i) => i.id));
  expect(lines.every((l) => l.status === "succeeded" && (l.output ?? "").length > 0)).toBe(true);

  // The list, from the sidebar.
  await page.getByRole("navigation", { name: "Project" }).getByRole("link", { name: "Batch jobs" }).click();
  await expect(page).toHaveURL(new RegExp(`/p/${PROJECT}/batches$`));
  const row = page.locator(`[data-testid="batch-row"][data-job-id="${job.id}"]`);
  await expect(row.getByTestId("batch-status")).toHaveText("completed");
  await expect(row.getByTestId("batch-count-succeeded")).toHaveText("12 succeeded");
  await snap(page, "batch-jobs", "light");
  await row.getByRole("link", { name: "ticket-classifier" }).click();
  await expect(page).toHaveURL(new RegExp(`/batches/${job.id}$`));
});

test("a running batch job is canceled after a confirmation; a viewer cannot cancel", async ({ page, request, browser }) => {
  const tag = Date.now().toString(36);
  // [[sim:slow]] keeps the simulator's batch in progress for 10 minutes: the job is running until canceled.
  const job = await submit(request, [
    { id: `slow-${tag}`, variables: { ticket: `Slow ticket [[sim:slow;ms=600000]] ${tag}` } },
    { id: `slow-${tag}-2`, variables: { ticket: `Another slow ticket [[sim:slow;ms=600000]] ${tag}` } },
  ]);
  await page.goto(`/p/${PROJECT}/batches/${job.id}`);
  await expect(page.getByTestId("batch-status")).toHaveText("running", { timeout: 60_000 });

  // A viewer sees the job but no cancel.
  const viewer = await browser.newContext({ storageState: VIEWER_STATE });
  const viewerPage = await viewer.newPage();
  await viewerPage.goto(`/p/${PROJECT}/batches/${job.id}`);
  await expect(viewerPage.getByTestId("batch-status")).toHaveText("running");
  await expect(viewerPage.getByTestId("download-results")).toBeVisible();
  await expect(viewerPage.getByTestId("cancel-batch")).toHaveCount(0);
  await viewer.close();

  await page.getByTestId("cancel-batch").click();
  const dialog = page.getByTestId("cancel-batch-dialog");
  await expect(dialog).toContainText("still pending end as canceled");
  await snap(page, "batch-job-cancel", "light");
  // "Keep running" closes the dialog and changes nothing.
  await dialog.getByRole("button", { name: "Keep running" }).click();
  await expect(dialog).not.toBeVisible();
  await expect(page.getByTestId("batch-status")).toHaveText("running");
  await page.getByTestId("cancel-batch").click();
  await page.getByTestId("confirm-cancel-batch").click();
  await expect(page.getByTestId("batch-status")).toHaveText("canceled", { timeout: 60_000 });
  await expect(page.getByTestId("outcome-canceled")).toContainText("2");
  await expect(page.getByTestId("cancel-batch")).toHaveCount(0);
});

test("the job pages answer unknown ids and bad queries with 404 / 400", async ({ page }) => {
  expect((await page.goto(`/p/${PROJECT}/batches/no-such-job`))?.status()).toBe(404);
  expect((await page.request.get(`/p/${PROJECT}/batches/no-such-job/data`)).status()).toBe(404);
  expect((await page.request.get(`/p/${PROJECT}/batches/no-such-job/results`)).status()).toBe(404);
  const bad = await page.request.get(`/p/${PROJECT}/batches/no-such-job/results?status=done`);
  expect(bad.status()).toBe(400);
  expect(((await bad.json()) as { error: { message: string } }).error.message).toContain("Invalid results query");
});

test("the cost page shows the levers per prompt: non-interactive share, what batch would save, realised savings", async ({ page }) => {
  await page.goto(`/p/${PROJECT}/metrics/cost`);
  const levers = page.getByTestId("cost-levers");
  await expect(levers).toContainText("Non-interactive calls are those nobody waits on");
  await expect(levers.getByTestId("kpi-non-interactive")).toContainText("%");
  await expect(levers.getByTestId("cost-levers-row").first()).toBeVisible();
  await expect(levers.getByTestId("kpi-batch-would-save")).toContainText("$");
  await snap(page, "cost-levers", "light");
});
