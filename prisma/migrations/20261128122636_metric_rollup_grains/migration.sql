-- DropIndex
DROP INDEX "MetricRollup_projectId_bucketStart_idx";

-- DropIndex
DROP INDEX "MetricRollup_promptId_bucketStart_idx";

-- DropIndex
DROP INDEX "MetricRollup_versionId_source_model_bucketStart_key";

-- AlterTable
ALTER TABLE "MetricRollup" ADD COLUMN     "batchCalls" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "batchSavingsMicros" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "grainMinutes" SMALLINT NOT NULL DEFAULT 1;

-- CreateIndex
CREATE INDEX "MetricRollup_projectId_grainMinutes_bucketStart_idx" ON "MetricRollup"("projectId", "grainMinutes", "bucketStart");

-- CreateIndex
CREATE INDEX "MetricRollup_promptId_grainMinutes_bucketStart_idx" ON "MetricRollup"("promptId", "grainMinutes", "bucketStart");

-- CreateIndex
CREATE UNIQUE INDEX "MetricRollup_versionId_source_model_grainMinutes_bucketStar_key" ON "MetricRollup"("versionId", "source", "model", "grainMinutes", "bucketStart");
