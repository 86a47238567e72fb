"use client";

import { TimeSeriesChart, type ChartMarker } from "@/components/charts/time-series-chart";
import { FilterSelect, LoadState, PlaygroundToggle, RangePicker, RuleFilter, rangeParams } from "@/components/metrics/filter-bar";
import { useUrlFilters } from "@/components/metrics/use-url-filters";
import { fmtBucket, fmtBucketTime, fmtChange, fmtMs, fmtNumber, fmtPercent, fmtUsd } from "@/components/metrics/format";
import { toSearch, useMetrics } from "@/components/metrics/use-metrics";
import { SOURCES } from "@/lib/metrics/window";
import { toChartRows } from "@/lib/metrics/series";
import type { DerivedMetrics } from "@/lib/metrics/aggregate";
import { cx } from "@/components/ui";
import { MetricsTableCard } from "@/components/metrics/table-card";

interface ChartDef {
  id: string;
  title: string;
  pick: (m: DerivedMetrics) => number | null;
  scale?: number;
  format: (v: number) => string;
}

const pct = (v: number) => `${v.toFixed(1)}%`;
const CHARTS: ChartDef[] = [
  { id: "accuracy", title: "Accuracy (% correct of scored calls)", pick: (m) => m.accuracy, scale: 100, format: pct },
  { id: "refusal-rate", title: "Refusal rate (%)", pick: (m) => m.refusalRate, scale: 100, format: pct },
  { id: "error-rate", title: "Error rate (%)", pick: (m) => m.errorRate, scale: 100, format: pct },
  { id: "output-length", title: "Average output length (characters)", pick: (m) => m.avgOutputChars, format: (v) => `${fmtNumber(v)} ch` },
  { id: "latency-p50", title: "Latency p50 (ms)", pick: (m) => m.latencyP50Ms, format: fmtMs },
  { id: "latency-p95", title: "Latency p95 (ms)", pick: (m) => m.latencyP95Ms, format: fmtMs },
  { id: "latency-p99", title: "Latency p99 (ms)", pick: (m) => m.latencyP99Ms, format: fmtMs },
  { id: "cost-per-call", title: "Cost per call (USD)", pick: (m) => m.costPerCallMicros, format: fmtUsd },
  { id: "cache-hit-rate", title: "Cache hit rate (% of input tokens read from cache)", pick: (m) => m.cacheHitRate, scale: 100, format: pct },
  {
    id: "input-tokens",
    title: "Input tokens per call (incl. cache reads and writes)",
    pick: (m) => m.avgTotalInputTokens,
    format: (v) => `${fmtNumber(v)} tok`,
  },
  { id: "output-tokens", title: "Output tokens per call", pick: (m) => m.avgOutputTokens, format: (v) => `${fmtNumber(v)} tok` },
  { id: "calls", title: "Calls", pick: (m) => m.calls, format: (v) => fmtNumber(v) },
];

const MODELS = [
  "claude-opus-5-5",
  "claude-sonnet-5-5",
  "claude-haiku-5-5",
  "claude-opus-5",
  "claude-sonnet-5",
  "claude-sonnet-4-6",
  "claude-haiku-4-5-20251001",
];

function ChangeCell({ value, higherIsBetter }: { value: number | null | undefined; higherIsBetter?: boolean }) {
  if (value === null || value === undefined) return <span className="text-fg-muted">–</span>;
  const good = higherIsBetter === undefined ? null : higherIsBetter ? value > 0 : value < 0;
  return <span className={cx("text-xxs", good === null ? "text-fg-muted" : good ? "text-success" : "text-danger")}>{fmtChange(value)}</span>;
}

