"use client";

import { useState, useTransition } from "react";
import Link from "next/link";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { queryKeys } from "@/lib/query-keys";
import type { InProject, ServerAction } from "@/lib/http/action-result";
import { fmtMs, fmtUsd } from "@/components/metrics/format";
import { formatUtc } from "@/components/format";
import { Badge, Button, ButtonLink, Card, FormError, PageHeader, cx } from "@/components/ui";
import { asRunSummary, type Calibration, type EvalRunView, type EvaluatorComparison, type PairedComparison, type RoutingBreakdown } from "./contract";
import { CalibrationPanel } from "./calibration-panel";
import { EvalProgress, EvalStatusBadge } from "./run-status";
import { RESULTS_FILTERS, ResultsTable, type ResultsFilter, type ResultsPage } from "./results-table";
import { fmtCount, fmtRateInterval, fmtScore, fmtScoreInterval, fmtSignedScore } from "./format";
import { withSignIn } from "@/lib/http/signed-out";

/** What the run page polls (`[id]/data/route.ts`). */
export interface EvalRunData {
  run: EvalRunView;
  comparisons: PairedComparison[];
  calibration: Calibration | null;
  /** Per routed version: score and cost per routing rule beside the baseline (empty when no version routes or the run is not finished). */
  routing?: RoutingBreakdown[];
}

export interface EvalRunActions {
  cancel: ServerAction<InProject<{ runId: string }>, { status: string }>;
}

export function dataUrl(project: string, runId: string): string {
  return `/p/${encodeURIComponent(project)}/evals/${encodeURIComponent(runId)}/data`;
}

const ACTIVE = new Set(["queued", "running"]);

/**
 * The run page: status and progress (polled while the job runs), cancel, per-version summary
 * cards, the paired comparison with the baseline in words, judge calibration and the per-item
 * results with their filters.
 */
