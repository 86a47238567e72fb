import { beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Actor } from "@/lib/audit/actor";
import {
  createPrompt,
  discardDraft,
  moveLabel,
  previewPublish,
  publishDraft,
  rollbackLabel,
  saveDraft,
  starterContent,
  startDraftFrom,
} from "@/lib/prompts/mutations";
import { getDraft, listLabelEvents, listPrompts, resolvePublishedVersion } from "@/lib/prompts/queries";

async function makeProject() {
  const db = getDb();
  const suffix = randomUUID().slice(0, 8);
  const user = await db.user.create({ data: { email: `editor-${suffix}@example.test`, name: "Editor" } });
  const project = await db.project.create({ data: { slug: `p-${suffix}`, name: `Project ${suffix}` } });
  await db.membership.create({ data: { userId: user.id, projectId: project.id, role: "ADMIN" } });
  const admin: Actor = { kind: "user", userId: user.id, projectId: project.id, role: "ADMIN" };
  const editor: Actor = { ...admin, role: "EDITOR" };
  const viewer: Actor = { ...admin, role: "VIEWER" };
  return { project, admin, editor, viewer };
}

async function expectAppError(promise: Promise<unknown>, code: string): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(code);
    return error as AppError;
  }
  throw new Error(`expected an AppError ${code}`);
}

