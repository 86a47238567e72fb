import { getDb } from "@/lib/db/client";

/** An endpoint as Settings lists it (never the secret). */
export interface WebhookEndpointView {
  id: string;
  url: string;
  description: string;
  events: string[];
  format: "json" | "slack";
  enabled: boolean;
  consecutiveFailures: number;
  disabledAt: Date | null;
  disabledReason: string | null;
  createdAt: Date;
  /** The latest attempt of any delivery: when, and whether it worked. */
  lastAttempt: { at: Date; ok: boolean; httpStatus: number | null } | null;
  pending: number;
}

/** A project's endpoints, oldest first, with their latest attempt and pending count. */
export async function listWebhookEndpoints(projectId: string): Promise<WebhookEndpointView[]> {
  const db = getDb();
  const rows = await db.webhookEndpoint.findMany({ where: { projectId }, orderBy: { createdAt: "asc" } });
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [pending, latest] = await Promise.all([
    db.webhookDelivery.groupBy({ by: ["endpointId"], where: { endpointId: { in: ids }, status: "pending" }, _count: { _all: true } }),
    db.$queryRaw<Array<{ endpoint_id: string; at: Date; ok: boolean; http_status: number | null }>>`
      SELECT DISTINCT ON (d."endpointId") d."endpointId" AS endpoint_id, a."at", a."ok", a."httpStatus" AS http_status
      FROM "WebhookAttempt" a JOIN "WebhookDelivery" d ON d."id" = a."deliveryId"
      WHERE d."endpointId" = ANY(${ids})
      ORDER BY d."endpointId", a."at" DESC`,
  ]);
  const pendingBy = new Map(pending.map((p) => [p.endpointId, p._count._all]));
  const latestBy = new Map(latest.map((l) => [l.endpoint_id, { at: l.at, ok: l.ok, httpStatus: l.http_status }]));
  return rows.map((r) => ({
    id: r.id,
    url: r.url,
    description: r.description,
    events: r.events,
    format: r.format,
    enabled: r.enabled,
    consecutiveFailures: r.consecutiveFailures,
    disabledAt: r.disabledAt,
    disabledReason: r.disabledReason,
    createdAt: r.createdAt,
    lastAttempt: latestBy.get(r.id) ?? null,
    pending: pendingBy.get(r.id) ?? 0,
  }));
}

export interface WebhookDeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  eventAt: Date;
  status: "pending" | "succeeded" | "failed";
  attempts: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
  attemptLog: Array<{ number: number; at: Date; httpStatus: number | null; ok: boolean; latencyMs: number; error: string | null; response: string | null }>;
}

/** One endpoint of the project and its latest deliveries (newest first, `limit` at most) with their attempts; null when unknown. */
export async function getWebhookEndpointLog(
  projectId: string,
  endpointId: string,
  limit = 50,
): Promise<{ endpoint: WebhookEndpointView; deliveries: WebhookDeliveryView[] } | null> {
  const endpoint = (await listWebhookEndpoints(projectId)).find((e) => e.id === endpointId);
  if (!endpoint) return null;
  const rows = await getDb().webhookDelivery.findMany({
    where: { endpointId },
    orderBy: { createdAt: "desc" },
    take: Math.min(Math.max(limit, 1), 200),
    include: { event: { select: { type: true, createdAt: true } }, attemptLog: { orderBy: { number: "desc" }, take: 20 } },
  });
  return {
    endpoint,
    deliveries: rows.map((d) => ({
      id: d.id,
      eventId: d.eventId,
      eventType: d.event.type,
      eventAt: d.event.createdAt,
      status: d.status,
      attempts: d.attempts,
      nextAttemptAt: d.status === "pending" ? d.nextAttemptAt : null,
      createdAt: d.createdAt,
      attemptLog: d.attemptLog.map((a) => ({
        number: a.number,
        at: a.at,
        httpStatus: a.httpStatus,
        ok: a.ok,
        latencyMs: a.latencyMs,
        error: a.error,
        response: a.response,
      })),
    })),
  };
}
