import type { PrismaClient } from "@/lib/generated/prisma/client";
import { cellFromRow, type RollupCell } from "@/lib/metrics/aggregate";
import type { MetricsWindow } from "@/lib/metrics/window";

/**
 * The one query behind every chart and table: MetricRollup rows of one grain in a window,
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
  source?: string;
  window: MetricsWindow;
  groupBy: readonly RollupDimension[];
  histogram?: boolean;
}

export interface RollupGroup {
  key: Partial<Record<Exclude<RollupDimension, "t">, string>> & { t?: Date };
  cell: RollupCell;
}

const SUMS = `sum("calls")::int8 AS "calls", sum("errors")::int8 AS "errors", sum("refusals")::int8 AS "refusals", sum("invalidOutputs")::int8 AS "invalidOutputs", sum("scored")::int8 AS "scored", sum("scoreSum") AS "scoreSum", sum("batchCalls")::int8 AS "batchCalls", sum("inputTokens")::int8 AS "inputTokens", sum("outputTokens")::int8 AS "outputTokens", sum("cacheWriteTokens")::int8 AS "cacheWriteTokens", sum("cacheReadTokens")::int8 AS "cacheReadTokens", sum("costMicros")::int8 AS "costMicros", sum("uncachedCostMicros")::int8 AS "uncachedCostMicros", sum("batchSavingsMicros")::int8 AS "batchSavingsMicros", sum("latencyMsSum")::int8 AS "latencyMsSum", sum("outputCharsSum")::int8 AS "outputCharsSum"`;

/** Builds the SQL and parameters (exported for the benchmark, which times exactly this). */
export function buildRollupQuery(q: RollupQuery): { sql: string; params: unknown[] } {
  const params: unknown[] = [q.projectId, q.window.grainMinutes, q.window.from, q.window.to];
  const where = [`"projectId" = $1`, `"grainMinutes" = $2`, `"bucketStart" >= $3`, `"bucketStart" < $4`];
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
  if (q.source) {
    params.push(q.source);
    where.push(`"source" = $${params.length}::"CallSource"`);
  }
  const bucketSeconds = q.window.bucketMinutes * 60;
  const tExpr =
    q.window.bucketMinutes === q.window.grainMinutes
      ? `"bucketStart"`
      : `to_timestamp(floor(extract(epoch from "bucketStart") / ${bucketSeconds}) * ${bucketSeconds}) AT TIME ZONE 'UTC'`;
  const dims = q.groupBy.map((d) => (d === "t" ? `${tExpr} AS "t"` : `"${d}"::text AS "${d}"`));
  const dimNames = q.groupBy.map((d) => `"${d}"`);
  const groupCols = dimNames.length > 0 ? dimNames.join(", ") : null;
  const base = `SELECT ${[...dims, `"calls", "errors", "refusals", "invalidOutputs", "scored", "scoreSum", "batchCalls", "inputTokens", "outputTokens", "cacheWriteTokens", "cacheReadTokens", "costMicros", "uncachedCostMicros", "batchSavingsMicros", "latencyMsSum", "outputCharsSum", "latencyHistogram"`].join(", ")} FROM "MetricRollup" WHERE ${where.join(" AND ")}`;
  const sumsSelect = `SELECT ${groupCols ? `${groupCols}, ` : ""}${SUMS} FROM r${groupCols ? ` GROUP BY ${groupCols}` : ""}`;
  if (!q.histogram) return { sql: `WITH r AS (${base}) ${sumsSelect}`, params };
  const join = groupCols ? ` USING (${groupCols})` : " ON true";
  const sql = `WITH r AS (${base}),
s AS (${sumsSelect}),
hk AS (SELECT ${groupCols ? `${groupCols}, ` : ""}e.k, sum(e.v::int8) AS n FROM r, jsonb_each_text(r."latencyHistogram") e(k, v) GROUP BY ${groupCols ? `${groupCols}, ` : ""}e.k),
h AS (SELECT ${groupCols ? `${groupCols}, ` : ""}jsonb_object_agg(k, n) AS "histogram" FROM hk${groupCols ? ` GROUP BY ${groupCols}` : ""})
SELECT s.*, h."histogram" FROM s LEFT JOIN h${join}`;
  return { sql, params };
}

/** Runs a rollup query; groups come back in no particular order. */
export async function queryRollups(db: Pick<PrismaClient, "$queryRawUnsafe">, q: RollupQuery): Promise<RollupGroup[]> {
  const { sql, params } = buildRollupQuery(q);
  const rows = await db.$queryRawUnsafe<Array<Record<string, unknown>>>(sql, ...params);
  return rows
    .filter((row) => row.calls !== null && Number(row.calls as bigint) > 0)
    .map((row) => {
      const key: RollupGroup["key"] = {};
      for (const d of q.groupBy) {
        if (d === "t") key.t = row.t instanceof Date ? row.t : new Date(String(row.t));
        else key[d] = String(row[d]);
      }
      return { key, cell: cellFromRow(row) };
    });
}
