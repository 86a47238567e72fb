import { actorAccess, getSessionUser } from "@/lib/auth/session";
import { createActionDefiners } from "./action-result";

/**
 * The one way to write a server action (every app/**\/actions.ts uses it):
 *
 *   export const markCall = defineAction(
 *     { role: "EDITOR", input: z.strictObject({ callId: z.string().min(1).max(100), correct: z.boolean() }) },
 *     async ({ callId, correct }, { actor }) => recordScore(callId, { correct }, { projectId: actor.projectId }),
 *   );
 *
 * The client calls `markCall({ project, callId, correct })` and gets an `ActionResult`. See
 * action-result.ts for the rules (session, project role, input checks, error mapping).
 */
export const { defineAction, defineFormAction } = createActionDefiners({
  currentUser: getSessionUser,
  projectAccess: actorAccess,
});
