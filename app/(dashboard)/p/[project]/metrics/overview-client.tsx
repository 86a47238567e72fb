"use client";

import Link from "next/link";
import { TimeSeriesChart } from "@/components/charts/time-series-chart";
import { Kpi, LoadState, PlaygroundToggle, RangePicker, RuleFilter, rangeParams } from "@/components/metrics/filter-bar";
import { useUrlFilters } from "@/components/metrics/use-url-filters";
import { fmtBucket, fmtBucketTime, fmtMs, fmtNumber, fmtPercent, fmtUsd } from "@/components/metrics/format";
import { toSearch, useMetrics } from "@/components/metrics/use-metrics";
import { toChartRows } from "@/lib/metrics/series";
import { MetricsTableCard } from "@/components/metrics/table-card";

/** `rules`: the routing rule names of the project's versions ("default" last), the rule filter's choices. */
export function OverviewClient({ projectSlug, rules }: { projectSlug: string; rules: readonly string[] }) {
  // Range, playground choice and rule live in the URL (shareable, back/forward, reload).
  const { filters: url, set } = useUrlFilters();
  const rule = url.rule ?? "";
  const filters = { ...rangeParams(url.range, url.from, url.to), playground: url.playground, rule };
  const { data, isLoading, error, isFetching } = useMetrics(projectSlug, "overview", filters);
  const total = data?.total ?? null;
  const bucket = data?.window.bucketMinutes ?? 60;
  const series = data ? [{ key: "all", points: data.points }] : [];
  const buckets = data?.buckets ?? [];
  return (
    <div className="space-y-4" data-testid="metrics-overview">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="flex flex-wrap items-center gap-3">
          <RangePicker range={url.range} from={url.from} to={url.to} onChange={set} />
          <PlaygroundToggle playground={url.playground} onChange={(playground) => set({ playground })} />
          {rules.length > 0 || rule ? <RuleFilter rules={rules} value={rule} onChange={(v) => set({ rule: v })} /> : null}
        </div>
        <span className="text-xxs text-fg-muted" data-testid="metrics-window">
          {isFetching ? "Updating…" : data ? `${data.window.from.slice(0, 16)} → ${data.window.to.slice(0, 16)} UTC · ${fmtBucket(bucket)} buckets` : null}
        </span>
      </div>
      <LoadState isLoading={isLoading} error={error} />
      <div className="grid grid-cols-2 gap-3 md:grid-cols-5">
        <Kpi testId="kpi-calls" label="Calls" value={fmtNumber(total?.calls ?? 0)} />
        <Kpi testId="kpi-spend" label="Spend" value={fmtUsd(total?.costMicros ?? 0)} />
        <Kpi testId="kpi-error-rate" label="Error rate" value={fmtPercent(total?.errorRate)} />
        <Kpi testId="kpi-p95" label="p95 latency" value={fmtMs(total?.latencyP95Ms)} />
        <Kpi
          testId="kpi-cache-savings"
          label="Cache savings"
          value={fmtUsd(total?.cacheSavingsMicros ?? 0)}
          hint={total ? `${fmtPercent(total.cacheHitRate)} of input tokens cached` : undefined}
        />
      </div>
      <div className="grid gap-3 md:grid-cols-2">
        <TimeSeriesChart
          testId="chart-overview-calls"
          title="Calls"
          data={toChartRows(buckets, series, (m) => m.calls)}
          series={[{ key: "all", name: "Calls" }]}
          format={(v) => fmtNumber(v)}
          formatTime={(t) => fmtBucketTime(t, bucket)}
          bucketMs={bucket * 60_000}
        />
        <TimeSeriesChart
          testId="chart-overview-spend"
          title="Spend (USD)"
          data={toChartRows(buckets, series, (m) => m.costMicros)}
          series={[{ key: "all", name: "Spend" }]}
          format={fmtUsd}
          formatTime={(t) => fmtBucketTime(t, bucket)}
          bucketMs={bucket * 60_000}
        />
        <TimeSeriesChart
          testId="chart-overview-errors"
          title="Error rate (%)"
          data={toChartRows(buckets, series, (m) => m.errorRate, 100)}
          series={[{ key: "all", name: "Error rate" }]}
          format={(v) => `${v.toFixed(1)}%`}
          formatTime={(t) => fmtBucketTime(t, bucket)}
          bucketMs={bucket * 60_000}
        />
        <TimeSeriesChart
          testId="chart-overview-p95"
          title="Latency p95 (ms)"
          data={toChartRows(buckets, series, (m) => m.latencyP95Ms)}
          series={[{ key: "all", name: "p95" }]}
          format={fmtMs}
          formatTime={(t) => fmtBucketTime(t, bucket)}
          bucketMs={bucket * 60_000}
        />
      </div>
      <MetricsTableCard title="By prompt" csvHref={`/p/${projectSlug}/metrics/data?${toSearch({ ...filters, view: "overview", format: "csv" })}`}>
        <table className="w-full text-sm" data-testid="overview-by-prompt">
          <thead className="text-left text-xxs tracking-wide text-fg-muted uppercase">
            <tr>
              <th className="px-3 py-2">Prompt</th>
              <th className="px-3 py-2 text-right">Calls</th>
              <th className="px-3 py-2 text-right">Spend</th>
              <th className="px-3 py-2 text-right">Error rate</th>
              <th className="px-3 py-2 text-right">p95 latency</th>
              <th className="px-3 py-2 text-right">Cache savings</th>
              <th className="px-3 py-2 text-right">Accuracy</th>
            </tr>
          </thead>
          <tbody>
            {(data?.byPrompt ?? []).map((r) => (
              <tr key={r.promptId} className="border-t border-border">
                <td className="px-3 py-1.5">
                  <Link className="font-medium text-accent hover:underline" href={`/p/${projectSlug}/metrics/prompts/${encodeURIComponent(r.prompt)}`}>
                    {r.prompt}
                  </Link>
                </td>
                <td className="px-3 py-1.5 text-right tabular-nums">{fmtNumber(r.metrics.calls)}</td>
                <td className="px-3 py-1.5 text-right tabular-nums">{fmtUsd(r.metrics.costMicros)}</td>
                <td className="px-3 py-1.5 text-right tabular-nums">{fmtPercent(r.metrics.errorRate)}</td>
                <td className="px-3 py-1.5 text-right tabular-nums">{fmtMs(r.metrics.latencyP95Ms)}</td>
                <td className="px-3 py-1.5 text-right tabular-nums">{fmtUsd(r.metrics.cacheSavingsMicros)}</td>
                <td className="px-3 py-1.5 text-right tabular-nums">{fmtPercent(r.metrics.accuracy)}</td>
              </tr>
            ))}
            {data && data.byPrompt.length === 0 ? (
              <tr>
                <td colSpan={7} className="px-3 py-6 text-center text-sm text-fg-muted" data-testid="metrics-empty">
                  No calls in this range{url.playground === "exclude" ? " (playground calls are left out)" : ""}. Apps log calls through{" "}
                  <code className="font-mono">POST /api/v1/prompts/&#123;name&#125;/run</code> or <code className="font-mono">POST /api/v1/calls</code>.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </MetricsTableCard>
    </div>
  );
}
