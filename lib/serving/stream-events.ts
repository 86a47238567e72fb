/**
 * What the live stream (GET /api/v1/stream) sends, read from the durable ProjectEvent outbox
 * (lib/prompts/notify.ts recordProjectEvent): the prompt changes an app's cache cares about
 * (a version published, a label moved), in commit-tolerant order, and the resume rules for a
 * reconnecting client's Last-Event-ID. Pure mapping and planning here; the queries at the end.
 */
import { z } from "zod";
import { getDb } from "@/lib/db/client";

/** The outbox event types the stream carries (what changes a served prompt). */
export const STREAM_EVENT_TYPES = ["version.published", "label.moved"] as const;
export type StreamEventType = (typeof STREAM_EVENT_TYPES)[number];

/**
 * How far before a point the queries look again. An event's createdAt is its transaction's start
 * (`now()`), so a transaction that ran long commits an event older than ones already seen; each
 * look-up re-reads this window (de-duplicated by id live; possibly repeated on a resume).
 */
export const COMMIT_SLACK_MS = 5_000;

/** One change as the stream sends it (the `data` of an SSE event, whose `id` is `id`). */
export interface PromptChangeEvent {
  /** The outbox event id (`evt_...`): the SSE id, a resuming client's Last-Event-ID. */
  id: string;
  type: StreamEventType;
  /** Prompt name. */
  prompt: string;
  /** The label moved (label.moved), null for a publish. */
  label: string | null;
  /** The version published, or the label's new version. */
  version: string;
  /** The label's version before the move (null for a new label or a publish). */
  previousVersion: string | null;
  /** When the change was made (ISO 8601, UTC). */
  at: string;
}

/** An outbox row as the queries return it. */
export interface OutboxRow {
  id: string;
  type: string;
  data: unknown;
  createdAt: Date;
}

const eventDataSchema = z.looseObject({
  prompt: z.string().min(1),
  label: z.string().nullish(),
  version: z.string().min(1),
  previousVersion: z.string().nullish(),
});

/** The stream's view of an outbox row; null for a type the stream does not carry or data it cannot read. */
export function toPromptChangeEvent(row: OutboxRow): PromptChangeEvent | null {
  if (!(STREAM_EVENT_TYPES as readonly string[]).includes(row.type)) return null;
  const data = eventDataSchema.safeParse(row.data);
  if (!data.success) return null;
  const type = row.type as StreamEventType;
  return {
    id: row.id,
    type,
    prompt: data.data.prompt,
    label: type === "label.moved" ? (data.data.label ?? null) : null,
    version: data.data.version,
    previousVersion: type === "label.moved" ? (data.data.previousVersion ?? null) : null,
    at: row.createdAt.toISOString(),
  };
}

/** Outbox ids as recordProjectEvent makes them; anything else cannot be a Last-Event-ID of ours. */
export const EVENT_ID_PATTERN = /^evt_[0-9a-f]{32}$/;

/** How a stream starts, from the client's Last-Event-ID and where that event is (null: not in this project's outbox). */
export type ResumePlan = { kind: "live" } | { kind: "reset"; reason: string } | { kind: "replay"; after: { id: string; createdAt: Date } };

/** Step 1 of a resume: whether the id is worth looking up (`lookup`), or what to do at once. */
export function parseLastEventId(value: string | undefined): { kind: "live" } | { kind: "reset"; reason: string } | { kind: "lookup"; id: string } {
  if (value === undefined || value.trim() === "") return { kind: "live" };
  const id = value.trim();
  if (!EVENT_ID_PATTERN.test(id)) return { kind: "reset", reason: "The Last-Event-ID is not an event id of this stream: reload everything you cached" };
  return { kind: "lookup", id };
}

/** Step 2: the looked-up event (or null) decides between a replay and a reset. */
export function planResume(id: string, found: { createdAt: Date } | null): ResumePlan {
  if (!found)
    return {
      kind: "reset",
      reason: `Event ${id} is unknown or older than the event retention: changes may have been missed, reload everything you cached`,
    };
  return { kind: "replay", after: { id, createdAt: found.createdAt } };
}

/**
 * Step 3: the events to replay (rows read from the slack window before the anchor on, at most
 * `limit + 1`), or a reset when there are more than `limit` (a client that was away too long
 * reloads instead of receiving a backlog). The anchor itself is never replayed.
 */
