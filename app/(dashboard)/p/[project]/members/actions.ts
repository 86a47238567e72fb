"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/http/server-action";
import { requestOrigin } from "@/lib/http/origin";
import { createInvitation, inviteInputSchema, resendInvitation, revokeInvitation, type IssuedInvitation } from "@/lib/members/invitations";
import { changeMemberRole, changeRoleInputSchema, leaveProject, memberIdSchema, removeMember } from "@/lib/members/manage";

const invitationIdSchema = z.strictObject({ invitationId: z.string().min(1).max(100) });

// Invites an email with a role (ADMIN); returns the link (shown once) and whether the mail went out.
export const inviteMemberAction = defineAction(
  { role: "ADMIN", input: inviteInputSchema, invalidMessage: "Check the email and role" },
  async (input, { actor, project }): Promise<IssuedInvitation> => {
    const issued = await createInvitation(actor, input, { origin: await requestOrigin() });
    revalidatePath(`/p/${project.slug}/members`);
    return issued;
  },
);

// Issues a new link for a pending or expired invitation (ADMIN); the old link stops working.
export const resendInvitationAction = defineAction(
  { role: "ADMIN", input: invitationIdSchema },
  async (input, { actor, project }): Promise<IssuedInvitation> => {
    const issued = await resendInvitation(actor, input.invitationId, { origin: await requestOrigin() });
    revalidatePath(`/p/${project.slug}/members`);
    return issued;
  },
);

// Revokes an invitation (ADMIN).
export const revokeInvitationAction = defineAction({ role: "ADMIN", input: invitationIdSchema }, async (input, { actor, project }) => {
  await revokeInvitation(actor, input.invitationId);
  revalidatePath(`/p/${project.slug}/members`);
  return undefined;
});

// Changes a member's role (ADMIN); never the last admin's.
export const changeMemberRoleAction = defineAction(
  { role: "ADMIN", input: changeRoleInputSchema, invalidMessage: "Choose a role" },
  async (input, { actor, project }) => {
    const changed = await changeMemberRole(actor, input);
    revalidatePath(`/p/${project.slug}/members`);
    return changed;
  },
);

// Removes a member (ADMIN); never the last admin.
export const removeMemberAction = defineAction({ role: "ADMIN", input: z.strictObject({ userId: memberIdSchema }) }, async (input, { actor, project }) => {
  await removeMember(actor, input.userId);
  revalidatePath(`/p/${project.slug}/members`);
  return undefined;
});

// The signed-in member leaves the project (any role; not the last admin); the client then goes home.
export const leaveProjectAction = defineAction({ role: "VIEWER", input: z.strictObject({ confirm: z.literal(true) }) }, async (_input, { actor }) => {
  await leaveProject(actor);
  return undefined;
});
