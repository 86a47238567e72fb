"use client";

import { useEffect, useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { InProject, ServerAction } from "@/lib/http/action-result";
import { Button, FormError } from "@/components/ui";

/** The endpoint settings the form edits (mirrors lib/webhooks/schemas.ts; the page passes the event list). */
export interface WebhookFormValues {
  url: string;
  description: string;
  events: string[];
  format: "json" | "slack";
}
export interface WebhookSecret {
  endpointId: string;
  secret: string;
}
/** The settings page's webhook actions (app/(dashboard)/p/[project]/settings/actions.ts), passed in by the page. */
export type CreateWebhookAction = ServerAction<InProject<WebhookFormValues>, WebhookSecret>;
export type UpdateWebhookAction = ServerAction<InProject<WebhookFormValues & { endpointId: string; enabled: boolean }>>;
export type EndpointAction<O = undefined> = ServerAction<InProject<{ endpointId: string }>, O>;
export type RedeliverWebhookAction = ServerAction<InProject<{ deliveryId: string }>, { deliveryId: string }>;

export interface EventTypeChoice {
  type: string;
  description: string;
}

const INPUT_CLASS =
  "block h-9 w-full rounded-md border border-border bg-surface px-2.5 text-sm text-fg focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none";

function Dialog({ title, id, children }: { title: string; id: string; children: React.ReactNode }) {
  return (
    <div className="fixed inset-0 z-40 flex items-start justify-center bg-black/40 p-4 pt-20" role="dialog" aria-modal="true" aria-labelledby={id}>
      <div className="max-h-[85vh] w-full max-w-lg space-y-4 overflow-y-auto rounded-lg border border-border bg-surface p-5 shadow-xl">
        <h2 id={id} className="text-sm font-semibold">
          {title}
        </h2>
        {children}
      </div>
    </div>
  );
}

function messageOf(result: { message: string; issues?: Array<{ message: string }> }): string {
  return result.issues?.length ? result.issues.map((i) => i.message).join("; ") : result.message;
}

/** The secret, shown once after create or rotate. */
function SecretDialog({ secret, onDone, title }: { secret: string; onDone: () => void; title: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <Dialog title={title} id="webhook-secret-title">
      <p className="text-sm text-fg-muted">
        Deliveries are signed with this secret (<span className="font-mono text-xs">Promptdeck-Signature</span>). Copy it now: it is not shown again.
      </p>
      <code data-testid="webhook-secret" className="block rounded-md border border-border bg-muted px-3 py-2 font-mono text-xs break-all">
        {secret}
      </code>
      <div className="flex justify-end gap-2">
        <Button onClick={() => void navigator.clipboard?.writeText(secret).then(() => setCopied(true))}>{copied ? "Copied" : "Copy"}</Button>
        <Button variant="primary" onClick={onDone}>
          Done
        </Button>
      </div>
    </Dialog>
  );
}

/** URL, description, events and format; `enabled` too when editing. */
function EndpointFields({
  values,
  eventTypes,
  withEnabled,
  enabled,
}: {
  values?: WebhookFormValues;
  eventTypes: EventTypeChoice[];
  withEnabled: boolean;
  enabled?: boolean;
}) {
  return (
    <>
      <div className="space-y-1">
        <label htmlFor="webhook-url" className="block text-xs font-medium">
          URL
        </label>
        <input
          id="webhook-url"
          name="url"
          autoFocus
          defaultValue={values?.url ?? ""}
          placeholder="https://hooks.example.com/promptdeck"
          className={INPUT_CLASS}
        />
      </div>
      <div className="space-y-1">
        <label htmlFor="webhook-description" className="block text-xs font-medium">
          Description <span className="font-normal text-fg-muted">(optional)</span>
        </label>
        <input
          id="webhook-description"
          name="description"
          defaultValue={values?.description ?? ""}
          placeholder="Release notifications"
          className={INPUT_CLASS}
        />
      </div>
      <fieldset className="space-y-1.5">
        <legend className="mb-1 text-xs font-medium">Events</legend>
        {eventTypes.map((e) => (
          <label key={e.type} className="flex items-start gap-2 text-sm">
            <input
              type="checkbox"
              name="events"
              value={e.type}
              className="mt-1"
              defaultChecked={values ? values.events.includes(e.type) : e.type === "label.moved"}
            />
            <span>
              <span className="font-mono text-xs">{e.type}</span> <span className="text-xs text-fg-muted">{e.description}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <div className="space-y-1">
        <label htmlFor="webhook-format" className="block text-xs font-medium">
          Format
        </label>
        <select
          id="webhook-format"
          name="format"
          defaultValue={values?.format ?? "json"}
          className="h-9 w-full rounded-md border border-border bg-surface px-2 text-sm"
        >
          <option value="json">JSON event (signed)</option>
          <option value="slack">Slack-compatible message (incoming webhook)</option>
        </select>
      </div>
      {withEnabled ? (
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="enabled" defaultChecked={enabled ?? true} />
          Enabled <span className="text-xs text-fg-muted">(enabling clears the failure count and delivers what is pending)</span>
        </label>
      ) : null}
    </>
  );
}

function readForm(form: HTMLFormElement): WebhookFormValues & { enabled: boolean } {
  const data = new FormData(form);
  return {
    url: String(data.get("url") ?? ""),
    description: String(data.get("description") ?? ""),
    events: data.getAll("events").map(String),
    format: data.get("format") === "slack" ? "slack" : "json",
    enabled: data.get("enabled") === "on",
  };
}

/** "Add endpoint" button and form; shows the new endpoint's secret once. */
export function CreateWebhook({ project, eventTypes, create }: { project: string; eventTypes: EventTypeChoice[]; create: CreateWebhookAction }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <div className="ml-auto">
      <Button size="sm" variant="primary" onClick={() => setOpen(true)} data-testid="add-webhook">
        Add endpoint
      </Button>
      {open ? (
        <Dialog title="New webhook endpoint" id="new-webhook-title">
          <form
            className="space-y-4"
            onSubmit={(e) => {
              e.preventDefault();
              const { enabled: _enabled, ...values } = readForm(e.currentTarget);
              setError(null);
              startTransition(async () => {
                const result = await create({ project, ...values });
                if (!result.ok) return setError(messageOf(result));
                setOpen(false);
                setSecret(result.data.secret);
                router.refresh();
              });
            }}
          >
            <EndpointFields eventTypes={eventTypes} withEnabled={false} />
            <FormError message={error} testId="webhook-error" />
            <div className="flex justify-end gap-2">
              <Button type="button" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button type="submit" variant="primary" disabled={pending} data-testid="add-webhook-submit">
                {pending ? "Adding…" : "Add endpoint"}
              </Button>
            </div>
          </form>
        </Dialog>
      ) : null}
      {secret ? <SecretDialog title="Endpoint added" secret={secret} onDone={() => setSecret(null)} /> : null}
    </div>
  );
}

/** Edit, rotate the secret, delete: an endpoint row's admin actions. */
export function WebhookRowActions({
  project,
  endpoint,
  eventTypes,
  update,
  rotate,
  remove,
}: {
  project: string;
  endpoint: WebhookFormValues & { id: string; enabled: boolean };
  eventTypes: EventTypeChoice[];
  update: UpdateWebhookAction;
  rotate: EndpointAction<WebhookSecret>;
  remove: EndpointAction;
}) {
  const router = useRouter();
  const [mode, setMode] = useState<"idle" | "edit" | "rotate" | "delete">("idle");
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const close = () => {
    setMode("idle");
    setError(null);
  };
  return (
    <span className="inline-flex items-center gap-1">
      <Button size="sm" variant="ghost" onClick={() => setMode("edit")} aria-label={`Edit ${endpoint.url}`}>
        Edit
      </Button>
      <Button size="sm" variant="ghost" onClick={() => setMode("rotate")} aria-label={`Rotate the secret of ${endpoint.url}`}>
        Rotate secret
      </Button>
      <Button size="sm" variant="ghost" onClick={() => setMode("delete")} aria-label={`Delete ${endpoint.url}`}>
        Delete
      </Button>
      {mode === "edit" ? (
        <Dialog title="Edit webhook endpoint" id="edit-webhook-title">
          <form
            className="space-y-4"
            onSubmit={(e) => {
              e.preventDefault();
              const values = readForm(e.currentTarget);
              setError(null);
              startTransition(async () => {
                const result = await update({ project, endpointId: endpoint.id, ...values });
                if (!result.ok) return setError(messageOf(result));
                close();
                router.refresh();
              });
            }}
          >
            <EndpointFields values={endpoint} eventTypes={eventTypes} withEnabled enabled={endpoint.enabled} />
            <FormError message={error} testId="webhook-error" />
            <div className="flex justify-end gap-2">
              <Button type="button" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" variant="primary" disabled={pending} data-testid="edit-webhook-submit">
                {pending ? "Saving…" : "Save"}
              </Button>
            </div>
          </form>
        </Dialog>
      ) : null}
      {mode === "rotate" || mode === "delete" ? (
        <Dialog title={mode === "rotate" ? "Rotate the signing secret?" : "Delete this endpoint?"} id="confirm-webhook-title">
          <p className="text-sm text-fg-muted">
            {mode === "rotate"
              ? "Deliveries are signed with a new secret from now on. For a grace period (24 hours unless the operator set otherwise) they also carry a signature with the current secret, so update the receiver within it."
              : "The endpoint and its delivery log are deleted; pending deliveries are dropped."}
          </p>
          <p className="font-mono text-xs break-all">{endpoint.url}</p>
          <FormError message={error} testId="webhook-error" />
          <div className="flex justify-end gap-2">
            <Button onClick={close}>Cancel</Button>
            <Button
              variant={mode === "delete" ? "danger" : "primary"}
              disabled={pending}
              data-testid="confirm-webhook"
              onClick={() =>
                startTransition(async () => {
                  if (mode === "rotate") {
                    const result = await rotate({ project, endpointId: endpoint.id });
                    if (!result.ok) return setError(messageOf(result));
                    close();
                    setSecret(result.data.secret);
                  } else {
                    const result = await remove({ project, endpointId: endpoint.id });
                    if (!result.ok) return setError(messageOf(result));
                    close();
                  }
                  router.refresh();
                })
              }
            >
              {mode === "rotate" ? "Rotate" : "Delete"}
            </Button>
          </div>
        </Dialog>
      ) : null}
      {secret ? <SecretDialog title="New signing secret" secret={secret} onDone={() => setSecret(null)} /> : null}
    </span>
  );
}

/** "Send test event": queues a webhook.test delivery and refreshes the log. */
export function SendTestEvent({
  project,
  endpointId,
  send,
  disabled,
}: {
  project: string;
  endpointId: string;
  send: EndpointAction<{ deliveryId: string }>;
  disabled?: boolean;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const [pending, startTransition] = useTransition();
  return (
    <span className="inline-flex items-center gap-2">
      {error ? <span className="text-xs text-danger">{error}</span> : sent ? <span className="text-xs text-fg-muted">Test event queued</span> : null}
      <Button
        size="sm"
        disabled={pending || disabled}
        data-testid="send-test-event"
        title={disabled ? "Enable the endpoint first" : undefined}
        onClick={() =>
          startTransition(async () => {
            setError(null);
            const result = await send({ project, endpointId });
            if (!result.ok) return setError(result.message);
            setSent(true);
            router.refresh();
          })
        }
      >
        {pending ? "Sending…" : "Send test event"}
      </Button>
    </span>
  );
}

/** "Redeliver" on one delivery of the log. */
export function RedeliverButton({ project, deliveryId, redeliver }: { project: string; deliveryId: string; redeliver: RedeliverWebhookAction }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <span className="inline-flex items-center gap-2">
      {error ? <span className="text-xs text-danger">{error}</span> : null}
      <Button
        size="sm"
        variant="ghost"
        disabled={pending}
        onClick={() =>
          startTransition(async () => {
            setError(null);
            const result = await redeliver({ project, deliveryId });
            if (!result.ok) return setError(result.message);
            router.refresh();
          })
        }
      >
        Redeliver
      </Button>
    </span>
  );
}

/** Refreshes the server-rendered log every 2 s while something is pending. */
export function RefreshWhilePending({ active }: { active: boolean }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => router.refresh(), 2_000);
    return () => clearInterval(timer);
  }, [active, router]);
  return null;
}