export function planReplay(
  anchorId: string,
  rows: readonly OutboxRow[],
  limit: number,
): { kind: "replay"; events: PromptChangeEvent[] } | { kind: "reset"; reason: string } {
  const candidates = rows.filter((r) => r.id !== anchorId);
  if (candidates.length > limit) return { kind: "reset", reason: `More than ${limit} changes since event ${anchorId}: reload everything you cached` };
  const events: PromptChangeEvent[] = [];
  for (const row of candidates) {
    const event = toPromptChangeEvent(row);
    if (event) events.push(event);
  }
  return { kind: "replay", events };
}

// ---------------------------------------------------------------- queries

const TYPES = [...STREAM_EVENT_TYPES];

/** A timestamp as the driver returns it (a Date, or text of a UTC `timestamp` column) as a Date. */
function asDate(value: unknown): Date {
  if (value instanceof Date) return value;
  const text = String(value);
  return new Date(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(text) ? text : `${text.replace(" ", "T")}Z`);
}

const asRow = (row: { id: string; type: string; data: unknown; createdAt: unknown }): OutboxRow => ({ ...row, createdAt: asDate(row.createdAt) });

/** When an outbox event of the project was recorded; null when there is no such event (never was, or pruned). */
export async function findOutboxEventTime(projectId: string, id: string): Promise<{ createdAt: Date } | null> {
  const rows = await getDb().$queryRaw<{ createdAt: unknown }[]>`
    SELECT "createdAt" FROM "ProjectEvent" WHERE "id" = ${id} AND "projectId" = ${projectId}`;
  return rows[0] ? { createdAt: asDate(rows[0].createdAt) } : null;
}

/**
 * The project's stream events recorded at or after `from` (or strictly after the keyset `after`,
 * for the next page), oldest first, at most `limit`. (createdAt is a UTC `timestamp` column.)
 */
export async function loadOutboxEvents(
  projectId: string,
  position: { from: Date } | { after: { createdAt: Date; id: string } },
  limit: number,
): Promise<OutboxRow[]> {
  const db = getDb();
  type Raw = { id: string; type: string; data: unknown; createdAt: unknown };
  if ("from" in position) {
    const rows = await db.$queryRaw<Raw[]>`
      SELECT "id", "type", "data", "createdAt" FROM "ProjectEvent"
      WHERE "projectId" = ${projectId} AND "type" = ANY(${TYPES}) AND "createdAt" >= (${position.from.toISOString()}::timestamptz AT TIME ZONE 'UTC')
      ORDER BY "createdAt", "id" LIMIT ${limit}`;
    return rows.map(asRow);
  }
  const rows = await db.$queryRaw<Raw[]>`
    SELECT "id", "type", "data", "createdAt" FROM "ProjectEvent"
    WHERE "projectId" = ${projectId} AND "type" = ANY(${TYPES})
      AND ("createdAt", "id") > ((${position.after.createdAt.toISOString()}::timestamptz AT TIME ZONE 'UTC'), ${position.after.id})
    ORDER BY "createdAt", "id" LIMIT ${limit}`;
  return rows.map(asRow);
}

/** The database's clock and the project's events in the slack window before it (already "seen" by a tail that starts now). */
export async function outboxTailStart(projectId: string): Promise<{ now: Date; recent: { id: string; createdAt: Date }[] }> {
  const db = getDb();
  const [clock] = await db.$queryRaw<{ now: unknown }[]>`SELECT now() AS "now"`;
  const now = clock ? asDate(clock.now) : new Date();
  const recent = await loadOutboxEvents(projectId, { from: new Date(now.getTime() - COMMIT_SLACK_MS) }, 10_000);
  return { now, recent: recent.map((r) => ({ id: r.id, createdAt: r.createdAt })) };
}

/** The project's newest stream event id; null when it has none. */
export async function latestOutboxEventId(projectId: string): Promise<string | null> {
  const rows = await getDb().$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "ProjectEvent" WHERE "projectId" = ${projectId} AND "type" = ANY(${TYPES}) ORDER BY "createdAt" DESC, "id" DESC LIMIT 1`;
  return rows[0]?.id ?? null;
}
