import { mkdirSync } from "node:fs";
import path from "node:path";
import { expect, type Browser, type Page } from "@playwright/test";

export const ADMIN = { email: "demo@promptdeck.dev", password: "promptdeck" };
export const VIEWER = { email: "viewer@promptdeck.dev", password: "promptdeck" };
export const PROJECT = "demo";
export const ADMIN_STATE = "test-results/.auth/admin.json";
export const VIEWER_STATE = "test-results/.auth/viewer.json";
export const SCREENSHOT_DIR = "test-results/screenshots";

/** Fills and submits the sign-in form. */
export async function signIn(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** A fresh browser context signed in as `who` (specs with people of their own); close it with `page.context().close()`. */
export async function as(browser: Browser, who: { email: string; password: string }): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  await signIn(page, who);
  await expect(page).not.toHaveURL(/\/signin/);
  return page;
}

/** Stores a theme choice (as the toggle does) before any page script runs, for every navigation. */
export async function presetTheme(page: Page, theme: "light" | "dark"): Promise<void> {
  await page.addInitScript((t) => localStorage.setItem("promptdeck-theme", t), theme);
}

/** Asserts the stored theme was applied to <html> (by the inline script, before hydration). */
export async function expectTheme(page: Page, theme: "light" | "dark"): Promise<void> {
  if (theme === "dark") await expect(page.locator("html")).toHaveClass(/(^|\s)dark(\s|$)/);
  else await expect(page.locator("html")).not.toHaveClass(/(^|\s)dark(\s|$)/);
}

/** Full-page screenshot into test-results/screenshots/<name>-<theme>.png. */
export async function snap(page: Page, name: string, theme: "light" | "dark"): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}-${theme}.png`), fullPage: true });
}

/** Collects console errors and failed requests so a test can assert the page was clean. */
export function watchConsole(page: Page): { errors: string[] } {
  const errors: string[] = [];
  // A wrong password is a 401 from the credentials callback, which Chromium also logs; that one
  // is expected, everything else is a finding.
  const expected = (url: string) => url.includes("/api/auth/callback/credentials");
  page.on("console", (msg) => {
    if (msg.type() === "error" && !expected(msg.location().url)) errors.push(msg.text());
  });
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("response", (res) => {
    if (res.status() >= 400 && !expected(res.url())) errors.push(`${res.status()} ${res.url()}`);
  });
  return { errors };
}
