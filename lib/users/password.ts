import bcrypt from "bcryptjs";
import { z } from "zod";

/** bcrypt cost factor; 10 is the floor, 12 costs ~4x more per sign-in on this hardware. */
export const BCRYPT_COST = 10;
export const PASSWORD_MIN_LENGTH = 8;
/** bcrypt only reads the first 72 bytes; longer passwords would be silently truncated. */
export const PASSWORD_MAX_BYTES = 72;

/** The password policy for new accounts: 8+ characters, at most 72 bytes, not all whitespace. */
export const newPasswordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `Password must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .refine((p) => new TextEncoder().encode(p).length <= PASSWORD_MAX_BYTES, {
    message: `Password must be at most ${PASSWORD_MAX_BYTES} bytes`,
  })
  .refine((p) => p.trim().length > 0, { message: "Password cannot be only spaces" });

/** Returns the first policy violation for a new password, or null when it is acceptable. */
export function checkPasswordPolicy(password: string): string | null {
  const result = newPasswordSchema.safeParse(password);
  return result.success ? null : (result.error.issues[0]?.message ?? "Invalid password");
}

/** Hashes a password with bcrypt at BCRYPT_COST (salt included in the result). */
export async function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_COST);
}

/** Constant-time check of a password against a bcrypt hash; false for a missing hash. */
export async function verifyPassword(password: string, hash: string | null | undefined): Promise<boolean> {
  if (!hash) return false;
  return bcrypt.compare(password, hash);
}
