/**
 * Call-log retention: each project may keep its logged calls for `settings.calls.retention_days`
 * (lib/calls/record.ts, edited on the project settings page). Older CallLog rows are deleted in
 * small batches, one short statement each, so the writer's inserts never wait on a long lock.
 * The rollups are separate tables and stay: every chart, total and cost figure of the deleted
 * period is unchanged; only the per-call rows (and their bodies) go. Server-only (pg).
 */
import type pg from "pg";
import { PeriodicTask } from "@/lib/jobs/periodic";
import { projectCallLogSettingsSchema } from "@/lib/calls/record";

/** Rows per DELETE. Small: each statement is a few milliseconds. */
export const RETENTION_BATCH = 1_000;
/** pg_try_advisory_lock key: one pruner at a time across app instances. */
export const RETENTION_LOCK_KEY = 0x70646372; // "pdcr"

export interface RetentionConnection {
  query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** The oldest `createdAt` kept at `now` for a retention of `days`. */
export function callRetentionCutoff(now: Date, days: number): Date {
  return new Date(now.getTime() - days * 86_400_000);
}

export interface CallRetentionResult {
  ran: boolean;
  /** Calls deleted per project id. */
  deleted: Record<string, number>;
  ms: number;
}

/**
 * Deletes, for every live project with a retention, the calls created before its cutoff, through
 * the (projectId, createdAt) index, RETENTION_BATCH rows per statement until none is left (or
 * `shouldStop` says so between batches). A project whose stored retention is invalid is skipped
 * (the settings page only saves valid ones). Another instance pruning: skipped.
 */
export async function pruneExpiredCalls(
  connection: RetentionConnection,
  options: { now?: Date; shouldStop?: () => boolean; pauseMs?: number } = {},
): Promise<CallRetentionResult> {
  const started = Date.now();
  const now = options.now ?? new Date();
  const result: CallRetentionResult = { ran: false, deleted: {}, ms: 0 };
  const { rows } = await connection.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${RETENTION_LOCK_KEY}) AS locked`);
  if (!rows[0]?.locked) return { ...result, ms: Date.now() - started };
  result.ran = true;
  try {
    const projects = await connection.query<{ id: string; calls: unknown }>(
      `SELECT "id", "settings"->'calls' AS "calls" FROM "Project" WHERE "deletedAt" IS NULL AND jsonb_typeof("settings"->'calls'->'retention_days') = 'number'`,
    );
    for (const project of projects.rows) {
      const parsed = projectCallLogSettingsSchema.safeParse(project.calls);
      const days = parsed.success ? parsed.data.retention_days : undefined;
      if (days === undefined) continue;
      const cutoff = callRetentionCutoff(now, days);
      let total = 0;
      for (;;) {
        if (options.shouldStop?.()) break;
        const deleted = await connection.query(
          `DELETE FROM "CallLog" WHERE "id" IN (SELECT "id" FROM "CallLog" WHERE "projectId" = $1 AND "createdAt" < ($2::timestamptz AT TIME ZONE 'UTC') LIMIT ${RETENTION_BATCH})`,
          [project.id, cutoff.toISOString()],
        );
        const count = deleted.rowCount ?? 0;
        total += count;
        if (count < RETENTION_BATCH) break;
        if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
      }
      if (total > 0) result.deleted[project.id] = total;
    }
  } finally {
    await connection.query(`SELECT pg_advisory_unlock(${RETENTION_LOCK_KEY})`);
  }
  result.ms = Date.now() - started;
  return result;
}

export interface CallRetentionPrunerOptions {
  connectionString: string;
  /** Default 15 minutes. */
  intervalMs?: number;
  /** The first pass, after start. Default two minutes (not during startup). */
  firstRunAfterMs?: number;
  /** A pause between batches, leaving the database to other work. Default 20 ms. */
  pauseMs?: number;
  log?: (message: string) => void;
}

/** Runs `pruneExpiredCalls` periodically on its own short-lived connection (owned by the process). */
export class CallRetentionPruner extends PeriodicTask<CallRetentionResult> {
  constructor(private readonly options: CallRetentionPrunerOptions) {
    super({
      component: "call-retention",
      area: "calls",
      connectionString: options.connectionString,
      intervalMs: options.intervalMs ?? 900_000,
      firstRunAfterMs: options.firstRunAfterMs ?? 120_000,
      failure: "call retention",
      log: options.log,
      describe: (result) => {
        const total = Object.values(result.deleted).reduce((a, b) => a + b, 0);
        return total > 0 ? `deleted ${total} calls past their project's retention in ${result.ms} ms` : null;
      },
    });
  }

  protected pass(client: pg.Client, now?: Date): Promise<CallRetentionResult> {
    // A stop ends the pass after the batch in flight.
    return pruneExpiredCalls(client, { now, shouldStop: () => this.stopped, pauseMs: this.options.pauseMs ?? 20 });
  }

  /** One pass now (also what the timer runs), as if at `now`. */
  override runOnce(now?: Date): Promise<CallRetentionResult> {
    return this.withConnection((client) => this.pass(client, now));
  }
}
