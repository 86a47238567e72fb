import { z } from "zod";
import { AppError } from "@/lib/errors";
import type { GrainMinutes } from "@/lib/metrics/rollup-sql";
import { routingRuleFilterSchema } from "@/lib/models/routing-rule";
import { minuteRetentionCutoff, minuteRetentionDays } from "@/lib/metrics/retention";

/** Query filters shared by the pages, the route handlers and GET /api/v1/metrics. */
export const RANGES = ["1h", "24h", "7d", "30d", "custom"] as const;
export const BUCKETS = ["1m", "5m", "15m", "1h", "6h", "1d"] as const;
export const SOURCES = ["api", "playground", "experiment", "eval", "ingest"] as const;
/** Whether playground calls (people trying prompts by hand) count: the dashboards leave them out unless asked. */
export const PLAYGROUND_MODES = ["include", "exclude"] as const;
export type RangeName = (typeof RANGES)[number];
export type BucketName = (typeof BUCKETS)[number];

const BUCKET_MINUTES: Record<BucketName, number> = { "1m": 1, "5m": 5, "15m": 15, "1h": 60, "6h": 360, "1d": 1440 };
const RANGE_MINUTES: Record<Exclude<RangeName, "custom">, number> = { "1h": 60, "24h": 1440, "7d": 7 * 1440, "30d": 30 * 1440 };
/** At most this many time buckets per series. */
export const MAX_BUCKETS = 1_500;

const emptyToUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);
const optionalText = z.preprocess(emptyToUndefined, z.string().min(1).max(200).optional());

export const metricsFilterSchema = z.strictObject({
  prompt: optionalText.describe("Prompt name (required for view=prompt)"),
  /** "1.2.0", "draft" or a version id (needs `prompt` for the semver form). */
  version: optionalText.describe('"1.2.0", "draft" (with prompt) or a version id'),
  /** Versions this label pointed to (now or in its history). */
  label: optionalText.describe("Versions this label points to or pointed to"),
  model: optionalText,
  rule: z
    .preprocess(emptyToUndefined, routingRuleFilterSchema.optional())
    .describe('Calls the routing rule of this name sent (a rule of the version\'s model routing), or "default": calls of routed versions no rule matched'),
  source: z.preprocess(emptyToUndefined, z.enum(SOURCES).optional()),
  playground: z
    .preprocess(emptyToUndefined, z.enum(PLAYGROUND_MODES).optional())
    .describe(
      "include (the default) counts playground calls (people trying prompts by hand); exclude leaves them out of every figure, chart and total, as the dashboards do unless asked. Ignored when `source` is given",
    ),
  range: z.preprocess(emptyToUndefined, z.enum(RANGES).default("24h")).describe("Default 24h; custom needs from"),
  from: z.preprocess(emptyToUndefined, z.iso.datetime({ offset: true }).optional()),
  to: z.preprocess(emptyToUndefined, z.iso.datetime({ offset: true }).optional()),
  bucket: z.preprocess(emptyToUndefined, z.enum(BUCKETS).optional()).describe("Default from the range: 1m up to 2h, 1h up to 3d, 6h up to 10d, else 1d"),
});
export type MetricsFilter = z.infer<typeof metricsFilterSchema>;
export type MetricsFilterInput = z.input<typeof metricsFilterSchema>;

