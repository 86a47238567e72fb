-- The split rollups are keyed by the routing rule that fired as well, so metrics filter by rule
-- (issue 14). "" = no routing: every row written before this column existed keeps that value,
-- which is true of them only for versions without rules; calls of routed versions logged before
-- this migration count under "" (their CallLog rows keep the rule; the call explorer shows it).
-- DropIndex
DROP INDEX "MetricRollup_versionId_source_model_grainMinutes_bucketStar_key";

-- AlterTable
ALTER TABLE "MetricRollup" ADD COLUMN     "routingRule" TEXT NOT NULL DEFAULT '';

-- CreateIndex
CREATE UNIQUE INDEX "MetricRollup_versionId_source_model_routingRule_grainMinute_key" ON "MetricRollup"("versionId", "source", "model", "routingRule", "grainMinutes", "bucketStart");
