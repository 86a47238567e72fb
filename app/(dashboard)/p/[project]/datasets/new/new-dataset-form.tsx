"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { Button, Card, Field, FormError } from "@/components/ui";
import type { InProject, ServerAction } from "@/lib/http/action-result";
import { createDatasetSchema, type CreateDatasetInput } from "@/lib/datasets/schemas";
import { withSignIn } from "@/lib/http/signed-out";

export function NewDatasetForm({ project, create }: { project: string; create: ServerAction<InProject<CreateDatasetInput>, { name: string }> }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [issues, setIssues] = useState<Record<string, string>>({});

  function submit(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    const parsed = createDatasetSchema.safeParse({ name, description });
    if (!parsed.success) {
      setIssues(Object.fromEntries(parsed.error.issues.map((i) => [i.path.join("."), i.message])));
      return;
    }
    setIssues({});
    startTransition(async () => {
      const result = await withSignIn(create)({ project, ...parsed.data });
      if (result.ok) router.push(`/p/${project}/datasets/${encodeURIComponent(result.data.name)}`);
      else {
        setError(result.message);
        setIssues(Object.fromEntries((result.issues ?? []).map((i) => [i.path, i.message])));
      }
    });
  }

  return (
    <Card className="max-w-xl p-5">
      <form onSubmit={submit} className="space-y-4" data-testid="new-dataset-form" noValidate>
        <Field
          label="Name"
          name="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={issues.name}
          hint="Letters, digits, . _ - (used in URLs and the API)"
          autoFocus
        />
        <div className="space-y-1">
          <label htmlFor="field-description" className="block text-xs font-medium text-fg">
            Description
          </label>
          <textarea
            id="field-description"
            name="description"
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            rows={3}
            className="block w-full rounded-md border border-border bg-surface px-2.5 py-2 text-sm text-fg focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none"
          />
          {issues.description ? <p className="text-xs text-danger">{issues.description}</p> : null}
        </div>
        <FormError message={error} />
        <Button type="submit" variant="primary" disabled={pending} data-testid="create-dataset">
          {pending ? "Creating…" : "Create dataset"}
        </Button>
      </form>
    </Card>
  );
}
