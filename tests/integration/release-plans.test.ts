// Canary rollouts and experiment promotions onto a label under a release rule (issue 16): a start
// or a promotion opens a release request with a plan instead of acting (202 in the API); approving
// it starts the rollout, whose completion moves the label under that approval (audited as such),
// or ends the experiment and moves the label. Four eyes holds for admins starting a rollout too.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/lib/audit/actor";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { createExperiment, promoteExperiment, promoteOrRequestRelease, transitionExperiment } from "@/lib/experiments/mutations";
import { createExperimentSchema } from "@/lib/experiments/schemas";
import { startTraffic } from "@/lib/experiments/traffic";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { moveLabel } from "@/lib/prompts/mutations";
import { approveReleaseRequest, getReleaseRequest } from "@/lib/prompts/release-requests";
import { setReleaseRules } from "@/lib/prompts/release-rules";
import { checkRollout, startOrRequestRollout, startRollout } from "@/lib/rollouts/engine";
import { getRollout } from "@/lib/rollouts/queries";
import { approveRelease } from "@/lib/rollouts/release";
import { startRolloutSchema, type StartRolloutInput } from "@/lib/rollouts/schemas";
import {
  bearer,
  makeTestProject,
  publishPrompt,
  sendJson,
  simpleContent,
  startApiServer,
  type ApiError,
  type RunningServer,
  type TestProject,
} from "./serving-helpers";

process.env.PROMPTDECK_SIMULATOR_SPEED = "50";

let ctx: TestProject;
let server: RunningServer;
let admin2: Actor;
let editor: Actor;

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

/** A prompt with 1.0.0 serving production and 1.1.0 published (no release rules meanwhile); returns its id and the two version ids. */
async function twoVersions(name: string) {
  await setReleaseRules(ctx.admin, []);
  const promptId = await publishPrompt(ctx.admin, name, [simpleContent("One sentence."), simpleContent("One friendly sentence.")], []);
  const db = getDb();
  const v1 = await db.promptVersion.findFirstOrThrow({ where: { promptId, major: 1, minor: 0, patch: 0 } });
  const v2 = await db.promptVersion.findFirstOrThrow({ where: { promptId, major: 1, minor: 1, patch: 0 } });
  await moveLabel(ctx.admin, { promptId, label: "production", versionId: v1.id });
  return { promptId, v1, v2 };
}

async function served(promptId: string): Promise<string | undefined> {
  return (await getDb().label.findUnique({ where: { promptId_name: { promptId, name: "production" } } }))?.versionId;
}

async function traffic(experimentId: string, count: number): Promise<void> {
  await (
    await startTraffic(ctx.admin, experimentId, { mode: "generate", count, concurrency: 4 })
  ).done;
  await getCallLogWriter().flush({ timeoutMs: 10_000 });
}

const rollout = (input: StartRolloutInput) => startRolloutSchema.parse(input);

beforeAll(async () => {
  if (process.env.ANTHROPIC_API_KEY) throw new Error("these tests expect the simulator: unset ANTHROPIC_API_KEY");
  ctx = await makeTestProject();
  const db = getDb();
  for (const role of ["ADMIN", "EDITOR"] as const) {
    const user = await db.user.create({ data: { email: `plans-${role.toLowerCase()}-${randomUUID().slice(0, 8)}@example.test`, name: role } });
    await db.membership.create({ data: { userId: user.id, projectId: ctx.projectId, role } });
    const actor: Actor = { kind: "user", userId: user.id, projectId: ctx.projectId, role };
    if (role === "ADMIN") admin2 = actor;
    else editor = actor;
  }
  server = await startApiServer();
});

afterAll(async () => {
  await getCallLogWriter().flush({ timeoutMs: 10_000 });
  await server?.close();
  await setReleaseRules(ctx.admin, []);
});

