import { JobQueue, queueSlot, type JobQueueOptions } from "@/lib/jobs/queue";

/**
 * The durable queue of batch jobs (a JobQueue on the app's PostgreSQL, like eval runs). One job =
 * one step of one batch job ("advance job X"); the state lives in the BatchJob* tables, so a step
 * is idempotent and enqueues the next itself. The job id is the singleton key: two app instances
 * never advance the same job at once.
 */

export const BATCH_JOB_QUEUE = "batch-job";
export const EXPIRE_SECONDS = 600;

export interface BatchJobStep {
  jobId: string;
}

export class BatchJobQueue extends JobQueue<BatchJobStep> {
  constructor(options: JobQueueOptions) {
    super({ name: BATCH_JOB_QUEUE, key: (job) => job.jobId, expireInSeconds: EXPIRE_SECONDS, retryLimit: 5, retryDelaySeconds: 5 }, options);
  }

  enqueue(jobId: string, options: { delaySeconds?: number } = {}): Promise<string | null> {
    return this.send({ jobId }, options);
  }
}

const slot = queueSlot<BatchJobQueue>("promptdeckBatchJobQueue");

/** Makes `queue` the one new work queues its first step on (the worker's, registered by the process). */
export const registerBatchJobQueue = slot.register;

/** The process's queue, if it runs the worker; without one, a worker's sweep picks new work up. */
export const currentBatchJobQueue = slot.current;
