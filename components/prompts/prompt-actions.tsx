"use client";

import { createContext, useContext, useMemo, type ReactNode } from "react";
import type { InProject, ServerAction } from "@/lib/http/action-result";
import type { PublishPreview } from "@/lib/prompts/publish-preview";
import type { PublishEvalStatus } from "@/lib/evals/latest";
import type { LabelMoveContractCheck } from "@/lib/prompts/contract-diff";
import { withSignIn } from "@/lib/http/signed-out";
import type { VersionCommentView } from "@/lib/prompts/comments";

type PromptRef = InProject<{ promptId: string }>;

/**
 * The prompt screens' server actions (app/(dashboard)/p/[project]/prompts/[name]/actions.ts).
 * components/ never import app/: the segment's layout hands them to `PromptActionsProvider`, and
 * the publish dialog, label panel and draft buttons read them with `usePromptActions`, wherever
 * they are rendered (the prompt page, or the editor for the publish dialog).
 */
export interface PromptActions {
  previewPublish: ServerAction<PromptRef & { acknowledged?: string[] }, PublishPreview>;
  /** The publish dialog's eval panel (optional: without it the dialog shows no panel). */
  publishEvalStatus?: ServerAction<PromptRef, PublishEvalStatus>;
  publishDraft: ServerAction<
    PromptRef & { changelog: string; bump?: "major" | "minor" | "patch"; version?: string; acknowledged?: string[]; labels?: string[] },
    { version: string }
  >;
  moveLabel: ServerAction<PromptRef & { label: string; versionId: string; reason?: string; force?: boolean }>;
  rollbackLabel: ServerAction<PromptRef & { label: string; force?: boolean }>;
  /** Requests a release of a label under a release rule (optional: without it the panel offers direct moves only). */
  requestRelease?: ServerAction<PromptRef & { label: string; versionId: string; reason: string; force?: boolean }, { id: string }>;
  /** Adds a comment to a version (optional: without it the comment form is hidden). */
  addComment?: ServerAction<PromptRef & { versionId: string; body: string }, VersionCommentView>;
  /** The move and rollback dialogs' contract check (optional: without it they show none). */
  previewLabelMove?: ServerAction<PromptRef & { label: string; versionId: string }, LabelMoveContractCheck>;
  startDraft: ServerAction<PromptRef & { versionId: string; replace?: boolean }>;
  discardDraft: ServerAction<PromptRef>;
  archivePrompt: ServerAction<PromptRef>;
  restorePrompt: ServerAction<PromptRef>;
  deletePrompt: ServerAction<PromptRef & { confirmName: string }, { name: string }>;
}

const PromptActionsContext = createContext<PromptActions | null>(null);

export function PromptActionsProvider({ actions, children }: { actions: PromptActions; children: ReactNode }) {
  // Every action sends the user to sign in (and back) when the session is gone.
  const value = useMemo(
    () => Object.fromEntries(Object.entries(actions).map(([name, action]) => [name, action && withSignIn(action)])) as unknown as PromptActions,
    [actions],
  );
  return <PromptActionsContext.Provider value={value}>{children}</PromptActionsContext.Provider>;
}

/** The prompt actions of the enclosing prompts/[name] layout. */
export function usePromptActions(): PromptActions {
  const actions = useContext(PromptActionsContext);
  if (!actions) throw new Error("usePromptActions: render inside PromptActionsProvider (app/(dashboard)/p/[project]/prompts/[name]/layout.tsx)");
  return actions;
}
