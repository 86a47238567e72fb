import { JobQueue, queueSlot, type JobQueueOptions } from "@/lib/jobs/queue";

/**
 * The durable job queue of eval runs (a JobQueue, lib/jobs/queue.ts: pg-boss on the app's
 * PostgreSQL). One job = one step of one run ("advance run X"). The run's state lives in the
 * Eval* tables, so a step is idempotent; it enqueues the next step itself. The run id is the
 * singleton key: at most one queued and one active job per run, so two app instances never
 * advance the same run at once. A job whose worker died is expired after `EXPIRE_SECONDS` and retried.
 */

export const EVAL_RUN_QUEUE = "eval-run";
/** A step works for ~20 s; a job still active after this long had its worker die. */
export const EXPIRE_SECONDS = 300;

export interface EvalRunJob {
  runId: string;
}

export type EvalQueueOptions = JobQueueOptions;

export class EvalQueue extends JobQueue<EvalRunJob> {
  constructor(options: EvalQueueOptions) {
    super({ name: EVAL_RUN_QUEUE, key: (job) => job.runId, expireInSeconds: EXPIRE_SECONDS, retryLimit: 5, retryDelaySeconds: 5 }, options);
  }

  /**
   * Queues a step of `runId` (after `delaySeconds`). Returns the job id, or null when the run
   * already has a queued step (the singleton key refused a second one).
   */
  enqueue(runId: string, options: { delaySeconds?: number } = {}): Promise<string | null> {
    return this.send({ runId }, options);
  }
}

const slot = queueSlot<EvalQueue>("promptdeckEvalQueue");

/** Makes `queue` the one new work queues its first step on (the worker's, registered by the process). */
export const registerEvalQueue = slot.register;

/** The process's queue, if it runs the worker; without one, a worker's sweep picks new work up. */
export const currentEvalQueue = slot.current;
