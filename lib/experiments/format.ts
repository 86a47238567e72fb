import { formatMicros } from "@/lib/models/catalog";
import { METRICS, type MetricKey } from "./schemas";

const sign = (v: number) => (v > 0 ? "+" : v < 0 ? "-" : "±");

/** A relative change as a percentage: whole percents from 10% on, one decimal below ("+13%", "-4.2%"). */
export function formatRelative(lift: number): string {
  const pct = Math.abs(lift * 100);
  const text = pct >= 9.95 ? pct.toFixed(0) : pct.toFixed(1);
  return `${Number(text) === 0 ? "±" : sign(lift)}${text}%`;
}

/** A difference between two means (or rates) in the metric's own unit: "+9.5 pts", "-120 ms", "-$0.0004", "+35 chars". */
export function formatDifference(metric: MetricKey, difference: number): string {
  const abs = Math.abs(difference);
  switch (METRICS[metric].unit) {
    case "percent": {
      const text = (abs * 100).toFixed(1);
      return `${Number(text) === 0 ? "±" : sign(difference)}${text} pts`;
    }
    case "usd_micros":
      return `${sign(Math.round(difference))}${formatMicros(Math.round(abs))}`;
    case "ms":
      return `${sign(Math.round(difference))}${Math.round(abs).toLocaleString("en-US")} ms`;
    default:
      return `${sign(Math.round(difference))}${Math.round(abs).toLocaleString("en-US")} chars`;
  }
}

/**
 * A variant's change against the control in absolute and relative terms, so neither reads as the
 * other: "+9.5 pts (+13% relative)" for a rate (points are absolute: 70% -> 79.5%), "-120 ms (-9.5%
 * relative)" for a mean. Without a relative lift (the control's mean is 0) only the difference.
 */
export function formatLift(metric: MetricKey, difference: number, lift: number | null): string {
  const absolute = formatDifference(metric, difference);
  return lift === null || !Number.isFinite(lift) ? absolute : `${absolute} (${formatRelative(lift)} relative)`;
}
