// Projects on the real database: create (creator is admin), rename, delete with typed
// confirmation (access gone at once, slug freed), the batched purge of every table (no orphans,
// other projects untouched), call-log retention (old calls go, rollups stay) and the settings
// save (one schema with the parser, clear field messages, other keys kept).
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/lib/audit/actor";
import { getDb } from "@/lib/db/client";
import { isAppError } from "@/lib/errors";
import { createDataset } from "@/lib/datasets/mutations";
import { createExperiment } from "@/lib/experiments/mutations";
import { createExperimentSchema } from "@/lib/experiments/schemas";
import { pruneExpiredCalls } from "@/lib/metrics/call-retention";
import { createPrompt, moveLabel, publishDraft, saveDraft } from "@/lib/prompts/mutations";
import { versionLabel } from "@/lib/prompts/queries";
import type { PromptVersionContent } from "@/lib/prompts/schemas";
import { createProject, deleteProject, deletedSlug, renameProject } from "@/lib/projects/mutations";
import { purgeDeletedProjects } from "@/lib/projects/purge";
import { findMembership, listProjectsForUser } from "@/lib/projects/queries";
import { parseProjectSettings, projectSettingsUpdateSchema, updateProjectSettings } from "@/lib/runs/settings";

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

async function caught(promise: Promise<unknown>): Promise<{ code: string; message: string; issues?: Array<{ path: string; message: string }> }> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return { code: error.code, message: error.message, issues: error.issues };
    throw error;
  }
  throw new Error("expected an AppError");
}

let client: pg.Client;
let userId = "";
const suffix = randomUUID().slice(0, 8);

/** Rows per table of the public schema (every table Prisma manages, present and future). */
async function tableCounts(): Promise<Record<string, number>> {
  const tables = await client.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations' ORDER BY table_name`,
  );
  const counts: Record<string, number> = {};
  for (const { table_name } of tables.rows) {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${table_name}"`);
    counts[table_name] = Number(rows[0]?.n ?? 0);
  }
  return counts;
}

beforeAll(async () => {
  client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  const user = await getDb().user.create({ data: { email: `projects-${suffix}@example.test`, name: "Projects" } });
  userId = user.id;
});

afterAll(async () => {
  await client.end();
});

/** A project full of data: prompts, versions, labels, an experiment, calls, rollups, a dataset with items, an eval run with results, keys, webhooks, events. */
async function fillProject(projectId: string, tag: string): Promise<void> {
  const db = getDb();
  const admin: Actor = { kind: "user", userId, projectId, role: "ADMIN" };
  const prompt = await createPrompt(admin, { name: `p-${tag}`, content: content("First") });
  const v1 = await publishDraft(admin, { promptId: prompt.id, changelog: "first" });
  await saveDraft(admin, { promptId: prompt.id, content: content("Second") });
  const v2 = await publishDraft(admin, { promptId: prompt.id, changelog: "second" });
  await moveLabel(admin, { promptId: prompt.id, label: "production", versionId: v1.id });
  await moveLabel(admin, { promptId: prompt.id, label: "production", versionId: v2.id });
  await createExperiment(
    admin,
    createExperimentSchema.parse({
      prompt: prompt.name,
      label: "production",
      name: `e-${tag}`,
      variants: [
        { version: versionLabel(v1), weight: 50 },
        { version: versionLabel(v2), weight: 50 },
      ],
    }),
  );
  const dataset = await createDataset(projectId, { name: `d-${tag}`, description: "" }, admin);
  const items = await Promise.all(
    [0, 1, 2].map((i) =>
      db.datasetItem.create({ data: { datasetId: dataset.id, key: `k${i}`, ordinal: i, fromVersion: 1, variables: { question: `q${i}` } } }),
    ),
  );
  const calls: string[] = [];
  for (let i = 0; i < 5; i++) {
    const call = await db.callLog.create({
      data: { projectId, promptId: prompt.id, versionId: v2.id, source: "api", model: "claude-sonnet-5-5", requestedModel: "claude-sonnet-5-5", status: "ok" },
    });
    calls.push(call.id);
  }
  await db.metricRollup.create({
    data: { projectId, promptId: prompt.id, versionId: v2.id, source: "api", model: "claude-sonnet-5-5", grainMinutes: 60, bucketStart: new Date(), calls: 5n },
  });
  await db.metricRollupVersion.create({ data: { projectId, promptId: prompt.id, versionId: v2.id, grainMinutes: 60, bucketStart: new Date(), calls: 5n } });
  const run = await db.evalRun.create({
    data: { projectId, promptId: prompt.id, datasetId: dataset.id, datasetVersion: 1, evaluators: [], status: "completed" },
  });
  const runVersion = await db.evalRunVersion.create({
    data: { runId: run.id, versionId: v2.id, requested: "2.0.0", display: "2.0.0", position: 0, snapshot: {} },
  });
  await db.evalBatch.create({ data: { runId: run.id, purpose: "generate", providerBatchId: `batch-${tag}-${randomUUID()}`, requestCount: 3 } });
  for (const [i, item] of items.entries()) {
    await db.evalResult.create({ data: { runId: run.id, runVersionId: runVersion.id, itemId: item.id, outcome: "succeeded", callLogId: calls[i] ?? null } });
  }
  const key = await db.apiKey.create({ data: { projectId, name: `k-${tag}`, prefix: "pd_x", hash: `hash-${tag}-${randomUUID()}`, scopes: ["prompts:read"] } });
  await db.apiKeyRateBucket.create({ data: { apiKeyId: key.id, tokens: 1, refilledAt: new Date() } });
  const endpoint = await db.webhookEndpoint.create({ data: { projectId, url: "https://example.com/hook", secret: "s", events: ["version.published"] } });
  const event = await db.projectEvent.create({ data: { projectId, type: "version.published", data: {} } });
  const delivery = await db.webhookDelivery.create({ data: { endpointId: endpoint.id, eventId: event.id } });
  await db.webhookAttempt.create({ data: { deliveryId: delivery.id, number: 1, ok: false, latencyMs: 5 } });
  await db.experimentTrafficRun.create({
    data: {
      id: `tr-${tag}-${randomUUID()}`,
      experimentId: (await db.experiment.findFirstOrThrow({ where: { promptId: prompt.id } })).id,
      requested: 1,
      startedByLabel: "x",
    },
  });
}

