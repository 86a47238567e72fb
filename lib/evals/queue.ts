import PgBoss from "pg-boss";
import { childLogger } from "@/lib/logger";

const log = childLogger({ component: "eval-queue" });

/**
 * The durable job queue of eval runs: pg-boss on the app's PostgreSQL (its own `pgboss` schema,
 * created on first start; no binary, works on the embedded PGlite too).
 *
 * One job = one step of one run ("advance run X"). The run's state lives in the Eval* tables, so
 * a step is idempotent; it enqueues the next step itself. The queue's `stately` policy with the
 * run id as singleton key admits at most one queued and one active job per run, and pg-boss hands
 * a job to exactly one worker (`FOR UPDATE SKIP LOCKED`), so two app instances never advance the
 * same run at once. A job whose worker died is expired after `EXPIRE_SECONDS` and retried.
 */

export const EVAL_RUN_QUEUE = "eval-run";
/** A step works for ~20 s; a job still active after this long had its worker die. */
export const EXPIRE_SECONDS = 300;

export interface EvalRunJob {
  runId: string;
}

export interface EvalQueueOptions {
  connectionString: string;
  /** Connections of pg-boss's own pool (default 3). */
  max?: number;
  /** How often idle workers look for jobs (default 1 s). */
  pollingIntervalSeconds?: number;
}

export class EvalQueue {
  readonly boss: PgBoss;
  private started = false;
  private readonly workerIds: string[] = [];

  constructor(readonly options: EvalQueueOptions) {
    this.boss = new PgBoss({ connectionString: options.connectionString, max: options.max ?? 3, schedule: false, supervise: true });
    // pg-boss emits background errors (maintenance while the database is down): log, never crash.
    this.boss.on("error", (error) => log.warn({ err: error }, "pg-boss background error"));
  }

  get isStarted(): boolean {
    return this.started;
  }

  /** Installs or migrates pg-boss's schema and creates the queue (both idempotent). Throws when the database is unreachable. */
  async start(): Promise<void> {
    if (this.started) return;
    await this.boss.start();
    await this.boss.createQueue(EVAL_RUN_QUEUE, { name: EVAL_RUN_QUEUE, policy: "stately", retryLimit: 5, retryDelay: 5, expireInSeconds: EXPIRE_SECONDS });
    this.started = true;
  }

  /**
   * Queues a step of `runId` (after `delaySeconds`). Returns the job id, or null when the run
   * already has a queued step (the singleton key refused a second one).
   */
  async enqueue(runId: string, options: { delaySeconds?: number } = {}): Promise<string | null> {
    const id = await this.boss.send(EVAL_RUN_QUEUE, { runId } satisfies EvalRunJob, {
      singletonKey: runId,
      ...(options.delaySeconds && options.delaySeconds > 0 ? { startAfter: Math.ceil(options.delaySeconds) } : {}),
    });
    if (id && !options.delaySeconds) for (const workerId of this.workerIds) this.boss.notifyWorker(workerId);
    return id;
  }

  /** Starts `concurrency` pollers; each runs one job at a time through `handler`. */
  async work(handler: (job: PgBoss.Job<EvalRunJob>) => Promise<void>, concurrency = 2): Promise<void> {
    for (let i = 0; i < concurrency; i++) {
      const id = await this.boss.work<EvalRunJob>(
        EVAL_RUN_QUEUE,
        { batchSize: 1, pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 1 },
        async (jobs) => {
          for (const job of jobs) {
            await handler(job);
            // pg-boss completes a job without awaiting it once this callback returns; a stop()
            // in that moment closes its pool under the queued query and the job stays active
            // (blocking the run's next step under the stately policy) until it expires. Completing
            // it here keeps it in progress until it is stored; pg-boss's own complete is then a no-op.
            await this.boss
              .complete(EVAL_RUN_QUEUE, job.id)
              .catch((error: unknown) => log.warn({ err: error, jobId: job.id }, "completing an eval job failed"));
          }
        },
      );
      this.workerIds.push(id);
    }
  }

  /** Stops polling, waits for active jobs (up to `timeoutMs`), closes the pool. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (!this.started) {
      await this.boss.stop({ graceful: false, wait: true, timeout: 1_000 }).catch(() => undefined);
      return;
    }
    this.started = false;
    await this.boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
  }
}

const slot = globalThis as unknown as { promptdeckEvalQueue?: EvalQueue };

/** Makes `queue` the one createEvalRun enqueues on (the worker's, registered by the process). */
export function registerEvalQueue(queue: EvalQueue | undefined): void {
  slot.promptdeckEvalQueue = queue;
}

/** The process's queue, if this process runs the eval worker; without one, a worker's sweep picks new runs up. */
export function currentEvalQueue(): EvalQueue | undefined {
  return slot.promptdeckEvalQueue;
}
