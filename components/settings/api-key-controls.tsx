"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { CreatedApiKey, CreateApiKeyInput, UpdateApiKeyRateLimitInput } from "@/lib/api-keys/manage";
import type { RateLimits } from "@/lib/api-keys/rate-limit";
import type { InProject, ServerAction } from "@/lib/http/action-result";
import { Button, FormError, cx } from "@/components/ui";
import { formatRateLimit } from "@/components/format";
import { withSignIn } from "@/lib/http/signed-out";

/** The settings page's API key actions (app/(dashboard)/p/[project]/settings/actions.ts), passed in by the page. */
export type CreateApiKeyAction = ServerAction<InProject<CreateApiKeyInput>, CreatedApiKey>;
export type RevokeApiKeyAction = ServerAction<InProject<{ apiKeyId: string }>>;
export type UpdateApiKeyRateLimitAction = ServerAction<
  InProject<UpdateApiKeyRateLimitInput>,
  { rateLimitPerSecond: number | null; rateLimitBurst: number | null }
>;

const INPUT_CLASS =
  "block h-9 w-full rounded-md border border-border bg-surface px-2.5 text-sm focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none";

/** A rate-limit field's value: empty = null (the default), else a finite number; `undefined` when it is not a number. */
function limitValue(raw: FormDataEntryValue | null): number | null | undefined {
  const text = String(raw ?? "").trim();
  if (text === "") return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** Reads the two rate-limit fields of a form; an error message when one is not a number. */
function readLimits(data: FormData): { rateLimitPerSecond: number | null; rateLimitBurst: number | null } | string {
  const rateLimitPerSecond = limitValue(data.get("rateLimitPerSecond"));
  const rateLimitBurst = limitValue(data.get("rateLimitBurst"));
  if (rateLimitPerSecond === undefined) return "Requests per second must be a number";
  if (rateLimitBurst === undefined) return "Burst must be a number";
  return { rateLimitPerSecond, rateLimitBurst };
}

/** The two optional rate-limit inputs (empty = the server's default, shown as the placeholder). */
function RateLimitFields({
  defaults,
  perSecond,
  burst,
  idPrefix,
}: {
  defaults: RateLimits;
  perSecond?: number | null;
  burst?: number | null;
  idPrefix: string;
}) {
  return (
    <fieldset className="space-y-1">
      <legend className="mb-1 text-xs font-medium">
        Rate limit <span className="font-normal text-fg-muted">(empty = the default, {formatRateLimit(defaults)})</span>
      </legend>
      <div className="grid grid-cols-2 gap-3">
        <div className="space-y-1">
          <label htmlFor={`${idPrefix}-per-second`} className="block text-xs text-fg-muted">
            Requests per second
          </label>
          <input
            id={`${idPrefix}-per-second`}
            name="rateLimitPerSecond"
            type="number"
            min="0"
            step="any"
            inputMode="decimal"
            defaultValue={perSecond ?? ""}
            placeholder={String(defaults.perSecond)}
            className={INPUT_CLASS}
          />
        </div>
        <div className="space-y-1">
          <label htmlFor={`${idPrefix}-burst`} className="block text-xs text-fg-muted">
            Burst
          </label>
          <input
            id={`${idPrefix}-burst`}
            name="rateLimitBurst"
            type="number"
            min="1"
            step="1"
            inputMode="numeric"
            defaultValue={burst ?? ""}
            placeholder={String(defaults.burst)}
            className={INPUT_CLASS}
          />
        </div>
      </div>
    </fieldset>
  );
}

const SCOPE_HELP: Record<string, string> = {
  "prompts:read": "fetch and render prompts",
  "prompts:run": "run prompts through Promptdeck",
  "prompts:write": "create versions and move labels",
  "calls:write": "log calls and scores",
  "experiments:write": "manage experiments",
  "metrics:read": "read metrics",
  "datasets:read": "read datasets and their items",
  "datasets:write": "create datasets and add items",
  "evals:run": "start and read evaluation runs",
  admin: "move protected labels",
};

/** "Create key" button and form; shows the new key exactly once. */
export function CreateApiKey({
  project,
  scopes,
  defaults,
  create,
}: {
  project: string;
  scopes: readonly string[];
  defaults: RateLimits;
  create: CreateApiKeyAction;
}) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [copied, setCopied] = useState(false);
  const [pending, startTransition] = useTransition();

  function submit(form: HTMLFormElement) {
    const data = new FormData(form);
    const expiry = String(data.get("expires") ?? "");
    const limits = readLimits(data);
    if (typeof limits === "string") {
      setError(limits);
      return;
    }
    setError(null);
    startTransition(async () => {
      const result = await withSignIn(create)({
        project,
        name: String(data.get("name") ?? ""),
        scopes: data.getAll("scopes").map(String),
        expiresInDays: expiry ? Number(expiry) : null,
        ...limits,
      });
      if (!result.ok) {
        setError(result.issues?.length ? result.issues.map((i) => i.message).join("; ") : result.message);
        return;
      }
      setCreated(result.data);
      setOpen(false);
      router.refresh();
    });
  }

  return (
    <div className="ml-auto">
      {!open && !created ? (
        <Button size="sm" variant="primary" onClick={() => setOpen(true)} data-testid="create-api-key">
          Create key
        </Button>
      ) : null}
      {open ? (
        <div
          className="fixed inset-0 z-40 flex items-start justify-center bg-black/40 p-4 pt-24"
          role="dialog"
          aria-modal="true"
          aria-labelledby="create-key-title"
        >
          <form
            className="w-full max-w-md space-y-4 rounded-lg border border-border bg-surface p-5 shadow-xl"
            onSubmit={(e) => {
              e.preventDefault();
              submit(e.currentTarget);
            }}
          >
            <h2 id="create-key-title" className="text-sm font-semibold">
              New API key
            </h2>
            <div className="space-y-1">
              <label htmlFor="key-name" className="block text-xs font-medium">
                Name
              </label>
              <input id="key-name" name="name" autoFocus placeholder="checkout-service production" className={INPUT_CLASS} />
            </div>
            <fieldset className="space-y-1.5">
              <legend className="mb-1 text-xs font-medium">Scopes</legend>
              {scopes.map((scope) => (
                <label key={scope} className="flex items-center gap-2 text-sm">
                  <input type="checkbox" name="scopes" value={scope} defaultChecked={scope === "prompts:read"} />
                  <span className="font-mono text-xs">{scope}</span>
                  <span className="text-xs text-fg-muted">{SCOPE_HELP[scope] ?? ""}</span>
                </label>
              ))}
            </fieldset>
            <div className="space-y-1">
              <label htmlFor="key-expires" className="block text-xs font-medium">
                Expires
              </label>
              <select id="key-expires" name="expires" className="h-9 w-full rounded-md border border-border bg-surface px-2 text-sm">
                <option value="">Never</option>
                <option value="30">In 30 days</option>
                <option value="90">In 90 days</option>
                <option value="365">In a year</option>
              </select>
            </div>
            <RateLimitFields defaults={defaults} idPrefix="key-rate" />
            <FormError message={error} testId="api-key-error" />
            <div className="flex justify-end gap-2">
              <Button type="button" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button type="submit" variant="primary" disabled={pending} data-testid="create-api-key-submit">
                {pending ? "Creating…" : "Create key"}
              </Button>
            </div>
          </form>
        </div>
      ) : null}
      {created ? (
        <div
          className="fixed inset-0 z-40 flex items-start justify-center bg-black/40 p-4 pt-24"
          role="dialog"
          aria-modal="true"
          aria-labelledby="created-key-title"
        >
          <div className="w-full max-w-lg space-y-3 rounded-lg border border-border bg-surface p-5 shadow-xl">
            <h2 id="created-key-title" className="text-sm font-semibold">
              Key “{created.name}” created
            </h2>
            <p className="text-sm text-fg-muted">Copy it now: only its hash is stored, so it cannot be shown again.</p>
            <code data-testid="created-api-key" className="block rounded-md border border-border bg-muted px-3 py-2 font-mono text-xs break-all">
              {created.key}
            </code>
            <div className="flex justify-end gap-2">
              <Button
                onClick={() => {
                  void navigator.clipboard?.writeText(created.key).then(() => setCopied(true));
                }}
              >
                {copied ? "Copied" : "Copy"}
              </Button>
              <Button variant="primary" onClick={() => setCreated(null)}>
                Done
              </Button>
            </div>
          </div>
        </div>
      ) : null}
    </div>
  );
}

