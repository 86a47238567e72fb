"use client";

import { useEffect, useState } from "react";
import type { ActionResult } from "@/lib/http/action-result";
import type { LabelMoveContractCheck } from "@/lib/prompts/contract-diff";

/**
 * Loads the contract check of a label move (`load` is called again when `loadKey` changes; null
 * `loadKey` = nothing to check) and returns it with its loading state.
 */
export function useContractCheck(
  loadKey: string | null,
  load: (() => Promise<ActionResult<LabelMoveContractCheck>>) | null,
): { check: LabelMoveContractCheck | null; loading: boolean; error: string | null } {
  const [state, setState] = useState<{ key: string | null; check: LabelMoveContractCheck | null; error: string | null }>({
    key: null,
    check: null,
    error: null,
  });
  useEffect(() => {
    if (loadKey === null || !load) return;
    let live = true;
    void load().then(
      (result) => {
        if (!live) return;
        setState(result.ok ? { key: loadKey, check: result.data, error: null } : { key: loadKey, check: null, error: result.message });
      },
      () => live && setState({ key: loadKey, check: null, error: "Could not check the variables contract" }),
    );
    return () => {
      live = false;
    };
    // `load` is a fresh closure per render; the key says when the question changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loadKey]);
  const current = state.key === loadKey;
  return { check: current ? state.check : null, loading: loadKey !== null && load !== null && !current, error: current ? state.error : null };
}

/**
 * What a label move does to the label's callers: the variables contract difference between what
 * the label serves and the target, and how many recent calls the target would refuse. Breaking
 * changes are shown as a warning; the dialog's confirm button then says "anyway" and forces.
 */
export function ContractCheckNote({ check, loading, error }: { check: LabelMoveContractCheck | null; loading: boolean; error: string | null }) {
  if (loading) return <p className="text-xs text-fg-muted">Checking the variables contract…</p>;
  if (error) return <p className="text-xs text-danger">{error}</p>;
  if (!check || check.from === null) return null;
  const calls = check.recentCalls;
  const breaking = check.breaking.length > 0;
  const visible = check.changes.filter((c) => c.kind !== "description_changed");
  return (
    <div
      className={
        breaking
          ? "space-y-1.5 rounded-md border border-danger/40 bg-danger/10 px-3 py-2 text-xs"
          : "space-y-1.5 rounded-md border border-border bg-muted px-3 py-2 text-xs"
      }
      data-testid="contract-check"
      data-breaking={breaking ? "true" : "false"}
    >
      <p className="font-medium">
        Variables contract v{check.from} → v{check.to}: {visible.length === 0 ? "unchanged" : breaking ? "callers can break" : "compatible for callers"}
      </p>
      {visible.length > 0 ? (
        <ul className="list-disc space-y-0.5 pl-4" data-testid="contract-changes">
          {visible.map((c) => (
            <li key={`${c.variable}:${c.kind}`} className={c.breaking ? "text-danger" : "text-fg-muted"}>
              {c.message}
              {c.breaking ? " (breaking)" : ""}
            </li>
          ))}
        </ul>
      ) : null}
      {visible.length > 0 ? (
        <p data-testid="contract-recent-calls">
          {calls.checked === 0
            ? `No recorded calls of v${check.from} in the last ${calls.days} days to check${calls.unrecorded > 0 ? ` (${calls.unrecorded} without recorded variables)` : ""}.`
            : `${calls.incompatible} of the last ${calls.checked} calls of v${check.from} (${calls.days} days${calls.checked >= calls.limit ? `, newest ${calls.limit}` : ""}) sent variables v${check.to} would refuse${
                calls.byVariable.length > 0 ? `: ${calls.byVariable.map((v) => `${v.variable} in ${v.calls}`).join(", ")}` : ""
              }.`}
        </p>
      ) : null}
    </div>
  );
}
