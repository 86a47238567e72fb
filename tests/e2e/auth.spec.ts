import { expect, test } from "@playwright/test";
import { ADMIN, PROJECT, signIn, watchConsole } from "./fixtures";

// Signed-out flows: every test starts without cookies.
test.describe("sign-in", () => {
  test("a wrong password shows a clear error and stays on /signin", async ({ page }) => {
    await signIn(page, { email: ADMIN.email, password: "not-the-password" });
    await expect(page.getByTestId("signin-error")).toHaveText("Invalid email or password");
    await expect(page).toHaveURL(/\/signin$/);
  });

  test("an unknown email shows the same error", async ({ page }) => {
    await signIn(page, { email: "nobody@promptdeck.dev", password: "promptdeck" });
    await expect(page.getByTestId("signin-error")).toHaveText("Invalid email or password");
  });

  test("bad input is reported per field without a round trip", async ({ page }) => {
    await signIn(page, { email: "not-an-email", password: "" });
    await expect(page.getByTestId("signin-error")).toHaveText("Check the highlighted fields.");
    await expect(page.getByText("Enter a valid email address")).toBeVisible();
    await expect(page.getByText("Enter your password")).toBeVisible();
    await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  });

  test("the demo admin signs in, sees the prompts, and signs out", async ({ page }) => {
    const console = watchConsole(page);
    await signIn(page, ADMIN);
    await page.waitForURL(`**/p/${PROJECT}/prompts`);
    // Other specs add prompts to the same database: count the three seeded ones.
    await expect(page.getByTestId("prompt-name").filter({ hasText: /^(support-assistant|invoice-extractor|ticket-classifier)$/ })).toHaveCount(3);

    await page.getByTestId("user-menu").click();
    await expect(page.getByTestId("user-email")).toHaveText(ADMIN.email);
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.waitForURL("**/signin");
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();

    // The session is gone: the dashboard sends us back to sign-in.
    await page.goto(`/p/${PROJECT}/prompts`);
    await expect(page).toHaveURL(/\/signin$/);
    expect(console.errors).toEqual([]);
  });

  test("signed-out visitors are sent to /signin; /setup is closed once users exist", async ({ page }) => {
    for (const path of ["/", `/p/${PROJECT}/prompts`, `/p/${PROJECT}/settings`, "/setup"]) {
      await page.goto(path);
      await expect(page, path).toHaveURL(/\/signin$/);
    }
  });
});
