import { expect, test } from "@playwright/test";
import { ADMIN_STATE, PROJECT, snap, watchConsole } from "./fixtures";
import { DEMO_API_AUTH } from "./experiment-api";
import { uniqueName } from "./prompts-helpers";

// The prompt length audit (issue 14): the demo support prompt's findings with their savings, and
// Condense on a prompt of the test's own (it creates a draft).
test.use({ storageState: ADMIN_STATE });

test("the audit of the demo support prompt shows findings with savings, the breakdown and variable statistics", async ({ page }) => {
  const console = watchConsole(page);
  await page.goto(`/p/${PROJECT}/prompts/support-assistant/versions/1.2.0`);
  await page.getByTestId("version-tab-audit").click();
  await expect(page).toHaveURL(/\/versions\/1\.2\.0\/audit$/);

  // The app pastes the same store facts into {{account_context}} on every call: move them to a cached block.
  const repeated = page.locator('[data-testid="audit-finding"][data-code="repeated_variable_text"]');
  await expect(repeated).toContainText("{{account_context}} repeats the same long text");
  await expect(repeated.getByTestId("audit-finding-saving")).toHaveText(/^\$0\.\d+ \/ 1k calls$/);
  await expect(repeated.getByTestId("audit-finding-saving")).not.toHaveText("$0 / 1k calls");
  await expect(repeated.getByTestId("audit-finding-monthly")).toContainText("per 30 days at the observed rate");
  await expect(repeated).toContainText("Standard shipping takes 3 to 5 business days");
  // Rule 8 repeats rule 4.
  await expect(page.locator('[data-testid="audit-finding"][data-code="repeated_sentences"]')).toContainText("Never ask for or repeat full card numbers");

  await expect(page.getByTestId("audit-breakdown-row").filter({ hasText: "System block 3 (reference)" })).toContainText("cached");
  await expect(page.getByTestId("audit-counting")).toContainText("Offline estimate");
  const context = page.getByTestId("audit-variable").filter({ hasText: "account_context" });
  await expect(context).toBeVisible();
  await expect(page.getByTestId("audit-calls-sample")).toContainText("newest");
  await expect(page.getByTestId("audit-no-calls")).toHaveCount(0);
  await snap(page, "length-audit-support", "light");
  expect(console.errors).toEqual([]);
});

test("condense a block of a new prompt: no calls yet, static findings, the proposal becomes the draft with its diff and saving", async ({ page, request }) => {
  const console = watchConsole(page);
  const name = uniqueName("condense");
  const system = [
    "You answer questions about Acme orders.",
    "Please make sure to quote the order number you are talking about.",
    "Never share full card numbers, passwords or one-time codes with anyone.",
    "Keep answers under 120 words and end with the next step.",
    "Never share full card numbers, passwords or one-time codes with anyone.",
  ].join("\n");
  const created = await request.post(`/api/v1/prompts/${name}/versions`, {
    headers: DEMO_API_AUTH,
    data: {
      publish: true,
      changelog: "first",
      request: {
        model: "claude-sonnet-5-5",
        max_tokens: 512,
        system: [{ type: "text", text: system }],
        messages: [{ role: "user", content: [{ type: "text", text: "{{question}}" }] }],
      },
      variables: { question: { type: "string", required: true } },
    },
  });
  expect(created.status(), await created.text()).toBe(201);

  await page.goto(`/p/${PROJECT}/prompts/${name}/versions/1.0.0/audit`);
  await expect(page.getByTestId("audit-no-calls")).toContainText("No calls logged for this version yet");
  await expect(page.locator('[data-testid="audit-finding"][data-code="repeated_sentences"]')).toContainText("Never share full card numbers");

  await page.locator('[data-testid="condense-block"][data-location="system.0"]').getByTestId("condense-button").click();
  const result = page.getByTestId("condense-result");
  await expect(result).toContainText("saved as the draft", { timeout: 30_000 });
  await expect(result.getByTestId("condense-saving")).toHaveText(/^~\d+ tokens · \$[\d.]+ \/ 1k calls$/);
  // The repeated rule is gone, the wordy opening shortened.
  await expect(result.getByTestId("condense-diff").locator('[data-change="removed"]').first()).toBeVisible();
  await expect(result.getByTestId("condense-evaluate")).toHaveAttribute(
    "href",
    new RegExp(`/evals/new\\?prompt=${name}&versions=1\\.0\\.0%2Cdraft&baseline=1\\.0\\.0$`),
  );
  await snap(page, "length-audit-condense", "light");

  await result.getByTestId("condense-open-diff").click();
  await expect(page).toHaveURL(/\/diff\?from=1\.0\.0&to=draft$/);
  await expect(page.getByTestId("diff-summary")).toBeVisible();

  // The draft holds the shorter block: one copy of the rule.
  await page.goto(`/p/${PROJECT}/prompts/${name}/versions/draft`);
  const block = page.getByTestId("version-block").first();
  await expect(block).toContainText("Never share full card numbers");
  expect(((await block.textContent()) ?? "").split("Never share full card numbers").length - 1).toBe(1);

  // Condensing the published version again while the draft exists is refused in the page.
  await page.goto(`/p/${PROJECT}/prompts/${name}/versions/1.0.0/audit`);
  await expect(page.getByTestId("condense-draft-exists")).toBeVisible();
  await expect(page.getByTestId("condense-button").first()).toBeDisabled();
  expect(console.errors).toEqual([]);
});
