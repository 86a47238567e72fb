"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { VersionCommentView } from "@/lib/prompts/comments";
import { Button, FormError } from "@/components/ui";
import { usePromptActions } from "./prompt-actions";

/**
 * Comments on one version (review notes): the list, oldest first, and for editors a form to add
 * one. Viewers read. `title` names the version when several are shown (the diff view).
 */
export function VersionComments({
  project,
  promptId,
  versionId,
  comments,
  canComment,
  title,
}: {
  project: string;
  promptId: string;
  versionId: string;
  comments: VersionCommentView[];
  canComment: boolean;
  title: string;
}) {
  const router = useRouter();
  const { addComment } = usePromptActions();
  const [body, setBody] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();

  const submit = () => {
    if (!addComment) return;
    setError(null);
    startTransition(async () => {
      const result = await addComment({ project, promptId, versionId, body });
      if (!result.ok) return setError(result.message);
      setBody("");
      router.refresh();
    });
  };

  return (
    <div data-testid="version-comments" data-version={versionId}>
      <h3 className="mb-2 text-sm font-semibold">
        {title} <span className="font-normal text-fg-muted">({comments.length})</span>
      </h3>
      {comments.length === 0 ? <p className="mb-2 text-xs text-fg-muted">No comments yet.</p> : null}
      <ul className="mb-2 space-y-2">
        {comments.map((c) => (
          <li key={c.id} className="rounded-md border border-border px-2.5 py-1.5" data-testid="version-comment">
            <div className="mb-0.5 flex items-baseline gap-2 text-xxs text-fg-muted">
              <span className="font-medium text-fg">{c.author}</span>
              <time dateTime={c.createdAt}>{c.createdAt.slice(0, 16).replace("T", " ")} UTC</time>
            </div>
            <p className="text-sm whitespace-pre-wrap">{c.body}</p>
          </li>
        ))}
      </ul>
      {canComment && addComment ? (
        <div className="space-y-1.5">
          <textarea
            value={body}
            onChange={(e) => setBody(e.target.value)}
            rows={2}
            maxLength={4000}
            placeholder="Add a comment"
            aria-label={`Comment on ${title}`}
            className="w-full rounded-md border border-border bg-surface px-2 py-1.5 text-sm"
            data-testid="comment-body"
          />
          <Button size="sm" onClick={submit} disabled={pending} data-testid="add-comment">
            {pending ? "Adding…" : "Comment"}
          </Button>
          <FormError message={error} testId="comment-error" />
        </div>
      ) : null}
    </div>
  );
}