export function EvalRunClient({
  project,
  runId,
  initial,
  initialResults,
  createdBy,
  canEdit,
  actions,
}: {
  project: string;
  runId: string;
  initial: EvalRunData;
  /** Who started the run (a member's name or an API key's), shown in the header. */
  createdBy: string | null;
  initialResults?: ResultsPage;
  canEdit: boolean;
  actions: EvalRunActions;
}) {
  const queryClient = useQueryClient();
  const key = queryKeys.project(project).evalRun(runId);
  const query = useQuery({
    queryKey: key,
    queryFn: async (): Promise<EvalRunData> => {
      const res = await fetch(dataUrl(project, runId));
      if (!res.ok) throw new Error(`Could not load the run (${res.status})`);
      return (await res.json()) as EvalRunData;
    },
    initialData: initial,
    refetchInterval: (q) => (q.state.data && ACTIVE.has(q.state.data.run.status) ? 2_000 : false),
    staleTime: 0,
  });
  const [filter, setFilter] = useState<ResultsFilter>("all");
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const { run, comparisons, calibration, routing = [] } = query.data;
  const active = ACTIVE.has(run.status);
  const baselineIndex = Math.max(
    0,
    run.versions.findIndex((v) => v.baseline),
  );
  const regressions = comparisons.reduce((n, c) => Math.max(n, c.regressions.count), 0);
  const judge = run.evaluators.find((e) => e.type === "llm_judge");
  const judgeCalibration = calibration?.evaluators.find((e) => e.evaluatorId === judge?.id) ?? null;

  function cancel() {
    setError(null);
    startTransition(async () => {
      const r = await withSignIn(actions.cancel)({ project, runId });
      if (!r.ok) setError(r.message);
      await queryClient.invalidateQueries({ queryKey: key });
    });
  }

  return (
    <>
      <div className="mb-1 text-xs text-fg-muted">
        <Link href={`/p/${project}/evals`} className="hover:text-fg">
          Evaluations
        </Link>{" "}
        /
      </div>
      <PageHeader
        title={`${run.prompt.name}: ${run.versions.map((v) => v.display).join(" vs ")}`}
        description={
          <span>
            dataset <span className="font-mono">{run.dataset.name}</span> v{run.dataset.version} · {run.mode} mode ·{" "}
            {run.evaluators.map((e) => e.id).join(", ")}
            {createdBy ? ` · started by ${createdBy}` : ""} · {formatUtc(new Date(run.createdAt))}
          </span>
        }
        actions={
          <>
            <EvalStatusBadge status={run.status} cancelRequested={run.cancelRequested} />
            {canEdit && run.status === "completed" ? (
              <ButtonLink href={`/p/${project}/evals/${runId}/review`} data-testid="open-review">
                Review queue
              </ButtonLink>
            ) : null}
            {canEdit && active && !run.cancelRequested ? (
              <Button variant="danger" onClick={cancel} disabled={pending} data-testid="cancel-eval">
                Cancel run
              </Button>
            ) : null}
          </>
        }
      />
      <FormError message={error} />
      {active ? (
        <Card className="mb-4 p-4">
          <EvalProgress done={run.progress.done} total={run.progress.total} phase={run.phase} />
          <p className="mt-2 text-xs text-fg-muted">
            {run.mode === "batch"
              ? "Requests go through Message Batches at half price; results come back in any order and the page updates as they land."
              : "Calls run in parallel at full price."}
          </p>
        </Card>
      ) : null}
      <Card className="mb-4 flex flex-wrap gap-x-8 gap-y-2 p-4 text-sm" data-testid="run-cost">
        <div>
          <p className="text-xs text-fg-muted">{active ? "Cost so far" : "Cost"}</p>
          <p className="font-semibold tabular-nums">{fmtUsd(run.costMicros)}</p>
        </div>
        {run.mode === "batch" ? (
          <div>
            <p className="text-xs text-fg-muted">Saved with Message Batches</p>
            <p className="font-semibold text-success tabular-nums" data-testid="run-saved">
              {fmtUsd(run.costMicros)} <span className="text-xs font-normal text-fg-muted">(50% of the realtime price)</span>
            </p>
          </div>
        ) : null}
        {run.estimate ? (
          <div>
            <p className="text-xs text-fg-muted">Estimated before starting</p>
            <p className="tabular-nums">
              {fmtUsd(run.estimate.batchMicros)} batch · {fmtUsd(run.estimate.realtimeMicros)} realtime
            </p>
          </div>
        ) : null}
      </Card>
      {run.status === "failed" && run.error ? <FormError message={`The run failed: ${run.error}`} testId="eval-failed" /> : null}

      <section className="mb-4 grid gap-3 md:grid-cols-2 xl:grid-cols-3" aria-label="Summary per version">
        {run.versions.map((v) => (
          <SummaryCard key={v.id} version={v} run={run} />
        ))}
      </section>

      {comparisons.length > 0 ? (
        <ComparisonCard comparisons={comparisons} regressions={regressions} onShowRegressions={() => setFilter("regressions")} />
      ) : null}

      {routing.map((b) => (
        <RoutingCard key={b.runVersionId} breakdown={b} />
      ))}

      {judge && run.status === "completed" ? (
        <div className="mb-4">
          <CalibrationPanel calibration={judgeCalibration} />
        </div>
      ) : null}

      <Card className="p-4">
        <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
          <h2 className="text-sm font-semibold">Items</h2>
          <div className="flex gap-1" role="tablist" aria-label="Filter items">
            {RESULTS_FILTERS.map((f) => (
              <button
                key={f.value}
                type="button"
                role="tab"
                aria-selected={filter === f.value}
                onClick={() => setFilter(f.value)}
                className={cx(
                  "rounded-md px-2.5 py-1 text-xs font-medium",
                  filter === f.value ? "bg-accent/10 text-accent" : "text-fg-muted hover:bg-muted hover:text-fg",
                )}
                data-testid={`filter-${f.value}`}
              >
                {f.label}
              </button>
            ))}
          </div>
        </div>
        <ResultsTable
          key={filter}
          project={project}
          runId={runId}
          versions={run.versions.map((v) => ({ id: v.id, display: v.display }))}
          baselineIndex={baselineIndex}
          filter={filter}
          initial={filter === "all" ? initialResults : undefined}
          live={active}
        />
      </Card>
    </>
  );
}

