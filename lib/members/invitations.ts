import { z } from "zod";
import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { getEnv } from "@/lib/env";
import type { Actor } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/record";
import { getMailer, type Mailer, type MailOutcome } from "@/lib/mail/mailer";
import { roleLabel, roleSchema, type Role } from "@/lib/projects/roles";
import type { ProjectRef } from "@/lib/projects/queries";
import { hashPassword, newPasswordSchema } from "@/lib/users/password";
import { displayNameSchema } from "@/lib/users/account";
import { requireAdmin } from "./guard";
import {
  generateInvitationToken,
  hashInvitationToken,
  invitationEmail,
  invitationLink,
  invitationState,
  invitationTokenSchema,
  type InvitationState,
} from "./tokens";

export const DAY_MS = 24 * 60 * 60 * 1000;

/** The invite form: an email (lowercased) and a role. */
export const inviteInputSchema = z.strictObject({
  email: z.string().trim().toLowerCase().max(254, "Email is too long").pipe(z.email("Enter a valid email address")),
  role: roleSchema,
});
export type InviteInput = z.output<typeof inviteInputSchema>;

/** The accept form of a person without an account: the token, name and password (twice). */
export const acceptAsNewUserInputSchema = z
  .strictObject({
    token: invitationTokenSchema,
    name: displayNameSchema,
    password: newPasswordSchema,
    confirmPassword: z.string().max(1024, "Password is too long"),
  })
  .refine((v) => v.password === v.confirmPassword, { path: ["confirmPassword"], message: "The two passwords do not match" });
export type AcceptAsNewUserInput = z.output<typeof acceptAsNewUserInputSchema>;

/** What invitation mutations need besides their input: the site origin for links, the clock, mail, the database. */
export interface InvitationContext {
  /** e.g. "https://promptdeck.example.com": the link's origin. */
  origin: string;
  now?: Date;
  /** Validity of a new token in days (default PROMPTDECK_INVITATION_DAYS, 7). */
  ttlDays?: number;
  mailer?: Mailer;
  db?: PrismaClient;
}

/** An invitation just issued (created or resent): the link, shown once to the admin, and how the mail went. */
export interface IssuedInvitation {
  id: string;
  email: string;
  role: Role;
  link: string;
  expiresAt: Date;
  mail: MailOutcome;
}

export interface InvitationRow {
  id: string;
  email: string;
  role: Role;
  createdAt: Date;
  sentAt: Date;
  expiresAt: Date;
  expired: boolean;
  invitedBy: string | null;
}