describe("a canary rollout onto a label under a release rule", () => {
  it("needs approval even from an admin (four eyes); approving starts it; completion moves the label under the approval", async () => {
    const { promptId, v1, v2 } = await twoVersions("plan-rollout");
    await setReleaseRules(ctx.admin, [{ label: "production", fourEyes: true, editorsMayApprove: false }]);
    const input = rollout({ prompt: "plan-rollout", version: "1.1.0", steps: [50, 100], minStepSeconds: null, minStepCalls: 3 });

    // A direct start is refused for everyone, naming the way; without a reason the request is refused too.
    const direct = await refusal(startRollout(ctx.admin, input));
    expect(direct.code).toBe("conflict");
    expect(direct.message).toMatch(/needs an approved release request .*request the rollout instead/);
    const noReason = await refusal(startOrRequestRollout(ctx.admin, input));
    expect(noReason.code).toBe("unprocessable");
    expect(await getDb().rollout.count({ where: { promptId } })).toBe(0);

    // The admin requests it: a release request in rollout mode, nothing started.
    const asked = await startOrRequestRollout(ctx.admin, { ...input, reason: "Friendlier answers, gradually" });
    if (!("requested" in asked)) throw new Error("expected a release request");
    const request = asked.requested;
    expect(request).toMatchObject({ status: "open", label: "production", version: "1.1.0", fromVersion: "1.0.0" });
    expect(request.plan).toMatchObject({ kind: "rollout", steps: [50, 100], minStepSeconds: null, minStepCalls: 3 });
    expect(await getDb().rollout.count({ where: { promptId } })).toBe(0);
    // A second identical request is refused while the first waits.
    expect((await refusal(startOrRequestRollout(editor, { ...input, reason: "again" }))).message).toMatch(/already waiting for approval/);

    // Four eyes: the requesting admin may not approve; the plain approval path never turns it into a move.
    expect((await refusal(approveRelease(ctx.admin, { requestId: request.id }))).message).toMatch(/Four eyes/);
    expect((await refusal(approveReleaseRequest(admin2, { requestId: request.id }))).message).toMatch(/a canary rollout \(50 → 100 %\)/);
    expect((await getReleaseRequest(ctx.projectId, request.id))?.status).toBe("open");
    expect(await served(promptId)).toBe(v1.id);

    // The other admin approves: the rollout starts (in the approver's name), tied to the request; the label has not moved.
    const approved = await approveRelease(admin2, { requestId: request.id, comment: "go" });
    expect(approved.request.status).toBe("approved");
    expect(approved.rolloutId).toBeTruthy();
    const started = await getRollout(ctx.projectId, approved.rolloutId ?? "");
    expect(started).toMatchObject({ status: "RUNNING", percent: 50, steps: [50, 100] });
    expect(await getDb().rollout.findUniqueOrThrow({ where: { id: started.id } })).toMatchObject({ releaseRequestId: request.id });
    expect(await served(promptId)).toBe(v1.id);

    // It runs like any rollout; its completion moves the label under the approval (no refusal, no hold).
    await traffic(started.experimentId, 16);
    expect(await checkRollout(started.id)).toMatchObject({ decision: { kind: "complete" }, applied: true, next: null });
    expect((await getRollout(ctx.projectId, started.id)).status).toBe("COMPLETED");
    expect(await served(promptId)).toBe(v2.id);
    const db = getDb();
    const move = await db.labelEvent.findFirstOrThrow({ where: { label: { promptId, name: "production" } }, orderBy: { at: "desc" } });
    expect(move.reason).toMatch(/canary rollout completed \(50 → 100 %\), release request approved/);
    const audit = await db.auditEvent.findFirstOrThrow({
      where: { projectId: ctx.projectId, action: "label.moved", targetId: move.labelId },
      orderBy: { at: "desc" },
    });
    expect(audit.after).toMatchObject({ version: "1.1.0", releaseRequestId: request.id });
    const completed = await db.auditEvent.findFirstOrThrow({ where: { projectId: ctx.projectId, action: "rollout.completed", targetId: started.id } });
    expect(completed.after).toMatchObject({ releaseRequestId: request.id });
  });

  it("an approval whose rollout cannot start (an experiment took the label meanwhile) is refused and the request stays open", async () => {
    const { promptId, v1 } = await twoVersions("plan-busy");
    await setReleaseRules(ctx.admin, [{ label: "production", fourEyes: true, editorsMayApprove: false }]);
    const asked = await startOrRequestRollout(
      editor,
      rollout({ prompt: "plan-busy", version: "1.1.0", steps: [10, 100], minStepSeconds: 60, minStepCalls: null, reason: "gradually" }),
    );
    if (!("requested" in asked)) throw new Error("expected a release request");
    const experiment = await createExperiment(
      ctx.admin,
      createExperimentSchema.parse({
        prompt: "plan-busy",
        name: "busy",
        variants: [
          { version: "1.0.0", weight: 50 },
          { version: "1.1.0", weight: 50 },
        ],
      }),
    );
    await transitionExperiment(ctx.admin, experiment.id, "start");
    const refused = await refusal(approveRelease(admin2, { requestId: asked.requested.id }));
    expect(refused.code).toBe("conflict");
    expect(refused.message).toMatch(/Experiment "busy" is running/);
    expect((await getReleaseRequest(ctx.projectId, asked.requested.id))?.status).toBe("open");
    expect(await getDb().rollout.count({ where: { promptId } })).toBe(0);
    expect(await served(promptId)).toBe(v1.id);
    await transitionExperiment(ctx.admin, experiment.id, "complete");
  });
});

