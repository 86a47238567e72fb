import { z } from "zod";
import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Actor } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/record";
import { roleSchema, type Role } from "@/lib/projects/roles";
import { requireAdmin } from "./guard";
import { lockProjectMembers } from "./invitations";

export const memberIdSchema = z.string().min(1).max(100);
export const changeRoleInputSchema = z.strictObject({ userId: memberIdSchema, role: roleSchema });
export type ChangeRoleInput = z.output<typeof changeRoleInputSchema>;

export const LAST_ADMIN_MESSAGE = "A project needs at least one admin: make another member an admin first";

/**
 * Whether a membership change leaves the project without an admin: the member is an admin, the
 * change takes that away (a weaker role, removal, leaving), and they are the only admin.
 */
export function removesLastAdmin(currentRole: Role, nextRole: Role | null, adminCount: number): boolean {
  return currentRole === "ADMIN" && nextRole !== "ADMIN" && adminCount <= 1;
}

async function memberOf(tx: Prisma.TransactionClient, projectId: string, userId: string) {
  const m = await tx.membership.findUnique({
    where: { userId_projectId: { userId, projectId } },
    select: { id: true, role: true, user: { select: { email: true } } },
  });
  if (!m) throw new AppError("not_found", "Member not found");
  return m;
}

async function adminCount(tx: Prisma.TransactionClient, projectId: string): Promise<number> {
  return tx.membership.count({ where: { projectId, role: "ADMIN" } });
}

/**
 * Gives a member another role (ADMIN only). The last admin cannot be demoted
 * (AppError("conflict")); a change to the same role is a no-op. Serialised per project, so two
 * admins demoting each other at once cannot both succeed. Audited as member.role_change. The
 * member's open sessions see the new role on their next request (roles are read per request).
 */
export async function changeMemberRole(actor: Actor, input: ChangeRoleInput, db: PrismaClient = getDb()): Promise<{ role: Role }> {
  requireAdmin(actor);
  return db.$transaction(async (tx) => {
    await lockProjectMembers(tx, actor.projectId);
    const m = await memberOf(tx, actor.projectId, input.userId);
    if (m.role === input.role) return { role: m.role };
    if (removesLastAdmin(m.role, input.role, await adminCount(tx, actor.projectId))) throw new AppError("conflict", LAST_ADMIN_MESSAGE);
    await tx.membership.update({ where: { id: m.id }, data: { role: input.role } });
    await recordAudit(tx, actor, {
      action: "member.role_change",
      targetType: "member",
      targetId: input.userId,
      before: { email: m.user.email, role: m.role },
      after: { email: m.user.email, role: input.role },
    });
    return { role: input.role };
  });
}

/**
 * Removes a member from the project (ADMIN only; removing yourself is leaving). The last admin
 * cannot be removed (AppError("conflict")). Audited as member.remove. The removed person's open
 * sessions get 404 for the project on their next request (membership is read per request).
 */
export async function removeMember(actor: Actor, userId: string, db: PrismaClient = getDb()): Promise<void> {
  requireAdmin(actor);
  await db.$transaction(async (tx) => {
    await lockProjectMembers(tx, actor.projectId);
    const m = await memberOf(tx, actor.projectId, userId);
    if (removesLastAdmin(m.role, null, await adminCount(tx, actor.projectId))) throw new AppError("conflict", LAST_ADMIN_MESSAGE);
    await tx.membership.delete({ where: { id: m.id } });
    await recordAudit(tx, actor, {
      action: userId === (actor.kind === "user" ? actor.userId : null) ? "member.leave" : "member.remove",
      targetType: "member",
      targetId: userId,
      before: { email: m.user.email, role: m.role },
    });
  });
}

/**
 * The signed-in member leaves the project (any role). The last admin cannot leave
 * (AppError("conflict"), with the way out: make someone else admin first). Audited as member.leave.
 */
export async function leaveProject(actor: Actor, db: PrismaClient = getDb()): Promise<void> {
  if (actor.kind !== "user") throw new AppError("forbidden", "Only a person can leave a project");
  const userId = actor.userId;
  await db.$transaction(async (tx) => {
    await lockProjectMembers(tx, actor.projectId);
    const m = await memberOf(tx, actor.projectId, userId);
    if (removesLastAdmin(m.role, null, await adminCount(tx, actor.projectId))) {
      throw new AppError("conflict", "You are the last admin of this project: make another member an admin before you leave");
    }
    await tx.membership.delete({ where: { id: m.id } });
    await recordAudit(tx, actor, { action: "member.leave", targetType: "member", targetId: userId, before: { email: m.user.email, role: m.role } });
  });
}
