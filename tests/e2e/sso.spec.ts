import { expect, test, type Page } from "@playwright/test";
import { createPrismaClient } from "@/lib/db/client";
import { hashPassword } from "@/lib/users/password";
import { PROJECT, snap } from "./fixtures";
import {
  OIDC_CLIENT_ID,
  OIDC_CLIENT_SECRET,
  freePort,
  startAppServer,
  startOidcProvider,
  type AppServer,
  type LocalOidcProvider,
  type TestIdentity,
} from "./sso-helpers";

// Single sign-on end to end (issue 13, sign-in): a real OpenID Connect provider (oidc-provider)
// and a second Promptdeck server configured for it (AUTH_OIDC_*), started by this spec only, so
// the rest of the suite runs without SSO. One worker runs these in order: they share the servers.
test.describe.configure({ mode: "serial" });
test.setTimeout(180_000);

const ALLOWED = "sso-allowed.test";
const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const identities = new Map<string, TestIdentity>();
let idp: LocalOidcProvider;
let app: AppServer;
let db: ReturnType<typeof createPrismaClient>;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL must be set for the e2e tests");
  db = createPrismaClient(url, 2);
  const appPort = await freePort();
  idp = await startOidcProvider({ redirectUris: [`http://127.0.0.1:${appPort}/api/auth/callback/oidc`], identities });
  app = await startAppServer(appPort, {
    AUTH_OIDC_ISSUER: idp.issuer,
    AUTH_OIDC_CLIENT_ID: OIDC_CLIENT_ID,
    AUTH_OIDC_CLIENT_SECRET: OIDC_CLIENT_SECRET,
    AUTH_OIDC_NAME: "Acme SSO",
    AUTH_OIDC_ALLOWED_DOMAINS: `${ALLOWED}, other-allowed.test`,
    AUTH_OIDC_DEFAULT_PROJECT: PROJECT,
  });
});

test.afterAll(async () => {
  await app?.stop();
  await idp?.close();
  await db?.$disconnect();
});

function identity(name: string, email: string, emailVerified = true): TestIdentity {
  const id = { login: `${name}-${run}`, email, emailVerified, name: `SSO ${name}` };
  identities.set(id.login, id);
  return id;
}

