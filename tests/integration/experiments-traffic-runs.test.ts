// Dashboard traffic-run progress lives in PostgreSQL (ExperimentTrafficRun): a second database
// client (standing in for another app instance) watches a run fill in, writes are batched (far
// fewer than calls), a run whose process died shows as interrupted, and a writer whose run was
// declared interrupted stops sending.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { createPrismaClient, getDb, type PrismaClient } from "@/lib/db/client";
import { createExperiment, transitionExperiment } from "@/lib/experiments/mutations";
import { createExperimentSchema } from "@/lib/experiments/schemas";
import { startTraffic } from "@/lib/experiments/traffic";
import { getTrafficProgress, latestTrafficRun, STALE_AFTER_MS, TrafficRunRecorder, type TrafficProgress } from "@/lib/experiments/traffic-runs";
import { makeTestProject, publishPrompt, simpleContent, sleep, type TestProject } from "./serving-helpers";

process.env.PROMPTDECK_SIMULATOR_SPEED = "20";

let ctx: TestProject;
let experimentId: string;
let other: PrismaClient;

beforeAll(async () => {
  if (process.env.ANTHROPIC_API_KEY) throw new Error("these tests expect the simulator: unset ANTHROPIC_API_KEY");
  ctx = await makeTestProject();
  await publishPrompt(ctx.admin, "traffic-runs", [simpleContent("You answer in one sentence."), simpleContent("You answer in one friendly sentence.")]);
  const exp = await createExperiment(
    ctx.admin,
    createExperimentSchema.parse({
      prompt: "traffic-runs",
      label: "production",
      name: "runs",
      primaryMetric: "latency",
      variants: [
        { version: "1.0.0", weight: 50 },
        { version: "1.1.0", weight: 50 },
      ],
    }),
  );
  await transitionExperiment(ctx.admin, exp.id, "start");
  experimentId = exp.id;
  // Its own pool: what another app instance would read.
  other = createPrismaClient(inject("databaseUrl"), 2);
});

afterAll(async () => {
  await getCallLogWriter().flush({ timeoutMs: 10_000 });
  await other?.$disconnect();
});

function newProgress(total: number): TrafficProgress {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    experimentId,
    total,
    done: 0,
    ok: 0,
    failed: 0,
    invalid: 0,
    byVariant: { A: 0, B: 0 },
    status: "running",
    message: null,
    pausedVariants: [],
    startedBy: "",
    startedAt: now,
    heartbeatAt: now,
    finishedAt: null,
  };
}

