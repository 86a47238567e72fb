// Invitations (tokens, mail, single use, resend, revoke, expiry), the last-admin rule, and that a
// removed or demoted member loses access on their next request, against real PostgreSQL.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Actor } from "@/lib/audit/actor";
import { actorAccess } from "@/lib/auth/session";
import { createSmtpMailer } from "@/lib/mail/mailer";
import {
  acceptInvitation,
  acceptInvitationAsNewUser,
  createInvitation,
  listOpenInvitations,
  lookupInvitation,
  resendInvitation,
  revokeInvitation,
  UNKNOWN_INVITATION_MESSAGE,
} from "@/lib/members/invitations";
import { hashInvitationToken } from "@/lib/members/tokens";
import { changeMemberRole, LAST_ADMIN_MESSAGE, leaveProject, removeMember } from "@/lib/members/manage";
import { hashPassword } from "@/lib/users/password";
import { startTestSmtpServer, type TestSmtpServer } from "./smtp-helpers";

const ORIGIN = "http://promptdeck.test";
const DAY = 86_400_000;

let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = await startTestSmtpServer();
});
afterAll(async () => {
  await smtp.close();
});

async function makeProject() {
  const db = getDb();
  const suffix = randomUUID().slice(0, 8);
  const user = await db.user.create({ data: { email: `admin-${suffix}@example.test`, name: "Ada Admin" } });
  const project = await db.project.create({ data: { slug: `team-${suffix}`, name: `Team ${suffix}` } });
  await db.membership.create({ data: { userId: user.id, projectId: project.id, role: "ADMIN" } });
  const admin: Actor = { kind: "user", userId: user.id, projectId: project.id, role: "ADMIN" };
  return { project, user, admin, suffix };
}

async function addMember(projectId: string, role: "VIEWER" | "EDITOR" | "ADMIN", email = `m-${randomUUID().slice(0, 8)}@example.test`) {
  const db = getDb();
  const user = await db.user.create({ data: { email, name: email.split("@")[0], passwordHash: await hashPassword("correct horse") } });
  await db.membership.create({ data: { userId: user.id, projectId, role } });
  return { user, actor: { kind: "user", userId: user.id, projectId, role } as Actor };
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected an AppError");
}

const tokenOf = (link: string) => link.slice(link.lastIndexOf("/") + 1);

