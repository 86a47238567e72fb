/**
 * Deleting old rows of the event outbox and the webhook delivery log (ProjectEvent,
 * WebhookDelivery, WebhookAttempt) past their retention (PROMPTDECK_EVENT_RETENTION_DAYS, 30),
 * periodically, in small batches that each commit on their own, one app instance at a time.
 * Pending deliveries (still being retried) and their events are kept whatever their age.
 */
import type pg from "pg";
import { PeriodicTask } from "@/lib/jobs/periodic";
import { envVar } from "@/lib/env";

/** Rows deleted per statement: short transactions, no long lock on the outbox the writers insert into. */
export const EVENT_PRUNE_BATCH = 1_000;
/** pg_try_advisory_lock key: one pruner at a time across app instances. */
export const EVENT_PRUNE_LOCK_KEY = 0x70646576; // "pdev"

export interface EventPruneResult {
  /** False when another instance held the lock (nothing was done). */
  ran: boolean;
  cutoff: Date;
  attempts: number;
  deliveries: number;
  events: number;
  ms: number;
}

/** One dedicated connection (the advisory lock is held by the session). */
export interface EventPruneConnection {
  query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** The retention cutoff: `days` before `now`. */
export function eventRetentionCutoff(now: Date, days: number): Date {
  return new Date(now.getTime() - days * 86_400_000);
}

// The tables' timestamps are UTC `timestamp` columns: the cutoff is given as timestamptz and converted.
const CUTOFF = `($1::timestamptz AT TIME ZONE 'UTC')`;
const STATEMENTS = {
  // Attempts of finished deliveries, by the attempt's time.
  attempts: `DELETE FROM "WebhookAttempt" WHERE "id" IN (
      SELECT a."id" FROM "WebhookAttempt" a JOIN "WebhookDelivery" d ON d."id" = a."deliveryId"
      WHERE a."at" < ${CUTOFF} AND d."status" <> 'pending' LIMIT $2)`,
  // Finished deliveries (their remaining attempts cascade).
  deliveries: `DELETE FROM "WebhookDelivery" WHERE "id" IN (
      SELECT "id" FROM "WebhookDelivery" WHERE "createdAt" < ${CUTOFF} AND "status" <> 'pending' LIMIT $2)`,
  // Events no pending delivery still needs (a stream's Last-Event-ID older than this is answered with a reset).
  events: `DELETE FROM "ProjectEvent" WHERE "id" IN (
      SELECT e."id" FROM "ProjectEvent" e
      WHERE e."createdAt" < ${CUTOFF}
        AND NOT EXISTS (SELECT 1 FROM "WebhookDelivery" d WHERE d."eventId" = e."id" AND d."status" = 'pending')
      LIMIT $2)`,
} as const;

/**
 * Deletes attempts, then deliveries, then events older than the retention, `batch` rows per
 * statement until a statement deletes fewer. Another instance pruning at the same time: skipped.
 */
export async function pruneEventLog(
  connection: EventPruneConnection,
  options: { now?: Date; retentionDays?: number; batch?: number } = {},
): Promise<EventPruneResult> {
  const started = Date.now();
  const cutoff = eventRetentionCutoff(options.now ?? new Date(), options.retentionDays ?? envVar("PROMPTDECK_EVENT_RETENTION_DAYS"));
  const batch = options.batch ?? EVENT_PRUNE_BATCH;
  const result: EventPruneResult = { ran: false, cutoff, attempts: 0, deliveries: 0, events: 0, ms: 0 };
  const { rows } = await connection.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${EVENT_PRUNE_LOCK_KEY}) AS locked`);
  if (!rows[0]?.locked) return { ...result, ms: Date.now() - started };
  result.ran = true;
  try {
    for (const table of ["attempts", "deliveries", "events"] as const) {
      for (;;) {
        const deleted = (await connection.query(STATEMENTS[table], [cutoff.toISOString(), batch])).rowCount ?? 0;
        result[table] += deleted;
        if (deleted < batch) break;
      }
    }
  } finally {
    await connection.query(`SELECT pg_advisory_unlock(${EVENT_PRUNE_LOCK_KEY})`);
  }
  result.ms = Date.now() - started;
  return result;
}

export interface EventPrunerOptions {
  connectionString: string;
  /** Default one hour. */
  intervalMs?: number;
  /** The first run, after start. Default two minutes (not during startup). */
  firstRunAfterMs?: number;
  retentionDays?: number;
  batch?: number;
  log?: (message: string) => void;
}

/** Runs `pruneEventLog` periodically on its own short-lived connection (owned by the process, lib/runtime/process.ts). */
export class EventPruner extends PeriodicTask<EventPruneResult> {
  constructor(private readonly options: EventPrunerOptions) {
    super({
      component: "event-pruner",
      area: "webhooks",
      connectionString: options.connectionString,
      intervalMs: options.intervalMs ?? 3_600_000,
      firstRunAfterMs: options.firstRunAfterMs ?? 120_000,
      failure: "pruning",
      log: options.log,
      describe: (r) =>
        r.attempts + r.deliveries + r.events > 0
          ? `pruned ${r.events} events, ${r.deliveries} deliveries, ${r.attempts} attempts before ${r.cutoff.toISOString()} in ${r.ms} ms`
          : null,
    });
  }

  get retentionDays(): number {
    return this.options.retentionDays ?? envVar("PROMPTDECK_EVENT_RETENTION_DAYS");
  }

  protected pass(client: pg.Client): Promise<EventPruneResult> {
    return pruneEventLog(client, { retentionDays: this.retentionDays, batch: this.options.batch });
  }
}