describe("prompt registry (database)", () => {
  let ctx: Awaited<ReturnType<typeof makeProject>>;
  beforeAll(async () => {
    ctx = await makeProject();
  });

  it("creates a prompt with a starter draft, refuses duplicates and viewers", async () => {
    const prompt = await createPrompt(ctx.editor, { name: "greeter", description: "Says hello", tags: ["demo"] });
    const draft = await getDraft(prompt.id);
    expect(draft?.status).toBe("DRAFT");
    await expectAppError(createPrompt(ctx.editor, { name: "greeter" }), "conflict");
    await expectAppError(createPrompt(ctx.viewer, { name: "other" }), "forbidden");
    await expectAppError(createPrompt(ctx.editor, { name: "Bad Name" }), "bad_request");
  });

  it("publishes 1.0.0, proposes bumps from the change, and never lets the author lower them", async () => {
    const prompt = await createPrompt(ctx.editor, { name: "versioned" });
    const first = await publishDraft(ctx.editor, { promptId: prompt.id, changelog: "First version" });
    expect([first.major, first.minor, first.patch]).toEqual([1, 0, 0]);
    expect(first.status).toBe("PUBLISHED");

    // Substantive instruction change -> minor.
    const content = starterContent();
    content.system[0]!.text = "You are a concise assistant for a hardware store. Answer in two sentences at most.";
    await saveDraft(ctx.editor, { promptId: prompt.id, content });
    const preview = await previewPublish(ctx.editor, prompt.id);
    expect(preview.bump).toBe("minor");
    expect(preview.proposedVersion).toBe("1.1.0");
    await expectAppError(publishDraft(ctx.editor, { promptId: prompt.id, changelog: "x", bump: "patch" }), "unprocessable");
    await expectAppError(publishDraft(ctx.editor, { promptId: prompt.id, changelog: "x", version: "1.0.1" }), "unprocessable");
    await expectAppError(publishDraft(ctx.editor, { promptId: prompt.id, changelog: "   " }), "bad_request");
    const second = await publishDraft(ctx.editor, { promptId: prompt.id, changelog: "Hardware store persona", version: "1.5.0" });
    expect([second.major, second.minor, second.patch]).toEqual([1, 5, 0]);

    // Removing the required variable breaks callers -> major.
    const breaking = starterContent();
    breaking.messages[0]!.content[0]!.text = "Say hello.";
    breaking.variables = {};
    await saveDraft(ctx.editor, { promptId: prompt.id, content: breaking });
    const plan = await previewPublish(ctx.editor, prompt.id);
    expect(plan.bump).toBe("major");
    expect(plan.proposedVersion).toBe("2.0.0");
  });

  it("refuses to publish a draft whose templates break the contract or whose breakpoints are invalid", async () => {
    const prompt = await createPrompt(ctx.editor, { name: "broken" });
    const content = starterContent();
    content.messages[0]!.content[0]!.text = "{{input}} and {{undeclared}}";
    await saveDraft(ctx.editor, { promptId: prompt.id, content });
    const error = await expectAppError(publishDraft(ctx.editor, { promptId: prompt.id, changelog: "x" }), "unprocessable");
    expect(JSON.stringify(error.issues)).toContain("undeclared");

    const cached = starterContent();
    cached.system = [
      { type: "text", role: "instructions", text: "Rules", cache_control: { type: "ephemeral", ttl: "5m" } },
      { type: "text", role: "reference", text: "Doc", cache_control: { type: "ephemeral", ttl: "1h" } },
    ];
    await saveDraft(ctx.editor, { promptId: prompt.id, content: cached });
    const ttlError = await expectAppError(publishDraft(ctx.editor, { promptId: prompt.id, changelog: "x" }), "unprocessable");
    expect(ttlError.issues?.length).toBeGreaterThan(0);
  });

  it("saves a draft whose output schema is not a valid JSON Schema but refuses to publish it (issue 18, defect 1)", async () => {
    const prompt = await createPrompt(ctx.editor, { name: "banana-schema" });
    const content = { ...starterContent(), outputSchema: { format: "json" as const, schema: { type: "banana", required: "a" } } };
    await saveDraft(ctx.editor, { promptId: prompt.id, content });
    const plan = await previewPublish(ctx.editor, prompt.id);
    expect(plan.errors.map((e) => e.path)).toEqual(["outputSchema.schema.required", "outputSchema.schema.type"]);
    const error = await expectAppError(publishDraft(ctx.editor, { promptId: prompt.id, changelog: "x" }), "unprocessable");
    expect(error.issues?.map((i) => i.message)).toEqual([
      'the output schema is not a valid JSON Schema: "required" must be array (got "a")',
      expect.stringContaining('the output schema is not a valid JSON Schema: "type" must be one of "array", "boolean"'),
    ]);
    expect(await getDb().promptVersion.count({ where: { promptId: prompt.id, status: "PUBLISHED" } })).toBe(0);
  });

  it("saves a draft with validation problems (blank block, enum without values) so no edit is lost, refuses to publish it, and refuses content without the draft structure (issue 18, daily use)", async () => {
    const prompt = await createPrompt(ctx.editor, { name: "work-in-progress" });
    const content = {
      ...starterContent(),
      system: [...starterContent().system, { type: "text" as const, role: "instructions" as const, text: "" }],
      variables: { ...starterContent().variables, tone: { type: "enum" as const, required: false, values: [] as unknown as [string] } },
    };
    const saved = await saveDraft(ctx.editor, { promptId: prompt.id, content });
    const stored = await getDraft(prompt.id);
    expect(stored?.lockVersion).toBe(saved.lockVersion);
    expect((stored?.system as { text: string }[]).map((b) => b.text)).toEqual([starterContent().system[0]!.text, ""]);
    const plan = await previewPublish(ctx.editor, prompt.id);
    expect(plan.errors.length).toBeGreaterThan(0);
    await expectAppError(publishDraft(ctx.editor, { promptId: prompt.id, changelog: "x" }), "unprocessable");
    await expectAppError(saveDraft(ctx.editor, { promptId: prompt.id, content: { ...content, messages: "not a list" } }), "unprocessable");
  });

  it("stores acknowledged variable-before-breakpoint choices on the draft, keeps them on publish and in the next draft", async () => {
    const prompt = await createPrompt(ctx.editor, { name: "acknowledged" });
    const content = starterContent();
    content.variables.tenant = { type: "string", required: true };
    content.system = [
      { type: "text", role: "reference", text: "Policy of tenant {{tenant}}", cache_control: { type: "ephemeral", ttl: "1h" } },
      { type: "text", role: "instructions", text: "Answer briefly." },
    ];
    // Unacknowledged: publishing is refused.
    await saveDraft(ctx.editor, { promptId: prompt.id, content });
    const refused = await expectAppError(publishDraft(ctx.editor, { promptId: prompt.id, changelog: "x" }), "unprocessable");
    expect(JSON.stringify(refused.issues)).toContain("{{tenant}}");

    // Acknowledged in the editor's save; locations that are no breakpoint with a variable are dropped.
    const saved = await saveDraft(ctx.editor, { promptId: prompt.id, content, acknowledgedVariableBreakpoints: ["system.0", "system.1", "nope"] });
    expect(saved.cacheAcknowledgements).toEqual(["system.0"]);
    // A save without acknowledgements (e.g. the API) keeps the stored ones.
    const again = await saveDraft(ctx.editor, { promptId: prompt.id, content, changelog: "note" });
    expect(again.cacheAcknowledgements).toEqual(["system.0"]);
    expect(again.contentHash).toBe(saved.contentHash);
    const preview = await previewPublish(ctx.editor, prompt.id);
    expect(preview.errors).toEqual([]);
    expect(preview.acknowledged).toEqual(["system.0"]);

    // Publish without sending them again: the stored ones apply and stay on the version.
    const v1 = await publishDraft(ctx.editor, { promptId: prompt.id, changelog: "First" });
    expect(v1.cacheAcknowledgements).toEqual(["system.0"]);

    // The next draft starts with them, so 1.1.0 needs no new acknowledgement.
    const draft = await startDraftFrom(ctx.editor, { promptId: prompt.id, versionId: v1.id });
    expect(draft.cacheAcknowledgements).toEqual(["system.0"]);
    const same = await saveDraft(ctx.editor, { promptId: prompt.id, content, lockVersion: draft.lockVersion, acknowledgedVariableBreakpoints: [] });
    expect(same.cacheAcknowledgements).toEqual([]);
    expect(same.contentHash).toBe(v1.contentHash);
    // Acknowledgements are not content: changing only them leaves nothing to publish.
    await expectAppError(publishDraft(ctx.editor, { promptId: prompt.id, changelog: "ack only", acknowledgedVariableBreakpoints: ["system.0"] }), "conflict");

    const changed = {
      ...content,
      system: [content.system[0]!, { type: "text" as const, role: "instructions" as const, text: "Answer briefly and politely." }],
    };
    await saveDraft(ctx.editor, { promptId: prompt.id, content: changed, acknowledgedVariableBreakpoints: ["system.0"] });
    const v2 = await publishDraft(ctx.editor, { promptId: prompt.id, changelog: "Politer" });
    expect([v2.major, v2.minor, v2.cacheAcknowledgements]).toEqual([1, 1, ["system.0"]]);
  });

  it("keeps the variable contract in its declared order through save, publish and the next draft (issue 18, defect 8)", async () => {
    const prompt = await createPrompt(ctx.editor, { name: "ordered-vars" });
    const content = starterContent();
    content.messages[0]!.content[0]!.text = "{{zeta}} {{alpha}} {{mid}}";
    content.variables = {
      zeta: { type: "string", required: true },
      alpha: { type: "string", required: false },
      mid: { type: "number", required: false, default: 3 },
    };
    await saveDraft(ctx.editor, { promptId: prompt.id, content });
    const draft = await getDraft(prompt.id);
    expect(Object.keys(draft!.variables as object)).toEqual(["zeta", "alpha", "mid"]);
    const published = await publishDraft(ctx.editor, { promptId: prompt.id, changelog: "Ordered" });
    const stored = await getDb().promptVersion.findUniqueOrThrow({ where: { id: published.id } });
    expect(Object.keys(stored.variables as object)).toEqual(["zeta", "alpha", "mid"]);
    const resolved = await resolvePublishedVersion(ctx.project.id, "ordered-vars", { version: "1.0.0" });
    expect(Object.keys(resolved.variables as object)).toEqual(["zeta", "alpha", "mid"]);
    await startDraftFrom(ctx.editor, { promptId: prompt.id, versionId: published.id });
    expect(Object.keys((await getDraft(prompt.id))!.variables as object)).toEqual(["zeta", "alpha", "mid"]);
  });

  it("detects a concurrent draft edit by lock version", async () => {
    const prompt = await createPrompt(ctx.editor, { name: "locked" });
    const draft = (await getDraft(prompt.id))!;
    const content = starterContent();
    await saveDraft(ctx.editor, { promptId: prompt.id, content, lockVersion: draft.lockVersion });
    await expectAppError(saveDraft(ctx.editor, { promptId: prompt.id, content, lockVersion: draft.lockVersion }), "conflict");
  });

  it("moves labels with history, protects production, rolls back, and resolves selectors", async () => {
    const prompt = await createPrompt(ctx.editor, { name: "labelled" });
    const v1 = await publishDraft(ctx.editor, { promptId: prompt.id, changelog: "v1", labels: ["production"] });
    const content = starterContent();
    content.system[0]!.text = "You are a formal assistant. Always greet the user by name before answering.";
    await saveDraft(ctx.editor, { promptId: prompt.id, content });
    const v2 = await publishDraft(ctx.editor, { promptId: prompt.id, changelog: "v2", labels: ["staging"] });

    // production was created protected by an admin-free publish? It is protected: editors cannot move it.
    await expectAppError(moveLabel(ctx.editor, { promptId: prompt.id, label: "production", versionId: v2.id }), "forbidden");
    await moveLabel(ctx.admin, { promptId: prompt.id, label: "production", versionId: v2.id });
    const projectId = ctx.project.id;
    expect((await resolvePublishedVersion(projectId, "labelled", {})).id).toBe(v2.id);
    expect((await resolvePublishedVersion(projectId, "labelled", { version: "^1.0" })).id).toBe(v2.id);
    expect((await resolvePublishedVersion(projectId, "labelled", { version: "1.0.0" })).id).toBe(v1.id);
    await expectAppError(resolvePublishedVersion(projectId, "labelled", { version: "^3" }), "not_found");
    await expectAppError(resolvePublishedVersion(projectId, "labelled", { label: "x", version: "1.0.0" }), "bad_request");

    await rollbackLabel(ctx.admin, { promptId: prompt.id, label: "production" });
    expect((await resolvePublishedVersion(projectId, "labelled", { label: "production" })).id).toBe(v1.id);
    const events = await listLabelEvents(prompt.id);
    expect(events.filter((e) => e.label.name === "production")).toHaveLength(3);
    const audits = await getDb().auditEvent.count({ where: { projectId, action: "label.moved" } });
    expect(audits).toBeGreaterThanOrEqual(4);

    const list = await listPrompts(projectId);
    const item = list.items.find((p) => p.name === "labelled");
    expect(item?.latestVersion).toBe("1.1.0");
    expect(item?.labels).toEqual(
      expect.arrayContaining([
        { name: "production", version: "1.0.0", protected: true },
        { name: "staging", version: "1.1.0", protected: false },
      ]),
    );
  });

  it("starts a draft from a published version and discards it", async () => {
    const prompt = await createPrompt(ctx.editor, { name: "branching" });
    const v1 = await publishDraft(ctx.editor, { promptId: prompt.id, changelog: "v1" });
    await startDraftFrom(ctx.editor, { promptId: prompt.id, versionId: v1.id });
    await expectAppError(startDraftFrom(ctx.editor, { promptId: prompt.id, versionId: v1.id }), "conflict");
    await expectAppError(publishDraft(ctx.editor, { promptId: prompt.id, changelog: "same" }), "conflict");
    await discardDraft(ctx.editor, prompt.id);
    expect(await getDraft(prompt.id)).toBeNull();
  });
});
