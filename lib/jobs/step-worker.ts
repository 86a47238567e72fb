import type PgBoss from "pg-boss";
import { childLogger } from "@/lib/logger";
import type { JobQueue } from "./queue";

const log = childLogger({ component: "job-queue" });

export interface StepWorkerOptions<T extends object, Q extends JobQueue<T>> {
  /** For logs: "eval worker". */
  name: string;
  queue: Q;
  /** Jobs worked at once by this process (default 2). */
  concurrency?: number;
  /** How often the sweep runs, and a failed start is retried (default 30 s). */
  sweepSeconds?: number;
  /** Every job that should have a step queued (the sweep; the singleton key drops those that have one). */
  pending(): Promise<T[]>;
  /**
   * One step of one job: resolves to the seconds until its next step, or null when it has ended.
   * A rejection is pg-boss's to retry (throw only what is worth retrying: the database or the API
   * was unreachable); anything else is settled inside the step.
   */
  step(job: T, signal: AbortSignal): Promise<number | null>;
}

/**
 * A worker that advances durable state machines one step per queue job (eval runs, batch jobs,
 * rollout checks): the state lives in the domain's tables, each step queues the next, and a sweep
 * re-queues whatever has no queued step (after a restart, or a step lost with its process).
 * start() never fails the process: with the database down or not migrated yet it logs and tries
 * again every `sweepSeconds`. stop() takes no new job, aborts the steps' signal (they end their
 * current wave and store it) and closes the queue.
 */
export class StepWorker<T extends object, Q extends JobQueue<T> = JobQueue<T>> {
  readonly queue: Q;
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private working = false;

  constructor(private readonly spec: StepWorkerOptions<T, Q>) {
    this.queue = spec.queue;
  }

  get running(): boolean {
    return this.working;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.tryStart();
    this.timer = setInterval(() => void this.tryStart(), (this.spec.sweepSeconds ?? 30) * 1000);
    this.timer.unref();
  }

  private async tryStart(): Promise<void> {
    if (this.stopped) return;
    try {
      if (!this.working) {
        await this.queue.start();
        await this.queue.work((job) => this.handle(job), this.spec.concurrency ?? 2);
        this.working = true;
        log.info(`${this.spec.name} started`);
      }
      await this.sweep();
    } catch (error) {
      log.warn({ err: error }, `${this.spec.name}: database not ready; retrying later`);
    }
  }

  /** Queues a step of every pending job; returns how many were queued. */
  async sweep(): Promise<number> {
    let sent = 0;
    for (const job of await this.spec.pending()) if (await this.queue.send(job)) sent++;
    return sent;
  }

  private async handle(job: PgBoss.Job<T>): Promise<void> {
    const next = await this.spec.step(job.data, this.abort.signal);
    // After stop() the queue is closing: the next worker's sweep queues the job again.
    if (next !== null && !this.stopped) await this.queue.send(job.data, { delaySeconds: next });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.queue.stop();
    this.working = false;
  }
}
