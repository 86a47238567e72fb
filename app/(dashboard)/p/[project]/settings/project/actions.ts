"use server";

import { defineAction } from "@/lib/http/server-action";
import { deleteProject, deleteProjectInputSchema, renameProject, renameProjectInputSchema } from "@/lib/projects/mutations";
import { projectSettingsUpdateSchema, updateProjectSettings } from "@/lib/runs/settings";

/** Renames the project (admins); the slug stays. */
export const renameProjectAction = defineAction({ role: "ADMIN", input: renameProjectInputSchema }, async ({ name }, { actor, user }) => {
  const project = await renameProject({ userId: user.id, projectId: actor.projectId }, name);
  return { name: project.name };
});

/** Saves the runner defaults, call body storage and call-log retention (admins). */
export const updateProjectSettingsAction = defineAction(
  { role: "ADMIN", input: projectSettingsUpdateSchema, invalidMessage: "Check the highlighted settings" },
  async (input, { actor }) => updateProjectSettings(actor, input),
);

/** Deletes the project once its slug is typed again (admins); its data is purged in the background. */
export const deleteProjectAction = defineAction({ role: "ADMIN", input: deleteProjectInputSchema }, async ({ confirm }, { user, project }) => {
  await deleteProject({ userId: user.id, projectId: project.id }, confirm);
  return { deleted: true };
});
