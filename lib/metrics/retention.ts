/**
 * Retention of the minute grain. Minute rollup rows are most of the rollup rows (one per version,
 * source, model and minute with traffic) and only serve windows drawn in 1, 5 or 15 minute
 * buckets, which cover at most a few days (MAX_BUCKETS). Rows older than the retention are
 * deleted by `pruneMinuteRollups` (prune.ts, run hourly by `RollupPruner`, one instance at a time); the
 * hour, 6-hour and day grains are kept forever, so every figure of an older window stays exact.
 * `resolveWindow` refuses minute buckets that reach past the retention instead of drawing zeros.
 *
 * Pure (no database driver): window.ts, which client components import, depends on it.
 */
import { minuteRollupDaysSchema } from "@/lib/env";

/** The minute-grain retention in days: PROMPTDECK_MINUTE_ROLLUP_DAYS, else 14. */
export function minuteRetentionDays(env: Record<string, string | undefined> = typeof process === "undefined" ? {} : process.env): number {
  const raw = env.PROMPTDECK_MINUTE_ROLLUP_DAYS;
  const parsed = minuteRollupDaysSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`PROMPTDECK_MINUTE_ROLLUP_DAYS ${parsed.error.issues[0]?.message ?? "is invalid"} (got "${raw}")`);
  return parsed.data;
}

/** Oldest minute bucket still kept at `now`. */
export function minuteRetentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(Math.floor(now.getTime() / 60_000) * 60_000 - retentionDays * 86_400_000);
}
