import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { hashPassword } from "@/lib/users/password";
import { resolveSsoSignIn, type OidcIdentity } from "@/lib/users/sso";

// Single sign-on account rules against real PostgreSQL (lib/users/sso.ts); the browser flow with
// a real provider is tests/e2e/sso.spec.ts.
const db = getDb();
const run = Date.now().toString(36);
const slug = `sso-default-${run}`;
const policy = { allowedDomains: ["acme.test"], defaultProject: slug };
let projectId: string;

function identity(subject: string, email: string | null, emailVerified = true): OidcIdentity {
  return { provider: "oidc", subject: `${subject}-${run}`, email, emailVerified, name: `Name ${subject}` };
}

beforeAll(async () => {
  projectId = (await db.project.create({ data: { slug, name: "SSO default" } })).id;
});
afterAll(async () => {
  await db.project.delete({ where: { id: projectId } });
});

describe("resolveSsoSignIn", () => {
  it("creates a new user from an allowed domain, links the identity and adds them to the default project as VIEWER (audited)", async () => {
    const who = identity("new", `new-${run}@acme.test`);
    const result = await resolveSsoSignIn(who, policy, db);
    expect(result).toMatchObject({ ok: true, created: true, linked: false });
    if (!result.ok) return;
    const user = await db.user.findUniqueOrThrow({ where: { id: result.userId }, include: { accounts: true, memberships: true } });
    expect(user).toMatchObject({ email: who.email, name: "Name new", passwordHash: null });
    expect(user.emailVerified).toBeInstanceOf(Date);
    expect(user.accounts.map((a) => [a.type, a.provider, a.providerAccountId])).toEqual([["oauth", "oidc", who.subject]]);
    expect(user.memberships.map((m) => [m.projectId, m.role])).toEqual([[projectId, "VIEWER"]]);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { projectId, targetId: user.id } });
    expect(audit).toMatchObject({ action: "member.join", actorId: user.id, after: { email: who.email, role: "VIEWER", via: "sso" } });

    // The next sign-in finds the linked identity, even after the email changed at the provider.
    expect(await resolveSsoSignIn({ ...who, email: `renamed-${run}@elsewhere.test` }, policy, db)).toEqual({
      ok: true,
      userId: user.id,
      created: false,
      linked: false,
    });
  });

  it("refuses a new user outside the allowed domains, without an email, or with an unverified email, and creates nothing", async () => {
    const outsider = identity("outsider", `out-${run}@elsewhere.test`);
    expect(await resolveSsoSignIn(outsider, policy, db)).toEqual({ ok: false, reason: "domain_not_allowed" });
    expect(await resolveSsoSignIn(identity("no-email", null), policy, db)).toEqual({ ok: false, reason: "no_email" });
    expect(await resolveSsoSignIn(identity("unverified", `unverified-${run}@acme.test`, false), policy, db)).toEqual({ ok: false, reason: "unverified_email" });
    expect(await db.user.count({ where: { email: { in: [`out-${run}@elsewhere.test`, `unverified-${run}@acme.test`] } } })).toBe(0);
    expect(await db.account.count({ where: { providerAccountId: { startsWith: "outsider-" } } })).toBe(0);
  });

  it("links an existing password user by verified email only; an unverified claim takes over nothing", async () => {
    const email = `existing-${run}@elsewhere.test`;
    const existing = await db.user.create({ data: { email, passwordHash: await hashPassword("a-password-1") } });
    expect(await resolveSsoSignIn(identity("impostor", email, false), policy, db)).toEqual({ ok: false, reason: "unverified_email" });
    expect(await db.account.count({ where: { userId: existing.id } })).toBe(0);

    // Outside the allowed domains, but the account exists: the verified email links it.
    const owner = identity("owner", email);
    expect(await resolveSsoSignIn(owner, policy, db)).toEqual({ ok: true, userId: existing.id, created: false, linked: true });
    const after = await db.user.findUniqueOrThrow({ where: { id: existing.id }, include: { accounts: true, memberships: true } });
    expect(after.accounts.map((a) => a.providerAccountId)).toEqual([owner.subject]);
    expect(after.passwordHash).toBe(existing.passwordHash);
    expect(after.emailVerified).toBeInstanceOf(Date);
    // Linking joins no project (that is for new users).
    expect(after.memberships).toEqual([]);
  });

  it("with no domain list any verified email may sign up; a missing default project joins none", async () => {
    const who = identity("open", `open-${run}@anywhere.test`);
    const result = await resolveSsoSignIn(who, { allowedDomains: [], defaultProject: `missing-${run}` }, db);
    expect(result).toMatchObject({ ok: true, created: true });
    if (result.ok) expect(await db.membership.count({ where: { userId: result.userId } })).toBe(0);
  });

  it("concurrent first sign-ins of one identity end with one user and one link", async () => {
    const who = identity("race", `race-${run}@acme.test`);
    const results = await Promise.all([resolveSsoSignIn(who, policy, db), resolveSsoSignIn(who, policy, db), resolveSsoSignIn(who, policy, db)]);
    const ids = new Set(results.map((r) => (r.ok ? r.userId : null)));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toEqual(expect.any(String));
    expect(await db.user.count({ where: { email: who.email! } })).toBe(1);
    expect(await db.account.count({ where: { providerAccountId: who.subject } })).toBe(1);
  });
});
