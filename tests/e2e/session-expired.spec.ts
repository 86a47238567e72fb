import { expect, test } from "@playwright/test";
import { ADMIN, ADMIN_STATE, PROJECT } from "./fixtures";

// A server action run after the session is gone (expired, or signed out in another tab) sends the
// user to sign in and, once signed in, back to the page they were on; it never says "Something
// went wrong" (issue 18, defect 11).
test.use({ storageState: ADMIN_STATE });

test("an action after the session cookie is gone leads to sign-in and back to the page", async ({ page, context }) => {
  const prompt = `/p/${PROJECT}/prompts/ticket-classifier`;
  await page.goto(prompt);
  const editAsDraft = page.locator('[data-testid^="edit-from-"]').first();
  await expect(editAsDraft).toBeVisible();

  // The session expires while the page is open.
  const before = await context.cookies();
  expect(before.some((c) => c.name.includes("next-auth.session-token"))).toBe(true);
  await context.clearCookies();

  await editAsDraft.click();
  // The prompt may already have a draft: then the action runs from the confirmation.
  const replace = page.getByTestId("confirm-replace-draft");
  if (await replace.isVisible().catch(() => false)) await replace.click();

  await page.waitForURL((url) => url.pathname === "/signin");
  expect(new URL(page.url()).searchParams.get("callbackUrl")).toBe(prompt);
  await expect(page.getByText(/something went wrong/i)).toHaveCount(0);

  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname === prompt);
});

test("a form action (new prompt) after the session is gone leads to sign-in and back to the form", async ({ page, context }) => {
  const form = `/p/${PROJECT}/prompts/new`;
  await page.goto(form);
  await expect(page.getByTestId("new-prompt-form")).toBeVisible();
  await context.clearCookies();
  await page.getByLabel("Name").fill(`signed-out-${Date.now()}`);
  await page.getByTestId("create-prompt").click();
  await page.waitForURL((url) => url.pathname === "/signin");
  expect(new URL(page.url()).searchParams.get("callbackUrl")).toBe(form);
});
