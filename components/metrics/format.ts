/** Display formats for metric values (all inputs may be null = no data). */
export const DASH = "–";

export function fmtPercent(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined ? DASH : `${(v * 100).toFixed(digits)}%`;
}

export function fmtMs(v: number | null | undefined): string {
  if (v === null || v === undefined) return DASH;
  return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
}

export function fmtNumber(v: number | null | undefined, digits = 0): string {
  return v === null || v === undefined ? DASH : v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/**
 * Micro-dollars as dollars: $0.00123 for small amounts, $0.025 / $0.10 under a dollar (tenths of
 * a cent kept, so chart ticks like 0.025 and 0.075 do not read as $0.03 and $0.07), $12.34 up to
 * $100, whole dollars above.
 */
export function fmtUsd(micros: number | null | undefined): string {
  if (micros === null || micros === undefined) return DASH;
  const d = micros / 1_000_000;
  if (d === 0) return "$0";
  if (Math.abs(d) < 0.01) return `$${d.toPrecision(3)}`;
  if (Math.abs(d) < 1) return `$${d.toFixed(3).replace(/(\.\d\d)0$/, "$1")}`;
  if (Math.abs(d) < 100) return `$${d.toFixed(2)}`;
  return `$${Math.round(d).toLocaleString("en-US")}`;
}

export function fmtChange(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  const s = `${v >= 0 ? "+" : ""}${(v * 100).toFixed(1)}%`;
  return s;
}

/** Chart axis time label in UTC for a bucket size in minutes. */
export function fmtBucketTime(ms: number, bucketMinutes: number): string {
  const iso = new Date(ms).toISOString();
  if (bucketMinutes >= 1440) return iso.slice(5, 10);
  if (bucketMinutes >= 60) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
  return iso.slice(11, 16);
}

/** A bucket size in words: "1 min", "15 min", "1 h", "6 h", "1 day". */
export function fmtBucket(minutes: number): string {
  if (minutes >= 1440 && minutes % 1440 === 0) return minutes === 1440 ? "1 day" : `${minutes / 1440} days`;
  if (minutes >= 60 && minutes % 60 === 0) return `${minutes / 60} h`;
  return `${minutes} min`;
}
