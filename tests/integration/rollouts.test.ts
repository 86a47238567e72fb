// Canary rollouts against real PostgreSQL and the simulator: refusals, advancing with sticky
// subjects, completion through the label move, rollback of a faulty version, no double advance
// under concurrent checks, and a worker restart that resumes where the last one stopped.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/lib/audit/actor";
import { getDb } from "@/lib/db/client";
import { assignVariant } from "@/lib/experiments/assignment";
import { createExperiment, transitionExperiment } from "@/lib/experiments/mutations";
import { createExperimentSchema } from "@/lib/experiments/schemas";
import { loadRunningExperiment } from "@/lib/experiments/serving";
import { startTraffic } from "@/lib/experiments/traffic";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { actOnRollout, checkRollout, startRollout } from "@/lib/rollouts/engine";
import { getRollout } from "@/lib/rollouts/queries";
import { startRolloutSchema, type StartRolloutInput } from "@/lib/rollouts/schemas";
import { RolloutWorker } from "@/lib/rollouts/worker";
import { makeTestProject, publishPrompt, simpleContent, sleep, type TestProject } from "./serving-helpers";

process.env.PROMPTDECK_SIMULATOR_SPEED = "50";

let ctx: TestProject;
let editor: Actor;
let viewer: Actor;

const healthy = () => [simpleContent("One sentence."), simpleContent("One friendly sentence.")];
const start = (actor: Actor, input: StartRolloutInput) => startRollout(actor, startRolloutSchema.parse(input));

async function traffic(experimentId: string, count: number): Promise<void> {
  await (
    await startTraffic(ctx.admin, experimentId, { mode: "generate", count, concurrency: 4 })
  ).done;
  await getCallLogWriter().flush({ timeoutMs: 10_000 });
}

/** Which of `subjects` the label's running experiment sends to the new version now. */
async function onNewVersion(prompt: string, subjects: string[]): Promise<Set<string>> {
  const routed = await loadRunningExperiment(ctx.projectId, prompt, "production");
  if (!routed) return new Set();
  return new Set(subjects.filter((s) => assignVariant(routed, s)?.key === "B"));
}

beforeAll(async () => {
  if (process.env.ANTHROPIC_API_KEY) throw new Error("these tests expect the simulator: unset ANTHROPIC_API_KEY");
  ctx = await makeTestProject();
  const db = getDb();
  for (const role of ["EDITOR", "VIEWER"] as const) {
    const user = await db.user.create({ data: { email: `rollout-${role.toLowerCase()}-${randomUUID().slice(0, 8)}@example.test` } });
    await db.membership.create({ data: { userId: user.id, projectId: ctx.projectId, role } });
    const actor: Actor = { kind: "user", userId: user.id, projectId: ctx.projectId, role };
    if (role === "EDITOR") editor = actor;
    else viewer = actor;
  }
});

afterAll(async () => {
  await getCallLogWriter().flush({ timeoutMs: 10_000 });
});

describe("starting a rollout: refused clearly, nothing written", () => {
  it("refuses viewers, the served version, a draft, a running experiment and a second rollout", async () => {
    const promptId = await publishPrompt(ctx.admin, "rollout-refusals", [...healthy(), simpleContent("A third.")], []);
    const db = getDb();
    const v1 = await db.promptVersion.findFirstOrThrow({ where: { promptId, major: 1, minor: 0, patch: 0 } });
    const { moveLabel } = await import("@/lib/prompts/mutations");
    await moveLabel(ctx.admin, { promptId, label: "production", versionId: v1.id });
    await moveLabel(ctx.admin, { promptId, label: "staging", versionId: v1.id });

    await expect(start(viewer, { prompt: "rollout-refusals", version: "1.1.0" })).rejects.toMatchObject({ code: "forbidden" });
    // production is protected: an editor may not decide what it serves.
    await expect(start(editor, { prompt: "rollout-refusals", version: "1.1.0" })).rejects.toMatchObject({
      code: "forbidden",
      message: expect.stringMatching(/protected/),
    });
    await expect(start(ctx.admin, { prompt: "rollout-refusals", version: "1.0.0" })).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringMatching(/already serves 1\.0\.0/),
    });
    await expect(start(ctx.admin, { prompt: "rollout-refusals", version: "9.9.9" })).rejects.toMatchObject({ code: "unprocessable" });
    await expect(start(ctx.admin, { prompt: "rollout-refusals", label: "canary", version: "1.1.0" })).rejects.toMatchObject({ code: "unprocessable" });

    const exp = await createExperiment(
      ctx.admin,
      createExperimentSchema.parse({
        prompt: "rollout-refusals",
        name: "ab",
        variants: [
          { version: "1.0.0", weight: 50 },
          { version: "1.1.0", weight: 50 },
        ],
      }),
    );
    await transitionExperiment(ctx.admin, exp.id, "start");
    await expect(start(ctx.admin, { prompt: "rollout-refusals", version: "1.1.0" })).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringMatching(/Experiment "ab" is running/),
    });
    await transitionExperiment(ctx.admin, exp.id, "complete");

    // staging is not protected: an editor starts one there; a second one is refused.
    const first = await start(editor, { prompt: "rollout-refusals", label: "staging", version: "1.1.0", steps: [10, 50] });
    expect(first).toMatchObject({ status: "RUNNING", percent: 10, fromVersion: "1.0.0", toVersion: "1.1.0" });
    await expect(start(editor, { prompt: "rollout-refusals", label: "staging", version: "1.2.0" })).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringMatching(/already under way/),
    });
    // Its experiment is steered by the rollout only.
    await expect(transitionExperiment(ctx.admin, first.experimentId, "pause")).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringMatching(/canary rollout/),
    });
    await expect(actOnRollout(viewer, first.id, "abort")).rejects.toMatchObject({ code: "forbidden" });
    const aborted = await actOnRollout(editor, first.id, "abort");
    expect(aborted).toMatchObject({ status: "ABORTED", percent: 0 });
    expect(await db.experiment.findUniqueOrThrow({ where: { id: first.experimentId } })).toMatchObject({ status: "COMPLETED" });
    await expect(actOnRollout(editor, first.id, "resume")).rejects.toMatchObject({ code: "conflict" });
    expect(await db.rollout.count({ where: { promptId } })).toBe(1);
  });
});