/** Revoke button with a confirmation step. */
export function RevokeApiKey({ project, apiKeyId, name, revoke }: { project: string; apiKeyId: string; name: string; revoke: RevokeApiKeyAction }) {
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  if (!confirming) {
    return (
      <Button size="sm" variant="ghost" onClick={() => setConfirming(true)} aria-label={`Revoke ${name}`}>
        Revoke
      </Button>
    );
  }
  return (
    <span className={cx("inline-flex items-center gap-1.5")}>
      {error ? <span className="text-xs text-danger">{error}</span> : <span className="text-xs text-fg-muted">Apps using it stop working.</span>}
      <Button size="sm" onClick={() => setConfirming(false)}>
        Cancel
      </Button>
      <Button
        size="sm"
        variant="danger"
        disabled={pending}
        data-testid="confirm-revoke"
        onClick={() =>
          startTransition(async () => {
            const result = await withSignIn(revoke)({ project, apiKeyId });
            if (!result.ok) setError(result.message);
            else {
              setConfirming(false);
              router.refresh();
            }
          })
        }
      >
        Revoke
      </Button>
    </span>
  );
}

/**
 * A key's rate limit in the keys table: its effective limits (marked "default" when it has no own
 * values) and, for admins, an inline form to change them (empty fields = the default).
 */
