"use client";

import { Badge, Button, ButtonLink, cx } from "@/components/ui";
import { PublishDialog } from "@/components/prompts/publish-dialog";
import { promptPath } from "@/lib/prompts/paths";
import type { SaveBar } from "./save-state";

/** The sticky bar above the editor: the prompt's name, the save status, Close, Save and Publish (which saves first when there are unsaved changes). */
export function EditorHeader({
  project,
  promptId,
  promptName,
  labels,
  isAdmin,
  bar,
  onSave,
  onOpenPlayground,
  beforePublish,
}: {
  project: string;
  promptId: string;
  promptName: string;
  labels: { name: string; protected: boolean }[];
  isAdmin: boolean;
  bar: SaveBar;
  onSave: () => void;
  /** Saves the draft when needed, then opens it in the playground. */
  onOpenPlayground: () => void;
  beforePublish: () => Promise<boolean>;
}) {
  return (
    <div className="sticky top-12 z-30 -mx-6 mb-4 flex items-center gap-3 border-b border-border bg-bg/95 px-6 py-2 backdrop-blur">
      <h1 className="min-w-0 truncate font-mono text-base font-semibold">{promptName}</h1>
      <Badge tone="warning">draft</Badge>
      <span className={cx("text-xs", bar.alarm ? "text-danger" : "text-fg-muted")} data-testid="save-status" aria-live="polite">
        {bar.text}
      </span>
      <div className="ml-auto flex items-center gap-2">
        <ButtonLink href={promptPath(project, promptName)} variant="ghost" size="sm">
          Close
        </ButtonLink>
        <Button size="sm" variant="ghost" onClick={onOpenPlayground} data-testid="open-draft-in-playground" title="Save the draft and run it in the playground">
          Open in playground
        </Button>
        <Button size="sm" onClick={onSave} disabled={!bar.canSave} data-testid="save-draft">
          Save
        </Button>
        <PublishDialog
          project={project}
          promptId={promptId}
          promptName={promptName}
          labels={labels}
          isAdmin={isAdmin}
          disabled={!bar.canPublish}
          beforeOpen={beforePublish}
        />
      </div>
    </div>
  );
}
