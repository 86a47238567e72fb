import { randomUUID } from "node:crypto";
import dns from "node:dns";
import { getDb } from "@/lib/db/client";
import { envVar } from "@/lib/env";
import { AppError, toIssues } from "@/lib/errors";
import { actorLabel, actorUserId, type Actor } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/record";
import { hasRole } from "@/lib/projects/roles";
import { TEST_EVENT_TYPE } from "@/lib/prompts/notify";
import { describeAddress, isAllowedAddress } from "./address";
import { generateWebhookSecret } from "./signing";
import { webhookEndpointInputSchema, webhookEndpointUpdateSchema, webhookUrlProblem, type WebhookEndpointInput, type WebhookEndpointUpdate } from "./schemas";

function assertAdmin(actor: Actor): void {
  if (!hasRole(actor.role, "ADMIN")) throw new AppError("forbidden", "Only admins manage webhooks");
}

/** Whether the operator lets webhooks reach internal addresses (PROMPTDECK_WEBHOOK_ALLOW_PRIVATE, read each time). */
export function webhooksMayReachPrivate(): boolean {
  return envVar("PROMPTDECK_WEBHOOK_ALLOW_PRIVATE");
}

export interface TargetCheckOptions {
  allowPrivate?: boolean;
  /** Default dns.lookup (all addresses), bounded to 2 s. */
  resolve?: (hostname: string) => Promise<Array<{ address: string; family: number }>>;
}

/**
 * Checks a webhook URL when it is saved: the text (webhookUrlProblem) and, for a host name, the
 * addresses it resolves to now. A name that does not resolve is accepted (it may exist where the
 * server runs later); the delivery checks the addresses again at connect time. Throws a
 * bad_request naming the problem (issue path "url").
 */
export async function checkWebhookTarget(raw: string, options: TargetCheckOptions = {}): Promise<string> {
  const allowPrivate = options.allowPrivate ?? webhooksMayReachPrivate();
  const problem = webhookUrlProblem(raw, allowPrivate);
  if (problem) throw new AppError("bad_request", problem, { issues: [{ path: "url", message: problem }] });
  const url = new URL(raw);
  if (allowPrivate) return url.toString();
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const resolve = options.resolve ?? ((name: string) => dns.promises.lookup(name, { all: true, verbatim: true }));
  let addresses: Array<{ address: string }> = [];
  try {
    addresses = await Promise.race([resolve(host), new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), 2_000).unref())]);
  } catch {
    addresses = [];
  }
  const blocked = addresses.find((a) => !isAllowedAddress(a.address, false));
  if (blocked) {
    const message = `${host} resolves to a ${describeAddress(blocked.address)}: webhooks cannot reach internal addresses unless the operator allows them`;
    throw new AppError("bad_request", message, { issues: [{ path: "url", message }] });
  }
  return url.toString();
}

function parseInput<T>(
  schema: {
    safeParse(
      v: unknown,
    ): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
  },
  input: unknown,
): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issues = toIssues(parsed.error.issues);
    throw new AppError("bad_request", issues[0]?.message ?? "Check the webhook settings", { issues });
  }
  return parsed.data;
}

async function loadEndpoint(actor: Actor, endpointId: string) {
  const row = await getDb().webhookEndpoint.findFirst({ where: { id: endpointId, projectId: actor.projectId } });
  if (!row) throw new AppError("not_found", "This webhook endpoint does not exist in the project");
  return row;
}

/** An endpoint just created or whose secret was rotated: the secret is shown this once. */
export interface WebhookSecretShown {
  endpointId: string;
  secret: string;
  /** After a rotation: until when (ISO 8601) the previous secret also signs deliveries; null without a grace window. */
  previousSecretValidUntil?: string | null;
}

/** Adds an endpoint (ADMIN) with a new signing secret, returned once. Audited (the secret is not). */
export async function createWebhookEndpoint(actor: Actor, input: WebhookEndpointInput, options: TargetCheckOptions = {}): Promise<WebhookSecretShown> {
  assertAdmin(actor);
  const data = parseInput(webhookEndpointInputSchema, input);
  const url = await checkWebhookTarget(data.url, options);
  const secret = generateWebhookSecret();
  const row = await getDb().$transaction(async (tx) => {
    const created = await tx.webhookEndpoint.create({
      data: {
        projectId: actor.projectId,
        url,
        description: data.description,
        events: data.events,
        format: data.format,
        secret,
        createdById: actorUserId(actor),
      },
    });
    await recordAudit(tx, actor, {
      action: "webhook.created",
      targetType: "webhook_endpoint",
      targetId: created.id,
      after: { url, events: data.events, format: data.format },
    });
    return created;
  });
  return { endpointId: row.id, secret };
}

/**
 * Changes an endpoint's URL, events, format and whether it is enabled (ADMIN). Enabling a disabled
 * endpoint clears its failure count; its pending deliveries still inside the 24-hour window are
 * then delivered.
 */
