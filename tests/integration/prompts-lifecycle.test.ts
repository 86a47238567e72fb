// Archive, restore and delete a prompt (issue 18, daily use): lib rules, audit, and the API's parity.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { archivePrompt, createPrompt, deletePrompt, moveLabel, publishDraft, restorePrompt, saveDraft } from "@/lib/prompts/mutations";
import { listPrompts } from "@/lib/prompts/queries";
import {
  bearer,
  getJson,
  makeTestProject,
  publishPrompt,
  sendJson,
  simpleContent,
  startApiServer,
  type ApiError,
  type RunningServer,
  type TestProject,
} from "./serving-helpers";

async function expectAppError(promise: Promise<unknown>, code: string): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

let server: RunningServer;
let ctx: TestProject;

beforeAll(async () => {
  server = await startApiServer();
  ctx = await makeTestProject();
});

afterAll(async () => {
  await server.close();
});

describe("archiving a prompt", () => {
  it("hides it from the list unless asked, refuses writes while archived, keeps history and serving, and is audited", async () => {
    const promptId = await publishPrompt(ctx.admin, "archived-one", [simpleContent()]);
    const editor = { ...ctx.admin, role: "EDITOR" as const };
    await archivePrompt(editor, promptId);

    const live = await listPrompts(ctx.projectId);
    expect(live.items.map((p) => p.name)).not.toContain("archived-one");
    const all = await listPrompts(ctx.projectId, { archived: "include" });
    expect(all.items.find((p) => p.name === "archived-one")?.archivedAt).toBeInstanceOf(Date);

    // No new drafts, publishes or label moves onto it.
    const saving = await expectAppError(saveDraft(editor, { promptId, content: simpleContent("Changed.") }), "conflict");
    expect(saving.message).toMatch(/archived.*restore/);
    await expectAppError(publishDraft(editor, { promptId, changelog: "x" }), "conflict");
    const version = await getDb().promptVersion.findFirstOrThrow({ where: { promptId, status: "PUBLISHED" } });
    await expectAppError(moveLabel(editor, { promptId, label: "staging", versionId: version.id }), "conflict");

    // History kept; the production label keeps serving through the API.
    expect(await getDb().promptVersion.count({ where: { promptId } })).toBeGreaterThan(0);
    const { key } = await ctx.key(["prompts:read"]);
    const served = await getJson<{ version: string }>(`${server.url}/api/v1/prompts/archived-one`, bearer(key));
    expect(served.status).toBe(200);
    expect(served.body.version).toBe("1.0.0");

    await restorePrompt(editor, promptId);
    expect((await listPrompts(ctx.projectId)).items.map((p) => p.name)).toContain("archived-one");
    await saveDraft(editor, { promptId, content: simpleContent("Changed again.") });

    const actions = await getDb().auditEvent.findMany({ where: { projectId: ctx.projectId, targetId: promptId }, select: { action: true } });
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(["prompt.archived", "prompt.restored"]));
  });

  it("refuses to archive while an experiment runs on it", async () => {
    const promptId = await publishPrompt(ctx.admin, "experimenting", [simpleContent(), simpleContent("Second.")]);
    await getDb().experiment.create({ data: { promptId, name: "live test", labelName: "production", status: "RUNNING", primaryMetric: "accuracy" } });
    const refused = await expectAppError(archivePrompt(ctx.admin, promptId), "conflict");
    expect(refused.message).toContain("live test");
  });
});

