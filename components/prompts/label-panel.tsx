"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { Button, FormError, cx } from "@/components/ui";
import { ContractCheckNote, useContractCheck } from "./contract-check";
import { Dialog } from "./dialog";
import { LabelBadge } from "./label-badge";
import { usePromptActions } from "./prompt-actions";

export interface LabelRow {
  name: string;
  protected: boolean;
  versionId: string;
  version: string;
  /** The version a rollback returns to (the label's previous target), if any. */
  rollbackTo: string | null;
  /** Its id (the rollback dialog checks the variables contract against it). */
  rollbackToId: string | null;
}

/**
 * Labels of a prompt with their actions: move a label to a published version (a release) and
 * one-click rollback with confirmation. Protected labels show their buttons only to admins; the
 * server action enforces the same rule. Viewers (`canEdit` false) see the labels read-only.
 */
export function LabelPanel({
  project,
  promptId,
  labels,
  versions,
  canEdit,
  isAdmin,
  gate,
  approvals = [],
}: {
  project: string;
  promptId: string;
  labels: LabelRow[];
  versions: { id: string; version: string }[];
  canEdit: boolean;
  isAdmin: boolean;
  /** The project's release gate: these labels need a passing eval to move (`rule` in words); rollbacks are exempt. */
  gate?: { labels: string[]; rule: string } | null;
  /** Labels under a release rule: they move through an approved release request (`rule` in words); rollbacks are exempt. */
  approvals?: { label: string; rule: string }[];
}) {
  const router = useRouter();
  const { moveLabel, rollbackLabel, previewLabelMove, requestRelease } = usePromptActions();
  const [rollback, setRollback] = useState<LabelRow | null>(null);
  const [moving, setMoving] = useState<{ label: string; isNew: boolean } | null>(null);
  const [target, setTarget] = useState("");
  const [reason, setReason] = useState("");
  const [newName, setNewName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const approvalOf = (name: string) => approvals.find((a) => a.label === name) ?? null;
  // A label under a release rule is requested by any editor (the approver decides); others as before.
  const mayMove = (l: { name: string; protected: boolean }) => canEdit && (approvalOf(l.name) !== null || !l.protected || isAdmin);
  const mayRollback = (l: { protected: boolean }) => canEdit && (!l.protected || isAdmin);
  // What the open dialog's move does to the label's callers (contract difference, recent calls).
  const checkFor = rollback?.rollbackToId
    ? { label: rollback.name, versionId: rollback.rollbackToId }
    : moving && !moving.isNew && target
      ? { label: moving.label, versionId: target }
      : null;
  const contract = useContractCheck(
    checkFor ? `${checkFor.label}@${checkFor.versionId}` : null,
    checkFor && previewLabelMove ? () => previewLabelMove({ project, promptId, ...checkFor }) : null,
  );
  const force = (contract.check?.breaking.length ?? 0) > 0;
  const gated = (name: string) => gate?.labels.includes(name) ?? false;

  const doRollback = async () => {
    if (!rollback) return;
    setBusy(true);
    const result = await rollbackLabel({ project, promptId, label: rollback.name, force });
    setBusy(false);
    if (!result.ok) return setError(result.message);
    setRollback(null);
    router.refresh();
  };

  const movingName = moving ? (moving.isNew ? newName.trim() : moving.label) : "";
  const needsApproval = moving !== null && approvalOf(movingName) !== null && requestRelease !== undefined;

  const doMove = async () => {
    if (!moving) return;
    if (needsApproval && requestRelease) {
      if (!reason.trim()) return setError("Say why this version should be released: the approver reads it.");
      setBusy(true);
      const result = await requestRelease({ project, promptId, label: movingName, versionId: target, reason, force });
      setBusy(false);
      if (!result.ok) return setError(result.message);
      setMoving(null);
      router.push(`/p/${project}/releases/${result.data.id}`);
      return;
    }
    setBusy(true);
    const result = await moveLabel({ project, promptId, label: moving.isNew ? newName : moving.label, versionId: target, reason, force });
    setBusy(false);
    if (!result.ok) return setError(result.message);
    setMoving(null);
    router.refresh();
  };

  const openMove = (label: string, isNew: boolean, current?: string) => {
    setError(null);
    setReason("");
    setNewName("");
    setTarget(versions.find((v) => v.id !== current)?.id ?? versions[0]?.id ?? "");
    setMoving({ label, isNew });
  };

  return (
    <div data-testid="label-panel">
      {labels.length === 0 ? <p className="px-4 py-3 text-xs text-fg-muted">No labels yet. Publish a version and point production at it.</p> : null}
      <ul className="divide-y divide-border">
        {labels.map((l) => (
          <li key={l.name} className="flex flex-wrap items-center gap-x-2 gap-y-1 px-4 py-2" data-testid={`label-row-${l.name}`}>
            <LabelBadge name={l.name} protected={l.protected} />
            {approvalOf(l.name) ? (
              <span
                className="text-xxs text-fg-muted"
                title={`Moves need an approved release request: ${approvalOf(l.name)?.rule ?? ""}`}
                data-testid={`label-approval-${l.name}`}
              >
                approval
              </span>
            ) : null}
            {gated(l.name) ? (
              <span className="text-xxs text-fg-muted" title={`Needs a passing eval to move: ${gate?.rule ?? ""}`} data-testid={`label-gated-${l.name}`}>
                eval gate
              </span>
            ) : null}
            <span className="font-mono text-xs" data-testid={`label-version-${l.name}`}>
              v{l.version}
            </span>
            <span className="ml-auto flex gap-1">
              {mayMove(l) ? (
                <>
                  <Button
                    size="sm"
                    variant="ghost"
                    onClick={() => openMove(l.name, false, l.versionId)}
                    data-testid={approvalOf(l.name) && requestRelease ? `request-${l.name}` : `move-${l.name}`}
                  >
                    {approvalOf(l.name) && requestRelease ? "Request release" : "Move"}
                  </Button>
                  {l.rollbackTo && mayRollback(l) ? (
                    <Button
                      size="sm"
                      variant="ghost"
                      onClick={() => {
                        setError(null);
                        setRollback(l);
                      }}
                      data-testid={`rollback-${l.name}`}
                      title={`Move ${l.name} back to v${l.rollbackTo}`}
                    >
                      Roll back
                    </Button>
                  ) : null}
                </>
              ) : canEdit && l.protected ? (
                <span className="text-xxs text-fg-muted" title="Only admins can move protected labels">
                  admin only
                </span>
              ) : null}
            </span>
          </li>
        ))}
      </ul>
      {canEdit && versions.length > 0 ? (
        <div className="border-t border-border px-4 py-2">
          <Button size="sm" variant="ghost" onClick={() => openMove("", true)} data-testid="add-label">
            + Add label
          </Button>
        </div>
      ) : null}

      <Dialog open={rollback !== null} onClose={() => setRollback(null)} title="Roll back label" testId="rollback-dialog">
        {rollback ? (
          <div className="space-y-3 text-sm">
            <p>
              Move <span className="font-semibold">{rollback.name}</span> from <span className="font-mono">v{rollback.version}</span> back to{" "}
              <span className="font-mono">v{rollback.rollbackTo}</span>? Apps fetching this label get v{rollback.rollbackTo} once their cache refreshes.
            </p>
            {gated(rollback.name) ? (
              <p className="text-xs text-fg-muted" data-testid="rollback-gate-exempt">
                The release gate does not apply: {rollback.name} served v{rollback.rollbackTo} before, and a rollback never waits for an eval.
              </p>
            ) : null}
            <ContractCheckNote {...contract} />
            <FormError message={error} testId="rollback-error" />
            <div className="flex justify-end gap-2">
              <Button variant="ghost" onClick={() => setRollback(null)}>
                Cancel
              </Button>
              <Button variant="danger" disabled={busy || contract.loading} onClick={() => void doRollback()} data-testid="confirm-rollback">
                Roll back to v{rollback.rollbackTo}
                {force ? " anyway" : ""}
              </Button>
            </div>
          </div>
        ) : null}
      </Dialog>

      <Dialog
        open={moving !== null}
        onClose={() => setMoving(null)}
        title={needsApproval ? `Request a release to ${movingName}` : moving?.isNew ? "Add a label" : `Move ${moving?.label ?? ""}`}
        testId="move-dialog"
      >
        {moving ? (
          <div className="space-y-3 text-sm">
            {moving.isNew ? (
              <div className="space-y-1">
                <label htmlFor="label-name" className="block text-xs font-medium">
                  Label name
                </label>
                <input
                  id="label-name"
                  value={newName}
                  onChange={(e) => setNewName(e.target.value)}
                  placeholder="canary"
                  className="h-8 w-full rounded-md border border-border bg-surface px-2 font-mono text-sm"
                />
                <p className="text-xxs text-fg-muted">
                  1-36 of a-z, 0-9, &quot;.&quot;, &quot;_&quot;, &quot;-&quot;. A new &quot;production&quot; label is protected.
                </p>
              </div>
            ) : null}
            <div className="space-y-1">
              <label htmlFor="label-target" className="block text-xs font-medium">
                Version
              </label>
              <select
                id="label-target"
                value={target}
                onChange={(e) => setTarget(e.target.value)}
                className="h-8 w-full rounded-md border border-border bg-surface px-2 font-mono text-sm"
                data-testid="move-target"
              >
                {versions.map((v) => (
                  <option key={v.id} value={v.id}>
                    v{v.version}
                  </option>
                ))}
              </select>
            </div>
            <div className="space-y-1">
              <label htmlFor="label-reason" className="block text-xs font-medium">
                {needsApproval ? "Reason (required: the approver reads it)" : "Reason (optional, shown in the history)"}
              </label>
              <input
                id="label-reason"
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                className="h-8 w-full rounded-md border border-border bg-surface px-2 text-sm"
              />
            </div>
            {needsApproval ? (
              <p className="rounded-md border border-accent/30 bg-accent/5 px-3 py-2 text-xs" data-testid="move-approval-note">
                &quot;{movingName}&quot; moves only with an approved release request ({approvalOf(movingName)?.rule}). Requesting gathers the evidence for the
                reviewer: the diff, semver reasons, contract changes, the latest eval and the cost per call.
              </p>
            ) : null}
            {gated(moving.isNew ? newName : moving.label) ? (
              <p className="rounded-md border border-warning/30 bg-warning/10 px-3 py-2 text-xs" data-testid="move-gate-note">
                Release gate: the version needs a passing eval of its exact content ({gate?.rule}). Moving back to a version this label served before is exempt.
              </p>
            ) : null}
            <ContractCheckNote {...contract} />
            <FormError message={error} testId="move-error" />
            <div className={cx("flex justify-end gap-2")}>
              <Button variant="ghost" onClick={() => setMoving(null)}>
                Cancel
              </Button>
              <Button
                variant={force ? "danger" : "primary"}
                disabled={busy || !target || contract.loading}
                onClick={() => void doMove()}
                data-testid="confirm-move"
              >
                {needsApproval ? (force ? "Request anyway" : "Request release") : force ? "Move anyway" : "Move label"}
              </Button>
            </div>
          </div>
        ) : null}
      </Dialog>
    </div>
  );
}
