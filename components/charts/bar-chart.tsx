"use client";

import { Bar, BarChart as RBarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS_COLOR, GRID_COLOR, seriesColor } from "@/components/charts/palette";

export interface BarChartProps {
  title: string;
  data: ReadonlyArray<{ label: string } & Record<string, number | string>>;
  bars: ReadonlyArray<{ key: string; name: string }>;
  format: (v: number) => string;
  stacked?: boolean;
  height?: number;
  testId?: string;
}

/** A presentational bar chart over categories (days, prompts, models), tooltips with units. */
export function BarChart({ title, data, bars, format, stacked = false, height = 220, testId }: BarChartProps) {
  return (
    <figure data-testid={testId} className="rounded-lg border border-border bg-surface p-3">
      <figcaption className="mb-2 text-xs font-medium text-fg">{title}</figcaption>
      {data.length > 0 ? (
        <div style={{ height }}>
          <ResponsiveContainer width="100%" height="100%">
            <RBarChart data={[...data]} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
              <CartesianGrid stroke={GRID_COLOR} strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="label" stroke={AXIS_COLOR} tick={{ fill: AXIS_COLOR, fontSize: 11 }} minTickGap={8} />
              <YAxis tickFormatter={format} stroke={AXIS_COLOR} tick={{ fill: AXIS_COLOR, fontSize: 11 }} width={64} />
              <Tooltip
                formatter={(v, name) => [typeof v === "number" ? format(v) : String(v), name]}
                cursor={{ fill: "rgb(var(--muted))" }}
                contentStyle={{
                  background: "rgb(var(--surface))",
                  border: "1px solid rgb(var(--border))",
                  borderRadius: 6,
                  fontSize: 12,
                  color: "rgb(var(--fg))",
                }}
              />
              {bars.length > 1 ? <Legend wrapperStyle={{ fontSize: 11 }} /> : null}
              {bars.map((b, i) => (
                <Bar key={b.key} dataKey={b.key} name={b.name} fill={seriesColor(i)} stackId={stacked ? "s" : undefined} isAnimationActive={false} />
              ))}
            </RBarChart>
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
