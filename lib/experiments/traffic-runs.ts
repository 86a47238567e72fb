import { actorLabel, actorUserId, type Actor } from "@/lib/audit/actor";
import { getDb } from "@/lib/db/client";
import type { ExperimentTrafficRunStatus, Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { childLogger } from "@/lib/logger";

const log = childLogger({ component: "traffic-runs" });

/**
 * Progress records of dashboard traffic runs (`ExperimentTrafficRun`), so that every app
 * instance (and the same one after a restart) can show a run. The process running a run owns its
 * row: `TrafficRunRecorder` writes the counters at most every `flushMs` (250 ms) while calls
 * finish, and a heartbeat at least every `heartbeatMs` (5 s) while they are slow. Readers mark a
 * RUNNING row whose heartbeat is older than `STALE_AFTER_MS` (30 s) as INTERRUPTED: its process
 * died, and it must not show "running" forever.
 */

export type TrafficStatus = "running" | "done" | "stopped" | "interrupted";

export interface TrafficProgress {
  id: string;
  experimentId: string;
  total: number;
  done: number;
  ok: number;
  failed: number;
  invalid: number;
  byVariant: Record<string, number>;
  status: TrafficStatus;
  message: string | null;
  pausedVariants: string[];
  /** Who started it: the user's name or email, or "API key". */
  startedBy: string;
  startedAt: string;
  heartbeatAt: string;
  finishedAt: string | null;
}

/** A RUNNING row whose heartbeat is older than this is reported (and stored) as interrupted. */
export const STALE_AFTER_MS = 30_000;
export const FLUSH_MS = 250;
export const HEARTBEAT_MS = 5_000;

type Db = Pick<PrismaClient, "experimentTrafficRun">;

const STATUS_TO_DB: Record<TrafficStatus, ExperimentTrafficRunStatus> = { running: "RUNNING", done: "DONE", stopped: "STOPPED", interrupted: "INTERRUPTED" };
const STATUS_FROM_DB: Record<ExperimentTrafficRunStatus, TrafficStatus> = { RUNNING: "running", DONE: "done", STOPPED: "stopped", INTERRUPTED: "interrupted" };

const rowSelect = {
  id: true,
  experimentId: true,
  status: true,
  requested: true,
  completed: true,
  ok: true,
  failed: true,
  invalid: true,
  byVariant: true,
  pausedVariants: true,
  error: true,
  startedByLabel: true,
  startedAt: true,
  heartbeatAt: true,
  finishedAt: true,
  startedBy: { select: { name: true, email: true } },
} satisfies Prisma.ExperimentTrafficRunSelect;
type Row = Prisma.ExperimentTrafficRunGetPayload<{ select: typeof rowSelect }>;

function counts(value: unknown): Record<string, number> {
  if (!value || typeof value !== "object" || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === "number"));
}

