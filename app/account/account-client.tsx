"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition, type FormEvent } from "react";
import type { ServerAction } from "@/lib/http/action-result";
import { withSignIn } from "@/lib/http/signed-out";
import { Button, Field, FormError } from "@/components/ui";

type ChangeNameAction = ServerAction<{ name: string }, { name: string }>;
type ChangePasswordAction = ServerAction<{ currentPassword: string; newPassword: string; confirmPassword: string }, { endedSessions: number }>;

function Notice({ message, testId }: { message: string | null; testId: string }) {
  if (!message) return null;
  return (
    <div data-testid={testId} role="status" className="rounded-md border border-success/30 bg-success/10 px-3 py-2 text-sm text-success">
      {message}
    </div>
  );
}

/** The display name, saved on submit. */
export function ChangeNameForm({ name, change }: { name: string; change: ChangeNameAction }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <form
      noValidate
      className="space-y-3"
      onSubmit={(e: FormEvent<HTMLFormElement>) => {
        e.preventDefault();
        const value = String(new FormData(e.currentTarget).get("name") ?? "");
        setError(null);
        setSaved(null);
        startTransition(async () => {
          const result = await withSignIn(change)({ name: value });
          if (!result.ok) setError(result.issues?.[0]?.message ?? result.message);
          else {
            setSaved(`Name saved: ${result.data.name}`);
            router.refresh();
          }
        });
      }}
    >
      <FormError message={error} testId="name-error" />
      <Notice message={saved} testId="name-saved" />
      <Field label="Name" name="name" defaultValue={name} autoComplete="name" required />
      <Button type="submit" variant="primary" disabled={pending}>
        {pending ? "Saving…" : "Save name"}
      </Button>
    </form>
  );
}

type PasswordErrors = Partial<Record<"currentPassword" | "newPassword" | "confirmPassword", string>>;

/** Current password + the new one twice; other sessions end. */
export function ChangePasswordForm({ change }: { change: ChangePasswordAction }) {
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<PasswordErrors>({});
  const [saved, setSaved] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <form
      noValidate
      className="space-y-3"
      onSubmit={(e: FormEvent<HTMLFormElement>) => {
        e.preventDefault();
        const form = e.currentTarget;
        const data = new FormData(form);
        const input = {
          currentPassword: String(data.get("currentPassword") ?? ""),
          newPassword: String(data.get("newPassword") ?? ""),
          confirmPassword: String(data.get("confirmPassword") ?? ""),
        };
        setError(null);
        setSaved(null);
        setFieldErrors({});
        startTransition(async () => {
          const result = await withSignIn(change)(input);
          if (!result.ok) {
            const next: PasswordErrors = {};
            for (const issue of result.issues ?? []) {
              const key = issue.path.split(".")[0];
              if ((key === "currentPassword" || key === "newPassword" || key === "confirmPassword") && !next[key]) next[key] = issue.message;
            }
            setFieldErrors(next);
            setError(result.message);
            return;
          }
          form.reset();
          const ended = result.data.endedSessions;
          setSaved(`Password changed. ${ended === 0 ? "No other session was open." : `${ended} other session${ended === 1 ? " was" : "s were"} signed out.`}`);
        });
      }}
    >
      <FormError message={error} testId="password-error" />
      <Notice message={saved} testId="password-saved" />
      <Field label="Current password" name="currentPassword" type="password" autoComplete="current-password" required error={fieldErrors.currentPassword} />
      <Field
        label="New password"
        name="newPassword"
        type="password"
        autoComplete="new-password"
        required
        error={fieldErrors.newPassword}
        hint="At least 8 characters."
      />
      <Field label="Repeat new password" name="confirmPassword" type="password" autoComplete="new-password" required error={fieldErrors.confirmPassword} />
      <Button type="submit" variant="primary" disabled={pending}>
        {pending ? "Changing…" : "Change password"}
      </Button>
    </form>
  );
}
