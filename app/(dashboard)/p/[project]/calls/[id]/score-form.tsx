"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button, FormError } from "@/components/ui";
import { queryKeys } from "@/lib/query-keys";
import { markCall } from "../actions";
import { withSignIn } from "@/lib/http/signed-out";

/** Correct / incorrect buttons (server action -> recordScore); refreshes the page and every cached metrics query of the project. */
export function ScoreForm({ projectSlug, callId, score, canEdit }: { projectSlug: string; callId: string; score: number | null; canEdit: boolean }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [expected, setExpected] = useState("");
  const mutation = useMutation({
    mutationFn: async (correct: boolean) => {
      const result = await withSignIn(markCall)({ project: projectSlug, callId, correct, expected: expected || undefined });
      if (!result.ok) throw new Error(result.message);
      return result.data;
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: queryKeys.project(projectSlug).all });
      router.refresh();
    },
  });
  return (
    <div className="space-y-2" data-testid="score-form">
      <div className="text-sm">
        Current score:{" "}
        <strong data-testid="call-score">{score === null ? "not scored" : score === 1 ? "correct" : score === 0 ? "incorrect" : score.toFixed(2)}</strong>
      </div>
      {canEdit ? (
        <>
          <textarea
            className="block h-16 w-full rounded-md border border-border bg-surface p-2 text-sm text-fg"
            placeholder="Expected output (optional)"
            value={expected}
            onChange={(e) => setExpected(e.target.value)}
          />
          <div className="flex gap-2">
            <Button data-testid="mark-correct" variant="primary" size="sm" disabled={mutation.isPending} onClick={() => mutation.mutate(true)}>
              Mark correct
            </Button>
            <Button data-testid="mark-incorrect" variant="danger" size="sm" disabled={mutation.isPending} onClick={() => mutation.mutate(false)}>
              Mark incorrect
            </Button>
          </div>
          <FormError message={mutation.error?.message} />
        </>
      ) : (
        <p className="text-xs text-fg-muted">Editors and admins can mark calls correct or incorrect.</p>
      )}
    </div>
  );
}
