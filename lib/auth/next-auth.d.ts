import type { DefaultSession } from "next-auth";

declare module "next-auth" {
  interface Session {
    user: { id: string } & DefaultSession["user"];
    /** The `Session` row of this sign-in (server-side check in lib/auth/session.ts). */
    sid?: string;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    /** The `Session` row of this sign-in (lib/users/sessions.ts); a token without a live row is signed out. */
    sid?: string;
  }
}