describe("a healthy rollout", () => {
  it("advances step by step keeping subjects sticky, never twice at once, then moves the label", async () => {
    const promptId = await publishPrompt(ctx.admin, "rollout-healthy", healthy(), []);
    const db = getDb();
    const v1 = await db.promptVersion.findFirstOrThrow({ where: { promptId, major: 1, minor: 0, patch: 0 } });
    const v2 = await db.promptVersion.findFirstOrThrow({ where: { promptId, major: 1, minor: 1, patch: 0 } });
    const { moveLabel } = await import("@/lib/prompts/mutations");
    await moveLabel(ctx.admin, { promptId, label: "production", versionId: v1.id });

    const rollout = await start(ctx.admin, { prompt: "rollout-healthy", version: "1.1.0", steps: [20, 60, 100], minStepSeconds: null, minStepCalls: 3 });
    expect(rollout).toMatchObject({ status: "RUNNING", stepIndex: 0, percent: 20, steps: [20, 60, 100] });
    const subjects = Array.from({ length: 400 }, (_, i) => `subject-${i}`);
    const at20 = await onNewVersion("rollout-healthy", subjects);
    expect(at20.size).toBeGreaterThan(40);

    // Not enough calls yet: it holds and says why.
    const held = await checkRollout(rollout.id);
    expect(held.decision).toMatchObject({ kind: "hold", waitingFor: [expect.stringMatching(/more calls? of the new version/)] });

    await traffic(rollout.experimentId, 40);
    // Two checks at once (two instances, a retried job): one advance.
    const [a, b] = await Promise.all([checkRollout(rollout.id), checkRollout(rollout.id)]);
    expect([a.applied, b.applied].filter(Boolean)).toHaveLength(1);
    const at60View = await getRollout(ctx.projectId, rollout.id);
    expect(at60View).toMatchObject({ stepIndex: 1, percent: 60 });
    expect(at60View.events.map((e) => e.kind)).toEqual(["started", "advanced"]);
    const at60 = await onNewVersion("rollout-healthy", subjects);
    for (const s of at20) expect(at60.has(s)).toBe(true);
    expect(at60.size).toBeGreaterThan(at20.size);

    await traffic(rollout.experimentId, 20);
    const done = await checkRollout(rollout.id);
    expect(done).toMatchObject({ decision: { kind: "complete" }, applied: true, next: null });
    const final = await getRollout(ctx.projectId, rollout.id);
    expect(final).toMatchObject({ status: "COMPLETED", percent: 100, live: null });
    expect(final.events.map((e) => e.kind)).toEqual(["started", "advanced", "completed"]);
    // Through the normal label move: the label, its event with the reason, audit, the outbox.
    expect((await db.label.findUniqueOrThrow({ where: { promptId_name: { promptId, name: "production" } } })).versionId).toBe(v2.id);
    const move = await db.labelEvent.findFirstOrThrow({ where: { label: { promptId, name: "production" } }, orderBy: { at: "desc" } });
    expect(move).toMatchObject({ fromVersionId: v1.id, toVersionId: v2.id, reason: expect.stringMatching(/canary rollout completed/) });
    expect(await db.projectEvent.count({ where: { projectId: ctx.projectId, type: "label.moved", data: { path: ["versionId"], equals: v2.id } } })).toBe(1);
    expect(await db.experiment.findUniqueOrThrow({ where: { id: rollout.experimentId } })).toMatchObject({ status: "COMPLETED" });
    expect(await loadRunningExperiment(ctx.projectId, "rollout-healthy", "production")).toBeNull();
    // Ended: further checks change nothing.
    expect(await checkRollout(rollout.id)).toMatchObject({ decision: null, next: null });
  });
});

