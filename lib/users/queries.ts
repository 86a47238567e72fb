import { randomUUID } from "node:crypto";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { getDb } from "@/lib/db/client";
import type { Credentials } from "@/lib/users/credentials";
import { hashPassword, verifyPassword } from "@/lib/users/password";

export interface UserSummary {
  id: string;
  email: string;
  name: string | null;
}

// Compared against when the email is unknown, so that an unknown email costs the same bcrypt
// time as a wrong password and response times do not reveal which accounts exist.
let dummyHash: Promise<string> | undefined;
function getDummyHash(): Promise<string> {
  dummyHash ??= hashPassword(randomUUID());
  return dummyHash;
}

/** The user with this id, or null (deleted users still holding a session token get null). */
export async function getUserById(id: string, db: PrismaClient = getDb()): Promise<UserSummary | null> {
  return db.user.findUnique({ where: { id }, select: { id: true, email: true, name: true } });
}

/**
 * Checks an email/password pair. Returns the user on a match and null otherwise, spending one
 * bcrypt comparison either way. Emails are compared lowercased (they are stored lowercased).
 */
export async function authenticateUser(credentials: Credentials, db: PrismaClient = getDb()): Promise<UserSummary | null> {
  const user = await db.user.findUnique({
    where: { email: credentials.email.toLowerCase() },
    select: { id: true, email: true, name: true, passwordHash: true },
  });
  const ok = await verifyPassword(credentials.password, user?.passwordHash ?? (await getDummyHash()));
  if (!user || !user.passwordHash || !ok) return null;
  return { id: user.id, email: user.email, name: user.name };
}
