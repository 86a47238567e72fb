"use client";

import { useState, type ReactNode } from "react";
import { useRouter } from "next/navigation";
import { Button, FormError } from "@/components/ui";
import { Dialog } from "./dialog";
import { usePromptActions } from "./prompt-actions";

/** A dialog's error line and its Cancel + confirm buttons. */
function DialogFooter({ error, onCancel, children }: { error: string | null; onCancel: () => void; children: ReactNode }) {
  return (
    <>
      <FormError message={error} />
      <div className="flex justify-end gap-2">
        <Button variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
        {children}
      </div>
    </>
  );
}

/**
 * Archive / Restore (EDITOR+) and Delete (ADMIN) for one prompt, on its page. Archiving asks
 * first and says what stays (history, serving labels); deleting asks for the prompt's name typed
 * out and is not offered while a label serves the prompt (the server refuses it too).
 */
export function PromptLifecycle({
  project,
  promptId,
  promptName,
  archived,
  servingLabels,
  isAdmin,
}: {
  project: string;
  promptId: string;
  promptName: string;
  archived: boolean;
  /** "production (v1.2.0)" for each label that serves the prompt. */
  servingLabels: string[];
  isAdmin: boolean;
}) {
  const router = useRouter();
  const { archivePrompt, restorePrompt, deletePrompt } = usePromptActions();
  const [open, setOpen] = useState<"archive" | "delete" | null>(null);
  const [typed, setTyped] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const close = () => {
    setOpen(null);
    setTyped("");
    setError(null);
  };
  const run = async (action: () => Promise<{ ok: boolean; message?: string }>, after: () => void) => {
    setBusy(true);
    setError(null);
    const result = await action();
    setBusy(false);
    if (!result.ok) return setError(result.message ?? "Something went wrong");
    after();
  };

  return (
    <>
      {archived ? (
        <Button
          onClick={() =>
            void run(
              () => restorePrompt({ project, promptId }),
              () => router.refresh(),
            )
          }
          disabled={busy}
          data-testid="restore-prompt"
        >
          Restore
        </Button>
      ) : (
        <Button variant="ghost" onClick={() => setOpen("archive")} data-testid="archive-prompt">
          Archive
        </Button>
      )}
      {isAdmin ? (
        <Button variant="ghost" className="text-danger! hover:text-danger!" onClick={() => setOpen("delete")} data-testid="delete-prompt">
          Delete
        </Button>
      ) : null}
      {!open && error ? <FormError message={error} /> : null}

      <Dialog open={open === "archive"} onClose={close} title="Archive this prompt?" testId="archive-dialog">
        <div className="space-y-3 text-sm">
          <p>
            <span className="font-mono">{promptName}</span> leaves the prompt list and becomes read-only: no new drafts, publishes or label moves until you
            restore it. Its versions, label history and logged calls are kept.
          </p>
          {servingLabels.length > 0 ? (
            <p className="text-xs text-fg-muted">Its labels keep serving: {servingLabels.join(", ")}. Apps fetching them are not affected.</p>
          ) : null}
          <DialogFooter error={error} onCancel={close}>
            <Button
              variant="primary"
              disabled={busy}
              onClick={() =>
                void run(
                  () => archivePrompt({ project, promptId }),
                  () => {
                    close();
                    router.refresh();
                  },
                )
              }
              data-testid="confirm-archive"
            >
              Archive
            </Button>
          </DialogFooter>
        </div>
      </Dialog>

      <Dialog open={open === "delete"} onClose={close} title="Delete this prompt?" testId="delete-dialog">
        <div className="space-y-3 text-sm">
          {servingLabels.length > 0 ? (
            <p className="rounded-md border border-warning/30 bg-warning/10 px-3 py-2 text-xs" data-testid="delete-refused">
              <span className="font-mono">{promptName}</span> cannot be deleted: {servingLabels.length === 1 ? "its label" : "its labels"}{" "}
              {servingLabels.join(", ")} still {servingLabels.length === 1 ? "serves" : "serve"} it, and apps fetching{" "}
              {servingLabels.length === 1 ? "it" : "them"} would get 404s. Archive it instead: it leaves the lists and its labels keep serving.
            </p>
          ) : (
            <>
              <p>
                This deletes <span className="font-mono">{promptName}</span> with all its versions, its draft, experiments and eval runs. Logged calls stay,
                without a link to it. This cannot be undone.
              </p>
              <label className="block text-xs">
                <span className="mb-1 block text-fg-muted">
                  Type <span className="font-mono text-fg">{promptName}</span> to confirm
                </span>
                <input
                  value={typed}
                  onChange={(e) => setTyped(e.target.value)}
                  autoComplete="off"
                  spellCheck={false}
                  className="h-8 w-full rounded-md border border-border bg-surface px-2 font-mono text-sm focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none"
                  data-testid="delete-confirm-name"
                />
              </label>
            </>
          )}
          <DialogFooter error={error} onCancel={close}>
            <Button
              variant="danger"
              disabled={busy || servingLabels.length > 0 || typed.trim() !== promptName}
              onClick={() =>
                void run(
                  () => deletePrompt({ project, promptId, confirmName: typed }),
                  () => router.push(`/p/${project}/prompts?deleted=${encodeURIComponent(promptName)}`),
                )
              }
              data-testid="confirm-delete"
            >
              Delete for good
            </Button>
          </DialogFooter>
        </div>
      </Dialog>
    </>
  );
}