describe("projects", () => {
  it("any signed-in user creates a project and becomes its admin; a taken slug is a field error", async () => {
    const created = await createProject(userId, { name: "Second project", slug: `second-${suffix}` });
    expect(created.slug).toBe(`second-${suffix}`);
    expect((await findMembership(userId, created.slug))?.role).toBe("ADMIN");
    expect((await listProjectsForUser(userId)).map((p) => p.slug)).toContain(created.slug);
    const audit = await getDb().auditEvent.findFirstOrThrow({ where: { projectId: created.id, action: "project.create" } });
    expect(audit.actorId).toBe(userId);

    const taken = await caught(createProject(userId, { name: "Again", slug: `second-${suffix}` }));
    expect(taken.code).toBe("conflict");
    expect(taken.issues?.[0]?.path).toBe("slug");
  });

  it("renames (slug kept), recording before and after; a blank or too long name is refused", async () => {
    const created = await createProject(userId, { name: "Old name", slug: `rename-${suffix}` });
    const renamed = await renameProject({ userId, projectId: created.id }, "  New name ");
    expect(renamed).toMatchObject({ name: "New name", slug: `rename-${suffix}` });
    const audit = await getDb().auditEvent.findFirstOrThrow({ where: { projectId: created.id, action: "project.rename" } });
    expect(audit.before).toEqual({ name: "Old name", slug: `rename-${suffix}` });
    expect(audit.after).toEqual({ name: "New name", slug: `rename-${suffix}` });
    await expect(renameProject({ userId, projectId: created.id }, "   ")).rejects.toThrow("Enter a project name");
    await expect(renameProject({ userId, projectId: created.id }, "x".repeat(101))).rejects.toThrow("at most 100");
  });

  it("delete: a wrong confirmation is refused; the right one ends access at once and frees the slug; the purge removes every row and nothing else", async () => {
    const keep = await createProject(userId, { name: "Keep", slug: `keep-${suffix}` });
    await fillProject(keep.id, `keep-${suffix}`);
    const before = await tableCounts();

    const doomed = await createProject(userId, { name: "Doomed", slug: `doomed-${suffix}` });
    await fillProject(doomed.id, `doomed-${suffix}`);

    const wrong = await caught(deleteProject({ userId, projectId: doomed.id }, "doomed"));
    expect(wrong.code).toBe("bad_request");
    expect(wrong.issues?.[0]).toEqual({ path: "confirm", message: `Type doomed-${suffix} to confirm` });
    expect(await findMembership(userId, doomed.slug)).not.toBeNull();

    await deleteProject({ userId, projectId: doomed.id }, `doomed-${suffix}`);
    expect(await findMembership(userId, doomed.slug)).toBeNull();
    expect(await findMembership(userId, doomed.id)).toBeNull();
    expect((await listProjectsForUser(userId)).map((p) => p.slug)).not.toContain(doomed.slug);
    expect(await getDb().apiKey.count({ where: { projectId: doomed.id } })).toBe(0);
    const row = await getDb().project.findUniqueOrThrow({ where: { id: doomed.id } });
    expect(row.slug).toBe(deletedSlug(doomed.id));
    expect(row.deletedAt).not.toBeNull();
    // Deleting again, or renaming, finds nothing.
    expect((await caught(deleteProject({ userId, projectId: doomed.id }, `doomed-${suffix}`))).code).toBe("not_found");
    expect((await caught(renameProject({ userId, projectId: doomed.id }, "Back"))).code).toBe("not_found");

    // A pass bounded to one batch leaves the project in place; the next one finishes it.
    const partial = await purgeDeletedProjects(client, { maxBatches: 1 });
    expect(partial.ran).toBe(true);
    expect(partial.purgedProjects).not.toContain(doomed.id);
    expect(await getDb().project.count({ where: { id: doomed.id } })).toBe(1);
    const full = await purgeDeletedProjects(client);
    expect(full.purgedProjects).toContain(doomed.id);
    expect(await getDb().project.count({ where: { id: doomed.id } })).toBe(0);

    // Every table is back where it was before the doomed project existed: no orphans anywhere,
    // and the other project's rows all still there.
    expect(await tableCounts()).toEqual(before);
    expect(await findMembership(userId, keep.slug)).not.toBeNull();

    // The slug is free again.
    const again = await createProject(userId, { name: "Doomed again", slug: `doomed-${suffix}` });
    expect(again.slug).toBe(`doomed-${suffix}`);
  });

  it("purges a large project in batches (thousands of calls) without one long statement", async () => {
    const big = await createProject(userId, { name: "Big", slug: `big-${suffix}` });
    await client.query(
      `INSERT INTO "CallLog" ("id", "projectId", "source", "model", "requestedModel", "status") SELECT 'big-${suffix}-' || g, $1, 'api', 'm', 'm', 'ok' FROM generate_series(1, 5500) g`,
      [big.id],
    );
    await deleteProject({ userId, projectId: big.id }, `big-${suffix}`);
    const result = await purgeDeletedProjects(client);
    expect(result.purgedProjects).toContain(big.id);
    expect(result.deleted.CallLog).toBeGreaterThanOrEqual(5500);
    expect(await getDb().callLog.count({ where: { projectId: big.id } })).toBe(0);
  });

  it("another instance holding the lock: the pass is skipped", async () => {
    const other = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await other.connect();
    try {
      await other.query(`SELECT pg_advisory_lock(${0x70647067})`);
      expect((await purgeDeletedProjects(client)).ran).toBe(false);
    } finally {
      await other.end();
    }
  });
});

