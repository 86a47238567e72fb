// A protected label cannot be steered through an experiment (issue 17, item 8): starting, resuming
// or reweighting an experiment on it needs the right to move the label (ADMIN, the `admin` API-key
// scope), through the public API and the dashboard's server actions alike; pausing and ending stay
// open to editors. A control (variant A) with weight 0 is refused everywhere (422 / form message),
// since it would serve another version under the label's name.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { fakeServerSession } from "./session-helpers";
import type { Actor } from "@/lib/audit/actor";
import { getDb } from "@/lib/db/client";
import { createExperiment, transitionExperiment } from "@/lib/experiments/mutations";
import { getExperiment, type ExperimentView } from "@/lib/experiments/queries";
import { createExperimentSchema } from "@/lib/experiments/schemas";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { moveLabel } from "@/lib/prompts/mutations";
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

// The dashboard's session: getServerSession answers for `signedInAs` (next-auth's JWT is out of reach here).
let signedInAs: string | null = null;
vi.mock("next-auth", async (original) => ({
  ...(await original<typeof import("next-auth")>()),
  getServerSession: () => fakeServerSession(signedInAs),
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

const actions = await import("@/app/(dashboard)/p/[project]/experiments/actions");

process.env.PROMPTDECK_SIMULATOR_SPEED = "20";

let server: RunningServer;
let ctx: TestProject;
let slug: string;
let editorKey: string;
let adminKey: string;
let editor: Actor;
let promptId: string;
const PROMPT = "guarded-answerer";

const url = (path: string) => `${server.url}/api/v1${path}`;

function body(label: string, weights: [number, number], name = `exp-${randomUUID().slice(0, 6)}`) {
  return {
    prompt: PROMPT,
    label,
    name,
    primaryMetric: "latency" as const,
    variants: [
      { version: "1.1.0", weight: weights[0] },
      { version: "1.0.0", weight: weights[1] },
    ],
  };
}

async function createDraft(label: string, weights: [number, number] = [50, 50]): Promise<ExperimentView> {
  return createExperiment(ctx.admin, createExperimentSchema.parse(body(label, weights)));
}

async function endIfActive(id: string): Promise<void> {
  const status = (await getExperiment(ctx.projectId, id)).status;
  if (status === "RUNNING" || status === "PAUSED") await transitionExperiment(ctx.admin, id, "complete");
}

/** What /run serves on production for a subject: the label's own version unless an experiment routes it. */
async function served(subject: string): Promise<{ variant: string | null; version: string }> {
  const res = await sendJson<{ variant: string | null; version: string }>(
    "POST",
    url(`/prompts/${PROMPT}/run`),
    { variables: { question: "hi" }, subject },
    bearer(adminKey),
  );
  expect(res.status).toBe(200);
  return res.body;
}

beforeAll(async () => {
  if (process.env.ANTHROPIC_API_KEY) throw new Error("these tests expect the simulator: unset ANTHROPIC_API_KEY");
  server = await startApiServer();
  ctx = await makeTestProject();
  const db = getDb();
  slug = (await db.project.findUniqueOrThrow({ where: { id: ctx.projectId } })).slug;
  // experiments:write without admin: an editor for experiments, not for protected labels.
  editorKey = (await ctx.key(["prompts:read", "experiments:write"])).key;
  adminKey = (await ctx.key(["prompts:read", "prompts:run", "experiments:write", "admin"])).key;
  // production (protected) and canary (not) both serve the newest version, 1.1.0.
  promptId = await publishPrompt(ctx.admin, PROMPT, [simpleContent("Old answers."), simpleContent("New answers.")], ["production"]);
  const v110 = await db.promptVersion.findFirstOrThrow({ where: { promptId, major: 1, minor: 1, patch: 0 } });
  await moveLabel(ctx.admin, { promptId, label: "canary", versionId: v110.id });
  expect((await db.label.findMany({ where: { promptId }, orderBy: { name: "asc" } })).map((l) => [l.name, l.protected])).toEqual([
    ["canary", false],
    ["production", true],
  ]);
  const user = await db.user.create({ data: { email: `editor-${randomUUID().slice(0, 8)}@example.test`, name: "Eddie Editor" } });
  await db.membership.create({ data: { userId: user.id, projectId: ctx.projectId, role: "EDITOR" } });
  editor = { kind: "user", userId: user.id, projectId: ctx.projectId, role: "EDITOR" };
});

afterAll(async () => {
  signedInAs = null;
  await getCallLogWriter().flush({ timeoutMs: 10_000 });
  await server?.close();
});

describe("public API: an experiments:write key without admin", () => {
  it("cannot start an experiment on a protected label (403); the label keeps serving its version", async () => {
    // The reported attack: 0/100 is refused outright; 1/99 is what is left, and it needs an admin.
    const zero = await sendJson<ApiError>("POST", url("/experiments"), body("production", [0, 100]), bearer(editorKey));
    expect(zero.status).toBe(422);
    expect(zero.body.error.issues).toContainEqual({
      path: "variants.0.weight",
      message: expect.stringMatching(/control \(variant A\) needs a weight of at least 1/),
    });
    const created = await sendJson<ExperimentView>("POST", url("/experiments"), body("production", [1, 99]), bearer(editorKey));
    expect(created.status).toBe(201);
    const start = await sendJson<ApiError>("POST", url(`/experiments/${created.body.id}/start`), {}, bearer(editorKey));
    expect(start.status).toBe(403);
    expect(start.body.error.message).toBe('The "production" label is protected: only admins can start an experiment on it');
    expect((await getExperiment(ctx.projectId, created.body.id)).status).toBe("DRAFT");
    expect(await served("s-1")).toEqual(expect.objectContaining({ variant: null, version: "1.1.0" }));
    // An admin key may.
    const admin = await sendJson<ExperimentView>("POST", url(`/experiments/${created.body.id}/start`), {}, bearer(adminKey));
    expect(admin.status).toBe(200);
    expect(admin.body.status).toBe("RUNNING");
    await endIfActive(created.body.id);
  });

  it("cannot reweight or resume one running on a protected label (403); pausing stays allowed", async () => {
    const exp = await createDraft("production");
    expect((await sendJson("POST", url(`/experiments/${exp.id}/start`), {}, bearer(adminKey))).status).toBe(200);
    const reweight = await sendJson<ApiError>("PATCH", url(`/experiments/${exp.id}`), { weights: { A: 1, B: 99 } }, bearer(editorKey));
    expect(reweight.status).toBe(403);
    expect(reweight.body.error.message).toMatch(/"production" label is protected: only admins can change the weights/);
    expect((await getExperiment(ctx.projectId, exp.id)).variants.map((v) => v.weight)).toEqual([50, 50]);
    const pause = await sendJson<ExperimentView>("POST", url(`/experiments/${exp.id}/pause`), {}, bearer(editorKey));
    expect(pause.status).toBe(200);
    expect(pause.body.status).toBe("PAUSED");
    const resume = await sendJson<ApiError>("POST", url(`/experiments/${exp.id}/resume`), {}, bearer(editorKey));
    expect(resume.status).toBe(403);
    expect(resume.body.error.message).toMatch(/only admins can resume an experiment on it/);
    expect((await getExperiment(ctx.projectId, exp.id)).status).toBe("PAUSED");
    // The admin key resumes and reweights; a control weight of 0 is refused even for an admin.
    expect((await sendJson("POST", url(`/experiments/${exp.id}/resume`), {}, bearer(adminKey))).status).toBe(200);
    const zero = await sendJson<ApiError>("PATCH", url(`/experiments/${exp.id}`), { weights: { A: 0, B: 100 } }, bearer(adminKey));
    expect(zero.status).toBe(422);
    expect(zero.body.error.issues).toContainEqual({ path: "weights.A", message: expect.stringMatching(/control \(variant A\) needs a weight of at least 1/) });
    const ok = await sendJson<ExperimentView>("PATCH", url(`/experiments/${exp.id}`), { weights: { A: 10, B: 90 } }, bearer(adminKey));
    expect(ok.status).toBe(200);
    expect(ok.body.variants.map((v) => v.weight)).toEqual([10, 90]);
    await endIfActive(exp.id);
  });

  it("may start, reweight, pause and resume on an unprotected label", async () => {
    const created = await sendJson<ExperimentView>("POST", url("/experiments"), body("canary", [50, 50]), bearer(editorKey));
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await sendJson("POST", url(`/experiments/${id}/start`), {}, bearer(editorKey))).status).toBe(200);
    expect((await sendJson("PATCH", url(`/experiments/${id}`), { weights: { A: 20, B: 80 } }, bearer(editorKey))).status).toBe(200);
    expect((await sendJson("POST", url(`/experiments/${id}/pause`), {}, bearer(editorKey))).status).toBe(200);
    expect((await sendJson("POST", url(`/experiments/${id}/resume`), {}, bearer(editorKey))).status).toBe(200);
    // Still, the control keeps a share of the traffic.
    const zero = await sendJson<ApiError>("PATCH", url(`/experiments/${id}`), { weights: { A: 0, B: 100 } }, bearer(editorKey));
    expect(zero.status).toBe(422);
    expect((await getExperiment(ctx.projectId, id)).variants.map((v) => v.weight)).toEqual([20, 80]);
    await endIfActive(id);
  });

  it("a draft whose control weight is 0 (written before the rule) cannot be started, even by an admin", async () => {
    const exp = await createDraft("canary");
    await getDb().variant.updateMany({ where: { experimentId: exp.id, key: "A" }, data: { weight: 0 } });
    await getDb().variant.updateMany({ where: { experimentId: exp.id, key: "B" }, data: { weight: 100 } });
    const start = await sendJson<ApiError>("POST", url(`/experiments/${exp.id}/start`), {}, bearer(adminKey));
    expect(start.status).toBe(422);
    expect(start.body.error.message).toMatch(/control \(variant A\) needs a weight of at least 1/);
    expect((await getExperiment(ctx.projectId, exp.id)).status).toBe("DRAFT");
  });
});

describe("dashboard: an EDITOR", () => {
  it("is refused start, weights, resume and letting a paused variant back on a protected label, with a clear message", async () => {
    signedInAs = editor.kind === "user" ? editor.userId : null;
    const exp = await createDraft("production");
    const start = await actions.transitionExperimentAction({ project: slug, id: exp.id, action: "start" });
    expect(start).toEqual({ ok: false, code: "forbidden", message: 'The "production" label is protected: only admins can start an experiment on it' });
    expect((await getExperiment(ctx.projectId, exp.id)).status).toBe("DRAFT");
    // A draft routes nothing: its weights may still be edited (starting it is what needs the admin).
    expect(await actions.setWeightsAction({ project: slug, id: exp.id, weights: { A: 40, B: 60 } })).toEqual({ ok: true, data: { ok: true } });

    await transitionExperiment(ctx.admin, exp.id, "start");
    const weights = await actions.setWeightsAction({ project: slug, id: exp.id, weights: { A: 1, B: 99 } });
    expect(weights).toMatchObject({
      ok: false,
      code: "forbidden",
      message: expect.stringMatching(/"production" label is protected: only admins can change the weights/),
    });
    // A guardrail paused the control: letting it back in decides the label's traffic too.
    const control = (await getDb().variant.findFirstOrThrow({ where: { experimentId: exp.id, key: "A" } })).id;
    await getDb().variant.update({ where: { id: control }, data: { pausedAt: new Date(), pausedReason: "test" } });
    const resumeVariant = await actions.resumeVariantAction({ project: slug, id: exp.id, key: "A" });
    expect(resumeVariant).toMatchObject({ ok: false, code: "forbidden", message: expect.stringMatching(/only admins can let a paused variant/) });
    expect((await getDb().variant.findUniqueOrThrow({ where: { id: control } })).pausedAt).not.toBeNull();
    expect(await actions.transitionExperimentAction({ project: slug, id: exp.id, action: "pause" })).toEqual({ ok: true, data: { status: "PAUSED" } });
    const resume = await actions.transitionExperimentAction({ project: slug, id: exp.id, action: "resume" });
    expect(resume).toMatchObject({ ok: false, code: "forbidden", message: expect.stringMatching(/only admins can resume an experiment on it/) });
    expect((await getExperiment(ctx.projectId, exp.id)).variants.map((v) => v.weight)).toEqual([40, 60]);
    // Ending it hands the traffic back to the label: allowed.
    expect(await actions.transitionExperimentAction({ project: slug, id: exp.id, action: "complete" })).toEqual({ ok: true, data: { status: "COMPLETED" } });
  });

  it("may run one on an unprotected label; the form refuses a control weight of 0 naming the field", async () => {
    signedInAs = editor.kind === "user" ? editor.userId : null;
    const zero = await actions.createExperimentAction({ project: slug, ...body("canary", [0, 100]) });
    expect(zero).toMatchObject({
      ok: false,
      issues: expect.arrayContaining([{ path: "variants.0.weight", message: expect.stringMatching(/control \(variant A\)/) }]),
    });
    const created = await actions.createExperimentAction({ project: slug, ...body("canary", [50, 50]) });
    if (!created.ok) throw new Error(created.message);
    const id = created.data.id;
    expect(await actions.transitionExperimentAction({ project: slug, id, action: "start" })).toEqual({ ok: true, data: { status: "RUNNING" } });
    expect(await actions.setWeightsAction({ project: slug, id, weights: { A: 30, B: 70 } })).toEqual({ ok: true, data: { ok: true } });
    const control0 = await actions.setWeightsAction({ project: slug, id, weights: { A: 0, B: 100 } });
    expect(control0).toMatchObject({ ok: false, issues: [{ path: "weights.A", message: expect.stringMatching(/control \(variant A\)/) }] });
    await endIfActive(id);
  });
});