/** Parses filters (query string values); throws AppError("bad_request") with issues. */
export function parseMetricsFilter(input: unknown): MetricsFilter {
  const parsed = metricsFilterSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new AppError("bad_request", "Invalid metrics filters", {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  return parsed.data;
}

/** The resolved time window: [from, to) aligned to the bucket, the bucket size, and which rollup grain answers it. */
export interface MetricsWindow {
  from: Date;
  to: Date;
  bucketMinutes: number;
  grainMinutes: GrainMinutes;
}

function defaultBucket(spanMinutes: number): BucketName {
  if (spanMinutes <= 120) return "1m";
  if (spanMinutes <= 3 * 1440) return "1h";
  if (spanMinutes <= 10 * 1440) return "6h";
  return "1d";
}

function maxBucket(a: BucketName, b: BucketName): BucketName {
  return BUCKET_MINUTES[a] >= BUCKET_MINUTES[b] ? a : b;
}

/** The rollup grain for a bucket size: the largest grain that divides it. */
export function grainFor(bucketMinutes: number): GrainMinutes {
  if (bucketMinutes % 1440 === 0) return 1440;
  if (bucketMinutes % 60 === 0) return 60;
  return 1;
}

/**
 * Resolves range/from/to/bucket into an aligned window: `from` rounded down and `to` rounded up
 * to whole buckets (UTC, buckets aligned to the Unix epoch), so every figure is exact for the
 * buckets shown. Throws bad_request for a custom range without from, to <= from, too many buckets,
 * or minute-sized buckets reaching back past the minute grain's retention (see retention.ts).
 */
export function resolveWindow(
  filter: Pick<MetricsFilter, "range" | "from" | "to" | "bucket">,
  now: Date = new Date(),
  retentionDays: number = minuteRetentionDays(),
): MetricsWindow {
  let fromMs: number;
  let toMs: number;
  if (filter.range === "custom" || filter.from) {
    if (!filter.from) throw new AppError("bad_request", "A custom range needs `from` (and optionally `to`)");
    fromMs = Date.parse(filter.from);
    toMs = filter.to ? Date.parse(filter.to) : now.getTime();
  } else {
    toMs = filter.to ? Date.parse(filter.to) : now.getTime();
    fromMs = toMs - RANGE_MINUTES[filter.range] * 60_000;
  }
  if (!(toMs > fromMs)) throw new AppError("bad_request", "`to` must be after `from`");
  const cutoff = minuteRetentionCutoff(now, retentionDays).getTime();
  // Past the minute grain's retention the finest default is the hour.
  const bucket = filter.bucket ?? (fromMs < cutoff ? maxBucket(defaultBucket((toMs - fromMs) / 60_000), "1h") : defaultBucket((toMs - fromMs) / 60_000));
  const bucketMinutes = BUCKET_MINUTES[bucket];
  const size = bucketMinutes * 60_000;
  const from = Math.floor(fromMs / size) * size;
  const to = Math.ceil(toMs / size) * size;
  if ((to - from) / size > MAX_BUCKETS) {
    throw new AppError("bad_request", `That range has ${(to - from) / size} buckets of ${bucket}; use a larger bucket (at most ${MAX_BUCKETS})`);
  }
  const grainMinutes = grainFor(bucketMinutes);
  if (grainMinutes === 1 && from < cutoff) {
    throw new AppError(
      "bad_request",
      `Buckets under an hour are kept for ${retentionDays} days; for a window starting ${new Date(from).toISOString().slice(0, 10)} use a bucket of 1h or more`,
    );
  }
  return { from: new Date(from), to: new Date(to), bucketMinutes, grainMinutes };
}

const FINER: readonly BucketName[] = ["1d", "6h", "1h", "15m", "5m", "1m"];

/**
 * The bucket for a window whose data only covers part of it: with the range's default bucket,
 * calls that all fall in one bucket draw a single dot, not a line (30 days of 1-day buckets when
 * the first calls came in this morning). `first` and `last` are the earliest and latest rollup
 * bucket starts holding calls (at the finest grain kept). When they fall in one bucket of the
 * current size, the largest finer bucket that puts them in at least two buckets is chosen, as long
 * as the window stays within MAX_BUCKETS and minute buckets stay within the minute grain's
 * retention; otherwise (all calls in one minute, or no finer bucket fits) the bucket is kept.
 * Returns the bucket to use, or null to keep the window as it is.
 */
export function fitBucketToData(
  window: MetricsWindow,
  extent: { first: Date; last: Date } | null,
  now: Date = new Date(),
  retentionDays: number = minuteRetentionDays(),
): BucketName | null {
  if (!extent) return null;
  const pointsAt = (minutes: number) => {
    const size = minutes * 60_000;
    return Math.floor(extent.last.getTime() / size) - Math.floor(extent.first.getTime() / size) + 1;
  };
  if (pointsAt(window.bucketMinutes) >= 2) return null;
  const cutoff = minuteRetentionCutoff(now, retentionDays).getTime();
  for (const bucket of FINER) {
    const minutes = BUCKET_MINUTES[bucket];
    if (minutes >= window.bucketMinutes) continue;
    const size = minutes * 60_000;
    const buckets = Math.ceil(window.to.getTime() / size) - Math.floor(window.from.getTime() / size);
    if (buckets > MAX_BUCKETS) break;
    if (grainFor(minutes) === 1 && window.from.getTime() < cutoff) break;
    if (pointsAt(minutes) >= 2) return bucket;
  }
  return null;
}

/** Every bucket start in the window (for charts with gaps). */
export function bucketStarts(window: MetricsWindow): Date[] {
  const size = window.bucketMinutes * 60_000;
  const out: Date[] = [];
  for (let t = window.from.getTime(); t < window.to.getTime(); t += size) out.push(new Date(t));
  return out;
}
