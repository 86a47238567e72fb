import { z } from "zod";
import { getDb } from "@/lib/db/client";
import { AppError, toIssues } from "@/lib/errors";
import { hasRole } from "@/lib/projects/roles";
import { API_KEY_SCOPES, apiKeyScopeSchema, generateApiKey } from "@/lib/auth/api-keys";
import type { Actor } from "@/lib/audit/actor";
import { actorUserId } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/record";

export const createApiKeyInputSchema = z.object({
  name: z.string().trim().min(1, "Give the key a name").max(80, "At most 80 characters"),
  scopes: z
    .array(z.string())
    .min(1, "Pick at least one scope")
    .pipe(z.array(apiKeyScopeSchema))
    .transform((scopes) => API_KEY_SCOPES.filter((s) => scopes.includes(s))),
  expiresInDays: z.number().int().min(1).max(3650).nullable().default(null),
});
export type CreateApiKeyInput = z.input<typeof createApiKeyInputSchema>;

/** A key just created, as the dashboard shows it once (the full key is never stored). */
export interface CreatedApiKey {
  id: string;
  name: string;
  key: string;
  prefix: string;
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
  const { name, scopes, expiresInDays } = parsed.data;
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
        createdById: actorUserId(actor),
      },
    });
    await recordAudit(tx, actor, {
      action: "api_key.created",
      targetType: "api_key",
      targetId: created.id,
      after: { name, prefix: generated.prefix, scopes, expiresAt: expiresAt?.toISOString() ?? null },
    });
    return created;
  });
  return { id: row.id, name: row.name, prefix: row.prefix, scopes: row.scopes, expiresAt: row.expiresAt, key: generated.key };
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
