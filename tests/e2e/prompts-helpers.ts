import { expect, type Page } from "@playwright/test";
import { PROJECT } from "./fixtures";

/** A prompt name no other test uses (specs run in parallel against one database). */
export function uniqueName(prefix: string): string {
  return `e2e-${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Creates a prompt through the New prompt form and waits for its editor. */
export async function createPromptViaUi(page: Page, name: string): Promise<void> {
  await page.goto(`/p/${PROJECT}/prompts/new`);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Description").fill("Created by an end-to-end test");
  await page.getByLabel("Tags").fill("e2e");
  await page.getByTestId("create-prompt").click();
  await expect(page).toHaveURL(new RegExp(`/prompts/${name}/edit$`));
  await waitForEditor(page);
}

/** Waits until CodeMirror has mounted in every block of the editor. */
export async function waitForEditor(page: Page): Promise<void> {
  await expect(page.getByTestId("editor-messages.0.content.0")).toHaveAttribute("data-ready", "true");
}

/** Appends text at the end of a block's CodeMirror editor. */
export async function appendToBlock(page: Page, location: string, text: string): Promise<void> {
  const content = page.getByTestId(`editor-${location}`).locator(".cm-content");
  await content.click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type(text);
}

/** Waits for the autosave to finish. */
export async function expectSaved(page: Page): Promise<void> {
  await expect(page.getByTestId("save-status")).toHaveText(/^Saved /, { timeout: 15_000 });
}

/** Publishes the draft from the open page (editor or prompt page) and waits for the prompt page. */
export async function publish(page: Page, options: { changelog: string; expectVersion: string; labels?: string[] }): Promise<void> {
  await page.getByTestId("open-publish").click();
  const dialog = page.getByTestId("publish-dialog");
  await expect(dialog.getByTestId("publish-proposed-version")).toHaveText(`v${options.expectVersion}`);
  await dialog.getByTestId("publish-changelog").fill(options.changelog);
  for (const label of options.labels ?? []) await dialog.getByTestId(`publish-label-${label}`).check();
  await dialog.getByTestId("publish-submit").click();
  await expect(page).toHaveURL(new RegExp(`\\?published=${options.expectVersion.replace(/\./g, "\\.")}$`));
  await expect(page.getByTestId("published-banner")).toContainText(`v${options.expectVersion}`);
}

/** Creates a prompt or a snippet through the New prompt form and waits for its editor (long waits: busy machine). */
export async function createPromptOfKind(page: Page, name: string, kind: "prompt" | "snippet"): Promise<void> {
  await page.goto(`/p/${PROJECT}/prompts/new`);
  await page.getByTestId(`kind-${kind}`).check();
  await page.getByLabel("Name").fill(name);
  await page.getByTestId("create-prompt").click();
  await expect(page).toHaveURL(new RegExp(`/prompts/${name}/edit$`), { timeout: 30_000 });
  await waitForEditor(page);
}

/** Replaces the whole text of a CodeMirror editor (a block's `editor-<location>`, a tool's `tool-schema-<i>`). */
export async function replaceEditorText(page: Page, testId: string, text: string): Promise<void> {
  const host = page.getByTestId(testId);
  await expect(host).toHaveAttribute("data-ready", "true");
  await host.locator(".cm-content").click();
  await page.keyboard.press("Control+A");
  await page.keyboard.type(text);
}

/** Replaces the whole text of a block's CodeMirror editor. */
export async function replaceBlock(page: Page, location: string, text: string): Promise<void> {
  await replaceEditorText(page, `editor-${location}`, text);
}
