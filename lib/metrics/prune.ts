/**
 * Deleting minute rollups past their retention (see retention.ts), periodically and one app
 * instance at a time. Server-only (pg).
 */
import pg from "pg";
import { childLogger } from "@/lib/logger";
import { minuteRetentionCutoff, minuteRetentionDays } from "./retention";

const log = childLogger({ component: "rollup-pruner" });

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
export class RollupPruner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: RollupPrunerOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(this.options.firstRunAfterMs ?? 60_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pruning pass now (also what the timer runs). */
  async runOnce(): Promise<PruneResult> {
    const client = new pg.Client({ connectionString: this.options.connectionString, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      return await pruneMinuteRollups(client, { retentionDays: this.options.retentionDays });
    } finally {
      await client.end();
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then((result) => {
          if (result.deletedSplitRows + result.deletedVersionRows > 0) {
            this.log(
              `pruned ${result.deletedSplitRows} + ${result.deletedVersionRows} minute rollup rows before ${result.cutoff.toISOString()} in ${result.ms} ms`,
            );
          }
        })
        .catch((error: unknown) => this.log(`pruning failed (will retry): ${error instanceof Error ? error.message : String(error)}`, "warn"))
        .finally(() => {
          this.running = undefined;
          this.schedule(this.options.intervalMs ?? 3_600_000);
        });
    }, delayMs);
    this.timer.unref();
  }

  private log(message: string, level: "info" | "warn" = "info"): void {
    if (this.options.log) this.options.log(`[metrics] ${message}`);
    else log[level](message);
  }
}
