import { expect, test } from "@playwright/test";
import { ADMIN_STATE, PROJECT, snap, watchConsole } from "./fixtures";
import { DEMO_API_AUTH } from "./experiment-api";
import { expectSaved, uniqueName, waitForEditor } from "./prompts-helpers";
import { createTicketDataset, waitForRunStatus } from "./evals-helpers";

// Model routing as a new user tries it: a prompt with some calls on Sonnet, routing rules added in
// the editor (a rule that never fires is named under it), the what-if saving over the logged
// calls, then the draft in the playground answered by the routed model.
test.describe("model routing", () => {
  test.use({ storageState: ADMIN_STATE });

  test("add rules, see the what-if saving, run the draft in the playground on the routed model", async ({ page, request }) => {
    test.setTimeout(180_000);
    const console = watchConsole(page);
    const name = uniqueName("routing");
    const created = await request.post(`/api/v1/prompts/${name}/versions`, {
      headers: DEMO_API_AUTH,
      data: {
        changelog: "first",
        publish: true,
        request: {
          model: "claude-sonnet-5-5",
          max_tokens: 256,
          system: "You handle {{task_type}} tasks.",
          messages: [{ role: "user", content: "{{input}}" }],
        },
        variables: {
          task_type: { type: "enum", required: true, values: ["classification", "generation", "reasoning"] },
          input: { type: "string", required: true },
        },
      },
    });
    expect(created.status()).toBe(201);
    const moved = await request.put(`/api/v1/prompts/${name}/labels/production`, { headers: DEMO_API_AUTH, data: { version: "1.0.0" } });
    expect(moved.status()).toBe(200);
    for (const input of ["Is this email spam?", "Tag this ticket: refund request", "Label the sentiment: great service"]) {
      const run = await request.post(`/api/v1/prompts/${name}/run`, { headers: DEMO_API_AUTH, data: { variables: { task_type: "classification", input } } });
      expect(run.status()).toBe(200);
    }

    await page.goto(`/p/${PROJECT}/prompts/${name}/edit`);
    await waitForEditor(page);
    const section = page.getByTestId("routing-section");
    await section.scrollIntoViewIfNeeded();
    await expect(section).toContainText("No routing");

    // A rule without conditions, then another: the second can never fire, and the editor says so.
    await page.getByTestId("add-routing-rule").click();
    await page.getByTestId("add-routing-rule").click();
    await expect(section.getByTestId("routing-issue")).toHaveText([
      'rule 2 "rule-2" never fires: rule 1 "rule-1" before it matches every call (it has no conditions)',
    ]);
    await section.getByRole("button", { name: "Remove rule" }).nth(1).click();

    // Rule 1: classification -> Haiku.
    const rule = section.getByTestId("routing-rule").first();
    await rule.getByLabel("Rule name").fill("simple-classification");
    await rule.getByLabel("Rule model").selectOption("claude-haiku-5-5");
    await rule.getByRole("button", { name: "+ variable" }).click();
    await rule.getByLabel("Variable").selectOption("task_type");
    await rule.getByLabel("Value").fill("classifcation");
    await expect(section.getByTestId("routing-issue")).toContainText(['"task_type" is never "classifcation"']);
    await rule.getByLabel("Value").fill("classification");
    await expect(section.getByTestId("routing-issue")).toHaveCount(0);
    await expectSaved(page);

    await page.getByTestId("run-what-if").click();
    const summary = section.getByTestId("what-if-summary");
    await expect(summary).toContainText("3 of 3 calls");
    await expect(summary).toContainText("−$");
    await expect(section.getByTestId("what-if-table")).toContainText("simple-classification");
    await section.screenshot({ path: "test-results/screenshots/routing-editor-what-if-light.png" });
    await snap(page, "routing-editor", "light");

    await page.getByTestId("open-draft-in-playground").click();
    await expect(page).toHaveURL(/\/playground\?version=draft/);
    await page.locator("#var-task_type").selectOption("classification");
    await page.locator("#var-input").fill("Is this a complaint or a question: where is my parcel?");
    await page.getByTestId("run-button").click();
    const panel = page.getByTestId("result-a");
    await expect(panel.getByTestId("result-status")).toHaveText("ok", { timeout: 45_000 });
    await expect(panel.getByTestId("result-routing")).toContainText("rule simple-classification → claude-haiku-5-5");
    await expect(panel.getByTestId("result-model")).toContainText("claude-haiku-5-5");
    await snap(page, "routing-playground", "light");
    expect(console.errors).toEqual([]);
  });

  test("metrics filter by routing rule; the cost page shows what routing saved beside caching and batch", async ({ page, request }) => {
    test.setTimeout(180_000);
    const console = watchConsole(page);
    const name = uniqueName("routed-metrics");
    const created = await request.post(`/api/v1/prompts/${name}/versions`, {
      headers: DEMO_API_AUTH,
      data: {
        changelog: "routed",
        publish: true,
        request: { model: "claude-sonnet-5-5", max_tokens: 128, system: "You handle {{task_type}} tasks.", messages: [{ role: "user", content: "{{input}}" }] },
        variables: {
          task_type: { type: "enum", required: true, values: ["classification", "generation"] },
          input: { type: "string", required: true },
        },
        routing: {
          rules: [
            {
              name: "simple-classification",
              when: [{ signal: "variable", name: "task_type", op: "equals", value: "classification" }],
              model: "claude-haiku-5-5",
            },
          ],
        },
      },
    });
    expect(created.status()).toBe(201);
    const runs: Array<[string, string]> = [
      ["classification", "Is this spam?"],
      ["classification", "Tag: refund request"],
      ["generation", "Write a two-line poem about parcels."],
    ];
    for (const [task_type, input] of runs) {
      const run = await request.post(`/api/v1/prompts/${name}/run`, { headers: DEMO_API_AUTH, data: { version: "1.0.0", variables: { task_type, input } } });
      expect(run.status()).toBe(200);
    }
    // The API refuses a value that is no rule name, naming the filter.
    const bad = await request.get(`/api/v1/metrics?rule=${encodeURIComponent("Not a rule")}`, { headers: DEMO_API_AUTH });
    expect(bad.status()).toBe(400);
    expect(((await bad.json()) as { error: { issues: Array<{ path: string }> } }).error.issues[0]?.path).toBe("rule");

    // The per-prompt page offers the rules of the prompt's versions; choosing one narrows every figure.
    await page.goto(`/p/${PROJECT}/metrics/prompts/${name}?range=1h&playground=include`);
    const row = page.getByTestId("version-row-1.0.0");
    await expect(row.locator("td").nth(1)).toContainText("3", { timeout: 30_000 });
    const filter = page.getByTestId("filter-rule");
    await expect(filter.locator("option")).toHaveText(["All", "simple-classification", "default (no rule matched)"]);
    const answered = page.waitForResponse((r) => r.url().includes("/metrics/data") && r.url().includes("rule=simple-classification") && r.ok());
    await filter.selectOption("simple-classification");
    await answered;
    await expect(page).toHaveURL(/rule=simple-classification/);
    await expect(row.locator("td").nth(1)).toContainText("2");
    await snap(page, "metrics-rule-filter", "light");
    const defaults = page.waitForResponse((r) => r.url().includes("rule=default") && r.ok());
    await filter.selectOption("default");
    await defaults;
    await expect(row.locator("td").nth(1)).toContainText("1");

    // The cost page: routing's realised saving per prompt, next to caching and batch.
    await page.goto(`/p/${PROJECT}/metrics/cost?range=1h`);
    const levers = page.getByTestId("cost-levers");
    await expect(levers.getByTestId("kpi-levers-routing")).toContainText("routed calls");
    const leverRow = levers.getByTestId("cost-levers-row").filter({ hasText: name });
    await expect(leverRow.getByTestId("cost-levers-routing")).toHaveText(/^\$\d/);
    await expect(leverRow.getByTestId("cost-levers-routing")).toHaveAttribute("title", "2 calls routed to another model");
    await levers.screenshot({ path: "test-results/screenshots/cost-levers-routing-light.png" });
    await snap(page, "cost-routing", "light");
    expect(console.errors).toEqual([]);
  });

  test("from the routing section, evaluate the draft per routed model and see score and cost per rule", async ({ page, request }) => {
    test.setTimeout(240_000);
    const console = watchConsole(page);
    const name = uniqueName("routed-eval");
    const dataset = uniqueName("routed-tickets");
    await createTicketDataset(dataset, 6);
    // A draft (not published) with one rule: billing tickets ("charged") go to Haiku, the rest stay on Sonnet.
    const created = await request.post(`/api/v1/prompts/${name}/versions`, {
      headers: DEMO_API_AUTH,
      data: {
        changelog: "routed draft",
        request: {
          model: "claude-sonnet-5-5",
          max_tokens: 64,
          system: "Classify the support ticket into one category.",
          messages: [{ role: "user", content: "Channel: {{channel}}\n{{ticket}}" }],
        },
        variables: { ticket: { type: "string", required: true }, channel: { type: "string", required: true } },
        routing: { rules: [{ name: "billing", when: [{ signal: "variable", name: "ticket", op: "matches", value: "charged" }], model: "claude-haiku-5-5" }] },
      },
    });
    expect(created.status()).toBe(201);

    await page.goto(`/p/${PROJECT}/prompts/${name}/edit`);
    await waitForEditor(page);
    await page.getByTestId("routing-section").scrollIntoViewIfNeeded();
    await page.getByTestId("routing-eval-link").click();
    await expect(page).toHaveURL(/\/evals\/new\?.*routing=compare/);
    await expect(page.getByTestId("eval-prompt")).toHaveValue(name);
    await expect(page.getByTestId("eval-version-draft")).toBeChecked();
    await expect(page.getByTestId("eval-compare-routing")).toBeChecked();
    await page.getByTestId("eval-dataset").selectOption(dataset);
    await expect(page.getByTestId("eval-estimate")).toContainText("6 items × 2 versions = 12 requests");
    await page.getByTestId("eval-mode-realtime").check();
    await page.getByTestId("start-eval").click();
    await expect(page).toHaveURL(new RegExp(`/p/${PROJECT}/evals/[a-z0-9]+$`));
    await waitForRunStatus(page, "completed", 150_000);

    const breakdown = page.getByTestId("routing-breakdown");
    await expect(breakdown).toContainText("on claude-sonnet-5-5 only");
    const billing = breakdown.locator('[data-rule="billing"]');
    await expect(billing).toContainText("claude-haiku-5-5");
    await expect(billing.locator("td").nth(2)).toHaveText("1");
    await expect(breakdown.locator('[data-rule="default"]').locator("td").nth(2)).toHaveText("5");
    await expect(billing.getByTestId("routing-cost")).toHaveText(/^\$/);
    await expect(billing.getByTestId("routing-baseline-cost")).toHaveText(/^\$/);
    await breakdown.screenshot({ path: "test-results/screenshots/routing-eval-breakdown-light.png" });
    await snap(page, "routing-eval-run", "light");
    expect(console.errors).toEqual([]);
  });
});
