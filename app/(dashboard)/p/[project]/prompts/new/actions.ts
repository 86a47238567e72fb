"use server";

import { z } from "zod";
import { defineFormAction } from "@/lib/http/server-action";
import { createPrompt } from "@/lib/prompts/mutations";
import { MAX_DESCRIPTION_LENGTH, promptTagTextSchema } from "@/lib/prompts/schemas";

const formSchema = z.object({
  // The name's rules are createPrompt's (its message names the field); this only bounds the size.
  name: z.string().trim().max(200, "Invalid prompt name: at most 128 characters"),
  description: z.string().trim().max(MAX_DESCRIPTION_LENGTH, `The description is limited to ${MAX_DESCRIPTION_LENGTH} characters`).default(""),
  tags: promptTagTextSchema.default([]),
  // A snippet holds text blocks other prompts include with {{> name@label}}.
  kind: z.enum(["PROMPT", "SNIPPET"], "Choose prompt or snippet").default("PROMPT"),
});

/**
 * Creates a prompt with a starter draft (EDITOR+). Invalid and duplicate names come back as a
 * form message; on success returns the new prompt's name (the client goes to the editor).
 */
export const createPromptAction = defineFormAction({ role: "EDITOR", input: formSchema }, async (input, { actor }) => {
  const prompt = await createPrompt(actor, input);
  return { name: prompt.name };
});
