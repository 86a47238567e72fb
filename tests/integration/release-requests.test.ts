// Release requests (issue 16, approvals): a label under a project release rule moves only through
// an approved request. Approval moves the label in the same transaction; four eyes, stale requests,
// decided requests and deleted versions are refused; every step is audited and emitted to the
// webhook outbox; the label-move API answers 202 with the request. Comments on versions.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PromptdeckClient } from "@/lib/client";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Actor } from "@/lib/audit/actor";
import { addVersionComment, listVersionComments } from "@/lib/prompts/comments";
import { moveLabel, rollbackLabel, saveDraft, publishDraft } from "@/lib/prompts/mutations";
import { setReleaseGate } from "@/lib/prompts/release-gate";
import { approveReleaseRequest, createReleaseRequest, getReleaseRequest, listReleaseRequests, rejectReleaseRequest } from "@/lib/prompts/release-requests";
import { getReleaseRules, setReleaseRules } from "@/lib/prompts/release-rules";
import { evalSummary, insertGateEval } from "../fixtures/gate-evals";
import {
  bearer,
  getJson,
  makeTestProject,
  publishPrompt,
  sendJson,
  simpleContent,
  startApiServer,
  type RunningServer,
  type TestProject,
} from "./serving-helpers";

let ctx: TestProject;
let server: RunningServer;
let editor: Actor;
let editor2: Actor;
let admin2: Actor;
let viewer: Actor;

async function member(role: "ADMIN" | "EDITOR" | "VIEWER", name: string): Promise<Actor> {
  const db = getDb();
  const user = await db.user.create({ data: { email: `${name}-${randomUUID().slice(0, 8)}@example.test`, name } });
  await db.membership.create({ data: { userId: user.id, projectId: ctx.projectId, role } });
  return { kind: "user", userId: user.id, projectId: ctx.projectId, role };
}

async function version(promptId: string, semver: string) {
  const [major, minor, patch] = semver.split(".").map(Number);
  return getDb().promptVersion.findFirstOrThrow({ where: { promptId, major, minor, patch } });
}

