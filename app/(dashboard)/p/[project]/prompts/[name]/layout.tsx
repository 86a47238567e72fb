import type { ReactNode } from "react";
import { PromptActionsProvider, type PromptActions } from "@/components/prompts/prompt-actions";
import {
  archivePromptAction,
  deletePromptAction,
  discardDraftAction,
  moveLabelAction,
  previewLabelMoveAction,
  previewPublishAction,
  publishDraftAction,
  publishEvalStatusAction,
  addVersionCommentAction,
  requestReleaseAction,
  restorePromptAction,
  rollbackLabelAction,
  startDraftAction,
} from "./actions";

const actions: PromptActions = {
  previewPublish: previewPublishAction,
  publishEvalStatus: publishEvalStatusAction,
  publishDraft: publishDraftAction,
  moveLabel: moveLabelAction,
  previewLabelMove: previewLabelMoveAction,
  rollbackLabel: rollbackLabelAction,
  requestRelease: requestReleaseAction,
  addComment: addVersionCommentAction,
  startDraft: startDraftAction,
  discardDraft: discardDraftAction,
  archivePrompt: archivePromptAction,
  restorePrompt: restorePromptAction,
  deletePrompt: deletePromptAction,
};

// /p/:project/prompts/:name/* - hands the prompt's server actions to the components that use them
// (publish dialog, label panel, draft buttons), on the prompt page and in the editor alike.
export default function PromptLayout({ children }: { children: ReactNode }) {
  return <PromptActionsProvider actions={actions}>{children}</PromptActionsProvider>;
}
