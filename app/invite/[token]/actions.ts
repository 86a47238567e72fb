"use server";

import { z } from "zod";
import { defineAction } from "@/lib/http/server-action";
import { acceptAsNewUserInputSchema, acceptInvitation, acceptInvitationAsNewUser } from "@/lib/members/invitations";
import { invitationTokenSchema } from "@/lib/members/tokens";

// Accepts an invitation as the signed-in user (the invited email); returns the project to open.
export const acceptInvitationAction = defineAction(
  { signedIn: true, input: z.strictObject({ token: invitationTokenSchema }) },
  async (input, user): Promise<{ projectSlug: string }> => {
    const joined = await acceptInvitation(input.token, user.id);
    return { projectSlug: joined.project.slug };
  },
);

// Creates the invited person's account (name + password) and membership; the client then signs in.
export const createAccountFromInvitationAction = defineAction(
  { public: true, input: acceptAsNewUserInputSchema, invalidMessage: "Check the highlighted fields" },
  async (input): Promise<{ email: string; projectSlug: string }> => {
    const joined = await acceptInvitationAsNewUser(input);
    return { email: joined.email, projectSlug: joined.project.slug };
  },
);
