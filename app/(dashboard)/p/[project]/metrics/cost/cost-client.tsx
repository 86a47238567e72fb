"use client";

import { BarChart } from "@/components/charts/bar-chart";
import { Kpi, LoadState, PlaygroundToggle, RangePicker, rangeParams } from "@/components/metrics/filter-bar";
import { useUrlFilters } from "@/components/metrics/use-url-filters";
import { fmtNumber, fmtUsd } from "@/components/metrics/format";
import { toSearch, useMetrics } from "@/components/metrics/use-metrics";
import type { CostMetrics, CostRow, EvalCostSummary } from "@/lib/metrics/queries";
import type { MetricsCsvTable } from "@/lib/metrics/csv";
import { Card } from "@/components/ui";
import { MetricsTableCard } from "@/components/metrics/table-card";

function CostTable({ title, rows, csvHref, testId }: { title: string; rows: readonly CostRow[]; csvHref: string; testId: string }) {
  return (
    <MetricsTableCard title={title} csvHref={csvHref}>
      <table className="w-full text-sm" data-testid={testId}>
        <thead className="text-left text-xxs tracking-wide text-fg-muted uppercase">
          <tr>
            <th className="px-3 py-2">Name</th>
            <th className="px-3 py-2 text-right">Calls</th>
            <th className="px-3 py-2 text-right">Spend</th>
            <th className="px-3 py-2 text-right">Without caching</th>
            <th className="px-3 py-2 text-right">Cache savings</th>
            <th className="px-3 py-2 text-right">Batch savings</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} className="border-t border-border">
              <td className="px-3 py-1.5 font-medium">{r.name}</td>
              <td className="px-3 py-1.5 text-right tabular-nums">{fmtNumber(r.calls)}</td>
              <td className="px-3 py-1.5 text-right tabular-nums">{fmtUsd(r.costMicros)}</td>
              <td className="px-3 py-1.5 text-right tabular-nums">{fmtUsd(r.uncachedCostMicros)}</td>
              <td className="px-3 py-1.5 text-right tabular-nums text-success">{fmtUsd(r.cacheSavingsMicros)}</td>
              <td className="px-3 py-1.5 text-right tabular-nums text-success">{fmtUsd(r.batchSavingsMicros)}</td>
            </tr>
          ))}
          {rows.length === 0 ? (
            <tr>
              <td colSpan={6} className="px-3 py-6 text-center text-fg-muted">
                No calls in this range.
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </MetricsTableCard>
  );
}

/** What evaluations cost, and what the Message Batches discount saved on them. */
function EvaluationsPanel({ evaluations, projectSlug }: { evaluations: EvalCostSummary; projectSlug: string }) {
  const savedPct = evaluations.realtimeCostMicros > 0 ? Math.round((evaluations.batchSavingsMicros / evaluations.realtimeCostMicros) * 100) : 0;
  return (
    <Card className="space-y-3 p-4" data-testid="cost-evaluations">
      <div className="flex flex-wrap items-baseline gap-2">
        <h2 className="text-sm font-semibold">Evaluations</h2>
        <span className="text-xs text-fg-muted">
          {fmtNumber(evaluations.runs)} run{evaluations.runs === 1 ? "" : "s"} started · {fmtNumber(evaluations.calls)} calls (
          {fmtNumber(evaluations.batchCalls)} through the Batch API)
        </span>
        <a href={`/p/${projectSlug}/evals`} className="ml-auto text-xs text-accent hover:underline">
          Evaluations →
        </a>
      </div>
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
        <Kpi testId="kpi-eval-spend" label="Eval spend" value={fmtUsd(evaluations.costMicros)} />
        <Kpi
          testId="kpi-eval-realtime"
          label="At the realtime price"
          value={fmtUsd(evaluations.realtimeCostMicros)}
          hint="the same calls without the batch discount"
        />
        <Kpi
          testId="kpi-eval-batch-savings"
          label="Saved by batch evals"
          value={<span className="text-success">{fmtUsd(evaluations.batchSavingsMicros)}</span>}
          hint={evaluations.realtimeCostMicros > 0 ? `${savedPct}% of the realtime price` : "no eval calls in this range"}
        />
      </div>
    </Card>
  );
}

const fmtShare = (share: number | null) => (share === null ? "–" : `${Math.round(share * 100)}%`);

/**
 * Per prompt: how much traffic nobody waits on, what the batch discount would have saved on the
 * part made one by one (at today's prices), and the savings caching, batch and routing realised.
 */
