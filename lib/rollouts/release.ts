import type { Actor } from "@/lib/audit/actor";
import { promoteApproved } from "@/lib/experiments/mutations";
import { approveReleaseRequest, type ReleaseRequestView } from "@/lib/prompts/release-requests";
import { queueCheck, startApprovedRollout } from "./engine";

/**
 * Approves a release request (lib/prompts/release-requests.ts: rules, four eyes, stale and
 * decided refusals) and carries out its plan in the same transaction: a plain request moves the
 * label; a rollout-mode one starts the canary rollout (its completion moves the label under this
 * approval); a promotion ends the experiment with its winner and moves the label. The one
 * approval the edges call (lib/prompts cannot start rollouts or end experiments). Returns the
 * request and, for a rollout, the id of the rollout it started (its first check is queued).
 */
export async function approveRelease(
  actor: Actor,
  input: { requestId: string; comment?: string },
): Promise<{ request: ReleaseRequestView; rolloutId: string | null }> {
  let rolloutId: string | null = null;
  const request = await approveReleaseRequest(actor, input, {
    runPlan: async (tx, approver, approved) => {
      const { plan } = approved;
      if (plan.kind === "rollout") rolloutId = await startApprovedRollout(tx, approver, { ...approved, plan });
      else await promoteApproved(tx, approver, { ...approved, plan });
    },
  });
  if (rolloutId) await queueCheck(rolloutId);
  return { request, rolloutId };
}
