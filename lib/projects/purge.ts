/**
 * Purging deleted projects (Project.deletedAt set by `deleteProject`, mutations.ts): their data is
 * deleted in small batches, each its own short transaction, then the row itself. One instance at
 * a time (an advisory lock). Server-only (pg).
 */
import type pg from "pg";
import { PeriodicTask } from "@/lib/jobs/periodic";

/** Rows per DELETE: short statements that never hold locks long enough to stall the call-log writer. */
export const PURGE_BATCH = 2_000;
/** pg_try_advisory_lock key: one purger at a time across app instances. */
export const PURGE_LOCK_KEY = 0x70647067; // "pdpg"

/** One dedicated connection (a `pg.Client`): the advisory lock is held by the session. */
export interface PurgeConnection {
  query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/**
 * The big tables, emptied batch by batch before the project row goes. Each entry is a statement
 * that deletes at most PURGE_BATCH rows of project $1 through an index. Order matters: eval
 * results reference calls and dataset items, so they go first.
 */
const BATCHED_DELETES: ReadonlyArray<{ table: string; sql: string }> = [
  {
    table: "EvalResult",
    sql: `DELETE FROM "EvalResult" WHERE "id" IN (SELECT r."id" FROM "EvalResult" r JOIN "EvalRun" e ON e."id" = r."runId" WHERE e."projectId" = $1 LIMIT ${PURGE_BATCH})`,
  },
  { table: "CallLog", sql: `DELETE FROM "CallLog" WHERE "id" IN (SELECT "id" FROM "CallLog" WHERE "projectId" = $1 LIMIT ${PURGE_BATCH})` },
  { table: "MetricRollup", sql: `DELETE FROM "MetricRollup" WHERE "id" IN (SELECT "id" FROM "MetricRollup" WHERE "projectId" = $1 LIMIT ${PURGE_BATCH})` },
  {
    table: "MetricRollupVersion",
    sql: `DELETE FROM "MetricRollupVersion" WHERE "id" IN (SELECT "id" FROM "MetricRollupVersion" WHERE "projectId" = $1 LIMIT ${PURGE_BATCH})`,
  },
  {
    table: "DatasetItem",
    sql: `DELETE FROM "DatasetItem" WHERE "id" IN (SELECT i."id" FROM "DatasetItem" i JOIN "Dataset" d ON d."id" = i."datasetId" WHERE d."projectId" = $1 LIMIT ${PURGE_BATCH})`,
  },
  { table: "AuditEvent", sql: `DELETE FROM "AuditEvent" WHERE "id" IN (SELECT "id" FROM "AuditEvent" WHERE "projectId" = $1 LIMIT ${PURGE_BATCH})` },
  { table: "ProjectEvent", sql: `DELETE FROM "ProjectEvent" WHERE "id" IN (SELECT "id" FROM "ProjectEvent" WHERE "projectId" = $1 LIMIT ${PURGE_BATCH})` },
];

/**
 * What is left is small per project (prompts, versions, labels, experiments, runs, datasets), so
 * it goes in one transaction, in the order the RESTRICT foreign keys need (variants and label
 * events hold versions; labels hold versions), ending with the row.
 */
const FINAL_DELETES: readonly string[] = [
  `DELETE FROM "Experiment" WHERE "promptId" IN (SELECT "id" FROM "Prompt" WHERE "projectId" = $1)`,
  `DELETE FROM "LabelEvent" WHERE "labelId" IN (SELECT l."id" FROM "Label" l JOIN "Prompt" p ON p."id" = l."promptId" WHERE p."projectId" = $1)`,
  `DELETE FROM "Label" WHERE "promptId" IN (SELECT "id" FROM "Prompt" WHERE "projectId" = $1)`,
  `DELETE FROM "EvalRun" WHERE "projectId" = $1`,
  `DELETE FROM "Prompt" WHERE "projectId" = $1`,
  `DELETE FROM "Dataset" WHERE "projectId" = $1`,
  `DELETE FROM "Project" WHERE "id" = $1 AND "deletedAt" IS NOT NULL`,
];

export interface PurgeResult {
  /** False when another instance held the lock (nothing was done). */
  ran: boolean;
  /** Projects removed for good. */
  purgedProjects: string[];
  /** Rows deleted per table by the batched statements. */
  deleted: Record<string, number>;
  ms: number;
}

/**
 * Purges every deleted project: the batched tables until empty (each batch commits on its own,
 * so a stop or crash midway loses nothing and the next pass continues), then the rest and the
 * row in one transaction. `maxBatches` bounds one pass and `shouldStop` ends it between batches
 * (the next pass goes on).
 */
export async function purgeDeletedProjects(
  connection: PurgeConnection,
  options: { maxBatches?: number; shouldStop?: () => boolean } = {},
): Promise<PurgeResult> {
  const started = Date.now();
  const result: PurgeResult = { ran: false, purgedProjects: [], deleted: {}, ms: 0 };
  const { rows } = await connection.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${PURGE_LOCK_KEY}) AS locked`);
  if (!rows[0]?.locked) return { ...result, ms: Date.now() - started };
  result.ran = true;
  let budget = options.maxBatches ?? Number.POSITIVE_INFINITY;
  try {
    const projects = await connection.query<{ id: string }>(`SELECT "id" FROM "Project" WHERE "deletedAt" IS NOT NULL ORDER BY "deletedAt"`);
    for (const { id } of projects.rows) {
      let finished = true;
      for (const { table, sql } of BATCHED_DELETES) {
        for (;;) {
          if (budget <= 0 || options.shouldStop?.()) {
            finished = false;
            break;
          }
          budget -= 1;
          const count = (await connection.query(sql, [id])).rowCount ?? 0;
          result.deleted[table] = (result.deleted[table] ?? 0) + count;
          if (count < PURGE_BATCH) break;
        }
        if (!finished) break;
      }
      if (!finished) break;
      await connection.query("BEGIN");
      try {
        for (const sql of FINAL_DELETES) await connection.query(sql, [id]);
        await connection.query("COMMIT");
      } catch (error) {
        await connection.query("ROLLBACK");
        throw error;
      }
      result.purgedProjects.push(id);
    }
  } finally {
    await connection.query(`SELECT pg_advisory_unlock(${PURGE_LOCK_KEY})`);
  }
  result.ms = Date.now() - started;
  return result;
}

export interface ProjectPurgerOptions {
  connectionString: string;
  /** Between passes. Default 30 s (a deleted project's data is gone within a minute or so). */
  intervalMs?: number;
  /** The first pass, after start. Default 10 s. */
  firstRunAfterMs?: number;
  log?: (message: string) => void;
}

/** Runs `purgeDeletedProjects` periodically on its own short-lived connection (owned by the process). */
export class ProjectPurger extends PeriodicTask<PurgeResult> {
  constructor(options: ProjectPurgerOptions) {
    super({
      component: "project-purger",
      area: "projects",
      connectionString: options.connectionString,
      intervalMs: options.intervalMs ?? 30_000,
      firstRunAfterMs: options.firstRunAfterMs ?? 10_000,
      failure: "purging deleted projects",
      log: options.log,
      describe: (r) => (r.purgedProjects.length > 0 ? `purged ${r.purgedProjects.length} deleted project(s) in ${r.ms} ms` : null),
    });
  }

  protected pass(client: pg.Client): Promise<PurgeResult> {
    // A stop between batches: the pass ends after the batch in flight.
    return purgeDeletedProjects(client, { shouldStop: () => this.stopped });
  }
}
