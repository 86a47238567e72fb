import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { ModelSpec } from "@/lib/models/catalog";
import { CALL_LOG_BATCH_INSERT_SQL, encodeCallLogBatch, type CallLogSink, type RawExecutor } from "@/lib/calls/writer";
import { GAMMA } from "@/lib/metrics/histogram";
import { SUM_FIELDS } from "@/lib/metrics/aggregate";

/**
 * Incremental rollup maintenance. Every call adds itself to three MetricRollup rows (its minute,
 * hour and day bucket for its version, source, model and routing rule: "" when the call was not
 * routed) with ONE
 * `INSERT ... ON CONFLICT DO UPDATE SET x = x + EXCLUDED.x` statement per batch of calls; the
 * latency histograms are merged in SQL (jsonb, per bucket key). The statement reads calls from
 * the `RETURNING` of any CallLog insert (`insertWithRollupSql`), so the writer's batch insert and
 * the benchmark's generate_series bulk load share it. Calls without a version (or prompt) are not
 * rolled up.
 *
 * Uncached cost (what the same tokens cost at the plain input price) and batch savings (list
 * price minus the discounted price) are computed in SQL from a price list parameter, with the
 * same integer rounding as `computeCallCost` (round half-up per line). A model missing from the
 * price list counts with no savings.
 */

/** Rollup grains in minutes: minute, hour, day. */
export const GRAINS = [1, 60, 1440] as const;
export type GrainMinutes = (typeof GRAINS)[number];
/** Grains of the per-version totals (MetricRollupVersion): minute, hour, 6 hours, day. */
export const VERSION_GRAINS = [1, 60, 360, 1440] as const;
export type VersionGrainMinutes = (typeof VERSION_GRAINS)[number];

/** Columns the rollup reads from its call relation. */
const CALL_COLUMNS = `"projectId", "promptId", "versionId", "source", "model", "routingRule", "status", "batch", "inputTokens", "outputTokens", "cacheWriteTokens", "cacheWrite1hTokens", "cacheReadTokens", "costMicros", "latencyMs", "outputChars", "score", "createdAt"`;

/** One price-list entry as sent to SQL (per-MTok integer micro-dollars). */
export interface RollupPrice {
  model: string;
  input: number;
  write5m: number;
  write1h: number;
  read: number;
  output: number;
  batchPct: number;
}

/** The price list for the rollup SQL: every model under its id and each alias. */
export function rollupPrices(catalog: readonly ModelSpec[]): RollupPrice[] {
  const out: RollupPrice[] = [];
  const seen = new Set<string>();
  for (const m of catalog) {
    for (const name of [m.model, ...m.aliases]) {
      if (seen.has(name)) continue;
      seen.add(name);
      out.push({
        model: name,
        input: m.inputPerMTok,
        write5m: m.cacheWrite5mPerMTok,
        write1h: m.cacheWrite1hPerMTok,
        read: m.cacheReadPerMTok,
        output: m.outputPerMTok,
        batchPct: m.batchDiscountPct,
      });
    }
  }
  return out;
}

const LN_GAMMA = Math.log(GAMMA);
// The rollup columns the statement adds to: the same list the aggregation sums.
const SUM_SETS: readonly string[] = SUM_FIELDS;

/**
 * SQL body (CTEs after the caller's own `WITH`/source CTE named `src`) that upserts the rollups
 * of every row of `src`. `pricesParam` is the positional parameter holding the price list JSON.
 */
