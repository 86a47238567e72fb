"use client";

import type { ReactNode } from "react";
import { cx } from "@/components/ui";

export const RANGE_OPTIONS = ["1h", "24h", "7d", "30d", "custom"] as const;

const selectClass = "h-8 rounded-md border border-border bg-surface px-2 text-sm text-fg focus:border-accent focus:outline-none";

/** Range buttons (1h, 24h, 7d, 30d, custom with from/to) plus any extra filter controls. */
export function RangePicker({
  range,
  from,
  to,
  onChange,
}: {
  range: string;
  from?: string;
  to?: string;
  onChange: (next: { range: string; from?: string; to?: string }) => void;
}) {
  return (
    <div className="flex flex-wrap items-center gap-2">
      <div role="group" aria-label="Time range" className="inline-flex overflow-hidden rounded-md border border-border">
        {RANGE_OPTIONS.map((r) => (
          <button
            key={r}
            type="button"
            data-testid={`range-${r}`}
            aria-pressed={range === r}
            onClick={() =>
              onChange(r === "custom" ? { range: r, from: from ?? new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 16), to } : { range: r })
            }
            className={cx("h-8 px-2.5 text-xs font-medium", range === r ? "bg-accent text-accent-fg" : "bg-surface text-fg-muted hover:bg-muted")}
          >
            {r}
          </button>
        ))}
      </div>
      {range === "custom" ? (
        <>
          <label className="text-xs text-fg-muted">
            From (UTC){" "}
            <input
              type="datetime-local"
              className={selectClass}
              value={(from ?? "").slice(0, 16)}
              onChange={(e) => onChange({ range, from: e.target.value, to })}
            />
          </label>
          <label className="text-xs text-fg-muted">
            To{" "}
            <input
              type="datetime-local"
              className={selectClass}
              value={(to ?? "").slice(0, 16)}
              onChange={(e) => onChange({ range, from, to: e.target.value || undefined })}
            />
          </label>
        </>
      ) : null}
    </div>
  );
}

export function FilterSelect({
  label,
  value,
  options,
  onChange,
  testId,
}: {
  label: string;
  value: string;
  options: ReadonlyArray<{ value: string; label: string }>;
  onChange: (v: string) => void;
  testId?: string;
}) {
  return (
    <label className="flex items-center gap-1.5 text-xs text-fg-muted">
      {label}
      <select data-testid={testId} className={selectClass} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">All</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The custom range inputs give local "YYYY-MM-DDTHH:mm" read as UTC; the API wants ISO with offset. */
export function rangeParams(range: string, from?: string, to?: string): Record<string, string | undefined> {
  if (range !== "custom") return { range };
  const iso = (v?: string) => (v ? (v.length === 16 ? `${v}:00Z` : v) : undefined);
  return { range, from: iso(from), to: iso(to) };
}

export function Kpi({ label, value, hint, testId }: { label: string; value: ReactNode; hint?: ReactNode; testId?: string }) {
  return (
    <div data-testid={testId} className="rounded-lg border border-border bg-surface px-3 py-2.5">
      <div className="text-xxs font-medium tracking-wide text-fg-muted uppercase">{label}</div>
      <div className="mt-0.5 text-lg font-semibold tabular-nums">{value}</div>
      {hint ? <div className="text-xxs text-fg-muted">{hint}</div> : null}
    </div>
  );
}

export function LoadState({ isLoading, error }: { isLoading: boolean; error: Error | null }) {
  if (error) return <div className="rounded-md border border-danger/30 bg-danger/10 px-3 py-2 text-sm text-danger">{error.message}</div>;
  if (isLoading)
    return (
      <div className="text-xs text-fg-muted" aria-live="polite">
        Loading…
      </div>
    );
  return null;
}

/**
 * "Include playground calls": people trying prompts by hand are left out of the dashboards' charts
 * and totals unless asked for. Disabled (and moot) while a source filter is chosen.
 */
export function PlaygroundToggle({
  playground,
  onChange,
  disabled,
}: {
  playground: string;
  onChange: (next: "include" | "exclude") => void;
  disabled?: boolean;
}) {
  return (
    <label
      className={cx("flex items-center gap-1.5 text-xs", disabled ? "text-fg-muted/60" : "text-fg-muted")}
      title={disabled ? "A source filter is chosen: it decides which calls count" : "Playground runs are people trying prompts by hand"}
    >
      <input
        type="checkbox"
        data-testid="include-playground"
        className="accent-accent"
        checked={playground === "include"}
        disabled={disabled}
        onChange={(e) => onChange(e.target.checked ? "include" : "exclude")}
      />
      Include playground calls
    </label>
  );
}

/** The routing-rule filter: calls a rule of the versions' model routing sent ("default": no rule matched). */
export function RuleFilter({ rules, value, onChange }: { rules: readonly string[]; value: string; onChange: (v: string) => void }) {
  const options = (value && !rules.includes(value) ? [...rules, value] : rules).map((r) => ({
    value: r,
    label: r === "default" ? "default (no rule matched)" : r,
  }));
  return <FilterSelect testId="filter-rule" label="Routing rule" value={value} onChange={onChange} options={options} />;
}
