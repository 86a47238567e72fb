import { z } from "zod";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { displayTextSchema } from "@/lib/errors/display-text";
import { hashPassword, newPasswordSchema, verifyPassword } from "@/lib/users/password";
import { endOtherSessions } from "@/lib/users/sessions";

/** A person's display name: trimmed, 1-100 characters, something visible, no control or text-direction characters. */
export const displayNameSchema = displayTextSchema({ label: "Name", max: 100, empty: "Enter your name", tooLong: "Name is too long" });

export const changeNameInputSchema = z.strictObject({ name: displayNameSchema });
export type ChangeNameInput = z.output<typeof changeNameInputSchema>;

export const changePasswordInputSchema = z
  .strictObject({
    currentPassword: z.string().min(1, "Enter your current password").max(1024, "Password is too long"),
    newPassword: newPasswordSchema,
    confirmPassword: z.string().max(1024, "Password is too long"),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ["confirmPassword"], message: "The two new passwords do not match" })
  .refine((v) => v.newPassword !== v.currentPassword, { path: ["newPassword"], message: "Choose a password different from the current one" });
export type ChangePasswordInput = z.output<typeof changePasswordInputSchema>;

/** Sets the user's display name; returns it. */
export async function changeName(userId: string, input: ChangeNameInput, db: PrismaClient = getDb()): Promise<{ name: string }> {
  const user = await db.user.update({ where: { id: userId }, data: { name: input.name }, select: { name: true } });
  return { name: user.name ?? input.name };
}

/**
 * Changes a password. The current one must match (AppError("bad_request") with an issue on
 * `currentPassword` otherwise); accounts without a password (single sign-on) are refused. Every
 * other session of the user ends; `currentSid` (the session asking) stays signed in.
 */
export async function changePassword(
  userId: string,
  currentSid: string | null,
  input: ChangePasswordInput,
  db: PrismaClient = getDb(),
): Promise<{ endedSessions: number }> {
  const user = await db.user.findUnique({ where: { id: userId }, select: { passwordHash: true } });
  if (!user) throw new AppError("not_found", "Account not found");
  if (!user.passwordHash) throw new AppError("conflict", "This account signs in with single sign-on and has no password to change");
  if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
    throw new AppError("bad_request", "The current password is wrong", { issues: [{ path: "currentPassword", message: "The current password is wrong" }] });
  }
  const passwordHash = await hashPassword(input.newPassword);
  // Compare-and-set on the hash just checked: two concurrent changes cannot both win.
  const { count } = await db.user.updateMany({ where: { id: userId, passwordHash: user.passwordHash }, data: { passwordHash } });
  if (count !== 1) throw new AppError("conflict", "The password was changed meanwhile; sign in again");
  return { endedSessions: await endOtherSessions(userId, currentSid, db) };
}