function upsertFromSrc(pricesParam: string): string {
  const line = (tokens: string, price: string, factor: string) => `round(${tokens}::numeric * ${price} * ${factor} / 1000000)`;
  const f = `(CASE WHEN c."batch" THEN (100 - p."batchPct")::numeric / 100 ELSE 1 END)`;
  const w1h = `LEAST(GREATEST(c."cacheWrite1hTokens", 0), c."cacheWriteTokens")`;
  const listCost = [
    line(`c."inputTokens"`, `p."input"`, "1"),
    line(`(c."cacheWriteTokens" - ${w1h})`, `p."write5m"`, "1"),
    line(w1h, `p."write1h"`, "1"),
    line(`c."cacheReadTokens"`, `p."read"`, "1"),
    line(`c."outputTokens"`, `p."output"`, "1"),
  ].join(" + ");
  const uncached = `${line(`(c."inputTokens" + c."cacheWriteTokens" + c."cacheReadTokens")`, `p."input"`, f)} + ${line(`c."outputTokens"`, `p."output"`, f)}`;
  const keys = `"projectId", "promptId", "versionId", "source", "model", "routingRule", "grainMinutes", "bucketStart"`;
  const vkeys = `"projectId", "promptId", "versionId", "grainMinutes", "bucketStart"`;
  return `
, prices AS (
  SELECT * FROM json_to_recordset(${pricesParam}::json) AS p("model" text, "input" int8, "write5m" int8, "write1h" int8, "read" int8, "output" int8, "batchPct" int4)
), priced AS (
  SELECT c."projectId", c."promptId", c."versionId", c."source", c."model", COALESCE(c."routingRule", '') AS "routingRule", c."createdAt",
    (c."status" = 'error')::int AS "errors",
    (c."status" = 'refusal')::int AS "refusals",
    (c."status" = 'invalid_output')::int AS "invalidOutputs",
    (c."score" IS NOT NULL)::int AS "scored",
    COALESCE(c."score", 0) AS "scoreSum",
    c."batch"::int AS "batchCalls",
    c."inputTokens", c."outputTokens", c."cacheWriteTokens", c."cacheReadTokens", c."costMicros",
    CASE WHEN p."model" IS NULL THEN c."costMicros" ELSE (${uncached})::int8 END AS "uncachedCostMicros",
    CASE WHEN c."batch" AND p."model" IS NOT NULL THEN GREATEST(0, (${listCost})::int8 - c."costMicros") ELSE 0 END AS "batchSavingsMicros",
    c."latencyMs" AS "latencyMsSum",
    c."outputChars" AS "outputCharsSum",
    CASE WHEN c."latencyMs" <= 0 THEN 0 ELSE ceil(ln(c."latencyMs"::float8) / ${LN_GAMMA})::int + 1 END AS "h"
  FROM src c LEFT JOIN prices p ON p."model" = c."model"
  WHERE c."versionId" IS NOT NULL AND c."promptId" IS NOT NULL
), grains AS (
  SELECT unnest(ARRAY[1, 60, 360, 1440])::int2 AS "grainMinutes"
), fine AS (
  SELECT c."projectId", c."promptId", c."versionId", c."source", c."model", c."routingRule", g."grainMinutes",
    CASE g."grainMinutes" WHEN 1 THEN date_trunc('minute', c."createdAt") WHEN 60 THEN date_trunc('hour', c."createdAt") WHEN 360 THEN date_bin('6 hours', c."createdAt", timestamp '1970-01-01') ELSE date_trunc('day', c."createdAt") END AS "bucketStart",
    c."h", count(*)::int AS "n",
    ${SUM_SETS.filter((s) => s !== "calls")
      .map((s) => `sum(c."${s}") AS "${s}"`)
      .join(", ")}
  FROM priced c CROSS JOIN grains g
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
), agg AS (
  SELECT ${keys}, sum("n")::int AS "calls",
    ${SUM_SETS.filter((s) => s !== "calls")
      .map((s) => `sum("${s}") AS "${s}"`)
      .join(", ")},
    jsonb_object_agg("h"::text, "n") AS "latencyHistogram"
  FROM fine WHERE "grainMinutes" <> 360 GROUP BY ${keys}
), vfine AS (
  SELECT ${vkeys}, "h", sum("n")::int AS "n",
    ${SUM_SETS.filter((s) => s !== "calls")
      .map((s) => `sum("${s}") AS "${s}"`)
      .join(", ")}
  FROM fine GROUP BY ${vkeys}, "h"
), vagg AS (
  SELECT ${vkeys}, sum("n")::int AS "calls",
    ${SUM_SETS.filter((s) => s !== "calls")
      .map((s) => `sum("${s}") AS "${s}"`)
      .join(", ")},
    jsonb_object_agg("h"::text, "n") AS "latencyHistogram"
  FROM vfine GROUP BY ${vkeys}
), vins AS (
  INSERT INTO "MetricRollupVersion" ("id", ${vkeys}, ${SUM_SETS.map((s) => `"${s}"`).join(", ")}, "latencyHistogram")
  SELECT gen_random_uuid()::text, ${vkeys}, ${SUM_SETS.map((s) => `"${s}"`).join(", ")}, "latencyHistogram"
  FROM vagg ORDER BY "versionId", "grainMinutes", "bucketStart"
  ON CONFLICT ("versionId", "grainMinutes", "bucketStart") DO UPDATE SET
  ${upsertSets("MetricRollupVersion")}
  RETURNING 1
)
INSERT INTO "MetricRollup" ("id", ${keys}, ${SUM_SETS.map((s) => `"${s}"`).join(", ")}, "latencyHistogram")
SELECT gen_random_uuid()::text, ${keys}, ${SUM_SETS.map((s) => `"${s}"`).join(", ")}, "latencyHistogram"
FROM agg ORDER BY "versionId", "source", "model", "routingRule", "grainMinutes", "bucketStart"
ON CONFLICT ("versionId", "source", "model", "routingRule", "grainMinutes", "bucketStart") DO UPDATE SET
  ${upsertSets("MetricRollup")}`;
}

/** The ON CONFLICT ... DO UPDATE SET list: every sum added, histograms merged per bucket key. */
function upsertSets(table: string): string {
  return `${SUM_SETS.map((s) => `"${s}" = "${table}"."${s}" + EXCLUDED."${s}"`).join(",\n  ")},
  "latencyHistogram" = (
    SELECT COALESCE(jsonb_object_agg(k, n), '{}'::jsonb) FROM (
      SELECT k, sum(v::int8) AS n FROM (
        SELECT * FROM jsonb_each_text("${table}"."latencyHistogram")
        UNION ALL SELECT * FROM jsonb_each_text(EXCLUDED."latencyHistogram")
      ) e(k, v) GROUP BY k
    ) m
  )`;
}

