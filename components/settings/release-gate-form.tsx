"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { InProject, ServerAction } from "@/lib/http/action-result";
import type { ReleaseGate } from "@/lib/prompts/release-gate";
import { Button, FormError, cx } from "@/components/ui";
import { withSignIn } from "@/lib/http/signed-out";

/** The settings page's release-gate action (app/(dashboard)/p/[project]/settings/actions.ts). */
export type SetReleaseGateAction = ServerAction<InProject<{ gate: ReleaseGate | null }>, { gate: ReleaseGate | null }>;

const inputClass =
  "block h-9 w-full rounded-md border bg-surface px-2.5 text-sm text-fg focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none";

/** The form's fields that can be wrong, keyed like the action's issue paths ("gate.minScore"). */
type FieldName = "labels" | "minScore" | "evaluator" | "maxAgeDays";

/**
 * "Release gate" card body for admins: which labels need a passing eval before they move, the
 * minimum score (combined or one evaluator's), whether regressions block, and how old the eval may
 * be. Field problems from the server are shown under their field.
 */
export function ReleaseGateForm({
  project,
  gate,
  knownLabels,
  save,
}: {
  project: string;
  gate: ReleaseGate | null;
  knownLabels: string[];
  save: SetReleaseGateAction;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const choices = [...new Set(["production", "staging", ...knownLabels, ...(gate?.labels ?? [])])];
  const [labels, setLabels] = useState<string[]>(gate?.labels ?? ["production"]);
  // Labels not in the list yet (e.g. one no prompt uses so far), comma-separated.
  const [otherLabels, setOtherLabels] = useState("");
  const [minScore, setMinScore] = useState(String(gate?.minScore ?? 0.8));
  const [evaluator, setEvaluator] = useState(gate?.evaluator ?? "");
  const [failOnRegression, setFailOnRegression] = useState(gate?.failOnRegression ?? true);
  const [maxAgeDays, setMaxAgeDays] = useState(String(gate?.maxAgeDays ?? 30));
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [notice, setNotice] = useState<string | null>(null);

  function submit(next: ReleaseGate | null) {
    setError(null);
    setFieldErrors({});
    setNotice(null);
    startTransition(async () => {
      const result = await withSignIn(save)({ project, gate: next });
      if (!result.ok) {
        const byField: Partial<Record<FieldName, string>> = {};
        for (const issue of result.issues ?? []) {
          const field = issue.path.split(".")[1] as FieldName | undefined;
          if (field && !byField[field]) byField[field] = issue.message;
        }
        setFieldErrors(byField);
        setError(result.message);
        return;
      }
      setNotice(result.data.gate ? "Release gate saved: it applies to the next label move." : "Release gate removed: labels move without an eval.");
      setOtherLabels("");
      if (result.data.gate) setLabels(result.data.gate.labels);
      router.refresh();
    });
  }

  function onSave() {
    // Numbers are sent as typed; an empty or non-numeric field is NaN and the server names it.
    const extra = otherLabels
      .split(",")
      .map((l) => l.trim())
      .filter(Boolean);
    submit({
      labels: [...new Set([...labels, ...extra])],
      minScore: minScore.trim() === "" ? Number.NaN : Number(minScore),
      ...(evaluator.trim() ? { evaluator: evaluator.trim() } : {}),
      failOnRegression,
      maxAgeDays: maxAgeDays.trim() === "" ? Number.NaN : Number(maxAgeDays),
    });
  }

  return (
    <form
      className="space-y-4 p-4"
      data-testid="release-gate-form"
      onSubmit={(e) => {
        e.preventDefault();
        onSave();
      }}
    >
      <fieldset>
        <legend className="mb-1 text-xs font-medium">Labels that need a passing eval</legend>
        <div className="flex flex-wrap gap-3">
          {choices.map((name) => (
            <label key={name} className="flex items-center gap-1.5 text-sm">
              <input
                type="checkbox"
                checked={labels.includes(name)}
                onChange={(e) => setLabels((prev) => (e.target.checked ? [...prev, name] : prev.filter((l) => l !== name)))}
                data-testid={`gate-label-${name}`}
              />
              <span className="font-mono">{name}</span>
            </label>
          ))}
        </div>
        <div className="mt-2 max-w-md space-y-1">
          <label htmlFor="gate-other-labels" className="block text-xs text-fg-muted">
            Other labels (comma-separated)
          </label>
          <input
            id="gate-other-labels"
            value={otherLabels}
            onChange={(e) => setOtherLabels(e.target.value)}
            placeholder="canary, eu-production"
            className={cx(inputClass, "font-mono", fieldErrors.labels ? "border-danger" : "border-border")}
            data-testid="gate-other-labels"
          />
        </div>
        {fieldErrors.labels ? <p className="mt-1 text-xs text-danger">{fieldErrors.labels}</p> : null}
      </fieldset>
      <div className="grid gap-3 sm:grid-cols-3">
        <div className="space-y-1">
          <label htmlFor="gate-min-score" className="block text-xs font-medium">
            Minimum score (0 to 1)
          </label>
          <input
            id="gate-min-score"
            inputMode="decimal"
            value={minScore}
            onChange={(e) => setMinScore(e.target.value)}
            aria-invalid={fieldErrors.minScore ? true : undefined}
            className={cx(inputClass, fieldErrors.minScore ? "border-danger" : "border-border")}
            data-testid="gate-min-score"
          />
          {fieldErrors.minScore ? <p className="text-xs text-danger">{fieldErrors.minScore}</p> : null}
        </div>
        <div className="space-y-1">
          <label htmlFor="gate-evaluator" className="block text-xs font-medium">
            Evaluator (optional)
          </label>
          <input
            id="gate-evaluator"
            value={evaluator}
            onChange={(e) => setEvaluator(e.target.value)}
            placeholder="all evaluators combined"
            aria-invalid={fieldErrors.evaluator ? true : undefined}
            className={cx(inputClass, "font-mono", fieldErrors.evaluator ? "border-danger" : "border-border")}
            data-testid="gate-evaluator"
          />
          {fieldErrors.evaluator ? <p className="text-xs text-danger">{fieldErrors.evaluator}</p> : null}
        </div>
        <div className="space-y-1">
          <label htmlFor="gate-max-age" className="block text-xs font-medium">
            Eval at most (days old)
          </label>
          <input
            id="gate-max-age"
            inputMode="numeric"
            value={maxAgeDays}
            onChange={(e) => setMaxAgeDays(e.target.value)}
            aria-invalid={fieldErrors.maxAgeDays ? true : undefined}
            className={cx(inputClass, fieldErrors.maxAgeDays ? "border-danger" : "border-border")}
            data-testid="gate-max-age"
          />
          {fieldErrors.maxAgeDays ? <p className="text-xs text-danger">{fieldErrors.maxAgeDays}</p> : null}
        </div>
      </div>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={failOnRegression} onChange={(e) => setFailOnRegression(e.target.checked)} data-testid="gate-no-regressions" />
        Require no regressions (no item that passed on the baseline fails on the new version)
      </label>
      <FormError message={error} testId="gate-error" />
      {notice ? (
        <p role="status" className="text-sm text-success" data-testid="gate-notice">
          {notice}
        </p>
      ) : null}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" disabled={pending} data-testid="gate-save">
          {pending ? "Saving…" : gate ? "Save gate" : "Turn on the gate"}
        </Button>
        {gate ? (
          <Button type="button" variant="ghost" disabled={pending} onClick={() => submit(null)} data-testid="gate-remove">
            Remove gate
          </Button>
        ) : null}
      </div>
    </form>
  );
}
