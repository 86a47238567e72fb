import { randomUUID } from "node:crypto";
import type { Prisma } from "@/lib/generated/prisma/client";

/** The PostgreSQL NOTIFY channel on which prompt changes (publish, label move) are announced. */
export const PROMPT_CHANGED_CHANNEL = "promptdeck_prompt_changed";

/** Payload of one notification: which prompt changed. */
export interface PromptChangedPayload {
  projectId: string;
  name: string;
}

/**
 * Announces, inside the caller's transaction, that what a prompt serves may have changed (a
 * version was published or a label moved). PostgreSQL delivers the notification on commit only,
 * so listeners never see a change that was rolled back. Every app instance LISTENing on
 * `PROMPT_CHANGED_CHANNEL` drops its cached copies of that prompt (lib/serving/change-feed.ts).
 */
export async function notifyPromptChanged(tx: Pick<Prisma.TransactionClient, "$executeRaw">, projectId: string, promptName: string): Promise<void> {
  const payload: PromptChangedPayload = { projectId, name: promptName };
  await tx.$executeRaw`SELECT pg_notify(${PROMPT_CHANGED_CHANNEL}, ${JSON.stringify(payload)})`;
}

/** Parses a notification payload; null when it is not ours. */
export function parsePromptChangedPayload(payload: string | undefined): PromptChangedPayload | null {
  if (!payload) return null;
  try {
    const value = JSON.parse(payload) as unknown;
    if (value && typeof value === "object" && "projectId" in value && "name" in value) {
      const { projectId, name } = value as Record<string, unknown>;
      if (typeof projectId === "string" && typeof name === "string") return { projectId, name };
    }
  } catch {
    // not JSON: not ours
  }
  return null;
}

// ---------------------------------------------------------------- the event outbox

/**
 * Event types of the change feed's outbox, the ones webhook endpoints subscribe to. The release.*
 * types are recorded by release requests (lib/prompts/release-requests.ts).
 */
export const PROJECT_EVENT_TYPES = [
  "version.published",
  "label.moved",
  "experiment.started",
  "experiment.paused",
  "experiment.completed",
  "eval.completed",
  "release.requested",
  "release.approved",
  "release.rejected",
] as const;
export type ProjectEventType = (typeof PROJECT_EVENT_TYPES)[number];

/** The test event "send test event" records for one endpoint (never subscribed to). */
export const TEST_EVENT_TYPE = "webhook.test";

/** The event's data: JSON, at most a few KB (names, versions, ids, a reason). */
export type ProjectEventData = Record<string, Prisma.InputJsonValue | null>;

/**
 * Records an event in the change feed's outbox inside the caller's transaction, with one
 * pending webhook delivery for each enabled endpoint of the project subscribed to `type`: the
 * event and its deliveries exist iff the change commits (one statement). The webhook worker
 * (lib/webhooks) delivers them; the event id is the de-duplication key receivers get. Returns it.
 */
export async function recordProjectEvent(
  tx: Pick<Prisma.TransactionClient, "$executeRaw">,
  projectId: string,
  type: ProjectEventType,
  data: ProjectEventData,
): Promise<string> {
  const id = `evt_${randomUUID().replaceAll("-", "")}`;
  await tx.$executeRaw`
    WITH event AS (
      INSERT INTO "ProjectEvent" ("id", "projectId", "type", "data") VALUES (${id}, ${projectId}, ${type}, ${JSON.stringify(data)}::jsonb) RETURNING "id"
    )
    INSERT INTO "WebhookDelivery" ("id", "endpointId", "eventId")
    SELECT 'dlv_' || replace(gen_random_uuid()::text, '-', ''), w."id", event."id"
    FROM "WebhookEndpoint" w, event
    WHERE w."projectId" = ${projectId} AND w."enabled" AND ${type} = ANY(w."events")`;
  return id;
}