describe("traffic-run progress in the database", () => {
  it("another client watches the run fill in; updates are batched; the final row is exact", async () => {
    const started = Date.now();
    const { progress, done, recorder } = await startTraffic(ctx.admin, experimentId, { mode: "generate", count: 60, concurrency: 4 });
    expect(progress).toMatchObject({ total: 60, done: 0, status: "running", startedBy: "Serving" });
    const seen: TrafficProgress[] = [];
    let finished = false;
    void done.finally(() => {
      finished = true;
    });
    while (!finished) {
      const p = await latestTrafficRun(experimentId, { db: other });
      if (p) seen.push(p);
      await sleep(40);
    }
    const final = await done;
    const elapsed = Date.now() - started;

    expect(seen[0]?.id).toBe(progress.id);
    // Progress became visible while calls were still going, and never went backwards.
    expect(seen.some((p) => p.status === "running" && p.done > 0 && p.done < 60)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.done).toBeGreaterThanOrEqual(seen[i - 1]!.done);

    const stored = await getTrafficProgress(experimentId, progress.id, { db: other });
    expect(stored).toMatchObject({ status: "done", total: 60, done: 60, ok: final.ok, failed: final.failed, byVariant: final.byVariant, startedBy: "Serving" });
    expect(stored!.ok + stored!.failed).toBe(60);
    expect(Object.values(stored!.byVariant).reduce((a, b) => a + b, 0)).toBe(60);
    expect(stored!.finishedAt).not.toBeNull();
    const row = await other.experimentTrafficRun.findUniqueOrThrow({ where: { id: progress.id } });
    expect(row.startedById).toBe(ctx.admin.kind === "user" ? ctx.admin.userId : null);
    expect(row.startedByLabel).toMatch(/^user:/);

    // Batched: the insert, at most one update per 250 ms tick, and the final write; far fewer than one per call.
    expect(recorder.writes).toBeLessThanOrEqual(2 + Math.ceil(elapsed / 250));
    expect(recorder.writes).toBeLessThan(60);
    console.log(`[traffic-runs] 60 calls in ${elapsed} ms, ${recorder.writes} progress writes, ${seen.length} polls`);
  });

  it("a RUNNING run whose heartbeat stopped more than 30 s ago reads as interrupted (and is stored so)", async () => {
    const db = getDb();
    const heartbeat = new Date(Date.now() - STALE_AFTER_MS - 1_000);
    const dead = await db.experimentTrafficRun.create({
      data: {
        id: randomUUID(),
        experimentId,
        requested: 40,
        completed: 13,
        ok: 13,
        byVariant: { A: 7, B: 6 },
        startedByLabel: "user:gone",
        startedAt: new Date(heartbeat.getTime() - 5_000),
        heartbeatAt: heartbeat,
      },
    });
    const read = await getTrafficProgress(experimentId, dead.id, { db: other });
    expect(read).toMatchObject({ id: dead.id, status: "interrupted", done: 13, total: 40, finishedAt: heartbeat.toISOString(), startedBy: "a deleted user" });
    expect(read!.message).toMatch(/interrupted after 13 of 40 calls/);
    expect((await db.experimentTrafficRun.findUniqueOrThrow({ where: { id: dead.id } })).status).toBe("INTERRUPTED");

    // A fresh heartbeat (10 s old) is still running.
    const alive = await db.experimentTrafficRun.create({
      data: { id: randomUUID(), experimentId, requested: 10, startedByLabel: "api_key:k", heartbeatAt: new Date(Date.now() - 10_000) },
    });
    expect(await getTrafficProgress(experimentId, alive.id)).toMatchObject({ status: "running", startedBy: "API key" });
    // Another experiment's id does not find it.
    expect(await getTrafficProgress("nope", alive.id)).toBeNull();
    await db.experimentTrafficRun.delete({ where: { id: alive.id } });
  });

  it("a writer whose run was declared interrupted stops (progress.status) and its final write keeps exact counts", async () => {
    const progress = newProgress(10);
    const recorder = new TrafficRunRecorder(progress, { flushMs: 20 });
    await recorder.begin(ctx.admin);
    await getDb().experimentTrafficRun.update({ where: { id: progress.id }, data: { status: "INTERRUPTED" } });
    progress.done = 3;
    progress.ok = 3;
    recorder.changed();
    const until = Date.now() + 2_000;
    while (progress.status === "running" && Date.now() < until) await sleep(10);
    expect(progress.status).toBe("interrupted");
    progress.finishedAt = new Date().toISOString();
    await recorder.finish();
    const row = await getDb().experimentTrafficRun.findUniqueOrThrow({ where: { id: progress.id } });
    expect(row).toMatchObject({ status: "INTERRUPTED", completed: 3, ok: 3 });
    expect(row.finishedAt).not.toBeNull();
  });

  it("with no call finishing, the heartbeat still moves", async () => {
    const progress = newProgress(5);
    const recorder = new TrafficRunRecorder(progress, { flushMs: 20, heartbeatMs: 100 });
    await recorder.begin(ctx.admin);
    const first = (await getDb().experimentTrafficRun.findUniqueOrThrow({ where: { id: progress.id } })).heartbeatAt;
    await sleep(300);
    const later = (await getDb().experimentTrafficRun.findUniqueOrThrow({ where: { id: progress.id } })).heartbeatAt;
    expect(later.getTime()).toBeGreaterThan(first.getTime());
    progress.status = "stopped";
    await recorder.finish();
    expect((await getDb().experimentTrafficRun.findUniqueOrThrow({ where: { id: progress.id } })).status).toBe("STOPPED");
  });
});
