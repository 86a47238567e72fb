"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { Button, FormError } from "@/components/ui";
import { Dialog } from "./dialog";
import { promptPath } from "@/lib/prompts/paths";
import { usePromptActions } from "./prompt-actions";

/**
 * "Edit as draft" for a published version: starts the prompt's draft from it (asking before it
 * replaces an existing draft) and opens the editor.
 */
export function StartDraftButton({
  project,
  promptId,
  promptName,
  versionId,
  version,
  hasDraft,
}: {
  project: string;
  promptId: string;
  promptName: string;
  versionId: string;
  version: string;
  hasDraft: boolean;
}) {
  const router = useRouter();
  const { startDraft } = usePromptActions();
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const start = async (replace: boolean) => {
    setBusy(true);
    const result = await startDraft({ project, promptId, versionId, replace });
    setBusy(false);
    if (!result.ok) {
      setError(result.message);
      setConfirm(true);
      return;
    }
    router.push(promptPath(project, promptName, "edit"));
  };

  return (
    <>
      <Button
        size="sm"
        variant="ghost"
        disabled={busy}
        onClick={() => (hasDraft ? setConfirm(true) : void start(false))}
        data-testid={`edit-from-${version}`}
        title={`Start a draft from v${version}`}
      >
        Edit as draft
      </Button>
      <Dialog open={confirm} onClose={() => setConfirm(false)} title="Replace the draft?">
        <div className="space-y-3 text-sm">
          <p>This prompt already has a draft. Starting from v{version} discards the draft&apos;s unpublished changes.</p>
          <FormError message={error} />
          <div className="flex justify-end gap-2">
            <Button variant="ghost" onClick={() => setConfirm(false)}>
              Keep the draft
            </Button>
            <Button variant="danger" disabled={busy} onClick={() => void start(true)} data-testid="confirm-replace-draft">
              Replace with v{version}
            </Button>
          </div>
        </div>
      </Dialog>
    </>
  );
}

/** Discards the prompt's draft after a confirmation. */
export function DiscardDraftButton({ project, promptId }: { project: string; promptId: string }) {
  const router = useRouter();
  const { discardDraft } = usePromptActions();
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const discard = async () => {
    const result = await discardDraft({ project, promptId });
    if (!result.ok) return setError(result.message);
    setConfirm(false);
    router.refresh();
  };
  return (
    <>
      <Button size="sm" variant="ghost" onClick={() => setConfirm(true)} data-testid="discard-draft">
        Discard
      </Button>
      <Dialog open={confirm} onClose={() => setConfirm(false)} title="Discard the draft?">
        <div className="space-y-3 text-sm">
          <p>The draft&apos;s unpublished changes are deleted. Published versions are not affected.</p>
          <FormError message={error} />
          <div className="flex justify-end gap-2">
            <Button variant="ghost" onClick={() => setConfirm(false)}>
              Cancel
            </Button>
            <Button variant="danger" onClick={() => void discard()} data-testid="confirm-discard">
              Discard draft
            </Button>
          </div>
        </div>
      </Dialog>
    </>
  );
}
