"use client";

import { useState, useTransition, type ReactNode } from "react";
import Link from "next/link";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { queryKeys } from "@/lib/query-keys";
import type { ExperimentView, SeriesPoint } from "@/lib/experiments/queries";
import type { ExperimentResults, MetricResult } from "@/lib/experiments/results";
import { CONTROL_KEY, METRICS, METRIC_KEYS, type MetricKey } from "@/lib/experiments/schemas";
import type { TrafficProgress } from "@/lib/experiments/traffic";
import { BarChart } from "@/components/charts/bar-chart";
import { TimeSeriesChart } from "@/components/charts/time-series-chart";
import { fmtBucketTime, fmtMs, fmtNumber, fmtPercent, fmtUsd } from "@/components/metrics/format";
import { formatLift, formatRelative } from "@/lib/experiments/format";
import { Badge, Button, Card, FormError, PageHeader } from "@/components/ui";
import { StatusBadge } from "@/components/experiments/status-badge";
import { Dialog } from "@/components/prompts/dialog";
import type { InProject, ServerAction } from "@/lib/http/action-result";
import type { LabelMoveContractCheck } from "@/lib/prompts/contract-diff";
import { sinceDecision, type DecisionRecord } from "@/lib/experiments/decision";
import { ContractCheckNote, useContractCheck } from "@/components/prompts/contract-check";
import { withSignIn } from "@/lib/http/signed-out";

/** The experiment page's controls (app/(dashboard)/p/[project]/experiments/actions.ts), passed in by the page. */
export interface ExperimentActions {
  transition: ServerAction<InProject<{ id: string; action: "start" | "pause" | "resume" | "complete" }>, { status: string }>;
  setWeights: ServerAction<InProject<{ id: string; weights: Record<string, number> }>, { ok: true }>;
  /** `requestId` set: the label is under a release rule, a release request was opened instead (nothing moved). */
  promote: ServerAction<
    InProject<{ id: string; variant?: string; force?: boolean; reason?: string }>,
    { key: string; version: string; requestId: string | null }
  >;
  /** The promote controls' contract check: what moving the label to the variant does to its callers. */
  previewPromote?: ServerAction<InProject<{ id: string; variant: string }>, LabelMoveContractCheck>;
  resumeVariant: ServerAction<InProject<{ id: string; key: string }>, { ok: true }>;
  sendTraffic: ServerAction<
    InProject<{ id: string; mode: TrafficMode; count: number; inputs: string; dataset?: string; datasetVersion?: number }>,
    TrafficProgress
  >;
}

type TrafficMode = "generate" | "paste" | "dataset";

/** A dataset the send-traffic form offers (its latest version and item count). */
export interface TrafficDatasetOption {
  name: string;
  latestVersion: number;
  itemCount: number;
}

interface Data {
  experiment: ExperimentView;
  results: ExperimentResults;
  series: { bucketMs: number; points: SeriesPoint[] };
  history: Array<{ action: string; actor: string; before: unknown; after: unknown; at: string }>;
  traffic: TrafficProgress | null;
}

function fmtMetric(metric: MetricKey, v: number | null): string {
  switch (METRICS[metric].unit) {
    case "percent":
      return fmtPercent(v);
    case "usd_micros":
      return fmtUsd(v);
    case "ms":
      return fmtMs(v);
    default:
      return v === null ? "–" : `${fmtNumber(v)} chars`;
  }
}

const outcomeTone: Record<MetricResult["outcome"], "neutral" | "success" | "danger" | "warning" | "accent"> = {
  control: "neutral",
  better: "success",
  worse: "danger",
  higher: "accent",
  lower: "accent",
  no_difference: "neutral",
  not_enough_data: "warning",
  no_data: "neutral",
};
const outcomeText: Record<MetricResult["outcome"], string> = {
  control: "control",
  better: "better",
  worse: "worse",
  higher: "higher",
  lower: "lower",
  no_difference: "no difference",
  not_enough_data: "collecting",
  no_data: "no data",
};

const inputClass = "h-8 rounded-md border border-border bg-surface px-2 text-sm text-fg focus:border-accent focus:outline-none";

