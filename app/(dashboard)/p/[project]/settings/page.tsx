import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { hasRole, roleLabel } from "@/lib/projects/roles";
import { API_KEY_SCOPES } from "@/lib/auth/api-keys";
import { ApiKeyRateLimit, CreateApiKey, RevokeApiKey } from "@/components/settings/api-key-controls";
import { defaultRateLimits } from "@/lib/api-keys/rate-limit";
import { ReleaseGateForm } from "@/components/settings/release-gate-form";
import { ReleaseRulesForm } from "@/components/settings/release-rules-form";
import { describeReleaseRule, getReleaseRules } from "@/lib/prompts/release-rules";
import { describeReleaseGate, getReleaseGate, listProjectLabelNames } from "@/lib/prompts/release-gate";
import {
  createApiKeyAction,
  createWebhookAction,
  deleteWebhookAction,
  revokeApiKeyAction,
  rotateWebhookSecretAction,
  setReleaseGateAction,
  setReleaseRulesAction,
  updateApiKeyRateLimitAction,
  updateWebhookAction,
} from "./actions";
import { CreateWebhook, WebhookRowActions } from "@/components/settings/webhook-controls";
import { listWebhookEndpoints } from "@/lib/webhooks/queries";
import { EVENT_TYPE_DESCRIPTIONS, SUBSCRIBABLE_EVENT_TYPES } from "@/lib/webhooks/schemas";
import Link from "next/link";
import { listApiKeys, listMembers } from "@/lib/projects/queries";
import { KeyIcon, LockIcon, UsersIcon, WebhookIcon } from "@/components/icons";
import { Badge, ButtonLink, Card, CodeBadges, EmptyState, PageHeader } from "@/components/ui";
import { formatDay, formatRateLimit, formatRelative, formatUtc } from "@/components/format";

export const metadata: Metadata = { title: "Settings" };

