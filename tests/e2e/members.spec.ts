import { expect, test, type Browser, type Page } from "@playwright/test";
import { ADMIN_STATE, PROJECT, snap, VIEWER, watchConsole } from "./fixtures";

// Issue 13, members and roles: the admin invites a product manager as viewer and a prompt engineer
// as editor; both accept in their own browsers and get exactly what their role allows; role
// changes and removal apply on the member's next request; the account page changes the password
// and signs out the other browsers.
// Each test drives several browsers through sign-ups and sign-ins (bcrypt on every one): give
// them room on a busy machine.
test.describe.configure({ mode: "serial", timeout: 300_000 });

const run = Date.now().toString(36);
const PM = { email: `pm-${run}@example.test`, name: "Pam Manager", password: "pm-password-1" };
const ENG = { email: `eng-${run}@example.test`, name: "Eli Engineer", password: "eng-password-1" };

/** Invites `email` with `role` from the members page; returns the copyable link. */
async function invite(page: Page, email: string, role: "Viewer" | "Editor" | "Admin"): Promise<string> {
  await page.getByTestId("invite-member").click();
  const dialog = page.getByRole("dialog", { name: "Invite a member" });
  await dialog.getByLabel("Email").fill(email);
  await dialog.getByLabel("Role").selectOption({ label: role });
  await dialog.getByRole("button", { name: "Invite" }).click();
  const link = await dialog.getByTestId("invitation-link").inputValue();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
  await expect(dialog.getByTestId("invitation-mail-status")).toContainText("Mail is not configured");
  return link;
}

/** Opens an invitation in a fresh browser (no session) and creates the account. */
async function acceptAsNewPerson(browser: Browser, link: string, who: { name: string; password: string }, shot?: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link);
  await expect(page.getByRole("heading", { name: /^Join / })).toBeVisible();
  if (shot) await snap(page, shot, "light");
  await page.getByLabel("Your name").fill(who.name);
  await page.getByLabel("Password", { exact: true }).fill(who.password);
  await page.getByLabel("Repeat password").fill(who.password);
  await page.getByTestId("accept-invitation").click();
  await page.waitForURL(`**/p/${PROJECT}/prompts`);
  await expect(page.getByRole("heading", { name: "Prompts" })).toBeVisible();
  return page;
}

let pmLink = "";
let engLink = "";

test("the admin invites a product manager as viewer and a prompt engineer as editor", async ({ browser }) => {
  const context = await browser.newContext({ storageState: ADMIN_STATE });
  const page = await context.newPage();
  const console = watchConsole(page);
  await page.goto(`/p/${PROJECT}/members`);
  await expect(page.getByRole("heading", { name: "Members" }).first()).toBeVisible();

  // Bad input and an existing member are form messages.
  await page.getByTestId("invite-member").click();
  const dialog = page.getByRole("dialog", { name: "Invite a member" });
  await dialog.getByLabel("Email").fill("not an email");
  await dialog.getByRole("button", { name: "Invite" }).click();
  await expect(dialog.getByTestId("invite-error")).toContainText("valid email");
  await dialog.getByLabel("Email").fill(VIEWER.email);
  await dialog.getByRole("button", { name: "Invite" }).click();
  await expect(dialog.getByTestId("invite-error")).toContainText("already a member");
  await dialog.getByRole("button", { name: "Cancel" }).click();

  pmLink = await invite(page, PM.email, "Viewer");
  await snap(page, "members-invite-link", "light");
  await page.getByRole("button", { name: "Done" }).click();
  engLink = await invite(page, ENG.email, "Editor");
  await page.getByRole("button", { name: "Done" }).click();

  const rows = page.getByTestId("invitation-row");
  await expect(rows.filter({ hasText: PM.email })).toContainText("Viewer");
  await expect(rows.filter({ hasText: ENG.email })).toContainText("Editor");
  await snap(page, "members-pending", "light");
  expect(console.errors).toEqual([]);
  await context.close();
});

