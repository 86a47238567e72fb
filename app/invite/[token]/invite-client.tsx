"use client";

import { signIn, signOut } from "next-auth/react";
import { useState, useTransition, type FormEvent } from "react";
import type { ServerAction } from "@/lib/http/action-result";
import { INVALID_CREDENTIALS_MESSAGE } from "@/lib/users/credentials";
import { Button, Field, FormError } from "@/components/ui";

type AcceptAction = ServerAction<{ token: string }, { projectSlug: string }>;
type CreateAction = ServerAction<{ token: string; name: string; password: string; confirmPassword: string }, { email: string; projectSlug: string }>;

// Full navigation (not the client router) so every server component renders with the new session cookie.
const navigate = (path: string) => window.location.assign(new URL(path, window.location.origin).href);
const openProject = (slug: string) => navigate(`/p/${slug}/prompts`);

/** Signed in as the invited email: one button joins. */
export function AcceptAsSignedIn({ token, email, accept }: { token: string; email: string; accept: AcceptAction }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <div className="space-y-4">
      <FormError message={error} testId="invite-error" />
      <p className="text-sm text-fg-muted">You are signed in as {email}.</p>
      <Button
        variant="primary"
        className="w-full"
        disabled={pending}
        data-testid="accept-invitation"
        onClick={() =>
          startTransition(async () => {
            const result = await accept({ token });
            if (result.ok) openProject(result.data.projectSlug);
            else setError(result.message);
          })
        }
      >
        {pending ? "Joining…" : "Join project"}
      </Button>
    </div>
  );
}

/** The invited email has an account: sign in with its password, and the invitation is accepted. */
export function SignInAndAccept({ token, email, accept }: { token: string; email: string; accept: AcceptAction }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(form: HTMLFormElement) {
    const password = String(new FormData(form).get("password") ?? "");
    if (!password) {
      setError("Enter your password");
      return;
    }
    setError(null);
    setPending(true);
    try {
      const signedIn = await signIn("credentials", { email, password, redirect: false });
      if (!signedIn || signedIn.error || !signedIn.ok) {
        setError(INVALID_CREDENTIALS_MESSAGE);
        setPending(false);
        return;
      }
      const result = await accept({ token });
      if (result.ok) openProject(result.data.projectSlug);
      else {
        setError(result.message);
        setPending(false);
      }
    } catch {
      setError("Could not reach the server. Try again.");
      setPending(false);
    }
  }

  return (
    <form
      noValidate
      className="space-y-4"
      onSubmit={(e: FormEvent<HTMLFormElement>) => {
        e.preventDefault();
        void submit(e.currentTarget);
      }}
    >
      <FormError message={error} testId="invite-error" />
      <p className="text-sm text-fg-muted">You already have a Promptdeck account: sign in to accept.</p>
      <Field label="Email" name="email" type="email" value={email} readOnly />
      <Field label="Password" name="password" type="password" autoComplete="current-password" autoFocus required />
      <Button type="submit" variant="primary" className="w-full" disabled={pending} data-testid="accept-invitation">
        {pending ? "Joining…" : "Sign in and join"}
      </Button>
    </form>
  );
}

type NewAccountErrors = Partial<Record<"name" | "password" | "confirmPassword", string>>;

/** A new person: name and password create the account, then they are signed in and land in the project. */
export function NewAccountForm({ token, email, create }: { token: string; email: string; create: CreateAction }) {
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<NewAccountErrors>({});
  const [pending, setPending] = useState(false);

  async function submit(form: HTMLFormElement) {
    const data = new FormData(form);
    const input = {
      token,
      name: String(data.get("name") ?? ""),
      password: String(data.get("password") ?? ""),
      confirmPassword: String(data.get("confirmPassword") ?? ""),
    };
    setError(null);
    setFieldErrors({});
    setPending(true);
    try {
      const result = await create(input);
      if (!result.ok) {
        const next: NewAccountErrors = {};
        for (const issue of result.issues ?? []) {
          const key = issue.path.split(".")[0];
          if ((key === "name" || key === "password" || key === "confirmPassword") && !next[key]) next[key] = issue.message;
        }
        setFieldErrors(next);
        setError(result.message);
        setPending(false);
        return;
      }
      const signedIn = await signIn("credentials", { email: result.data.email, password: input.password, redirect: false });
      if (!signedIn || signedIn.error || !signedIn.ok) {
        navigate(`/signin?callbackUrl=${encodeURIComponent(`/p/${result.data.projectSlug}/prompts`)}`);
        return;
      }
      openProject(result.data.projectSlug);
    } catch {
      setError("Could not reach the server. Try again.");
      setPending(false);
    }
  }

  return (
    <form
      noValidate
      className="space-y-4"
      onSubmit={(e: FormEvent<HTMLFormElement>) => {
        e.preventDefault();
        void submit(e.currentTarget);
      }}
    >
      <FormError message={error} testId="invite-error" />
      <Field label="Email" name="email" type="email" value={email} readOnly hint="Your sign-in email, as invited." />
      <Field label="Your name" name="name" autoComplete="name" autoFocus required error={fieldErrors.name} />
      <Field label="Password" name="password" type="password" autoComplete="new-password" required error={fieldErrors.password} hint="At least 8 characters." />
      <Field label="Repeat password" name="confirmPassword" type="password" autoComplete="new-password" required error={fieldErrors.confirmPassword} />
      <Button type="submit" variant="primary" className="w-full" disabled={pending} data-testid="accept-invitation">
        {pending ? "Creating your account…" : "Create account and join"}
      </Button>
    </form>
  );
}

/** Signed in as someone else: sign out and come back to this page. */
export function SignOutAndReturn() {
  const [busy, setBusy] = useState(false);
  return (
    <Button
      type="button"
      disabled={busy}
      onClick={() => {
        setBusy(true);
        void signOut({ redirect: false }).then(() => window.location.reload());
      }}
    >
      {busy ? "Signing out…" : "Sign out"}
    </Button>
  );
}