/**
 * The writer's batch statement: insert the CallLog rows ($1, `encodeCallLogBatch`) and upsert their
 * rollups (prices in $2) in ONE statement, so a batch is counted exactly once (a failed or
 * retried batch rolled back both).
 */
export const CALL_LOG_INSERT_WITH_ROLLUP_SQL = insertWithRollupSql(CALL_LOG_BATCH_INSERT_SQL, "$2");

/**
 * Any `INSERT INTO "CallLog" ... ` statement (without RETURNING) followed by the rollup upsert of
 * the rows it inserted, as one statement; prices in `pricesParam`. The writer's statement is
 * this with the batch insert; the benchmark's bulk load is this with a generate_series insert.
 */
export function insertWithRollupSql(insertSql: string, pricesParam: string): string {
  return `WITH src AS (${insertSql} RETURNING ${CALL_COLUMNS})${upsertFromSrc(pricesParam)}`;
}

/** The price list JSON from the process-wide price book (table, else the seed catalog). */
export async function currentPricesJson(): Promise<string> {
  const { getPriceBook } = await import("@/lib/models/pricing");
  return JSON.stringify(rollupPrices(await getPriceBook().catalog()));
}

/** Writer sink: CallLog insert + rollup upsert in one statement per batch. */
export function rollupCallLogSink(db: RawExecutor, prices: () => Promise<string> = currentPricesJson): CallLogSink {
  return async (rows) => {
    await db.$executeRawUnsafe(CALL_LOG_INSERT_WITH_ROLLUP_SQL, encodeCallLogBatch(rows), await prices());
  };
}

/**
 * Sets a call's score and applies the change to its rollups as a delta (scored +1 when it had
 * no score, scoreSum + new - old) in one statement. Returns the number of calls updated (0 =
 * not found, or not in `projectId`).
 */
export const SET_SCORE_SQL = `
WITH old AS (
  SELECT "id", "score" AS "oldScore", "versionId", "promptId", "source", "model", COALESCE("routingRule", '') AS "routingRule", "createdAt"
  FROM "CallLog" WHERE "id" = $1 AND ($2::text IS NULL OR "projectId" = $2::text) FOR UPDATE
), upd AS (
  UPDATE "CallLog" c SET "score" = $3::float8, "expectedOutput" = COALESCE($4::text, c."expectedOutput")
  FROM old WHERE c."id" = old."id" RETURNING c."id"
), roll AS (
  UPDATE "MetricRollup" r SET
    "scored" = r."scored" + (CASE WHEN old."oldScore" IS NULL THEN 1 ELSE 0 END),
    "scoreSum" = r."scoreSum" + $3::float8 - COALESCE(old."oldScore", 0)
  FROM old
  WHERE old."versionId" IS NOT NULL AND old."promptId" IS NOT NULL
    AND r."versionId" = old."versionId" AND r."source" = old."source" AND r."model" = old."model" AND r."routingRule" = old."routingRule"
    AND ((r."grainMinutes" = 1 AND r."bucketStart" = date_trunc('minute', old."createdAt"))
      OR (r."grainMinutes" = 60 AND r."bucketStart" = date_trunc('hour', old."createdAt"))
      OR (r."grainMinutes" = 1440 AND r."bucketStart" = date_trunc('day', old."createdAt")))
  RETURNING r."id"
), vroll AS (
  UPDATE "MetricRollupVersion" r SET
    "scored" = r."scored" + (CASE WHEN old."oldScore" IS NULL THEN 1 ELSE 0 END),
    "scoreSum" = r."scoreSum" + $3::float8 - COALESCE(old."oldScore", 0)
  FROM old
  WHERE old."versionId" IS NOT NULL AND old."promptId" IS NOT NULL AND r."versionId" = old."versionId"
    AND ((r."grainMinutes" = 1 AND r."bucketStart" = date_trunc('minute', old."createdAt"))
      OR (r."grainMinutes" = 60 AND r."bucketStart" = date_trunc('hour', old."createdAt"))
      OR (r."grainMinutes" = 360 AND r."bucketStart" = date_bin('6 hours', old."createdAt", timestamp '1970-01-01'))
      OR (r."grainMinutes" = 1440 AND r."bucketStart" = date_trunc('day', old."createdAt")))
  RETURNING r."id"
)
SELECT (SELECT count(*) FROM upd)::int AS "updated", (SELECT count(*) FROM roll)::int + (SELECT count(*) FROM vroll)::int AS "rollups"`;

/** Applies a score to a call and its rollups; returns how many calls were updated (0 or 1). */
export async function setCallScore(
  db: Pick<PrismaClient, "$queryRawUnsafe">,
  callId: string,
  score: number,
  options: { projectId?: string; expected?: string } = {},
): Promise<number> {
  const rows = await db.$queryRawUnsafe<Array<{ updated: number }>>(SET_SCORE_SQL, callId, options.projectId ?? null, score, options.expected ?? null);
  return rows[0]?.updated ?? 0;
}
