"use server";

import { defineAction } from "@/lib/http/server-action";
import { createProject, createProjectInputSchema } from "@/lib/projects/mutations";

/**
 * Creates a project; the signed-in user becomes its admin (any signed-in user may). A taken slug
 * is a conflict on the `slug` field. Returns the slug the client navigates to.
 */
export const createProjectAction = defineAction(
  { signedIn: true, input: createProjectInputSchema, invalidMessage: "Check the highlighted fields." },
  async (input, user) => {
    const project = await createProject(user.id, input);
    return { slug: project.slug };
  },
);