describe("a faulty rollout", () => {
  it("rolls back at once on the error-rate guardrail with the reason and the figures; the label stays", async () => {
    const promptId = await publishPrompt(ctx.admin, "rollout-faulty", [simpleContent("One sentence."), simpleContent("Broken. [[sim:400]]")], []);
    const db = getDb();
    const v1 = await db.promptVersion.findFirstOrThrow({ where: { promptId, major: 1, minor: 0, patch: 0 } });
    const { moveLabel } = await import("@/lib/prompts/mutations");
    await moveLabel(ctx.admin, { promptId, label: "production", versionId: v1.id });
    // Large step minimums: only the guardrail can end this step.
    const rollout = await start(ctx.admin, {
      prompt: "rollout-faulty",
      version: "1.1.0",
      steps: [50, 100],
      minStepSeconds: 3600,
      minStepCalls: 1000,
      guardrails: { minCalls: 8 },
    });
    await traffic(rollout.experimentId, 40);
    const result = await checkRollout(rollout.id);
    expect(result).toMatchObject({ decision: { kind: "rollback" }, applied: true, next: null });
    const view = await getRollout(ctx.projectId, rollout.id);
    expect(view.status).toBe("ROLLED_BACK");
    expect(view.percent).toBe(0);
    expect(view.reason).toMatch(/^Error rate 100\.0% \(\d+ of \d+ calls\) on 1\.1\.0 vs 0\.0% \(0 of \d+\) on 1\.0\.0/);
    expect(view.figures?.find((f) => f.metric === "error_rate")).toMatchObject({ breached: true });
    expect(view.events.at(-1)).toMatchObject({ kind: "rolled_back", percent: 0, actor: "system:rollout" });
    expect((await db.label.findUniqueOrThrow({ where: { promptId_name: { promptId, name: "production" } } })).versionId).toBe(v1.id);
    expect(await loadRunningExperiment(ctx.projectId, "rollout-faulty", "production")).toBeNull();
    expect(await db.auditEvent.count({ where: { targetId: rollout.id, action: "rollout.rolled_back", actorLabel: "system:rollout" } })).toBe(1);
    const ended = await db.projectEvent.findFirstOrThrow({
      where: { projectId: ctx.projectId, type: "experiment.completed", data: { path: ["experiment", "id"], equals: rollout.experimentId } },
    });
    expect(ended.data).toMatchObject({ rollout: { id: rollout.id, outcome: "rolled_back" } });
  });
});

describe("durable checks", () => {
  it("a worker started after another stopped resumes the rollout and finishes it", async () => {
    const url = process.env.DATABASE_URL!;
    const promptId = await publishPrompt(ctx.admin, "rollout-restart", healthy(), []);
    const db = getDb();
    const v1 = await db.promptVersion.findFirstOrThrow({ where: { promptId, major: 1, minor: 0, patch: 0 } });
    const { moveLabel } = await import("@/lib/prompts/mutations");
    await moveLabel(ctx.admin, { promptId, label: "production", versionId: v1.id });

    const first = new RolloutWorker({ connectionString: url, checkSeconds: 1, pollingIntervalSeconds: 0.5, sweepSeconds: 60 });
    await first.start();
    const rollout = await start(ctx.admin, { prompt: "rollout-restart", version: "1.1.0", steps: [30, 100], minStepSeconds: null, minStepCalls: 3 });
    await sleep(1500);
    expect((await getRollout(ctx.projectId, rollout.id)).status).toBe("RUNNING");
    await first.stop();

    await traffic(rollout.experimentId, 30);
    const second = new RolloutWorker({ connectionString: url, checkSeconds: 1, pollingIntervalSeconds: 0.5, sweepSeconds: 60 });
    await second.start();
    try {
      let view = await getRollout(ctx.projectId, rollout.id);
      for (let i = 0; i < 60 && view.status === "RUNNING"; i++) {
        await sleep(500);
        view = await getRollout(ctx.projectId, rollout.id);
      }
      expect(view.status).toBe("COMPLETED");
      expect(view.events.filter((e) => e.kind === "completed")).toHaveLength(1);
    } finally {
      await second.stop();
    }
  }, 60_000);
});
