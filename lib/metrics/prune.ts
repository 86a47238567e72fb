/**
 * Deleting minute rollups past their retention (see retention.ts), periodically and one app
 * instance at a time. Server-only (pg).
 */
import type pg from "pg";
import { PeriodicTask } from "@/lib/jobs/periodic";
import { minuteRetentionCutoff, minuteRetentionDays } from "./retention";

/** Rows deleted per statement: short transactions, no long lock on the writer's upserts. */
const DELETE_BATCH = 20_000;
/** pg_try_advisory_lock key: one pruner at a time across app instances. */
export const PRUNE_LOCK_KEY = 0x70646d72; // "pdmr"

export interface PruneResult {
  /** False when another instance held the pruning lock (nothing was done). */
  ran: boolean;
  cutoff: Date;
  deletedSplitRows: number;
  deletedVersionRows: number;
  ms: number;
}

/** One dedicated connection (a `pg.Client`): the advisory lock is held by the session. */
export interface PruneConnection {
  query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/**
 * Deletes minute rows older than the retention from MetricRollup and MetricRollupVersion, per
 * project (through the (projectId, grainMinutes, bucketStart) indexes), in batches that each
 * commit on their own (no long transaction). Another instance pruning at the same time: skipped.
 */
export async function pruneMinuteRollups(connection: PruneConnection, options: { now?: Date; retentionDays?: number } = {}): Promise<PruneResult> {
  const started = Date.now();
  const cutoff = minuteRetentionCutoff(options.now ?? new Date(), options.retentionDays ?? minuteRetentionDays());
  const result: PruneResult = { ran: false, cutoff, deletedSplitRows: 0, deletedVersionRows: 0, ms: 0 };
  const { rows } = await connection.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${PRUNE_LOCK_KEY}) AS locked`);
  if (!rows[0]?.locked) return { ...result, ms: Date.now() - started };
  result.ran = true;
  try {
    const projects = await connection.query<{ id: string }>(`SELECT "id" FROM "Project"`);
    for (const { id } of projects.rows) {
      for (const table of ["MetricRollup", "MetricRollupVersion"] as const) {
        for (;;) {
          const deleted = await connection.query(
            `DELETE FROM "${table}" WHERE ctid = ANY (ARRAY(SELECT ctid FROM "${table}" WHERE "projectId" = $1 AND "grainMinutes" = 1 AND "bucketStart" < ($2::timestamptz AT TIME ZONE 'UTC') LIMIT ${DELETE_BATCH}))`,
            [id, cutoff.toISOString()],
          );
          const count = deleted.rowCount ?? 0;
          if (table === "MetricRollup") result.deletedSplitRows += count;
          else result.deletedVersionRows += count;
          if (count < DELETE_BATCH) break;
        }
      }
    }
  } finally {
    await connection.query(`SELECT pg_advisory_unlock(${PRUNE_LOCK_KEY})`);
  }
  result.ms = Date.now() - started;
  return result;
}

export interface RollupPrunerOptions {
  connectionString: string;
  /** Default one hour. */
  intervalMs?: number;
  /** The first run, after start. Default one minute (not during startup). */
  firstRunAfterMs?: number;
  retentionDays?: number;
  log?: (message: string) => void;
}

/** Runs `pruneMinuteRollups` periodically on its own short-lived connection. */
export class RollupPruner extends PeriodicTask<PruneResult> {
  constructor(private readonly options: RollupPrunerOptions) {
    super({
      component: "rollup-pruner",
      area: "metrics",
      connectionString: options.connectionString,
      intervalMs: options.intervalMs ?? 3_600_000,
      firstRunAfterMs: options.firstRunAfterMs ?? 60_000,
      failure: "pruning",
      log: options.log,
      describe: (r) =>
        r.deletedSplitRows + r.deletedVersionRows > 0
          ? `pruned ${r.deletedSplitRows} + ${r.deletedVersionRows} minute rollup rows before ${r.cutoff.toISOString()} in ${r.ms} ms`
          : null,
    });
  }

  protected pass(client: pg.Client): Promise<PruneResult> {
    return pruneMinuteRollups(client, { retentionDays: this.options.retentionDays });
  }
}