test("both accept in their own browsers and see exactly what their role allows", async ({ browser }) => {
  const pm = await acceptAsNewPerson(browser, pmLink, PM, "invite-accept");
  await expect(pm.getByTestId("prompt-row").first()).toBeVisible();
  await expect(pm.getByTestId("new-prompt")).toHaveCount(0);
  await pm.getByTestId("user-menu").click();
  await expect(pm.getByTestId("user-role")).toHaveText("Viewer");
  await expect(pm.getByTestId("user-name")).toHaveText(PM.name);
  await pm.goto(`/p/${PROJECT}/prompts/new`);
  await expect(pm).toHaveURL(/\/forbidden\?project=demo$/);

  const eng = await acceptAsNewPerson(browser, engLink, ENG);
  await expect(eng.getByTestId("new-prompt")).toBeVisible();
  await eng.goto(`/p/${PROJECT}/prompts/new`);
  await expect(eng.getByRole("heading", { name: "New prompt" })).toBeVisible();

  // A used link says so.
  await pm.goto(pmLink);
  await expect(pm.getByTestId("invitation-problem")).toHaveAttribute("data-state", "accepted");
  await expect(pm.getByRole("heading", { name: "Invitation already used" })).toBeVisible();
  await snap(pm, "invite-used", "light");

  // The members page for a viewer: the list, no invite button, no role pickers.
  await pm.goto(`/p/${PROJECT}/members`);
  await expect(pm.getByTestId("member-row").filter({ hasText: PM.email })).toContainText("(you)");
  await expect(pm.getByTestId("invite-member")).toHaveCount(0);
  await expect(pm.getByTestId("member-role-select")).toHaveCount(0);
  await expect(pm.getByTestId("invitations-card")).toHaveCount(0);
  await pm.context().close();
  await eng.context().close();
});

test("a role change and a removal apply on the member's next request", async ({ browser }) => {
  const admin = await (await browser.newContext({ storageState: ADMIN_STATE })).newPage();
  const signInAs = async (who: { email: string; password: string }) => {
    const page = await (await browser.newContext()).newPage();
    await page.goto("/signin");
    await page.getByLabel("Email").fill(who.email);
    await page.getByLabel("Password").fill(who.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`**/p/${PROJECT}/prompts`);
    return page;
  };
  const pm = await signInAs(PM);
  const eng = await signInAs(ENG);
  await expect(pm.getByTestId("new-prompt")).toHaveCount(0);

  await admin.goto(`/p/${PROJECT}/members`);
  // The picker shows the new role at once; the member's next request must come after the action's answer.
  const roleChanged = admin.waitForResponse((r) => r.request().method() === "POST" && r.url().includes(`/p/${PROJECT}/members`));
  await admin.getByTestId("member-row").filter({ hasText: PM.email }).getByTestId("member-role-select").selectOption("EDITOR");
  expect((await roleChanged).ok()).toBe(true);
  await expect(admin.getByTestId("member-row").filter({ hasText: PM.email }).getByTestId("member-role-select")).toHaveValue("EDITOR");
  await pm.reload();
  await expect(pm.getByTestId("new-prompt")).toBeVisible();

  // The last admin can neither leave nor be demoted (the picker offers no weaker role).
  await admin.getByTestId("leave-project").click();
  await expect(admin.getByTestId("leave-error")).toContainText("last admin");
  await snap(admin, "members-roles", "light");

  admin.once("dialog", (d) => void d.accept());
  await admin.getByTestId("member-row").filter({ hasText: ENG.email }).getByTestId("remove-member").click();
  await expect(admin.getByTestId("member-row").filter({ hasText: ENG.email })).toHaveCount(0);
  await eng.reload();
  await expect(eng.getByTestId("not-found")).toBeVisible();
  await eng.goto(`/p/${PROJECT}/prompts/new`);
  await expect(eng.getByTestId("not-found")).toBeVisible();

  // Invited again, the engineer (who has an account) signs in on the invitation page and is back.
  await admin.goto(`/p/${PROJECT}/members`);
  const again = await invite(admin, ENG.email, "Viewer");
  await admin.getByRole("button", { name: "Done" }).click();
  const fresh = await (await browser.newContext()).newPage();
  await fresh.goto(again);
  await expect(fresh.getByRole("button", { name: "Sign in and join" })).toBeVisible();
  await fresh.getByLabel("Password").fill("wrong-password");
  await fresh.getByTestId("accept-invitation").click();
  await expect(fresh.getByTestId("invite-error")).toHaveText("Invalid email or password");
  await fresh.getByLabel("Password").fill(ENG.password);
  await fresh.getByTestId("accept-invitation").click();
  await fresh.waitForURL(`**/p/${PROJECT}/prompts`);
  await expect(fresh.getByTestId("new-prompt")).toHaveCount(0);
});

