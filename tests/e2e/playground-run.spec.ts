import { expect, test, type Locator, type Page } from "@playwright/test";
import { ADMIN_STATE, PROJECT, VIEWER_STATE, expectTheme, presetTheme, snap, watchConsole } from "./fixtures";

// The playground of the demo support-assistant prompt: streamed runs against the in-process
// simulator, per-field variable errors, the cached 1h policy document read on a second run,
// compare mode, fault injection, and the viewer's read-only view.
const PAGE_URL = `/p/${PROJECT}/prompts/support-assistant/playground`;
const RUN_URL = `${PAGE_URL}/run`;

async function tokens(panel: Locator, kind: string): Promise<number> {
  const text = (await panel.getByTestId(`tokens-${kind}`).textContent()) ?? "";
  return Number(text.replace(/,/g, ""));
}

/** Runs and checks the answer streamed in before the run finished. */
async function runAndWatchStream(page: Page, panel: Locator): Promise<void> {
  await page.getByTestId("run-button").click();
  const output = panel.getByTestId("result-output");
  await expect(output).not.toBeEmpty({ timeout: 20_000 });
  // Text is on the page while the run is still going: it was streamed, not delivered at the end.
  const statusWhileStreaming = await panel.getByTestId("result-status").count();
  expect(statusWhileStreaming).toBe(0);
  await expect(panel.getByTestId("result-status")).toHaveText("ok", { timeout: 45_000 });
}

