"use client";

import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";
import { credentialsSchema, signInErrorMessage } from "@/lib/users/credentials";
import { Button, Field, FormError } from "@/components/ui";

type FieldErrors = Partial<Record<"email" | "password", string>>;

export function SignInForm({
  callbackUrl,
  initialError,
  sso,
}: {
  callbackUrl: string;
  initialError: string | null;
  /** The single sign-on provider, when configured. */
  sso: { id: string; name: string } | null;
}) {
  const [error, setError] = useState<string | null>(initialError);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [pending, setPending] = useState(false);

  async function submit(form: HTMLFormElement) {
    const data = new FormData(form);
    const parsed = credentialsSchema.safeParse({ email: data.get("email") ?? "", password: data.get("password") ?? "" });
    if (!parsed.success) {
      const next: FieldErrors = {};
      for (const issue of parsed.error.issues) {
        const key = issue.path[0];
        if ((key === "email" || key === "password") && !next[key]) next[key] = issue.message;
      }
      setFieldErrors(next);
      setError("Check the highlighted fields.");
      return;
    }
    setFieldErrors({});
    setError(null);
    setPending(true);
    try {
      const result = await signIn("credentials", { ...parsed.data, redirect: false });
      if (!result || result.error || !result.ok) {
        // A lock says how long to wait (locked:<seconds>); anything else is the one invalid-credentials message.
        setError(signInErrorMessage(result?.error));
        setPending(false);
        return;
      }
      // Full navigation so every server component renders with the new session cookie.
      window.location.assign(callbackUrl);
    } catch {
      setError("Could not reach the server. Try again.");
      setPending(false);
    }
  }

  async function signInWithSso(provider: string) {
    setError(null);
    setPending(true);
    try {
      // Navigates to the identity provider; it sends the browser back to /api/auth/callback/<id>.
      await signIn(provider, { callbackUrl });
    } catch {
      setError("Could not reach the server. Try again.");
      setPending(false);
    }
  }

  return (
    <>
      <form
        noValidate
        className="space-y-4"
        onSubmit={(e: FormEvent<HTMLFormElement>) => {
          e.preventDefault();
          void submit(e.currentTarget);
        }}
      >
        <FormError message={error} testId="signin-error" />
        <Field label="Email" name="email" type="email" autoComplete="email" autoFocus required error={fieldErrors.email} />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required error={fieldErrors.password} />
        <Button type="submit" variant="primary" className="w-full" disabled={pending}>
          {pending ? "Signing in…" : "Sign in"}
        </Button>
      </form>
      {sso ? (
        <div className="mt-5">
          <div className="mb-4 flex items-center gap-3 text-xs text-fg-muted" aria-hidden="true">
            <span className="h-px flex-1 bg-border" />
            or
            <span className="h-px flex-1 bg-border" />
          </div>
          <Button type="button" className="w-full" disabled={pending} onClick={() => void signInWithSso(sso.id)} data-testid="sso-signin">
            Sign in with {sso.name}
          </Button>
        </div>
      ) : null}
    </>
  );
}
