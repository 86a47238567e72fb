// The dashboard session in integration tests: next-auth's JWT is out of reach, so a test mocks
// `getServerSession` to answer what a JWT would carry: the user id and the `sid` of a real
// Session row (lib/users/sessions.ts), which getSessionUser checks on every request.
import { startSession } from "@/lib/users/sessions";

const sids = new Map<string, Promise<string>>();

/** A live session row for `userId` (one per user, opened on first use). */
export function sessionIdFor(userId: string): Promise<string> {
  let sid = sids.get(userId);
  if (!sid) {
    sid = startSession(userId);
    sids.set(userId, sid);
  }
  return sid;
}

/** What getServerSession returns for a signed-in user: `{ user: { id }, sid }`, or null. */
export async function fakeServerSession(userId: string | null): Promise<{ user: { id: string }; sid: string } | null> {
  return userId ? { user: { id: userId }, sid: await sessionIdFor(userId) } : null;
}