export function ExperimentResultsClient({
  project,
  id,
  canEdit,
  isAdmin,
  actions,
  datasets = [],
  labelProtected = false,
  labelApproval = null,
}: {
  project: string;
  id: string;
  canEdit: boolean;
  isAdmin: boolean;
  actions: ExperimentActions;
  datasets?: TrafficDatasetOption[];
  /** The experiment's label is protected: promoting onto it asks for confirmation first. */
  labelProtected?: boolean;
  /** The label's release rule in words when it has one: promoting then opens a release request (asked for with a reason first). */
  labelApproval?: string | null;
}) {
  const queryClient = useQueryClient();
  const [runId, setRunId] = useState<string | null>(null);
  const key = queryKeys.project(project).experimentResults(id);
  const query = useQuery({
    queryKey: [...key, runId],
    queryFn: async (): Promise<Data> => {
      const res = await fetch(`/p/${encodeURIComponent(project)}/experiments/${encodeURIComponent(id)}/data${runId ? `?run=${runId}` : ""}`);
      if (!res.ok) throw new Error(`Could not load results (${res.status})`);
      return (await res.json()) as Data;
    },
    refetchInterval: (q) => {
      const d = q.state.data;
      if (d?.traffic?.status === "running") return 1_000;
      return d?.experiment.status === "RUNNING" ? 5_000 : false;
    },
    staleTime: 0,
  });
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<ReactNode>(null);

  const refresh = () => queryClient.invalidateQueries({ queryKey: key });
  function act<T>(fn: () => Promise<{ ok: true; data: T } | { ok: false; message: string }>, onOk?: (data: T) => void) {
    setError(null);
    setNotice(null);
    startTransition(async () => {
      const r = await withSignIn(fn)();
      if (r.ok) onOk?.(r.data);
      else setError(r.message);
      await refresh();
    });
  }

  if (query.isPending) return <p className="text-sm text-fg-muted">Loading results…</p>;
  if (query.isError || !query.data) return <FormError message={query.error?.message ?? "Could not load results"} />;
  const { experiment: e, results: r, series, history, traffic } = query.data;
  const paused = e.variants.filter((v) => v.paused);
  // The primary metric first: it decides the winner (the table scrolls sideways only on narrow screens).
  const metricOrder: MetricKey[] = [e.primaryMetric, ...METRIC_KEYS.filter((m) => m !== e.primaryMetric)];

  return (
    <>
      <PageHeader
        title={e.name}
        description={
          <span>
            <Link className="font-mono text-accent hover:underline" href={`/p/${project}/prompts/${encodeURIComponent(e.prompt.name)}`}>
              {e.prompt.name}
            </Link>{" "}
            · label <span className="font-mono">{e.label}</span> · primary metric {METRICS[e.primaryMetric].label.toLowerCase()}
            {e.hypothesis ? <span className="block">Hypothesis: {e.hypothesis}</span> : null}
          </span>
        }
        actions={<StatusBadge status={e.status} />}
      />

      {paused.map((v) => (
        <div key={v.key} data-testid="guardrail-banner" className="mb-3 rounded-md border border-danger/30 bg-danger/10 px-3 py-2 text-sm text-danger">
          <strong>
            Variant {v.key} ({v.version}) was paused{v.pausedReason ? " by a guardrail" : ""}.
          </strong>{" "}
          {v.pausedReason ?? ""} Its traffic goes to the other variants.
          {canEdit && e.status !== "COMPLETED" ? (
            <Button size="sm" className="ml-2" disabled={pending} onClick={() => act(() => actions.resumeVariant({ project, id, key: v.key }))}>
              Let it take traffic again
            </Button>
          ) : null}
        </div>
      ))}

      {e.decision ? <DecisionCard decision={e.decision} live={r} /> : null}

      <Card className="mb-4 p-4" data-testid="verdict">
        {e.decision ? (
          <p className="mb-1 text-xs font-medium uppercase tracking-wide text-fg-muted" data-testid="live-heading">
            Now, with the data since the decision (not part of it)
          </p>
        ) : null}
        <p className="text-base font-semibold">{r.verdict}</p>
        {r.verdictLines.length > 0 ? (
          <ul className="mt-2 list-disc space-y-0.5 pl-5 text-sm">
            {r.verdictLines.map((l) => (
              <li key={l}>{l}</li>
            ))}
          </ul>
        ) : null}
        <p className="mt-2 text-xs" data-testid="correction">
          <Badge tone={r.correction.method === "none" ? "neutral" : "accent"}>
            {r.correction.method === "none" ? "no correction needed" : "Holm–Bonferroni correction"}
          </Badge>{" "}
          <span className={r.correction.method === "none" ? "text-fg-muted" : undefined}>{r.correction.description}</span>
        </p>
        <p className="mt-1 text-xs text-fg-muted">
          {r.totalCalls.toLocaleString("en-US")} calls so far · planned {r.plannedPerVariant.toLocaleString("en-US")} per variant before a winner can be named
        </p>
        <details className="mt-1 text-xs text-fg-muted">
          <summary className="cursor-pointer select-none">How these numbers are computed</summary>
          <p className="mt-1">{r.methods}</p>
        </details>
      </Card>

      <FormError message={error} />
      {notice ? (
        <div data-testid="notice" className="mb-3 rounded-md border border-success/30 bg-success/10 px-3 py-2 text-sm text-success">
          {notice}
        </div>
      ) : null}

      {canEdit ? (
        <Controls
          project={project}
          id={id}
          data={query.data}
          pending={pending}
          isAdmin={isAdmin}
          actions={actions}
          datasets={datasets}
          labelProtected={labelProtected}
          labelApproval={labelApproval}
          act={act}
          setRunId={setRunId}
          setNotice={setNotice}
        />
      ) : null}
      {traffic ? <Progress traffic={traffic} /> : null}

      {/* Calls, split and cache share the variant's cell, so the six metric columns fit a 1440 px screen without a sideways scroll. */}
      <Card className="mb-4 overflow-x-auto" data-testid="variant-table-card">
        <table className="w-full text-sm" data-testid="variant-table">
          <thead className="border-b border-border text-left text-xs text-fg-muted">
            <tr>
              <th className="px-3 py-2 font-medium">
                Variant
                <span className="block font-normal">calls · split planned → served · cache hits</span>
              </th>
              {metricOrder.map((m) => (
                <th key={m} className="px-2 py-2 font-medium">
                  {METRICS[m].label}
                  {m === e.primaryMetric ? <span className="block font-normal text-accent">primary metric</span> : null}
                  {m === "accuracy" && r.variants.every((v) => v.metrics.accuracy.n === 0) ? (
                    <span className="block font-normal">needs scored calls</span>
                  ) : null}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {r.variants.map((v) => (
              <tr key={v.key} className="border-b border-border align-top last:border-0" data-testid={`variant-${v.key}`}>
                <td className="px-3 py-2">
                  <div className="whitespace-nowrap">
                    <span className="font-semibold">{v.key}</span> <span className="font-mono text-xs">{v.versionLabel}</span>
                    {v.isControl ? <Badge className="ml-1">control</Badge> : null}
                    {v.paused ? (
                      <Badge tone="danger" className="ml-1">
                        paused
                      </Badge>
                    ) : null}
                    {r.winnerKey === v.key ? (
                      <Badge tone="success" className="ml-1">
                        winner
                      </Badge>
                    ) : null}
                  </div>
                  <div className="mt-0.5 text-xs text-fg-muted tabular-nums">
                    <span data-testid={`calls-${v.key}`} className="font-medium text-fg">
                      {v.calls.toLocaleString("en-US")}
                    </span>{" "}
                    calls
                  </div>
                  <div className="text-xs text-fg-muted tabular-nums whitespace-nowrap" title="Planned split → share of calls served">
                    {v.weight}%{v.paused || Math.abs(v.effectiveWeight - v.weight) > 0.05 ? ` (now ${v.effectiveWeight.toFixed(0)}%)` : ""} →{" "}
                    {fmtPercent(v.servedShare)}
                  </div>
                  <div className="text-xs text-fg-muted tabular-nums">cache {fmtPercent(v.cacheHitRate)}</div>
                </td>
                {metricOrder.map((m) => {
                  const x = v.metrics[m];
                  return (
                    <td key={m} className="px-2 py-2 text-xs" data-testid={`metric-${v.key}-${m}`}>
                      <div className="font-medium tabular-nums">{fmtMetric(m, x.mean)}</div>
                      <div className="text-fg-muted tabular-nums">{x.ci ? `[${fmtMetric(m, x.ci.low)}, ${fmtMetric(m, x.ci.high)}]` : `n = ${x.n}`}</div>
                      {x.comparison ? (
                        <div className="tabular-nums" data-testid={`lift-${v.key}-${m}`}>
                          <div>{formatLift(m, x.comparison.difference, x.comparison.lift)}</div>
                          <div className="text-fg-muted">
                            {x.comparison.liftCi ? `lift [${formatRelative(x.comparison.liftCi.low)}, ${formatRelative(x.comparison.liftCi.high)}] · ` : ""}p
                            {r.correction.method === "none" ? "" : " (Holm)"}={x.comparison.pValue < 0.001 ? "<0.001" : x.comparison.pValue.toFixed(3)}
                          </div>
                        </div>
                      ) : null}
                      {!v.isControl ? (
                        <Badge tone={outcomeTone[x.outcome]} className="mt-0.5">
                          {outcomeText[x.outcome]}
                          {x.outcome === "not_enough_data" && x.moreNeededPerVariant > 0 ? `: ${x.moreNeededPerVariant.toLocaleString("en-US")} more` : ""}
                        </Badge>
                      ) : null}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </Card>

      <div className="mb-4 grid gap-3 md:grid-cols-3">
        <BarChart
          title="Traffic: planned vs served"
          testId="traffic-chart"
          data={r.variants.map((v) => ({ label: `${v.key} ${v.versionLabel}`, planned: v.effectiveWeight / 100, served: v.servedShare ?? 0 }))}
          bars={[
            { key: "planned", name: "Planned share" },
            { key: "served", name: "Served share" },
          ]}
          format={(x) => fmtPercent(x, 0)}
          height={200}
        />
        {r.variants.every((v) => !v.cacheHitRate) ? (
          <Card className="p-3 text-xs" data-testid="cache-chart">
            <h2 className="mb-2 font-medium">Cache hit rate per variant</h2>
            <p className="text-fg-muted">
              No prompt tokens were read from the cache yet. A split divides cache reuse between variants: versions with a cached prefix (cache breakpoints)
              show their hit rate here once traffic repeats within the cache lifetime.
            </p>
          </Card>
        ) : (
          <BarChart
            title="Cache hit rate per variant (share of prompt tokens read from cache)"
            testId="cache-chart"
            data={r.variants.map((v) => ({ label: `${v.key} ${v.versionLabel}`, hit: v.cacheHitRate ?? 0 }))}
            bars={[{ key: "hit", name: "Cache hit rate" }]}
            format={(x) => fmtPercent(x, 0)}
            height={200}
          />
        )}
        <History history={history} />
      </div>

      <div className="grid gap-3 md:grid-cols-2" data-testid="metric-charts">
        {metricOrder.map((m) => (
          <TimeSeriesChart
            key={m}
            title={`${METRICS[m].label} over time`}
            data={seriesRows(
              series.points,
              m,
              e.variants.map((v) => v.key),
            )}
            series={e.variants.map((v) => ({ key: v.key, name: `${v.key} ${v.version}` }))}
            format={(x) => fmtMetric(m, x)}
            formatTime={(t) => fmtBucketTime(t, series.bucketMs / 60_000)}
            bucketMs={series.bucketMs}
            height={180}
          />
        ))}
      </div>
    </>
  );
}

/** The frozen decision of an ended experiment, and what arrived since (shown apart below it). */
function DecisionCard({ decision, live }: { decision: DecisionRecord; live: ExperimentResults }) {
  const since = sinceDecision(decision.results, live);
  const metric = decision.results.primaryMetric;
  return (
    <Card className="mb-4 border-accent/40 p-4" data-testid="decision">
      <p className="text-xs font-medium uppercase tracking-wide text-fg-muted">
        Decision · {decision.at.slice(0, 16).replace("T", " ")} UTC · numbers as they stood then
      </p>
      <p className="mt-1 text-base font-semibold" data-testid="decision-verdict">
        {decision.verdict}
      </p>
      <table className="mt-2 text-sm" data-testid="decision-table">
        <thead className="text-left text-xs text-fg-muted">
          <tr>
            <th className="pr-6 font-medium">Variant</th>
            <th className="pr-6 text-right font-medium">Calls</th>
            <th className="text-right font-medium">{METRICS[metric].label}</th>
          </tr>
        </thead>
        <tbody>
          {decision.results.variants.map((v) => (
            <tr key={v.key} data-testid={`decision-row-${v.key}`}>
              <td className="pr-6">
                {v.key} <span className="font-mono text-xs">{v.versionLabel}</span>
                {decision.promoted?.key === v.key ? (
                  <Badge tone="success" className="ml-1">
                    promoted
                  </Badge>
                ) : null}
              </td>
              <td className="pr-6 text-right tabular-nums">{v.calls.toLocaleString("en-US")}</td>
              <td className="text-right tabular-nums">{fmtMetric(metric, v.metrics[metric].mean)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="mt-2 text-xs text-fg-muted" data-testid="since-decision">
        Since the decision: {since.calls.toLocaleString("en-US")} more calls, {since.scored.toLocaleString("en-US")} more scored. They are in the results below
        and do not change the decision.
      </p>
    </Card>
  );
}

function seriesRows(points: SeriesPoint[], metric: MetricKey, keys: string[]) {
  const rows = new Map<number, { t: number } & Record<string, number | null>>();
  for (const p of points) {
    const row = rows.get(p.t) ?? Object.assign({ t: p.t }, Object.fromEntries(keys.map((k) => [k, null])) as Record<string, number | null>);
    let v: number | null = null;
    if (metric === "accuracy") v = p.scored ? p.scoreSum / p.scored : null;
    else if (metric === "error_rate") v = p.calls ? p.errors / p.calls : null;
    else if (metric === "refusal_rate") v = p.calls ? p.refusals / p.calls : null;
    else if (metric === "cost_per_call") v = p.answered ? p.costSum / p.answered : null;
    else if (metric === "latency") v = p.answered ? p.latSum / p.answered : null;
    else v = p.answered ? p.outSum / p.answered : null;
    row[p.key] = v;
    rows.set(p.t, row);
  }
  return [...rows.values()].sort((a, b) => a.t - b.t);
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function fmtWeights(value: unknown): string {
  return Object.entries(record(value))
    .filter(([k, v]) => /^[A-Z]$/.test(k) && typeof v === "number")
    .map(([k, v]) => `${k} ${String(v)}%`)
    .join(" / ");
}

/** One history entry in words ("weights A 50% / B 50% → A 80% / B 20% (30% of users moved)"). */
function describeHistoryEvent(h: { action: string; before: unknown; after: unknown }): string {
  const after = record(h.after);
  const text = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : "?");
  switch (h.action) {
    case "experiment.created":
      return "created";
    case "experiment.started":
      return "started";
    case "experiment.paused":
      return "paused";
    case "experiment.resumed":
      return "resumed";
    case "experiment.completed":
      return "ended without promoting";
    case "experiment.weights_changed":
      return `changed weights ${fmtWeights(h.before)} → ${fmtWeights(h.after)}${typeof after.movedPercent === "number" ? ` (${after.movedPercent}% of users moved)` : ""}`;
    case "experiment.promoted":
      return `promoted ${text(after.variant)} (${text(after.version)}) to ${text(after.label)}`;
    case "experiment.variant_paused":
      return `paused variant ${text(after.variant)}${after.experimentPaused === true ? " and with it the experiment" : ""}: ${text(after.reason)}`;
    case "experiment.variant_resumed":
      return `let variant ${text(after.variant)} take traffic again`;
    default:
      return h.action.replace("experiment.", "").replaceAll("_", " ");
  }
}

function History({ history }: { history: Data["history"] }) {
  return (
    <Card className="p-3 text-xs" data-testid="history">
      <h2 className="mb-2 font-medium">History</h2>
      {history.length === 0 ? <p className="text-fg-muted">No changes yet.</p> : null}
      <ul className="max-h-48 space-y-1 overflow-y-auto">
        {history.map((h, i) => (
          <li key={i}>
            <span className="text-fg-muted tabular-nums">{h.at.slice(0, 16).replace("T", " ")}</span> {h.actor} {describeHistoryEvent(h)}
          </li>
        ))}
      </ul>
    </Card>
  );
}

const trafficTone: Record<TrafficProgress["status"], "accent" | "success" | "warning" | "danger"> = {
  running: "accent",
  done: "success",
  stopped: "warning",
  interrupted: "danger",
};

function Progress({ traffic }: { traffic: TrafficProgress }) {
  const pct = traffic.total ? Math.round((traffic.done / traffic.total) * 100) : 0;
  return (
    <Card className="mb-4 p-3 text-sm" data-testid="traffic-progress">
      <div className="mb-1 flex justify-between gap-2 text-xs">
        <span>
          Traffic run: {traffic.done} of {traffic.total} calls ({traffic.ok} answered, {traffic.failed} failed
          {traffic.invalid ? `, ${traffic.invalid} invalid inputs` : ""}) ·{" "}
          {Object.entries(traffic.byVariant)
            .map(([k, n]) => `${k}: ${n}`)
            .join(", ")}
          <span className="text-fg-muted">
            {" "}
            · started by {traffic.startedBy} at {traffic.startedAt.slice(11, 16)} UTC
          </span>
        </span>
        <Badge tone={trafficTone[traffic.status]} data-testid="traffic-status">
          {traffic.status}
        </Badge>
      </div>
      <div
        className="h-2 w-full overflow-hidden rounded bg-muted"
        role="progressbar"
        aria-valuenow={pct}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-label="Traffic progress"
      >
        <div className={`h-full transition-all ${traffic.status === "interrupted" ? "bg-danger" : "bg-accent"}`} style={{ width: `${pct}%` }} />
      </div>
      {traffic.message ? <p className="mt-1 text-xs text-fg-muted">{traffic.message}</p> : null}
    </Card>
  );
}

function Controls({
  project,
  id,
  data,
  pending,
  isAdmin,
  actions,
  datasets,
  labelProtected,
  labelApproval,
  act,
  setRunId,
  setNotice,
}: {
  project: string;
  id: string;
  data: Data;
  pending: boolean;
  isAdmin: boolean;
  actions: ExperimentActions;
  datasets: TrafficDatasetOption[];
  labelProtected: boolean;
  labelApproval: string | null;
  act: <T>(fn: () => Promise<{ ok: true; data: T } | { ok: false; message: string }>, onOk?: (data: T) => void) => void;
  setRunId: (id: string) => void;
  setNotice: (s: ReactNode) => void;
}) {
  const e = data.experiment;
  const [weights, setWeights] = useState<Record<string, number>>(() => Object.fromEntries(e.variants.map((v) => [v.key, v.weight])));
  const [promoteKey, setPromoteKey] = useState<string>(data.results.winnerKey ?? e.variants.find((v) => !v.paused && !v.key.startsWith("A"))?.key ?? "A");
  const [mode, setMode] = useState<TrafficMode>("generate");
  const [datasetName, setDatasetName] = useState(datasets[0]?.name ?? "");
  // Empty = the dataset's latest version.
  const [datasetVersion, setDatasetVersion] = useState("");
  const chosenDataset = datasets.find((d) => d.name === datasetName);
  const [count, setCount] = useState(40);
  const [inputs, setInputs] = useState("");
  const total = Object.values(weights).reduce((n, v) => n + (Number.isFinite(v) ? v : 0), 0);
  const transition = (action: "start" | "pause" | "resume" | "complete") => act(() => actions.transition({ project, id, action }));
  // Starting, resuming and reweighting decide what the label serves: on a protected label only an admin may (the server checks).
  const routeHint = isAdmin ? undefined : "On a protected label this needs an admin; the server checks";
  const controlStarved = weights[CONTROL_KEY] === 0;
  const previewPromote = actions.previewPromote;
  const contract = useContractCheck(
    e.status === "RUNNING" ? `${id}:${promoteKey}` : null,
    previewPromote ? () => withSignIn(previewPromote)({ project, id, variant: promoteKey }) : null,
  );
  const forcePromote = (contract.check?.breaking.length ?? 0) > 0;
  const running = data.traffic?.status === "running";
  // Starting splits the label's live traffic, and promoting onto a protected label changes what every caller gets: both ask first.
  const [confirming, setConfirming] = useState<"start" | "promote" | null>(null);
  const promoteVariant = e.variants.find((v) => v.key === promoteKey);
  const [reason, setReason] = useState("");
  const promote = () =>
    act(
      () => actions.promote({ project, id, variant: promoteKey, force: forcePromote, ...(labelApproval && reason.trim() ? { reason: reason.trim() } : {}) }),
      (d) =>
        setNotice(
          d.requestId ? (
            <span data-testid="promote-requested">
              &quot;{e.label}&quot; moves only with an approved release request: a request to release {d.version} (variant {d.key}) is waiting in Releases. The
              experiment keeps running until an approver approves it, which ends it and moves the label.{" "}
              <Link className="font-medium underline" href={`/p/${project}/releases/${d.requestId}`} data-testid="promote-request-link">
                Open the request
              </Link>
            </span>
          ) : (
            `Promoted ${d.key}: the "${e.label}" label now serves ${d.version}.`
          ),
        ),
    );

  return (
    <Card className="mb-4 space-y-3 p-4" data-testid="experiment-controls">
      <div className="flex flex-wrap items-center gap-2">
        {e.status === "DRAFT" ? (
          <Button variant="primary" disabled={pending} title={routeHint} onClick={() => setConfirming("start")}>
            Start experiment
          </Button>
        ) : null}
        {e.status === "RUNNING" ? (
          <Button disabled={pending} onClick={() => transition("pause")}>
            Pause
          </Button>
        ) : null}
        {e.status === "PAUSED" ? (
          <Button variant="primary" disabled={pending} title={routeHint} onClick={() => transition("resume")}>
            Resume
          </Button>
        ) : null}
        {e.status === "RUNNING" || e.status === "PAUSED" ? (
          <Button variant="ghost" disabled={pending} onClick={() => transition("complete")}>
            End without promoting
          </Button>
        ) : null}
        {e.status === "RUNNING" ? (
          <span className="ml-auto flex flex-wrap items-center gap-2">
            {data.results.winnerKey ? null : (
              <span className="text-xs text-fg-muted" data-testid="promote-hint">
                No winner yet: promoting now ends the experiment early.
              </span>
            )}
            <label htmlFor="promote-variant" className="text-xs text-fg-muted">
              Promote
            </label>
            <select id="promote-variant" className={inputClass} value={promoteKey} onChange={(ev) => setPromoteKey(ev.target.value)}>
              {e.variants.map((v) => (
                <option key={v.key} value={v.key} disabled={v.paused}>
                  {v.key} · {v.version}
                  {data.results.winnerKey === v.key ? " (winner)" : ""}
                  {v.paused ? " (paused)" : ""}
                </option>
              ))}
            </select>
            <Button
              // Primary only once the statistics name a winner: before that, promoting is a judgement call.
              variant={forcePromote ? "danger" : data.results.winnerKey ? "primary" : "secondary"}
              disabled={pending || contract.loading}
              title={!isAdmin ? "Protected labels need an admin; the server checks" : undefined}
              onClick={() => (labelProtected || labelApproval ? setConfirming("promote") : promote())}
              data-testid="promote-open"
            >
              {labelApproval ? "Request release to" : "Promote to"} {e.label}
              {forcePromote ? " anyway" : ""}
            </Button>
          </span>
        ) : null}
      </div>
      {e.status === "RUNNING" ? <ContractCheckNote {...contract} /> : null}
      <Dialog open={confirming === "start"} onClose={() => setConfirming(null)} title="Start the experiment?" testId="confirm-start">
        <p className="text-sm">
          From now on the <span className="font-mono">{e.label}</span> label&apos;s live traffic is split:{" "}
          {e.variants.map((v) => `${v.key} ${v.version} ${v.weight}%`).join(" / ")}. Callers of the label get the variant they are assigned to until you pause,
          end or promote.
        </p>
        <div className="mt-4 flex justify-end gap-2">
          <Button variant="ghost" onClick={() => setConfirming(null)}>
            Cancel
          </Button>
          <Button
            variant="primary"
            disabled={pending}
            onClick={() => {
              setConfirming(null);
              transition("start");
            }}
          >
            Start now
          </Button>
        </div>
      </Dialog>
      <Dialog
        open={confirming === "promote"}
        onClose={() => setConfirming(null)}
        title={labelApproval ? `Request the release of ${promoteKey} to ${e.label}?` : `Promote to the protected ${e.label} label?`}
        testId="confirm-promote"
      >
        {labelApproval ? (
          <div className="space-y-2 text-sm">
            <p data-testid="promote-approval-note">
              <span className="font-mono">{e.label}</span> moves only with an approved release request ({labelApproval}). Promoting {promoteKey}{" "}
              <span className="font-mono">{promoteVariant?.version ?? ""}</span> opens one with the evidence for the approver; the experiment keeps running
              until it is approved, which ends it and moves the label.
            </p>
            <label htmlFor="promote-reason" className="block text-xs font-medium">
              Reason for the approver (optional: by default it names the experiment and the variant)
            </label>
            <textarea
              id="promote-reason"
              value={reason}
              onChange={(ev) => setReason(ev.target.value)}
              rows={2}
              maxLength={1000}
              className="w-full rounded-md border border-border bg-surface px-2 py-1.5 text-sm"
              data-testid="promote-reason"
            />
          </div>
        ) : (
          <p className="text-sm">
            <span className="font-mono">{e.label}</span> is a protected label: every caller of it gets {promoteKey}{" "}
            <span className="font-mono">{promoteVariant?.version ?? ""}</span> from now on, and the experiment ends.
          </p>
        )}
        {data.results.winnerKey === null ? (
          <p className="mt-2 text-sm text-warning">The statistics name no winner yet: this is a judgement call.</p>
        ) : data.results.winnerKey !== promoteKey ? (
          <p className="mt-2 text-sm text-warning">
            The statistics name {data.results.winnerKey} the winner, not {promoteKey}.
          </p>
        ) : null}
        {forcePromote ? (
          <div className="mt-2">
            <ContractCheckNote {...contract} />
          </div>
        ) : null}
        <div className="mt-4 flex justify-end gap-2">
          <Button variant="ghost" onClick={() => setConfirming(null)}>
            Cancel
          </Button>
          <Button
            variant={forcePromote ? "danger" : "primary"}
            disabled={pending}
            onClick={() => {
              setConfirming(null);
              promote();
            }}
          >
            {labelApproval ? (forcePromote ? "Request anyway" : "Request release") : forcePromote ? "Promote anyway" : "Promote now"}
          </Button>
        </div>
      </Dialog>

      {e.status !== "COMPLETED" ? (
        <div className="flex flex-wrap items-center gap-2 text-sm">
          <span className="text-xs text-fg-muted">Weights</span>
          {e.variants.map((v) => (
            <label key={v.key} className="flex items-center gap-1">
              {v.key}
              <input
                aria-label={`Weight ${v.key}`}
                type="number"
                min={0}
                max={100}
                className={`${inputClass} w-16`}
                value={Number.isFinite(weights[v.key]) ? weights[v.key] : ""}
                onChange={(ev) => setWeights({ ...weights, [v.key]: ev.target.valueAsNumber })}
              />
              %
            </label>
          ))}
          <Button
            size="sm"
            disabled={pending || total !== 100 || controlStarved}
            title={routeHint}
            onClick={() => act(() => actions.setWeights({ project, id, weights }))}
          >
            Change weights
          </Button>
          {total !== 100 ? (
            <span className="text-xs text-danger">Weights must sum to 100 (now {total}).</span>
          ) : controlStarved ? (
            <span className="text-xs text-danger" data-testid="control-weight-error">
              The control ({CONTROL_KEY}) needs a weight of at least 1: with 0 the label would serve other versions under its name.
            </span>
          ) : (
            <span className="text-xs text-fg-muted">Sticky users move only as needed.</span>
          )}
        </div>
      ) : null}

      {e.status === "RUNNING" ? (
        <div className="space-y-2 border-t border-border pt-3" data-testid="send-traffic">
          <div className="flex flex-wrap items-center gap-2 text-sm">
            <span className="text-xs font-medium">Send traffic</span>
            <select aria-label="Traffic inputs" className={inputClass} value={mode} onChange={(ev) => setMode(ev.target.value as TrafficMode)}>
              <option value="generate">Generated inputs (from the variables contract)</option>
              <option value="paste">Pasted inputs (JSON lines or CSV)</option>
              <option value="dataset" disabled={datasets.length === 0}>
                A dataset (each item once){datasets.length === 0 ? " — no datasets yet" : ""}
              </option>
            </select>
            {mode === "dataset" ? (
              <>
                <select aria-label="Dataset" className={inputClass} value={datasetName} onChange={(ev) => setDatasetName(ev.target.value)}>
                  {datasets.map((d) => (
                    <option key={d.name} value={d.name}>
                      {d.name} ({d.itemCount} items, v{d.latestVersion})
                    </option>
                  ))}
                </select>
                <label className="flex items-center gap-1 text-xs">
                  Version{" "}
                  <input
                    aria-label="Dataset version"
                    type="number"
                    min={1}
                    max={chosenDataset?.latestVersion}
                    placeholder={chosenDataset ? `${chosenDataset.latestVersion} (latest)` : "latest"}
                    className={`${inputClass} w-28`}
                    value={datasetVersion}
                    onChange={(ev) => setDatasetVersion(ev.target.value)}
                  />
                </label>
              </>
            ) : null}
            {mode === "generate" ? (
              <label className="flex items-center gap-1 text-xs">
                Calls{" "}
                <input
                  aria-label="Number of calls"
                  type="number"
                  min={1}
                  max={500}
                  className={`${inputClass} w-20`}
                  value={count}
                  onChange={(ev) => setCount(ev.target.valueAsNumber)}
                />
              </label>
            ) : null}
            <Button
              variant="primary"
              size="sm"
              disabled={pending || running}
              onClick={() =>
                act(
                  () =>
                    actions.sendTraffic({
                      project,
                      id,
                      mode,
                      count,
                      inputs,
                      ...(mode === "dataset" ? { dataset: datasetName, ...(datasetVersion ? { datasetVersion: Number(datasetVersion) } : {}) } : {}),
                    }),
                  (p) => setRunId(p.id),
                )
              }
            >
              {running ? "Sending…" : "Send traffic"}
            </Button>
          </div>
          {mode === "paste" ? (
            <textarea
              aria-label="Inputs"
              rows={4}
              value={inputs}
              onChange={(ev) => setInputs(ev.target.value)}
              placeholder={
                '{"question": "How do I reset my password?"}\n{"variables": {"question": "Refund?"}, "subject": "user-42"}\n\nor CSV:\nquestion\nHow do I reset my password?'
              }
              className="block w-full rounded-md border border-border bg-surface px-2.5 py-2 font-mono text-xs focus:border-accent focus:outline-none"
            />
          ) : null}
        </div>
      ) : null}
    </Card>
  );
}