export function ApiKeyRateLimit({
  project,
  apiKeyId,
  name,
  perSecond,
  burst,
  defaults,
  update,
}: {
  project: string;
  apiKeyId: string;
  name: string;
  perSecond: number | null;
  burst: number | null;
  defaults: RateLimits;
  /** Absent for non-admins: the limit is shown, not editable. */
  update?: UpdateApiKeyRateLimitAction;
}) {
  const router = useRouter();
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const own = perSecond !== null || burst !== null;
  const effective = { perSecond: perSecond ?? defaults.perSecond, burst: burst ?? defaults.burst };

  if (!editing || !update) {
    return (
      <span className="inline-flex items-center gap-1.5 text-xs whitespace-nowrap" data-testid="api-key-rate-limit">
        <span className={own ? "font-medium" : "text-fg-muted"}>{formatRateLimit(effective)}</span>
        {own ? null : <span className="text-fg-muted">(default)</span>}
        {update ? (
          <Button size="sm" variant="ghost" onClick={() => setEditing(true)} aria-label={`Edit the rate limit of ${name}`}>
            Edit
          </Button>
        ) : null}
      </span>
    );
  }

  function submit(form: HTMLFormElement) {
    const limits = readLimits(new FormData(form));
    if (typeof limits === "string") {
      setError(limits);
      return;
    }
    setError(null);
    startTransition(async () => {
      const result = await withSignIn(update!)({ project, apiKeyId, ...limits });
      if (!result.ok) {
        setError(result.issues?.length ? result.issues.map((i) => i.message).join("; ") : result.message);
        return;
      }
      setEditing(false);
      router.refresh();
    });
  }

  return (
    <form
      className="w-64 space-y-2"
      aria-label={`Rate limit of ${name}`}
      onSubmit={(e) => {
        e.preventDefault();
        submit(e.currentTarget);
      }}
    >
      <RateLimitFields defaults={defaults} perSecond={perSecond} burst={burst} idPrefix={`rate-${apiKeyId}`} />
      <FormError message={error} testId="api-key-rate-limit-error" />
      <div className="flex justify-end gap-2">
        <Button type="button" size="sm" onClick={() => setEditing(false)}>
          Cancel
        </Button>
        <Button type="submit" size="sm" variant="primary" disabled={pending} data-testid="save-rate-limit">
          {pending ? "Saving…" : "Save"}
        </Button>
      </div>
    </form>
  );
}
