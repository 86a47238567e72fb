"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { InProject, ServerAction } from "@/lib/http/action-result";
import { withSignIn } from "@/lib/http/signed-out";
import { Button, FormError } from "@/components/ui";

export type DecideReleaseAction = ServerAction<InProject<{ requestId: string; comment?: string }>, { status: string }>;

/**
 * Approve or reject an open release request with a comment (required to reject). The server
 * decides who may (the label's rule, four eyes) and refuses stale or decided requests; its
 * message is shown as is. `note` explains up front why this person cannot approve, if so.
 */
export function ReleaseDecision({
  project,
  requestId,
  approve,
  reject,
  canApprove,
  canReject,
  note,
  approveText = "Approve and move the label",
}: {
  project: string;
  requestId: string;
  approve: DecideReleaseAction;
  reject: DecideReleaseAction;
  canApprove: boolean;
  canReject: boolean;
  note: string | null;
  /** The approve button's text (a rollout-mode request starts a rollout instead of moving the label). */
  approveText?: string;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string | null>(null);

  const decide = (action: DecideReleaseAction) => {
    setError(null);
    startTransition(async () => {
      const result = await withSignIn(action)({ project, requestId, comment: comment.trim() || undefined });
      if (!result.ok) return setError(result.message);
      router.refresh();
    });
  };

  return (
    <div className="space-y-2 px-4 py-3" data-testid="release-decision">
      {note ? (
        <p className="rounded-md border border-warning/30 bg-warning/10 px-3 py-2 text-xs" data-testid="release-decision-note">
          {note}
        </p>
      ) : null}
      <label htmlFor="decision-comment" className="block text-xs font-medium">
        Comment (required to reject)
      </label>
      <textarea
        id="decision-comment"
        value={comment}
        onChange={(e) => setComment(e.target.value)}
        rows={2}
        maxLength={2000}
        className="w-full rounded-md border border-border bg-surface px-2 py-1.5 text-sm"
        data-testid="decision-comment"
      />
      <div className="flex gap-2">
        <Button variant="primary" disabled={pending || !canApprove} onClick={() => decide(approve)} data-testid="approve-release">
          {approveText}
        </Button>
        <Button variant="danger" disabled={pending || !canReject} onClick={() => decide(reject)} data-testid="reject-release">
          Reject
        </Button>
      </div>
      <FormError message={error} testId="release-decision-error" />
    </div>
  );
}
