"use client";

import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS_COLOR, GRID_COLOR, seriesColor } from "@/components/charts/palette";
import { distinctYTicks, layoutMarkers, timeTicks } from "@/lib/metrics/chart-axes";

export interface ChartSeries {
  key: string;
  name: string;
}

export interface ChartMarker {
  t: number;
  label: string;
}

export interface TimeSeriesChartProps {
  title: string;
  /** Rows `{ t, [series.key]: value | null }`, ready to plot. */
  data: ReadonlyArray<{ t: number } & Record<string, number | null>>;
  series: readonly ChartSeries[];
  /** Formats a value with its unit (axis ticks and tooltip). */
  format: (v: number) => string;
  formatTime: (t: number) => string;
  markers?: readonly ChartMarker[];
  /** The data's bucket size in ms (time ticks are never finer); default the smallest gap between points. */
  bucketMs?: number;
  height?: number;
  testId?: string;
}

const MARKER_ROW_PX = 12;

/** The smallest gap between consecutive times (a minute when there is one point). */
function smallestGap(times: readonly number[]): number {
  let gap = Infinity;
  for (let i = 1; i < times.length; i++) gap = Math.min(gap, (times[i] ?? 0) - (times[i - 1] ?? 0));
  return Number.isFinite(gap) && gap > 0 ? gap : 60_000;
}

/**
 * A presentational line chart on a time axis (ticks on round times, never finer than a bucket):
 * one line per series, y ticks whose labels all differ (`distinctYTicks`), vertical release
 * markers whose labels are staggered or merged so they never overlap (`layoutMarkers`), tooltips
 * with units.
 */
export function TimeSeriesChart({ title, data, series, format, formatTime, markers = [], bucketMs, height = 200, testId }: TimeSeriesChartProps) {
  const hasData = data.some((row) => series.some((s) => row[s.key] !== null && row[s.key] !== undefined));
  const max = Math.max(0, ...data.flatMap((row) => series.map((s) => row[s.key] ?? 0)));
  // All zeros (e.g. no errors at all) still get an axis: 0 and one step above it.
  const yTicks = distinctYTicks(max, format);
  // Room for the longest tick label (e.g. "$0.000350"), so labels are never cut at the left edge.
  const longestTick = Math.max(...yTicks.map((t) => format(t).length));
  const yAxisWidth = Math.min(120, Math.max(48, Math.ceil(longestTick * 7) + 18));
  const times = data.map((row) => row.t).sort((a, b) => a - b);
  const tMin = times[0] ?? 0;
  const tMax = times[times.length - 1] ?? 0;
  const xTicks = timeTicks(tMin, tMax, bucketMs ?? smallestGap(times));
  const placed = layoutMarkers(markers, tMin, tMax);
  return (
    <figure data-testid={testId} className="rounded-lg border border-border bg-surface p-3">
      <figcaption className="mb-2 text-xs font-medium text-fg">{title}</figcaption>
      {hasData ? (
        <div style={{ height }}>
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={[...data]} margin={{ top: 14, right: 12, bottom: 0, left: 0 }}>
              <CartesianGrid stroke={GRID_COLOR} strokeDasharray="3 3" vertical={false} />
              <XAxis
                dataKey="t"
                type="number"
                scale="time"
                domain={[tMin, tMax]}
                ticks={xTicks}
                tickFormatter={formatTime}
                stroke={AXIS_COLOR}
                tick={{ fill: AXIS_COLOR, fontSize: 11 }}
                minTickGap={24}
              />
              <YAxis
                domain={[0, yTicks[yTicks.length - 1] ?? 1]}
                ticks={yTicks}
                interval={0}
                tickFormatter={format}
                stroke={AXIS_COLOR}
                tick={{ fill: AXIS_COLOR, fontSize: 11 }}
                width={yAxisWidth}
              />
              <Tooltip
                labelFormatter={(t) => `${formatTime(Number(t))} UTC`}
                formatter={(v, name) => [typeof v === "number" ? format(v) : String(v), name]}
                contentStyle={{
                  background: "rgb(var(--surface))",
                  border: "1px solid rgb(var(--border))",
                  borderRadius: 6,
                  fontSize: 12,
                  color: "rgb(var(--fg))",
                }}
                labelStyle={{ color: "rgb(var(--fg-muted))" }}
              />
              {series.length > 1 ? <Legend wrapperStyle={{ fontSize: 11 }} /> : null}
              {placed.map((m, i) => (
                <ReferenceLine
                  key={`${m.t}-${i}`}
                  x={m.t}
                  stroke="rgb(var(--warning))"
                  strokeDasharray="4 2"
                  label={
                    m.label
                      ? (props: { viewBox?: { x?: number; y?: number } }) => (
                          <text
                            x={(props.viewBox?.x ?? 0) - 3}
                            y={(props.viewBox?.y ?? 0) + 10 + m.row * MARKER_ROW_PX}
                            textAnchor="end"
                            fill="rgb(var(--warning))"
                            fontSize={10}
                            className="recharts-label"
                            data-testid="release-marker-label"
                            data-row={m.row}
                          >
                            {m.label}
                          </text>
                        )
                      : undefined
                  }
                  className="release-marker"
                />
              ))}
              {series.map((s, i) => (
                <Line
                  key={s.key}
                  type="linear"
                  dataKey={s.key}
                  name={s.name}
                  stroke={seriesColor(i)}
                  strokeWidth={1.8}
                  dot={data.length <= 60 ? { r: 2, strokeWidth: 0, fill: seriesColor(i) } : false}
                  connectNulls
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
      ) : (
        <div className="flex items-center justify-center text-xs text-fg-muted" style={{ height }}>
          No data in this range
        </div>
      )}
    </figure>
  );
}
