import { z } from "zod";

/**
 * The sign-in form contract, shared by the sign-in page (to show input errors before a round
 * trip) and the credentials provider (which never trusts the client).
 */
export const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email("Enter a valid email address")),
  password: z.string().min(1, "Enter your password").max(1024, "Password is too long"),
});
export type Credentials = z.infer<typeof credentialsSchema>;

/** The one message shown for an unknown email or a wrong password (never say which). */
export const INVALID_CREDENTIALS_MESSAGE = "Invalid email or password";

/** The error code the sign-in endpoint answers for a locked email or address: `locked:<seconds>`. */
export const LOCKED_ERROR_PREFIX = "locked:";

export function lockedErrorCode(retryAfterS: number): string {
  return `${LOCKED_ERROR_PREFIX}${Math.max(1, Math.ceil(retryAfterS))}`;
}

/** "45 seconds", "1 minute", "15 minutes" (rounded up to whole minutes from a minute on). */
export function formatWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return s === 1 ? "1 second" : `${s} seconds`;
  const m = Math.ceil(s / 60);
  return m === 1 ? "1 minute" : `${m} minutes`;
}

/**
 * The message for a sign-in error code from next-auth (`error` of `signIn()` or the `?error=` of
 * /signin): a lock says how long to wait; single sign-on failures say so; anything else is the
 * one invalid-credentials message.
 */
export function signInErrorMessage(code: string | null | undefined): string {
  if (code?.startsWith(LOCKED_ERROR_PREFIX)) {
    const seconds = Number(code.slice(LOCKED_ERROR_PREFIX.length));
    if (Number.isFinite(seconds) && seconds > 0) return `Too many failed sign-in attempts. Try again in ${formatWait(seconds)}.`;
  }
  switch (code) {
    case "OAuthSignin":
      return "Single sign-on is not available right now: the identity provider could not be reached or is misconfigured. Try again later or sign in with your password.";
    case "OAuthCallback":
    case "Callback":
    case "OAuthCreateAccount":
      return "Single sign-on did not complete: the identity provider's answer could not be verified. Try again.";
    case "AccessDenied":
      return "Single sign-on was refused.";
    case "SessionRequired":
      return "Sign in to continue.";
    default:
      return INVALID_CREDENTIALS_MESSAGE;
  }
}
