"use client";

import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";
import { slugify } from "@/lib/projects/slug";
import { Button, Field, FormError } from "@/components/ui";
import { setupAction } from "./actions";

type Field = "name" | "email" | "password" | "projectName" | "projectSlug";
type FieldErrors = Partial<Record<Field, string>>;
const FIELDS: readonly Field[] = ["name", "email", "password", "projectName", "projectSlug"];

/** The first message per form field (issue paths are field names). */
function fieldErrorsOf(issues: readonly { path: string; message: string }[] = []): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const field = FIELDS.find((f) => f === issue.path.split(".")[0]);
    if (field && !errors[field]) errors[field] = issue.message;
  }
  return errors;
}

export function SetupForm() {
  const [formError, setFormError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [pending, setPending] = useState(false);
  const [projectName, setProjectName] = useState("");
  const [slugEdited, setSlugEdited] = useState(false);
  const [slug, setSlug] = useState("");

  async function submit(form: HTMLFormElement) {
    setPending(true);
    setFormError(null);
    const data = new FormData(form);
    try {
      const result = await setupAction(null, data);
      if (!result.ok) {
        setFieldErrors(fieldErrorsOf(result.issues));
        setFormError(result.message);
        setPending(false);
        return;
      }
      const signedIn = await signIn("credentials", {
        email: result.data.email,
        password: String(data.get("password") ?? ""),
        redirect: false,
      });
      window.location.assign(signedIn?.ok ? `/p/${result.data.projectSlug}/prompts` : "/signin");
    } catch {
      setFormError("Could not reach the server. Try again.");
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
      <FormError message={formError} testId="setup-error" />
      <Field label="Your name" name="name" autoComplete="name" required error={fieldErrors.name} />
      <Field label="Email" name="email" type="email" autoComplete="email" required error={fieldErrors.email} />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        minLength={8}
        hint="At least 8 characters."
        error={fieldErrors.password}
      />
      <div className="border-t border-border pt-4">
        <Field
          label="Project name"
          name="projectName"
          required
          placeholder="Acme Support"
          value={projectName}
          onChange={(e) => {
            setProjectName(e.target.value);
            if (!slugEdited) setSlug(slugify(e.target.value));
          }}
          error={fieldErrors.projectName}
        />
      </div>
      <Field
        label="Project slug"
        name="projectSlug"
        placeholder="acme-support"
        value={slug}
        onChange={(e) => {
          setSlugEdited(true);
          setSlug(e.target.value);
        }}
        hint={slug ? `URL: /p/${slug}` : "Used in URLs; derived from the name."}
        error={fieldErrors.projectSlug}
      />
      <Button type="submit" variant="primary" className="w-full" disabled={pending}>
        {pending ? "Creating…" : "Create account and project"}
      </Button>
    </form>
  );
}
