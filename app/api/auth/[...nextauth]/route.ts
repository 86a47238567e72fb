import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";

const handler = NextAuth(authOptions) as (request: Request, context: unknown) => Promise<Response>;

// GET|POST /api/auth/* - next-auth: csrf, session, credentials callback, sign-out.
export { handler as GET, handler as POST };
