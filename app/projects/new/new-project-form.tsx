"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import type { ServerAction } from "@/lib/http/action-result";
import { withSignIn } from "@/lib/http/signed-out";
import { slugify } from "@/lib/projects/slug";
import { Button, Field, FormError } from "@/components/ui";

type FieldName = "name" | "slug";

/** Name and slug (derived from the name until edited); field problems shown under their field. */
export function NewProjectForm({ create }: { create: ServerAction<{ name: string; slug?: string }, { slug: string }> }) {
  const router = useRouter();
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [slugEdited, setSlugEdited] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<FieldName, string>>>({});

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    setFieldErrors({});
    const result = await withSignIn(create)({ name, ...(slug.trim() ? { slug: slug.trim() } : {}) });
    if (!result.ok) {
      const byField: Partial<Record<FieldName, string>> = {};
      for (const issue of result.issues ?? []) {
        const field = issue.path.split(".")[0] as FieldName;
        if ((field === "name" || field === "slug") && !byField[field]) byField[field] = issue.message;
      }
      setFieldErrors(byField);
      setError(result.message);
      setPending(false);
      return;
    }
    router.push(`/p/${result.data.slug}/prompts`);
    router.refresh();
  }

  return (
    <form className="space-y-4" onSubmit={(e) => void submit(e)} data-testid="new-project-form" noValidate>
      <Field
        label="Project name"
        name="name"
        value={name}
        maxLength={200}
        autoFocus
        error={fieldErrors.name}
        onChange={(e) => {
          setName(e.target.value);
          if (!slugEdited) setSlug(slugify(e.target.value));
        }}
        data-testid="new-project-name"
      />
      <Field
        label="Slug (in URLs and the API)"
        name="slug"
        value={slug}
        maxLength={200}
        error={fieldErrors.slug}
        hint="Lowercase letters, digits and dashes; it cannot be changed later."
        onChange={(e) => {
          setSlugEdited(true);
          setSlug(e.target.value);
        }}
        data-testid="new-project-slug"
      />
      <FormError message={error} testId="new-project-error" />
      <Button type="submit" variant="primary" className="w-full" disabled={pending} data-testid="new-project-submit">
        {pending ? "Creating…" : "Create project"}
      </Button>
    </form>
  );
}