function toProgress(row: Row): TrafficProgress {
  return {
    id: row.id,
    experimentId: row.experimentId,
    total: row.requested,
    done: row.completed,
    ok: row.ok,
    failed: row.failed,
    invalid: row.invalid,
    byVariant: counts(row.byVariant),
    status: STATUS_FROM_DB[row.status],
    message: row.error,
    pausedVariants: Array.isArray(row.pausedVariants) ? row.pausedVariants.filter((s): s is string => typeof s === "string") : [],
    startedBy: row.startedBy?.name ?? row.startedBy?.email ?? (row.startedByLabel.startsWith("api_key:") ? "API key" : "a deleted user"),
    startedAt: row.startedAt.toISOString(),
    heartbeatAt: row.heartbeatAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

export function interruptedMessage(done: number, total: number): string {
  return `The run was interrupted after ${done} of ${total} calls: the server process running it stopped (restart or crash). The calls it made are counted in the results; send traffic again for the rest.`;
}

/** Marks the row INTERRUPTED when it is RUNNING with a stale heartbeat (conditional: a live writer wins). */
async function settleStale(db: Db, row: Row, now: Date): Promise<Row> {
  if (row.status !== "RUNNING" || now.getTime() - row.heartbeatAt.getTime() <= STALE_AFTER_MS) return row;
  const error = interruptedMessage(row.completed, row.requested);
  const marked = await db.experimentTrafficRun.updateMany({
    where: { id: row.id, status: "RUNNING", heartbeatAt: row.heartbeatAt },
    data: { status: "INTERRUPTED", finishedAt: row.heartbeatAt, error },
  });
  if (marked.count === 1) return { ...row, status: "INTERRUPTED", finishedAt: row.heartbeatAt, error };
  // Someone else changed it meanwhile (its writer came back, or another reader marked it): read again.
  return (await db.experimentTrafficRun.findUnique({ where: { id: row.id }, select: rowSelect })) ?? row;
}

interface ReadOptions {
  db?: Db;
  now?: Date;
}

/** A run's progress (only runs of this experiment; the caller checked the experiment's project); null when unknown. */
export async function getTrafficProgress(experimentId: string, runId: string, options: ReadOptions = {}): Promise<TrafficProgress | null> {
  const db = options.db ?? getDb();
  const row = await db.experimentTrafficRun.findFirst({ where: { id: runId, experimentId }, select: rowSelect });
  return row ? toProgress(await settleStale(db, row, options.now ?? new Date())) : null;
}

/** The newest run of an experiment (a reload, or another instance, picks its progress up again). */
export async function latestTrafficRun(experimentId: string, options: ReadOptions = {}): Promise<TrafficProgress | null> {
  const db = options.db ?? getDb();
  const row = await db.experimentTrafficRun.findFirst({ where: { experimentId }, orderBy: { startedAt: "desc" }, select: rowSelect });
  return row ? toProgress(await settleStale(db, row, options.now ?? new Date())) : null;
}

export interface RecorderOptions {
  db?: Db;
  flushMs?: number;
  heartbeatMs?: number;
}

/**
 * The writer side of one run. `progress` is the live in-process record the workers mutate; call
 * `changed()` after each mutation. Writes are serialised (one in flight), coalesced (at most one per
 * `flushMs`) and conditional on the row still being RUNNING: when a reader declared the run
 * interrupted (no heartbeat for 30 s, e.g. the database was unreachable), `progress.status`
 * becomes "interrupted" so the workers stop sending. A failed write is logged and retried on the
 * next tick; it never fails the run.
 */
export class TrafficRunRecorder {
  /** Database writes made (insert + updates), for tests and measurements. */
  writes = 0;
  private dirty = false;
  private lastWrite = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private inFlight: Promise<void> | null = null;
  private readonly db: Db;
  private readonly flushMs: number;
  private readonly heartbeatMs: number;

  constructor(
    readonly progress: TrafficProgress,
    options: RecorderOptions = {},
  ) {
    this.db = options.db ?? getDb();
    this.flushMs = options.flushMs ?? FLUSH_MS;
    this.heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  }

  /** Inserts the RUNNING row and starts the flush timer. */
  async begin(actor: Actor): Promise<void> {
    const p = this.progress;
    const created = await this.db.experimentTrafficRun.create({
      data: {
        id: p.id,
        experimentId: p.experimentId,
        requested: p.total,
        byVariant: p.byVariant,
        startedById: actorUserId(actor),
        startedByLabel: actorLabel(actor),
        startedAt: new Date(p.startedAt),
        heartbeatAt: new Date(p.startedAt),
      },
      select: rowSelect,
    });
    p.startedBy = toProgress(created).startedBy;
    this.writes++;
    this.lastWrite = Date.now();
    this.timer = setInterval(() => this.tick(), this.flushMs);
    this.timer.unref();
  }

  changed(): void {
    this.dirty = true;
  }

  private tick(): void {
    if (this.inFlight) return;
    if (this.dirty || Date.now() - this.lastWrite >= this.heartbeatMs) void this.write(false);
  }

  private write(final: boolean): Promise<void> {
    this.dirty = false;
    const p = this.progress;
    const now = new Date();
    const data = {
      completed: p.done,
      ok: p.ok,
      failed: p.failed,
      invalid: p.invalid,
      byVariant: p.byVariant,
      pausedVariants: p.pausedVariants,
      error: p.message,
      heartbeatAt: now,
      ...(final ? { status: STATUS_TO_DB[p.status], finishedAt: p.finishedAt ? new Date(p.finishedAt) : now } : {}),
    };
    const run = (async () => {
      try {
        // The final write lands even on a row a reader marked interrupted (its counts are then exact).
        const updated = await this.db.experimentTrafficRun.updateMany({ where: final ? { id: p.id } : { id: p.id, status: "RUNNING" }, data });
        this.writes++;
        this.lastWrite = now.getTime();
        if (!final && updated.count === 0 && p.status === "running") {
          p.status = "interrupted";
          p.message = "The run was marked interrupted (no progress could be recorded for 30 s); the remaining calls were not sent.";
        }
      } catch (error) {
        this.dirty = true;
        log.error({ err: error, trafficRunId: p.id }, "could not record traffic-run progress");
        if (final) throw error;
      }
    })();
    this.inFlight = run.finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Stops the timer and writes the final counters, status and finish time. */
  async finish(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.inFlight) await this.inFlight;
    await this.write(true);
  }
}
