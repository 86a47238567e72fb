-- CreateTable
CREATE TABLE "MetricRollupVersion" (
    "id" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "promptId" TEXT NOT NULL,
    "versionId" TEXT NOT NULL,
    "grainMinutes" SMALLINT NOT NULL,
    "bucketStart" TIMESTAMP(3) NOT NULL,
    "calls" INTEGER NOT NULL DEFAULT 0,
    "errors" INTEGER NOT NULL DEFAULT 0,
    "refusals" INTEGER NOT NULL DEFAULT 0,
    "invalidOutputs" INTEGER NOT NULL DEFAULT 0,
    "scored" INTEGER NOT NULL DEFAULT 0,
    "scoreSum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "batchCalls" INTEGER NOT NULL DEFAULT 0,
    "inputTokens" BIGINT NOT NULL DEFAULT 0,
    "outputTokens" BIGINT NOT NULL DEFAULT 0,
    "cacheWriteTokens" BIGINT NOT NULL DEFAULT 0,
    "cacheReadTokens" BIGINT NOT NULL DEFAULT 0,
    "costMicros" BIGINT NOT NULL DEFAULT 0,
    "uncachedCostMicros" BIGINT NOT NULL DEFAULT 0,
    "batchSavingsMicros" BIGINT NOT NULL DEFAULT 0,
    "latencyMsSum" BIGINT NOT NULL DEFAULT 0,
    "outputCharsSum" BIGINT NOT NULL DEFAULT 0,
    "latencyHistogram" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "MetricRollupVersion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "MetricRollupVersion_projectId_grainMinutes_bucketStart_idx" ON "MetricRollupVersion"("projectId", "grainMinutes", "bucketStart");

-- CreateIndex
CREATE INDEX "MetricRollupVersion_promptId_grainMinutes_bucketStart_idx" ON "MetricRollupVersion"("promptId", "grainMinutes", "bucketStart");

-- CreateIndex
CREATE UNIQUE INDEX "MetricRollupVersion_versionId_grainMinutes_bucketStart_key" ON "MetricRollupVersion"("versionId", "grainMinutes", "bucketStart");

-- AddForeignKey
ALTER TABLE "MetricRollupVersion" ADD CONSTRAINT "MetricRollupVersion_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "PromptVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Backfill: the per-version totals of every call already rolled up (hour rows also make the
-- 6-hour rows).
WITH src AS (
  SELECT r.*, gm."g" AS "vg", CASE WHEN gm."g" = 360 THEN date_bin('6 hours', r."bucketStart", timestamp '1970-01-01') ELSE r."bucketStart" END AS "vb"
  FROM "MetricRollup" r JOIN (VALUES (1, 1), (60, 60), (60, 360), (1440, 1440)) gm("src", "g") ON r."grainMinutes" = gm."src"
), sums AS (
  SELECT "projectId", "promptId", "versionId", "vg", "vb", sum("calls") AS "calls", sum("errors") AS "errors", sum("refusals") AS "refusals", sum("invalidOutputs") AS "invalidOutputs", sum("scored") AS "scored", sum("scoreSum") AS "scoreSum", sum("batchCalls") AS "batchCalls", sum("inputTokens") AS "inputTokens", sum("outputTokens") AS "outputTokens", sum("cacheWriteTokens") AS "cacheWriteTokens", sum("cacheReadTokens") AS "cacheReadTokens", sum("costMicros") AS "costMicros", sum("uncachedCostMicros") AS "uncachedCostMicros", sum("batchSavingsMicros") AS "batchSavingsMicros", sum("latencyMsSum") AS "latencyMsSum", sum("outputCharsSum") AS "outputCharsSum"
  FROM src r GROUP BY "projectId", "promptId", "versionId", "vg", "vb"
), hk AS (
  SELECT "versionId", "vg", "vb", e.k, sum(e.v::int8) AS n FROM src, jsonb_each_text(src."latencyHistogram") e(k, v) GROUP BY 1, 2, 3, 4
), h AS (
  SELECT "versionId", "vg", "vb", jsonb_object_agg(k, n) AS "hist" FROM hk GROUP BY 1, 2, 3
)
INSERT INTO "MetricRollupVersion" ("id", "projectId", "promptId", "versionId", "grainMinutes", "bucketStart", "calls", "errors", "refusals", "invalidOutputs", "scored", "scoreSum", "batchCalls", "inputTokens", "outputTokens", "cacheWriteTokens", "cacheReadTokens", "costMicros", "uncachedCostMicros", "batchSavingsMicros", "latencyMsSum", "outputCharsSum", "latencyHistogram")
SELECT gen_random_uuid()::text, s."projectId", s."promptId", s."versionId", s."vg", s."vb", s."calls", s."errors", s."refusals", s."invalidOutputs", s."scored", s."scoreSum", s."batchCalls", s."inputTokens", s."outputTokens", s."cacheWriteTokens", s."cacheReadTokens", s."costMicros", s."uncachedCostMicros", s."batchSavingsMicros", s."latencyMsSum", s."outputCharsSum", COALESCE(h."hist", '{}'::jsonb)
FROM sums s LEFT JOIN h USING ("versionId", "vg", "vb");