function SummaryCard({ version: v, run }: { version: EvalRunView["versions"][number]; run: EvalRunView }) {
  const s = asRunSummary(v.summary);
  // Message Batches bill half the price, so the same requests in realtime would cost twice as much.
  const saved = run.mode === "batch" && s ? s.costMicros : null;
  return (
    <Card className="p-4" data-testid="version-summary" data-version={v.display}>
      <div className="mb-2 flex items-center gap-2">
        <span className="font-mono text-sm font-semibold">{v.display}</span>
        {v.requested !== v.display ? <span className="text-xs text-fg-muted">({v.requested})</span> : null}
        {v.baseline ? <Badge>baseline</Badge> : null}
        {v.gatePassed === true ? <Badge tone="success">gate passed</Badge> : v.gatePassed === false ? <Badge tone="danger">gate failed</Badge> : null}
      </div>
      {!s ? (
        <p className="text-sm text-fg-muted">The summary appears when the run ends.</p>
      ) : (
        <>
          <ul className="space-y-1.5 text-sm">
            {run.evaluators.map((e) => {
              const es = s.evaluators[e.id];
              return (
                <li key={e.id} data-testid="evaluator-summary" data-evaluator={e.id}>
                  <div className="flex items-baseline justify-between gap-2">
                    <span className="font-mono text-xs">{e.id}</span>
                    <span className="tabular-nums">
                      <span className="font-semibold">{fmtScore(es?.mean)}</span> <span className="text-xs text-fg-muted">{fmtScoreInterval(es?.ci95)}</span>
                    </span>
                  </div>
                  <div className="flex items-baseline justify-between gap-2 text-xs text-fg-muted">
                    <span>pass rate</span>
                    <span className="tabular-nums">
                      {es?.passRate === null || es?.passRate === undefined ? "–" : `${Math.round(es.passRate * 100)}%`} {fmtRateInterval(es?.passCi95)}
                      {es ? ` · n ${fmtCount(es.n)}` : ""}
                    </span>
                  </div>
                </li>
              );
            })}
          </ul>
          <dl className="mt-3 grid grid-cols-2 gap-x-3 gap-y-1 border-t border-border pt-2 text-xs">
            <dt className="text-fg-muted">Cost</dt>
            <dd className="text-right tabular-nums" data-testid="version-cost">
              {fmtUsd(s.costMicros)}
              {saved !== null && saved > 0 ? <span className="text-success"> (saved {fmtUsd(saved)} with batch)</span> : null}
            </dd>
            <dt className="text-fg-muted">Latency p50 / p95</dt>
            <dd className="text-right tabular-nums">
              {fmtMs(s.latencyP50Ms)} / {fmtMs(s.latencyP95Ms)}
            </dd>
            <dt className="text-fg-muted">Outputs</dt>
            <dd className="text-right tabular-nums">
              {fmtCount(s.succeeded)} / {fmtCount(s.items)}
              {s.errored + s.canceled + s.expired > 0 ? (
                <span className="text-danger" data-testid="version-errors">
                  {" "}
                  · {s.errored > 0 ? `${fmtCount(s.errored)} errored ` : ""}
                  {s.canceled > 0 ? `${fmtCount(s.canceled)} canceled ` : ""}
                  {s.expired > 0 ? `${fmtCount(s.expired)} expired` : ""}
                </span>
              ) : null}
            </dd>
          </dl>
        </>
      )}
    </Card>
  );
}

const directionTone = { better: "success", worse: "danger", none: "neutral" } as const;

function interval(ci: { low: number; high: number } | null | undefined): string {
  return ci ? `95% interval ${fmtSignedScore(ci.low)} to ${fmtSignedScore(ci.high)}` : "no interval";
}

/** The figures behind one verdict: the paired pass-rate difference (McNemar) and the mean score difference (paired t, Wilcoxon). */
function ComparisonFigures({ c }: { c: EvaluatorComparison }) {
  const rate = c.passFail.test;
  const t = c.scores.pairedT;
  const w = c.scores.wilcoxon;
  return (
    <p className="text-xs text-fg-muted tabular-nums">
      {rate ? (
        <>
          Pass rate {Math.round(rate.baselineRate * 100)}% → {Math.round(rate.candidateRate * 100)}% ({fmtSignedScore(rate.difference)},{" "}
          {interval(rate.differenceCi)}, McNemar p = {rate.pValue.toPrecision(2)}; {fmtCount(c.passFail.baselineOnly)} regressed,{" "}
          {fmtCount(c.passFail.candidateOnly)} improved).{" "}
        </>
      ) : null}
      {t ? (
        <>
          Mean score {fmtSignedScore(t.difference)} ({interval(t.differenceCi)}, paired t p = {t.pValue.toPrecision(2)}
          {w ? `, Wilcoxon p = ${w.pValue.toPrecision(2)}` : ""}).
        </>
      ) : null}
    </p>
  );
}