describe("invitations", () => {
  it("stores only the token's hash, shows the link once, mails it through SMTP and audits", async () => {
    const { project, admin } = await makeProject();
    const mailer = createSmtpMailer({ url: smtp.url, from: "Promptdeck <noreply@promptdeck.test>" });
    const issued = await createInvitation(admin, { email: "pm@example.test", role: "VIEWER" }, { origin: ORIGIN, mailer });
    expect(issued.link).toMatch(/^http:\/\/promptdeck\.test\/invite\/[A-Za-z0-9_-]{43}$/);
    expect(issued.mail.status).toBe("sent");
    expect(issued.expiresAt.getTime()).toBeGreaterThan(Date.now() + 7 * DAY - 60_000);
    expect(issued.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 7 * DAY);

    const token = tokenOf(issued.link);
    const row = await getDb().invitation.findUniqueOrThrow({ where: { id: issued.id } });
    expect(row.tokenHash).toBe(hashInvitationToken(token));
    expect(JSON.stringify(row)).not.toContain(token);

    const mail = smtp.received.find((m) => m.to.includes("pm@example.test"));
    expect(mail).toBeDefined();
    expect(mail!.from).toBe("noreply@promptdeck.test");
    expect(mail!.text).toContain(issued.link);
    expect(mail!.text).toContain(project.name);

    const audit = await getDb().auditEvent.findFirstOrThrow({ where: { projectId: project.id, action: "invitation.create" } });
    expect(audit.targetId).toBe(issued.id);
    expect(JSON.stringify(audit)).not.toContain(token);

    const open = await listOpenInvitations(project.id);
    expect(open.map((i) => [i.email, i.role, i.expired])).toEqual([["pm@example.test", "VIEWER", false]]);
  });

  it("keeps the invitation and says why when the mail server is unreachable", async () => {
    const { project, admin } = await makeProject();
    const mailer = createSmtpMailer({ url: "smtp://127.0.0.1:1", from: "noreply@promptdeck.test" });
    const issued = await createInvitation(admin, { email: "nomail@example.test", role: "EDITOR" }, { origin: ORIGIN, mailer });
    expect(issued.mail.status).toBe("failed");
    expect(await listOpenInvitations(project.id)).toHaveLength(1);
  });

  it("refuses an email that is already a member or already invited, and non-admins", async () => {
    const { project, admin, user } = await makeProject();
    const editor = await addMember(project.id, "EDITOR");
    const dup = await failure(createInvitation(admin, { email: user.email, role: "VIEWER" }, { origin: ORIGIN }));
    expect(dup.code).toBe("conflict");
    expect(dup.message).toContain("already a member");
    await createInvitation(admin, { email: "twice@example.test", role: "VIEWER" }, { origin: ORIGIN });
    const again = await failure(createInvitation(admin, { email: "twice@example.test", role: "EDITOR" }, { origin: ORIGIN }));
    expect(again.code).toBe("conflict");
    expect(again.message).toContain("pending invitation");
    expect((await failure(createInvitation(editor.actor, { email: "x@example.test", role: "VIEWER" }, { origin: ORIGIN }))).code).toBe("forbidden");
  });

  it("a new person sets name and password and joins with the invited role; the token works once", async () => {
    const { project, admin } = await makeProject();
    const email = `new-${randomUUID().slice(0, 8)}@example.test`;
    const issued = await createInvitation(admin, { email, role: "EDITOR" }, { origin: ORIGIN });
    const token = tokenOf(issued.link);
    const before = await lookupInvitation(token);
    expect(before).toMatchObject({ state: "pending", email, role: "EDITOR", accountExists: false, alreadyMember: false });

    const joined = await acceptInvitationAsNewUser({ token, name: "Pat Engineer", password: "prompt-eng-1", confirmPassword: "prompt-eng-1" });
    expect(joined.project.slug).toBe(project.slug);
    const user = await getDb().user.findUniqueOrThrow({ where: { email }, include: { memberships: true } });
    expect(user.name).toBe("Pat Engineer");
    expect(user.memberships.map((m) => [m.projectId, m.role])).toEqual([[project.id, "EDITOR"]]);
    expect(await getDb().auditEvent.count({ where: { projectId: project.id, action: "member.join", actorId: user.id } })).toBe(1);

    expect((await lookupInvitation(token)).state).toBe("accepted");
    const reuse = await failure(acceptInvitationAsNewUser({ token, name: "Eve", password: "prompt-eng-2", confirmPassword: "prompt-eng-2" }));
    expect(reuse.code).toBe("conflict");
    expect(reuse.message).toContain("already used");
    expect(await listOpenInvitations(project.id)).toHaveLength(0);
  });

  it("two concurrent accepts of one token: exactly one joins", async () => {
    const { admin } = await makeProject();
    const email = `race-${randomUUID().slice(0, 8)}@example.test`;
    const token = tokenOf((await createInvitation(admin, { email, role: "VIEWER" }, { origin: ORIGIN })).link);
    const results = await Promise.allSettled([
      acceptInvitationAsNewUser({ token, name: "A", password: "password-a", confirmPassword: "password-a" }),
      acceptInvitationAsNewUser({ token, name: "B", password: "password-b", confirmPassword: "password-b" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected");
    expect((rejected as PromiseRejectedResult).reason).toBeInstanceOf(AppError);
    expect(await getDb().user.count({ where: { email } })).toBe(1);
  });

  it("an existing account joins when signed in as the invited email, not as anyone else", async () => {
    const { project, admin } = await makeProject();
    const other = await makeProject();
    const person = await addMember(other.project.id, "VIEWER");
    const stranger = await addMember(other.project.id, "VIEWER");
    const token = tokenOf((await createInvitation(admin, { email: person.user.email, role: "VIEWER" }, { origin: ORIGIN })).link);
    expect(await lookupInvitation(token)).toMatchObject({ accountExists: true, alreadyMember: false });

    const wrong = await failure(acceptInvitation(token, stranger.user.id));
    expect(wrong.code).toBe("forbidden");
    expect(wrong.message).toContain(person.user.email);
    const asNew = await failure(acceptInvitationAsNewUser({ token, name: "X", password: "password-x", confirmPassword: "password-x" }));
    expect(asNew.message).toContain("sign in");

    const joined = await acceptInvitation(token, person.user.id);
    expect(joined).toMatchObject({ project: { id: project.id }, role: "VIEWER" });
    expect((await actorAccess(person.user, project.slug, "VIEWER")).role).toBe("VIEWER");
  });

  it("resend issues a new token and kills the old one; revoke and expiry give clear states", async () => {
    const { project, admin } = await makeProject();
    const first = await createInvitation(admin, { email: "resend@example.test", role: "VIEWER" }, { origin: ORIGIN });
    const mailer = createSmtpMailer({ url: smtp.url, from: "Promptdeck <noreply@promptdeck.test>" });
    const resent = await resendInvitation(admin, first.id, { origin: ORIGIN, mailer });
    expect(resent.id).toBe(first.id);
    expect(resent.link).not.toBe(first.link);
    // The resend is mailed too, with the new link only.
    expect(resent.mail.status).toBe("sent");
    const mailed = smtp.received.filter((m) => m.to.includes("resend@example.test"));
    expect(mailed).toHaveLength(1);
    expect(mailed[0]!.text).toContain(resent.link);
    expect(mailed[0]!.text).not.toContain(first.link);
    expect((await lookupInvitation(tokenOf(first.link))).state).toBe("unknown");
    const dead = await failure(acceptInvitationAsNewUser({ token: tokenOf(first.link), name: "R", password: "password-r", confirmPassword: "password-r" }));
    expect(dead).toMatchObject({ code: "not_found", message: UNKNOWN_INVITATION_MESSAGE });
    expect((await lookupInvitation(tokenOf(resent.link))).state).toBe("pending");
    expect(await getDb().auditEvent.count({ where: { projectId: project.id, action: "invitation.resend" } })).toBe(1);

    // Expiry: 7 days and a minute later the link is expired (and can be resent).
    const later = new Date(Date.now() + 7 * DAY + 60_000);
    expect((await lookupInvitation(tokenOf(resent.link), later)).state).toBe("expired");
    const expired = await failure(
      acceptInvitationAsNewUser({ token: tokenOf(resent.link), name: "R", password: "password-r", confirmPassword: "password-r" }, { now: later }),
    );
    expect(expired.code).toBe("conflict");
    expect(expired.message).toContain("expired");
    expect((await listOpenInvitations(project.id, later))[0]?.expired).toBe(true);

    await revokeInvitation(admin, first.id);
    expect((await lookupInvitation(tokenOf(resent.link))).state).toBe("revoked");
    const revoked = await failure(acceptInvitationAsNewUser({ token: tokenOf(resent.link), name: "R", password: "password-r", confirmPassword: "password-r" }));
    expect(revoked.message).toContain("revoked");
    expect((await failure(resendInvitation(admin, first.id, { origin: ORIGIN }))).code).toBe("conflict");
    expect(await listOpenInvitations(project.id)).toHaveLength(0);

    // Another project's admin cannot touch it.
    const other = await makeProject();
    expect((await failure(revokeInvitation(other.admin, first.id))).code).toBe("not_found");
  });

  it("an invitation whose email joined meanwhile says so", async () => {
    const { project, admin } = await makeProject();
    const email = `late-${randomUUID().slice(0, 8)}@example.test`;
    const token = tokenOf((await createInvitation(admin, { email, role: "VIEWER" }, { origin: ORIGIN })).link);
    await addMember(project.id, "EDITOR", email);
    expect(await lookupInvitation(token)).toMatchObject({ state: "pending", alreadyMember: true });
    const user = await getDb().user.findUniqueOrThrow({ where: { email } });
    const already = await failure(acceptInvitation(token, user.id));
    expect(already.code).toBe("conflict");
    expect(already.message).toContain("already a member");
  });
});

describe("roles, removal and the last admin", () => {
  it("the last admin can be neither demoted, removed nor leave; each allowed change is audited", async () => {
    const { project, admin, user } = await makeProject();
    expect((await failure(changeMemberRole(admin, { userId: user.id, role: "EDITOR" }))).message).toBe(LAST_ADMIN_MESSAGE);
    expect((await failure(removeMember(admin, user.id))).code).toBe("conflict");
    expect((await failure(leaveProject(admin))).message).toContain("last admin");

    const second = await addMember(project.id, "VIEWER");
    await changeMemberRole(admin, { userId: second.user.id, role: "ADMIN" });
    // Now there are two admins: the first may step down.
    await changeMemberRole(admin, { userId: user.id, role: "EDITOR" });
    const events = await getDb().auditEvent.findMany({ where: { projectId: project.id, action: "member.role_change" }, orderBy: { at: "asc" } });
    expect(events.map((e) => [e.targetId, (e.before as { role: string }).role, (e.after as { role: string }).role])).toEqual([
      [second.user.id, "VIEWER", "ADMIN"],
      [user.id, "ADMIN", "EDITOR"],
    ]);
  });

  it("two admins demoting each other at once: one wins, the project keeps an admin", async () => {
    const { project, admin, user } = await makeProject();
    const second = await addMember(project.id, "ADMIN");
    const results = await Promise.allSettled([
      changeMemberRole(admin, { userId: second.user.id, role: "VIEWER" }),
      changeMemberRole(second.actor, { userId: user.id, role: "VIEWER" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await getDb().membership.count({ where: { projectId: project.id, role: "ADMIN" } })).toBe(1);
  });

  it("a removed member loses access at once and a demoted one is refused what the role no longer allows", async () => {
    const { project, admin } = await makeProject();
    const editor = await addMember(project.id, "EDITOR");
    const viewer = await addMember(project.id, "VIEWER");
    expect((await actorAccess(editor.user, project.slug, "EDITOR")).role).toBe("EDITOR");

    await changeMemberRole(admin, { userId: editor.user.id, role: "VIEWER" });
    expect((await failure(actorAccess(editor.user, project.slug, "EDITOR"))).code).toBe("forbidden");
    expect((await actorAccess(editor.user, project.slug, "VIEWER")).role).toBe("VIEWER");

    await removeMember(admin, viewer.user.id);
    expect((await failure(actorAccess(viewer.user, project.slug, "VIEWER"))).code).toBe("not_found");
    expect(await getDb().auditEvent.count({ where: { projectId: project.id, action: "member.remove", targetId: viewer.user.id } })).toBe(1);

    // A viewer leaves on their own.
    await leaveProject((await actorAccess(editor.user, project.slug, "VIEWER")).actor);
    expect((await failure(actorAccess(editor.user, project.slug, "VIEWER"))).code).toBe("not_found");
    expect(await getDb().auditEvent.count({ where: { projectId: project.id, action: "member.leave", actorId: editor.user.id } })).toBe(1);
  });

  it("editors and viewers cannot manage members; ids of another project are not found", async () => {
    const { project, user } = await makeProject();
    const editor = await addMember(project.id, "EDITOR");
    expect((await failure(changeMemberRole(editor.actor, { userId: user.id, role: "VIEWER" }))).code).toBe("forbidden");
    expect((await failure(removeMember(editor.actor, user.id))).code).toBe("forbidden");
    const other = await makeProject();
    expect((await failure(removeMember(other.admin, editor.user.id))).code).toBe("not_found");
  });
});
