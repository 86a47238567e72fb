// Every server action against hostile input, on the real database: NUL bytes, unpaired
// surrogates, huge and non-finite numbers, deep nesting, wrong types, odd (valid) Unicode. Each
// call must come back as an action result (a form message), never throw, and never reach the
// generic "internal" error (which would mean the input got past validation and broke something).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { fakeServerSession } from "./session-helpers";
import type { Actor } from "@/lib/audit/actor";
import { getDb } from "@/lib/db/client";
import { createExperiment } from "@/lib/experiments/mutations";
import { createExperimentSchema } from "@/lib/experiments/schemas";
import type { ActionResult } from "@/lib/http/action-result";
import { createPrompt, moveLabel, publishDraft, saveDraft } from "@/lib/prompts/mutations";
import { versionLabel } from "@/lib/prompts/queries";
import type { PromptVersionContent } from "@/lib/prompts/schemas";

// The session: next-auth's JWT is out of reach here, so getServerSession answers for `signedInAs`.
let signedInAs: string | null = null;
vi.mock("next-auth", async (original) => ({
  ...(await original<typeof import("next-auth")>()),
  getServerSession: () => fakeServerSession(signedInAs),
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

const calls = await import("@/app/(dashboard)/p/[project]/calls/actions");
const settings = await import("@/app/(dashboard)/p/[project]/settings/actions");
const experiments = await import("@/app/(dashboard)/p/[project]/experiments/actions");
const newPrompt = await import("@/app/(dashboard)/p/[project]/prompts/new/actions");
const prompt = await import("@/app/(dashboard)/p/[project]/prompts/[name]/actions");
const edit = await import("@/app/(dashboard)/p/[project]/prompts/[name]/edit/actions");
const setup = await import("@/app/setup/actions");

function content(text: string): PromptVersionContent {
  return {
    system: [{ type: "text", role: "instructions", text }],
    messages: [{ role: "user", content: [{ type: "text", text: "{{question}}" }] }],
    variables: { question: { type: "string", required: true } },
    modelConfig: { model: "claude-sonnet-5-5", max_tokens: 256 },
    outputSchema: { format: "text" },
    policy: {},
  };
}

function nested(depth: number): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** Values that no field should turn into a crash. */
const HOSTILE: Array<[string, unknown]> = [
  ["NUL", "a\u0000b"],
  ["only NUL", "\u0000"],
  ["unpaired surrogate", "x\uD800y"],
  ["huge number", 1e308],
  ["negative huge number", -1e308],
  ["unsafe integer", 2 ** 53 + 1],
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["bigint", 10n],
  ["Date", new Date(0)],
  ["deep nesting", nested(5000)],
  ["nested arrays", [[[[["x"]]]]]],
  ["operator object", { $ne: null }],
  ["huge string", "x".repeat(1_200_000)],
  ["odd Unicode", "\u202Egnp.exe \u200B\uFEFF e\u0301 👩🏽‍💻 𝔘 \u0130"],
  ["empty", ""],
  ["null", null],
  ["array", ["x"]],
  ["boolean", true],
];

/** Refused by the wrapper itself, whatever the field: these never succeed. */
const ALWAYS_REFUSED = new Set(["NUL", "only NUL", "unpaired surrogate", "NaN", "Infinity", "bigint", "Date", "deep nesting"]);

let project = "";
let promptId = "";
let versionId = "";
let experimentId = "";
let userId = "";
const logged = vi.spyOn(console, "error");

beforeAll(async () => {
  const db = getDb();
  const suffix = randomUUID().slice(0, 8);
  const user = await db.user.create({ data: { email: `hostile-${suffix}@example.test`, name: "Hostile" } });
  const row = await db.project.create({ data: { slug: `hostile-${suffix}`, name: `Hostile ${suffix}` } });
  await db.membership.create({ data: { userId: user.id, projectId: row.id, role: "ADMIN" } });
  const admin: Actor = { kind: "user", userId: user.id, projectId: row.id, role: "ADMIN" };
  const created = await createPrompt(admin, { name: `hostile-${suffix}`, content: content("First") });
  const v1 = await publishDraft(admin, { promptId: created.id, changelog: "first" });
  await saveDraft(admin, { promptId: created.id, content: content("Second") });
  const v2 = await publishDraft(admin, { promptId: created.id, changelog: "second" });
  await moveLabel(admin, { promptId: created.id, label: "production", versionId: v1.id });
  await saveDraft(admin, { promptId: created.id, content: content("Draft") });
  const experiment = await createExperiment(
    admin,
    createExperimentSchema.parse({
      prompt: created.name,
      label: "production",
      name: "Hostile",
      variants: [
        { version: versionLabel(v1), weight: 50 },
        { version: versionLabel(v2), weight: 50 },
      ],
    }),
  );
  project = row.slug;
  promptId = created.id;
  versionId = v2.id;
  experimentId = experiment.id;
  userId = user.id;
  signedInAs = user.id;
});

afterAll(() => {
  signedInAs = null;
});

type AnyAction = (input: never) => Promise<ActionResult<unknown>>;

/** Calls `action` with `base` and one field replaced by each hostile value (and removed). */
async function attack(name: string, action: AnyAction, base: Record<string, unknown>, fields = Object.keys(base)): Promise<void> {
  const variants: Array<[string, unknown]> = [
    ["no input", undefined],
    ["null input", null],
    ["string input", "x"],
    ["array input", [base]],
    ["deep input", nested(100_000)],
    ["unknown field", { ...base, role: "ADMIN" }],
  ];
  for (const field of fields) {
    const { [field]: _dropped, ...without } = base;
    variants.push([`${field} missing`, without]);
    for (const [label, value] of HOSTILE) variants.push([`${field}: ${label}`, { ...base, [field]: value }]);
  }
  for (const [label, input] of variants) {
    logged.mockClear();
    const result = await action(input as never).catch((error: unknown) => ({ threw: error }));
    const where = `${name} <- ${label}`;
    expect(result, where).not.toHaveProperty("threw");
    const r = result as ActionResult<unknown>;
    // Refused before any lib code runs: bad input, or "Project not found" when it is the project that is bad or missing.
    if (ALWAYS_REFUSED.has(label.split(": ")[1] ?? "") || label.endsWith("input")) {
      expect(r.ok, where).toBe(false);
      const codes = label.startsWith("project") || label.endsWith("input") ? ["bad_request", "not_found"] : ["bad_request"];
      expect(codes, where).toContain(r.ok ? null : r.code);
    }
    if (!r.ok) {
      expect(r.code, `${where}: ${r.message}`).not.toBe("internal");
      expect(r.message.length, where).toBeGreaterThan(0);
      expect(r.message.length, where).toBeLessThan(1000);
    }
    expect(logged, where).not.toHaveBeenCalled();
  }
}

describe("server actions under hostile input", () => {
  it("calls: markCall", async () => {
    await attack("markCall", calls.markCall as AnyAction, { project, callId: "c-unknown", correct: true, expected: "x" });
  });

  it("settings: create, limit and revoke API keys", async () => {
    await attack("createApiKey", settings.createApiKeyAction as AnyAction, {
      project,
      name: "k",
      scopes: ["prompts:read"],
      expiresInDays: 30,
      rateLimitPerSecond: 5,
      rateLimitBurst: 10,
    });
    await attack("updateApiKeyRateLimit", settings.updateApiKeyRateLimitAction as AnyAction, {
      project,
      apiKeyId: "k-unknown",
      rateLimitPerSecond: 5,
      rateLimitBurst: null,
    });
    await attack("revokeApiKey", settings.revokeApiKeyAction as AnyAction, { project, apiKeyId: "k-unknown" });
  });

  it("experiments: every control", async () => {
    await attack("createExperiment", experiments.createExperimentAction as AnyAction, {
      project,
      prompt: "no-such-prompt",
      label: "production",
      name: "x",
      variants: [
        { version: "1.0.0", weight: 50 },
        { version: "2.0.0", weight: 50 },
      ],
      design: { mdeRelative: 0.1, mdeRate: 0.05 },
    });
    await attack("transition", experiments.transitionExperimentAction as AnyAction, { project, id: experimentId, action: "pause" });
    await attack("setWeights", experiments.setWeightsAction as AnyAction, { project, id: "e-unknown", weights: { A: 50, B: 50 } });
    await attack("setWeights (weights)", experiments.setWeightsAction as AnyAction, { project, id: experimentId, weights: { A: 50, B: 50 } }, ["weights"]);
    await attack("promote", experiments.promoteAction as AnyAction, { project, id: experimentId, variant: "B" });
    await attack("resumeVariant", experiments.resumeVariantAction as AnyAction, { project, id: experimentId, key: "Z" });
    await attack("sendTraffic", experiments.sendTrafficAction as AnyAction, { project, id: experimentId, mode: "generate", count: 5, inputs: "" });
    await attack(
      "sendTraffic (dataset)",
      experiments.sendTrafficAction as AnyAction,
      { project, id: experimentId, mode: "dataset", count: 5, inputs: "", dataset: "tickets", datasetVersion: 1 },
      ["dataset", "datasetVersion"],
    );
  });

  it("settings: the release gate, and the publish dialog's eval panel", async () => {
    await attack("setReleaseGate", settings.setReleaseGateAction as AnyAction, { project, gate: null });
    const gate = { labels: ["production"], minScore: 0.9, evaluator: "judge", failOnRegression: true, maxAgeDays: 30 };
    for (const field of Object.keys(gate)) {
      for (const [label, value] of HOSTILE) {
        const result = await settings.setReleaseGateAction({ project, gate: { ...gate, [field]: value } } as never);
        const where = `setReleaseGate <- gate.${field}: ${label}`;
        // A few values are valid for their field (["x"] as labels, true for failOnRegression); the rest are refused as bad input.
        if (ALWAYS_REFUSED.has(label)) expect(result.ok, where).toBe(false);
        if (!result.ok) expect(result.code, `${where}: ${result.message}`).toBe("bad_request");
      }
    }
    await attack("publishEvalStatus", prompt.publishEvalStatusAction as AnyAction, { project, promptId });
    // Leave the project without a gate for the tests below.
    expect(await settings.setReleaseGateAction({ project, gate: null })).toMatchObject({ ok: true });
  });

  it("prompt page: publish, labels, drafts", async () => {
    await attack("previewPublish", prompt.previewPublishAction as AnyAction, { project, promptId, acknowledged: ["system.0"] });
    await attack("publishDraft", prompt.publishDraftAction as AnyAction, {
      project,
      promptId: "p-unknown",
      changelog: "x",
      bump: "minor",
      version: "9.0.0",
      labels: ["staging"],
    });
    await attack("moveLabel", prompt.moveLabelAction as AnyAction, { project, promptId: "p-unknown", label: "staging", versionId, reason: "x" });
    await attack("rollbackLabel", prompt.rollbackLabelAction as AnyAction, { project, promptId, label: "no-such-label" });
    await attack("startDraft", prompt.startDraftAction as AnyAction, { project, promptId, versionId: "v-unknown", replace: false });
    await attack("discardDraft", prompt.discardDraftAction as AnyAction, { project, promptId: "p-unknown" });
  });

  it("editor: save and count", async () => {
    const draft = await getDb().promptVersion.findFirstOrThrow({ where: { promptId, status: "DRAFT" } });
    // A stale lock version: a well-formed save is a conflict, so nothing is overwritten here.
    const base = { project, promptId, content: content("Edited"), lockVersion: draft.lockVersion + 1000, acknowledged: [] };
    await attack("saveDraft", edit.saveDraftAction as AnyAction, base);
    await attack("saveDraft (content)", edit.saveDraftAction as AnyAction, { ...base, content: { ...content("Edited"), system: "x" } }, ["content"]);
    for (const [label, value] of HOSTILE) {
      const result = await edit.saveDraftAction({
        ...base,
        content: { ...content("x"), system: [{ type: "text", role: "instructions", text: value }] },
      } as never);
      expect(result.ok, `content text: ${label}`).toBe(false);
      if (!result.ok) expect(result.code, `content text: ${label}: ${result.message}`).not.toBe("internal");
    }
    await attack("countTokens", edit.countTokensAction as AnyAction, { project, promptId, content: content("x") });
    expect((await getDb().promptVersion.findFirstOrThrow({ where: { id: draft.id } })).lockVersion).toBe(draft.lockVersion);
  });

  it("forms: new prompt and first-run setup", async () => {
    const form = (fields: Record<string, string | Blob | string[]>): FormData => {
      const fd = new FormData();
      for (const [k, v] of Object.entries(fields)) {
        if (Array.isArray(v)) for (const x of v) fd.append(k, x);
        else fd.set(k, v);
      }
      return fd;
    };
    const textValues: Array<[string, string | Blob | string[]]> = [
      ["NUL", "a\u0000b"],
      ["huge string", "x".repeat(1_200_000)],
      ["odd Unicode", "\u202Egnp.exe \u200B e\u0301 👩🏽‍💻 \u0130"],
      ["repeated", ["a", "b"]],
      ["file", new Blob(["x"])],
      ["empty", ""],
    ];
    const create = newPrompt.createPromptAction;
    const base = { project, name: `ok-${randomUUID().slice(0, 6)}`, description: "d", tags: "a, b" };
    for (const field of Object.keys(base)) {
      for (const [label, value] of textValues) {
        logged.mockClear();
        const result = await create(null, form({ ...base, name: `${base.name}-${label.replace(/\W/g, "")}`, [field]: value }));
        if (["NUL", "file", "repeated", "huge string"].includes(label)) expect(result.ok, `new prompt ${field}: ${label}`).toBe(false);
        if (!result.ok) expect(result.code, `new prompt ${field}: ${label}: ${result.message}`).not.toBe("internal");
        expect(logged, `new prompt ${field}: ${label}`).not.toHaveBeenCalled();
      }
    }
    const setupBase = { name: "Eve", email: "eve@example.test", password: "long-enough-pass", projectName: "Eve", projectSlug: "" };
    for (const field of Object.keys(setupBase)) {
      for (const [label, value] of textValues) {
        const result = await setup.setupAction(null, form({ ...setupBase, [field]: value }));
        // The shared database has users: setup is closed, valid or not.
        expect(result.ok, `setup ${field}: ${label}`).toBe(false);
        if (!result.ok) expect(result.code, `setup ${field}: ${label}: ${result.message}`).not.toBe("internal");
      }
    }
  });

  it("signed out: every project action is unauthenticated and does nothing", async () => {
    signedInAs = null;
    try {
      const result = await prompt.discardDraftAction({ project, promptId });
      expect(result).toEqual({ ok: false, code: "unauthenticated", message: expect.stringMatching(/signed out/) });
      expect(await getDb().promptVersion.count({ where: { promptId, status: "DRAFT" } })).toBe(1);
      const form = new FormData();
      form.set("project", project);
      form.set("name", "signed-out");
      expect(await newPrompt.createPromptAction(null, form)).toMatchObject({ ok: false, code: "unauthenticated" });
    } finally {
      signedInAs = userId;
    }
  });

  it("a non-member or a viewer gets not_found / forbidden", async () => {
    const db = getDb();
    const outsider = await db.user.create({ data: { email: `outsider-${randomUUID().slice(0, 8)}@example.test` } });
    signedInAs = outsider.id;
    try {
      expect(await prompt.discardDraftAction({ project, promptId })).toEqual({ ok: false, code: "not_found", message: "Project not found" });
      const projectRow = await db.project.findUniqueOrThrow({ where: { slug: project } });
      await db.membership.create({ data: { userId: outsider.id, projectId: projectRow.id, role: "VIEWER" } });
      expect(await prompt.discardDraftAction({ project, promptId })).toMatchObject({ ok: false, code: "forbidden" });
      expect(await settings.revokeApiKeyAction({ project, apiKeyId: "x" })).toMatchObject({ ok: false, code: "forbidden" });
    } finally {
      signedInAs = userId;
    }
  });
});