/** `rules`: the routing rule names of the prompt's versions ("default" last), the rule filter's choices. */
export function PromptMetricsClient({ projectSlug, prompt, rules }: { projectSlug: string; prompt: string; rules: readonly string[] }) {
  // Range and filters live in the URL (shareable, back/forward, reload).
  const { filters: url, set } = useUrlFilters();
  const { label = "", model = "", rule = "", source = "", bucket = "" } = url;
  const filters = { prompt, ...rangeParams(url.range, url.from, url.to), label, model, rule, source, bucket, playground: url.playground };
  const { data, isLoading, error, isFetching } = useMetrics(projectSlug, "prompt", filters);
  const bucketMinutes = data?.window.bucketMinutes ?? 60;
  const series = (data?.series ?? []).map((s) => ({ key: s.versionId, name: `v${s.version}`, points: s.points }));
  // A marker sits on the bucket its label move falls in (the x axis runs over bucket starts).
  const bucketMs = bucketMinutes * 60_000;
  const markers = releaseMarkers(data?.releases ?? [], data?.rollouts ?? [], bucketMs);
  const labels = Array.from(new Set((data?.releases ?? []).map((r) => r.label).concat(["production", "staging"])));
  return (
    <div className="space-y-4" data-testid="prompt-metrics">
      <div className="flex flex-wrap items-center gap-3">
        <RangePicker range={url.range} from={url.from} to={url.to} onChange={set} />
        <FilterSelect
          testId="filter-label"
          label="Label"
          value={label}
          onChange={(v) => set({ label: v })}
          options={labels.map((l) => ({ value: l, label: l }))}
        />
        <FilterSelect
          testId="filter-model"
          label="Model"
          value={model}
          onChange={(v) => set({ model: v })}
          options={MODELS.map((m) => ({ value: m, label: m }))}
        />
        {rules.length > 0 || rule ? <RuleFilter rules={rules} value={rule} onChange={(v) => set({ rule: v })} /> : null}
        <FilterSelect
          testId="filter-source"
          label="Source"
          value={source}
          onChange={(v) => set({ source: v })}
          options={SOURCES.map((s) => ({ value: s, label: s === "eval" ? "evaluation" : s }))}
        />
        <FilterSelect
          testId="filter-bucket"
          label="Bucket"
          value={bucket}
          onChange={(v) => set({ bucket: v })}
          options={["1m", "5m", "15m", "1h", "6h", "1d"].map((b) => ({ value: b, label: b }))}
        />
        <PlaygroundToggle playground={url.playground} disabled={source !== ""} onChange={(playground) => set({ playground })} />
        <span className="ml-auto text-xxs text-fg-muted" data-testid="metrics-window">
          {isFetching ? "Updating…" : data ? `${fmtBucket(bucketMinutes)} buckets, UTC` : null}
        </span>
      </div>
      <LoadState isLoading={isLoading} error={error} />
      {data && data.releases.length > 0 ? (
        <ul className="flex flex-wrap gap-2 text-xxs text-fg-muted" data-testid="release-list">
          {data.releases.map((r) => (
            <li key={`${r.at}-${r.label}`} className="rounded border border-warning/30 bg-warning/10 px-1.5 py-0.5 text-warning" data-testid="release-marker">
              {r.at.slice(0, 16).replace("T", " ")} {r.label}: {r.fromVersion ?? "∅"} → {r.toVersion}
            </li>
          ))}
        </ul>
      ) : null}
      {data && data.rollouts.length > 0 ? (
        <ul className="flex flex-wrap gap-2 text-xxs" data-testid="rollout-marker-list">
          {data.rollouts.map((r) => (
            <li
              key={`${r.at}-${r.kind}`}
              className={cx(
                "rounded border px-1.5 py-0.5",
                r.kind === "rolled_back" ? "border-danger/30 bg-danger/10 text-danger" : "border-accent/30 bg-accent/10 text-accent",
              )}
              data-testid="rollout-marker"
              data-kind={r.kind}
            >
              {r.at.slice(0, 16).replace("T", " ")} {rolloutMarkerText(r)}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="grid gap-3 md:grid-cols-2">
        {CHARTS.map((c) => (
          <TimeSeriesChart
            key={c.id}
            testId={`chart-${c.id}`}
            title={c.title}
            data={data ? toChartRows(data.buckets, series, c.pick, c.scale ?? 1) : []}
            series={series}
            format={c.format}
            formatTime={(t) => fmtBucketTime(t, bucketMinutes)}
            bucketMs={bucketMinutes * 60_000}
            markers={markers}
          />
        ))}
      </div>
      <MetricsTableCard
        title="Versions in this range"
        csvHref={`/p/${projectSlug}/metrics/data?${toSearch({ ...filters, view: "prompt", format: "csv" })}`}
        csvTestId="csv-export"
      >
        <table className="w-full text-sm" data-testid="version-table">
          <thead className="text-left text-xxs tracking-wide text-fg-muted uppercase">
            <tr>
              <th className="px-3 py-2">Version</th>
              <th className="px-3 py-2 text-right">Calls</th>
              <th className="px-3 py-2 text-right">Accuracy</th>
              <th className="px-3 py-2 text-right">Errors</th>
              <th className="px-3 py-2 text-right">Refusals</th>
              <th className="px-3 py-2 text-right">Avg output</th>
              <th className="px-3 py-2 text-right">p50 / p95 / p99</th>
              <th className="px-3 py-2 text-right">Cost / call</th>
              <th className="px-3 py-2 text-right">Cache hits</th>
              <th className="px-3 py-2 text-right" title="Input includes cache reads and writes">
                Tokens in (all) / out
              </th>
            </tr>
          </thead>
          <tbody>
            {(data?.table ?? []).map((r) => (
              <tr key={r.versionId} className="border-t border-border align-top" data-testid={`version-row-${r.version}`}>
                <td className="px-3 py-1.5 font-medium">
                  v{r.version}
                  {r.previousVersion ? <div className="text-xxs font-normal text-fg-muted">vs v{r.previousVersion}</div> : null}
                </td>
                <td className="px-3 py-1.5 text-right tabular-nums">
                  {fmtNumber(r.metrics.calls)}
                  <div>
                    <ChangeCell value={r.change.calls} />
                  </div>
                </td>
                <td className="px-3 py-1.5 text-right tabular-nums">
                  {fmtPercent(r.metrics.accuracy)} <span className="text-xxs text-fg-muted">({r.metrics.scored})</span>
                  <div>
                    <ChangeCell value={r.change.accuracy} higherIsBetter />
                  </div>
                </td>
                <td className="px-3 py-1.5 text-right tabular-nums">
                  {fmtPercent(r.metrics.errorRate)}
                  <div>
                    <ChangeCell value={r.change.errorRate} higherIsBetter={false} />
                  </div>
                </td>
                <td className="px-3 py-1.5 text-right tabular-nums">
                  {fmtPercent(r.metrics.refusalRate)}
                  <div>
                    <ChangeCell value={r.change.refusalRate} higherIsBetter={false} />
                  </div>
                </td>
                <td className="px-3 py-1.5 text-right tabular-nums">
                  {fmtNumber(r.metrics.avgOutputChars)} ch
                  <div>
                    <ChangeCell value={r.change.avgOutputChars} />
                  </div>
                </td>
                <td className="px-3 py-1.5 text-right tabular-nums">
                  {fmtMs(r.metrics.latencyP50Ms)} / {fmtMs(r.metrics.latencyP95Ms)} / {fmtMs(r.metrics.latencyP99Ms)}
                  <div>
                    <ChangeCell value={r.change.latencyP95Ms} higherIsBetter={false} />
                  </div>
                </td>
                <td className="px-3 py-1.5 text-right tabular-nums">
                  {fmtUsd(r.metrics.costPerCallMicros)}
                  <div>
                    <ChangeCell value={r.change.costPerCallMicros} higherIsBetter={false} />
                  </div>
                </td>
                <td className="px-3 py-1.5 text-right tabular-nums">
                  {fmtPercent(r.metrics.cacheHitRate)}
                  <div>
                    <ChangeCell value={r.change.cacheHitRate} higherIsBetter />
                  </div>
                </td>
                <td className="px-3 py-1.5 text-right tabular-nums">
                  {fmtNumber(r.metrics.avgTotalInputTokens)} / {fmtNumber(r.metrics.avgOutputTokens)}
                </td>
              </tr>
            ))}
            {data && data.table.length === 0 ? (
              <tr>
                <td colSpan={10} className="px-3 py-6 text-center text-sm text-fg-muted">
                  No calls for these filters{url.playground === "exclude" && !source ? " (playground calls are left out)" : ""}.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </MetricsTableCard>
    </div>
  );
}

/**
 * One chart marker per bucket: releases (and canary rollout steps) in the same bucket share it (overlapping labels are
 * unreadable), and successive moves of one label read as a chain ("production → 1.0.0 → 1.1.0").
 */
function releaseMarkers(
  releases: ReadonlyArray<{ at: string; label: string; toVersion: string }>,
  rollouts: ReadonlyArray<{ at: string; label: string; kind: string; percent: number; toVersion: string }>,
  bucketMs: number,
): ChartMarker[] {
  const byBucket = new Map<number, { chains: Map<string, string[]>; canary: string[] }>();
  const bucket = (at: string) => {
    const t = Math.floor(Date.parse(at) / bucketMs) * bucketMs;
    const entry = byBucket.get(t) ?? { chains: new Map<string, string[]>(), canary: [] };
    byBucket.set(t, entry);
    return entry;
  };
  for (const r of [...releases].sort((a, b) => a.at.localeCompare(b.at))) {
    const { chains } = bucket(r.at);
    chains.set(r.label, [...(chains.get(r.label) ?? []), r.toVersion]);
  }
  // Canary rollouts: each step change, a rollback, the completion (beside its label move).
  for (const r of [...rollouts].sort((a, b) => a.at.localeCompare(b.at))) bucket(r.at).canary.push(rolloutMarkerText(r));
  return [...byBucket]
    .sort(([a], [b]) => a - b)
    .map(([t, { chains, canary }]) => ({
      t,
      label: [...[...chains].map(([label, versions]) => [label, ...versions].join(" → ")), ...canary].join(" · "),
    }));
}

/** "canary v1.3.0 25%", "rollback v1.3.0", "canary v1.3.0 done". */
function rolloutMarkerText(r: { kind: string; percent: number; toVersion: string }): string {
  if (r.kind === "rolled_back") return `rollback v${r.toVersion}`;
  if (r.kind === "aborted") return `canary v${r.toVersion} aborted`;
  if (r.kind === "completed") return `canary v${r.toVersion} done`;
  return `canary v${r.toVersion} ${r.percent}%`;
}
