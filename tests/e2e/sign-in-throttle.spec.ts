import { expect, test, type Page } from "@playwright/test";
import { createPrismaClient } from "@/lib/db/client";
import { hashPassword } from "@/lib/users/password";
import { snap } from "./fixtures";

// Brute-force protection (issue 13, sign-in): repeated failures for one email are slowed down and
// then refused for a while, with a message that says how long; the right password does not get
// through a lock either.
const PASSWORD = "the-right-password";

async function attempt(page: Page, email: string, password: string): Promise<string> {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  const answered = page.waitForResponse((res) => res.url().includes("/api/auth/callback/credentials"));
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await answered;
  const error = page.getByTestId("signin-error");
  await expect(error).toBeVisible();
  return (await error.textContent()) ?? "";
}

test("repeated failed sign-ins for one email end in a lock with a clear message", async ({ page }) => {
  test.setTimeout(120_000);
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL must be set for the e2e tests");
  const db = createPrismaClient(url, 1);
  const email = `brute-${Date.now().toString(36)}@promptdeck.dev`;
  try {
    await db.user.create({ data: { email, name: "Brute Target", passwordHash: await hashPassword(PASSWORD) } });
  } finally {
    await db.$disconnect();
  }

  await page.goto("/signin");
  // Nine failures are answered as wrong passwords (the later ones more slowly).
  for (let i = 1; i <= 9; i++) expect(await attempt(page, email, `wrong-${i}`), `attempt ${i}`).toBe("Invalid email or password");
  // The tenth locks the email for 15 minutes.
  expect(await attempt(page, email, "wrong-10")).toBe("Too many failed sign-in attempts. Try again in 15 minutes.");
  await snap(page, "signin-locked", "light");
  // While locked, even the right password is refused with the same message.
  expect(await attempt(page, email, PASSWORD)).toMatch(/^Too many failed sign-in attempts\. Try again in 1[45] minutes\.$/);
  await expect(page).toHaveURL(/\/signin$/);
});
