"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/http/server-action";
import { rejectReleaseRequest } from "@/lib/prompts/release-requests";
import { approveRelease } from "@/lib/rollouts/release";

// Deciding a release request: EDITOR+ here; lib applies the label's rule (admins, or editors where
// it allows; four eyes), refuses stale and decided requests, and moves the label on approval.

const decisionSchema = z.strictObject({
  requestId: z.string().min(1).max(100),
  comment: z.string().max(2000, "At most 2000 characters").optional(),
});

/** Approves the request: the label moves (or its rollout starts, or its experiment is promoted) in the same transaction. */
export const approveReleaseAction = defineAction({ role: "EDITOR", input: decisionSchema }, async (input, { actor, project }) => {
  const { request } = await approveRelease(actor, { requestId: input.requestId, comment: input.comment });
  revalidatePath(`/p/${project.slug}`, "layout");
  return { status: request.status };
});

/** Rejects the request with a comment (required); nothing moves. */
export const rejectReleaseAction = defineAction({ role: "EDITOR", input: decisionSchema }, async (input, { actor, project }) => {
  const request = await rejectReleaseRequest(actor, { requestId: input.requestId, comment: input.comment ?? "" });
  revalidatePath(`/p/${project.slug}`, "layout");
  return { status: request.status };
});