describe("call-log retention", () => {
  it("deletes calls older than the project's retention in batches, keeps newer ones, rollups and other projects' calls", async () => {
    const db = getDb();
    const kept = await createProject(userId, { name: "Retained", slug: `retained-${suffix}` });
    const forever = await createProject(userId, { name: "Forever", slug: `forever-${suffix}` });
    await db.project.update({ where: { id: kept.id }, data: { settings: { calls: { retention_days: 7 }, evals: {} } } });
    const now = new Date("2026-06-30T12:00:00Z");
    const old = new Date(now.getTime() - 8 * 86_400_000);
    const recent = new Date(now.getTime() - 6 * 86_400_000);
    for (const projectId of [kept.id, forever.id]) {
      await client.query(
        `INSERT INTO "CallLog" ("id", "projectId", "source", "model", "requestedModel", "status", "createdAt") SELECT $2 || '-old-' || g, $1, 'api', 'm', 'm', 'ok', $3::timestamptz AT TIME ZONE 'UTC' FROM generate_series(1, 2500) g`,
        [projectId, projectId, old.toISOString()],
      );
      await client.query(
        `INSERT INTO "CallLog" ("id", "projectId", "source", "model", "requestedModel", "status", "createdAt") SELECT $2 || '-new-' || g, $1, 'api', 'm', 'm', 'ok', $3::timestamptz AT TIME ZONE 'UTC' FROM generate_series(1, 10) g`,
        [projectId, projectId, recent.toISOString()],
      );
    }
    const admin: Actor = { kind: "user", userId, projectId: kept.id, role: "ADMIN" };
    const prompt = await createPrompt(admin, { name: `r-${suffix}`, content: content("x") });
    const version = await publishDraft(admin, { promptId: prompt.id, changelog: "x" });
    await db.metricRollupVersion.create({
      data: { projectId: kept.id, promptId: prompt.id, versionId: version.id, grainMinutes: 1440, bucketStart: old, calls: 2500n },
    });

    const result = await pruneExpiredCalls(client, { now });
    expect(result.deleted[kept.id]).toBe(2500);
    expect(result.deleted[forever.id]).toBeUndefined();
    expect(await db.callLog.count({ where: { projectId: kept.id } })).toBe(10);
    expect(await db.callLog.count({ where: { projectId: forever.id } })).toBe(2510);
    expect(await db.metricRollupVersion.count({ where: { projectId: kept.id } })).toBe(1);
    // A second pass has nothing left to do.
    expect((await pruneExpiredCalls(client, { now })).deleted[kept.id]).toBeUndefined();
  });
});

