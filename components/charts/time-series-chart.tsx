"use client";

import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS_COLOR, GRID_COLOR, seriesColor } from "@/components/charts/palette";

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
  height?: number;
  testId?: string;
}

/** A presentational line chart: one line per series, vertical release markers, tooltips with units. */
export function TimeSeriesChart({ title, data, series, format, formatTime, markers = [], height = 200, testId }: TimeSeriesChartProps) {
  const hasData = data.some((row) => series.some((s) => row[s.key] !== null && row[s.key] !== undefined));
  // All zeros (e.g. no errors at all): Recharts would invent a 0-4 axis (0-400% for rates).
  const allZero = hasData && data.every((row) => series.every((s) => !row[s.key]));
  // Room for the longest tick label (e.g. "$0.000350"), so labels are never cut at the left edge.
  const max = Math.max(0, ...data.flatMap((row) => series.map((s) => row[s.key] ?? 0)));
  // Recharts rounds the top tick up (1,900 -> 2,000), hence the 1.25.
  const longestTick = Math.max(...[1.25, 1, 0.75, 0.5, 0.35, 0.25].map((k) => format(max * k).length));
  const yAxisWidth = Math.min(120, Math.max(48, Math.ceil(longestTick * 7) + 18));
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
                domain={["dataMin", "dataMax"]}
                tickFormatter={formatTime}
                stroke={AXIS_COLOR}
                tick={{ fill: AXIS_COLOR, fontSize: 11 }}
                minTickGap={24}
              />
              <YAxis
                domain={allZero ? [0, 1] : [0, "auto"]}
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
              {markers.map((m, i) => (
                <ReferenceLine
                  key={`${m.t}-${i}`}
                  x={m.t}
                  stroke="rgb(var(--warning))"
                  strokeDasharray="4 2"
                  label={{ value: m.label, position: "insideTopRight", fill: "rgb(var(--warning))", fontSize: 10 }}
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
