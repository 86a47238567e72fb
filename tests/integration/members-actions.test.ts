// The member, invitation and account server actions end to end on the real database, with the
// session as a JWT would carry it (user id + session row): session rows end on a password change
// (other browsers signed out on their next request, this one kept), bad input is a form message.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/lib/db/client";
import { authenticateUser } from "@/lib/users/queries";
import { hashPassword } from "@/lib/users/password";
import { startSession } from "@/lib/users/sessions";

// Two browsers of one person are two session rows; `current` is the one this request carries.
let current: { userId: string; sid: string } | null = null;
vi.mock("next-auth", async (original) => ({
  ...(await original<typeof import("next-auth")>()),
  getServerSession: async () => (current ? { user: { id: current.userId }, sid: current.sid } : null),
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("next/headers", async (original) => ({
  ...(await original<typeof import("next/headers")>()),
  headers: async () => new Headers({ host: "promptdeck.test:3000" }),
}));

const { getSessionUser } = await import("@/lib/auth/session");
const account = await import("@/app/account/actions");
const members = await import("@/app/(dashboard)/p/[project]/members/actions");
const invite = await import("@/app/invite/[token]/actions");

afterEach(() => {
  current = null;
});

async function makeUser(password = "first-password") {
  const email = `acct-${randomUUID().slice(0, 8)}@example.test`;
  const user = await getDb().user.create({ data: { email, name: "Acct", passwordHash: await hashPassword(password) } });
  return user;
}

async function makeProject(adminId: string) {
  const slug = `acts-${randomUUID().slice(0, 8)}`;
  const project = await getDb().project.create({ data: { slug, name: `Acts ${slug}` } });
  await getDb().membership.create({ data: { userId: adminId, projectId: project.id, role: "ADMIN" } });
  return project;
}

describe("sessions and the account page", () => {
  it("a password change ends the other sessions at once and keeps this one", async () => {
    const user = await makeUser();
    const laptop = await startSession(user.id);
    const phone = await startSession(user.id);

    current = { userId: user.id, sid: phone };
    expect((await getSessionUser())?.id).toBe(user.id);

    current = { userId: user.id, sid: laptop };
    const wrong = await account.changePasswordAction({ currentPassword: "not-it", newPassword: "second-password", confirmPassword: "second-password" });
    expect(wrong).toMatchObject({ ok: false, code: "bad_request", issues: [{ path: "currentPassword" }] });
    const mismatch = await account.changePasswordAction({ currentPassword: "first-password", newPassword: "second-password", confirmPassword: "other" });
    expect(mismatch).toMatchObject({ ok: false, code: "bad_request" });
    expect(mismatch.ok ? [] : mismatch.issues?.map((i) => i.path)).toContain("confirmPassword");
    const short = await account.changePasswordAction({ currentPassword: "first-password", newPassword: "short", confirmPassword: "short" });
    expect(short.ok ? [] : short.issues?.map((i) => i.path)).toContain("newPassword");

    const changed = await account.changePasswordAction({
      currentPassword: "first-password",
      newPassword: "second-password",
      confirmPassword: "second-password",
    });
    expect(changed).toEqual({ ok: true, data: { endedSessions: 1 } });

    // This browser stays signed in; the phone is signed out on its next request.
    expect((await getSessionUser())?.id).toBe(user.id);
    current = { userId: user.id, sid: phone };
    expect(await getSessionUser()).toBeNull();
    expect(await account.changeNameAction({ name: "Phone" })).toMatchObject({ ok: false, code: "unauthenticated" });

    expect(await authenticateUser({ email: user.email, password: "first-password" })).toBeNull();
    expect((await authenticateUser({ email: user.email, password: "second-password" }))?.id).toBe(user.id);
  });

  it("a token without a live session row is signed out (signed out elsewhere, or from before session rows)", async () => {
    const user = await makeUser();
    current = { userId: user.id, sid: "no-such-session" };
    expect(await getSessionUser()).toBeNull();
    const sid = await startSession(user.id);
    // A row of another user does not sign anyone in.
    const other = await makeUser();
    current = { userId: other.id, sid };
    expect(await getSessionUser()).toBeNull();
  });

  it("changes the name; a blank or oversized name is a form message", async () => {
    const user = await makeUser();
    current = { userId: user.id, sid: await startSession(user.id) };
    expect(await account.changeNameAction({ name: "  Grace Hopper " })).toEqual({ ok: true, data: { name: "Grace Hopper" } });
    expect((await getDb().user.findUniqueOrThrow({ where: { id: user.id } })).name).toBe("Grace Hopper");
    expect(await account.changeNameAction({ name: "   " })).toMatchObject({ ok: false, code: "bad_request", message: "Enter your name" });
    expect(await account.changeNameAction({ name: "x".repeat(101) })).toMatchObject({ ok: false, code: "bad_request" });
    expect(await account.changeNameAction({ name: "a\u0000b" })).toMatchObject({ ok: false, code: "bad_request" });
  });
});

describe("member and invitation actions", () => {
  it("an admin invites, the link works for a new person, a viewer cannot invite, bad input is refused", async () => {
    const admin = await makeUser();
    const project = await makeProject(admin.id);
    current = { userId: admin.id, sid: await startSession(admin.id) };

    expect(await members.inviteMemberAction({ project: project.slug, email: "not-an-email", role: "VIEWER" })).toMatchObject({
      ok: false,
      code: "bad_request",
    });
    expect(await members.inviteMemberAction({ project: project.slug, email: "pm@example.test", role: "OWNER" as "ADMIN" })).toMatchObject({
      ok: false,
      code: "bad_request",
    });
    const invited = await members.inviteMemberAction({ project: project.slug, email: " PM@Example.test ", role: "VIEWER" });
    if (!invited.ok) throw new Error(invited.message);
    expect(invited.data.email).toBe("pm@example.test");
    expect(invited.data.link).toMatch(/^http:\/\/promptdeck\.test:3000\/invite\//);
    expect(invited.data.mail.status).toBe("not_configured");
    const token = invited.data.link.slice(invited.data.link.lastIndexOf("/") + 1);

    // The new person: bad input first (short password, mismatch, malformed token), then the real thing.
    current = null;
    const bad = await invite.createAccountFromInvitationAction({ token, name: "PM", password: "short", confirmPassword: "short" });
    expect(bad).toMatchObject({ ok: false, code: "bad_request" });
    const mismatch = await invite.createAccountFromInvitationAction({ token, name: "PM", password: "long-enough", confirmPassword: "different" });
    expect(mismatch.ok ? [] : mismatch.issues?.map((i) => i.path)).toContain("confirmPassword");
    expect(
      await invite.createAccountFromInvitationAction({ token: "../../etc", name: "PM", password: "long-enough", confirmPassword: "long-enough" }),
    ).toMatchObject({
      ok: false,
      code: "bad_request",
    });
    expect(await invite.acceptInvitationAction({ token })).toMatchObject({ ok: false, code: "unauthenticated" });
    const joined = await invite.createAccountFromInvitationAction({ token, name: "Pam Manager", password: "long-enough", confirmPassword: "long-enough" });
    expect(joined).toEqual({ ok: true, data: { email: "pm@example.test", projectSlug: project.slug } });
    const again = await invite.createAccountFromInvitationAction({ token, name: "Pam Manager", password: "long-enough", confirmPassword: "long-enough" });
    expect(again).toMatchObject({ ok: false, code: "conflict" });

    // The viewer cannot invite or change roles; the admin can, and the viewer's next request sees it.
    const pm = await getDb().user.findUniqueOrThrow({ where: { email: "pm@example.test" } });
    current = { userId: pm.id, sid: await startSession(pm.id) };
    expect(await members.inviteMemberAction({ project: project.slug, email: "x@example.test", role: "VIEWER" })).toMatchObject({
      ok: false,
      code: "forbidden",
    });
    expect(await members.changeMemberRoleAction({ project: project.slug, userId: admin.id, role: "VIEWER" })).toMatchObject({ ok: false, code: "forbidden" });
    const pmSession = current;

    current = { userId: admin.id, sid: await startSession(admin.id) };
    expect(await members.changeMemberRoleAction({ project: project.slug, userId: admin.id, role: "VIEWER" })).toMatchObject({ ok: false, code: "conflict" });
    expect(await members.changeMemberRoleAction({ project: project.slug, userId: pm.id, role: "EDITOR" })).toEqual({ ok: true, data: { role: "EDITOR" } });
    expect(await members.removeMemberAction({ project: project.slug, userId: pm.id })).toEqual({ ok: true, data: undefined });

    current = pmSession;
    expect(await members.leaveProjectAction({ project: project.slug, confirm: true })).toMatchObject({ ok: false, code: "not_found" });
  });

  it("resend and revoke through the actions; the last admin cannot leave", async () => {
    const admin = await makeUser();
    const project = await makeProject(admin.id);
    current = { userId: admin.id, sid: await startSession(admin.id) };
    const invited = await members.inviteMemberAction({ project: project.slug, email: "later@example.test", role: "EDITOR" });
    if (!invited.ok) throw new Error(invited.message);
    const resent = await members.resendInvitationAction({ project: project.slug, invitationId: invited.data.id });
    expect(resent.ok && resent.data.link !== invited.data.link).toBe(true);
    expect(await members.revokeInvitationAction({ project: project.slug, invitationId: invited.data.id })).toEqual({ ok: true, data: undefined });
    expect(await members.revokeInvitationAction({ project: project.slug, invitationId: "nope" })).toMatchObject({ ok: false, code: "not_found" });
    const leave = await members.leaveProjectAction({ project: project.slug, confirm: true });
    expect(leave).toMatchObject({ ok: false, code: "conflict", message: expect.stringContaining("last admin") });
  });
});
