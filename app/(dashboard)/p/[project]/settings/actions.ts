"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import {
  createApiKey,
  createApiKeyInputSchema,
  revokeApiKey,
  updateApiKeyRateLimit,
  updateApiKeyRateLimitInputSchema,
  type CreatedApiKey,
} from "@/lib/api-keys/manage";
import { defineAction } from "@/lib/http/server-action";
import { releaseGateSchema, setReleaseGate } from "@/lib/prompts/release-gate";

// Creates an API key (ADMIN); the full key is returned once, for the dialog to show.
export const createApiKeyAction = defineAction(
  { role: "ADMIN", input: createApiKeyInputSchema, invalidMessage: "Invalid API key settings" },
  async (input, { actor, project }): Promise<CreatedApiKey> => {
    const created = await createApiKey(actor, input);
    revalidatePath(`/p/${project.slug}/settings`);
    return {
      id: created.id,
      name: created.name,
      key: created.key,
      prefix: created.prefix,
      rateLimitPerSecond: created.rateLimitPerSecond,
      rateLimitBurst: created.rateLimitBurst,
    };
  },
);

// Sets an API key's own rate limit (ADMIN; null values = the server's default). Audited.
export const updateApiKeyRateLimitAction = defineAction(
  { role: "ADMIN", input: updateApiKeyRateLimitInputSchema, invalidMessage: "Invalid rate limit" },
  async (input, { actor, project }) => {
    const limits = await updateApiKeyRateLimit(actor, input);
    revalidatePath(`/p/${project.slug}/settings`);
    return limits;
  },
);

// Revokes an API key (ADMIN).
export const revokeApiKeyAction = defineAction(
  { role: "ADMIN", input: z.strictObject({ apiKeyId: z.string().min(1).max(100) }) },
  async (input, { actor, project }) => {
    await revokeApiKey(actor, input.apiKeyId);
    revalidatePath(`/p/${project.slug}/settings`);
    return undefined;
  },
);

// Sets or removes the release gate (ADMIN): which labels need a passing eval before they move.
export const setReleaseGateAction = defineAction(
  { role: "ADMIN", input: z.strictObject({ gate: releaseGateSchema.nullable() }), invalidMessage: "Check the release gate settings" },
  async (input, { actor, project }) => {
    const gate = await setReleaseGate(actor, input.gate);
    revalidatePath(`/p/${project.slug}/settings`);
    return { gate };
  },
);
