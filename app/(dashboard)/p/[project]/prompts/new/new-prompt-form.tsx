"use client";

import { useActionState, useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import { Button, ButtonLink, Card, Field, FormError } from "@/components/ui";
import { promptPath } from "@/lib/prompts/paths";
import { followSignedOut } from "@/lib/http/signed-out";
import { createPromptAction } from "./actions";

export function NewPromptForm({ project }: { project: string }) {
  const router = useRouter();
  const [state, action, pending] = useActionState(createPromptAction, null);
  // Controlled, so a rejected submit keeps what was typed (React resets uncontrolled form fields).
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [tags, setTags] = useState("");
  const [kind, setKind] = useState<"PROMPT" | "SNIPPET">("PROMPT");
  useEffect(() => {
    followSignedOut(state);
    if (state?.ok) router.push(promptPath(project, state.data.name, "edit"));
  }, [state, router, project]);
  const nameError = state && !state.ok && /name/i.test(state.message) ? state.message : undefined;

  return (
    <Card className="max-w-xl p-5">
      <form action={action} className="space-y-4" data-testid="new-prompt-form">
        <input type="hidden" name="project" value={project} />
        <fieldset className="space-y-1">
          <legend className="block text-xs font-medium">Kind</legend>
          <div className="flex gap-4 text-sm">
            {(
              [
                ["PROMPT", "Prompt", "system blocks, turns, model: what apps fetch and run"],
                ["SNIPPET", "Snippet", "shared text blocks that prompts include, e.g. {{> policy@production}}"],
              ] as const
            ).map(([value, label, hint]) => (
              <label key={value} className="flex items-start gap-1.5">
                <input
                  type="radio"
                  name="kind"
                  value={value}
                  checked={kind === value}
                  onChange={() => setKind(value)}
                  className="mt-1"
                  data-testid={`kind-${value.toLowerCase()}`}
                />
                <span>
                  <span className="font-medium">{label}</span>
                  <span className="block text-xs text-fg-muted">{hint}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        <Field
          label="Name"
          name="name"
          required
          autoFocus
          autoComplete="off"
          spellCheck={false}
          placeholder="support/refund-triage"
          hint="Lowercase letter or digit first, then a-z, 0-9, '.', '_', '/', '-'; at most 128 characters. Apps fetch the prompt by this name; it cannot change later."
          error={nameError}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <div className="space-y-1">
          <label htmlFor="field-description" className="block text-xs font-medium">
            Description
          </label>
          <textarea
            id="field-description"
            name="description"
            rows={3}
            maxLength={2000}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            className="block w-full rounded-md border border-border bg-surface px-2.5 py-2 text-sm focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none"
            placeholder="What the prompt does and who calls it"
          />
        </div>
        <Field
          label="Tags"
          name="tags"
          placeholder="support, triage"
          hint="Comma or space separated; lowercase a-z, 0-9, '.', '_', '-'."
          autoComplete="off"
          value={tags}
          onChange={(e) => setTags(e.target.value)}
        />
        {state && !state.ok && !nameError ? <FormError message={state.message} /> : null}
        <div className="flex items-center gap-2">
          <Button type="submit" variant="primary" disabled={pending} data-testid="create-prompt">
            {pending ? "Creating…" : "Create and edit draft"}
          </Button>
          <ButtonLink href={`/p/${project}/prompts`} variant="ghost">
            Cancel
          </ButtonLink>
        </div>
      </form>
    </Card>
  );
}
