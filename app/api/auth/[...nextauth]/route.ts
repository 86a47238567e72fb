import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";

const nextAuth = NextAuth(authOptions) as (request: Request, context: unknown) => Promise<Response>;

/** The names next-auth gives its callback-URL cookie (plain and on https). */
const CALLBACK_COOKIES = ["next-auth.callback-url", "__Secure-next-auth.callback-url"];

/** next-auth's own rule for a callback URL: a path, or an absolute http(s) URL. */
function isCallbackUrl(value: string): boolean {
  if (value.startsWith("/")) return !value.startsWith("//");
  try {
    return /^https?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
}

function cookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return part.slice(i + 1).trim();
      }
    }
  }
  return undefined;
}

/**
 * What next-auth would answer with a 500 ("a problem with the server configuration") or a thrown
 * error although the caller is at fault: a callback URL (query or cookie) that is not a path or an
 * http(s) URL, a JSON body that does not parse. Null when the request may go on.
 */
async function badAuthRequest(request: Request): Promise<string | null> {
  const callbackUrl = new URL(request.url).searchParams.get("callbackUrl");
  if (callbackUrl !== null && callbackUrl !== "" && !isCallbackUrl(callbackUrl)) return "callbackUrl must be a path on this site or an http(s) URL";
  for (const name of CALLBACK_COOKIES) {
    const value = cookie(request, name);
    if (value && !isCallbackUrl(value)) return `The ${name} cookie must hold a path on this site or an http(s) URL`;
  }
  if (request.method === "POST" && (request.headers.get("content-type") ?? "").includes("application/json")) {
    try {
      await request.clone().json();
    } catch {
      return "The request body is not valid JSON";
    }
  }
  return null;
}

async function handler(request: Request, context: unknown): Promise<Response> {
  const problem = await badAuthRequest(request);
  if (problem) return Response.json({ error: { code: "bad_request", message: problem } }, { status: 400, headers: { "Cache-Control": "no-store" } });
  return nextAuth(request, context);
}

// GET|POST /api/auth/* - next-auth: csrf, session, credentials callback, sign-out.
export { handler as GET, handler as POST };