function ttlMs(ctx: InvitationContext): number {
  return (ctx.ttlDays ?? getEnv().PROMPTDECK_INVITATION_DAYS) * DAY_MS;
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

// Serialises invitation and membership changes of one project (two admins inviting the same
// email at once, the last-admin rule under concurrent demotions).
export async function lockProjectMembers(tx: Prisma.TransactionClient, projectId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${"members:" + projectId}))`;
}

async function mailInvitation(
  db: PrismaClient,
  ctx: InvitationContext,
  inv: { email: string; role: Role; projectId: string; expiresAt: Date },
  link: string,
  inviterId: string | null,
): Promise<MailOutcome> {
  const mailer = ctx.mailer ?? getMailer();
  const [project, inviter] = await Promise.all([
    db.project.findUniqueOrThrow({ where: { id: inv.projectId }, select: { name: true } }),
    inviterId ? db.user.findUnique({ where: { id: inviterId }, select: { name: true, email: true } }) : null,
  ]);
  const mail = invitationEmail({
    projectName: project.name,
    role: roleLabel(inv.role),
    inviterName: inviter?.name ?? inviter?.email ?? null,
    link,
    expiresAt: inv.expiresAt,
  });
  return mailer.send({ to: inv.email, ...mail });
}

/**
 * Invites `email` into the actor's project with `role` (ADMIN only). Refuses with
 * AppError("conflict") when the email is already a member or already has a pending invitation
 * (resend that one instead). Stores only the token's hash; returns the link (shown once) and
 * mails it when SMTP is configured (a mail failure does not undo the invitation). Audited.
 */
export async function createInvitation(actor: Actor, input: InviteInput, ctx: InvitationContext): Promise<IssuedInvitation> {
  requireAdmin(actor);
  const db = ctx.db ?? getDb();
  const now = ctx.now ?? new Date();
  const { token, hash } = generateInvitationToken();
  const expiresAt = new Date(now.getTime() + ttlMs(ctx));
  const inv = await db.$transaction(async (tx) => {
    await lockProjectMembers(tx, actor.projectId);
    const member = await tx.membership.findFirst({ where: { projectId: actor.projectId, user: { email: input.email } }, select: { role: true } });
    if (member) throw new AppError("conflict", `${input.email} is already a member of this project (${roleLabel(member.role)}); change their role instead`);
    const pending = await tx.invitation.findFirst({
      where: { projectId: actor.projectId, email: input.email, acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
      select: { id: true },
    });
    if (pending) throw new AppError("conflict", `${input.email} already has a pending invitation; resend or revoke it below`);
    const created = await tx.invitation.create({
      data: {
        projectId: actor.projectId,
        email: input.email,
        role: input.role,
        tokenHash: hash,
        invitedById: actor.kind === "user" ? actor.userId : null,
        createdAt: now,
        sentAt: now,
        expiresAt,
      },
      select: { id: true, email: true, role: true, expiresAt: true, projectId: true },
    });
    await recordAudit(tx, actor, {
      action: "invitation.create",
      targetType: "invitation",
      targetId: created.id,
      after: { email: created.email, role: created.role },
    });
    return created;
  });
  const link = invitationLink(ctx.origin, token);
  const mail = await mailInvitation(db, ctx, inv, link, actor.kind === "user" ? actor.userId : null);
  return { id: inv.id, email: inv.email, role: inv.role, link, expiresAt: inv.expiresAt, mail };
}

/**
 * Issues a new token for an invitation that is pending or expired (ADMIN only): the old link
 * stops working, the new one is valid for the full period and mailed again. Accepted or revoked
 * invitations cannot be resent (AppError("conflict")); another project's id is not_found. Audited.
 */
export async function resendInvitation(actor: Actor, invitationId: string, ctx: InvitationContext): Promise<IssuedInvitation> {
  requireAdmin(actor);
  const db = ctx.db ?? getDb();
  const now = ctx.now ?? new Date();
  const { token, hash } = generateInvitationToken();
  const expiresAt = new Date(now.getTime() + ttlMs(ctx));
  const inv = await db.$transaction(async (tx) => {
    await lockProjectMembers(tx, actor.projectId);
    const found = await tx.invitation.findFirst({ where: { id: invitationId, projectId: actor.projectId } });
    if (!found) throw new AppError("not_found", "Invitation not found");
    const state = invitationState(found, now);
    if (state === "accepted" || state === "revoked") throw new AppError("conflict", `This invitation was ${state}; invite ${found.email} again instead`);
    const updated = await tx.invitation.update({
      where: { id: found.id },
      data: { tokenHash: hash, sentAt: now, expiresAt },
      select: { id: true, email: true, role: true, expiresAt: true, projectId: true },
    });
    await recordAudit(tx, actor, {
      action: "invitation.resend",
      targetType: "invitation",
      targetId: found.id,
      after: { email: found.email, expiresAt: expiresAt.toISOString() },
    });
    return updated;
  });
  const link = invitationLink(ctx.origin, token);
  const mail = await mailInvitation(db, ctx, inv, link, actor.kind === "user" ? actor.userId : null);
  return { id: inv.id, email: inv.email, role: inv.role, link, expiresAt: inv.expiresAt, mail };
}

/** Revokes a pending (or expired) invitation (ADMIN only); its link then shows "revoked". Audited. */
export async function revokeInvitation(actor: Actor, invitationId: string, opts: { now?: Date; db?: PrismaClient } = {}): Promise<void> {
  requireAdmin(actor);
  const db = opts.db ?? getDb();
  const now = opts.now ?? new Date();
  await db.$transaction(async (tx) => {
    await lockProjectMembers(tx, actor.projectId);
    const found = await tx.invitation.findFirst({ where: { id: invitationId, projectId: actor.projectId } });
    if (!found) throw new AppError("not_found", "Invitation not found");
    const state = invitationState(found, now);
    if (state === "accepted") throw new AppError("conflict", `${found.email} already accepted this invitation; remove the member instead`);
    if (state === "revoked") return;
    await tx.invitation.update({ where: { id: found.id }, data: { revokedAt: now } });
    await recordAudit(tx, actor, {
      action: "invitation.revoke",
      targetType: "invitation",
      targetId: found.id,
      before: { email: found.email, role: found.role },
    });
  });
}

/** Invitations of a project still open to an action: pending and expired (resendable), newest first. */
export async function listOpenInvitations(projectId: string, now: Date = new Date(), db: PrismaClient = getDb()): Promise<InvitationRow[]> {
  const rows = await db.invitation.findMany({
    where: { projectId, acceptedAt: null, revokedAt: null },
    select: { id: true, email: true, role: true, createdAt: true, sentAt: true, expiresAt: true, invitedBy: { select: { email: true } } },
    orderBy: { createdAt: "desc" },
    take: 500,
  });
  return rows.map(({ invitedBy, ...r }) => ({ ...r, expired: r.expiresAt.getTime() <= now.getTime(), invitedBy: invitedBy?.email ?? null }));
}

/** What the accept page knows about a token. */
export type InvitationLookup =
  | { state: "unknown" }
  | {
      state: InvitationState;
      email: string;
      role: Role;
      project: ProjectRef;
      inviterName: string | null;
      expiresAt: Date;
      /** An account with the invited email exists (then the person signs in instead of signing up). */
      accountExists: boolean;
      /** That account is already a member of the project. */
      alreadyMember: boolean;
    };

/** Looks up a token for the accept page: unknown (never issued, or replaced by a resend), or the invitation and its state. */
export async function lookupInvitation(token: string, now: Date = new Date(), db: PrismaClient = getDb()): Promise<InvitationLookup> {
  const inv = await db.invitation.findUnique({
    where: { tokenHash: hashInvitationToken(token) },
    select: {
      email: true,
      role: true,
      expiresAt: true,
      acceptedAt: true,
      revokedAt: true,
      projectId: true,
      project: { select: { id: true, slug: true, name: true } },
      invitedBy: { select: { name: true, email: true } },
    },
  });
  if (!inv) return { state: "unknown" };
  const account = await db.user.findUnique({
    where: { email: inv.email },
    select: { memberships: { where: { projectId: inv.projectId }, select: { id: true } } },
  });
  return {
    state: invitationState(inv, now),
    email: inv.email,
    role: inv.role,
    project: inv.project,
    inviterName: inv.invitedBy?.name ?? inv.invitedBy?.email ?? null,
    expiresAt: inv.expiresAt,
    accountExists: account !== null,
    alreadyMember: (account?.memberships.length ?? 0) > 0,
  };
}

const STATE_MESSAGES: Record<Exclude<InvitationState, "pending">, string> = {
  expired: "This invitation has expired. Ask a project admin to send a new one.",
  accepted: "This invitation was already used. Sign in to open the project.",
  revoked: "This invitation was revoked by a project admin. Ask them for a new one if you still need access.",
};
export const UNKNOWN_INVITATION_MESSAGE = "This invitation link is not valid: it may be mistyped or replaced by a newer one.";

/** The message for a token that cannot be accepted (unknown, expired, used, revoked). */
export function invitationProblem(state: InvitationState | "unknown"): string | null {
  if (state === "pending") return null;
  return state === "unknown" ? UNKNOWN_INVITATION_MESSAGE : STATE_MESSAGES[state];
}

type InvitationRowFull = Prisma.InvitationGetPayload<{ include: { project: { select: { id: true; slug: true; name: true } } } }>;

/** The pending invitation for `token` inside a transaction, claimed (accepted) atomically; throws the state's message otherwise. */
async function claimInvitation(tx: Prisma.TransactionClient, token: string, now: Date, acceptedById: string | null): Promise<InvitationRowFull> {
  const inv = await tx.invitation.findUnique({
    where: { tokenHash: hashInvitationToken(token) },
    include: { project: { select: { id: true, slug: true, name: true } } },
  });
  if (!inv) throw new AppError("not_found", UNKNOWN_INVITATION_MESSAGE);
  const problem = invitationProblem(invitationState(inv, now));
  if (problem) throw new AppError("conflict", problem);
  // Compare-and-set: of two concurrent accepts of one token, exactly one claims it.
  const { count } = await tx.invitation.updateMany({
    where: { id: inv.id, tokenHash: inv.tokenHash, acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
    data: { acceptedAt: now, acceptedById },
  });
  if (count !== 1) throw new AppError("conflict", STATE_MESSAGES.accepted);
  return inv;
}

async function joinProject(tx: Prisma.TransactionClient, inv: InvitationRowFull, userId: string): Promise<void> {
  await lockProjectMembers(tx, inv.projectId);
  const existing = await tx.membership.findUnique({ where: { userId_projectId: { userId, projectId: inv.projectId } }, select: { id: true } });
  if (existing) throw new AppError("conflict", `You are already a member of ${inv.project.name}`);
  await tx.membership.create({ data: { userId, projectId: inv.projectId, role: inv.role } });
  await recordAudit(
    tx,
    { kind: "user", userId, projectId: inv.projectId, role: inv.role },
    { action: "member.join", targetType: "member", targetId: userId, after: { email: inv.email, role: inv.role, invitationId: inv.id } },
  );
}

/**
 * Accepts an invitation as a signed-in user: the account's email must be the invited one
 * (AppError("forbidden") otherwise), the user must not be a member yet (conflict), and the token
 * must be pending (not_found for unknown, conflict with a clear message for expired, used,
 * revoked). Adds the membership with the invited role, single use, audited as member.join.
 */
export async function acceptInvitation(
  token: string,
  userId: string,
  opts: { now?: Date; db?: PrismaClient } = {},
): Promise<{ project: ProjectRef; role: Role }> {
  const db = opts.db ?? getDb();
  const now = opts.now ?? new Date();
  return db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId }, select: { email: true } });
    if (!user) throw new AppError("not_found", "Account not found");
    const inv = await claimInvitation(tx, token, now, userId);
    if (inv.email !== user.email.toLowerCase()) {
      throw new AppError("forbidden", `This invitation is for ${inv.email}, but you are signed in as ${user.email}. Sign out and sign in as ${inv.email}.`);
    }
    await joinProject(tx, inv, userId);
    return { project: inv.project, role: inv.role };
  });
}

/**
 * Accepts an invitation (`input.token`) as a new person: creates the account (the invited email, `name`,
 * `password`) and its membership in one transaction. When an account with that email exists,
 * AppError("conflict") says to sign in instead. Token rules as in acceptInvitation.
 */
export async function acceptInvitationAsNewUser(
  input: AcceptAsNewUserInput,
  opts: { now?: Date; db?: PrismaClient } = {},
): Promise<{ email: string; project: ProjectRef; role: Role }> {
  const db = opts.db ?? getDb();
  const now = opts.now ?? new Date();
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.$transaction(async (tx) => {
      const inv = await claimInvitation(tx, input.token, now, null);
      if (await tx.user.findUnique({ where: { email: inv.email }, select: { id: true } })) {
        throw new AppError("conflict", `An account for ${inv.email} already exists: sign in to accept the invitation`);
      }
      const user = await tx.user.create({ data: { email: inv.email, name: input.name, passwordHash }, select: { id: true } });
      await tx.invitation.update({ where: { id: inv.id }, data: { acceptedById: user.id } });
      await joinProject(tx, inv, user.id);
      return { email: inv.email, project: inv.project, role: inv.role };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict", "An account with this email was just created: sign in to accept the invitation");
    throw error;
  }
}
