import { StepWorker } from "@/lib/jobs/step-worker";
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
export class RolloutWorker extends StepWorker<RolloutJob, RolloutQueue> {
  constructor(options: RolloutWorkerOptions) {
    const checkSeconds = options.checkSeconds ?? 5;
    super({
      name: "rollout worker",
      queue: new RolloutQueue({ connectionString: options.connectionString, pollingIntervalSeconds: options.pollingIntervalSeconds }),
      sweepSeconds: options.sweepSeconds,
      // Every active rollout.
      pending: async () =>
        (await getDb().rollout.findMany({ where: { status: { in: ["RUNNING", "PAUSED"] } }, select: { id: true } })).map((row) => ({ rolloutId: row.id })),
      step: async ({ rolloutId }) => {
        try {
          const result = await checkRollout(rolloutId, { flush: options.flush });
          return result.next === null ? null : checkSeconds;
        } catch (error) {
          if (isConnectionFailure(error)) throw error; // pg-boss retries the check
          log.error({ err: error, rolloutId }, "rollout check failed; checking again later");
          return checkSeconds;
        }
      },
    });
  }
}
