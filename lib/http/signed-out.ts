// What a client component does with an action result that says the session is gone. No imports:
// client bundles load it (lib/http/action-result.ts is server code).

/** The result shape `defineAction` answers when there is no session (signed out or expired). */
export interface SignedOutFailure {
  ok: false;
  code: "unauthenticated";
  message: string;
}

/** Whether an action result says the session is gone. */
export function isSignedOutResult(result: unknown): result is SignedOutFailure {
  return (
    typeof result === "object" && result !== null && (result as { ok?: unknown }).ok === false && (result as { code?: unknown }).code === "unauthenticated"
  );
}

/**
 * The sign-in page with a way back: `/signin?callbackUrl=<path>`, `path` being the page the user
 * was on (a same-site path; anything else comes back to "/", as app/signin/page.tsx also insists).
 */
export function signInRedirectPath(returnTo: string): string {
  const safe = returnTo.startsWith("/") && !returnTo.startsWith("//") && !returnTo.startsWith("/\\") ? returnTo : "/";
  return `/signin?callbackUrl=${encodeURIComponent(safe)}`;
}

/**
 * Call on every server action result in the browser: when it says the session is gone, goes to the
 * sign-in page, which brings the user back to this page after signing in. Returns the result
 * unchanged (its message, "You are signed out...", shows until the sign-in page loads).
 */
export function followSignedOut<R>(result: R): R {
  if (isSignedOutResult(result) && typeof window !== "undefined") {
    const here = `${window.location.pathname}${window.location.search}${window.location.hash}`;
    window.location.assign(signInRedirectPath(here));
  }
  return result;
}

/** `action` whose results go through `followSignedOut` (for a call site: `await withSignIn(save)(input)`). */
export function withSignIn<A extends (...args: never[]) => Promise<unknown>>(action: A): A {
  return (async (...args: Parameters<A>) => followSignedOut(await action(...args))) as A;
}
