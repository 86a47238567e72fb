import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { diffVersions } from "@/lib/prompts/diff";
import { createPrompt, moveLabel, openDependentDrafts, previewPublish, publishDraft, saveDraft } from "@/lib/prompts/mutations";
import { renderVersion } from "@/lib/prompts/render";
import { parseVersionContent, type PromptVersionContent } from "@/lib/prompts/schemas";
import { listSnippetDependents, snippetContent, storedPins } from "@/lib/prompts/snippets";
import { bearer, getJson, makeTestProject, sendJson, startApiServer, type ApiError, type RunningServer, type TestProject } from "./serving-helpers";

let ctx: TestProject;
let server: RunningServer;
let key: string;

const including = (text: string): PromptVersionContent => ({
  system: [
    { type: "text", role: "instructions", text: "You answer refund questions." },
    { type: "text", role: "reference", text },
  ],
  messages: [{ role: "user", content: [{ type: "text", text: "{{#vip}}\nThe customer is a VIP.\n{{/vip}}\n{{question}}" }] }],
  variables: { question: { type: "string", required: true }, vip: { type: "boolean", required: false, default: false } },
  modelConfig: { model: "claude-sonnet-5-5", max_tokens: 256 },
  outputSchema: { format: "text" },
  policy: {},
});

async function expectUnprocessable(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("unprocessable");
    return error as AppError;
  }
  throw new Error("expected a 422");
}

async function newSnippet(name: string, blocks: string[], variables: PromptVersionContent["variables"] = {}) {
  const snippet = await createPrompt(ctx.admin, { name, kind: "SNIPPET", content: snippetContent(blocks, variables) });
  const v = await publishDraft(ctx.admin, { promptId: snippet.id, changelog: "first" });
  await moveLabel(ctx.admin, { promptId: snippet.id, label: "production", versionId: v.id });
  return { snippet, v };
}

beforeAll(async () => {
  ctx = await makeTestProject();
  server = await startApiServer();
  ({ key } = await ctx.key(["prompts:read", "prompts:write"]));
});

afterAll(async () => {
  await server.close();
});

