import { expect, test } from "@playwright/test";
import { ADMIN_STATE, PROJECT, expectTheme, presetTheme, snap, watchConsole } from "./fixtures";

// The playground of the demo support-agent (two tools, a chat history): the history typed turn by
// turn (a bad one named by the server), a run that ends in a tool call, the tool result typed
// (a malformed JSON result refused before sending), the next round answering in text; and the
// repair retry of an invalid tool input made visible with the simulator fault.
const PAGE_URL = `/p/${PROJECT}/prompts/support-agent/playground`;

test.describe("playground tool conversation as the demo admin", () => {
  test.use({ storageState: ADMIN_STATE });

  for (const theme of ["light", "dark"] as const) {
    test(`history, a tool call, its typed result, the next round (${theme})`, async ({ page }) => {
      test.setTimeout(150_000);
      await presetTheme(page, theme);
      const console = watchConsole(page);
      await page.goto(PAGE_URL);
      await expectTheme(page, theme);
      await expect(page.getByRole("heading", { name: "Playground: support-agent" })).toBeVisible();

      // The chat history: two turns, the second wrongly from the user too.
      const history = page.getByTestId("history-input");
      await expect(history).toContainText("No earlier turns");
      await history.getByTestId("history-add").click();
      await history.getByTestId("history-content").nth(0).fill("Hi, I ordered a desk lamp last week.");
      await history.getByTestId("history-add").click();
      await history.getByTestId("history-role").nth(1).selectOption("user");
      await history.getByTestId("history-content").nth(1).fill("Thanks! How can I help with it?");
      await page.locator("#var-question").fill(`Where is my order A-1042? (${theme})`);
      await page.getByTestId("run-button").click();
      const historyErrors = page.getByTestId("field-error-history");
      await expect(historyErrors.first()).toBeVisible();
      await expect(historyErrors).toHaveText([
        /history message 2 and history message 1 are both from the user: user and assistant turns must alternate/,
        /the last history message and the turn after the history are both from the user/,
      ]);
      await history.getByTestId("history-role").nth(1).selectOption("assistant");

      // Round 1: Claude (the simulator) calls lookup_order.
      const panel = page.getByTestId("result-a");
      await page.getByTestId("run-button").click();
      await expect(panel.getByTestId("result-status")).toHaveText("ok", { timeout: 45_000 });
      await expect(historyErrors).toHaveCount(0);
      const call = panel.getByTestId("tool-call");
      await expect(call).toHaveCount(1);
      await expect(call.getByTestId("tool-call-name")).toHaveText("lookup_order");
      await expect(call.getByTestId("tool-call-valid")).toHaveText("input fits the schema");
      await expect(call.getByTestId("tool-call-input")).toContainText('"order_id":');
      await expect(panel.getByTestId("result-facts")).toContainText("tool_use");
      await expect(panel.getByTestId("cost-total")).toHaveText(/^\$\d/);

      // The result: malformed JSON is refused before anything is sent.
      const form = panel.getByTestId("tool-results-form");
      await form.getByTestId("tool-result-format-json").click();
      await form.getByTestId("tool-result-content").fill("{status: shipped}");
      await form.getByTestId("send-tool-results").click();
      await expect(form.getByTestId("tool-result-error")).toHaveText(/Result for lookup_order: content is not valid JSON: /);
      await form.getByTestId("tool-result-content").fill('{"status": "shipped", "carrier": "DHL", "eta": "2026-12-05"}');
      await expect(form.getByTestId("tool-result-error")).toHaveCount(0);
      await page.evaluate(() => window.scrollTo(0, 0));
      await snap(page, "playground-tool-call", theme);
      await form.getByTestId("send-tool-results").click();

      // Round 2: the answer in text, after the tool result; round 1 kept above with its facts.
      await expect(panel.getByTestId("result-status")).toHaveText("ok", { timeout: 45_000 });
      await expect(panel.getByTestId("tool-round")).toHaveCount(1);
      const round = panel.getByTestId("tool-round");
      await expect(round.getByTestId("round-facts")).toContainText("tool_use");
      await expect(round.getByTestId("round-facts")).toContainText(/\$\d/);
      await expect(round.getByTestId("tool-round-result")).toHaveText('{"status": "shipped", "carrier": "DHL", "eta": "2026-12-05"}');
      await expect(panel.getByTestId("tool-call")).toHaveCount(0);
      await expect(panel.getByTestId("tool-results-form")).toHaveCount(0);
      await expect(panel.getByTestId("result-output")).not.toBeEmpty();
      await expect(panel.getByTestId("result-facts")).toContainText("end_turn");
      await expect(panel.getByTestId("call-id")).toHaveText(/^c[a-z0-9]{24}$/);
      await page.evaluate(() => window.scrollTo(0, 0));
      await snap(page, "playground-tool-round-2", theme);

      // The only failed request is the refused run with the bad history (a deliberate 422).
      expect(console.errors.filter((e) => !e.includes("422"))).toEqual([]);
      expect(console.errors.filter((e) => e.startsWith("422 "))).toHaveLength(1);
    });
  }

  test("an invalid tool input is repaired once, and the repair is shown with the rejected input", async ({ page }) => {
    test.setTimeout(90_000);
    await page.goto(PAGE_URL);
    await page.locator("#var-question").fill("Where is my order A-2001?");
    await page.getByTestId("advanced").locator("summary").click();
    await page.getByTestId("fault-select").selectOption("invalid_tool_input");
    const panel = page.getByTestId("result-a");
    await page.getByTestId("run-button").click();
    await expect(panel.getByTestId("result-status")).toHaveText("ok", { timeout: 45_000 });
    const repair = panel.getByTestId("tool-repair");
    await expect(repair).toContainText("Repair retry");
    await expect(repair).toContainText("the input must have required property 'order_id'");
    await expect(panel.getByTestId("tool-call-valid")).toHaveText("input fits the schema");
    await expect(panel.getByTestId("attempt")).toHaveCount(2);
    await expect(panel.getByTestId("attempt").nth(1)).toContainText("repair");
    await snap(page, "playground-tool-repair", "light");
  });
});
