import { z } from "zod";
import { getDb } from "@/lib/db/client";
import { AppError, toIssues } from "@/lib/errors";
import { hasRole } from "@/lib/projects/roles";
import { API_KEY_SCOPES, apiKeyScopeSchema, generateApiKey } from "@/lib/auth/api-keys";
import type { Actor } from "@/lib/audit/actor";
import { actorUserId } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/record";
import { MAX_RATE_LIMIT_BURST, MAX_RATE_LIMIT_PER_SECOND } from "./rate-limit";

/** A key's own sustained rate (requests per second); null = the server's default. */
export const rateLimitPerSecondSchema = z
  .number({ error: "Requests per second must be a number" })
  .positive("Requests per second must be more than 0")
  .max(MAX_RATE_LIMIT_PER_SECOND, `Requests per second must be at most ${MAX_RATE_LIMIT_PER_SECOND.toLocaleString("en-US")}`)
  .nullable()
  .default(null);
/** A key's own burst (requests at once after being idle); null = the server's default. */
export const rateLimitBurstSchema = z
  .number({ error: "Burst must be a number" })
  .int("Burst must be a whole number of requests")
  .min(1, "Burst must be at least 1")
  .max(MAX_RATE_LIMIT_BURST, `Burst must be at most ${MAX_RATE_LIMIT_BURST.toLocaleString("en-US")}`)
  .nullable()
  .default(null);

export const createApiKeyInputSchema = z.object({
  name: z.string().trim().min(1, "Give the key a name").max(80, "At most 80 characters"),
  scopes: z
    .array(z.string())
    .min(1, "Pick at least one scope")
    .pipe(z.array(apiKeyScopeSchema))
    .transform((scopes) => API_KEY_SCOPES.filter((s) => scopes.includes(s))),
  expiresInDays: z.number().int().min(1).max(3650).nullable().default(null),
  rateLimitPerSecond: rateLimitPerSecondSchema,
  rateLimitBurst: rateLimitBurstSchema,
});
export type CreateApiKeyInput = z.input<typeof createApiKeyInputSchema>;

export const updateApiKeyRateLimitInputSchema = z.strictObject({
  apiKeyId: z.string().min(1).max(100),
  rateLimitPerSecond: rateLimitPerSecondSchema,
  rateLimitBurst: rateLimitBurstSchema,
});
export type UpdateApiKeyRateLimitInput = z.input<typeof updateApiKeyRateLimitInputSchema>;

/** A key just created, as the dashboard shows it once (the full key is never stored). */
export interface CreatedApiKey {
  id: string;
  name: string;
  key: string;
  prefix: string;
  /** The key's own limits (null = the default). */
  rateLimitPerSecond: number | null;
  rateLimitBurst: number | null;
}

function assertAdmin(actor: Actor): void {
  if (!hasRole(actor.role, "ADMIN")) throw new AppError("forbidden", "Only admins manage API keys");
}

/**
 * Creates an API key for the actor's project (ADMIN only) and returns the full key, which is
 * never stored (only its SHA-256) and so can be shown exactly once. Audited.
 */
export async function createApiKey(actor: Actor, input: CreateApiKeyInput) {
  assertAdmin(actor);
  const parsed = createApiKeyInputSchema.safeParse(input);
  if (!parsed.success) throw new AppError("bad_request", "Invalid API key settings", { issues: toIssues(parsed.error.issues) });
  const { name, scopes, expiresInDays, rateLimitPerSecond, rateLimitBurst } = parsed.data;
  const generated = generateApiKey();
  const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null;
  const row = await getDb().$transaction(async (tx) => {
    const created = await tx.apiKey.create({
      data: {
        projectId: actor.projectId,
        name,
        prefix: generated.prefix,
        hash: generated.hash,
        scopes,
        expiresAt,
        rateLimitPerSecond,
        rateLimitBurst,
        createdById: actorUserId(actor),
      },
    });
    await recordAudit(tx, actor, {
      action: "api_key.created",
      targetType: "api_key",
      targetId: created.id,
      after: { name, prefix: generated.prefix, scopes, expiresAt: expiresAt?.toISOString() ?? null, rateLimitPerSecond, rateLimitBurst },
    });
    return created;
  });
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    expiresAt: row.expiresAt,
    rateLimitPerSecond: row.rateLimitPerSecond,
    rateLimitBurst: row.rateLimitBurst,
    key: generated.key,
  };
}

/**
 * Sets a key's own rate limit (ADMIN only): requests per second and burst, each null for the
 * server's default. Servers apply it within their key cache lifetime (10 s). Audited with the
 * limits before and after; a key of another project is not_found; a revoked key can still be
 * edited (it does not authenticate anyway).
 */
export async function updateApiKeyRateLimit(
  actor: Actor,
  input: UpdateApiKeyRateLimitInput,
): Promise<{ rateLimitPerSecond: number | null; rateLimitBurst: number | null }> {
  assertAdmin(actor);
  const parsed = updateApiKeyRateLimitInputSchema.safeParse(input);
  if (!parsed.success) throw new AppError("bad_request", "Invalid rate limit", { issues: toIssues(parsed.error.issues) });
  const { apiKeyId, rateLimitPerSecond, rateLimitBurst } = parsed.data;
  return getDb().$transaction(async (tx) => {
    const key = await tx.apiKey.findFirst({ where: { id: apiKeyId, projectId: actor.projectId } });
    if (!key) throw new AppError("not_found", "This API key does not exist in the project");
    const before = { rateLimitPerSecond: key.rateLimitPerSecond, rateLimitBurst: key.rateLimitBurst };
    const after = { rateLimitPerSecond, rateLimitBurst };
    if (before.rateLimitPerSecond === after.rateLimitPerSecond && before.rateLimitBurst === after.rateLimitBurst) return after;
    await tx.apiKey.update({ where: { id: key.id }, data: after });
    await recordAudit(tx, actor, {
      action: "api_key.rate_limit_changed",
      targetType: "api_key",
      targetId: key.id,
      before: { name: key.name, prefix: key.prefix, ...before },
      after: { name: key.name, prefix: key.prefix, ...after },
    });
    return after;
  });
}

/**
 * Revokes a key of the actor's project (ADMIN only). Servers stop accepting it within their key
 * cache lifetime (10 s). Revoking twice is a no-op; a key of another project is not_found.
 */
export async function revokeApiKey(actor: Actor, apiKeyId: string): Promise<void> {
  assertAdmin(actor);
  await getDb().$transaction(async (tx) => {
    const key = await tx.apiKey.findFirst({ where: { id: apiKeyId, projectId: actor.projectId } });
    if (!key) throw new AppError("not_found", "This API key does not exist in the project");
    if (key.revokedAt) return;
    await tx.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    await recordAudit(tx, actor, { action: "api_key.revoked", targetType: "api_key", targetId: key.id, before: { name: key.name, prefix: key.prefix } });
  });
}