describe("project settings", () => {
  it("saves runner defaults, body storage and retention through the parser's schema, keeping other keys; bad values get field messages", async () => {
    const created = await createProject(userId, { name: "Settings", slug: `settings-${suffix}` });
    const db = getDb();
    await db.project.update({
      where: { id: created.id },
      data: { settings: { evals: { gate: { labels: ["production"], minScore: 0.5, failOnRegression: false, maxAgeDays: 3 } } } },
    });
    const admin: Actor = { kind: "user", userId, projectId: created.id, role: "ADMIN" };
    await updateProjectSettings(admin, {
      runner: { max_retries: 2, timeout_ms: 5_000, fallback_model: "claude-haiku-5-5", refusal_fallback: true },
      calls: { store_bodies: false, body_limit_bytes: 4_096, retention_days: 30 },
    });
    const row = await db.project.findUniqueOrThrow({ where: { id: created.id } });
    const { settings, problems } = parseProjectSettings(row.settings);
    expect(problems).toEqual([]);
    expect(settings.runner).toEqual({ max_retries: 2, timeout_ms: 5_000, fallback_model: "claude-haiku-5-5", refusal_fallback: true });
    expect(settings.bodies).toEqual({ storeBodies: false, maxBodyBytes: 4_096 });
    expect(settings.evalGate?.labels).toEqual(["production"]);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { projectId: created.id, action: "project.settings.update" } });
    expect(audit.after).toMatchObject({ calls: { retention_days: 30 } });

    const unknownModel = await caught(updateProjectSettings(admin, { runner: { fallback_model: "claude-nonexistent-9" }, calls: {} }));
    expect(unknownModel.code).toBe("bad_request");
    expect(unknownModel.issues?.[0]?.path).toBe("runner.fallback_model");

    // The action's input schema is the same object; its messages name the field.
    const bad = projectSettingsUpdateSchema.safeParse({ runner: { max_retries: 11, timeout_ms: "abc" }, calls: { retention_days: 0, body_limit_bytes: 1.5 } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["runner.max_retries", "Retries must be at most 10"],
      ["runner.timeout_ms", "Attempt timeout must be a whole number"],
      ["calls.body_limit_bytes", "Body size limit must be a whole number of bytes"],
      ["calls.retention_days", "Retention must be at least 1 day"],
    ]);

    const viewer: Actor = { ...admin, role: "VIEWER" };
    expect((await caught(updateProjectSettings(viewer, { runner: {}, calls: {} }))).code).toBe("forbidden");

    // Emptying both parts removes them and keeps the gate.
    await updateProjectSettings(admin, { runner: {}, calls: {} });
    const cleared = await db.project.findUniqueOrThrow({ where: { id: created.id } });
    expect(Object.keys(cleared.settings as object).sort()).toEqual(["evals"]);
  });
});
