import { JobQueue, queueSlot, type JobQueueOptions } from "@/lib/jobs/queue";

/**
 * The durable queue of rollout checks (a JobQueue, lib/jobs/queue.ts: pg-boss on the app's
 * PostgreSQL). One job = one check of one rollout (`checkRollout`); the handler queues the next
 * after `checkSeconds`. The rollout id is the singleton key: at most one queued and one active
 * check per rollout, so two instances never check the same rollout at once (and the row lock in
 * engine.ts would refuse a second advance anyway). A job whose worker died expires and is retried;
 * the worker's sweep re-queues every active rollout after a restart.
 */
export const ROLLOUT_QUEUE = "rollout-check";
const EXPIRE_SECONDS = 120;

export interface RolloutJob {
  rolloutId: string;
}

export class RolloutQueue extends JobQueue<RolloutJob> {
  constructor(options: JobQueueOptions) {
    super({ name: ROLLOUT_QUEUE, key: (job) => job.rolloutId, expireInSeconds: EXPIRE_SECONDS, retryLimit: 10, retryDelaySeconds: 5 }, options);
  }

  /** Queues a check of `rolloutId` (after `delaySeconds`); null when one is already queued. */
  enqueue(rolloutId: string, options: { delaySeconds?: number } = {}): Promise<string | null> {
    return this.send({ rolloutId }, options);
  }
}

const slot = queueSlot<RolloutQueue>("promptdeckRolloutQueue");

/** Makes `queue` the one new work queues its first step on (the worker's, registered by the process). */
export const registerRolloutQueue = slot.register;

/** The process's queue, if it runs the worker; without one, a worker's sweep picks new work up. */
export const currentRolloutQueue = slot.current;