function ComparisonCard({
  comparisons,
  regressions,
  onShowRegressions,
}: {
  comparisons: PairedComparison[];
  regressions: number;
  onShowRegressions: () => void;
}) {
  return (
    <Card className="mb-4 p-4" data-testid="comparison">
      <div className="mb-2 flex items-center justify-between gap-2">
        <h2 className="text-sm font-semibold">Against the baseline, item by item</h2>
        {regressions > 0 ? (
          <Button size="sm" onClick={onShowRegressions} data-testid="show-regressions">
            Show {fmtCount(regressions)} regression{regressions === 1 ? "" : "s"}
          </Button>
        ) : (
          <Badge tone="success">no regressions</Badge>
        )}
      </div>
      <ul className="space-y-3 text-sm">
        {comparisons.map((c) => (
          <li key={c.runVersionId} className="rounded-md border border-border p-3" data-testid="comparison-row">
            <div className="flex flex-wrap items-center gap-2">
              <span className="font-mono text-xs font-medium">
                {c.display} vs {c.baseline.display}
              </span>
              <Badge tone={directionTone[c.combined.verdict.direction]}>
                {c.combined.verdict.significant ? c.combined.verdict.direction : "no clear difference"}
              </Badge>
              <span className="ml-auto text-xs text-fg-muted tabular-nums" data-testid="comparison-regressions">
                {fmtCount(c.regressions.count)} regression{c.regressions.count === 1 ? "" : "s"} (passed on {c.baseline.display}, fail now)
              </span>
            </div>
            <p className="mt-1" data-testid="comparison-summary">
              {c.combined.verdict.text}
            </p>
            <ComparisonFigures c={c.combined} />
            {c.evaluators.length > 1 || (c.evaluators[0] && c.evaluators[0].verdict.text !== c.combined.verdict.text) ? (
              <ul className="mt-2 space-y-1.5 border-t border-border pt-2">
                {c.evaluators.map((e) => (
                  <li key={e.evaluatorId ?? "combined"} data-testid="comparison-evaluator" data-evaluator={e.evaluatorId ?? ""}>
                    <span className="font-mono text-xs">{e.evaluatorId}</span>{" "}
                    <Badge tone={directionTone[e.verdict.direction]}>{e.verdict.significant ? e.verdict.direction : "no clear difference"}</Badge>{" "}
                    <span className="text-xs">{e.verdict.text}</span>
                    <ComparisonFigures c={e} />
                  </li>
                ))}
              </ul>
            ) : null}
          </li>
        ))}
      </ul>
    </Card>
  );
}

/** A share in [0, 1] as "75%", or a dash. */
function fmtRate(v: number | null): string {
  return v === null ? "–" : `${Math.round(v * 100)}%`;
}

/**
 * The quality change of model routing: per rule (and the model it picked), the items it sent, their
 * score, pass rate and cost with the rules, and the same items on the baseline (in a routing
 * comparison, the version on its own model).
 */
function RoutingCard({ breakdown }: { breakdown: RoutingBreakdown }) {
  const against = breakdown.baselineDisplay;
  return (
    <Card className="mb-4 p-4" data-testid="routing-breakdown">
      <h2 className="text-sm font-semibold">By routing rule: {breakdown.display}</h2>
      <p className="mb-3 text-xs text-fg-muted">
        Each rule&apos;s test cases on the model it picked{against ? <>, beside the same test cases on {against}</> : null}. Cost is what the calls cost (the
        batch price in batch mode).
      </p>
      <div className="overflow-x-auto">
        <table className="w-full text-sm">
          <thead className="text-left text-xxs tracking-wide text-fg-muted uppercase">
            <tr>
              <th className="px-2 py-1.5">Rule</th>
              <th className="px-2 py-1.5">Model</th>
              <th className="px-2 py-1.5 text-right">Items</th>
              <th className="px-2 py-1.5 text-right">Score</th>
              <th className="px-2 py-1.5 text-right">Pass</th>
              <th className="px-2 py-1.5 text-right">Cost</th>
              {against ? (
                <>
                  <th className="px-2 py-1.5 text-right">Score on baseline</th>
                  <th className="px-2 py-1.5 text-right">Change</th>
                  <th className="px-2 py-1.5 text-right">Cost on baseline</th>
                </>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {breakdown.rules.map((r) => {
              const change = r.score !== null && r.baseline?.score != null ? r.score - r.baseline.score : null;
              return (
                <tr key={`${r.rule}-${r.model}`} className="border-t border-border" data-testid="routing-breakdown-row" data-rule={r.rule}>
                  <td className="px-2 py-1.5 font-mono text-xs">{r.rule === "default" ? "default (no rule matched)" : r.rule}</td>
                  <td className="px-2 py-1.5 font-mono text-xs">{r.model}</td>
                  <td className="px-2 py-1.5 text-right tabular-nums">{fmtCount(r.items)}</td>
                  <td className="px-2 py-1.5 text-right tabular-nums" data-testid="routing-score">
                    {fmtScore(r.score)}
                  </td>
                  <td className="px-2 py-1.5 text-right tabular-nums">{fmtRate(r.passRate)}</td>
                  <td className="px-2 py-1.5 text-right tabular-nums" data-testid="routing-cost">
                    {fmtUsd(r.costMicros)}
                  </td>
                  {against ? (
                    <>
                      <td className="px-2 py-1.5 text-right tabular-nums">{fmtScore(r.baseline?.score ?? null)}</td>
                      <td className={cx("px-2 py-1.5 text-right tabular-nums", change !== null && change < 0 ? "text-danger" : change ? "text-success" : "")}>
                        {fmtSignedScore(change)}
                      </td>
                      <td className="px-2 py-1.5 text-right tabular-nums" data-testid="routing-baseline-cost">
                        {fmtUsd(r.baseline?.costMicros ?? 0)}
                      </td>
                    </>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
