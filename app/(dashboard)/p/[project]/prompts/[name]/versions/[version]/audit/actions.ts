"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/http/server-action";
import { condenseBlock } from "@/lib/length-audit/condense";

/** Condense: Claude shortens one block of the version; the result becomes the prompt's draft (EDITOR+). */
export const condenseBlockAction = defineAction(
  {
    role: "EDITOR",
    input: z.strictObject({
      promptId: z.string().min(1).max(100),
      versionId: z.string().min(1).max(100),
      location: z
        .string()
        .max(40)
        .regex(/^(system\.\d{1,3}|messages\.\d{1,3}\.content\.\d{1,3})$/, "location must be a block: system.N or messages.N.content.M"),
    }),
  },
  async (input, { actor, project }) => {
    const result = await condenseBlock(actor, input);
    revalidatePath(`/p/${project.slug}/prompts`, "layout");
    return result;
  },
);
