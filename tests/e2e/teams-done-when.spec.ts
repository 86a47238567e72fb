import { expect, test, type Browser, type Page } from "@playwright/test";
import { createPrismaClient } from "@/lib/db/client";
import { ADMIN_STATE, PROJECT, snap, watchConsole } from "./fixtures";

// Issue 13's flows that members.spec.ts and projects.spec.ts leave out: the expired-link page and
// a resend that revives the invitation, an invisible name refused on the accept form, an editor
// who sees no admin pages, a member who leaves, the audit log filtered by actor and target, and
// the account page's session count after a password change.
test.describe.configure({ mode: "serial", timeout: 300_000 });

const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const LATE = { email: `late-${run}@example.test`, name: "Lee Late", password: "late-password-1" };
const EDITOR = { email: `ed-${run}@example.test`, name: "Edie Editor", password: "editor-password-1" };

async function adminPage(browser: Browser): Promise<Page> {
  return (await browser.newContext({ storageState: ADMIN_STATE })).newPage();
}

/** Invites `email` with `role` from the members page; returns the copyable link. */
async function invite(page: Page, email: string, role: "Viewer" | "Editor"): Promise<string> {
  await page.goto(`/p/${PROJECT}/members`);
  await page.getByTestId("invite-member").click();
  const dialog = page.getByRole("dialog", { name: "Invite a member" });
  await dialog.getByLabel("Email").fill(email);
  await dialog.getByLabel("Role").selectOption({ label: role });
  await dialog.getByRole("button", { name: "Invite" }).click();
  const link = await dialog.getByTestId("invitation-link").inputValue();
  await dialog.getByRole("button", { name: "Done" }).click();
  return link;
}

/** Fills the new-person accept form. */
async function fillAccept(page: Page, who: { name: string; password: string }): Promise<void> {
  await page.getByLabel("Your name").fill(who.name);
  await page.getByLabel("Password", { exact: true }).fill(who.password);
  await page.getByLabel("Repeat password").fill(who.password);
  await page.getByTestId("accept-invitation").click();
}

test("an expired link says so; a resend revives it; an invisible name is refused; the member can leave", async ({ browser }) => {
  const admin = await adminPage(browser);
  const link = await invite(admin, LATE.email, "Viewer");

  // Eight days later (the link's expiry moved into the past): a clear page, no form.
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL must be set for the e2e tests");
  const db = createPrismaClient(url, 1);
  try {
    const { count } = await db.invitation.updateMany({ where: { email: LATE.email }, data: { expiresAt: new Date(Date.now() - 60 * 60 * 1000) } });
    expect(count).toBe(1);
  } finally {
    await db.$disconnect();
  }
  const person = await (await browser.newContext()).newPage();
  const console = watchConsole(person);
  await person.goto(link);
  await expect(person.getByRole("heading", { name: "Invitation expired" })).toBeVisible();
  await expect(person.getByTestId("invitation-problem")).toHaveAttribute("data-state", "expired");
  await expect(person.getByTestId("invitation-problem")).toContainText("Ask a project admin to send a new one");
  await expect(person.getByLabel("Your name")).toHaveCount(0);
  await snap(person, "invite-expired", "light");

  // The admin sees it as expired and resends: a new link, valid again; the old one is unknown.
  await admin.goto(`/p/${PROJECT}/members`);
  const row = admin.getByTestId("invitation-row").filter({ hasText: LATE.email });
  await expect(row).toContainText("expired");
  await row.getByTestId("resend-invitation").click();
  const resent = admin.getByRole("dialog", { name: "New invitation link" });
  const fresh = await resent.getByTestId("invitation-link").inputValue();
  expect(fresh).not.toBe(link);
  await resent.getByRole("button", { name: "Done" }).click();
  await expect(row).not.toContainText("expired");
  await person.goto(link);
  await expect(person.getByTestId("invitation-problem")).toHaveAttribute("data-state", "unknown");

  // A name of zero-width spaces would show as a blank member: refused with a form message.
  await person.goto(fresh);
  await fillAccept(person, { ...LATE, name: "\u200B\u200B" });
  await expect(person.getByText("Name must contain a visible character")).toBeVisible();
  await fillAccept(person, { ...LATE, name: "Lee \u202Eetal" });
  await expect(person.getByText("Name must not contain control or text-direction characters")).toBeVisible();
  await snap(person, "invite-accept-bad-name", "light");
  await fillAccept(person, LATE);
  await person.waitForURL(`**/p/${PROJECT}/prompts`);
  await expect(person.getByTestId("new-prompt")).toHaveCount(0);

  // The member leaves: confirmed, then home, which has no project left for them.
  await person.goto(`/p/${PROJECT}/members`);
  person.once("dialog", (d) => void d.accept());
  await person.getByTestId("leave-project").click();
  await expect(person.getByRole("heading", { name: "No projects yet" })).toBeVisible();
  await expect(person.getByTestId("create-first-project")).toBeVisible();
  expect(console.errors).toEqual([]);
  const gone = await person.goto(`/p/${PROJECT}/prompts`);
  expect(gone?.status()).toBe(404);

  // The audit log has the whole story, by actor and by target.
  await admin.goto(`/p/${PROJECT}/audit`);
  const actor = admin.getByTestId("audit-filter-actor");
  await actor.selectOption({ label: LATE.email });
  await admin.getByTestId("audit-filter-apply").click();
  await expect(admin).toHaveURL(/actor=/);
  const rows = admin.getByTestId("audit-row");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText("member.leave");
  await expect(rows.nth(1)).toContainText("member.join");
  await expect(rows.nth(1).getByTestId("audit-diff")).toContainText(LATE.email);

  await admin.goto(`/p/${PROJECT}/audit`);
  await admin.getByTestId("audit-filter-target-type").selectOption("invitation");
  await admin.getByTestId("audit-filter-apply").click();
  const resendRow = rows.filter({ hasText: "invitation.resend" }).filter({ hasText: LATE.email });
  await expect(resendRow).toHaveCount(1);
  const invitationId = (await resendRow.locator("td").nth(3).locator("div").nth(1).textContent())?.trim() ?? "";
  expect(invitationId).not.toBe("");
  await admin.getByTestId("audit-filter-target").fill(invitationId);
  await admin.getByTestId("audit-filter-apply").click();
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText("invitation.resend");
  await expect(rows.nth(1)).toContainText("invitation.create");
  const csv = await admin.request.get(`/p/${PROJECT}/audit/export?target=${invitationId}`);
  expect(csv.status()).toBe(200);
  const lines = (await csv.text()).trim().split("\r\n");
  expect(lines[0]).toBe("at,actor,action,target_type,target_id,changes,before,after");
  expect(lines.filter((l) => l.includes(`,invitation,${invitationId},`)).map((l) => l.split(",")[2])).toEqual(["invitation.resend", "invitation.create"]);
});

