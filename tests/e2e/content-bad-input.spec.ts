import { expect, test, type Page } from "@playwright/test";
import { ADMIN_STATE, PROJECT, watchConsole } from "./fixtures";
import { createPromptOfKind, expectSaved, publish, replaceBlock, replaceEditorText, uniqueName, waitForEditor } from "./prompts-helpers";

// Issue 15's bad input in the editor: every case is named where the user looks (the field, the
// validation panel or the save line), the page never crashes, nothing answers 500, and the draft
// the user typed is kept.

test.use({ storageState: ADMIN_STATE });

const panel = (page: Page) => page.getByTestId("validation-panel");

/** Puts `text` into a CodeMirror editor in one input event (typing 30 kB key by key takes minutes). */
async function pasteInto(page: Page, testId: string, text: string): Promise<void> {
  const host = page.getByTestId(testId);
  await expect(host).toHaveAttribute("data-ready", "true");
  await host.locator(".cm-content").click();
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(text);
}

test("includes and sections: a missing snippet, a snippet including itself, two including each other, an unclosed section", async ({ page }) => {
  test.setTimeout(300_000);
  const console = watchConsole(page);
  const a = uniqueName("cyc-a");
  const b = uniqueName("cyc-b");

  // b, published; a includes b and is published.
  await createPromptOfKind(page, b, "snippet");
  await replaceBlock(page, "messages.0.content.0", "Text of b.");
  await expectSaved(page);
  await publish(page, { changelog: "b", expectVersion: "1.0.0", labels: ["production"] });
  await createPromptOfKind(page, a, "snippet");
  await replaceBlock(page, "messages.0.content.0", `Text of a, then {{> ${b}@production}}`);
  await expectSaved(page);
  await publish(page, { changelog: "a", expectVersion: "1.0.0", labels: ["production"] });

  // In b's editor: including a closes a cycle; including b itself is one too; a missing snippet is named.
  await page.goto(`/p/${PROJECT}/prompts/${b}/edit`);
  await waitForEditor(page);
  await replaceBlock(page, "messages.0.content.0", `Text of b, then {{> ${a}@production}}`);
  await expect(panel(page)).toContainText(/cycle|includes itself/i, { timeout: 15_000 });
  await replaceBlock(page, "messages.0.content.0", `Text of b, then {{> ${b}@production}}`);
  await expect(panel(page)).toContainText(/includes itself|cycle/i, { timeout: 15_000 });
  await replaceBlock(page, "messages.0.content.0", "Text of b, then {{> no-such-snippet@production}}");
  await expect(panel(page)).toContainText("no-such-snippet", { timeout: 15_000 });
  // Publishing is refused with the same problem.
  await expectSaved(page);
  await page.getByTestId("open-publish").click();
  await expect(page.getByTestId("publish-dialog")).toContainText("no-such-snippet", { timeout: 15_000 });
  await page.keyboard.press("Escape");

  // An unclosed section, located.
  await replaceBlock(page, "messages.0.content.0", "Text of b.\n{{#vip}}Extra kind words.");
  await expect(panel(page)).toContainText("line 2, col 1: {{#vip}} is never closed");
  await expectSaved(page);
  expect(console.errors).toEqual([]);
});

test("hostile tool input: NUL, lone surrogates, 1,000-level schema, huge numbers, odd Unicode names", async ({ page }) => {
  test.setTimeout(300_000);
  const console = watchConsole(page);
  const name = uniqueName("hostile-tools");
  await createPromptOfKind(page, name, "prompt");
  const tools = page.getByTestId("tools-section");
  await tools.getByTestId("add-tool").click();
  await page.getByTestId("tool-name-0").fill("lookup_order");
  await page.getByTestId("tool-description-0").fill("Look up an order.");
  await expectSaved(page);

  // Odd Unicode names are named at the field.
  for (const odd of ["ｌｏｏｋｕｐ", "look\u202eup", "lookup\u200border", "🔧"]) {
    await page.getByTestId("tool-name-0").fill(odd);
    await expect(page.getByTestId("tool-name-issues-0")).toContainText("tool names are 1-64 characters");
  }
  await page.getByTestId("tool-name-0").fill("lookup_order");

  // NUL and a lone surrogate in the description: named at the field, nothing is sent.
  const status = page.getByTestId("save-status");
  for (const [bad, message] of [
    ["Look\u0000up", "must not contain NUL characters"],
    ["Look \ud800up", "unpaired surrogate"],
  ] as const) {
    // Set in the page: text sent over the DevTools protocol cannot carry an unpaired surrogate.
    await page.getByTestId("tool-description-0").evaluate(
      (el, codes) => {
        const value = String.fromCharCode(...codes);
        const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
        Object.getOwnPropertyDescriptor(proto, "value")!.set!.call(el, value);
        el.dispatchEvent(new Event("input", { bubbles: true }));
      },
      [...bad].flatMap((c) => Array.from({ length: c.length }, (_, k) => c.charCodeAt(k))),
    );
    await expect(page.getByTestId("tool-description-issues-0")).toContainText(message);
    await expect(status).toHaveText("Not saved: fix the errors below");
  }
  await page.getByTestId("tool-description-0").fill("Look up an order.");
  await expect(status).toHaveText(/^(Saved |All changes saved)/);
  await expect(page.getByTestId("save-error")).toHaveCount(0);

  // A 1.1 MB description: a save that large could never reach the action (Next refuses its body),
  // so the editor names the size before sending anything; shortening it saves again.
  await page.getByTestId("tool-description-0").fill("x".repeat(1_100_000));
  await expect(status).toHaveText("Save failed");
  await expect(page.getByTestId("save-error")).toContainText(/This draft is 1\.\d\d MB; a version may be at most 1\.00 MB/);
  await page.getByTestId("tool-description-0").fill("Look up an order.");
  await expect(status).toHaveText(/^(Saved |All changes saved)/);
  await expect(page.getByTestId("save-error")).toHaveCount(0);

  // A schema nested 1,000 levels deep, and 1e400: named at the schema, nothing is sent.
  let deep = '{"type":"string"}';
  for (let i = 0; i < 1000; i++) deep = `{"type":"object","properties":{"x":${deep}}}`;
  await pasteInto(page, "tool-schema-0", deep);
  await expect(page.getByTestId("tool-schema-issues-0")).toContainText("nested too deeply");
  await expect(status).toHaveText("Not saved: fix the errors below");
  await pasteInto(page, "tool-schema-0", '{"type":"object","maxProperties":1e400,"properties":{"n":{"type":"integer","maximum":1e308}}}');
  await expect(page.getByTestId("tool-schema-issues-0")).toContainText("finite");
  await expect(status).toHaveText("Not saved: fix the errors below");
  await replaceEditorText(page, "tool-schema-0", '{"type":"object"}');
  await expectSaved(page);
  expect(console.errors).toEqual([]);
});
