import type { PrismaClient } from "@/lib/generated/prisma/client";
import { SUM_FIELDS, cellFromRow, type RollupCell } from "@/lib/metrics/aggregate";
import type { Histogram } from "@/lib/metrics/histogram";
import type { VersionGrainMinutes } from "@/lib/metrics/rollup-sql";
import type { MetricsWindow } from "@/lib/metrics/window";

/**
 * The one query behind every chart and table: rollup rows of one grain in a window,
 * filtered, grouped by any of version/prompt/model/source/time bucket, with exact sums and
 * (optionally) the merged latency histogram per group. Database work is bounded by the number
 * of rollup rows in the window (index on (promptId|projectId, grainMinutes, bucketStart)), not
 * by the number of calls.
 */
export type RollupDimension = "versionId" | "promptId" | "model" | "source" | "t";

export interface RollupQuery {
  projectId: string;
  promptId?: string;
  versionIds?: readonly string[];
  model?: string;
  /** The routing rule that fired (the split table's `routingRule`; CallLog's column of the same name). */
  rule?: string;
  source?: string;
  /** Sources left out (the dashboards leave out "playground" unless asked); ignored with `source`. */
  excludeSources?: readonly string[];
  window: MetricsWindow;
  groupBy: readonly RollupDimension[];
  histogram?: boolean;
}

export interface RollupGroup {
  key: Partial<Record<Exclude<RollupDimension, "t">, string>> & { t?: Date };
  cell: RollupCell;
}

// Sums over any window: PostgreSQL sums int8 columns as numeric (exact, no overflow); each is sent
// back as float8, which holds any such sum (exact up to 2^53, as a JS number is), so no window can
// fail with "bigint out of range" however large its rows are. (An ::int8 cast did: rows written
// before ingest bounded costMicros summed past 2^63 and every window holding them answered 500.)
const SUMS = SUM_FIELDS.map((c) => `sum("${c}")::float8 AS "${c}"`).join(", ");

/** The grain of the per-version totals that answers a bucket size: the largest that divides it. */
export function versionGrainFor(bucketMinutes: number): VersionGrainMinutes {
  if (bucketMinutes % 1440 === 0) return 1440;
  if (bucketMinutes % 360 === 0) return 360;
  if (bucketMinutes % 60 === 0) return 60;
  return 1;
}

/**
 * Which table answers a query: the per-version totals (MetricRollupVersion, no source/model
 * split, also a 6-hour grain) unless the query filters or groups by model or source, or filters by
 * routing rule.
 */
export function rollupSource(q: Pick<RollupQuery, "model" | "rule" | "source" | "excludeSources" | "groupBy" | "window">): {
  table: string;
  grainMinutes: number;
} {
  const split =
    Boolean(q.model) || Boolean(q.rule) || Boolean(q.source) || excluded(q).length > 0 || q.groupBy.includes("model") || q.groupBy.includes("source");
  return split
    ? { table: "MetricRollup", grainMinutes: q.window.grainMinutes }
    : { table: "MetricRollupVersion", grainMinutes: versionGrainFor(q.window.bucketMinutes) };
}

/**
 * Builds the SQL and parameters (exported for the benchmark). One pass over the rollup rows:
 * exact sums per group in SQL and, with `histogram`, the group's row histograms as one text
 * (`histograms`: the jsonb texts joined by commas, i.e. a JSON array without its brackets) that
 * `queryRollups` parses and merges. Adding counts per bucket in JS is far cheaper than expanding
 * every jsonb key in SQL (jsonb_each) or building a jsonb array (jsonb_agg).
 */
export function buildRollupQuery(q: RollupQuery): { sql: string; params: unknown[] } {
  const { table, grainMinutes } = rollupSource(q);
  const { where, params } = rollupWhere(q, grainMinutes);
  const bucketSeconds = q.window.bucketMinutes * 60;
  const tExpr =
    q.window.bucketMinutes === grainMinutes
      ? `"bucketStart"`
      : `to_timestamp(floor(extract(epoch from "bucketStart") / ${bucketSeconds}) * ${bucketSeconds}) AT TIME ZONE 'UTC'`;
  const dims = q.groupBy.map((d) => (d === "t" ? `${tExpr} AS "t"` : `"${d}"::text AS "${d}"`));
  const groupBy = q.groupBy.length > 0 ? ` GROUP BY ${q.groupBy.map((_, i) => String(i + 1)).join(", ")}` : "";
  const select = [...dims, SUMS, ...(q.histogram ? [`string_agg("latencyHistogram"::text, ',') AS "histograms"`] : [])].join(", ");
  return { sql: `SELECT ${select} FROM "${table}" WHERE ${where.join(" AND ")}${groupBy}`, params };
}

