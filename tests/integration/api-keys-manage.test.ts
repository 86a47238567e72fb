import { describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Actor } from "@/lib/audit/actor";
import { hashApiKey } from "@/lib/auth/api-keys";
import { createApiKey, revokeApiKey, updateApiKeyRateLimit } from "@/lib/api-keys/manage";
import { listApiKeys } from "@/lib/projects/queries";
import { ApiKeyAuthenticator } from "@/lib/api-keys/authenticate";

async function makeProject() {
  const db = getDb();
  const suffix = randomUUID().slice(0, 8);
  const user = await db.user.create({ data: { email: `keys-${suffix}@example.test` } });
  const project = await db.project.create({ data: { slug: `keys-${suffix}`, name: "Keys" } });
  const admin: Actor = { kind: "user", userId: user.id, projectId: project.id, role: "ADMIN" };
  return { project, admin, editor: { ...admin, role: "EDITOR" } as Actor };
}

async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).code;
  }
  throw new Error("expected an AppError");
}

describe("API key management", () => {
  it("creates a key shown once, stores only its hash, audits, and the key authenticates with its scopes", async () => {
    const { project, admin } = await makeProject();
    const created = await createApiKey(admin, { name: "checkout", scopes: ["prompts:run", "prompts:read"], expiresInDays: 30 });
    expect(created.key).toMatch(/^pd_[A-Za-z0-9]{32}$/);
    const row = await getDb().apiKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.hash).toBe(hashApiKey(created.key));
    expect(JSON.stringify(row)).not.toContain(created.key);
    // Scopes are kept in canonical order.
    expect(row.scopes).toEqual(["prompts:read", "prompts:run"]);
    expect(row.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const audit = await getDb().auditEvent.findFirst({ where: { projectId: project.id, action: "api_key.created" } });
    expect(audit?.targetId).toBe(created.id);
    expect(JSON.stringify(audit)).not.toContain(created.key);

    const auth = new ApiKeyAuthenticator({ ttlMs: 0 });
    const principal = await auth.authenticate(`Bearer ${created.key}`);
    expect(principal.projectId).toBe(project.id);
    expect([...principal.scopes].sort()).toEqual(["prompts:read", "prompts:run"]);

    await revokeApiKey(admin, created.id);
    await revokeApiKey(admin, created.id); // idempotent
    expect(await errorCode(auth.authenticate(`Bearer ${created.key}`))).toBe("unauthorized");
    expect(await getDb().auditEvent.count({ where: { projectId: project.id, action: "api_key.revoked" } })).toBe(1);
  });

  it("refuses non-admins, bad input and keys of another project", async () => {
    const { admin, editor } = await makeProject();
    const other = await makeProject();
    expect(await errorCode(createApiKey(editor, { name: "x", scopes: ["prompts:read"] }))).toBe("forbidden");
    expect(await errorCode(createApiKey(admin, { name: " ", scopes: ["prompts:read"] }))).toBe("bad_request");
    expect(await errorCode(createApiKey(admin, { name: "x", scopes: [] }))).toBe("bad_request");
    expect(await errorCode(createApiKey(admin, { name: "x", scopes: ["root"] }))).toBe("bad_request");
    const theirs = await createApiKey(other.admin, { name: "theirs", scopes: ["prompts:read"] });
    expect(await errorCode(revokeApiKey(admin, theirs.id))).toBe("not_found");
    expect(await errorCode(revokeApiKey(editor, theirs.id))).toBe("forbidden");
  });

  it("sets a key's own rate limit at creation and lets admins change it (audited); the key's record and the authenticated principal carry it", async () => {
    const { project, admin, editor } = await makeProject();
    const created = await createApiKey(admin, { name: "batch job", scopes: ["prompts:read"], rateLimitPerSecond: 2.5, rateLimitBurst: 5 });
    expect(created).toMatchObject({ rateLimitPerSecond: 2.5, rateLimitBurst: 5 });
    const plain = await createApiKey(admin, { name: "app", scopes: ["prompts:read"] });
    expect(plain).toMatchObject({ rateLimitPerSecond: null, rateLimitBurst: null });
    const listed = await listApiKeys(project.id);
    expect(listed.find((k) => k.id === created.id)).toMatchObject({ rateLimitPerSecond: 2.5, rateLimitBurst: 5 });
    expect(listed.find((k) => k.id === plain.id)).toMatchObject({ rateLimitPerSecond: null, rateLimitBurst: null });
    const createdAudit = await getDb().auditEvent.findFirst({ where: { projectId: project.id, action: "api_key.created", targetId: created.id } });
    expect(createdAudit?.after).toMatchObject({ rateLimitPerSecond: 2.5, rateLimitBurst: 5 });

    const auth = new ApiKeyAuthenticator({ ttlMs: 0 });
    expect((await auth.authenticate(`Bearer ${created.key}`)).rateLimit).toEqual({ perSecond: 2.5, burst: 5 });
    expect((await auth.authenticate(`Bearer ${plain.key}`)).rateLimit).toEqual({ perSecond: null, burst: null });

    expect(await updateApiKeyRateLimit(admin, { apiKeyId: plain.id, rateLimitPerSecond: 1000, rateLimitBurst: null })).toEqual({
      rateLimitPerSecond: 1000,
      rateLimitBurst: null,
    });
    expect((await auth.authenticate(`Bearer ${plain.key}`)).rateLimit).toEqual({ perSecond: 1000, burst: null });
    const changed = await getDb().auditEvent.findMany({ where: { projectId: project.id, action: "api_key.rate_limit_changed" } });
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({
      targetId: plain.id,
      before: { rateLimitPerSecond: null, rateLimitBurst: null },
      after: { rateLimitPerSecond: 1000, rateLimitBurst: null },
    });
    // Back to the default; an unchanged limit records nothing.
    await updateApiKeyRateLimit(admin, { apiKeyId: plain.id, rateLimitPerSecond: null, rateLimitBurst: null });
    await updateApiKeyRateLimit(admin, { apiKeyId: plain.id, rateLimitPerSecond: null, rateLimitBurst: null });
    expect(await getDb().auditEvent.count({ where: { projectId: project.id, action: "api_key.rate_limit_changed" } })).toBe(2);
    expect((await listApiKeys(project.id)).find((k) => k.id === plain.id)).toMatchObject({ rateLimitPerSecond: null, rateLimitBurst: null });

    // Only admins; bad limits are 400 naming the problem; another project's key is not found.
    expect(await errorCode(updateApiKeyRateLimit(editor, { apiKeyId: plain.id, rateLimitPerSecond: 1, rateLimitBurst: 1 }))).toBe("forbidden");
    for (const bad of [
      { rateLimitPerSecond: 0, rateLimitBurst: null },
      { rateLimitPerSecond: -1, rateLimitBurst: null },
      { rateLimitPerSecond: null, rateLimitBurst: 0 },
      { rateLimitPerSecond: null, rateLimitBurst: 2.5 },
      { rateLimitPerSecond: 1e12, rateLimitBurst: null },
    ]) {
      expect(await errorCode(updateApiKeyRateLimit(admin, { apiKeyId: plain.id, ...bad })), JSON.stringify(bad)).toBe("bad_request");
      expect(await errorCode(createApiKey(admin, { name: "x", scopes: ["prompts:read"], ...bad })), JSON.stringify(bad)).toBe("bad_request");
    }
    const other = await makeProject();
    expect(await errorCode(updateApiKeyRateLimit(other.admin, { apiKeyId: plain.id, rateLimitPerSecond: 1, rateLimitBurst: 1 }))).toBe("not_found");
  });
});
