"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition, type ReactNode } from "react";
import type { InProject, ServerAction } from "@/lib/http/action-result";
import { withSignIn } from "@/lib/http/signed-out";
import type { ProjectSettingsUpdate } from "@/lib/runs/settings";
import { Button, FormError, cx } from "@/components/ui";

const inputClass =
  "block h-9 w-full rounded-md border bg-surface px-2.5 text-sm text-fg placeholder:text-fg-muted/70 focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none";

function issuesByPath(issues: ReadonlyArray<{ path: string; message: string }> = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of issues) out[issue.path] ??= issue.message;
  return out;
}

function Notice({ children, testId }: { children: ReactNode; testId: string }) {
  return (
    <p role="status" className="text-sm text-success" data-testid={testId}>
      {children}
    </p>
  );
}

/** Rename (the slug stays, so URLs and API paths keep working). */
export function RenameProjectForm({
  project,
  name,
  rename,
}: {
  project: string;
  name: string;
  rename: ServerAction<InProject<{ name: string }>, { name: string }>;
}) {
  const router = useRouter();
  const [value, setValue] = useState(name);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <form
      className="flex flex-wrap items-start gap-2 p-4"
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        setNotice(null);
        startTransition(async () => {
          const result = await withSignIn(rename)({ project, name: value });
          if (!result.ok) {
            setError(result.issues?.[0]?.message ?? result.message);
            return;
          }
          setNotice(`Renamed to ${result.data.name}.`);
          router.refresh();
        });
      }}
    >
      <div className="min-w-64 flex-1 space-y-1">
        <label htmlFor="project-name" className="sr-only">
          Project name
        </label>
        <input
          id="project-name"
          value={value}
          maxLength={300}
          onChange={(e) => setValue(e.target.value)}
          aria-invalid={error ? true : undefined}
          className={cx(inputClass, error ? "border-danger" : "border-border")}
          data-testid="project-name"
        />
        {error ? (
          <p className="text-xs text-danger" data-testid="rename-error">
            {error}
          </p>
        ) : null}
        {notice ? <Notice testId="rename-notice">{notice}</Notice> : null}
      </div>
      <Button type="submit" disabled={pending} data-testid="rename-save">
        {pending ? "Saving…" : "Rename"}
      </Button>
    </form>
  );
}

export interface SettingsDefaults {
  maxRetries: number;
  timeoutMs: number;
  deadlineMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  bodyLimitBytes: number;
  storeBodies: boolean;
  honorRetryAfter: boolean;
  refusalFallback: boolean;
}

type NumberField = "max_retries" | "timeout_ms" | "deadline_ms" | "base_delay_ms" | "max_delay_ms" | "body_limit_bytes" | "retention_days";

