import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { hashPassword } from "@/lib/users/password";
import { DEFAULT_THROTTLE_POLICY as P, pruneThrottle, recordFailure, signInWithThrottle, throttleKey } from "@/lib/users/sign-in-throttle";

// Brute-force limits against real PostgreSQL: the counts live in SignInThrottle, so a second
// "instance" (another client on the same database) sees the same locks.
const db = getDb();
const run = Date.now().toString(36);
const PASSWORD = "correct horse battery";
let clock = Date.UTC(2026, 11, 3, 12, 0, 0);
const sleeps: number[] = [];
const options = { db, now: () => clock, sleep: (ms: number) => (sleeps.push(ms), Promise.resolve()) };

async function makeUser(tag: string): Promise<string> {
  const email = `throttle-${tag}-${run}@example.com`;
  await db.user.create({ data: { email, passwordHash: await hashPassword(PASSWORD) } });
  return email;
}

beforeAll(async () => {
  await db.signInThrottle.deleteMany({});
});
afterAll(async () => {
  await db.signInThrottle.deleteMany({});
});

describe("signInWithThrottle", () => {
  it("slows down failures past slowAfter, locks at lockAfter (even the right password), and unlocks after lockMs", async () => {
    const email = await makeUser("lock");
    sleeps.length = 0;
    for (let i = 1; i < P.email.lockAfter; i++) {
      expect(await signInWithThrottle({ email, password: `wrong-${i}` }, undefined, options)).toEqual({ ok: false, reason: "invalid" });
      clock += 1000;
    }
    // Attempts after the 3rd failure waited 250, 500, ... ms.
    expect(sleeps).toEqual([250, 500, 750, 1000, 1250, 1500]);
    const locking = await signInWithThrottle({ email, password: "wrong-last" }, undefined, options);
    expect(locking).toEqual({ ok: false, reason: "locked", retryAfterS: P.lockMs / 1000 });
    clock += 60_000;
    expect(await signInWithThrottle({ email, password: PASSWORD }, undefined, options)).toEqual({
      ok: false,
      reason: "locked",
      retryAfterS: P.lockMs / 1000 - 60,
    });
    clock += P.lockMs;
    const after = await signInWithThrottle({ email, password: PASSWORD }, undefined, options);
    expect(after.ok).toBe(true);
  });

  it("a success clears the email's count; failures older than the window are forgotten", async () => {
    const email = await makeUser("reset");
    for (let i = 0; i < P.email.lockAfter - 1; i++) await signInWithThrottle({ email, password: "nope" }, undefined, options);
    expect((await db.signInThrottle.findUnique({ where: { key: throttleKey("email", email) } }))?.failures).toBe(P.email.lockAfter - 1);
    expect((await signInWithThrottle({ email, password: PASSWORD }, undefined, options)).ok).toBe(true);
    expect(await db.signInThrottle.findUnique({ where: { key: throttleKey("email", email) } })).toBeNull();

    for (let i = 0; i < P.email.lockAfter - 1; i++) await signInWithThrottle({ email, password: "nope" }, undefined, options);
    clock += P.windowMs;
    expect(await signInWithThrottle({ email, password: "nope" }, undefined, options)).toEqual({ ok: false, reason: "invalid" });
    expect((await db.signInThrottle.findUnique({ where: { key: throttleKey("email", email) } }))?.failures).toBe(1);
  });

  it("counts unknown emails like known ones (the answers do not tell them apart)", async () => {
    const email = `nobody-${run}@example.com`;
    let last;
    for (let i = 0; i < P.email.lockAfter; i++) last = await signInWithThrottle({ email, password: "nope" }, undefined, options);
    expect(last).toEqual({ ok: false, reason: "locked", retryAfterS: P.lockMs / 1000 });
  });

  it("locks a client address that fails across many emails, and only that address", async () => {
    // A smaller address limit than the default 50, so the test spends fewer bcrypt comparisons.
    const policy = { ...P, address: { slowAfter: 2, lockAfter: 6 } };
    const opts = { ...options, policy };
    const address = `198.51.100.${Math.floor(Math.random() * 200) + 1}`;
    let last;
    for (let i = 0; i < policy.address.lockAfter; i++)
      last = await signInWithThrottle({ email: `spray-${i}-${run}@example.com`, password: "nope" }, address, opts);
    expect(last).toEqual({ ok: false, reason: "locked", retryAfterS: P.lockMs / 1000 });
    // A real user from that address is refused too; from another address they get in.
    const email = await makeUser("victim");
    expect(await signInWithThrottle({ email, password: PASSWORD }, address, opts)).toMatchObject({ ok: false, reason: "locked" });
    expect((await signInWithThrottle({ email, password: PASSWORD }, "203.0.113.9", opts)).ok).toBe(true);
    // A success does not clear the address (only its email).
    expect(await db.signInThrottle.findUnique({ where: { key: throttleKey("address", address) } })).not.toBeNull();
  });

  it("counts concurrent failures exactly (one statement per failure)", async () => {
    const key = throttleKey("email", `concurrent-${run}@example.com`);
    await Promise.all(Array.from({ length: 20 }, () => recordFailure(db, key, { slowAfter: 3, lockAfter: 1000 }, P, clock)));
    expect((await db.signInThrottle.findUnique({ where: { key } }))?.failures).toBe(20);
  });

  it("prunes rows untouched for a day", async () => {
    const key = throttleKey("email", `stale-${run}@example.com`);
    await recordFailure(db, key, P.email, P, clock - 2 * 24 * 60 * 60_000);
    expect(await pruneThrottle(db, clock)).toBeGreaterThanOrEqual(1);
    expect(await db.signInThrottle.findUnique({ where: { key } })).toBeNull();
  });
});