export async function updateWebhookEndpoint(actor: Actor, input: WebhookEndpointUpdate, options: TargetCheckOptions = {}): Promise<void> {
  assertAdmin(actor);
  const data = parseInput(webhookEndpointUpdateSchema, input);
  const before = await loadEndpoint(actor, data.endpointId);
  const url = await checkWebhookTarget(data.url, options);
  await getDb().$transaction(async (tx) => {
    await tx.webhookEndpoint.update({
      where: { id: before.id },
      data: {
        url,
        description: data.description,
        events: data.events,
        format: data.format,
        enabled: data.enabled,
        ...(data.enabled && !before.enabled ? { consecutiveFailures: 0, disabledAt: null, disabledReason: null } : {}),
        ...(!data.enabled && before.enabled ? { disabledAt: new Date(), disabledReason: `disabled by ${actorLabel(actor)}` } : {}),
      },
    });
    // Re-queued by the worker's sweep (queuedAt cleared) once enabled.
    if (data.enabled && !before.enabled) await tx.webhookDelivery.updateMany({ where: { endpointId: before.id, status: "pending" }, data: { queuedAt: null } });
    await recordAudit(tx, actor, {
      action: "webhook.updated",
      targetType: "webhook_endpoint",
      targetId: before.id,
      before: { url: before.url, events: before.events, format: before.format, enabled: before.enabled },
      after: { url, events: data.events, format: data.format, enabled: data.enabled },
    });
  });
  wakeWebhookWorker();
}

/**
 * Replaces the signing secret (ADMIN); the new one is returned once and signs every delivery from
 * now on. The previous secret keeps signing too (a second `v1=` in the header) for the grace
 * window, `PROMPTDECK_WEBHOOK_SECRET_GRACE_HOURS` (24; 0 = none), so receivers can switch without
 * refusing deliveries. Rotating again within the window replaces the previous secret: only the
 * secret just replaced stays valid.
 */
export async function rotateWebhookSecret(actor: Actor, endpointId: string, options: { graceHours?: number; now?: Date } = {}): Promise<WebhookSecretShown> {
  assertAdmin(actor);
  const row = await loadEndpoint(actor, endpointId);
  const secret = generateWebhookSecret();
  const graceHours = options.graceHours ?? envVar("PROMPTDECK_WEBHOOK_SECRET_GRACE_HOURS");
  const now = options.now ?? new Date();
  const grace =
    graceHours > 0
      ? { previousSecret: row.secret, previousSecretExpiresAt: new Date(now.getTime() + graceHours * 3_600_000) }
      : { previousSecret: null, previousSecretExpiresAt: null };
  await getDb().$transaction(async (tx) => {
    await tx.webhookEndpoint.update({ where: { id: row.id }, data: { secret, ...grace } });
    await recordAudit(tx, actor, {
      action: "webhook.secret_rotated",
      targetType: "webhook_endpoint",
      targetId: row.id,
      after: { previousSecretValidUntil: grace.previousSecretExpiresAt?.toISOString() ?? null },
    });
  });
  return { endpointId: row.id, secret, previousSecretValidUntil: grace.previousSecretExpiresAt?.toISOString() ?? null };
}

/** Deletes an endpoint and its delivery log (ADMIN). */
export async function deleteWebhookEndpoint(actor: Actor, endpointId: string): Promise<void> {
  assertAdmin(actor);
  const row = await loadEndpoint(actor, endpointId);
  await getDb().$transaction(async (tx) => {
    await tx.webhookEndpoint.delete({ where: { id: row.id } });
    await recordAudit(tx, actor, { action: "webhook.deleted", targetType: "webhook_endpoint", targetId: row.id, before: { url: row.url, events: row.events } });
  });
}

/**
 * Records a `webhook.test` event for one endpoint and queues its delivery (ADMIN): one attempt,
 * not retried, not counted towards disabling. Refused for a disabled endpoint. Returns the delivery id.
 */
export async function sendTestEvent(actor: Actor, endpointId: string): Promise<string> {
  assertAdmin(actor);
  const row = await loadEndpoint(actor, endpointId);
  if (!row.enabled) throw new AppError("conflict", "This endpoint is disabled: enable it before sending a test event");
  const delivery = await getDb().$transaction(async (tx) => {
    const event = await tx.projectEvent.create({
      data: {
        id: `evt_${randomUUID().replaceAll("-", "")}`,
        projectId: actor.projectId,
        type: TEST_EVENT_TYPE,
        data: { message: "A test event sent from the Promptdeck settings page", actor: actorLabel(actor) },
      },
    });
    return tx.webhookDelivery.create({ data: { endpointId: row.id, eventId: event.id } });
  });
  wakeWebhookWorker();
  return delivery.id;
}

/**
 * Delivers an event to the endpoint again (ADMIN): a new delivery of the same event (same event id,
 * so a receiver that already has it can drop it), with a fresh 24-hour window of retries.
 */
export async function redeliverWebhook(actor: Actor, deliveryId: string): Promise<string> {
  assertAdmin(actor);
  const original = await getDb().webhookDelivery.findFirst({
    where: { id: deliveryId, endpoint: { projectId: actor.projectId } },
    include: { endpoint: { select: { enabled: true } } },
  });
  if (!original) throw new AppError("not_found", "This delivery does not exist in the project");
  if (!original.endpoint.enabled) throw new AppError("conflict", "This endpoint is disabled: enable it before redelivering");
  const created = await getDb().$transaction(async (tx) => {
    const row = await tx.webhookDelivery.create({ data: { endpointId: original.endpointId, eventId: original.eventId } });
    await recordAudit(tx, actor, {
      action: "webhook.redelivered",
      targetType: "webhook_delivery",
      targetId: row.id,
      after: { of: original.id, event: original.eventId },
    });
    return row;
  });
  wakeWebhookWorker();
  return created.id;
}

const slot = globalThis as unknown as { promptdeckWebhookWake?: () => void };

/** Set by the process's webhook worker: what wakeWebhookWorker calls (no worker in this process: its sweep finds the work). */
export function registerWebhookWake(wake: (() => void) | undefined): void {
  slot.promptdeckWebhookWake = wake;
}

/** Asks this process's webhook worker to look for new deliveries now instead of at its next sweep. */
export function wakeWebhookWorker(): void {
  slot.promptdeckWebhookWake?.();
}
