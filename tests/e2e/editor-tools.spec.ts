import { expect, test, type Page } from "@playwright/test";
import { DEMO_API_AUTH } from "./experiment-api";
import { ADMIN_STATE, PROJECT, SCREENSHOT_DIR, watchConsole } from "./fixtures";
import { createPromptOfKind, expectSaved, publish, replaceBlock, replaceEditorText, uniqueName, waitForEditor } from "./prompts-helpers";

// Issue 15 as a new user tries it in the editor: a support agent with two tools, a chat history
// and a shared policy snippet, published; bad tool input named at its field; the next version's
// tool changes in the diff with their semver reasons.

test.use({ storageState: ADMIN_STATE });

const LOOKUP_SCHEMA = '{"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"]}';
const REFUND_SCHEMA = '{"type":"object","properties":{"order_id":{"type":"string"},"amount_cents":{"type":"integer"}},"required":["order_id","amount_cents"]}';

async function fillTool(page: Page, i: number, tool: { name: string; description: string; schema: string }): Promise<void> {
  await page.getByTestId(`tool-name-${i}`).fill(tool.name);
  await page.getByTestId(`tool-description-${i}`).fill(tool.description);
  await replaceEditorText(page, `tool-schema-${i}`, tool.schema);
}

test("a support agent with two tools, a chat history and a policy snippet; bad tools named at the field; the diff of the next version", async ({ page }) => {
  test.setTimeout(480_000);
  const console = watchConsole(page);
  const snippet = uniqueName("policy");
  const agent = uniqueName("agent");

  // The shared policy: a snippet, published under production.
  await createPromptOfKind(page, snippet, "snippet");
  await replaceBlock(page, "messages.0.content.0", "Refunds within 30 days of delivery, unused items only.");
  await expectSaved(page);
  await publish(page, { changelog: "Refund policy", expectVersion: "1.0.0", labels: ["production"] });

  // The agent: instructions that include the policy.
  await createPromptOfKind(page, agent, "prompt");
  await replaceBlock(page, "system.0", `You are a support agent for Acme. Look orders up before answering. {{> ${snippet}@production}}`);

  // Two tools, each with a JSON editor for its input_schema.
  const tools = page.getByTestId("tools-section");
  await expect(tools).toContainText("No tools");
  await tools.getByTestId("add-tool").click();
  await fillTool(page, 0, { name: "lookup_order", description: "Look up an order by its number: status, items, delivery date.", schema: LOOKUP_SCHEMA });
  await tools.getByTestId("add-tool").click();

  // Bad input, each named at its field: a duplicate name, an invalid name, a schema that is not a schema, one that is not JSON.
  await page.getByTestId("tool-name-1").fill("lookup_order");
  await expect(page.getByTestId("tool-name-issues-1")).toContainText('tool name "lookup_order" is already used by tool 1');
  await page.getByTestId("tool-name-1").fill("issue refund");
  await expect(page.getByTestId("tool-name-issues-1")).toContainText("tool names are 1-64 characters");
  await fillTool(page, 1, {
    name: "issue_refund",
    description: "Refund an order to the original payment method.",
    schema: REFUND_SCHEMA.replace('"integer"', '"integr"'),
  });
  await expect(page.getByTestId("tool-name-issues-1")).toHaveCount(0);
  await expect(page.getByTestId("tool-schema-issues-1")).toContainText('tool "issue_refund": input_schema is not a valid JSON Schema');
  await expect(page.getByTestId("validation-panel")).toContainText("Tool 2 input_schema");
  await page.getByTestId("tool-card").nth(1).scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SCREENSHOT_DIR}/editor-tools-bad-input.png`, fullPage: true });
  await replaceEditorText(page, "tool-schema-1", '{"type":"object",');
  await expect(page.getByTestId("tool-schema-issues-1")).toContainText("input_schema is not valid JSON");
  await replaceEditorText(page, "tool-schema-1", REFUND_SCHEMA);
  await expect(page.getByTestId("tool-schema-issues-1")).toHaveCount(0);

  // The breakpoint on the last tool: tool tokens lead the cached prefix and the cost preview.
  await page.getByRole("radiogroup", { name: "Cache breakpoint for the tools (on the last tool)" }).getByRole("radio", { name: "5m" }).click();
  await expect(page.getByTestId("breakpoint-tools.1")).toContainText("cached prefix ~");
  await expect(page.getByTestId("cost-tool-tokens")).toHaveText(/^~\d+$/);
  const toolTokens = Number((await page.getByTestId("cost-tool-tokens").innerText()).replace(/\D/g, ""));
  const systemPrefix = Number(/prefix ~(\d+)/.exec(await page.getByTestId("tokens-system.0").innerText())?.[1]);
  expect(systemPrefix).toBeGreaterThan(toolTokens);

  // A chat history before the customer's message, with a breakpoint on its last message, explained and priced.
  await page.getByTestId("add-history").click();
  const slot = page.getByTestId("history-slot");
  await expect(slot).toHaveAttribute("data-position", "0");
  await expect(slot).toContainText("Its first message must be from the user");
  await slot.getByRole("radio", { name: "5m" }).click();
  await expect(slot.getByTestId("history-cost-saving")).toContainText("saves");
  await expect(slot).toContainText("each turn of a chat resends the whole conversation");
  // A bad place, named: between two user turns.
  await page.getByTestId("add-turn").click();
  await page.getByLabel("Role of Turn 2").selectOption("user");
  await slot.getByLabel("Position of chat history history").selectOption("1");
  await expect(slot.getByTestId("history-problems")).toContainText("Turn 1 and Turn 2 around it are both from the user");
  await page.getByRole("button", { name: "Remove Turn 2" }).click();
  // After the last (user) turn is still wrong: the request would end with the history.
  await expect(slot.getByTestId("history-problems")).not.toContainText("both from the user");
  await expect(slot.getByTestId("history-problems")).toContainText("it comes after Turn 1, from the user");
  await slot.getByLabel("Position of chat history history").selectOption("0");
  await expect(slot.getByTestId("history-problems")).toHaveCount(0);
  await expect(page.getByTestId("variables-table")).toContainText("chat history: placed among the turns");

  await expectSaved(page);
  await expect(page.getByTestId("validation-panel").getByTestId("issue-error")).toHaveCount(0);
  await page.screenshot({ path: `${SCREENSHOT_DIR}/editor-tools-agent.png`, fullPage: true });
  await publish(page, { changelog: "Support agent: two tools, chat history, policy snippet", expectVersion: "1.0.0", labels: ["production"] });
  await expect(page.getByTestId("version-pin")).toContainText(`${snippet} v1.0.0`);

  // What apps fetch carries the tools and the history.
  const served = await page.request.get(`/api/v1/prompts/${agent}?label=production`, { headers: DEMO_API_AUTH });
  expect(served.status()).toBe(200);
  const doc = (await served.json()) as {
    request: { tools: { name: string; cache_control?: unknown }[] };
    variables: Record<string, { type: string; position?: number }>;
  };
  expect(doc.request.tools.map((t) => t.name)).toEqual(["lookup_order", "issue_refund"]);
  expect(doc.request.tools[1]?.cache_control).toEqual({ type: "ephemeral", ttl: "5m" });
  expect(doc.variables.history).toMatchObject({ type: "messages", position: 0 });

  // The next version: a narrower refund schema and a forced tool call are major.
  await page.goto(`/p/${PROJECT}/prompts/${agent}/edit`);
  await waitForEditor(page);
  await expect(page.getByTestId("tool-schema-1")).toHaveAttribute("data-ready", "true");
  await replaceEditorText(
    page,
    "tool-schema-1",
    REFUND_SCHEMA.replace('"amount_cents"]', '"amount_cents","reason"]').replace('}},"required"', '},"reason":{"type":"string"}},"required"'),
  );
  await page.getByTestId("tool-choice").selectOption("any");
  await expectSaved(page);
  await page.getByTestId("open-publish").click();
  const dialog = page.getByTestId("publish-dialog");
  await expect(dialog.getByTestId("publish-proposed-version")).toHaveText("v2.0.0");
  await expect(dialog.getByTestId("publish-reasons")).toContainText('major: tool "issue_refund" input_schema narrowed: $.reason added as required');
  await expect(dialog.getByTestId("publish-reasons")).toContainText("tool_choice changed unset (auto) -> any");
  await dialog.getByTestId("publish-changelog").fill("Refunds need a reason; always call a tool");
  await dialog.getByTestId("publish-submit").click();
  await expect(page.getByTestId("published-banner")).toContainText("v2.0.0", { timeout: 30_000 });

  await page.goto(`/p/${PROJECT}/prompts/${agent}/diff?from=1.0.0&to=2.0.0`);
  const diff = page.getByTestId("diff-tools");
  await expect(page.getByTestId("diff-bump")).toHaveText("major");
  const refund = diff.locator('[data-testid="diff-tool"][data-tool="issue_refund"]');
  await expect(refund).toContainText("input_schema changed");
  await expect(refund.getByTestId("diff-tool-schema")).toContainText('"reason"');
  await expect(refund.getByTestId("diff-change-reasons")).toContainText('tool "issue_refund" input_schema narrowed: $.reason added as required');
  await expect(diff.getByTestId("diff-tool-choice")).toContainText("unset (auto) → any");
  await expect(page.getByTestId("diff-histories")).toContainText("Same chat histories");
  await page.screenshot({ path: `${SCREENSHOT_DIR}/diff-tools.png`, fullPage: true });
  expect(console.errors).toEqual([]);
});
