import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageRole } from "@/lib/auth/session";
import { hasRole } from "@/lib/projects/roles";
import { getWebhookEndpointLog } from "@/lib/webhooks/queries";
import { RedeliverButton, RefreshWhilePending, SendTestEvent } from "@/components/settings/webhook-controls";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui";
import { formatRelative, formatUtc } from "@/components/format";
import { redeliverWebhookAction, sendTestWebhookAction } from "../../actions";

export const metadata: Metadata = { title: "Webhook deliveries" };

const STATUS_TONE = { succeeded: "success", failed: "danger", pending: "warning" } as const;

// /p/:project/settings/webhooks/:id - one endpoint's delivery log (latest 50), test event, redeliver.
export default async function WebhookLogPage({ params }: { params: Promise<{ project: string; id: string }> }) {
  const { project: slug, id } = await params;
  const access = await requirePageRole(slug, "VIEWER");
  const log = await getWebhookEndpointLog(access.project.id, id);
  if (!log) notFound();
  const { endpoint, deliveries } = log;
  const isAdmin = hasRole(access.role, "ADMIN");
  const now = new Date();
  return (
    <>
      <RefreshWhilePending active={deliveries.some((d) => d.status === "pending" && endpoint.enabled)} />
      <PageHeader
        title="Webhook deliveries"
        description={
          <>
            <Link href={`/p/${slug}/settings`} className="text-accent hover:underline">
              Settings
            </Link>{" "}
            · <span className="font-mono text-xs break-all">{endpoint.url}</span>
          </>
        }
        actions={isAdmin ? <SendTestEvent project={slug} endpointId={endpoint.id} send={sendTestWebhookAction} disabled={!endpoint.enabled} /> : undefined}
      />
      {!endpoint.enabled ? (
        <div role="alert" data-testid="webhook-disabled" className="mb-4 rounded-lg border border-warning/40 bg-warning/10 px-4 py-3 text-sm">
          <span className="font-medium text-warning">Disabled</span>
          <span className="text-fg-muted">: {endpoint.disabledReason ?? "by an admin"}. Enable it on Settings to deliver what is pending.</span>
        </div>
      ) : null}
      <Card>
        <div className="flex flex-wrap items-center gap-2 border-b border-border px-4 py-3 text-xs text-fg-muted">
          <span>{endpoint.format === "slack" ? "Slack format" : "JSON"}</span>
          <span>·</span>
          {endpoint.events.map((e) => (
            <Badge key={e} className="font-mono">
              {e}
            </Badge>
          ))}
          {endpoint.consecutiveFailures > 0 ? <Badge tone="warning">{endpoint.consecutiveFailures} failed in a row</Badge> : null}
        </div>
        {deliveries.length === 0 ? (
          <div className="p-4">
            <EmptyState title="No deliveries yet">
              Events this endpoint subscribes to appear here as they are delivered. Send a test event to try it.
            </EmptyState>
          </div>
        ) : (
          <table className="w-full text-sm" data-testid="webhook-deliveries">
            <thead>
              <tr className="border-b border-border text-left text-xs text-fg-muted">
                <th className="px-4 py-2 font-medium">Event</th>
                <th className="px-4 py-2 font-medium">Status</th>
                <th className="px-4 py-2 font-medium">Attempts</th>
                <th className="px-4 py-2 font-medium">Latest response</th>
                <th className="px-4 py-2 text-right font-medium" />
              </tr>
            </thead>
            <tbody className="divide-y divide-border">
              {deliveries.map((d) => {
                const last = d.attemptLog[0];
                return (
                  <tr key={d.id} className="align-top" data-testid="webhook-delivery">
                    <td className="px-4 py-2.5">
                      <div className="font-mono text-xs">{d.eventType}</div>
                      <div className="text-xxs text-fg-muted" title={formatUtc(d.eventAt)}>
                        <span className="font-mono">{d.eventId}</span> · {formatRelative(d.createdAt, now)}
                      </div>
                    </td>
                    <td className="px-4 py-2.5">
                      <Badge tone={STATUS_TONE[d.status]}>{d.status}</Badge>
                      {d.nextAttemptAt ? (
                        <div className="mt-0.5 text-xxs text-fg-muted" title={formatUtc(d.nextAttemptAt)}>
                          next try {formatUtc(d.nextAttemptAt)}
                        </div>
                      ) : null}
                    </td>
                    <td className="px-4 py-2.5 text-xs">
                      <ol className="space-y-0.5">
                        {d.attemptLog.map((a) => (
                          <li key={a.number} className="whitespace-nowrap" title={formatUtc(a.at)}>
                            #{a.number} <span className={a.ok ? "text-success" : "text-danger"}>{a.httpStatus ?? "—"}</span>{" "}
                            <span className="text-fg-muted">{a.latencyMs} ms</span>
                          </li>
                        ))}
                      </ol>
                    </td>
                    <td className="max-w-md px-4 py-2.5 text-xs">
                      {last?.error ? <div className="text-danger">{last.error}</div> : null}
                      {last?.response ? (
                        <pre className="mt-0.5 max-h-24 overflow-auto rounded border border-border bg-muted px-2 py-1 font-mono text-xxs break-all whitespace-pre-wrap">
                          {last.response}
                        </pre>
                      ) : null}
                    </td>
                    <td className="px-4 py-2.5 text-right">
                      {isAdmin && d.status !== "pending" ? <RedeliverButton project={slug} deliveryId={d.id} redeliver={redeliverWebhookAction} /> : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        <p className="border-t border-border px-4 py-2.5 text-xs text-fg-muted">
          The latest 50 deliveries. A redelivery sends the same event id again (receivers drop what they already have). Responses are kept up to 1,000
          characters.
        </p>
      </Card>
    </>
  );
}
