import { expect, test, type Page } from "@playwright/test";
import { Langfuse } from "langfuse";
import { DEMO_API_AUTH } from "./experiment-api";
import { ADMIN_STATE, PROJECT, SCREENSHOT_DIR, watchConsole } from "./fixtures";
import { createPromptOfKind, expectSaved, publish, replaceBlock, replaceEditorText, uniqueName } from "./prompts-helpers";

// Issue 15's "Done when", walked as a new user would in one go: a support agent with two tools, a
// chat history, a shared policy snippet and an optional section, published; run in ITS playground
// through a tool call and the typed result; fetched through the API and the Langfuse SDK.

test.use({ storageState: ADMIN_STATE });

const LOOKUP_SCHEMA = '{"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"]}';
const REFUND_SCHEMA = '{"type":"object","properties":{"order_id":{"type":"string"},"amount_cents":{"type":"integer"}},"required":["order_id","amount_cents"]}';
const POLICY = "Refunds within 30 days of delivery, unused items only.";

async function fillTool(page: Page, i: number, tool: { name: string; description: string; schema: string }): Promise<void> {
  await page.getByTestId(`tool-name-${i}`).fill(tool.name);
  await page.getByTestId(`tool-description-${i}`).fill(tool.description);
  await replaceEditorText(page, `tool-schema-${i}`, tool.schema);
}

