import type { NextAuthOptions } from "next-auth";
import type { OAuthConfig } from "next-auth/providers/oauth";
import CredentialsProvider from "next-auth/providers/credentials";
import { authSecret, oidcSettings, type OidcSettings } from "@/lib/env";
import { childLogger } from "@/lib/logger";
import { clientAddressFromHeaders } from "@/lib/auth/client-address";
import { credentialsSchema, lockedErrorCode } from "@/lib/users/credentials";
import { signInWithThrottle } from "@/lib/users/sign-in-throttle";
import { identityFromClaims, linkedUserId, resolveSsoSignIn } from "@/lib/users/sso";
import { endSession, SESSION_MAX_AGE_S, startSession } from "@/lib/users/sessions";

const log = childLogger({ component: "auth" });

/** next-auth's id of the single sign-on provider; its callback is /api/auth/callback/oidc. */
export const OIDC_PROVIDER_ID = "oidc";

/** Where a refused single sign-on lands (app/signin/refused). */
const REFUSED_PATH = "/signin/refused";

/**
 * The OpenID Connect provider: discovery from the issuer, authorization code flow with PKCE,
 * state and nonce; the ID token is verified by openid-client. Claims the ID token lacks (some
 * providers put email only in userinfo) are read from the userinfo endpoint, which openid-client
 * checks belongs to the same subject.
 */
function oidcProvider(settings: OidcSettings): OAuthConfig<Record<string, unknown>> {
  return {
    id: OIDC_PROVIDER_ID,
    name: settings.name,
    type: "oauth",
    wellKnown: `${settings.issuer}/.well-known/openid-configuration`,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    authorization: { params: { scope: "openid email profile" } },
    idToken: true,
    checks: ["pkce", "state", "nonce"],
    userinfo: {
      async request({ tokens, client }) {
        // With idToken: true next-auth hands over openid-client's TokenSet, whose ID token it verified.
        const verified = "claims" in tokens && typeof tokens.claims === "function" ? (tokens.claims as () => unknown)() : undefined;
        const claims: Record<string, unknown> = verified && typeof verified === "object" ? { ...(verified as Record<string, unknown>) } : {};
        if ((claims.email === undefined || claims.email_verified === undefined) && tokens.access_token) {
          try {
            const info = await client.userinfo(tokens.access_token);
            // Userinfo only fills gaps, and only when it speaks for the same subject.
            if (info.sub === claims.sub) return { ...info, ...claims };
            log.warn("single sign-on: userinfo answered for another subject; using the ID token's claims only");
          } catch (err) {
            log.warn({ err }, "single sign-on: the userinfo request failed; using the ID token's claims only");
          }
        }
        return claims;
      },
    },
    profile(claims) {
      const identity = identityFromClaims(OIDC_PROVIDER_ID, claims);
      if (!identity) throw new TypeError("the identity provider's claims have no subject");
      return { id: identity.subject, name: identity.name, email: identity.email };
    },
  };
}

const sso = oidcSettings();

/**
 * next-auth v4 configuration: email + password (credentials provider, under the brute-force
 * limits of lib/users/sign-in-throttle.ts) and, when AUTH_OIDC_* are set, OpenID Connect single
 * sign-on (accounts resolved by lib/users/sso.ts). JWT sessions, as the credentials provider
 * requires. The token carries only the user id (`sub`); everything else, including roles, is read
 * from the database on each request so a role change applies at once.
 * Each sign-in opens a `Session` row whose id the token carries as `sid` (lib/users/sessions.ts):
 * deleting the row (sign-out, a password change elsewhere) ends that browser's session at once.
 */
export const authOptions: NextAuthOptions = {
  secret: authSecret(),
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S, updateAge: 24 * 60 * 60 },
  pages: { signIn: "/signin", error: "/signin" },
  providers: [
    CredentialsProvider({
      id: "credentials",
      name: "Email and password",
      credentials: {
        email: { label: "Email", type: "email" },
        password: { label: "Password", type: "password" },
      },
      async authorize(raw, req) {
        const parsed = credentialsSchema.safeParse(raw ?? {});
        if (!parsed.success) return null;
        const outcome = await signInWithThrottle(parsed.data, clientAddressFromHeaders(req.headers));
        if (outcome.ok) return { id: outcome.user.id, email: outcome.user.email, name: outcome.user.name };
        // next-auth answers a thrown error with ?error=<message>; the form shows how long to wait.
        if (outcome.reason === "locked") throw new Error(lockedErrorCode(outcome.retryAfterS));
        return null;
      },
    }),
    ...(sso ? [oidcProvider(sso)] : []),
  ],
  callbacks: {
    async signIn({ account, profile }) {
      if (account?.provider !== OIDC_PROVIDER_ID || !sso) return true;
      const identity = identityFromClaims(OIDC_PROVIDER_ID, profile);
      if (!identity) return "/signin?error=OAuthCallback";
      const result = await resolveSsoSignIn(identity, { allowedDomains: sso.allowedDomains, defaultProject: sso.defaultProject });
      return result.ok ? true : `${REFUSED_PATH}?reason=${result.reason}`;
    },
    async jwt({ token, user, account }) {
      if (account?.type === "oauth") {
        // The Promptdeck user the identity was linked to by the signIn callback above.
        const userId = await linkedUserId(account.provider, account.providerAccountId);
        if (!userId) throw new Error("the signed-in identity is linked to no user");
        token.sub = userId;
      } else if (user) {
        token.sub = user.id;
      }
      // A sign-in (either provider) opens the session row the token names from now on.
      if ((account || user) && token.sub) token.sid = await startSession(token.sub);
      return token;
    },
    session({ session, token }) {
      if (token.sub) session.user = { ...session.user, id: token.sub };
      // The row id alone signs nobody in (the JWT is what is signed); getSessionUser checks it.
      if (token.sid) session.sid = token.sid;
      return session;
    },
  },
  events: {
    async signOut({ token }) {
      if (typeof token?.sid === "string") await endSession(token.sid);
    },
  },
};

/** The single sign-on button's provider id and label, or null when SSO is not configured. */
export function ssoButton(): { id: string; name: string } | null {
  return sso ? { id: OIDC_PROVIDER_ID, name: sso.name } : null;
}
