"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { createApiKey, createApiKeyInputSchema, revokeApiKey, type CreatedApiKey } from "@/lib/api-keys/manage";
import { defineAction } from "@/lib/http/server-action";

// Creates an API key (ADMIN); the full key is returned once, for the dialog to show.
export const createApiKeyAction = defineAction(
  { role: "ADMIN", input: createApiKeyInputSchema, invalidMessage: "Invalid API key settings" },
  async (input, { actor, project }): Promise<CreatedApiKey> => {
    const created = await createApiKey(actor, input);
    revalidatePath(`/p/${project.slug}/settings`);
    return { id: created.id, name: created.name, key: created.key, prefix: created.prefix };
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
