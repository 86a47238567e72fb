// Durable eval runs: a worker stopped mid-run leaves the run resumable, and a new worker finishes
// it without calling Claude twice for any item; two workers on one queue never run the same run
// at once; a batch run resumes by re-polling its submitted batch; a worker whose database is down
// at start does not fail (it retries later).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { createEvalRun, getEvalRun } from "@/lib/evals/runs";
import { EvalWorker } from "@/lib/evals/worker";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { makeEvalFixture, type EvalFixture } from "./evals-helpers";
import { sleep } from "./serving-helpers";

let fx: EvalFixture;
const ITEMS = 40;

beforeAll(async () => {
  // Speed 1: each call takes a few hundred ms, so a run is still going when its worker stops.
  fx = await makeEvalFixture(
    Array.from({ length: ITEMS }, (_, i) => ({ review: `review ${i} positive`, expected: "positive" })),
    { speed: 1, batchMs: 2_500 },
  );
}, 60_000);

afterAll(async () => {
  await fx.close();
});

function worker(): EvalWorker {
  return new EvalWorker({
    connectionString: process.env.DATABASE_URL!,
    pollingIntervalSeconds: 0.5,
    sweepSeconds: 1,
    ...fx.step,
    concurrency: 2,
    stepBudgetMs: 300,
  });
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Calls logged per eval result (the metadata carries the result id); every one should be 1. */
async function callsPerResult(runId: string): Promise<Map<string, number>> {
  await getCallLogWriter().flush();
  const rows = await getDb().$queryRaw<Array<{ id: string; n: number }>>`
    SELECT metadata->>'evalResultId' AS id, count(*)::int AS n FROM "CallLog" WHERE metadata->>'evalRunId' = ${runId} GROUP BY 1`;
  return new Map(rows.map((r) => [r.id, r.n]));
}

const run = (mode: "realtime" | "batch") =>
  createEvalRun(
    { prompt: "sentiment", versions: ["production"], dataset: "reviews", evaluators: [{ type: "exact_match", id: "exact" }], mode },
    { projectId: fx.projectId, actor: fx.admin },
  );

describe("eval runs survive restarts", () => {
  it("a worker stopped mid-run: a new one resumes, no call made twice", async () => {
    const view = await run("realtime");
    const first = worker();
    await first.start();
    await until(async () => ((await getEvalRun(view.id, fx.projectId))?.progress.done ?? 0) > 0, "the first results");
    await first.stop();
    const stopped = (await getEvalRun(view.id, fx.projectId))!;
    expect(stopped.status).toBe("running");
    expect(stopped.progress.done).toBeLessThan(ITEMS);
    // What was in flight at the stop finished and was stored: every call made so far has its result.
    const before = await callsPerResult(view.id);
    expect(before.size).toBe(stopped.progress.done);

    const second = worker();
    await second.start();
    try {
      await until(async () => (await getEvalRun(view.id, fx.projectId))?.status === "completed", "the resumed run to complete");
    } finally {
      await second.stop();
    }
    const calls = await callsPerResult(view.id);
    expect(calls.size).toBe(ITEMS);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    expect((await getEvalRun(view.id, fx.projectId))!.versions[0]!.counts.succeeded).toBe(ITEMS);
  }, 120_000);

  it("two workers on one queue never run the same run twice", async () => {
    const view = await run("realtime");
    const a = worker();
    const b = worker();
    await Promise.all([a.start(), b.start()]);
    try {
      await until(async () => (await getEvalRun(view.id, fx.projectId))?.status === "completed", "the run to complete");
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    const calls = await callsPerResult(view.id);
    expect(calls.size).toBe(ITEMS);
    expect([...calls.values()].filter((n) => n !== 1)).toEqual([]);
  }, 120_000);

  it("a batch run resumes by re-polling the batch it submitted", async () => {
    const view = await run("batch");
    const first = worker();
    await first.start();
    await until(async () => (await getDb().evalBatch.count({ where: { runId: view.id } })) > 0, "the batch to be submitted");
    await first.stop();
    expect((await getEvalRun(view.id, fx.projectId))!.status).toBe("running");

    const second = worker();
    await second.start();
    try {
      await until(async () => (await getEvalRun(view.id, fx.projectId))?.status === "completed", "the batch run to complete");
    } finally {
      await second.stop();
    }
    const batches = await getDb().evalBatch.findMany({ where: { runId: view.id } });
    expect(batches).toHaveLength(1);
    expect(batches[0]!.status).toBe("ended");
    const calls = await callsPerResult(view.id);
    expect(calls.size).toBe(ITEMS);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
  }, 120_000);

  it("a worker whose database is unreachable at start logs and keeps the process up", async () => {
    const down = new EvalWorker({ connectionString: "postgresql://postgres@127.0.0.1:9/none", sweepSeconds: 60 });
    await expect(down.start()).resolves.toBeUndefined();
    expect(down.running).toBe(false);
    await down.stop();
  }, 60_000);
});