function excluded(q: Pick<RollupQuery, "source" | "excludeSources">): readonly string[] {
  return q.source ? [] : (q.excludeSources ?? []);
}

/** The WHERE conditions (and their parameters) of a rollup query at one grain. */
function rollupWhere(q: Omit<RollupQuery, "groupBy" | "histogram">, grainMinutes: number): { where: string[]; params: unknown[] } {
  const params: unknown[] = [q.projectId, grainMinutes, q.window.from, q.window.to];
  const where = [`"projectId" = $1`, `"grainMinutes" = $2`, `"bucketStart" >= $3`, `"bucketStart" < $4`];
  appendScopeFilters(q, where, params);
  return { where, params };
}

/**
 * Adds the scope filters every view applies (prompt, versions, model, routing rule, source, sources left out)
 * to `where`, their values to `params`. The rollups and queries over CallLog share it: both
 * tables name these columns alike.
 */
export function appendScopeFilters(
  q: Pick<RollupQuery, "promptId" | "versionIds" | "model" | "rule" | "source" | "excludeSources">,
  where: string[],
  params: unknown[],
): void {
  if (q.promptId) {
    params.push(q.promptId);
    where.push(`"promptId" = $${params.length}`);
  }
  if (q.versionIds) {
    params.push([...q.versionIds]);
    where.push(`"versionId" = ANY($${params.length}::text[])`);
  }
  if (q.model) {
    params.push(q.model);
    where.push(`"model" = $${params.length}`);
  }
  if (q.rule) {
    params.push(q.rule);
    where.push(`"routingRule" = $${params.length}`);
  }
  if (q.source) {
    params.push(q.source);
    where.push(`"source" = $${params.length}::"CallSource"`);
  }
  const out = excluded(q);
  if (out.length > 0) {
    params.push([...out]);
    where.push(`"source"::text <> ALL($${params.length}::text[])`);
  }
}

/**
 * The earliest and latest bucket starts holding calls in the window, at the finest grain kept for
 * it (minutes inside the minute retention, else hours), with the query's filters; null without
 * calls. `fitBucketToData` (window.ts) picks a bucket from it.
 */
export async function queryDataExtent(
  db: Pick<PrismaClient, "$queryRawUnsafe">,
  q: Omit<RollupQuery, "groupBy" | "histogram">,
  minuteGrain: boolean,
): Promise<{ first: Date; last: Date } | null> {
  const split = Boolean(q.model) || Boolean(q.rule) || Boolean(q.source) || excluded(q).length > 0;
  const { where, params } = rollupWhere(q, minuteGrain ? 1 : 60);
  const table = split ? "MetricRollup" : "MetricRollupVersion";
  const rows = await db.$queryRawUnsafe<Array<{ first: Date | null; last: Date | null }>>(
    `SELECT min("bucketStart") AS "first", max("bucketStart") AS "last" FROM "${table}" WHERE ${where.join(" AND ")} AND "calls" > 0`,
    ...params,
  );
  const row = rows[0];
  return row?.first && row.last ? { first: new Date(row.first), last: new Date(row.last) } : null;
}

/** Adds `h`'s counts into `into` (mutated, returned). */
function mergeInto(into: Histogram, h: Histogram | null): Histogram {
  if (!h) return into;
  for (const k in h) into[k] = (into[k] ?? 0) + Number(h[k]);
  return into;
}

/** Runs a rollup query; groups come back in no particular order. */
export async function queryRollups(db: Pick<PrismaClient, "$queryRawUnsafe">, q: RollupQuery): Promise<RollupGroup[]> {
  const { sql, params } = buildRollupQuery(q);
  const rows = await db.$queryRawUnsafe<Array<Record<string, unknown>>>(sql, ...params);
  return rows
    .filter((row) => row.calls !== null && Number(row.calls as number) > 0)
    .map((row) => {
      const key: RollupGroup["key"] = {};
      for (const d of q.groupBy) {
        if (d === "t") key.t = row.t instanceof Date ? row.t : new Date(String(row.t));
        else key[d] = String(row[d]);
      }
      const cell = cellFromRow(row);
      if (typeof row.histograms === "string") {
        let merged: Histogram = {};
        for (const h of JSON.parse(`[${row.histograms}]`) as Array<Histogram | null>) merged = mergeInto(merged, h);
        cell.histogram = merged;
      }
      return { key, cell };
    });
}
