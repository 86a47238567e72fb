import { expect, test } from "@playwright/test";
import { ADMIN_STATE, PROJECT, snap, watchConsole } from "./fixtures";
import { DEMO_API_AUTH } from "./experiment-api";
import { expectSaved, uniqueName, waitForEditor } from "./prompts-helpers";

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
});