test.describe("playground as the demo admin", () => {
  test.use({ storageState: ADMIN_STATE });

  for (const theme of ["light", "dark"] as const) {
    test(`run, per-field errors, streamed answer with facts, cache read on rerun (${theme})`, async ({ page }) => {
      test.setTimeout(120_000);
      await presetTheme(page, theme);
      const console = watchConsole(page);
      await page.goto(PAGE_URL);
      await expectTheme(page, theme);
      await expect(page.getByRole("heading", { name: "Playground: support-assistant" })).toBeVisible();
      // Default: the production label's version.
      await expect(page.getByTestId("version-a").locator("option:checked")).toHaveText(/^v1\.2\.0 · production/);
      await expect(page.getByTestId("simulated-notice")).toBeVisible();
      // Defaults are pre-filled and shown.
      await expect(page.locator("#var-account_context")).toHaveValue("No account context available.");
      await expect(page.locator("#var-customer_tier")).toHaveValue("standard");

      // The required question is empty: the server reports it under its field, nothing crashes.
      await page.getByTestId("run-button").click();
      await expect(page.getByTestId("field-error-question")).toHaveText(/missing required variable "question"/);
      await snap(page, "playground-variable-error", theme);

      await page.locator("#var-question").fill(`My blender (order 4411) arrived with a cracked jar. Can I get a replacement? (${theme})`);
      await page.locator("#var-customer_tier").selectOption("plus");
      const panel = page.getByTestId("result-a");
      await runAndWatchStream(page, panel);
      await expect(page.getByTestId("field-error-question")).toHaveCount(0);
      await expect(panel.getByTestId("simulated-badge")).toBeVisible();
      await expect(panel.getByTestId("result-model")).toHaveText("claude-sonnet-5-5");
      expect(await tokens(panel, "input")).toBeGreaterThan(0);
      expect(await tokens(panel, "output")).toBeGreaterThan(0);
      // The 1h policy block is either written now or already cached by an earlier run.
      expect((await tokens(panel, "cache-write-1h")) + (await tokens(panel, "cache-read"))).toBeGreaterThan(1000);
      await expect(panel.getByTestId("cost-total")).toHaveText(/^\$\d/);
      await expect(panel.getByTestId("result-latency")).toHaveText(/\d+(\.\d+)? m?s$/);
      await expect(panel.getByTestId("result-ttft")).toHaveText(/\d+(\.\d+)? m?s$/);
      await expect(panel.getByTestId("attempt")).toHaveCount(1);
      await expect(panel.getByTestId("call-id")).toHaveText(/^c[a-z0-9]{24}$/);
      const firstCallId = await panel.getByTestId("call-id").textContent();

      // Same input again: the cached policy document is read from the prompt cache.
      await runAndWatchStream(page, panel);
      expect(await tokens(panel, "cache-read")).toBeGreaterThan(1000);
      expect(await tokens(panel, "cache-write-1h")).toBe(0);
      await expect(panel.getByTestId("call-id")).not.toHaveText(firstCallId ?? "");
      await page.evaluate(() => window.scrollTo(0, 0));
      await snap(page, "playground", theme);
      // The only failed request is the refused run with the empty question (a deliberate 422).
      const unexpected = console.errors.filter((e) => !e.includes("422"));
      expect(unexpected).toEqual([]);
      expect(console.errors.filter((e) => e.startsWith("422 ")).map((e) => e.split(" ")[1])).toEqual([`http://${new URL(page.url()).host}${RUN_URL}`]);
    });
  }

  test("compare mode runs two versions side by side, each with its own facts (dark)", async ({ page }) => {
    test.setTimeout(120_000);
    await presetTheme(page, "dark");
    const console = watchConsole(page);
    await page.goto(PAGE_URL);
    await page.getByTestId("mode-compare").click();
    const v100 = await page.getByTestId("version-b").locator("option", { hasText: "v1.0.0" }).getAttribute("value");
    expect(v100).toBeTruthy();
    await page.getByTestId("version-b").selectOption(v100!);
    await expect(page.getByTestId("version-b").locator("option:checked")).toHaveText(/^v1\.0\.0/);
    // customer_tier exists only in v1.2.0: the form says so.
    await expect(page.getByTestId("field-customer_tier")).toContainText("only in v1.2.0");
    await page.locator("#var-question").fill("Where is my refund for the returned headphones?");
    await page.getByTestId("run-button").click();
    const a = page.getByTestId("result-a");
    const b = page.getByTestId("result-b");
    // Both stream at the same time.
    await expect(a.getByTestId("result-output")).not.toBeEmpty({ timeout: 20_000 });
    await expect(b.getByTestId("result-output")).not.toBeEmpty({ timeout: 20_000 });
    await expect(a.getByTestId("result-status")).toHaveText("ok", { timeout: 45_000 });
    await expect(b.getByTestId("result-status")).toHaveText("ok", { timeout: 45_000 });
    await expect(a).toContainText("v1.2.0");
    await expect(b).toContainText("v1.0.0");
    await expect(a.getByTestId("simulated-badge")).toBeVisible();
    await expect(b.getByTestId("simulated-badge")).toBeVisible();
    await expect(a.getByTestId("result-model")).toHaveText("claude-sonnet-5-5");
    await expect(b.getByTestId("result-model")).toHaveText("claude-sonnet-5");
    // v1.0.0 does not cache the policy document; v1.2.0 does.
    expect(await tokens(b, "cache-write-1h")).toBe(0);
    expect(await tokens(b, "cache-read")).toBe(0);
    expect((await tokens(a, "cache-write-1h")) + (await tokens(a, "cache-read"))).toBeGreaterThan(1000);
    const ids = [await a.getByTestId("call-id").textContent(), await b.getByTestId("call-id").textContent()];
    expect(new Set(ids).size).toBe(2);
    await page.evaluate(() => window.scrollTo(0, 0));
    await snap(page, "playground-compare", "dark");
    expect(console.errors).toEqual([]);
  });

  test("fault injection: a 429 twice shows the retries, then the answer", async ({ page }) => {
    test.setTimeout(120_000);
    await page.goto(PAGE_URL);
    await page.getByTestId("advanced").locator("summary").click();
    await page.getByTestId("fault-select").selectOption("429");
    await expect(page.getByTestId("advanced")).toContainText("retry-after");
    await page.locator("#var-question").fill("Can I change my delivery address?");
    await page.getByTestId("run-button").click();
    const panel = page.getByTestId("result-a");
    await expect(panel.getByTestId("result-status")).toHaveText("ok", { timeout: 60_000 });
    await expect(panel.getByTestId("attempt")).toHaveCount(3);
    await expect(panel.getByTestId("attempt").nth(0)).toContainText("rate_limited 429");
    await expect(panel.getByTestId("attempt").nth(1)).toContainText("rate_limited 429");
    await expect(panel).toContainText("fault 429");
    await page.evaluate(() => window.scrollTo(0, 0));
    await snap(page, "playground-fault", "light");
  });
});

test.describe("playground as the demo viewer", () => {
  test.use({ storageState: VIEWER_STATE });

  test("the viewer sees an explanation and cannot run", async ({ page }) => {
    await page.goto(PAGE_URL);
    await expect(page.getByTestId("playground-readonly")).toContainText("Running prompts needs the editor role");
    await expect(page.getByTestId("run-button")).toHaveCount(0);
    // The endpoint itself refuses the viewer too.
    const res = await page.request.post(RUN_URL, { data: { versionId: "any", variables: { question: "hi" } } });
    expect(res.status()).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    await snap(page, "playground-viewer", "light");
  });
});
