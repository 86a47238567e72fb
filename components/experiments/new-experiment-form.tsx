"use client";

import { useMemo, useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { Button, Card, Field, FormError } from "@/components/ui";
import { fmtUsd } from "@/components/metrics/format";
import type { CandidatePrompt } from "@/lib/experiments/planning";
import { plannedSampleSize } from "@/lib/experiments/results";
import {
  DEFAULT_PRIMARY_METRIC,
  METRICS,
  METRIC_KEYS,
  defaultEffectPercent,
  designFromEffect,
  type CreateExperimentInput,
  type MetricKey,
} from "@/lib/experiments/schemas";
import type { InProject, ServerAction } from "@/lib/http/action-result";
import { withSignIn } from "@/lib/http/signed-out";

/** The create action (app/(dashboard)/p/[project]/experiments/actions.ts), passed in by the page. */
export type CreateExperimentAction = ServerAction<InProject<CreateExperimentInput>, { id: string }>;

const inputClass =
  "block h-9 w-full rounded-md border border-border bg-surface px-2.5 text-sm text-fg focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none";

export function NewExperimentForm({
  project,
  candidates,
  initialPrompt,
  create,
}: {
  project: string;
  candidates: CandidatePrompt[];
  initialPrompt?: string;
  create: CreateExperimentAction;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const first = candidates.find((c) => c.name === initialPrompt) ?? candidates[0]!;
  const [promptName, setPromptName] = useState(first.name);
  const prompt = candidates.find((c) => c.name === promptName) ?? first;
  const [label, setLabel] = useState(prompt.labels.find((l) => l.name === "production")?.name ?? prompt.labels[0]?.name ?? "production");
  const [name, setName] = useState("");
  const [hypothesis, setHypothesis] = useState("");
  const [metric, setMetric] = useState<MetricKey>(DEFAULT_PRIMARY_METRIC);
  const [mde, setMde] = useState(() => defaultEffectPercent(metric));
  // Until the author types an effect, it follows the metric's default (points for rates, % otherwise).
  const [mdeTouched, setMdeTouched] = useState(false);
  const [variants, setVariants] = useState(() => defaultVariants(prompt));
  const [error, setError] = useState<string | null>(null);
  // Derived, so the message disappears as soon as the weights are fixed.
  const [weightsTried, setWeightsTried] = useState(false);
  const [issues, setIssues] = useState<Record<string, string>>({});

  const total = variants.reduce((n, v) => n + (Number.isFinite(v.weight) ? v.weight : 0), 0);
  const design = designFromEffect(metric, mde);
  const planned = useMemo(() => plannedSampleSize(metric, design, variants.length - 1), [metric, design.mdeRate, design.mdeRelative, variants.length]); // eslint-disable-line react-hooks/exhaustive-deps
  const costs = variants.map((v) => prompt.versions.find((x) => x.version === v.version)?.costPerCallMicros ?? null);
  const estimate = costs.every((c) => c !== null) ? costs.reduce<number>((n, c) => n + (c ?? 0) * planned, 0) : null;

  function chooseMetric(next: MetricKey) {
    setMetric(next);
    if (!mdeTouched) setMde(defaultEffectPercent(next));
  }

  function choosePrompt(next: string) {
    const p = candidates.find((c) => c.name === next) ?? first;
    setPromptName(p.name);
    setLabel(p.labels.find((l) => l.name === "production")?.name ?? p.labels[0]?.name ?? "production");
    setVariants(defaultVariants(p));
  }

  function submit(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    setIssues({});
    if (total !== 100) {
      setWeightsTried(true);
      return;
    }
    startTransition(async () => {
      const result = await withSignIn(create)({
        project,
        prompt: prompt.name,
        label,
        name,
        hypothesis,
        primaryMetric: metric,
        variants: variants.map((v) => ({ version: v.version, weight: v.weight })),
        design,
      });
      if (result.ok) router.push(`/p/${project}/experiments/${result.data.id}`);
      else {
        setError(result.message);
        setIssues(Object.fromEntries((result.issues ?? []).map((i) => [i.path, i.message])));
      }
    });
  }

  return (
    <Card className="max-w-3xl p-5">
      <form onSubmit={submit} className="space-y-5" data-testid="new-experiment-form">
        <div className="grid gap-4 sm:grid-cols-2">
          <div className="space-y-1">
            <label htmlFor="exp-prompt" className="block text-xs font-medium">
              Prompt
            </label>
            <select id="exp-prompt" className={inputClass} value={prompt.name} onChange={(e) => choosePrompt(e.target.value)}>
              {candidates.map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <div className="space-y-1">
            <label htmlFor="exp-label" className="block text-xs font-medium">
              Label whose traffic is split
            </label>
            <select id="exp-label" className={inputClass} value={label} onChange={(e) => setLabel(e.target.value)}>
              {prompt.labels.map((l) => (
                <option key={l.name} value={l.name}>
                  {l.name} (now {l.version}){l.protected ? " · protected" : ""}
                </option>
              ))}
            </select>
          </div>
        </div>
        <Field
          label="Name"
          name="name"
          required
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="Shorter system prompt"
          error={issues.name}
        />
        <div className="space-y-1">
          <label htmlFor="exp-hypothesis" className="block text-xs font-medium">
            Hypothesis
          </label>
          <textarea
            id="exp-hypothesis"
            rows={2}
            value={hypothesis}
            onChange={(e) => setHypothesis(e.target.value)}
            className="block w-full rounded-md border border-border bg-surface px-2.5 py-2 text-sm focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none"
            placeholder="A shorter prompt is as accurate and cheaper"
          />
        </div>

        <fieldset className="space-y-2">
          <legend className="text-xs font-medium">Variants (A is the control)</legend>
          {variants.map((v, i) => (
            <div key={i} className="flex items-center gap-2" data-testid="variant-row">
              <span className="w-5 text-sm font-semibold">{String.fromCharCode(65 + i)}</span>
              <select
                aria-label={`Variant ${String.fromCharCode(65 + i)} version`}
                className={inputClass}
                value={v.version}
                onChange={(e) => setVariants(variants.map((x, j) => (j === i ? { ...x, version: e.target.value } : x)))}
              >
                {prompt.versions.map((pv) => (
                  <option key={pv.id} value={pv.version}>
                    {pv.version} · {pv.model}
                  </option>
                ))}
              </select>
              <input
                aria-label={`Variant ${String.fromCharCode(65 + i)} weight`}
                type="number"
                min={0}
                max={100}
                step={1}
                className={`${inputClass} w-24`}
                value={Number.isFinite(v.weight) ? v.weight : ""}
                onChange={(e) => setVariants(variants.map((x, j) => (j === i ? { ...x, weight: e.target.valueAsNumber } : x)))}
              />
              <span className="text-sm text-fg-muted">%</span>
              {variants.length > 2 ? (
                <Button type="button" variant="ghost" size="sm" onClick={() => setVariants(variants.filter((_, j) => j !== i))}>
                  Remove
                </Button>
              ) : null}
              {issues[`variants.${i}.version`] ? <span className="text-xs text-danger">{issues[`variants.${i}.version`]}</span> : null}
              {issues[`variants.${i}.weight`] ? (
                <span className="text-xs text-danger" data-testid={`variant-${i}-weight-error`}>
                  {issues[`variants.${i}.weight`]}
                </span>
              ) : null}
            </div>
          ))}
          <div className="flex items-center gap-3 text-xs">
            {variants.length < 6 ? (
              <Button type="button" size="sm" onClick={() => setVariants([...variants, { version: prompt.versions[0]?.version ?? "", weight: 0 }])}>
                Add variant
              </Button>
            ) : null}
            <span data-testid="weights-total" className={total === 100 ? "text-fg-muted" : "text-danger"}>
              Total {total}%{total === 100 ? "" : " — weights must sum to 100"}
            </span>
          </div>
        </fieldset>

        <div className="grid gap-4 sm:grid-cols-2">
          <div className="space-y-1">
            <label htmlFor="exp-metric" className="block text-xs font-medium">
              Primary metric
            </label>
            <select id="exp-metric" className={inputClass} value={metric} onChange={(e) => chooseMetric(e.target.value as MetricKey)}>
              {METRIC_KEYS.map((m) => (
                <option key={m} value={m}>
                  {METRICS[m].label}
                </option>
              ))}
            </select>
            <p className="text-xs text-fg-muted">
              {METRICS[metric].description}
              {metric === "accuracy" ? " — needs ground truth (score calls)." : "."}
            </p>
          </div>
          <div className="space-y-1">
            <label htmlFor="exp-mde" className="block text-xs font-medium">
              Minimum detectable effect
            </label>
            <div className="flex items-center gap-2">
              <input
                id="exp-mde"
                type="number"
                min={1}
                max={50}
                step={1}
                className={`${inputClass} w-24`}
                value={mde}
                onChange={(e) => {
                  setMdeTouched(true);
                  setMde(Math.max(1, Math.min(50, e.target.valueAsNumber || defaultEffectPercent(metric))));
                }}
              />
              <span className="text-sm text-fg-muted">{METRICS[metric].kind === "rate" ? "percentage points" : "% relative"}</span>
            </div>
          </div>
        </div>

        <div className="rounded-md border border-border bg-muted/40 px-3 py-2 text-sm" data-testid="planned-sample">
          Planned sample: <strong>{planned.toLocaleString("en-US")}</strong> calls per variant ({(planned * variants.length).toLocaleString("en-US")} in total)
          to detect a {mde}
          {METRICS[metric].kind === "rate" ? "-point" : "%"} change in {METRICS[metric].label.toLowerCase()} (alpha 0.05
          {variants.length > 2 ? `, corrected for ${variants.length - 1} comparisons with the control` : ""}, power 0.8). No winner is called before then.
          <br />
          Estimated cost of the planned sample: <strong data-testid="planned-cost">{estimate === null ? "unknown model price" : fmtUsd(estimate)}</strong>
          <span className="text-fg-muted"> (each version&apos;s cost preview at current prices, 300 output tokens, 50% cache hits)</span>
        </div>

        <FormError message={weightsTried && total !== 100 ? `Weights must sum to 100 (they sum to ${total}).` : error} />
        <div className="flex gap-2">
          <Button type="submit" variant="primary" disabled={pending}>
            {pending ? "Creating…" : "Create experiment"}
          </Button>
        </div>
      </form>
    </Card>
  );
}

function defaultVariants(p: CandidatePrompt) {
  const labelled = p.labels.find((l) => l.name === "production")?.version ?? p.versions[1]?.version ?? "";
  const other = p.versions.find((v) => v.version !== labelled)?.version ?? p.versions[0]?.version ?? "";
  return [
    { version: labelled, weight: 50 },
    { version: other, weight: 50 },
  ];
}
