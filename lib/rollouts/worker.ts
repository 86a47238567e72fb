import type PgBoss from "pg-boss";
import { getDb } from "@/lib/db/client";
import { isConnectionFailure } from "@/lib/errors/unavailable";
import { childLogger } from "@/lib/logger";
import { checkRollout } from "./engine";
import { RolloutQueue, type RolloutJob } from "./queue";

const log = childLogger({ component: "rollout-worker" });

export interface RolloutWorkerOptions {
  connectionString: string;
  /** Seconds between two checks of an active rollout (default 5): a breach rolls back within about that. */
  checkSeconds?: number;
  /** How often active rollouts without a queued check are re-queued (default 30 s; after a restart, at once). */
  sweepSeconds?: number;
  pollingIntervalSeconds?: number;
  /** Flushes the process's call-log buffer before a check reads the calls. */
  flush?: () => Promise<unknown>;
}

/**
 * Checks active rollouts (pg-boss jobs, one per check; see queue.ts and `checkRollout`). The
 * state lives in the Rollout row, so a restarted worker simply goes on: its start sweeps every
 * RUNNING or PAUSED rollout into the queue. A check that fails because the database is down is
 * retried by pg-boss; any other failure is logged and the rollout checked again later.
 */
export class RolloutWorker {
  readonly queue: RolloutQueue;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private working = false;

  constructor(private readonly options: RolloutWorkerOptions) {
    this.queue = new RolloutQueue({ connectionString: options.connectionString, pollingIntervalSeconds: options.pollingIntervalSeconds });
  }

  get running(): boolean {
    return this.working;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.tryStart();
    this.timer = setInterval(() => void this.tryStart(), (this.options.sweepSeconds ?? 30) * 1000);
    this.timer.unref();
  }

  private async tryStart(): Promise<void> {
    if (this.stopped) return;
    try {
      if (!this.working) {
        await this.queue.start();
        await this.queue.work((job) => this.handle(job), 2);
        this.working = true;
        log.info("rollout worker started");
      }
      await this.sweep();
    } catch (error) {
      log.warn({ err: error }, "rollout worker: database not ready; retrying later");
    }
  }

  /** Queues a check of every active rollout (the singleton key drops those with one queued). */
  async sweep(): Promise<number> {
    const rows = await getDb().rollout.findMany({ where: { status: { in: ["RUNNING", "PAUSED"] } }, select: { id: true } });
    let sent = 0;
    for (const row of rows) if (await this.queue.enqueue(row.id)) sent++;
    return sent;
  }

  private async handle(job: PgBoss.Job<RolloutJob>): Promise<void> {
    const id = job.data.rolloutId;
    let again = true;
    try {
      const result = await checkRollout(id, { flush: this.options.flush });
      again = result.next !== null;
    } catch (error) {
      if (isConnectionFailure(error)) throw error; // pg-boss retries the check
      log.error({ err: error, rolloutId: id }, "rollout check failed; checking again later");
    }
    if (again && !this.stopped) await this.queue.enqueue(id, { delaySeconds: this.options.checkSeconds ?? 5 });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.queue.stop();
    this.working = false;
  }
}
