import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { ADMIN_STATE, PROJECT, VIEWER_STATE, presetTheme, snap, watchConsole } from "./fixtures";
import { DEMO_API_AUTH, makeQuestionPrompt } from "./experiment-api";

// Canary rollouts from the prompt page, on prompts of the test's own (made through the public API
// with the demo key; production at 1.0.0). A faulty 1.1.0 (the simulator's fault injection: every
// call a 400) rolls itself back as soon as the guardrail has its calls; a healthy one goes through
// its steps and moves production, and the metrics chart marks the steps. Small step thresholds
// (calls only) keep it quick; the server's rollout worker checks every 5 s.

/** Sends `count` /run calls for distinct subjects (the label's running rollout splits them). */
async function sendRuns(request: APIRequestContext, name: string, count: number, prefix: string): Promise<void> {
  for (let batch = 0; batch < count; batch += 8) {
    const runs = await Promise.all(
      Array.from({ length: Math.min(8, count - batch) }, (_, j) =>
        request.post(`/api/v1/prompts/${encodeURIComponent(name)}/run`, {
          headers: DEMO_API_AUTH,
          data: { variables: { question: `Question ${batch + j}?` }, subject: `${prefix}-${batch + j}` },
        }),
      ),
    );
    // The faulty version's calls fail upstream (502); the call is logged either way.
    for (const run of runs) expect([200, 502], await run.text()).toContain(run.status());
  }
}

async function startFromPage(page: Page, name: string, steps: string, calls: string): Promise<void> {
  await page.goto(`/p/${PROJECT}/prompts/${encodeURIComponent(name)}`);
  await expect(page.getByTestId("rollout-empty")).toBeVisible();
  await page.getByTestId("rollout-start-open").click();
  const dialog = page.getByTestId("rollout-start-dialog");
  await expect(dialog.getByTestId("rollout-label")).toHaveValue("production");
  await expect(dialog.getByTestId("rollout-version")).toHaveValue("1.1.0");
  // A bad step list is explained before anything is sent.
  await dialog.getByTestId("rollout-steps-input").fill("50, 25");
  await expect(dialog.getByTestId("rollout-steps-hint")).toHaveText("steps must increase: 50% then 25%");
  await expect(dialog.getByTestId("rollout-start")).toBeDisabled();
  await dialog.getByTestId("rollout-steps-input").fill(steps);
  await dialog.getByTestId("rollout-minutes").fill("");
  await dialog.getByTestId("rollout-calls").fill(calls);
  await dialog.getByTestId("rollout-start").click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("rollout-active")).toHaveAttribute("data-status", "RUNNING");
}

