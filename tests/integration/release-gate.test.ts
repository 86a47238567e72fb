// The release gate (settings.evals.gate): a gated label moves only to a version whose exact
// content passed an eval (EvalRunVersion.gatePassed) within the gate's max age; rollbacks to a
// version the label served before are exempt. Enforced in the one label move (lib/prompts), so
// the dashboard, the API, publish-with-labels and experiment promotion all obey it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Actor } from "@/lib/audit/actor";
import { moveLabel, publishDraft, rollbackLabel, saveDraft } from "@/lib/prompts/mutations";
import { checkReleaseGate, getReleaseGate, setReleaseGate } from "@/lib/prompts/release-gate";
import { loadProjectSettings } from "@/lib/runs/settings";
import { evalSummary, insertGateEval } from "../fixtures/gate-evals";
import { bearer, makeTestProject, publishPrompt, sendJson, simpleContent, startApiServer, type RunningServer, type TestProject } from "./serving-helpers";

let ctx: TestProject;
let promptId: string;
let server: RunningServer;
const DAY = 24 * 60 * 60 * 1000;

async function version(semver: string) {
  const [major, minor, patch] = semver.split(".").map(Number);
  return getDb().promptVersion.findFirstOrThrow({ where: { promptId, major, minor, patch } });
}

async function labelVersion(name: string): Promise<string | null> {
  const label = await getDb().label.findUnique({ where: { promptId_name: { promptId, name } } });
  return label?.versionId ?? null;
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

beforeAll(async () => {
  ctx = await makeTestProject();
  // production serves 1.0.0 before the gate exists (so a later move back to it is a rollback).
  promptId = await publishPrompt(ctx.admin, "gated", [simpleContent("v1"), simpleContent("v2"), simpleContent("v3")], []);
  await moveLabel(ctx.admin, { promptId, label: "production", versionId: (await version("1.0.0")).id });
  server = await startApiServer();
});

afterAll(async () => {
  await server?.close();
});

describe("release gate settings", () => {
  it("only admins set it; invalid rules are refused; other settings keys are kept", async () => {
    const db = getDb();
    await db.project.update({ where: { id: ctx.projectId }, data: { settings: { runner: { max_retries: 2 }, custom: { keep: true } } } });
    const editor: Actor = { ...ctx.admin, role: "EDITOR" };
    await expect(setReleaseGate(editor, { labels: ["production"], minScore: 0.8, failOnRegression: true, maxAgeDays: 30 })).rejects.toThrow(/Only admins/);
    await expect(setReleaseGate(ctx.admin, { labels: [], minScore: 0.8, failOnRegression: true, maxAgeDays: 30 })).rejects.toThrow(/at least one label/);
    await expect(setReleaseGate(ctx.admin, { labels: ["production"], minScore: 1.5, failOnRegression: true, maxAgeDays: 30 })).rejects.toThrow();
    await expect(setReleaseGate(ctx.admin, { labels: ["Prod uction"], minScore: 0.5, failOnRegression: true, maxAgeDays: 30 })).rejects.toThrow(/label name/);

    await setReleaseGate(ctx.admin, { labels: ["production"], minScore: 0.8, failOnRegression: true, maxAgeDays: 30 });
    const stored = await db.project.findUniqueOrThrow({ where: { id: ctx.projectId }, select: { settings: true } });
    expect(stored.settings).toMatchObject({ runner: { max_retries: 2 }, custom: { keep: true }, evals: { gate: { labels: ["production"], minScore: 0.8 } } });
    const { settings, problems } = await loadProjectSettings(ctx.projectId);
    expect(problems).toEqual([]);
    expect(settings.evalGate).toMatchObject({ labels: ["production"], minScore: 0.8, failOnRegression: true, maxAgeDays: 30 });
    expect(await getReleaseGate(ctx.projectId)).toMatchObject({ labels: ["production"] });
    expect(await db.auditEvent.count({ where: { projectId: ctx.projectId, action: "settings.release_gate" } })).toBe(1);
  });
});

describe("moving a gated label", () => {
  it("is refused without any eval, naming what is missing; ungated labels move freely", async () => {
    const v2 = await version("1.0.1");
    const error = await refusal(moveLabel(ctx.admin, { promptId, label: "production", versionId: v2.id }));
    expect(error.code).toBe("unprocessable");
    expect(error.message).toMatch(/Moving "production" to 1\.0\.1 needs a passing evaluation/);
    expect(error.message).toMatch(/No completed eval of this content was found/);
    expect(error.issues?.[0]?.path).toBe("labels.production");
    expect(await labelVersion("production")).toBe((await version("1.0.0")).id);

    await moveLabel(ctx.admin, { promptId, label: "staging", versionId: v2.id });
    expect(await labelVersion("staging")).toBe(v2.id);
  });

  it("tells a failed, an unchecked and a stale eval apart, and ignores evals of other content or unfinished runs", async () => {
    const v2 = await version("1.0.1");
    const target = { id: v2.id, contentHash: v2.contentHash, display: "1.0.1" };
    const check = () => checkReleaseGate(getDb(), { projectId: ctx.projectId, promptId, label: "production", version: target });

    // Same version id but a snapshot of other content (a draft edited since): not evidence.
    await insertGateEval({ projectId: ctx.projectId, promptId, version: { id: v2.id, contentHash: "f".repeat(64) }, gatePassed: true });
    // A passing run that has not completed: not evidence.
    await insertGateEval({ projectId: ctx.projectId, promptId, version: target, gatePassed: true, status: "running" });
    expect((await check()).status).toBe("no_eval");

    await insertGateEval({ projectId: ctx.projectId, promptId, version: target, gatePassed: true, endedAt: new Date(Date.now() - 40 * DAY) });
    const stale = await check();
    expect(stale).toMatchObject({ status: "stale", allowed: false });
    expect(stale.message).toMatch(/40 days ago, older than the gate accepts/);

    await insertGateEval({ projectId: ctx.projectId, promptId, version: target, gatePassed: null, endedAt: new Date(Date.now() - 2 * DAY) });
    expect(await check()).toMatchObject({ status: "unchecked", allowed: false });

    const failed = await insertGateEval({
      projectId: ctx.projectId,
      promptId,
      version: target,
      gatePassed: false,
      endedAt: new Date(Date.now() - DAY),
      summary: { ...evalSummary(0.7), gate: { passed: false, reasons: ["the combined score is 0.700, below the minimum 0.8", "2 items regressed"] } },
    });
    const decision = await check();
    expect(decision).toMatchObject({ status: "failed", allowed: false, evidence: { runId: failed.runId, gatePassed: false } });
    expect(decision.message).toMatch(
      /The latest eval \(finished 1 day ago\) did not pass \(the combined score is 0\.700, below the minimum 0\.8; 2 items regressed\)/,
    );
    const error = await refusal(moveLabel(ctx.admin, { promptId, label: "production", versionId: v2.id }));
    expect(error.message).toMatch(/did not pass/);
  });

  it("is allowed with a passing eval of the exact content within the max age (matched by content hash too)", async () => {
    const v2 = await version("1.0.1");
    // Matched by content hash alone: the run's version row was deleted (versionId null).
    const passed = await insertGateEval({
      projectId: ctx.projectId,
      promptId,
      version: { id: null, contentHash: v2.contentHash, display: "1.0.1" },
      gatePassed: true,
    });
    const decision = await checkReleaseGate(getDb(), {
      projectId: ctx.projectId,
      promptId,
      label: "production",
      version: { id: v2.id, contentHash: v2.contentHash, display: "1.0.1" },
    });
    expect(decision).toMatchObject({ status: "passed", allowed: true, evidence: { runId: passed.runId } });
    await moveLabel(ctx.admin, { promptId, label: "production", versionId: v2.id });
    expect(await labelVersion("production")).toBe(v2.id);
  });

  it("exempts a rollback to a version the label served before", async () => {
    const v1 = await version("1.0.0");
    const decision = await checkReleaseGate(getDb(), {
      projectId: ctx.projectId,
      promptId,
      label: "production",
      version: { id: v1.id, contentHash: v1.contentHash, display: "1.0.0" },
    });
    expect(decision).toMatchObject({ status: "rollback", allowed: true });
    await rollbackLabel(ctx.admin, { promptId, label: "production" });
    expect(await labelVersion("production")).toBe(v1.id);
    // A move (not only the one-click rollback) back to a served version is exempt as well.
    await moveLabel(ctx.admin, { promptId, label: "production", versionId: (await version("1.0.1")).id });
    await moveLabel(ctx.admin, { promptId, label: "production", versionId: v1.id });
    expect(await labelVersion("production")).toBe(v1.id);
  });

  it("refuses through the public API with 422 and the reason", async () => {
    const key = await ctx.key(["prompts:read", "prompts:write", "admin"]);
    const refused = await sendJson<{ error: { code: string; message: string; issues?: { path: string; message: string }[] } }>(
      "PUT",
      `${server.url}/api/v1/prompts/gated/labels/production`,
      { version: "1.0.2" },
      bearer(key.key),
    );
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("unprocessable");
    expect(refused.body.error.message).toMatch(/Moving "production" to 1\.0\.2 needs a passing evaluation/);
    expect(refused.body.error.issues?.[0]?.path).toBe("labels.production");
    const staging = await sendJson("PUT", `${server.url}/api/v1/prompts/gated/labels/staging`, { version: "1.0.2" }, bearer(key.key));
    expect(staging.status).toBe(200);
  });
});

describe("publishing with a gated label", () => {
  it("rolls the whole publish back when the gate refuses, and publishes once the draft's content passed an eval", async () => {
    await saveDraft(ctx.admin, { promptId, content: simpleContent("v4") });
    const draft = await getDb().promptVersion.findFirstOrThrow({ where: { promptId, status: "DRAFT" } });
    const error = await refusal(publishDraft(ctx.admin, { promptId, changelog: "v4", labels: ["production"] }));
    expect(error.message).toMatch(/needs a passing evaluation/);
    expect(await getDb().promptVersion.count({ where: { promptId, status: "PUBLISHED" } })).toBe(3);
    expect((await getDb().promptVersion.findUniqueOrThrow({ where: { id: draft.id } })).status).toBe("DRAFT");

    // The eval ran on the draft (versionId = the draft row, which publishing keeps).
    await insertGateEval({ projectId: ctx.projectId, promptId, version: { id: draft.id, contentHash: draft.contentHash, display: "draft" }, gatePassed: true });
    const published = await publishDraft(ctx.admin, { promptId, changelog: "v4", labels: ["production"] });
    expect(await labelVersion("production")).toBe(published.id);
  });

  it("moves freely again once the gate is removed", async () => {
    await setReleaseGate(ctx.admin, null);
    const stored = await getDb().project.findUniqueOrThrow({ where: { id: ctx.projectId }, select: { settings: true } });
    expect(stored.settings).toEqual({ runner: { max_retries: 2 }, custom: { keep: true } });
    await moveLabel(ctx.admin, { promptId, label: "production", versionId: (await version("1.0.2")).id });
    expect(await labelVersion("production")).toBe((await version("1.0.2")).id);
  });
});
