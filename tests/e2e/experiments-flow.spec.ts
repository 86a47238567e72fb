import { randomUUID } from "node:crypto";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { getDb } from "@/lib/db/client";
import { hashPassword } from "@/lib/users/password";
import { ADMIN_STATE, PROJECT, VIEWER_STATE, expectTheme, presetTheme, signIn, snap, watchConsole } from "./fixtures";
import { DEMO_API_AUTH, createExperimentByApi, makeQuestionPrompt } from "./experiment-api";

// A product manager runs an A/B experiment from the browser on a prompt of their own (created
// through the public API with the demo key, so other specs moving demo labels cannot interfere):
// form validation, planned sample and cost, start, send traffic with a live progress bar, results
// filling in, promote. A viewer sees the results but no controls. An editor cannot steer the
// protected production label through an experiment (issue 17, item 8) but runs one on canary.

const auth = DEMO_API_AUTH;

const TEXTS = ["You answer support questions in one sentence.", "You answer support questions in one short, warm sentence."];

function makePrompt(request: APIRequestContext, name: string, texts: string[] = TEXTS): Promise<void> {
  return makeQuestionPrompt(request, name, texts);
}

test.describe("experiments as the demo admin (a PM)", () => {
  test.use({ storageState: ADMIN_STATE });

  test("create with validation, start, send traffic, watch results, promote (light + dark screenshots)", async ({ page, request }) => {
    test.setTimeout(180_000);
    const name = `e2e-exp-${Date.now().toString(36)}`;
    await makePrompt(request, name);
    const console = watchConsole(page);
    await presetTheme(page, "light");

    await page.goto(`/p/${PROJECT}/experiments`);
    await page.getByTestId("new-experiment").click();
    await expect(page.getByRole("heading", { name: "New experiment" })).toBeVisible();
    await page.getByLabel("Prompt", { exact: true }).selectOption(name);
    await page.getByLabel("Name").fill(`Warmer tone ${name}`);
    await page.getByLabel("Hypothesis").fill("A warmer tone costs no more and answers as fast");
    // The form starts on accuracy (the API's default too); this experiment decides on latency.
    await expect(page.getByLabel("Primary metric")).toHaveValue("accuracy");
    await page.getByLabel("Primary metric").selectOption("latency");
    await expect(page.getByLabel("Variant A version")).toHaveValue("1.0.0");
    await expect(page.getByLabel("Variant B version")).toHaveValue("1.1.0");
    // Bad weights: the form says so and nothing is created.
    await page.getByLabel("Variant B weight").fill("60");
    await expect(page.getByTestId("weights-total")).toHaveText(/Total 110% — weights must sum to 100/);
    await page.getByRole("button", { name: "Create experiment" }).click();
    await expect(page.getByTestId("form-error")).toHaveText("Weights must sum to 100 (they sum to 110).");
    await page.getByLabel("Variant B weight").fill("50");
    // Fixing the weights clears the message at once.
    await expect(page.getByTestId("form-error")).toHaveCount(0);
    await expect(page.getByTestId("planned-sample")).toContainText("393 calls per variant");
    await expect(page.getByTestId("planned-cost")).toHaveText(/^\$\d/);
    await snap(page, "experiments-new", "light");
    await page.getByRole("button", { name: "Create experiment" }).click();

    await expect(page.getByRole("heading", { name: `Warmer tone ${name}` })).toBeVisible();
    await expect(page.getByTestId("experiment-status")).toHaveText("draft");
    await expect(page.getByTestId("verdict")).toContainText("No traffic yet");
    // Starting asks first, saying what happens to the label's traffic; Cancel leaves it a draft.
    await page.getByRole("button", { name: "Start experiment" }).click();
    await expect(page.getByTestId("confirm-start")).toContainText("production label's live traffic is split: A 1.0.0 50% / B 1.1.0 50%");
    await page.getByTestId("confirm-start").getByRole("button", { name: "Cancel" }).click();
    await expect(page.getByTestId("confirm-start")).toBeHidden();
    await expect(page.getByTestId("experiment-status")).toHaveText("draft");
    await page.getByRole("button", { name: "Start experiment" }).click();
    await page.getByRole("button", { name: "Start now" }).click();
    await expect(page.getByTestId("experiment-status")).toHaveText("running");

    await page.getByLabel("Number of calls").fill("24");
    await page.getByRole("button", { name: "Send traffic" }).click();
    await expect(page.getByTestId("traffic-progress")).toBeVisible();
    await expect(page.getByTestId("traffic-status")).toHaveText("done", { timeout: 90_000 });
    await expect(page.getByTestId("traffic-progress")).toContainText("24 of 24 calls");
    // Results fill in: every call is counted under its variant, and the verdict asks for more data.
    await expect
      .poll(async () => Number((await page.getByTestId("calls-A").textContent()) ?? 0) + Number((await page.getByTestId("calls-B").textContent()) ?? 0), {
        timeout: 20_000,
      })
      .toBe(24);
    await expect(page.getByTestId("verdict")).toContainText(/No winner yet on latency: about \d+ more calls per variant needed/);
    await expect(page.getByTestId("correction")).toContainText("no correction needed");
    // No call is scored in this flow: the accuracy column says what it needs.
    await expect(page.getByTestId("variant-table").locator("thead")).toContainText("needs scored calls");
    await expect(page.getByTestId("history")).toContainText("started");
    await expect(page.getByTestId("variant-B")).toContainText("collecting");
    await expect(page.getByTestId("metric-charts").locator("figure")).toHaveCount(6);
    await expect(page.getByTestId("metric-charts").locator(".recharts-surface").first()).toBeVisible();
    // B's change against the control reads in the metric's unit and relative ("+12 ms (+1.5% relative)").
    await expect(page.getByTestId("lift-B-latency")).toContainText(/^[+\-±][\d,]+ ms \([+\-±][\d.]+% relative\)/);
    // At 1440 px the results table fits: no column is cut off behind a sideways scroll.
    await page.setViewportSize({ width: 1440, height: 900 });
    const card = page.getByTestId("variant-table-card");
    await expect.poll(() => card.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
    await snap(page, "experiments-results", "light");

    // Dark theme of the same page.
    await presetTheme(page, "dark");
    await page.reload();
    await expectTheme(page, "dark");
    await expect(page.getByTestId("variant-table")).toBeVisible();
    await expect(page.getByTestId("metric-charts").locator("figure")).toHaveCount(6);
    await expect(page.getByTestId("metric-charts").locator(".recharts-surface").first()).toBeVisible();
    await snap(page, "experiments-results", "dark");

    // A call the experiment routed links back to it (and to its version), and reads as a conversation.
    const experimentId = new URL(page.url()).pathname.split("/").pop() ?? "";
    const routed = await getDb().callLog.findFirstOrThrow({ where: { experimentId }, include: { variant: { select: { key: true } } } });
    await page.goto(`/p/${PROJECT}/calls/${routed.id}`);
    await expect(page.getByTestId("call-experiment-link")).toHaveText(`Warmer tone ${name}`);
    await expect(page.getByTestId("call-links")).toContainText(`(variant ${routed.variant?.key ?? "?"})`);
    await expect(page.getByTestId("call-version-link")).toHaveAttribute("href", new RegExp(`/prompts/${name}/versions/1\\.[01]\\.0$`));
    await expect(page.getByTestId("call-system")).toContainText("You answer support questions in one");
    await expect(page.getByTestId("call-variables")).toContainText("question");
    await page.getByTestId("call-experiment-link").click();
    await expect(page.getByRole("heading", { name: `Warmer tone ${name}` })).toBeVisible();

    // Promote B onto production (the demo admin may move the protected label); with no winner yet the page says it is early.
    await expect(page.getByTestId("promote-hint")).toHaveText("No winner yet: promoting now ends the experiment early.");
    await page.getByLabel("Promote", { exact: true }).selectOption("B");
    // production is protected: promoting asks first and says it is a judgement call without a winner.
    await page.getByRole("button", { name: "Promote to production" }).click();
    await expect(page.getByTestId("confirm-promote")).toContainText("every caller of it gets B 1.1.0 from now on, and the experiment ends");
    await expect(page.getByTestId("confirm-promote")).toContainText("The statistics name no winner yet");
    await snap(page, "experiments-confirm-promote", "dark");
    await page.getByRole("button", { name: "Promote now" }).click();
    await expect(page.getByTestId("notice")).toHaveText('Promoted B: the "production" label now serves 1.1.0.');
    await expect(page.getByTestId("experiment-status")).toHaveText("completed");
    // The decision is frozen with the numbers it was made on; what comes later is counted apart (issue 18, defect 9).
    const decision = page.getByTestId("decision");
    await expect(decision.getByTestId("decision-verdict")).toHaveText("Promoted B (1.1.0) to production: no variant had won on latency yet (24 calls).");
    await expect(decision.getByTestId("decision-row-B")).toContainText("promoted");
    await expect(decision.getByTestId("since-decision")).toContainText("Since the decision: 0 more calls, 0 more scored.");
    await expect(page.getByTestId("live-heading")).toBeVisible();
    await expect(page.getByTestId("verdict")).not.toContainText("promote it");
    await snap(page, "experiments-decision", "dark");
    const served = await request.get(`/api/v1/prompts/${encodeURIComponent(name)}`, { headers: auth });
    expect(((await served.json()) as { version: string }).version).toBe("1.1.0");

    await page.goto(`/p/${PROJECT}/experiments`);
    const row = page.getByTestId("experiment-row").filter({ hasText: `Warmer tone ${name}` });
    await expect(row).toContainText("completed");
    await expect(row).toContainText(`${name} · production`);
    await expect(row.getByTestId("experiment-outcome")).toHaveText("B promoted");
    await snap(page, "experiments-list", "dark");
    expect(console.errors).toEqual([]);
  });
});

test.describe("an experiment with three variants", () => {
  test.use({ storageState: ADMIN_STATE });

  test("the results page says which multiple-comparison correction applies (light + dark screenshots)", async ({ page, request }) => {
    test.setTimeout(120_000);
    const name = `e2e-exp-three-${Date.now().toString(36)}`;
    await makePrompt(request, name, [...TEXTS, "You answer support questions in one sentence and offer further help."]);
    const { id, design } = await createExperimentByApi<{ id: string; design: { plannedPerVariant: number } }>(request, {
      prompt: name,
      name: `Three tones ${name}`,
      variants: [
        { version: "1.0.0", weight: 34 },
        { version: "1.1.0", weight: 33 },
        { version: "1.2.0", weight: 33 },
      ],
    });
    expect(design.plannedPerVariant).toBe(476); // alpha / 2 for two comparisons (393 with one)
    expect((await request.post(`/api/v1/experiments/${id}/start`, { headers: auth })).status()).toBe(200);
    for (let batch = 0; batch < 3; batch++) {
      const runs = await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          request.post(`/api/v1/prompts/${encodeURIComponent(name)}/run`, {
            headers: auth,
            data: { variables: { question: `Question ${batch * 10 + j}?` }, subject: `three-${batch * 10 + j}` },
          }),
        ),
      );
      for (const run of runs) expect(run.status(), await run.text()).toBe(200);
    }
    await presetTheme(page, "light");
    await page.goto(`/p/${PROJECT}/experiments/${id}`);
    await expect(page.getByTestId("correction")).toContainText("Holm–Bonferroni correction");
    await expect(page.getByTestId("correction")).toContainText("97.5%");
    await expect(page.getByTestId("variant-C")).toBeVisible();
    await expect
      .poll(
        async () =>
          Number((await page.getByTestId("calls-A").textContent()) ?? 0) +
          Number((await page.getByTestId("calls-B").textContent()) ?? 0) +
          Number((await page.getByTestId("calls-C").textContent()) ?? 0),
        { timeout: 20_000 },
      )
      .toBe(30);
    await expect(page.getByTestId("history")).toContainText('API key "Demo key (all scopes)" started');
    await expect(page.getByTestId("verdict")).toContainText(/Not enough data on latency for B yet/);
    // Three variants with Holm-adjusted p-values still fit at 1440 px.
    await page.setViewportSize({ width: 1440, height: 900 });
    const card = page.getByTestId("variant-table-card");
    await expect.poll(() => card.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
    await snap(page, "experiments-results-three", "light");
    await presetTheme(page, "dark");
    await page.reload();
    await expectTheme(page, "dark");
    await expect(page.getByTestId("variant-C")).toBeVisible();
    await snap(page, "experiments-results-three", "dark");
    expect((await request.post(`/api/v1/experiments/${id}/pause`, { headers: auth })).status()).toBe(200);
  });
});

