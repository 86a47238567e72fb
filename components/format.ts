const rtf = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
const steps: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["second", 60],
  ["minute", 60],
  ["hour", 24],
  ["day", 30],
  ["month", 12],
  ["year", Number.POSITIVE_INFINITY],
];

/** "3 minutes ago", "yesterday", "in 2 days" relative to `now`. */
export function formatRelative(date: Date, now: Date = new Date()): string {
  let value = (date.getTime() - now.getTime()) / 1000;
  for (const [unit, size] of steps) {
    if (Math.abs(value) < size) return rtf.format(Math.round(value), unit);
    value /= size;
  }
  return rtf.format(Math.round(value), "year");
}

/** UTC timestamp for tooltips: "2026-11-28 14:03 UTC". */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "28 Nov 2026" in UTC. */
export function formatDay(date: Date): string {
  return date.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
}

/** "100/s, burst 200": an API key's rate limit. */
export function formatRateLimit(limits: { perSecond: number; burst: number }): string {
  return `${limits.perSecond.toLocaleString("en-US")}/s, burst ${limits.burst.toLocaleString("en-US")}`;
}