test("an editor gets no admin pages; the account page counts sessions before and after a password change", async ({ browser }) => {
  const admin = await adminPage(browser);
  const link = await invite(admin, EDITOR.email, "Editor");
  const editor = await (await browser.newContext()).newPage();
  await editor.goto(link);
  await fillAccept(editor, EDITOR);
  await editor.waitForURL(`**/p/${PROJECT}/prompts`);
  await expect(editor.getByTestId("new-prompt")).toBeVisible();
  await expect(editor.getByRole("link", { name: "Audit log" })).toHaveCount(0);
  for (const path of ["audit", "settings/project"]) {
    await editor.goto(`/p/${PROJECT}/${path}`);
    await expect(editor).toHaveURL(/\/forbidden\?project=demo$/);
  }
  expect((await editor.request.get(`/p/${PROJECT}/audit/export`)).status()).toBe(403);
  await expect(editor.getByTestId("invite-member")).toHaveCount(0);

  // A second browser for the editor: the account page counts it, and the change signs it out.
  const phone = await (await browser.newContext()).newPage();
  await phone.goto("/signin");
  await phone.getByLabel("Email").fill(EDITOR.email);
  await phone.getByLabel("Password").fill(EDITOR.password);
  await phone.getByRole("button", { name: "Sign in", exact: true }).click();
  await phone.waitForURL(`**/p/${PROJECT}/prompts`);

  await editor.goto("/account");
  await expect(editor.getByText("(1 other session open)")).toBeVisible();
  await editor.getByLabel("Current password").fill(EDITOR.password);
  await editor.getByLabel("New password", { exact: true }).fill("editor-password-2");
  await editor.getByLabel("Repeat new password").fill("editor-password-2");
  await editor.getByRole("button", { name: "Change password" }).click();
  await expect(editor.getByTestId("password-saved")).toHaveText("Password changed. 1 other session was signed out.");
  await expect(editor.getByText("(no other session is open)")).toBeVisible();
  await snap(editor, "account-after-password-change", "light");
  await phone.reload();
  await expect(phone).toHaveURL(/\/signin/);
});
