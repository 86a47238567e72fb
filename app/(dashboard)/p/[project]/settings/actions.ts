"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { requireActor } from "@/lib/auth/session";
import { runAction, type ActionResult } from "@/lib/http/action-result";
import { createApiKey, revokeApiKey } from "@/lib/api-keys/manage";

const createInputSchema = z.object({
  project: z.string().min(1),
  name: z.string(),
  scopes: z.array(z.string()),
  expiresInDays: z.number().int().nullable(),
});

export interface CreatedKey {
  id: string;
  name: string;
  key: string;
  prefix: string;
}

// Creates an API key (ADMIN); the full key is returned once, for the dialog to show.
export async function createApiKeyAction(input: z.input<typeof createInputSchema>): Promise<ActionResult<CreatedKey>> {
  return runAction(async () => {
    const parsed = createInputSchema.parse(input);
    const { actor, project } = await requireActor(parsed.project, "ADMIN");
    const created = await createApiKey(actor, {
      name: parsed.name,
      scopes: parsed.scopes,
      expiresInDays: parsed.expiresInDays,
    });
    revalidatePath(`/p/${project.slug}/settings`);
    return { id: created.id, name: created.name, key: created.key, prefix: created.prefix };
  });
}

// Revokes an API key (ADMIN).
export async function revokeApiKeyAction(input: { project: string; apiKeyId: string }): Promise<ActionResult> {
  return runAction(async () => {
    const parsed = z.object({ project: z.string().min(1), apiKeyId: z.string().min(1) }).parse(input);
    const { actor, project } = await requireActor(parsed.project, "ADMIN");
    await revokeApiKey(actor, parsed.apiKeyId);
    revalidatePath(`/p/${project.slug}/settings`);
    return undefined;
  });
}