// /p/:project/settings - members and roles; API keys (admins create and revoke them).
export default async function SettingsPage({ params }: { params: Promise<{ project: string }> }) {
  const { project: slug } = await params;
  const access = await requirePageRole(slug, "VIEWER");
  const [members, keys, gate, labelNames, webhooks, releaseRules] = await Promise.all([
    listMembers(access.project.id),
    listApiKeys(access.project.id),
    getReleaseGate(access.project.id),
    listProjectLabelNames(access.project.id),
    listWebhookEndpoints(access.project.id),
    getReleaseRules(access.project.id),
  ]);
  const eventTypes = SUBSCRIBABLE_EVENT_TYPES.map((type) => ({ type, description: EVENT_TYPE_DESCRIPTIONS[type] }));
  const autoDisabled = webhooks.filter((w) => !w.enabled && w.disabledReason?.startsWith("disabled after"));
  const now = new Date();
  const canManageKeys = hasRole(access.role, "ADMIN");
  const rateDefaults = defaultRateLimits();

  return (
    <>
      <PageHeader
        title="Settings"
        description={
          <>
            Project <span className="font-medium text-fg">{access.project.name}</span> · <span className="font-mono">{access.project.slug}</span>
          </>
        }
        actions={
          canManageKeys ? (
            <span className="flex gap-2">
              <ButtonLink href={`/p/${access.project.slug}/audit`} size="sm" data-testid="audit-log-link">
                Audit log
              </ButtonLink>
              <ButtonLink href={`/p/${access.project.slug}/settings/project`} size="sm" variant="primary" data-testid="project-settings-link">
                Project settings
              </ButtonLink>
            </span>
          ) : null
        }
      />
      <div className="space-y-6">
        {autoDisabled.length > 0 ? (
          <div role="alert" data-testid="webhooks-disabled-banner" className="rounded-lg border border-warning/40 bg-warning/10 px-4 py-3 text-sm">
            <p className="font-medium text-warning">
              {autoDisabled.length === 1 ? "A webhook endpoint was disabled" : `${autoDisabled.length} webhook endpoints were disabled`} after repeated delivery
              failures
            </p>
            <ul className="mt-1 space-y-0.5 text-fg-muted">
              {autoDisabled.map((w) => (
                <li key={w.id}>
                  <span className="font-mono text-xs break-all text-fg">{w.url}</span>: {w.disabledReason}
                  {w.disabledAt ? ` (${formatRelative(w.disabledAt, now)})` : ""};{" "}
                  {w.pending > 0 ? `${w.pending} pending deliver${w.pending === 1 ? "y waits" : "ies wait"}; ` : ""}fix the receiver, then enable it under
                  Webhooks.
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        <Card>
          <div className="flex items-center gap-2 border-b border-border px-4 py-3">
            <UsersIcon className="text-fg-muted" />
            <h2 className="text-sm font-semibold">Members</h2>
            <span className="text-xs text-fg-muted">{members.length}</span>
            <Link href={`/p/${access.project.slug}/members`} className="ml-auto text-xs text-accent hover:underline" data-testid="manage-members">
              {canManageKeys ? "Invite and manage members" : "All members"}
            </Link>
          </div>
          <table className="w-full text-sm" data-testid="members-table">
            <thead>
              <tr className="border-b border-border text-left text-xs text-fg-muted">
                <th className="px-4 py-2 font-medium">Name</th>
                <th className="px-4 py-2 font-medium">Email</th>
                <th className="px-4 py-2 font-medium">Role</th>
                <th className="px-4 py-2 text-right font-medium">Member since</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-border">
              {members.map((m) => (
                <tr key={m.userId}>
                  <td className="px-4 py-2.5 font-medium">
                    {m.name ?? "—"}
                    {m.userId === access.user.id ? <span className="ml-1.5 text-xs text-fg-muted">(you)</span> : null}
                  </td>
                  <td className="px-4 py-2.5 text-fg-muted">{m.email}</td>
                  <td className="px-4 py-2.5">
                    <Badge tone={m.role === "ADMIN" ? "accent" : "neutral"}>{roleLabel(m.role)}</Badge>
                  </td>
                  <td className="px-4 py-2.5 text-right text-xs text-fg-muted">{formatDay(m.joinedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="border-t border-border px-4 py-2.5 text-xs text-fg-muted">
            Viewers read everything; editors also write drafts and run experiments; admins publish to protected labels, manage members and API keys.
          </p>
        </Card>

        <Card>
          <div className="flex items-center gap-2 border-b border-border px-4 py-3">
            <KeyIcon className="text-fg-muted" />
            <h2 className="text-sm font-semibold">API keys</h2>
            <span className="text-xs text-fg-muted">{keys.length}</span>
            {canManageKeys ? <CreateApiKey project={access.project.slug} scopes={API_KEY_SCOPES} defaults={rateDefaults} create={createApiKeyAction} /> : null}
          </div>
          {keys.length === 0 ? (
            <div className="p-4">
              <EmptyState title="No API keys yet">
                Apps authenticate with a project API key (<code className="font-mono">Authorization: Bearer pd_…</code>). Keys you create will be listed here
                with their scopes and when they were last used.
              </EmptyState>
            </div>
          ) : (
            <table className="w-full text-sm" data-testid="api-keys-table">
              <thead>
                <tr className="border-b border-border text-left text-xs text-fg-muted">
                  <th className="px-4 py-2 font-medium">Name</th>
                  <th className="px-4 py-2 font-medium">Key</th>
                  <th className="px-4 py-2 font-medium">Scopes</th>
                  <th className="px-4 py-2 font-medium">Rate limit</th>
                  <th className="px-4 py-2 font-medium">Last used</th>
                  <th className="px-4 py-2 text-right font-medium">Status</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-border">
                {keys.map((k) => {
                  const expired = k.expiresAt !== null && k.expiresAt.getTime() <= now.getTime();
                  return (
                    <tr key={k.id} className="align-top">
                      <td className="px-4 py-2.5">
                        <div className="font-medium">{k.name}</div>
                        <div className="text-xxs text-fg-muted">
                          created {formatDay(k.createdAt)}
                          {k.createdBy ? ` by ${k.createdBy}` : ""}
                        </div>
                      </td>
                      <td className="px-4 py-2.5 font-mono text-xs whitespace-nowrap">{k.prefix}…</td>
                      <td className="px-4 py-2.5">
                        <CodeBadges items={k.scopes} />
                      </td>
                      <td className="px-4 py-2.5">
                        <ApiKeyRateLimit
                          project={access.project.slug}
                          apiKeyId={k.id}
                          name={k.name}
                          perSecond={k.rateLimitPerSecond}
                          burst={k.rateLimitBurst}
                          defaults={rateDefaults}
                          update={canManageKeys && !k.revokedAt ? updateApiKeyRateLimitAction : undefined}
                        />
                      </td>
                      <td className="px-4 py-2.5 text-xs whitespace-nowrap text-fg-muted" title={k.lastUsedAt ? formatUtc(k.lastUsedAt) : undefined}>
                        {k.lastUsedAt ? formatRelative(k.lastUsedAt, now) : "never"}
                      </td>
                      <td className="px-4 py-2.5 text-right">
                        {k.revokedAt ? (
                          <Badge tone="danger">revoked</Badge>
                        ) : expired ? (
                          <Badge tone="warning">expired</Badge>
                        ) : (
                          <span className="inline-flex items-center gap-2">
                            {canManageKeys ? <RevokeApiKey project={access.project.slug} apiKeyId={k.id} name={k.name} revoke={revokeApiKeyAction} /> : null}
                            <Badge tone="success">active</Badge>
                          </span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          <p className="border-t border-border px-4 py-2.5 text-xs text-fg-muted">
            Only a SHA-256 hash of each key is stored; the full key is shown once, when it is created. A revoked key stops working within 10 seconds on every
            server. Each key is rate limited ({formatRateLimit(rateDefaults)} unless it has its own limit); a changed limit applies within 10 seconds.
          </p>
        </Card>

        <Card data-testid="webhooks-card">
          <div className="flex items-center gap-2 border-b border-border px-4 py-3">
            <WebhookIcon className="text-fg-muted" />
            <h2 className="text-sm font-semibold">Webhooks</h2>
            <span className="text-xs text-fg-muted">{webhooks.length}</span>
            {canManageKeys ? <CreateWebhook project={access.project.slug} eventTypes={eventTypes} create={createWebhookAction} /> : null}
          </div>
          {webhooks.length === 0 ? (
            <div className="p-4">
              <EmptyState title="No webhook endpoints yet">
                Promptdeck can POST a signed event to your URL when a version is published, a label moves, an experiment starts, pauses or ends, or an eval run
                completes{canManageKeys ? "" : " (admins add endpoints)"}.
              </EmptyState>
            </div>
          ) : (
            <table className="w-full text-sm" data-testid="webhooks-table">
              <thead>
                <tr className="border-b border-border text-left text-xs text-fg-muted">
                  <th className="px-4 py-2 font-medium">Endpoint</th>
                  <th className="px-4 py-2 font-medium">Events</th>
                  <th className="px-4 py-2 font-medium">Last delivery</th>
                  <th className="px-4 py-2 text-right font-medium">Status</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-border">
                {webhooks.map((w) => (
                  <tr key={w.id} className="align-top">
                    <td className="max-w-xs px-4 py-2.5">
                      <Link href={`/p/${access.project.slug}/settings/webhooks/${w.id}`} className="font-mono text-xs break-all text-accent hover:underline">
                        {w.url}
                      </Link>
                      <div className="text-xxs text-fg-muted">
                        {w.description ? `${w.description} · ` : ""}
                        {w.format === "slack" ? "Slack format" : "JSON"} · added {formatDay(w.createdAt)}
                      </div>
                    </td>
                    <td className="px-4 py-2.5">
                      <CodeBadges items={w.events} />
                    </td>
                    <td className="px-4 py-2.5 text-xs whitespace-nowrap text-fg-muted">
                      {w.lastAttempt ? (
                        <span title={formatUtc(w.lastAttempt.at)}>
                          <span className={w.lastAttempt.ok ? "text-success" : "text-danger"}>{w.lastAttempt.httpStatus ?? "no response"}</span>{" "}
                          {formatRelative(w.lastAttempt.at, now)}
                        </span>
                      ) : (
                        "none yet"
                      )}
                      {w.pending > 0 ? <div>{w.pending} pending</div> : null}
                    </td>
                    <td className="px-4 py-2.5 text-right">
                      <span className="inline-flex items-center gap-2">
                        {canManageKeys ? (
                          <WebhookRowActions
                            project={access.project.slug}
                            endpoint={w}
                            eventTypes={eventTypes}
                            update={updateWebhookAction}
                            rotate={rotateWebhookSecretAction}
                            remove={deleteWebhookAction}
                          />
                        ) : null}
                        {w.enabled ? (
                          <Badge tone={w.consecutiveFailures > 0 ? "warning" : "success"}>
                            {w.consecutiveFailures > 0 ? `failing (${w.consecutiveFailures})` : "active"}
                          </Badge>
                        ) : (
                          <Badge tone="danger">disabled</Badge>
                        )}
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="border-t border-border px-4 py-2.5 text-xs text-fg-muted">
            Each delivery is signed (<span className="font-mono">Promptdeck-Signature</span>: HMAC-SHA256 of the timestamp and body with the endpoint&apos;s
            secret), carries its event id for de-duplication (<span className="font-mono">Promptdeck-Event-Id</span>), and is retried with backoff for 24 hours.
            Internal addresses are refused. Open an endpoint for its delivery log and a test event.
          </p>
        </Card>

        <Card data-testid="release-rules-card">
          <div className="flex items-center gap-2 border-b border-border px-4 py-3">
            <LockIcon className="text-fg-muted" />
            <h2 className="text-sm font-semibold">Release approvals</h2>
            {releaseRules.length > 0 ? (
              <Badge tone="accent">
                {releaseRules.length} rule{releaseRules.length === 1 ? "" : "s"}
              </Badge>
            ) : (
              <Badge>off</Badge>
            )}
          </div>
          <p className="px-4 pt-3 text-sm text-fg-muted">
            Labels under a rule never move directly: an editor (or a key with prompts:write) requests the release with a reason, the request gathers the
            evidence (diff, semver reasons, contract changes, latest eval, cost per call), and an approver approves it, which moves the label. Rolling back to
            the previous version needs no approval.
          </p>
          {canManageKeys ? (
            <ReleaseRulesForm project={access.project.slug} rules={releaseRules} knownLabels={labelNames} save={setReleaseRulesAction} />
          ) : (
            <ul className="space-y-0.5 px-4 py-3 text-sm" data-testid="release-rules-summary">
              {releaseRules.length === 0 ? <li>No rules: labels move directly.</li> : null}
              {releaseRules.map((r) => (
                <li key={r.label}>
                  <span className="font-mono">{r.label}</span>: {describeReleaseRule(r)}
                </li>
              ))}
              <li className="text-fg-muted">Admins change this.</li>
            </ul>
          )}
        </Card>

        <Card data-testid="release-gate-card">
          <div className="flex items-center gap-2 border-b border-border px-4 py-3">
            <LockIcon className="text-fg-muted" />
            <h2 className="text-sm font-semibold">Release gate</h2>
            {gate ? <Badge tone="accent">on</Badge> : <Badge>off</Badge>}
          </div>
          <p className="px-4 pt-3 text-sm text-fg-muted">
            Require a passing evaluation before a label moves: moving a gated label to a version (in the dashboard, through the API, when publishing or
            promoting an experiment) needs a completed eval of that exact version content that passed the gate. A rollback to a version the label served before
            is always allowed.
          </p>
          {canManageKeys ? (
            <ReleaseGateForm project={access.project.slug} gate={gate ?? null} knownLabels={labelNames} save={setReleaseGateAction} />
          ) : (
            <p className="px-4 py-3 text-sm" data-testid="release-gate-summary">
              {gate ? (
                <>
                  <span className="font-mono">{gate.labels.join(", ")}</span> move only with an eval of {describeReleaseGate(gate)}.
                </>
              ) : (
                "No gate: labels move without an eval."
              )}{" "}
              <span className="text-fg-muted">Admins change this.</span>
            </p>
          )}
          <p className="border-t border-border px-4 py-2.5 text-xs text-fg-muted">
            Whether a run passed is decided when it finishes, against the gate in force then: after changing the gate, run the eval again.
          </p>
        </Card>
      </div>
    </>
  );
}