/** "" -> absent (the default); digits -> a number; anything else is sent as typed, so the server names the field. */
function numberOrText(value: string): number | string | undefined {
  const t = value.trim();
  if (t === "") return undefined;
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

function str(value: number | undefined): string {
  return value === undefined ? "" : String(value);
}

/**
 * Runner defaults (retries, timeouts, fallback model, refusal fallback), call body storage and
 * call-log retention. An empty number means the built-in default (shown as the placeholder).
 */
export function ProjectSettingsForm({
  project,
  settings,
  models,
  defaults,
  save,
}: {
  project: string;
  settings: ProjectSettingsUpdate;
  models: Array<{ id: string; label: string }>;
  defaults: SettingsDefaults;
  save: ServerAction<InProject<ProjectSettingsUpdate>, ProjectSettingsUpdate>;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [values, setValues] = useState<Record<NumberField, string>>({
    max_retries: str(settings.runner.max_retries),
    timeout_ms: str(settings.runner.timeout_ms),
    deadline_ms: str(settings.runner.deadline_ms),
    base_delay_ms: str(settings.runner.base_delay_ms),
    max_delay_ms: str(settings.runner.max_delay_ms),
    body_limit_bytes: str(settings.calls.body_limit_bytes),
    retention_days: str(settings.calls.retention_days),
  });
  const [fallbackModel, setFallbackModel] = useState(settings.runner.fallback_model ?? "");
  const [refusalFallback, setRefusalFallback] = useState(settings.runner.refusal_fallback ?? defaults.refusalFallback);
  const [honorRetryAfter, setHonorRetryAfter] = useState(settings.runner.honor_retry_after ?? defaults.honorRetryAfter);
  const [storeBodies, setStoreBodies] = useState(settings.calls.store_bodies ?? defaults.storeBodies);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  function numberInput(group: "runner" | "calls", field: NumberField, label: string, placeholder: string, hint?: string) {
    const id = `setting-${field}`;
    const problem = errors[`${group}.${field}`];
    return (
      <div className="space-y-1">
        <label htmlFor={id} className="block text-xs font-medium">
          {label}
        </label>
        <input
          id={id}
          inputMode="numeric"
          value={values[field]}
          placeholder={placeholder}
          onChange={(e) => setValues((v) => ({ ...v, [field]: e.target.value }))}
          aria-invalid={problem ? true : undefined}
          className={cx(inputClass, problem ? "border-danger" : "border-border")}
          data-testid={id}
        />
        {problem ? (
          <p className="text-xs text-danger" data-testid={`${id}-error`}>
            {problem}
          </p>
        ) : hint ? (
          <p className="text-xs text-fg-muted">{hint}</p>
        ) : null}
      </div>
    );
  }

  function submit() {
    setError(null);
    setErrors({});
    setNotice(null);
    const runner = {
      max_retries: numberOrText(values.max_retries),
      timeout_ms: numberOrText(values.timeout_ms),
      deadline_ms: numberOrText(values.deadline_ms),
      base_delay_ms: numberOrText(values.base_delay_ms),
      max_delay_ms: numberOrText(values.max_delay_ms),
      ...(fallbackModel ? { fallback_model: fallbackModel } : {}),
      refusal_fallback: refusalFallback,
      honor_retry_after: honorRetryAfter,
    };
    const calls = { store_bodies: storeBodies, body_limit_bytes: numberOrText(values.body_limit_bytes), retention_days: numberOrText(values.retention_days) };
    const strip = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
    startTransition(async () => {
      // Fields typed as text reach the server as text: its schema answers "... must be a whole number".
      const result = await withSignIn(save)({ project, runner: strip(runner), calls: strip(calls) } as InProject<ProjectSettingsUpdate>);
      if (!result.ok) {
        setErrors(issuesByPath(result.issues));
        setError(result.message);
        return;
      }
      setNotice("Settings saved: new runs use them within 10 seconds.");
      router.refresh();
    });
  }

  return (
    <form
      className="space-y-5 p-4"
      data-testid="project-settings-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <fieldset className="space-y-3">
        <legend className="text-xs font-semibold tracking-wide text-fg-muted uppercase">Runner defaults</legend>
        <p className="text-xs text-fg-muted">For every run in this project (API, playground, experiments, evals); a version&apos;s own policy wins.</p>
        <div className="grid gap-3 sm:grid-cols-3">
          {numberInput("runner", "max_retries", "Retries per model", String(defaults.maxRetries), "0 to 10")}
          {numberInput("runner", "timeout_ms", "Attempt timeout (ms)", String(defaults.timeoutMs))}
          {numberInput("runner", "deadline_ms", "Call deadline (ms)", String(defaults.deadlineMs), "Retries and fallbacks included")}
          {numberInput("runner", "base_delay_ms", "Base backoff (ms)", String(defaults.baseDelayMs))}
          {numberInput("runner", "max_delay_ms", "Longest backoff (ms)", String(defaults.maxDelayMs))}
          <div className="space-y-1">
            <label htmlFor="setting-fallback_model" className="block text-xs font-medium">
              Fallback model
            </label>
            <select
              id="setting-fallback_model"
              value={fallbackModel}
              onChange={(e) => setFallbackModel(e.target.value)}
              className={cx(inputClass, errors["runner.fallback_model"] ? "border-danger" : "border-border")}
              data-testid="setting-fallback_model"
            >
              <option value="">None (versions may name one)</option>
              {models.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.label} ({m.id})
                </option>
              ))}
            </select>
            {errors["runner.fallback_model"] ? <p className="text-xs text-danger">{errors["runner.fallback_model"]}</p> : null}
          </div>
        </div>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={refusalFallback} onChange={(e) => setRefusalFallback(e.target.checked)} data-testid="setting-refusal_fallback" />
          Retry a refusal once on the fallback model
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={honorRetryAfter} onChange={(e) => setHonorRetryAfter(e.target.checked)} data-testid="setting-honor_retry_after" />
          Honour the API&apos;s retry-after on rate limits and overloads
        </label>
      </fieldset>
      <fieldset className="space-y-3">
        <legend className="text-xs font-semibold tracking-wide text-fg-muted uppercase">Call log</legend>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={storeBodies} onChange={(e) => setStoreBodies(e.target.checked)} data-testid="setting-store_bodies" />
          Store request and response bodies with each call
        </label>
        <div className="grid gap-3 sm:grid-cols-3">
          {numberInput("calls", "body_limit_bytes", "Body size limit (bytes)", String(defaults.bodyLimitBytes), "256 to 10,000,000; longer bodies are cut")}
          {numberInput("calls", "retention_days", "Keep calls for (days)", "forever", "Older calls are deleted in the background; charts and totals keep them")}
        </div>
      </fieldset>
      <FormError message={error} testId="settings-error" />
      {notice ? <Notice testId="settings-notice">{notice}</Notice> : null}
      <Button type="submit" variant="primary" disabled={pending} data-testid="settings-save">
        {pending ? "Saving…" : "Save settings"}
      </Button>
    </form>
  );
}

/** Deletion with the slug typed again; then off to the user's other projects (or the home page). */
export function DeleteProjectForm({
  project,
  name,
  remove,
}: {
  project: string;
  name: string;
  remove: ServerAction<InProject<{ confirm: string }>, { deleted: boolean }>;
}) {
  const router = useRouter();
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <form
      className="space-y-3 p-4"
      data-testid="delete-project-form"
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        startTransition(async () => {
          const result = await withSignIn(remove)({ project, confirm });
          if (!result.ok) {
            setError(result.issues?.[0]?.message ?? result.message);
            return;
          }
          router.push("/");
          router.refresh();
        });
      }}
    >
      <p className="text-sm text-fg-muted">
        Deleting <span className="font-medium text-fg">{name}</span> removes its prompts, versions, labels, experiments, datasets, evaluations, logged calls,
        metrics, API keys, webhooks and audit log, for every member. Apps using its keys stop working at once. This cannot be undone.
      </p>
      <div className="max-w-md space-y-1">
        <label htmlFor="delete-confirm" className="block text-xs font-medium">
          Type <span className="font-mono">{project}</span> to confirm
        </label>
        <input
          id="delete-confirm"
          value={confirm}
          autoComplete="off"
          onChange={(e) => setConfirm(e.target.value)}
          aria-invalid={error ? true : undefined}
          className={cx(inputClass, "font-mono", error ? "border-danger" : "border-border")}
          data-testid="delete-confirm"
        />
        {error ? (
          <p className="text-xs text-danger" data-testid="delete-error">
            {error}
          </p>
        ) : null}
      </div>
      <Button type="submit" variant="danger" disabled={pending || confirm.trim() !== project} data-testid="delete-project">
        {pending ? "Deleting…" : "Delete this project"}
      </Button>
    </form>
  );
}
