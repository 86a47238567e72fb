"use server";

import { z } from "zod";
import { requireActor } from "@/lib/auth/session";
import { createPrompt } from "@/lib/prompts/mutations";
import { AppError } from "@/lib/errors";
import { runAction, type ActionResult } from "@/lib/http/action-result";

const formSchema = z.object({
  project: z.string().min(1),
  name: z.string().trim().max(200),
  description: z.string().max(5000).default(""),
  tags: z.string().max(2000).default(""),
});

/**
 * Creates a prompt with a starter draft (EDITOR+). Invalid and duplicate names come back as a
 * form message; on success returns the new prompt's name (the client goes to the editor).
 */
export async function createPromptAction(_prev: ActionResult<{ name: string }> | null, formData: FormData): Promise<ActionResult<{ name: string }>> {
  return runAction(async () => {
    const parsed = formSchema.safeParse(Object.fromEntries(formData));
    if (!parsed.success) throw new AppError("bad_request", "The form was incomplete; reload and try again");
    const { actor } = await requireActor(parsed.data.project, "EDITOR");
    const tags = parsed.data.tags
      .split(/[,\s]+/)
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean);
    const prompt = await createPrompt(
      actor,
      { name: parsed.data.name, description: parsed.data.description.trim(), tags: [...new Set(tags)] },
    );
    return { name: prompt.name };
  });
}
