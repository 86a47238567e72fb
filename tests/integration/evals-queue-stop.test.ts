// A worker stopped right as a step ends must leave that step's job completed, not active: an
// active job blocks the run's next step (stately queue) until it expires minutes later.
import { afterAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { EVAL_RUN_QUEUE, EvalQueue } from "@/lib/evals/queue";

const queues: EvalQueue[] = [];
afterAll(async () => {
  await Promise.all(queues.map((q) => q.stop().catch(() => undefined)));
});

describe("eval queue stop", () => {
  it("a job whose step ended as the worker stopped is stored completed", async () => {
    const queue = new EvalQueue({ connectionString: process.env.DATABASE_URL!, pollingIntervalSeconds: 0.5, max: 1 });
    queues.push(queue);
    await queue.start();
    const runId = `stop-race-${Date.now()}`;
    const jobId = await queue.enqueue(runId);
    expect(jobId).toBeTruthy();
    let stopped: Promise<void> | undefined;
    const handled = new Promise<void>((resolve) => {
      void queue.work(async () => {
        // The step ends while the stop waits for it (what a SIGTERM mid-run does), just before the
        // stop's next look at what is in progress, with the queue's one connection busy.
        stopped = queue.stop();
        await new Promise((r) => setTimeout(r, 400));
        void queue.boss.getDb().executeSql("SELECT pg_sleep(0.3)", []);
        resolve();
      }, 1);
    });
    await handled;
    await stopped;
    const rows = await getDb().$queryRawUnsafe<Array<{ state: string }>>(
      `SELECT state::text AS state FROM pgboss.job WHERE name = $1 AND id = $2::uuid`,
      EVAL_RUN_QUEUE,
      jobId,
    );
    expect(rows.map((r) => r.state)).toEqual(["completed"]);
  });
});