function LeversPanel({ levers }: { levers: CostMetrics["levers"] }) {
  const t = levers.total;
  return (
    <Card className="space-y-3 p-4" data-testid="cost-levers">
      <div>
        <h2 className="text-sm font-semibold">Cost levers by prompt</h2>
        <p className="text-xs text-fg-muted">
          Non-interactive calls are those nobody waits on: Message Batches calls, evaluations, and calls apps logged without naming a user (ingest without a
          subject). Made one by one, they could have gone through the Batch API at its discount; the saving is priced at today&apos;s prices. Routing saved what
          the calls its rules sent to another model would have cost on the version&apos;s own model, minus what they cost (today&apos;s prices; negative when
          rules pick a dearer model).
        </p>
      </div>
      <div className="grid grid-cols-2 gap-3 md:grid-cols-5">
        <Kpi
          testId="kpi-non-interactive"
          label="Non-interactive calls"
          value={fmtShare(t.nonInteractiveShare)}
          hint={`${fmtNumber(t.nonInteractiveCalls)} of ${fmtNumber(t.calls)} calls`}
        />
        <Kpi
          testId="kpi-batch-would-save"
          label="Batch would have saved"
          value={<span className="text-success">{fmtUsd(t.batchWouldSaveMicros)}</span>}
          hint={`on ${fmtNumber(t.unbatchedCalls)} non-interactive calls made one by one`}
        />
        <Kpi testId="kpi-levers-cache" label="Realised: caching" value={fmtUsd(t.cacheSavingsMicros)} />
        <Kpi testId="kpi-levers-batch" label="Realised: batch" value={fmtUsd(t.batchSavingsMicros)} hint={`${fmtNumber(t.batchedCalls)} batch calls`} />
        <Kpi
          testId="kpi-levers-routing"
          label="Realised: routing"
          value={<Saving micros={t.routingSavingsMicros} />}
          hint={`${fmtNumber(t.routedCalls)} routed calls`}
        />
      </div>
      <div className="overflow-x-auto">
        <table className="w-full text-sm" data-testid="cost-levers-table">
          <thead className="text-left text-xxs tracking-wide text-fg-muted uppercase">
            <tr>
              <th className="px-3 py-2">Prompt</th>
              <th className="px-3 py-2 text-right">Calls</th>
              <th className="px-3 py-2 text-right">Non-interactive</th>
              <th className="px-3 py-2 text-right">Already batched</th>
              <th className="px-3 py-2 text-right">Batch would save</th>
              <th className="px-3 py-2 text-right">Saved by caching</th>
              <th className="px-3 py-2 text-right">Saved by batch</th>
              <th className="px-3 py-2 text-right">Saved by routing</th>
            </tr>
          </thead>
          <tbody>
            {levers.byPrompt.map((r) => (
              <tr key={r.promptId} className="border-t border-border" data-testid="cost-levers-row">
                <td className="px-3 py-1.5 font-medium">{r.name}</td>
                <td className="px-3 py-1.5 text-right tabular-nums">{fmtNumber(r.calls)}</td>
                <td className="px-3 py-1.5 text-right tabular-nums" title={`${fmtNumber(r.nonInteractiveCalls)} calls`}>
                  {fmtShare(r.nonInteractiveShare)} <span className="text-xs text-fg-muted">({fmtNumber(r.nonInteractiveCalls)})</span>
                </td>
                <td className="px-3 py-1.5 text-right tabular-nums">{fmtNumber(r.batchedCalls)}</td>
                <td
                  className="px-3 py-1.5 text-right tabular-nums text-success"
                  title={r.unpricedModels.length > 0 ? `No current price for ${r.unpricedModels.join(", ")}: not counted` : undefined}
                >
                  {fmtUsd(r.batchWouldSaveMicros)}
                  {r.unpricedModels.length > 0 ? " *" : ""}
                </td>
                <td className="px-3 py-1.5 text-right tabular-nums">{fmtUsd(r.cacheSavingsMicros)}</td>
                <td className="px-3 py-1.5 text-right tabular-nums">{fmtUsd(r.batchSavingsMicros)}</td>
                <td
                  className="px-3 py-1.5 text-right tabular-nums"
                  data-testid="cost-levers-routing"
                  title={
                    r.unpricedRoutedModels.length > 0
                      ? `No current price for ${r.unpricedRoutedModels.join(", ")}: not counted`
                      : `${fmtNumber(r.routedCalls)} calls routed to another model`
                  }
                >
                  {r.routedCalls > 0 ? <Saving micros={r.routingSavingsMicros} /> : <span className="text-fg-muted">–</span>}
                  {r.unpricedRoutedModels.length > 0 ? " *" : ""}
                </td>
              </tr>
            ))}
            {levers.byPrompt.length === 0 ? (
              <tr>
                <td colSpan={8} className="px-3 py-6 text-center text-fg-muted">
                  No calls in this range.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

/** A saving in green; a negative one (routing to a dearer model) in red with its sign. */
function Saving({ micros }: { micros: number }) {
  return micros < 0 ? <span className="text-danger">−{fmtUsd(-micros)}</span> : <span className="text-success">{fmtUsd(micros)}</span>;
}

/** "2026-12-03 10:00" from an ISO instant (the window's edges are whole minutes, UTC). */
function fmtWindowEdge(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/** The cost view counts every call unless told otherwise (playground runs are billed too). */
const COST_DEFAULTS = { range: "30d", playground: "include" } as const;

export function CostClient({ projectSlug }: { projectSlug: string }) {
  // Range and playground choice live in the URL (shareable, back/forward, reload).
  const { filters: url, set } = useUrlFilters(COST_DEFAULTS);
  const filters = { ...rangeParams(url.range, url.from, url.to), playground: url.playground };
  const { data, isLoading, error } = useMetrics(projectSlug, "cost", filters);
  const csv = (table: MetricsCsvTable) => `/p/${projectSlug}/metrics/data?${toSearch({ ...filters, view: "cost", format: "csv", table })}`;
  const total = data?.total;
  return (
    <div className="space-y-4" data-testid="cost-view">
      <div className="flex flex-wrap items-center gap-3">
        <RangePicker range={url.range} from={url.from} to={url.to} onChange={set} />
        <PlaygroundToggle playground={url.playground} onChange={(playground) => set({ playground })} />
      </div>
      {data?.window ? (
        <p className="text-xs text-fg-muted" data-testid="cost-window">
          Figures cover {fmtWindowEdge(data.window.from)} to {fmtWindowEdge(data.window.to)} UTC
        </p>
      ) : null}
      <LoadState isLoading={isLoading} error={error} />
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Kpi testId="kpi-spend" label="Spend" value={fmtUsd(total?.costMicros ?? 0)} hint={`${fmtNumber(total?.calls ?? 0)} calls`} />
        <Kpi label="Without prompt caching" value={fmtUsd(total?.uncachedCostMicros ?? 0)} />
        <Kpi testId="kpi-cache-savings" label="Saved by caching" value={fmtUsd(total?.cacheSavingsMicros ?? 0)} />
        <Kpi
          testId="kpi-batch-savings"
          label="Saved by the Batch API"
          value={fmtUsd(total?.batchSavingsMicros ?? 0)}
          hint={`${fmtNumber(total?.batchCalls ?? 0)} batch calls`}
        />
      </div>
      <BarChart
        testId="chart-cost-by-day"
        title="Spend and savings by day (USD, UTC days, each within the window above)"
        data={(data?.byDay ?? []).map((d) => ({ label: d.name.slice(5), spend: d.costMicros, cache: d.cacheSavingsMicros, batch: d.batchSavingsMicros }))}
        bars={[
          { key: "spend", name: "Spend" },
          { key: "cache", name: "Cache savings" },
          { key: "batch", name: "Batch savings" },
        ]}
        format={fmtUsd}
      />
      {data?.levers ? <LeversPanel levers={data.levers} /> : null}
      <div className="grid gap-3 lg:grid-cols-2">
        <CostTable testId="cost-by-prompt" title="By prompt" rows={data?.byPrompt ?? []} csvHref={csv("prompt")} />
        <CostTable testId="cost-by-model" title="By model" rows={data?.byModel ?? []} csvHref={csv("model")} />
      </div>
      <div className="grid gap-3 lg:grid-cols-2">
        <CostTable testId="cost-by-source" title="By source" rows={data?.bySource ?? []} csvHref={csv("source")} />
        {data?.evaluations ? <EvaluationsPanel evaluations={data.evaluations} projectSlug={projectSlug} /> : null}
      </div>
      <CostTable testId="cost-by-day" title="By day" rows={data?.byDay ?? []} csvHref={csv("day")} />
    </div>
  );
}