test("done when: build, publish, run through a tool call, fetch via the API and the Langfuse SDK", async ({ page }) => {
  test.setTimeout(480_000);
  const console = watchConsole(page);
  const snippet = uniqueName("policy");
  const agent = uniqueName("agent");

  // 1. The shared policy snippet, published under production.
  await createPromptOfKind(page, snippet, "snippet");
  await replaceBlock(page, "messages.0.content.0", POLICY);
  await expectSaved(page);
  await publish(page, { changelog: "Refund policy", expectVersion: "1.0.0", labels: ["production"] });

  // 2. The agent: instructions with the snippet include and an optional VIP section.
  await createPromptOfKind(page, agent, "prompt");
  await replaceBlock(
    page,
    "system.0",
    `You are a support agent for Acme. Look orders up before answering.\n{{> ${snippet}@production}}\n{{#vip}}\nThe customer is a VIP: offer express shipping.\n{{/vip}}`,
  );
  await expect(page.getByTestId("validation-panel")).toContainText("vip");
  await page.getByTestId("declare-all").click();
  await page.getByLabel("Type of vip").selectOption("boolean");
  await page.getByLabel("vip is required").uncheck();

  // 3. Two tools.
  const tools = page.getByTestId("tools-section");
  await tools.getByTestId("add-tool").click();
  await fillTool(page, 0, { name: "lookup_order", description: "Look up an order by its number: status, items, delivery date.", schema: LOOKUP_SCHEMA });
  await tools.getByTestId("add-tool").click();
  await fillTool(page, 1, { name: "issue_refund", description: "Refund an order to the original payment method.", schema: REFUND_SCHEMA });

  // 4. A chat history before the customer's message.
  await page.getByTestId("add-history").click();
  await expect(page.getByTestId("history-slot")).toHaveAttribute("data-position", "0");
  await expect(page.getByTestId("history-slot").getByTestId("history-problems")).toHaveCount(0);

  await expectSaved(page);
  await expect(page.getByTestId("validation-panel").getByTestId("issue-error")).toHaveCount(0);
  // The preview renders the snippet's text and the section only for a VIP.
  await page.getByLabel("Sample value of input").fill("Where is my order A-1042?");
  await expect(page.getByTestId("rendered-json")).toContainText(POLICY);
  await expect(page.getByTestId("rendered-json")).not.toContainText("express shipping");
  await page.screenshot({ path: `${SCREENSHOT_DIR}/done-when-editor.png`, fullPage: true });

  // 5. Publish: the snippet is pinned.
  await publish(page, { changelog: "Support agent: two tools, chat history, policy snippet, VIP section", expectVersion: "1.0.0", labels: ["production"] });
  await expect(page.getByTestId("version-pin")).toContainText(`${snippet} v1.0.0`);

  // 6. The playground: history, a run that ends in a tool call, the typed result, the answer.
  await page.goto(`/p/${PROJECT}/prompts/${agent}/playground`);
  // The history holds an earlier tool call and its result as content blocks (JSON), between text turns.
  const history = page.getByTestId("history-input");
  const turns = [
    { kind: "text", text: "Hi, I ordered a desk lamp, order A-1000." },
    { kind: "blocks", text: '[{"type": "tool_use", "id": "toolu_earlier", "name": "lookup_order", "input": {"order_id": "A-1000"}}]' },
    { kind: "blocks", text: '[{"type": "tool_result", "tool_use_id": "toolu_earlier", "content": "{\\"status\\": \\"delivered\\"}"}]' },
    { kind: "text", text: "Your lamp A-1000 was delivered. Anything else?" },
  ];
  for (const [i, turn] of turns.entries()) {
    await history.getByTestId("history-add").click();
    await history.getByTestId("history-kind").nth(i).selectOption(turn.kind);
    await history.getByTestId("history-content").nth(i).fill(turn.text);
  }
  await expect(history.getByTestId("history-turn")).toHaveCount(4);
  await expect(history.getByTestId("history-json-problems")).toHaveCount(0);
  await page.locator("#var-input").fill("Where is my order A-1042?");
  const panel = page.getByTestId("result-a");
  await page.getByTestId("run-button").click();
  await expect(panel.getByTestId("result-status")).toHaveText("ok", { timeout: 60_000 });
  await expect(page.getByTestId("field-error-history")).toHaveCount(0);
  const call = panel.getByTestId("tool-call");
  await expect(call).toHaveCount(1);
  await expect(call.getByTestId("tool-call-name")).toHaveText("lookup_order");
  await expect(call.getByTestId("tool-call-valid")).toHaveText("input fits the schema");
  const form = panel.getByTestId("tool-results-form");
  await form.getByTestId("tool-result-format-json").click();
  await form.getByTestId("tool-result-content").fill('{"status": "shipped", "eta": "2026-12-05"}');
  await page.screenshot({ path: `${SCREENSHOT_DIR}/done-when-playground-tool-call.png`, fullPage: true });
  await form.getByTestId("send-tool-results").click();
  await expect(panel.getByTestId("tool-round")).toHaveCount(1, { timeout: 60_000 });
  await expect(panel.getByTestId("result-status")).toHaveText("ok", { timeout: 60_000 });
  await expect(panel.getByTestId("result-facts")).toContainText("end_turn");
  await expect(panel.getByTestId("result-output")).not.toBeEmpty();
  await page.screenshot({ path: `${SCREENSHOT_DIR}/done-when-playground-answer.png`, fullPage: true });

  // 7. The API: the served document carries the tools, the history and the pinned snippet.
  const served = await page.request.get(`/api/v1/prompts/${agent}?label=production`, { headers: DEMO_API_AUTH });
  expect(served.status()).toBe(200);
  const doc = (await served.json()) as {
    request: { tools: { name: string }[]; system: { text: string }[] };
    variables: Record<string, { type: string; position?: number }>;
    snippets?: { name: string; version: string }[];
  };
  expect(doc.request.tools.map((t) => t.name)).toEqual(["lookup_order", "issue_refund"]);
  expect(doc.variables.history).toMatchObject({ type: "messages", position: 0 });
  expect(doc.variables.vip).toMatchObject({ type: "boolean", required: false });
  const rendered = await page.request.post(`/api/v1/prompts/${agent}/render?label=production`, {
    headers: DEMO_API_AUTH,
    data: {
      variables: {
        input: "Hi",
        vip: true,
        history: [
          { role: "user", content: "Earlier" },
          { role: "assistant", content: "Yes?" },
        ],
      },
    },
  });
  expect(rendered.status(), await rendered.text()).toBe(200);
  const params = JSON.stringify(await rendered.json());
  expect(params).toContain(POLICY);
  expect(params).toContain("express shipping");
  expect(params).toContain('"lookup_order"');

  // 8. The Langfuse SDK: tools in config, the history as a placeholder it fills.
  const baseUrl = new URL(page.url()).origin;
  const langfuse = new Langfuse({
    publicKey: "pk-lf-e2e",
    secretKey: DEMO_API_AUTH.Authorization.replace("Bearer ", ""),
    baseUrl,
    flushAt: 1000,
    requestTimeout: 10_000,
  });
  try {
    const prompt = await langfuse.getPrompt(agent, undefined, { type: "chat", cacheTtlSeconds: 0, label: "production" });
    expect(((prompt.config as { tools?: { name: string }[] }).tools ?? []).map((t) => t.name)).toEqual(["lookup_order", "issue_refund"]);
    const compiled = prompt.compile(
      { input: "Where is A-1?" },
      {
        history: [
          { role: "user", content: "Hi" },
          { role: "assistant", content: "Hello!" },
        ],
      },
    );
    expect(compiled.map((m) => ("role" in m ? m.role : "?"))).toEqual(["system", "user", "assistant", "user"]);
    expect(JSON.stringify(compiled[0])).toContain(POLICY);
  } finally {
    await langfuse.shutdownAsync();
  }
  expect(console.errors).toEqual([]);
});