async function served(promptId: string, label = "production"): Promise<string | null> {
  return (await getDb().label.findUnique({ where: { promptId_name: { promptId, name: label } } }))?.versionId ?? null;
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

/** A prompt with 1.0.0 (production) and 1.0.1, 1.0.2 published; a fresh name each time. */
async function threeVersions(): Promise<string> {
  return publishPrompt(ctx.admin, `rel-${randomUUID().slice(0, 8)}`, [simpleContent("v1"), simpleContent("v2"), simpleContent("v3")], []).then(async (id) => {
    // Production must serve 1.0.0 before the rule exists; the rule is on for the whole file.
    await getDb().label.create({ data: { promptId: id, name: "production", versionId: (await version(id, "1.0.0")).id, protected: true } });
    return id;
  });
}

beforeAll(async () => {
  ctx = await makeTestProject();
  editor = await member("EDITOR", "Eddie");
  editor2 = await member("EDITOR", "Erin");
  admin2 = await member("ADMIN", "Ada");
  viewer = await member("VIEWER", "Vic");
  await getDb().webhookEndpoint.create({
    data: { projectId: ctx.projectId, url: "http://127.0.0.1:9/hook", secret: "s", events: ["release.requested", "release.approved", "release.rejected"] },
  });
  server = await startApiServer();
});

afterAll(async () => {
  await server?.close();
});

describe("release rules", () => {
  it("only admins set them; bad rules are refused; other settings keys are kept", async () => {
    await getDb().project.update({ where: { id: ctx.projectId }, data: { settings: { custom: { keep: true } } } });
    await expect(setReleaseRules(editor, [{ label: "production", fourEyes: true, editorsMayApprove: false }])).rejects.toThrow(/Only admins/);
    const dup = await refusal(
      setReleaseRules(ctx.admin, [
        { label: "production", fourEyes: true, editorsMayApprove: false },
        { label: "production", fourEyes: false, editorsMayApprove: true },
      ]),
    );
    expect(dup.code).toBe("bad_request");
    expect(dup.message).toMatch(/two rules/);
    await expect(setReleaseRules(ctx.admin, [{ label: "Prod Uction", fourEyes: true, editorsMayApprove: false }])).rejects.toThrow(/label name/);

    await setReleaseRules(ctx.admin, [
      { label: "production", fourEyes: true, editorsMayApprove: false },
      { label: "staging", fourEyes: false, editorsMayApprove: true },
    ]);
    expect(await getReleaseRules(ctx.projectId)).toEqual([
      { label: "production", fourEyes: true, editorsMayApprove: false },
      { label: "staging", fourEyes: false, editorsMayApprove: true },
    ]);
    const stored = await getDb().project.findUniqueOrThrow({ where: { id: ctx.projectId }, select: { settings: true } });
    expect(stored.settings).toMatchObject({ custom: { keep: true }, releases: { rules: [{ label: "production" }, { label: "staging" }] } });
    expect(await getDb().auditEvent.count({ where: { projectId: ctx.projectId, action: "settings.release_rules" } })).toBe(1);
  });

  it("a direct move of a ruled label is refused for everyone, naming the way; a rollback is exempt", async () => {
    const promptId = await threeVersions();
    const v2 = await version(promptId, "1.0.1");
    const error = await refusal(moveLabel(ctx.admin, { promptId, label: "production", versionId: v2.id }));
    expect(error.code).toBe("conflict");
    expect(error.message).toMatch(/needs an approved release request/);
    expect(await served(promptId)).toBe((await version(promptId, "1.0.0")).id);
    // Unruled labels still move directly.
    await moveLabel(editor, { promptId, label: "canary", versionId: v2.id });
    expect(await served(promptId, "canary")).toBe(v2.id);

    // A rollback never waits for a reviewer.
    const request = await createReleaseRequest(editor, { promptId, label: "production", versionId: v2.id, reason: "ship it" });
    await approveReleaseRequest(ctx.admin, { requestId: request.id });
    expect(await served(promptId)).toBe(v2.id);
    await rollbackLabel(ctx.admin, { promptId, label: "production" });
    expect(await served(promptId)).toBe((await version(promptId, "1.0.0")).id);
  });
});

describe("requesting a release", () => {
  it("stores the evidence: diff, semver reasons, contract, latest eval, cost before/after; audited and emitted", async () => {
    const promptId = await threeVersions();
    const v3 = await version(promptId, "1.0.2");
    await insertGateEval({
      projectId: ctx.projectId,
      promptId,
      version: { id: v3.id, contentHash: v3.contentHash, display: "1.0.2" },
      gatePassed: null,
      summary: { ...evalSummary(0.9), combined: { n: 40, mean: 0.91, ci95: [0.86, 0.95], passRate: 0.9, passCi95: null } },
    });
    const request = await createReleaseRequest(editor, { promptId, label: "production", versionId: v3.id, reason: "Shorter answers" });
    expect(request).toMatchObject({
      status: "open",
      label: "production",
      version: "1.0.2",
      fromVersion: "1.0.0",
      requestedBy: "Eddie",
      reason: "Shorter answers",
    });
    const e = request.evidence;
    expect(e.from?.version).toBe("1.0.0");
    expect(e.diff?.system.changed).toBe(true);
    expect(e.diff?.variables.changed).toBe(false);
    expect(e.semver?.bump).toBeDefined();
    expect(e.semver?.reasons.length).toBeGreaterThan(0);
    expect(e.contract.breaking).toEqual([]);
    expect(e.eval).toMatchObject({ display: "1.0.2", score: 0.91, passRate: 0.9, items: 40 });
    expect(e.gate).toMatchObject({ status: "not_gated", allowed: true });
    expect(e.cost.before?.version).toBe("1.0.0");
    expect(e.cost.after.version).toBe("1.0.2");
    expect(e.cost.after.previewMicros).toBeGreaterThan(0);
    expect(e.cost.after.loggedCalls).toBe(0);

    const db = getDb();
    expect(await db.auditEvent.count({ where: { projectId: ctx.projectId, action: "release.requested", targetId: request.id } })).toBe(1);
    const events = await db.projectEvent.findMany({ where: { projectId: ctx.projectId, type: "release.requested" }, include: { deliveries: true } });
    const event = events.find((ev) => (ev.data as { requestId?: string }).requestId === request.id);
    expect(event?.data).toMatchObject({
      prompt: expect.any(String),
      label: "production",
      version: "1.0.2",
      previousVersion: "1.0.0",
      reason: "Shorter answers",
    });
    expect(event?.deliveries).toHaveLength(1);

    // The same open move twice is refused; so is a label that needs no approval, a draft, a viewer, an empty reason.
    expect((await refusal(createReleaseRequest(editor2, { promptId, label: "production", versionId: v3.id, reason: "again" }))).message).toMatch(
      /already waiting for approval/,
    );
    expect((await refusal(createReleaseRequest(editor, { promptId, label: "canary", versionId: v3.id, reason: "x" }))).message).toMatch(/needs no approval/);
    expect((await refusal(createReleaseRequest(viewer, { promptId, label: "production", versionId: v3.id, reason: "x" }))).code).toBe("forbidden");
    expect((await refusal(createReleaseRequest(editor, { promptId, label: "production", versionId: v3.id, reason: "  " }))).code).toBe("bad_request");
    await saveDraft(editor, { promptId, content: simpleContent("draft") });
    const draft = await db.promptVersion.findFirstOrThrow({ where: { promptId, status: "DRAFT" } });
    expect((await refusal(createReleaseRequest(editor, { promptId, label: "production", versionId: draft.id, reason: "x" }))).code).toBe("unprocessable");
    expect(await listReleaseRequests(ctx.projectId, { promptId, status: "open" })).toHaveLength(1);
  });

  it("refuses a request across a breaking contract change unless forced", async () => {
    const promptId = await threeVersions();
    const breaking = simpleContent("v4");
    breaking.variables = { ...breaking.variables, tone: { type: "string", required: true, description: "new and required" } };
    breaking.messages = [{ role: "user", content: [{ type: "text", text: "{{question}} {{limit}} {{tone}}" }] }];
    await saveDraft(ctx.admin, { promptId, content: breaking });
    const v4 = await publishDraft(ctx.admin, { promptId, changelog: "needs tone" });
    const error = await refusal(createReleaseRequest(editor, { promptId, label: "production", versionId: v4.id, reason: "tone" }));
    expect(error.code).toBe("conflict");
    expect(error.message).toMatch(/changes the variables contract/);
    const forced = await createReleaseRequest(editor, { promptId, label: "production", versionId: v4.id, reason: "tone", force: true });
    expect(forced.force).toBe(true);
    expect(forced.evidence.contract.breaking.map((c) => c.variable)).toEqual(["tone"]);
    await approveReleaseRequest(ctx.admin, { requestId: forced.id });
    expect(await served(promptId)).toBe(v4.id);
  });
});

describe("deciding a request", () => {
  it("four eyes: the requester may not approve; another admin approves and the label moves with the decision", async () => {
    const promptId = await threeVersions();
    const v2 = await version(promptId, "1.0.1");
    const request = await createReleaseRequest(ctx.admin, { promptId, label: "production", versionId: v2.id, reason: "mine" });
    const own = await refusal(approveReleaseRequest(ctx.admin, { requestId: request.id }));
    expect(own.code).toBe("forbidden");
    expect(own.message).toMatch(/Four eyes/);
    // Editors may not approve production (its rule says admins only).
    expect((await refusal(approveReleaseRequest(editor, { requestId: request.id }))).message).toMatch(/Only admins/);
    expect(await served(promptId)).toBe((await version(promptId, "1.0.0")).id);

    const approved = await approveReleaseRequest(admin2, { requestId: request.id, comment: "looks good" });
    expect(approved).toMatchObject({ status: "approved", decidedBy: "Ada", decisionComment: "looks good" });
    expect(await served(promptId)).toBe(v2.id);
    const db = getDb();
    const label = await db.label.findUniqueOrThrow({ where: { promptId_name: { promptId, name: "production" } } });
    const moves = await db.labelEvent.findMany({ where: { labelId: label.id } });
    expect(moves.at(-1)).toMatchObject({ toVersionId: v2.id, reason: "release request approved: mine" });
    expect(await db.auditEvent.count({ where: { action: "release.approved", targetId: request.id } })).toBe(1);
    const types = (await db.projectEvent.findMany({ where: { projectId: ctx.projectId }, orderBy: { createdAt: "asc" } }))
      .filter((ev) => (ev.data as { promptId?: string }).promptId === promptId)
      .map((ev) => ev.type);
    expect(types).toEqual(["version.published", "version.published", "version.published", "release.requested", "label.moved", "release.approved"]);

    // Already decided: refused, naming the decision.
    const again = await refusal(approveReleaseRequest(admin2, { requestId: request.id }));
    expect(again.code).toBe("conflict");
    expect(again.message).toMatch(/already approved by Ada/);
    expect((await refusal(rejectReleaseRequest(admin2, { requestId: request.id, comment: "no" }))).code).toBe("conflict");
  });

  it("a stale request (the label moved meanwhile) is refused and nothing moves", async () => {
    const promptId = await threeVersions();
    const [v2, v3] = [await version(promptId, "1.0.1"), await version(promptId, "1.0.2")];
    const first = await createReleaseRequest(editor, { promptId, label: "production", versionId: v2.id, reason: "first" });
    const second = await createReleaseRequest(editor, { promptId, label: "production", versionId: v3.id, reason: "second" });
    await approveReleaseRequest(ctx.admin, { requestId: second.id });
    const stale = await refusal(approveReleaseRequest(ctx.admin, { requestId: first.id }));
    expect(stale.code).toBe("conflict");
    expect(stale.message).toMatch(/Stale request: "production" moved since it was made \(it served v1\.0\.0, now v1\.0\.2\)/);
    expect(await served(promptId)).toBe(v3.id);
    expect((await getReleaseRequest(ctx.projectId, first.id))?.status).toBe("open");
  });

  it("a deleted version is refused", async () => {
    const promptId = await threeVersions();
    const v3 = await version(promptId, "1.0.2");
    const request = await createReleaseRequest(editor, { promptId, label: "production", versionId: v3.id, reason: "gone soon" });
    await getDb().promptVersion.delete({ where: { id: v3.id } });
    const error = await refusal(approveReleaseRequest(ctx.admin, { requestId: request.id }));
    expect(error.code).toBe("conflict");
    expect(error.message).toMatch(/Version 1\.0\.2 was deleted/);
    expect((await getReleaseRequest(ctx.projectId, request.id))?.status).toBe("open");
  });

  it("the approval and the move are one transaction: a move the eval gate refuses leaves the request open", async () => {
    const promptId = await threeVersions();
    const v2 = await version(promptId, "1.0.1");
    const request = await createReleaseRequest(editor, { promptId, label: "production", versionId: v2.id, reason: "ungated eval" });
    await setReleaseGate(ctx.admin, { labels: ["production"], minScore: 0.8, failOnRegression: true, maxAgeDays: 30 });
    try {
      const error = await refusal(approveReleaseRequest(ctx.admin, { requestId: request.id, comment: "ok" }));
      expect(error.code).toBe("unprocessable");
      expect(error.message).toMatch(/needs a passing evaluation/);
      const after = await getReleaseRequest(ctx.projectId, request.id);
      expect(after).toMatchObject({ status: "open", decidedBy: null, decisionComment: null });
      expect(await served(promptId)).toBe((await version(promptId, "1.0.0")).id);
      expect(await getDb().auditEvent.count({ where: { action: "release.approved", targetId: request.id } })).toBe(0);
    } finally {
      await setReleaseGate(ctx.admin, null);
    }
  });

  it("editors approve where the rule allows (staging: no four eyes); reject needs a comment; the requester may withdraw", async () => {
    const promptId = await threeVersions();
    const v2 = await version(promptId, "1.0.1");
    await getDb().label.create({ data: { promptId, name: "staging", versionId: (await version(promptId, "1.0.0")).id } });
    const own = await createReleaseRequest(editor, { promptId, label: "staging", versionId: v2.id, reason: "staging" });
    expect(await approveReleaseRequest(editor, { requestId: own.id })).toMatchObject({ status: "approved" });
    expect(await served(promptId, "staging")).toBe(v2.id);

    const prod = await createReleaseRequest(editor, { promptId, label: "production", versionId: v2.id, reason: "prod" });
    expect((await refusal(rejectReleaseRequest(ctx.admin, { requestId: prod.id, comment: " " }))).message).toMatch(/Say why/);
    expect((await refusal(rejectReleaseRequest(editor2, { requestId: prod.id, comment: "no" }))).code).toBe("forbidden");
    const withdrawn = await rejectReleaseRequest(editor, { requestId: prod.id, comment: "withdrawn" });
    expect(withdrawn).toMatchObject({ status: "rejected", decisionComment: "withdrawn" });
    expect(await served(promptId)).toBe((await version(promptId, "1.0.0")).id);
    expect(await getDb().auditEvent.count({ where: { action: "release.rejected", targetId: prod.id } })).toBe(1);
  });
});

describe("the API", () => {
  it("PUT labels/{label} answers 202 with the request when the label needs approval; approve through the API moves it", async () => {
    const promptId = await threeVersions();
    const name = (await getDb().prompt.findUniqueOrThrow({ where: { id: promptId } })).name;
    const write = await ctx.key(["prompts:read", "prompts:write"]);
    const adminKey = await ctx.key(["prompts:read", "prompts:write", "admin"]);
    const url = `${server.url}/api/v1/prompts/${name}/labels/production`;

    const noReason = await sendJson<{ error: { code: string; issues?: { path: string }[] } }>("PUT", url, { version: "1.0.1" }, bearer(write.key));
    expect(noReason.status).toBe(422);
    expect(noReason.body.error.issues?.[0]?.path).toBe("reason");

    const requested = await sendJson<{ id: string; status: string; version: string; fromVersion: string; evidence: { semver: { bump: string } } }>(
      "PUT",
      url,
      { version: "1.0.1", reason: "from CI" },
      bearer(write.key),
    );
    expect(requested.status).toBe(202);
    expect(requested.body).toMatchObject({ status: "open", version: "1.0.1", fromVersion: "1.0.0", requestedBy: 'API key "key prompts:read,prompts:write"' });
    expect(requested.body.evidence.semver.bump).toBeDefined();
    expect(await served(promptId)).toBe((await version(promptId, "1.0.0")).id);

    const listed = await getJson<{ data: Array<{ id: string }> }>(`${server.url}/api/v1/release-requests?status=open&prompt=${name}`, bearer(write.key));
    expect(listed.body.data.map((r) => r.id)).toEqual([requested.body.id]);
    const one = await getJson<{ id: string; evidence: unknown }>(`${server.url}/api/v1/release-requests/${requested.body.id}`, bearer(write.key));
    expect(one.status).toBe(200);
    expect(one.body.evidence).toBeTruthy();

    // The requesting key may not approve (prompts:write is an editor; production needs an admin).
    const byWriter = await sendJson("POST", `${server.url}/api/v1/release-requests/${requested.body.id}/approve`, {}, bearer(write.key));
    expect(byWriter.status).toBe(403);
    const approved = await sendJson<{ status: string }>(
      "POST",
      `${server.url}/api/v1/release-requests/${requested.body.id}/approve`,
      { comment: "ok" },
      bearer(adminKey.key),
    );
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe("approved");
    expect(await served(promptId)).toBe((await version(promptId, "1.0.1")).id);

    const unknown = await sendJson("POST", `${server.url}/api/v1/release-requests/nope/approve`, {}, bearer(adminKey.key));
    expect(unknown.status).toBe(404);
    const emptyReject = await sendJson("POST", `${server.url}/api/v1/release-requests/${requested.body.id}/reject`, {}, bearer(adminKey.key));
    expect(emptyReject.status).toBe(422);
    // An unruled label still moves at once (200).
    const canary = await sendJson<{ label: string }>("PUT", `${server.url}/api/v1/prompts/${name}/labels/canary`, { version: "1.0.2" }, bearer(write.key));
    expect(canary.status).toBe(200);

    // The typed client tells the two answers apart.
    const client = new PromptdeckClient({ baseUrl: server.url, apiKey: write.key });
    const viaClient = await client.moveLabel(name, "production", { version: "1.0.2", reason: "typed client" });
    expect(viaClient.status).toBe("requested");
    if (viaClient.status !== "requested") throw new Error("expected a request");
    expect(viaClient.request).toMatchObject({ version: "1.0.2", fromVersion: "1.0.1", status: "open" });
    expect((await client.listReleaseRequests({ status: "open", prompt: name })).data.map((r) => r.id)).toEqual([viaClient.request.id]);
    expect((await client.getReleaseRequest(viaClient.request.id)).evidence.to.version).toBe("1.0.2");
    const rejected = await client.rejectReleaseRequest(viaClient.request.id, "not now");
    expect(rejected.status).toBe("rejected");
    expect(await client.moveLabel(name, "canary", { version: "1.0.1" })).toMatchObject({ status: "moved", label: { label: "canary", version: "1.0.1" } });
  });
});

describe("comments on versions", () => {
  it("editors add, everyone reads; viewers and empty comments are refused", async () => {
    const promptId = await threeVersions();
    const v2 = await version(promptId, "1.0.1");
    const added = await addVersionComment(editor, { promptId, versionId: v2.id, body: "  Tone is better here  " });
    expect(added).toMatchObject({ author: "Eddie", body: "Tone is better here" });
    await addVersionComment(ctx.admin, { promptId, versionId: v2.id, body: "Agreed" });
    expect((await refusal(addVersionComment(viewer, { promptId, versionId: v2.id, body: "hi" }))).code).toBe("forbidden");
    expect((await refusal(addVersionComment(editor, { promptId, versionId: v2.id, body: "   " }))).code).toBe("bad_request");
    expect((await refusal(addVersionComment(editor, { promptId, versionId: "nope", body: "x" }))).code).toBe("not_found");
    const listed = await listVersionComments(promptId, [v2.id]);
    expect(listed.map((c) => c.body)).toEqual(["Tone is better here", "Agreed"]);
    expect(await listVersionComments(promptId, [(await version(promptId, "1.0.0")).id])).toEqual([]);
  });
});