test("revoked, resent and unknown links get a clear page", async ({ browser }) => {
  const admin = await (await browser.newContext({ storageState: ADMIN_STATE })).newPage();
  await admin.goto(`/p/${PROJECT}/members`);
  const email = `revoked-${run}@example.test`;
  const first = await invite(admin, email, "Editor");
  await admin.getByRole("button", { name: "Done" }).click();
  const row = admin.getByTestId("invitation-row").filter({ hasText: email });
  await row.getByTestId("resend-invitation").click();
  const second = await admin.getByRole("dialog", { name: "New invitation link" }).getByTestId("invitation-link").inputValue();
  expect(second).not.toBe(first);
  await admin.getByRole("button", { name: "Done" }).click();
  admin.once("dialog", (d) => void d.accept());
  await row.getByTestId("revoke-invitation").click();
  await expect(admin.getByTestId("invitation-row").filter({ hasText: email })).toHaveCount(0);

  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(first);
  await expect(visitor.getByTestId("invitation-problem")).toHaveAttribute("data-state", "unknown");
  await visitor.goto(second);
  await expect(visitor.getByRole("heading", { name: "Invitation revoked" })).toBeVisible();
  await expect(visitor.getByTestId("invitation-problem")).toContainText("revoked");
  await snap(visitor, "invite-revoked", "light");
  await visitor.goto("/invite/not-a-token");
  await expect(visitor.getByRole("heading", { name: "Invitation link not valid" })).toBeVisible();
});

test("account: change the name and the password; other browsers are signed out, this one stays", async ({ browser }) => {
  const open = async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto("/signin");
    await page.getByLabel("Email").fill(PM.email);
    await page.getByLabel("Password").fill(PM.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`**/p/${PROJECT}/prompts`);
    return page;
  };
  const laptop = await open();
  const phone = await open();

  await laptop.getByTestId("user-menu").click();
  await laptop.getByTestId("account-link").click();
  await expect(laptop.getByRole("heading", { name: "Account" })).toBeVisible();
  await expect(laptop.getByTestId("account-email")).toContainText(PM.email);

  await laptop.getByLabel("Name").fill("Pam M. Manager");
  await laptop.getByRole("button", { name: "Save name" }).click();
  await expect(laptop.getByTestId("name-saved")).toContainText("Pam M. Manager");

  await laptop.getByLabel("Current password").fill("not-my-password");
  await laptop.getByLabel("New password", { exact: true }).fill("pm-password-2");
  await laptop.getByLabel("Repeat new password").fill("pm-password-2");
  await laptop.getByRole("button", { name: "Change password" }).click();
  await expect(laptop.getByText("The current password is wrong").first()).toBeVisible();
  await snap(laptop, "account-password-error", "light");

  await laptop.getByLabel("Current password").fill(PM.password);
  await laptop.getByLabel("New password", { exact: true }).fill("pm-password-2");
  await laptop.getByLabel("Repeat new password").fill("pm-password-2");
  await laptop.getByRole("button", { name: "Change password" }).click();
  // The phone and the sessions the earlier tests opened for this person end; the count says how many.
  await expect(laptop.getByTestId("password-saved")).toHaveText(/^Password changed\. [1-9]\d* other sessions? (was|were) signed out\.$/);
  await snap(laptop, "account", "light");

  // The phone is signed out on its next request; the laptop is still in.
  await phone.reload();
  await expect(phone).toHaveURL(/\/signin/);
  await laptop.goto(`/p/${PROJECT}/prompts`);
  await expect(laptop.getByRole("heading", { name: "Prompts" })).toBeVisible();
  await laptop.getByTestId("user-menu").click();
  await expect(laptop.getByTestId("user-name")).toHaveText("Pam M. Manager");

  // The new password signs in; the old one does not.
  await phone.getByLabel("Email").fill(PM.email);
  await phone.getByLabel("Password").fill(PM.password);
  await phone.getByRole("button", { name: "Sign in" }).click();
  await expect(phone.getByTestId("signin-error")).toBeVisible();
  await phone.getByLabel("Password").fill("pm-password-2");
  await phone.getByRole("button", { name: "Sign in" }).click();
  await phone.waitForURL(`**/p/${PROJECT}/prompts`);
});
