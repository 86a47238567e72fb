"use client";

import { useEffect, useMemo, useRef, useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { EvalDatasetOption, EvalPromptOption } from "@/lib/evals/form-options";
import type { EvaluatorType } from "@/lib/evals/evaluator-config";
import type { EvalRunEstimate, EvalRunInput } from "./contract";
import type { InProject, ServerAction } from "@/lib/http/action-result";
import { fmtNumber, fmtUsd } from "@/components/metrics/format";
import { Badge, Button, ButtonLink, Card, FormError, cx } from "@/components/ui";
import { EvaluatorBuilder } from "./evaluator-builder";
import { draftsToConfigs, newEvaluatorDraft, type EvaluatorDraft } from "./evaluator-drafts";
import { withSignIn } from "@/lib/http/signed-out";

/** The form's server actions (app/(dashboard)/p/[project]/evals/actions.ts), passed in by the page. */
export interface NewEvalActions {
  estimate: ServerAction<InProject<EvalRunInput>, EvalRunEstimate>;
  create: ServerAction<InProject<EvalRunInput>, { id: string }>;
}

export interface NewEvalPrefill {
  prompt?: string;
  versions?: string[];
  baseline?: string;
  dataset?: string;
  /** Start as a routing comparison (the editor's routing section links here with it). */
  compareRouting?: boolean;
}

const selectClass =
  "block h-9 w-full rounded-md border border-border bg-surface px-2.5 text-sm text-fg focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none";

/** The versions a prompt can be evaluated at: the draft, its labels, then published versions. */
function versionChoices(p: EvalPromptOption): Array<{ value: string; label: string; hint?: string }> {
  return [
    ...(p.hasDraft ? [{ value: "draft", label: "draft", hint: "unpublished; snapshotted when the run starts" }] : []),
    ...p.labels.map((l) => ({ value: l.name, label: l.name, hint: `label → v${l.version}` })),
    ...p.versions.map((v) => ({ value: v, label: `v${v}` })),
  ];
}

/** Draft vs what production serves, or the two newest choices. */
function defaultVersions(p: EvalPromptOption): string[] {
  const choices = versionChoices(p).map((c) => c.value);
  const base = choices.includes("production") ? "production" : p.versions[0];
  const picks = [base, p.hasDraft ? "draft" : p.versions[1]].filter((v): v is string => v !== undefined && v !== null);
  return picks.length > 0 ? [...new Set(picks)] : choices.slice(0, 1);
}

export function NewEvalForm({
  project,
  prompts,
  datasets,
  prefill,
  actions,
}: {
  project: string;
  prompts: EvalPromptOption[];
  datasets: EvalDatasetOption[];
  prefill: NewEvalPrefill;
  actions: NewEvalActions;
}) {
  const router = useRouter();
  const evaluable = prompts.filter((p) => p.versions.length > 0 || p.hasDraft);
  const first = evaluable.find((p) => p.name === prefill.prompt) ?? evaluable[0]!;
  const [promptName, setPromptName] = useState(first.name);
  const prompt = evaluable.find((p) => p.name === promptName) ?? first;
  const choices = versionChoices(prompt);
  const prefillVersions = prefill.prompt === first.name ? (prefill.versions ?? []).filter((v) => choices.some((c) => c.value === v)) : [];
  const [versions, setVersions] = useState<string[]>(prefillVersions.length > 0 ? prefillVersions : defaultVersions(first));
  const [baseline, setBaseline] = useState<string>(
    prefill.baseline && versions.includes(prefill.baseline) ? prefill.baseline : (versions.find((v) => v !== "draft") ?? versions[0] ?? ""),
  );
  const firstDataset = datasets.find((d) => d.name === prefill.dataset) ?? datasets[0]!;
  const [datasetName, setDatasetName] = useState(firstDataset.name);
  const dataset = datasets.find((d) => d.name === datasetName) ?? firstDataset;
  const [datasetVersion, setDatasetVersion] = useState(dataset.latestVersion);
  const judges = useMemo(() => [...prompts].sort((a, b) => Number(b.judgeReady) - Number(a.judgeReady)), [prompts]);
  const defaultJudge = prompts.find((p) => p.judgeReady)?.name ?? "";
  const nextKey = useRef(1);
  const [drafts, setDrafts] = useState<EvaluatorDraft[]>(() => [newEvaluatorDraft(defaultJudge ? "llm_judge" : "exact_match", 0, [], defaultJudge)]);
  const [mode, setMode] = useState<"batch" | "realtime">("batch");
  const [compareRouting, setCompareRouting] = useState(prefill.compareRouting === true);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [estimate, setEstimate] = useState<{ input: string; value: EvalRunEstimate | null; error: string | null; pending: boolean }>({
    input: "",
    value: null,
    error: null,
    pending: false,
  });
  const [pending, startTransition] = useTransition();

  const checked = draftsToConfigs(drafts);
  const input: EvalRunInput | null =
    checked.ok && versions.length > 0
      ? {
          prompt: prompt.name,
          versions,
          dataset: dataset.name,
          datasetVersion,
          evaluators: checked.configs,
          mode,
          ...(compareRouting ? { compareRouting: true } : versions.length > 1 && baseline && versions.includes(baseline) ? { baseline } : {}),
        }
      : null;
  // The estimate covers both modes, so switching mode does not ask again.
  const estimateKey = input ? JSON.stringify({ ...input, mode: "batch" }) : "";

  useEffect(() => {
    if (!input || estimateKey === estimate.input) return;
    const timer = setTimeout(() => {
      setEstimate((e) => ({ ...e, input: estimateKey, pending: true }));
      void actions
        .estimate({ project, ...input })
        .then((r) =>
          setEstimate((e) =>
            e.input === estimateKey ? { input: estimateKey, value: r.ok ? r.data : null, error: r.ok ? null : r.message, pending: false } : e,
          ),
        );
    }, 350);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the key stands for the input
  }, [estimateKey]);

  function choosePrompt(name: string) {
    const p = evaluable.find((x) => x.name === name) ?? first;
    setPromptName(p.name);
    const picks = defaultVersions(p);
    setVersions(picks);
    setBaseline(picks.find((v) => v !== "draft") ?? picks[0] ?? "");
  }

  function toggleVersion(value: string, on: boolean) {
    const next = on ? [...versions, value] : versions.filter((v) => v !== value);
    setVersions(next);
    if (!next.includes(baseline)) setBaseline(next.find((v) => v !== "draft") ?? next[0] ?? "");
  }

  function chooseDataset(name: string) {
    const d = datasets.find((x) => x.name === name) ?? firstDataset;
    setDatasetName(d.name);
    setDatasetVersion(d.latestVersion);
  }

  function addEvaluator(type: EvaluatorType) {
    setDrafts((list) => [...list, newEvaluatorDraft(type, nextKey.current++, list, defaultJudge)]);
  }

  function submit(event: React.FormEvent) {
    event.preventDefault();
    setFormError(null);
    const problems: Record<string, string> = checked.ok ? {} : { ...checked.errors };
    if (versions.length === 0) problems.versions = "Choose at least one version to evaluate.";
    if (dataset.latestVersion === 0) problems.dataset = "This dataset has no items yet: add or import items first.";
    setErrors(problems);
    if (Object.keys(problems).length > 0 || !input) {
      setFormError("Fix the highlighted fields, then start again.");
      return;
    }
    startTransition(async () => {
      const r = await withSignIn(actions.create)({ project, ...input });
      if (r.ok) {
        router.push(`/p/${project}/evals/${r.data.id}`);
        return;
      }
      setFormError(r.message);
      const fieldErrors: Record<string, string> = {};
      for (const issue of r.issues ?? []) fieldErrors[issue.path || "form"] = issue.message;
      setErrors(fieldErrors);
    });
  }

  const est = estimate.value;

  return (
    <form onSubmit={submit} className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_22rem]" data-testid="new-eval-form" noValidate>
      <div className="space-y-4">
        <Card className="space-y-4 p-4">
          <h2 className="text-sm font-semibold">What to evaluate</h2>
          <div className="grid gap-3 sm:grid-cols-2">
            <div className="space-y-1">
              <label htmlFor="eval-prompt" className="block text-xs font-medium">
                Prompt
              </label>
              <select id="eval-prompt" className={selectClass} value={prompt.name} onChange={(e) => choosePrompt(e.target.value)} data-testid="eval-prompt">
                {evaluable.map((p) => (
                  <option key={p.name} value={p.name}>
                    {p.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="space-y-1">
              <label htmlFor="eval-baseline" className="block text-xs font-medium">
                Baseline
              </label>
              <select
                id="eval-baseline"
                className={selectClass}
                value={baseline}
                onChange={(e) => setBaseline(e.target.value)}
                disabled={versions.length < 2}
                data-testid="eval-baseline"
              >
                {versions.map((v) => (
                  <option key={v} value={v}>
                    {choices.find((c) => c.value === v)?.label ?? v}
                  </option>
                ))}
              </select>
              <p className="text-xs text-fg-muted">The others are compared with it item by item.</p>
            </div>
          </div>
          <fieldset>
            <legend className="mb-1.5 text-xs font-medium">Versions</legend>
            <div className="flex flex-wrap gap-2" data-testid="eval-versions">
              {choices.map((c) => {
                const on = versions.includes(c.value);
                return (
                  <label
                    key={c.value}
                    className={cx(
                      "flex cursor-pointer items-center gap-1.5 rounded-md border px-2.5 py-1 text-sm",
                      on ? "border-accent bg-accent/10" : "border-border hover:bg-muted",
                    )}
                    title={c.hint}
                  >
                    <input type="checkbox" checked={on} onChange={(e) => toggleVersion(c.value, e.target.checked)} data-testid={`eval-version-${c.value}`} />
                    <span className="font-mono text-xs">{c.label}</span>
                    {c.hint ? <span className="text-xxs text-fg-muted">{c.hint}</span> : null}
                  </label>
                );
              })}
            </div>
            {errors.versions ? <p className="mt-1 text-xs text-danger">{errors.versions}</p> : null}
          </fieldset>
          <label className="flex items-start gap-2 text-sm" data-testid="eval-compare-routing-label">
            <input
              type="checkbox"
              className="mt-1"
              checked={compareRouting}
              onChange={(e) => setCompareRouting(e.target.checked)}
              data-testid="eval-compare-routing"
            />
            <span>
              Compare model routing
              <span className="block text-xs text-fg-muted">
                Runs the one version chosen twice: with its routing rules (each test case on the model they pick) and on its own model only, the baseline. The
                run shows per rule the score and cost of both, so you see the quality change before publishing.
              </span>
            </span>
          </label>
        </Card>

        <Card className="space-y-3 p-4">
          <h2 className="text-sm font-semibold">Test cases</h2>
          <div className="grid gap-3 sm:grid-cols-2">
            <div className="space-y-1">
              <label htmlFor="eval-dataset" className="block text-xs font-medium">
                Dataset
              </label>
              <select id="eval-dataset" className={selectClass} value={dataset.name} onChange={(e) => chooseDataset(e.target.value)} data-testid="eval-dataset">
                {datasets.map((d) => (
                  <option key={d.name} value={d.name}>
                    {d.name}
                  </option>
                ))}
              </select>
              {errors.dataset ? <p className="text-xs text-danger">{errors.dataset}</p> : null}
            </div>
            <div className="space-y-1">
              <label htmlFor="eval-dataset-version" className="block text-xs font-medium">
                Dataset version
              </label>
              <select
                id="eval-dataset-version"
                className={selectClass}
                value={datasetVersion}
                onChange={(e) => setDatasetVersion(Number(e.target.value))}
                data-testid="eval-dataset-version"
              >
                {dataset.versions.map((v) => (
                  <option key={v.number} value={v.number}>
                    v{v.number} · {fmtNumber(v.itemCount)} items{v.note ? ` · ${v.note}` : ""}
                  </option>
                ))}
              </select>
              <p className="text-xs text-fg-muted">A run names the version it used, so its results stay reproducible.</p>
            </div>
          </div>
        </Card>

        <EvaluatorBuilder
          drafts={drafts}
          errors={errors}
          judges={judges}
          onChange={(key, next) => setDrafts((list) => list.map((d) => (d.key === key ? next : d)))}
          onRemove={(key) => setDrafts((list) => list.filter((d) => d.key !== key))}
          onAdd={addEvaluator}
          listError={errors.list}
        />
      </div>

      <div className="space-y-4">
        <Card className="space-y-3 p-4 lg:sticky lg:top-4">
          <h2 className="text-sm font-semibold">Mode and cost</h2>
          <div className="grid grid-cols-2 gap-2" role="radiogroup" aria-label="Mode">
            {(["batch", "realtime"] as const).map((m) => (
              <label
                key={m}
                className={cx("cursor-pointer rounded-md border p-2 text-sm", mode === m ? "border-accent bg-accent/10" : "border-border hover:bg-muted")}
              >
                <span className="flex items-center gap-1.5 font-medium">
                  <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => setMode(m)} data-testid={`eval-mode-${m}`} />
                  {m === "batch" ? "Batch" : "Realtime"}
                </span>
                <span className="mt-0.5 block text-xs text-fg-muted">
                  {m === "batch" ? "Message Batches at 50% of the price; results within minutes to hours." : "Parallel calls at full price; results now."}
                </span>
              </label>
            ))}
          </div>
          <EstimatePanel estimate={est} pending={estimate.pending} error={estimate.error} mode={mode} valid={input !== null} />
          <FormError message={formError} testId="eval-form-error" />
          <div className="flex items-center gap-2">
            <Button type="submit" variant="primary" disabled={pending} data-testid="start-eval">
              {pending ? "Starting…" : "Start evaluation"}
            </Button>
            <ButtonLink href={`/p/${project}/evals`} variant="ghost">
              Cancel
            </ButtonLink>
          </div>
        </Card>
      </div>
    </form>
  );
}

function EstimatePanel({
  estimate,
  pending,
  error,
  mode,
  valid,
}: {
  estimate: EvalRunEstimate | null;
  pending: boolean;
  error: string | null;
  mode: "batch" | "realtime";
  valid: boolean;
}) {
  if (!valid) return <p className="text-xs text-fg-muted">Complete the form to see the estimated cost.</p>;
  if (error) return <FormError message={`No estimate: ${error}`} testId="eval-estimate-error" />;
  if (!estimate) {
    return <p className="text-xs text-fg-muted">{valid ? "Estimating…" : "Complete the form to see the estimated cost."}</p>;
  }
  const saving = estimate.realtimeMicros - estimate.batchMicros;
  return (
    <div className={cx("space-y-2 text-sm", pending && "opacity-60")} data-testid="eval-estimate">
      <p className="text-xs text-fg-muted">
        {fmtNumber(estimate.items)} items × {estimate.versions} version{estimate.versions === 1 ? "" : "s"} = {fmtNumber(estimate.requests)} requests
        {estimate.judgeMicros > 0 ? " (plus one judge call each)" : ""}
      </p>
      <table className="w-full text-xs">
        <thead className="text-left text-fg-muted">
          <tr>
            <th className="py-1 font-medium">Version</th>
            <th className="py-1 text-right font-medium">Tokens in / out</th>
            <th className="py-1 text-right font-medium">Realtime</th>
            <th className="py-1 text-right font-medium">Batch</th>
          </tr>
        </thead>
        <tbody className="tabular-nums">
          {estimate.perVersion.map((v) => (
            <tr key={v.display} className="border-t border-border">
              <td className="py-1 font-mono">{v.display}</td>
              <td className="py-1 text-right">
                {fmtNumber(v.inputTokens)} / {fmtNumber(v.outputTokens)}
              </td>
              <td className="py-1 text-right">{fmtUsd(v.realtimeMicros)}</td>
              <td className="py-1 text-right">{fmtUsd(v.batchMicros)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot className="font-medium tabular-nums">
          <tr className="border-t border-border">
            <td className="py-1" colSpan={2}>
              Total{estimate.judgeMicros > 0 ? " incl. judge" : ""}
            </td>
            <td className={cx("py-1 text-right", mode === "realtime" && "text-accent")} data-testid="estimate-realtime">
              {fmtUsd(estimate.realtimeMicros)}
            </td>
            <td className={cx("py-1 text-right", mode === "batch" && "text-accent")} data-testid="estimate-batch">
              {fmtUsd(estimate.batchMicros)}
            </td>
          </tr>
        </tfoot>
      </table>
      {saving > 0 ? (
        <p className="text-xs" data-testid="estimate-saving">
          <Badge tone="success">batch saves {fmtUsd(saving)}</Badge>{" "}
          <span className="text-fg-muted">({Math.round((saving / Math.max(1, estimate.realtimeMicros)) * 100)}% less than realtime)</span>
        </p>
      ) : null}
    </div>
  );
}