test.describe("canary rollouts as the demo admin", () => {
  test.use({ storageState: ADMIN_STATE });

  test("a faulty version rolls itself back, saying why (light + dark screenshots)", async ({ page, request }) => {
    test.setTimeout(150_000);
    const name = `e2e-canary-bad-${Date.now().toString(36)}`;
    await makeQuestionPrompt(request, name, ["You answer in one sentence.", "You answer in one sentence. [[sim:400]]"]);
    const console = watchConsole(page);
    await presetTheme(page, "light");
    await startFromPage(page, name, "50, 100", "1000");
    await expect(page.getByTestId("rollout-active")).toHaveAttribute("data-percent", "50");
    await expect(page.getByTestId("rollout-share")).toContainText("50% of production's run traffic on v1.1.0");
    // A second rollout on the label is refused by the API too.
    const second = await request.post("/api/v1/rollouts", { headers: DEMO_API_AUTH, data: { prompt: name, version: "1.1.0" } });
    expect(second.status()).toBe(409);
    expect(await second.text()).toContain("already under way");

    await sendRuns(request, name, 40, "bad");
    // The page re-reads itself while the rollout is active; the worker rolls back at its next check.
    await expect(page.getByTestId("rollout-latest")).toHaveAttribute("data-status", "ROLLED_BACK", { timeout: 60_000 });
    await expect(page.getByTestId("rollout-active")).toHaveCount(0);
    await expect(page.getByTestId("rollout-latest-reason")).toContainText(/Rolled back: Error rate 100\.0% \(\d+ of \d+ calls\) on 1\.1\.0 vs 0\.0%/);
    await expect(page.getByTestId("rollout-latest-figures").locator('[data-metric="error_rate"]')).toHaveAttribute("data-breached", "true");
    await expect(page.getByTestId("rollout-history").getByTestId("rollout-event").last()).toHaveAttribute("data-kind", "rolled_back");
    // production still serves 1.0.0, and every call goes there again.
    const served = await request.get(`/api/v1/prompts/${encodeURIComponent(name)}?label=production`, { headers: DEMO_API_AUTH });
    expect(((await served.json()) as { version: string }).version).toBe("1.0.0");
    const after = await request.post(`/api/v1/prompts/${encodeURIComponent(name)}/run`, {
      headers: DEMO_API_AUTH,
      data: { variables: { question: "Still there?" }, subject: "bad-0" },
    });
    expect(after.status()).toBe(200);
    expect(((await after.json()) as { version: string }).version).toBe("1.0.0");
    await snap(page, "rollout-rolled-back", "light");
    await presetTheme(page, "dark");
    await page.reload();
    await expect(page.getByTestId("rollout-latest")).toBeVisible();
    await snap(page, "rollout-rolled-back", "dark");
    expect(console.errors).toEqual([]);
  });

  test("a healthy version goes through its steps, moves production, and the chart marks it", async ({ page, request }) => {
    test.setTimeout(150_000);
    const name = `e2e-canary-ok-${Date.now().toString(36)}`;
    await makeQuestionPrompt(request, name, ["You answer in one sentence.", "You answer in one short, warm sentence."]);
    await presetTheme(page, "light");
    await startFromPage(page, name, "20, 60, 100", "3");
    await expect(page.getByTestId("rollout-active")).toHaveAttribute("data-percent", "20");
    await expect(page.getByTestId("rollout-guardrails").getByTestId("rollout-guardrail")).toHaveCount(4);
    await snap(page, "rollout-active", "light");

    await sendRuns(request, name, 40, "ok-a");
    await expect(page.getByTestId("rollout-active")).toHaveAttribute("data-percent", "60", { timeout: 60_000 });
    await sendRuns(request, name, 24, "ok-b");
    await expect(page.getByTestId("rollout-latest")).toHaveAttribute("data-status", "COMPLETED", { timeout: 60_000 });
    await expect(page.getByTestId("rollout-latest").getByTestId("rollout-event")).toHaveCount(3);
    // The label moved through the normal path: its history names the rollout.
    await expect(page.getByTestId("label-event").first()).toContainText("canary rollout completed");
    await expect(page.getByTestId("label-event-move").first()).toHaveText("v1.0.0 → v1.1.0");
    await snap(page, "rollout-completed", "light");

    await page.goto(`/p/${PROJECT}/metrics/prompts/${encodeURIComponent(name)}?range=1h&bucket=1m`);
    const markers = page.getByTestId("rollout-marker");
    await expect(markers.filter({ hasText: "canary v1.1.0 60%" })).toHaveCount(1);
    await expect(markers.filter({ hasText: "canary v1.1.0 done" })).toHaveCount(1);
    await expect(page.getByTestId("release-marker-label").first()).toBeVisible();
    await snap(page, "rollout-metrics-markers", "light");
  });
});

test.describe("canary rollouts as a viewer", () => {
  test.use({ storageState: VIEWER_STATE });

  test("sees the panel without controls", async ({ page, request }) => {
    const name = `e2e-canary-view-${Date.now().toString(36)}`;
    await makeQuestionPrompt(request, name, ["One.", "Two."]);
    await page.goto(`/p/${PROJECT}/prompts/${encodeURIComponent(name)}`);
    await expect(page.getByTestId("rollout-panel")).toBeVisible();
    await expect(page.getByTestId("rollout-start-open")).toHaveCount(0);
  });
});
