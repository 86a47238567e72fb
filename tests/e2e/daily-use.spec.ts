import { expect, test } from "@playwright/test";
import { ADMIN_STATE, PROJECT, expectTheme, presetTheme, snap, watchConsole } from "./fixtures";
import { appendToBlock, createPromptViaUi, uniqueName } from "./prompts-helpers";

// Issue 18, daily use: from the editor to the playground with the draft, from the playground's
// "Logged as call" to the call, and the call read as a conversation linking back to its version.
test.use({ storageState: ADMIN_STATE });

test("editor → Open in playground (the draft, saved first) → run → Logged as call link → the call as a conversation (light + dark)", async ({ page }) => {
  test.setTimeout(150_000);
  const console = watchConsole(page);
  await presetTheme(page, "light");
  const name = uniqueName("daily");
  await createPromptViaUi(page, name);
  // An unsaved edit: opening the playground saves it first, so the playground runs what was typed.
  await appendToBlock(page, "system.0", " Always answer in one short sentence.");
  await page.getByTestId("open-draft-in-playground").click();
  await expect(page).toHaveURL(new RegExp(`/prompts/${name}/playground\\?version=draft$`));
  await expect(page.getByTestId("version-a").locator("option:checked")).toHaveText(/^draft/);

  await page.locator("#var-input").fill("Where is my parcel?");
  await page.getByTestId("run-button").click();
  const panel = page.getByTestId("result-a");
  await expect(panel.getByTestId("result-status")).toHaveText("ok", { timeout: 45_000 });
  const link = panel.getByTestId("call-id");
  await expect(link).toHaveText(/^c[a-z0-9]{24}$/);
  const callId = (await link.textContent()) ?? "";
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/p/${PROJECT}/calls/${callId}$`));

  // The conversation: variables, the rendered system prompt (with the edit), the turn, the answer.
  const conversation = page.getByTestId("call-conversation");
  await expect(conversation.getByTestId("call-variables")).toContainText("input");
  await expect(conversation.getByTestId("call-variables")).toContainText("Where is my parcel?");
  await expect(conversation.getByTestId("call-system")).toContainText("Always answer in one short sentence.");
  await expect(conversation.getByTestId("call-turn").first()).toContainText("Where is my parcel?");
  await expect(conversation.getByTestId("call-answer")).not.toContainText("No answer");
  await expect(conversation.getByTestId("call-answer").locator("p").first()).not.toBeEmpty();
  // Links to its prompt and version (a draft opens the editor); the raw JSON stays one click away.
  await expect(page.getByTestId("call-prompt-link")).toHaveText(name);
  await expect(page.getByTestId("call-version-link")).toHaveText("draft");
  await expect(page.getByTestId("call-version-link")).toHaveAttribute("href", `/p/${PROJECT}/prompts/${name}/edit`);
  await expect(page.getByTestId("call-request")).toBeHidden();
  await page.getByTestId("call-raw").locator("summary").click();
  await expect(page.getByTestId("call-request")).toContainText('"messages"');
  await page.getByTestId("call-raw").locator("summary").click();
  await page.evaluate(() => window.scrollTo(0, 0));
  await snap(page, "call-conversation", "light");
  await presetTheme(page, "dark");
  await page.reload();
  await expectTheme(page, "dark");
  await expect(conversation.getByTestId("call-system")).toBeVisible();
  await snap(page, "call-conversation", "dark");
  await page.getByTestId("call-version-link").click();
  await expect(page).toHaveURL(new RegExp(`/prompts/${name}/edit$`));
  expect(console.errors).toEqual([]);
});
