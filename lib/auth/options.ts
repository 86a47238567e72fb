import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { authSecret } from "@/lib/env";
import { credentialsSchema } from "@/lib/users/credentials";
import { authenticateUser } from "@/lib/users/queries";
import { endSession, SESSION_MAX_AGE_S, startSession } from "@/lib/users/sessions";

/**
 * next-auth v4 configuration: email + password (credentials provider) with JWT sessions, as the
 * credentials provider requires. The token carries only the user id (`sub`); everything else,
 * including roles, is read from the database on each request so a role change applies at once.
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
      async authorize(raw) {
        const parsed = credentialsSchema.safeParse(raw ?? {});
        if (!parsed.success) return null;
        const user = await authenticateUser(parsed.data);
        return user ? { id: user.id, email: user.email, name: user.name } : null;
      },
    }),
  ],
  callbacks: {
    async jwt({ token, user }) {
      if (user) {
        token.sub = user.id;
        token.sid = await startSession(user.id);
      }
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
