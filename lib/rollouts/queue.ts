import { JobQueue, type JobQueueOptions } from "@/lib/jobs/queue";

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

const slot = globalThis as unknown as { promptdeckRolloutQueue?: RolloutQueue };

/** Makes `queue` the one a new rollout queues its first check on (the worker's, registered by the process). */
export function registerRolloutQueue(queue: RolloutQueue | undefined): void {
  slot.promptdeckRolloutQueue = queue;
}

/** The process's queue, if it runs the rollout worker; without one, a worker's sweep picks new rollouts up. */
export function currentRolloutQueue(): RolloutQueue | undefined {
  return slot.promptdeckRolloutQueue;
}