describe("deleting a prompt", () => {
  it("needs the name typed, ADMIN, and no label serving it; then removes it and its versions, audited", async () => {
    const served = await publishPrompt(ctx.admin, "still-served", [simpleContent()], ["production", "staging"]);
    const refused = await expectAppError(deletePrompt(ctx.admin, { promptId: served, confirmName: "still-served" }), "conflict");
    expect(refused.message).toContain("production (v1.0.0), staging (v1.0.0)");

    const prompt = await createPrompt(ctx.admin, { name: "to-delete" });
    await publishDraft(ctx.admin, { promptId: prompt.id, changelog: "first" });
    await expectAppError(deletePrompt({ ...ctx.admin, role: "EDITOR" }, { promptId: prompt.id, confirmName: "to-delete" }), "forbidden");
    const typo = await expectAppError(deletePrompt(ctx.admin, { promptId: prompt.id, confirmName: "to-delet" }), "bad_request");
    expect(typo.message).toContain('"to-delete"');

    await deletePrompt(ctx.admin, { promptId: prompt.id, confirmName: "to-delete" });
    expect(await getDb().prompt.findUnique({ where: { id: prompt.id } })).toBeNull();
    expect(await getDb().promptVersion.count({ where: { promptId: prompt.id } })).toBe(0);
    const audit = await getDb().auditEvent.findFirst({ where: { projectId: ctx.projectId, targetId: prompt.id, action: "prompt.deleted" } });
    expect(audit?.before).toEqual({ name: "to-delete" });
  });
});

describe("deleting a prompt with experiments", () => {
  it("removes its experiments and variants with it (variants restrict deleting versions on their own)", async () => {
    const promptId = await publishPrompt(ctx.admin, "with-experiment", [simpleContent(), simpleContent("Second.")], []);
    const versions = await getDb().promptVersion.findMany({ where: { promptId }, select: { id: true } });
    await getDb().experiment.create({
      data: {
        promptId,
        name: "finished test",
        labelName: "production",
        status: "COMPLETED",
        primaryMetric: "accuracy",
        variants: { create: versions.map((v, i) => ({ key: i === 0 ? "control" : "treatment", versionId: v.id, weight: 50 })) },
      },
    });
    await deletePrompt(ctx.admin, { promptId, confirmName: "with-experiment" });
    expect(await getDb().experiment.count({ where: { promptId } })).toBe(0);
  });
});

describe("the API's prompt lifecycle", () => {
  it("archives, restores and deletes with the same rules (409 while archived or served, admin key to delete)", async () => {
    const { key: write } = await ctx.key(["prompts:read", "prompts:write"]);
    const { key: admin } = await ctx.key(["prompts:read", "prompts:write", "admin"]);
    await publishPrompt(ctx.admin, "api-life", [simpleContent()], []);

    const archived = await sendJson<{ name: string; archived: boolean }>("POST", `${server.url}/api/v1/prompts/api-life/archive`, undefined, bearer(write));
    expect(archived.status).toBe(200);
    expect(archived.body).toMatchObject({ name: "api-life", archived: true });
    const list = await getJson<{ data: { name: string }[] }>(`${server.url}/api/v1/prompts`, bearer(write));
    expect(list.body.data.map((p) => p.name)).not.toContain("api-life");
    const label = await sendJson<ApiError>("PUT", `${server.url}/api/v1/prompts/api-life/labels/production`, { version: "1.0.0" }, bearer(write));
    expect(label.status).toBe(409);
    expect(label.body.error.message).toMatch(/archived/);

    const restored = await sendJson<{ archived: boolean }>("POST", `${server.url}/api/v1/prompts/api-life/restore`, undefined, bearer(write));
    expect(restored.body.archived).toBe(false);

    const notAdmin = await sendJson<ApiError>("DELETE", `${server.url}/api/v1/prompts/api-life?confirm=api-life`, undefined, bearer(write));
    expect(notAdmin.status).toBe(403);
    const noConfirm = await sendJson<ApiError>("DELETE", `${server.url}/api/v1/prompts/api-life`, undefined, bearer(admin));
    expect(noConfirm.status).toBe(400);
    const deleted = await sendJson<{ deleted: boolean }>("DELETE", `${server.url}/api/v1/prompts/api-life?confirm=api-life`, undefined, bearer(admin));
    expect(deleted.status).toBe(200);
    const gone = await getJson<ApiError>(`${server.url}/api/v1/prompts/api-life?version=1.0.0`, bearer(write));
    expect(gone.status).toBe(404);
  });
});
