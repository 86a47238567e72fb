import { z } from "zod";
import { getDb } from "@/lib/db/client";
import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import { childLogger } from "@/lib/logger";

const log = childLogger({ component: "sso" });

/**
 * Single sign-on (OpenID Connect) account rules, framework-free: which Promptdeck user an
 * identity from the provider signs in as, when it may create one, and when it is refused.
 * The next-auth glue is lib/auth/options.ts.
 */

/** What the sign-in needs from the provider's (validated) ID token and userinfo claims. */
export const oidcClaimsSchema = z.object({
  sub: z.string().min(1).max(255),
  email: z.string().trim().toLowerCase().max(320).pipe(z.email()).optional().catch(undefined),
  // Some providers send the flag as a string.
  email_verified: z
    .union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")])
    .optional()
    .catch(undefined),
  name: z.string().trim().max(200).optional().catch(undefined),
  preferred_username: z.string().trim().max(200).optional().catch(undefined),
});

export interface OidcIdentity {
  /** next-auth's provider id ("oidc"). */
  provider: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

/** The identity in `claims`, or null when they have no usable subject. */
export function identityFromClaims(provider: string, claims: unknown): OidcIdentity | null {
  const parsed = oidcClaimsSchema.safeParse(claims);
  if (!parsed.success) return null;
  const c = parsed.data;
  return {
    provider,
    subject: c.sub,
    email: c.email ?? null,
    emailVerified: c.email_verified === true,
    name: c.name || c.preferred_username || null,
  };
}

export interface SsoPolicy {
  /** Lowercase email domains whose new users may sign up; empty: any verified email. */
  allowedDomains: readonly string[];
  /** Slug of the project new users join as VIEWER. */
  defaultProject?: string | undefined;
}

export type SsoRefusal = "no_email" | "unverified_email" | "domain_not_allowed";

export type SsoSignInResult = { ok: true; userId: string; created: boolean; linked: boolean } | { ok: false; reason: SsoRefusal };

/** The domain of an email address (lowercase). */
export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf("@") + 1).toLowerCase();
}

/** Whether a new user with this email may sign up under the policy (exact domain match). */
export function domainAllowed(email: string, policy: SsoPolicy): boolean {
  return policy.allowedDomains.length === 0 || policy.allowedDomains.includes(emailDomain(email));
}

/** The text the refusal page shows for each reason. */
export const SSO_REFUSAL_MESSAGES: Record<SsoRefusal, string> = {
  no_email: "Your identity provider did not share an email address, which Promptdeck needs to identify you. Ask your administrator to release the email claim.",
  unverified_email:
    "Your identity provider has not verified your email address, and Promptdeck signs in only verified addresses through single sign-on. Verify it with your provider, or sign in with your password.",
  domain_not_allowed:
    "Single sign-on is open to the email domains your administrator allowed, and yours is not one of them. Ask an administrator of this Promptdeck to invite you.",
};

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

/**
 * Resolves a sign-in from the identity provider:
 * 1. an identity linked before signs in as its user;
 * 2. an existing user with the same email is linked, but only when the provider verified the
 *    email (an unverified claim never takes over a password account);
 * 3. otherwise a new user is created when the email is verified and its domain allowed (with no
 *    domain list, the provider alone decides who may sign in) and joins the default project as
 *    VIEWER (an audit event records it).
 * Concurrent first sign-ins of one identity end with one user (the loser re-reads the winner's).
 */
export async function resolveSsoSignIn(identity: OidcIdentity, policy: SsoPolicy, db: PrismaClient = getDb()): Promise<SsoSignInResult> {
  try {
    return await resolveOnce(identity, policy, db);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return resolveOnce(identity, policy, db);
  }
}

async function resolveOnce(identity: OidcIdentity, policy: SsoPolicy, db: PrismaClient): Promise<SsoSignInResult> {
  const linked = await linkedUserId(identity.provider, identity.subject, db);
  if (linked) return { ok: true, userId: linked, created: false, linked: false };
  if (!identity.email) return { ok: false, reason: "no_email" };
  if (!identity.emailVerified) return { ok: false, reason: "unverified_email" };
  const email = identity.email;
  const account = { type: "oauth", provider: identity.provider, providerAccountId: identity.subject };

  const existing = await db.user.findUnique({ where: { email }, select: { id: true, emailVerified: true } });
  if (existing) {
    await db.$transaction([
      db.account.create({ data: { ...account, userId: existing.id } }),
      ...(existing.emailVerified ? [] : [db.user.update({ where: { id: existing.id }, data: { emailVerified: new Date() } })]),
    ]);
    log.info({ userId: existing.id, provider: identity.provider }, "single sign-on linked to an existing user by verified email");
    return { ok: true, userId: existing.id, created: false, linked: true };
  }

  if (!domainAllowed(email, policy)) return { ok: false, reason: "domain_not_allowed" };
  const userId = await db.$transaction(async (tx) => {
    const user = await tx.user.create({ data: { email, name: identity.name, emailVerified: new Date(), accounts: { create: account } } });
    if (policy.defaultProject) {
      const project = await tx.project.findUnique({ where: { slug: policy.defaultProject }, select: { id: true } });
      if (project) {
        await tx.membership.create({ data: { userId: user.id, projectId: project.id, role: "VIEWER" } });
        await tx.auditEvent.create({
          data: {
            projectId: project.id,
            actorId: user.id,
            action: "member.join",
            targetType: "user",
            targetId: user.id,
            after: { email, role: "VIEWER", via: "sso" },
          },
        });
      } else {
        log.warn({ project: policy.defaultProject }, "AUTH_OIDC_DEFAULT_PROJECT names no project; the new user joined none");
      }
    }
    return user.id;
  });
  log.info({ userId, provider: identity.provider }, "single sign-on created a user");
  return { ok: true, userId, created: true, linked: false };
}

/** The user an identity is linked to, or null. */
export async function linkedUserId(provider: string, subject: string, db: PrismaClient = getDb()): Promise<string | null> {
  const account = await db.account.findUnique({
    where: { provider_providerAccountId: { provider, providerAccountId: subject } },
    select: { userId: true },
  });
  return account?.userId ?? null;
}
