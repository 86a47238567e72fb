"use client";

import { useState } from "react";
import { Button, FormError } from "@/components/ui";
import type { DatasetItemView } from "@/lib/datasets/queries";
import { datasetItemInputSchema, type DatasetItemData } from "@/lib/datasets/schemas";

const areaClass =
  "block w-full rounded-md border bg-surface px-2.5 py-2 font-mono text-xs text-fg focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none";

type ExpectedMode = "none" | "text" | "json";

function parseJsonField(text: string, label: string): { ok: true; value: unknown } | { ok: false; message: string } {
  if (!text.trim()) return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `${label} is not valid JSON: ${error instanceof Error ? error.message : "parse error"}` };
  }
}

/** Add or edit one item: variables and metadata as JSON objects, expected as text or JSON, tags comma-separated. Validated with the domain's zod schema. */
export function ItemForm({
  initial,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  initial?: DatasetItemView;
  submitLabel: string;
  onSubmit: (item: DatasetItemData) => Promise<string | null>;
  onCancel: () => void;
}) {
  const [key, setKey] = useState(initial?.key ?? "");
  const [variables, setVariables] = useState(JSON.stringify(initial?.variables ?? {}, null, 2));
  const initialMode: ExpectedMode = initial?.expected == null ? "none" : typeof initial.expected === "string" ? "text" : "json";
  const [mode, setMode] = useState<ExpectedMode>(initialMode);
  const [expected, setExpected] = useState(
    initial?.expected == null ? "" : typeof initial.expected === "string" ? initial.expected : JSON.stringify(initial.expected, null, 2),
  );
  const [tags, setTags] = useState((initial?.tags ?? []).join(", "));
  const [metadata, setMetadata] = useState(JSON.stringify(initial?.metadata ?? {}, null, 2));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    const found: Record<string, string> = {};
    const vars = parseJsonField(variables, "Variables");
    const meta = parseJsonField(metadata, "Metadata");
    if (!vars.ok) found.variables = vars.message;
    if (!meta.ok) found.metadata = meta.message;
    let expectedValue: unknown = undefined;
    if (mode === "text") expectedValue = expected;
    if (mode === "json") {
      const parsed = parseJsonField(expected, "Expected JSON");
      if (parsed.ok) expectedValue = expected.trim() ? parsed.value : null;
      else found.expected = parsed.message;
    }
    if (Object.keys(found).length === 0) {
      const candidate = {
        ...(initial ? {} : key.trim() ? { key: key.trim() } : {}),
        variables: vars.ok ? vars.value : {},
        ...(expectedValue !== undefined ? { expected: expectedValue } : {}),
        metadata: meta.ok ? meta.value : {},
        tags: tags
          .split(",")
          .map((t) => t.trim())
          .filter(Boolean),
      };
      const parsed = datasetItemInputSchema.safeParse(candidate);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const field = String(issue.path[0] ?? "form");
          found[field] ??= `${issue.path.slice(1).join(".") ? `${issue.path.slice(1).join(".")}: ` : ""}${issue.message}`;
        }
      } else {
        setErrors({});
        setPending(true);
        setFormError(await onSubmit(mode === "none" && initial ? { ...parsed.data, expected: null } : parsed.data));
        setPending(false);
        return;
      }
    }
    setErrors(found);
  }

  const fieldError = (name: string) =>
    errors[name] ? (
      <p className="text-xs text-danger" data-testid={`item-error-${name}`}>
        {errors[name]}
      </p>
    ) : null;
  return (
    <form onSubmit={(e) => void submit(e)} className="space-y-3 rounded-lg border border-border bg-surface p-4" data-testid="item-form" noValidate>
      {initial ? (
        <p className="text-xs text-fg-muted">
          Editing <span className="font-mono">{initial.key}</span>: saving makes a new version; earlier versions keep the old item.
        </p>
      ) : (
        <label className="block text-xs font-medium">
          Key <span className="font-normal text-fg-muted">(optional, generated when empty)</span>
          <input
            className="mt-1 block h-8 w-full rounded-md border border-border bg-surface px-2 text-sm"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            data-testid="item-key"
          />
          {fieldError("key")}
        </label>
      )}
      <label className="block text-xs font-medium">
        Variables (JSON object)
        <textarea
          rows={5}
          className={`${areaClass} mt-1 ${errors.variables ? "border-danger" : "border-border"}`}
          value={variables}
          onChange={(e) => setVariables(e.target.value)}
          data-testid="item-variables"
        />
        {fieldError("variables")}
      </label>
      <div className="text-xs font-medium">
        Expected output
        <div className="mt-1 flex gap-3 font-normal">
          {(["none", "text", "json"] as const).map((m) => (
            <label key={m} className="flex items-center gap-1">
              <input type="radio" name="expected-mode" checked={mode === m} onChange={() => setMode(m)} data-testid={`item-expected-${m}`} />
              {m === "none" ? "none" : m === "text" ? "text" : "JSON"}
            </label>
          ))}
        </div>
        {mode !== "none" ? (
          <textarea
            rows={3}
            className={`${areaClass} mt-1 ${errors.expected ? "border-danger" : "border-border"}`}
            value={expected}
            onChange={(e) => setExpected(e.target.value)}
            data-testid="item-expected"
          />
        ) : null}
        {fieldError("expected")}
      </div>
      <label className="block text-xs font-medium">
        Tags <span className="font-normal text-fg-muted">(comma-separated)</span>
        <input
          className="mt-1 block h-8 w-full rounded-md border border-border bg-surface px-2 text-sm"
          value={tags}
          onChange={(e) => setTags(e.target.value)}
          data-testid="item-tags"
        />
        {fieldError("tags")}
      </label>
      <label className="block text-xs font-medium">
        Metadata (JSON object)
        <textarea
          rows={2}
          className={`${areaClass} mt-1 ${errors.metadata ? "border-danger" : "border-border"}`}
          value={metadata}
          onChange={(e) => setMetadata(e.target.value)}
        />
        {fieldError("metadata")}
      </label>
      {fieldError("form")}
      <FormError message={formError} />
      <div className="flex gap-2">
        <Button type="submit" variant="primary" size="sm" disabled={pending} data-testid="item-save">
          {pending ? "Saving…" : submitLabel}
        </Button>
        <Button type="button" size="sm" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
