import { randomBytes } from "node:crypto";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { getDb } from "@/lib/db/client";
import type { UserSummary } from "@/lib/users/queries";

/**
 * Server-side session rows behind JWT sessions. The JWT proves who signed in; its `sid` names a
 * `Session` row, and a request whose row is gone (signed out elsewhere, password changed) is
 * signed out at once, not at the token's expiry.
 */

/** How long a session lives without activity (the JWT's maxAge). */
export const SESSION_MAX_AGE_S = 30 * 24 * 60 * 60;
/** A row's expiry is pushed forward at most this often (one write a day per active session). */
const EXTEND_EVERY_MS = 24 * 60 * 60 * 1000;

/** Opens a session for a user who just signed in; returns its id (the JWT's `sid`). Drops the user's expired rows. */
export async function startSession(userId: string, now: Date = new Date(), db: PrismaClient = getDb()): Promise<string> {
  const sid = randomBytes(24).toString("base64url");
  await db.$transaction([
    db.session.deleteMany({ where: { userId, expires: { lt: now } } }),
    db.session.create({ data: { sessionToken: sid, userId, expires: new Date(now.getTime() + SESSION_MAX_AGE_S * 1000) } }),
  ]);
  return sid;
}

/**
 * The user of a live session: the row `sid` exists, belongs to `userId` and has not expired.
 * Null otherwise (the session was ended). Pushes the expiry forward at most once a day.
 */
export async function getSessionUserById(userId: string, sid: string, now: Date = new Date(), db: PrismaClient = getDb()): Promise<UserSummary | null> {
  const row = await db.session.findUnique({
    where: { sessionToken: sid },
    select: { userId: true, expires: true, user: { select: { id: true, email: true, name: true } } },
  });
  if (!row || row.userId !== userId || row.expires.getTime() <= now.getTime()) return null;
  const fresh = now.getTime() + SESSION_MAX_AGE_S * 1000;
  if (fresh - row.expires.getTime() > EXTEND_EVERY_MS) {
    await db.session.updateMany({ where: { sessionToken: sid }, data: { expires: new Date(fresh) } });
  }
  return row.user;
}

/** Ends one session (sign-out). Unknown ids are ignored. */
export async function endSession(sid: string, db: PrismaClient = getDb()): Promise<void> {
  await db.session.deleteMany({ where: { sessionToken: sid } });
}

/** Ends every session of a user except `keepSid`; returns how many ended. */
export async function endOtherSessions(userId: string, keepSid: string | null, db: PrismaClient = getDb()): Promise<number> {
  const { count } = await db.session.deleteMany({ where: { userId, ...(keepSid ? { sessionToken: { not: keepSid } } : {}) } });
  return count;
}

/** How many live sessions a user has (the account page shows it). */
export async function countSessions(userId: string, now: Date = new Date(), db: PrismaClient = getDb()): Promise<number> {
  return db.session.count({ where: { userId, expires: { gt: now } } });
}