describe("promoting an experiment's winner onto a label under a release rule", () => {
  it("opens a release request (the experiment keeps running); approving it ends the experiment and moves the label", async () => {
    const { promptId, v1, v2 } = await twoVersions("plan-promote");
    const experiment = await createExperiment(
      ctx.admin,
      createExperimentSchema.parse({
        prompt: "plan-promote",
        name: "friendlier",
        variants: [
          { version: "1.0.0", weight: 50 },
          { version: "1.1.0", weight: 50 },
        ],
      }),
    );
    await transitionExperiment(ctx.admin, experiment.id, "start");
    await traffic(experiment.id, 16);
    await setReleaseRules(ctx.admin, [{ label: "production", fourEyes: true, editorsMayApprove: false }]);

    // The bare promotion is still the move's refusal; the edges' path opens a request instead (an editor may ask).
    expect((await refusal(promoteExperiment(ctx.admin, experiment.id, { variant: "B" }))).message).toMatch(/needs an approved release request/);
    const asked = await promoteOrRequestRelease(editor, experiment.id, { variant: "B" });
    if (!("requested" in asked)) throw new Error("expected a release request");
    expect(asked.requested).toMatchObject({ status: "open", version: "1.1.0", reason: 'Promote variant B (v1.1.0) of experiment "friendlier"' });
    expect(asked.requested.plan).toEqual({ kind: "promote", experimentId: experiment.id, experiment: "friendlier", variant: "B" });
    const db = getDb();
    expect((await db.experiment.findUniqueOrThrow({ where: { id: experiment.id } })).status).toBe("RUNNING");
    expect(await served(promptId)).toBe(v1.id);

    const approved = await approveRelease(ctx.admin, { requestId: asked.requested.id });
    expect(approved).toMatchObject({ request: { status: "approved" }, rolloutId: null });
    const ended = await db.experiment.findUniqueOrThrow({ where: { id: experiment.id }, include: { variants: true } });
    expect(ended.status).toBe("COMPLETED");
    expect(ended.winnerVariantId).toBe(ended.variants.find((v) => v.key === "B")?.id);
    expect(await served(promptId)).toBe(v2.id);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { projectId: ctx.projectId, action: "experiment.promoted", targetId: experiment.id } });
    expect(audit.after).toMatchObject({ variant: "B", releaseRequestId: asked.requested.id });
    const move = await db.labelEvent.findFirstOrThrow({ where: { label: { promptId, name: "production" } }, orderBy: { at: "desc" } });
    expect(move.reason).toBe("promoted from experiment friendlier (release request approved)");
  });
});

describe("the API", () => {
  it("POST /rollouts and POST /experiments/{id}/promote answer 202 with the release request; approve answers the rollout id", async () => {
    const { promptId, v1 } = await twoVersions("plan-api");
    await moveLabel(ctx.admin, { promptId, label: "staging", versionId: v1.id });
    await setReleaseRules(ctx.admin, [{ label: "production", fourEyes: true, editorsMayApprove: false }]);
    const writer = await ctx.key(["prompts:read", "prompts:write", "experiments:write"]);
    const approver = await ctx.key(["prompts:read", "prompts:write", "experiments:write", "admin"]);
    const body = { prompt: "plan-api", version: "1.1.0", steps: [20, 100], minStepSeconds: 600, minStepCalls: null };
    const noReason = await sendJson<ApiError>("POST", `${server.url}/api/v1/rollouts`, body, bearer(writer.key));
    expect(noReason.status).toBe(422);
    const requested = await sendJson<{ id: string; mode: string; rollout: unknown; experiment: unknown; status: string }>(
      "POST",
      `${server.url}/api/v1/rollouts`,
      { ...body, reason: "from CI" },
      bearer(writer.key),
    );
    expect(requested.status).toBe(202);
    expect(requested.body).toMatchObject({
      mode: "rollout",
      rollout: { steps: [20, 100], minStepSeconds: 600, minStepCalls: null },
      experiment: null,
      status: "open",
    });
    const approved = await sendJson<{ status: string; rolloutId: string | null }>(
      "POST",
      `${server.url}/api/v1/release-requests/${requested.body.id}/approve`,
      {},
      bearer(approver.key),
    );
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe("approved");
    expect(approved.body.rolloutId).toEqual(expect.any(String));
    const started = await getRollout(ctx.projectId, approved.body.rolloutId ?? "");
    expect(started).toMatchObject({ status: "RUNNING", percent: 20 });
    const aborted = await sendJson("POST", `${server.url}/api/v1/rollouts/${started.id}/abort`, {}, bearer(approver.key));
    expect(aborted.status).toBe(200);

    // Promote: an experiment on staging (no rule), then a rule on staging: 202 with the request.
    await setReleaseRules(ctx.admin, []);
    const experiment = await createExperiment(
      ctx.admin,
      createExperimentSchema.parse({
        prompt: "plan-api",
        label: "staging",
        name: "staging ab",
        variants: [
          { version: "1.0.0", weight: 50 },
          { version: "1.1.0", weight: 50 },
        ],
      }),
    );
    await transitionExperiment(ctx.admin, experiment.id, "start");
    await traffic(experiment.id, 12);
    await setReleaseRules(ctx.admin, [{ label: "staging", fourEyes: false, editorsMayApprove: true }]);
    const promoted = await sendJson<{ mode: string; experiment: unknown; label: string }>(
      "POST",
      `${server.url}/api/v1/experiments/${experiment.id}/promote`,
      { variant: "B" },
      bearer(writer.key),
    );
    expect(promoted.status).toBe(202);
    expect(promoted.body).toMatchObject({ mode: "promote", label: "staging", experiment: { id: experiment.id, name: "staging ab", variant: "B" } });
  });
});