test.describe("experiments as a viewer", () => {
  test.use({ storageState: VIEWER_STATE });

  test("sees results but no controls", async ({ page, request }) => {
    const name = `e2e-exp-viewer-${Date.now().toString(36)}`;
    await makePrompt(request, name);
    const { id } = await createExperimentByApi(request, { prompt: name, name: `Viewer check ${name}` });
    await page.goto(`/p/${PROJECT}/experiments`);
    await expect(page.getByTestId("new-experiment")).toHaveCount(0);
    await page.goto(`/p/${PROJECT}/experiments/${id}`);
    await expect(page.getByRole("heading", { name: `Viewer check ${name}` })).toBeVisible();
    await expect(page.getByTestId("verdict")).toBeVisible();
    await expect(page.getByTestId("experiment-controls")).toHaveCount(0);
    await expect(page.getByRole("button", { name: /Start|Promote|Send traffic|Pause/ })).toHaveCount(0);
    await page.goto(`/p/${PROJECT}/experiments/new`);
    await expect(page).toHaveURL(/\/forbidden/);
  });
});

test.describe("experiments as an editor", () => {
  // A signed-out context: the editor signs in below (the demo has no editor, so the test adds one).
  test.use({ storageState: { cookies: [], origins: [] } });

  test("is refused starting one on the protected production label with the reason; runs one on canary; a 0 % control is refused", async ({ page, request }) => {
    test.setTimeout(120_000);
    const name = `e2e-exp-editor-${Date.now().toString(36)}`;
    await makePrompt(request, name);
    const canary = await request.put(`/api/v1/prompts/${encodeURIComponent(name)}/labels/canary`, { headers: auth, data: { version: "1.0.0" } });
    expect(canary.status(), await canary.text()).toBe(200);
    const ids: Record<string, string> = {};
    for (const label of ["production", "canary"]) {
      ids[label] = (await createExperimentByApi(request, { prompt: name, label, name: `Editor ${label} ${name}` })).id;
    }
    const db = getDb();
    const editor = { email: `editor-${randomUUID().slice(0, 8)}@example.test`, password: "editor-password-1" };
    const user = await db.user.create({ data: { email: editor.email, name: "Eddie Editor", passwordHash: await hashPassword(editor.password) } });
    const project = await db.project.findUniqueOrThrow({ where: { slug: PROJECT } });
    await db.membership.create({ data: { userId: user.id, projectId: project.id, role: "EDITOR" } });

    await signIn(page, editor);
    await page.waitForURL(`**/p/${PROJECT}/prompts`);
    const console = watchConsole(page);

    await page.goto(`/p/${PROJECT}/experiments/${ids.production}`);
    await expect(page.getByRole("heading", { name: `Editor production ${name}` })).toBeVisible();
    await page.getByRole("button", { name: "Start experiment" }).click();
    await page.getByRole("button", { name: "Start now" }).click();
    await expect(page.getByTestId("form-error")).toHaveText('The "production" label is protected: only admins can start an experiment on it');
    await expect(page.getByTestId("experiment-status")).toHaveText("draft");
    const served = await request.get(`/api/v1/prompts/${encodeURIComponent(name)}`, { headers: auth });
    expect(((await served.json()) as { version: string }).version).toBe("1.0.0");

    await page.goto(`/p/${PROJECT}/experiments/${ids.canary}`);
    await expect(page.getByRole("heading", { name: `Editor canary ${name}` })).toBeVisible();
    await page.getByLabel("Weight A").fill("0");
    await page.getByLabel("Weight B").fill("100");
    await expect(page.getByTestId("control-weight-error")).toContainText("The control (A) needs a weight of at least 1");
    await expect(page.getByRole("button", { name: "Change weights" })).toBeDisabled();
    await page.getByLabel("Weight A").fill("10");
    await page.getByLabel("Weight B").fill("90");
    await page.getByRole("button", { name: "Change weights" }).click();
    await expect(page.getByTestId("history")).toContainText("changed weights");
    await page.getByRole("button", { name: "Start experiment" }).click();
    await page.getByRole("button", { name: "Start now" }).click();
    await expect(page.getByTestId("experiment-status")).toHaveText("running");
    await expect(page.getByTestId("form-error")).toHaveCount(0);
    await page.getByRole("button", { name: "End without promoting" }).click();
    await expect(page.getByTestId("experiment-status")).toHaveText("completed");
    // The refused start is an expected 403-free action result, not a console error.
    expect(console.errors).toEqual([]);
  });
});