/** From Promptdeck's sign-in page through the provider's sign-in and consent pages. */
async function signInWithSso(page: Page, who: TestIdentity, shots?: string): Promise<void> {
  // Both servers are on 127.0.0.1, so one cookie jar: forget the provider's session (and ours).
  await page.context().clearCookies();
  await page.goto(`${app.baseURL}/signin`);
  const button = page.getByRole("button", { name: "Sign in with Acme SSO" });
  await expect(button).toBeVisible();
  if (shots) await snap(page, `${shots}-signin`, "light");
  await button.click();
  // The provider's own login page (development interactions: any password is accepted).
  await page.waitForURL((u) => u.port === String(idp.port));
  await page.locator('input[name="login"]').fill(who.login);
  await page.locator('input[name="password"]').fill("any-password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
}

test("a new user from an allowed domain signs up and lands in the default project as a viewer", async ({ page }) => {
  const who = identity("newbie", `newbie-${run}@${ALLOWED}`);
  await signInWithSso(page, who, "sso");
  await page.waitForURL(`${app.baseURL}/p/${PROJECT}/prompts`);
  await expect(page.getByRole("heading", { name: "Prompts" })).toBeVisible();
  await page.getByTestId("user-menu").click();
  await expect(page.getByTestId("user-email")).toHaveText(who.email);
  await snap(page, "sso-new-user", "light");

  const user = await db.user.findUniqueOrThrow({ where: { email: who.email }, include: { accounts: true, memberships: { include: { project: true } } } });
  expect(user.name).toBe(who.name);
  expect(user.passwordHash).toBeNull();
  expect(user.accounts.map((a) => [a.provider, a.providerAccountId])).toEqual([["oidc", who.login]]);
  expect(user.memberships.map((m) => [m.project.slug, m.role])).toEqual([[PROJECT, "VIEWER"]]);

  // A viewer: no way to create a prompt.
  await page.keyboard.press("Escape");
  await expect(page.getByRole("link", { name: /new prompt/i })).toHaveCount(0);

  // Signing in again finds the same user (by the linked identity), nothing is created twice.
  await page.context().clearCookies();
  await signInWithSso(page, who);
  await page.waitForURL(`${app.baseURL}/p/${PROJECT}/prompts`);
  expect(await db.user.count({ where: { email: who.email } })).toBe(1);
  expect(await db.account.count({ where: { userId: user.id } })).toBe(1);
});

test("a new user from another domain gets a clear refusal page and no account", async ({ page }) => {
  const who = identity("outsider", `outsider-${run}@elsewhere.test`);
  await signInWithSso(page, who);
  await page.waitForURL((u) => u.pathname === "/signin/refused");
  await expect(page.getByRole("heading", { name: "You can't sign in with single sign-on" })).toBeVisible();
  await expect(page.getByTestId("sso-refused")).toContainText("email domains your administrator allowed");
  await snap(page, "sso-refused", "light");
  expect(await db.user.count({ where: { email: who.email } })).toBe(0);
  // Not signed in: the dashboard sends the browser to sign in.
  await page.goto(`${app.baseURL}/p/${PROJECT}/prompts`);
  await expect(page).toHaveURL(/\/signin/);
});

test("an existing password user is linked by verified email; an unverified email takes over nothing", async ({ page }) => {
  // A password account outside the allowed domains: linking does not depend on them.
  const email = `linked-${run}@elsewhere.test`;
  const existing = await db.user.create({ data: { email, name: "Password Person", passwordHash: await hashPassword("a-strong-password") } });

  const impostor = identity("impostor", email, false);
  await signInWithSso(page, impostor);
  await page.waitForURL((u) => u.pathname === "/signin/refused");
  await expect(page.getByTestId("sso-refused")).toContainText("has not verified your email address");
  expect(await db.account.count({ where: { userId: existing.id } })).toBe(0);

  const owner = identity("owner", email, true);
  await signInWithSso(page, owner);
  // No project yet: the home page says so, signed in as the existing user.
  await page.waitForURL(`${app.baseURL}/`);
  await expect(page.getByText(`Signed in as ${email}`)).toBeVisible();
  const accounts = await db.account.findMany({ where: { userId: existing.id } });
  expect(accounts.map((a) => a.providerAccountId)).toEqual([owner.login]);
  expect(await db.user.count({ where: { email } })).toBe(1);
  // The password still works too.
  await page.context().clearCookies();
  await page.goto(`${app.baseURL}/signin`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("a-strong-password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL(`${app.baseURL}/`);
  await expect(page.getByText(`Signed in as ${email}`)).toBeVisible();
});

test("an unreachable identity provider gives a clear message on the sign-in page, never a 500", async ({ page }) => {
  const port = idp.port;
  await idp.close();
  try {
    await page.goto(`${app.baseURL}/signin`);
    await page.getByRole("button", { name: "Sign in with Acme SSO" }).click();
    await page.waitForURL((u) => u.pathname === "/signin" && u.searchParams.get("error") === "OAuthSignin");
    await expect(page.getByTestId("signin-error")).toContainText("Single sign-on is not available right now");
    await snap(page, "sso-provider-down", "light");
  } finally {
    idp = await startOidcProvider({ port, redirectUris: [`${app.baseURL}/api/auth/callback/oidc`], identities });
  }
  // Back up: single sign-on works again.
  const who = identity("after-outage", `after-${run}@other-allowed.test`);
  await signInWithSso(page, who);
  await page.waitForURL(`${app.baseURL}/p/${PROJECT}/prompts`);
});
