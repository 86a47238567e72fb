"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { InProject, ServerAction } from "@/lib/http/action-result";
import type { ReleaseRule } from "@/lib/prompts/release-rules";
import { Button, FormError } from "@/components/ui";
import { withSignIn } from "@/lib/http/signed-out";

/** The settings page's release-rules action (app/(dashboard)/p/[project]/settings/actions.ts). */
export type SetReleaseRulesAction = ServerAction<InProject<{ rules: ReleaseRule[] }>, { rules: ReleaseRule[] }>;

const inputClass = "h-8 w-40 rounded-md border border-border bg-surface px-2 font-mono text-sm focus:border-accent focus:outline-none";

/**
 * "Release approvals" card body for admins: one row per label whose moves need an approved release
 * request, with four eyes (the requester may not approve) and whether editors may approve. The
 * server validates (label names, one rule per label) and its message is shown under the row.
 */
export function ReleaseRulesForm({
  project,
  rules,
  knownLabels,
  save,
}: {
  project: string;
  rules: ReleaseRule[];
  knownLabels: string[];
  save: SetReleaseRulesAction;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [rows, setRows] = useState<ReleaseRule[]>(rules);
  const [error, setError] = useState<string | null>(null);
  const [rowErrors, setRowErrors] = useState<Record<number, string>>({});
  const [notice, setNotice] = useState<string | null>(null);
  const unused = ["production", "staging", ...knownLabels].find((l) => !rows.some((r) => r.label === l)) ?? "";

  const update = (i: number, patch: Partial<ReleaseRule>) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));

  function onSave() {
    setError(null);
    setRowErrors({});
    setNotice(null);
    startTransition(async () => {
      const result = await withSignIn(save)({ project, rules: rows.map((r) => ({ ...r, label: r.label.trim() })) });
      if (!result.ok) {
        const byRow: Record<number, string> = {};
        for (const issue of result.issues ?? []) {
          const index = Number(issue.path.split(".")[1]);
          if (Number.isInteger(index) && byRow[index] === undefined) byRow[index] = issue.message;
        }
        setRowErrors(byRow);
        setError(result.message);
        return;
      }
      setRows(result.data.rules);
      setNotice(
        result.data.rules.length > 0
          ? "Release rules saved: moves of these labels now need an approved request."
          : "Release rules removed: labels move directly.",
      );
      router.refresh();
    });
  }

  return (
    <div className="space-y-3 px-4 py-3" data-testid="release-rules-form">
      <datalist id="release-rule-labels">
        {[...new Set(["production", "staging", ...knownLabels])].map((l) => (
          <option key={l} value={l} />
        ))}
      </datalist>
      {rows.length === 0 ? <p className="text-sm text-fg-muted">No rules: every label moves directly (protected ones by admins).</p> : null}
      <ul className="space-y-2">
        {rows.map((rule, i) => (
          <li key={i} className="space-y-1" data-testid={`release-rule-${i}`}>
            <div className="flex flex-wrap items-center gap-3 text-sm">
              <label className="flex items-center gap-1.5">
                <span className="text-xs text-fg-muted">Label</span>
                <input
                  className={inputClass}
                  list="release-rule-labels"
                  value={rule.label}
                  onChange={(e) => update(i, { label: e.target.value })}
                  aria-label={`Label of rule ${i + 1}`}
                  data-testid={`release-rule-label-${i}`}
                />
              </label>
              <label className="flex items-center gap-1.5 text-xs">
                <input
                  type="checkbox"
                  checked={rule.fourEyes}
                  onChange={(e) => update(i, { fourEyes: e.target.checked })}
                  data-testid={`release-rule-four-eyes-${i}`}
                />
                Four eyes (the requester may not approve)
              </label>
              <label className="flex items-center gap-1.5 text-xs">
                <input
                  type="checkbox"
                  checked={rule.editorsMayApprove}
                  onChange={(e) => update(i, { editorsMayApprove: e.target.checked })}
                  data-testid={`release-rule-editors-${i}`}
                />
                Editors may approve
              </label>
              <Button size="sm" variant="ghost" onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))} aria-label={`Remove rule ${i + 1}`}>
                Remove
              </Button>
            </div>
            {rowErrors[i] ? (
              <p className="text-xs text-danger" data-testid={`release-rule-error-${i}`}>
                {rowErrors[i]}
              </p>
            ) : null}
          </li>
        ))}
      </ul>
      <div className="flex flex-wrap items-center gap-2">
        <Button
          size="sm"
          variant="ghost"
          onClick={() => setRows((rs) => [...rs, { label: unused, fourEyes: true, editorsMayApprove: false }])}
          data-testid="add-release-rule"
          disabled={rows.length >= 20}
        >
          + Add rule
        </Button>
        <Button size="sm" onClick={onSave} disabled={pending} data-testid="save-release-rules">
          {pending ? "Saving…" : "Save rules"}
        </Button>
        {notice ? (
          <span className="text-xs text-success" data-testid="release-rules-notice">
            {notice}
          </span>
        ) : null}
      </div>
      <FormError message={error} testId="release-rules-error" />
    </div>
  );
}