describe("snippets", () => {
  it("pins includes at publish, renders the pinned version after the snippet moves on, and re-pins dependents", async () => {
    const { snippet } = await newSnippet("policy", ["Refunds within {{refund_days}} days."], { refund_days: { type: "number", required: false, default: 30 } });
    const prompt = await createPrompt(ctx.admin, { name: "refunds", content: including("{{> policy@production}}") });
    const v1 = await publishDraft(ctx.admin, { promptId: prompt.id, changelog: "first" });
    await moveLabel(ctx.admin, { promptId: prompt.id, label: "production", versionId: v1.id });
    expect(storedPins(v1)).toEqual([
      expect.objectContaining({ key: "policy@production", name: "policy", version: "1.0.0", text: "Refunds within {{refund_days}} days." }),
    ]);

    const render = async (versionId: string, vars: Record<string, unknown> = { question: "Q" }) =>
      renderVersion(parseVersionContent(await getDb().promptVersion.findUniqueOrThrow({ where: { id: versionId } })), vars);
    expect((await render(v1.id)).system?.[1]?.text).toBe("Refunds within 30 days.");
    expect((await render(v1.id, { question: "Q", vip: true, refund_days: 14 })).messages[0]?.content.map((b) => ("text" in b ? b.text : ""))[0]).toBe(
      "The customer is a VIP.\nQ",
    );

    // The snippet moves on: 1.1.0 on production. The published prompt still renders 1.0.0.
    await saveDraft(ctx.admin, {
      promptId: snippet.id,
      content: snippetContent(["Refunds within {{refund_days}} days, receipts required."], { refund_days: { type: "number", required: false, default: 30 } }),
    });
    const s11 = await publishDraft(ctx.admin, { promptId: snippet.id, changelog: "receipts" });
    await moveLabel(ctx.admin, { promptId: snippet.id, label: "production", versionId: s11.id });
    expect((await render(v1.id)).system?.[1]?.text).toBe("Refunds within 30 days.");

    // The snippet page: who uses it and which version they pinned.
    const dependents = await listSnippetDependents(ctx.projectId, "policy");
    expect(dependents).toEqual([
      expect.objectContaining({ prompt: "refunds", pins: [expect.objectContaining({ version: "1.0.0", snippetVersion: "1.0.0", labels: ["production"] })] }),
    ]);

    // Publishing the snippet offers drafts for the dependents; the draft re-pins when published.
    const opened = await openDependentDrafts(ctx.admin, { snippetPromptId: snippet.id, versionId: s11.id });
    expect(opened.results).toEqual([{ prompt: "refunds", outcome: "opened", repinned: 0 }]);
    const again = await openDependentDrafts(ctx.admin, { snippetPromptId: snippet.id, versionId: s11.id });
    expect(again.results).toEqual([{ prompt: "refunds", outcome: "has_draft", repinned: 0 }]);
    const preview = await previewPublish(ctx.admin, prompt.id);
    expect(preview.bump).toBe("minor");
    expect(preview.reasons.join(" ")).toContain("snippet policy 1.0.0 -> 1.1.0");
    const v2 = await publishDraft(ctx.admin, { promptId: prompt.id, changelog: "policy 1.1.0" });
    expect(storedPins(v2)[0]?.version).toBe("1.1.0");
    expect((await render(v2.id)).system?.[1]?.text).toBe("Refunds within 30 days, receipts required.");
    const diff = diffVersions(parseVersionContent(v1), parseVersionContent(v2));
    expect(diff.snippets.changes).toEqual([
      expect.objectContaining({
        name: "policy",
        type: "changed",
        before: expect.objectContaining({ version: "1.0.0" }),
        after: expect.objectContaining({ version: "1.1.0" }),
      }),
    ]);
    expect(diff.identical).toBe(false);
  });

  it("re-pins exact-version includes in the opened drafts", async () => {
    const { snippet } = await newSnippet("tone", ["Be kind."]);
    const prompt = await createPrompt(ctx.admin, { name: "tone-user", content: including("{{> tone@1.0.0}}") });
    await publishDraft(ctx.admin, { promptId: prompt.id, changelog: "first" });
    await saveDraft(ctx.admin, { promptId: snippet.id, content: snippetContent(["Be kind and brief."]) });
    const t2 = await publishDraft(ctx.admin, { promptId: snippet.id, changelog: "brief" });
    const opened = await openDependentDrafts(ctx.admin, { snippetPromptId: snippet.id, versionId: t2.id });
    expect(opened.results).toEqual([{ prompt: "tone-user", outcome: "opened", repinned: 1 }]);
    const draft = await getDb().promptVersion.findFirstOrThrow({ where: { promptId: prompt.id, status: "DRAFT" } });
    expect(JSON.stringify(draft.system)).toContain("{{> tone@1.1.0}}");
  });

  it("refuses missing snippets, labels and versions, and cycles, with the path", async () => {
    const prompt = await createPrompt(ctx.admin, { name: "broken", content: including("{{> ghost@production}}") });
    const missing = await expectUnprocessable(publishDraft(ctx.admin, { promptId: prompt.id, changelog: "x" }));
    expect(missing.issues).toContainEqual({ path: "system.1.text", message: 'line 1, col 1: {{> ghost@production}}: snippet "ghost" does not exist' });

    await newSnippet("rules", ["Rule one."]);
    await saveDraft(ctx.admin, { promptId: prompt.id, content: including("{{> rules@staging}} {{> rules@9.0.0}} {{> refunds@production}}") });
    const bad = await expectUnprocessable(publishDraft(ctx.admin, { promptId: prompt.id, changelog: "x" }));
    const messages = (bad.issues ?? []).map((i) => i.message).join("\n");
    expect(messages).toContain('snippet "rules" has no label "staging"');
    expect(messages).toContain('snippet "rules" has no published version 9.0.0');
    expect(messages).toContain('"refunds" is a prompt, not a snippet');

    // Direct cycle: a snippet including itself.
    const a = await createPrompt(ctx.admin, { name: "cycle-a", kind: "SNIPPET", content: snippetContent(["A {{> cycle-a@production}}"]) });
    const self = await expectUnprocessable(publishDraft(ctx.admin, { promptId: a.id, changelog: "x" }));
    expect(self.issues?.[0]?.message).toContain("cannot include itself");
    // Indirect: b includes a (published), then a's draft includes b.
    await saveDraft(ctx.admin, { promptId: a.id, content: snippetContent(["A"]) });
    const a1 = await publishDraft(ctx.admin, { promptId: a.id, changelog: "a" });
    await moveLabel(ctx.admin, { promptId: a.id, label: "production", versionId: a1.id });
    const b = await createPrompt(ctx.admin, { name: "cycle-b", kind: "SNIPPET", content: snippetContent(["B {{> cycle-a@production}}"]) });
    const b1 = await publishDraft(ctx.admin, { promptId: b.id, changelog: "b" });
    await moveLabel(ctx.admin, { promptId: b.id, label: "production", versionId: b1.id });
    await saveDraft(ctx.admin, { promptId: a.id, content: snippetContent(["A {{> cycle-b@production}}"]) });
    const indirect = await expectUnprocessable(publishDraft(ctx.admin, { promptId: a.id, changelog: "x" }));
    expect(indirect.issues?.[0]).toEqual({ path: "messages.0.content.0.text", message: expect.stringContaining("cycle cycle-a → cycle-b") });
  });

  it("refuses an unclosed section and a breakpoint after a section at publish, located", async () => {
    const content = including("Policy text.");
    content.messages = [{ role: "user", content: [{ type: "text", text: "{{question}}\n{{#vip}} VIP" }] }];
    const prompt = await createPrompt(ctx.admin, { name: "sections-bad", content: including("Policy.") });
    await saveDraft(ctx.admin, { promptId: prompt.id, content });
    const unclosed = await expectUnprocessable(publishDraft(ctx.admin, { promptId: prompt.id, changelog: "x" }));
    expect(unclosed.issues).toContainEqual({
      path: "messages.0.content.0.text",
      message: expect.stringMatching(/^line 2, col 1: \{\{#vip\}\} is never closed/),
    });

    const cached = including("Policy.");
    cached.system = [
      { type: "text", role: "instructions", text: "{{#vip}}VIP rules.{{/vip}}" },
      { type: "text", role: "reference", text: "Policy.", cache_control: { type: "ephemeral" } },
    ];
    await saveDraft(ctx.admin, { promptId: prompt.id, content: cached });
    const inPrefix = await expectUnprocessable(publishDraft(ctx.admin, { promptId: prompt.id, changelog: "x" }));
    expect(inPrefix.issues).toContainEqual({ path: "system.1", message: expect.stringContaining("{{#vip}} at System block 1, line 1, col 1") });
  });
});

describe("snippets over the API", () => {
  it("creates a snippet through the CI endpoint (kind snippet) and refuses changing a kind", async () => {
    const body = (kind: string) => ({
      kind,
      request: { model: "claude-sonnet-5-5", max_tokens: 100, messages: [{ role: "user", content: "Sign off as Ava." }] },
      publish: true,
      changelog: "first",
    });
    const created = await sendJson<{ status: string }>("POST", `${server.url}/api/v1/prompts/ci-signoff/versions`, body("snippet"), bearer(key));
    expect(created.status).toBe(201);
    expect((await getDb().prompt.findFirstOrThrow({ where: { projectId: ctx.projectId, name: "ci-signoff" } })).kind).toBe("SNIPPET");
    const changed = await sendJson<ApiError>("POST", `${server.url}/api/v1/prompts/ci-signoff/versions`, body("prompt"), bearer(key));
    expect(changed.status).toBe(422);
    expect(changed.body.error.issues).toEqual([{ path: "kind", message: '"ci-signoff" already exists as a snippet' }]);
  });

  it("422s a write whose include does not resolve, with the document path", async () => {
    const res = await sendJson<ApiError>(
      "POST",
      `${server.url}/api/v1/prompts/api-includer/versions`,
      {
        request: { model: "claude-sonnet-5-5", max_tokens: 100, system: "{{> nowhere@production}}", messages: [{ role: "user", content: "{{q}}" }] },
        variables: { q: { type: "string", required: true } },
        publish: true,
        changelog: "x",
      },
      bearer(key),
    );
    expect(res.status).toBe(422);
    expect(res.body.error.issues).toEqual([{ path: "request.system.0.text", message: expect.stringContaining('snippet "nowhere" does not exist') }]);
    expect(await getDb().prompt.findFirst({ where: { projectId: ctx.projectId, name: "api-includer" } })).toBeNull();
  });

  it("publishes through the CI endpoint with the pins in the document, renders and serves Langfuse the resolved text", async () => {
    const res = await sendJson<{ status: string; snippets?: { include: string; version: string }[] }>(
      "POST",
      `${server.url}/api/v1/prompts/api-includer/versions`,
      {
        request: { model: "claude-sonnet-5-5", max_tokens: 100, system: "Rules: {{> rules@production}}", messages: [{ role: "user", content: "{{q}}" }] },
        variables: { q: { type: "string", required: true } },
        publish: true,
        changelog: "first",
      },
      bearer(key),
    );
    expect(res.status).toBe(201);
    expect(res.body.snippets).toEqual([expect.objectContaining({ include: "rules@production", version: "1.0.0" })]);
    const p = await getDb().prompt.findFirstOrThrow({ where: { projectId: ctx.projectId, name: "api-includer" } });
    const v = await getDb().promptVersion.findFirstOrThrow({ where: { promptId: p.id, status: "PUBLISHED" } });
    await moveLabel(ctx.admin, { promptId: p.id, label: "production", versionId: v.id });

    const doc = await getJson<{ snippets?: { include: string; text: string }[] }>(`${server.url}/api/v1/prompts/api-includer?label=production`, bearer(key));
    expect(doc.body.snippets).toEqual([expect.objectContaining({ include: "rules@production", text: "Rule one." })]);
    const rendered = await sendJson<{ request: { system: { text: string }[] } }>(
      "POST",
      `${server.url}/api/v1/prompts/api-includer/render`,
      { variables: { q: "hi" } },
      bearer(key),
    );
    expect(rendered.status).toBe(200);
    expect(rendered.body.request.system[0]?.text).toBe("Rules: Rule one.");
    const lf = await getJson<{ prompt: { role: string; content: string }[] }>(`${server.url}/api/public/v2/prompts/api-includer`, {
      authorization: `Basic ${Buffer.from(`pk-lf-x:${key}`).toString("base64")}`,
    });
    expect(lf.status).toBe(200);
    expect(lf.body.prompt[0]).toEqual({ role: "system", content: "Rules: Rule one." });
  });
});
