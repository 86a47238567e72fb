-- The old Dataset/EvalRun tables never had a writer; their rows (none expected) cannot be
-- carried into the versioned shape, so they are cleared before the NOT NULL columns arrive.
DELETE FROM "EvalResult";
DELETE FROM "EvalRun";
DELETE FROM "DatasetItem";

-- CreateEnum
CREATE TYPE "EvalOutcome" AS ENUM ('pending', 'succeeded', 'errored', 'canceled', 'expired');

-- CreateEnum
CREATE TYPE "ReviewVerdict" AS ENUM ('correct', 'incorrect', 'skip');

-- AlterEnum
BEGIN;
CREATE TYPE "EvalMode_new" AS ENUM ('realtime', 'batch');
ALTER TABLE "public"."EvalRun" ALTER COLUMN "mode" DROP DEFAULT;
ALTER TABLE "EvalRun" ALTER COLUMN "mode" TYPE "EvalMode_new" USING ("mode"::text::"EvalMode_new");
ALTER TYPE "EvalMode" RENAME TO "EvalMode_old";
ALTER TYPE "EvalMode_new" RENAME TO "EvalMode";
DROP TYPE "public"."EvalMode_old";
ALTER TABLE "EvalRun" ALTER COLUMN "mode" SET DEFAULT 'batch';
COMMIT;

-- DropForeignKey
ALTER TABLE "EvalRun" DROP CONSTRAINT "EvalRun_versionId_fkey";

-- DropIndex
DROP INDEX "DatasetItem_datasetId_idx";

-- DropIndex
DROP INDEX "EvalResult_runId_itemId_key";

-- DropIndex
DROP INDEX "EvalRun_datasetId_idx";

-- DropIndex
DROP INDEX "EvalRun_versionId_idx";

-- AlterTable
ALTER TABLE "Dataset" ADD COLUMN     "latestVersion" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "DatasetItem" ADD COLUMN     "fromVersion" INTEGER NOT NULL,
ADD COLUMN     "key" TEXT NOT NULL,
ADD COLUMN     "ordinal" INTEGER NOT NULL,
ADD COLUMN     "sourceCallId" TEXT,
ADD COLUMN     "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "toVersion" INTEGER,
DROP COLUMN "expected",
ADD COLUMN     "expected" JSONB;

-- AlterTable
ALTER TABLE "EvalResult" ADD COLUMN     "costMicros" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "inputTokens" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "latencyMs" INTEGER,
ADD COLUMN     "outcome" "EvalOutcome" NOT NULL DEFAULT 'pending',
ADD COLUMN     "outputTokens" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "passed" BOOLEAN,
ADD COLUMN     "reviewNote" TEXT,
ADD COLUMN     "reviewVerdict" "ReviewVerdict",
ADD COLUMN     "reviewedAt" TIMESTAMP(3),
ADD COLUMN     "reviewerId" TEXT,
ADD COLUMN     "runVersionId" TEXT NOT NULL,
ADD COLUMN     "scores" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "updatedAt" TIMESTAMP(3) NOT NULL;

-- AlterTable
ALTER TABLE "EvalRun" DROP COLUMN "batchId",
DROP COLUMN "evaluator",
DROP COLUMN "failed",
DROP COLUMN "scoreSum",
DROP COLUMN "succeeded",
DROP COLUMN "total",
DROP COLUMN "versionId",
ADD COLUMN     "apiKeyId" TEXT,
ADD COLUMN     "baselineRunVersionId" TEXT,
ADD COLUMN     "cancelRequested" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "createdById" TEXT,
ADD COLUMN     "datasetVersion" INTEGER NOT NULL,
ADD COLUMN     "error" TEXT,
ADD COLUMN     "estimate" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "evaluators" JSONB NOT NULL,
ADD COLUMN     "phase" TEXT NOT NULL DEFAULT 'generate',
ADD COLUMN     "progressDone" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "progressTotal" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "projectId" TEXT NOT NULL,
ADD COLUMN     "promptId" TEXT NOT NULL,
ADD COLUMN     "updatedAt" TIMESTAMP(3) NOT NULL,
ALTER COLUMN "mode" SET DEFAULT 'batch';

-- CreateTable
CREATE TABLE "DatasetVersion" (
    "id" TEXT NOT NULL,
    "datasetId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "itemCount" INTEGER NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "authorId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DatasetVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalRunVersion" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "versionId" TEXT,
    "requested" TEXT NOT NULL,
    "display" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "snapshot" JSONB NOT NULL,
    "summary" JSONB,
    "gatePassed" BOOLEAN,

    CONSTRAINT "EvalRunVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalBatch" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "providerBatchId" TEXT NOT NULL,
    "requestCount" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'in_progress',
    "counts" JSONB NOT NULL DEFAULT '{}',
    "submittedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" TIMESTAMP(3),

    CONSTRAINT "EvalBatch_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "DatasetVersion_datasetId_number_key" ON "DatasetVersion"("datasetId", "number");

-- CreateIndex
CREATE INDEX "EvalRunVersion_versionId_idx" ON "EvalRunVersion"("versionId");

-- CreateIndex
CREATE UNIQUE INDEX "EvalRunVersion_runId_position_key" ON "EvalRunVersion"("runId", "position");

-- CreateIndex
CREATE UNIQUE INDEX "EvalBatch_providerBatchId_key" ON "EvalBatch"("providerBatchId");

-- CreateIndex
CREATE INDEX "EvalBatch_runId_idx" ON "EvalBatch"("runId");

-- CreateIndex
CREATE INDEX "DatasetItem_datasetId_fromVersion_ordinal_idx" ON "DatasetItem"("datasetId", "fromVersion", "ordinal");

-- CreateIndex
CREATE INDEX "DatasetItem_datasetId_key_idx" ON "DatasetItem"("datasetId", "key");

-- CreateIndex
CREATE INDEX "EvalResult_runId_outcome_idx" ON "EvalResult"("runId", "outcome");

-- CreateIndex
CREATE UNIQUE INDEX "EvalResult_runVersionId_itemId_key" ON "EvalResult"("runVersionId", "itemId");

-- CreateIndex
CREATE INDEX "EvalRun_projectId_createdAt_idx" ON "EvalRun"("projectId", "createdAt");

-- CreateIndex
CREATE INDEX "EvalRun_promptId_createdAt_idx" ON "EvalRun"("promptId", "createdAt");

-- CreateIndex
CREATE INDEX "EvalRun_status_idx" ON "EvalRun"("status");

-- AddForeignKey
ALTER TABLE "DatasetVersion" ADD CONSTRAINT "DatasetVersion_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalRun" ADD CONSTRAINT "EvalRun_promptId_fkey" FOREIGN KEY ("promptId") REFERENCES "Prompt"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalRunVersion" ADD CONSTRAINT "EvalRunVersion_runId_fkey" FOREIGN KEY ("runId") REFERENCES "EvalRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalRunVersion" ADD CONSTRAINT "EvalRunVersion_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "PromptVersion"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalBatch" ADD CONSTRAINT "EvalBatch_runId_fkey" FOREIGN KEY ("runId") REFERENCES "EvalRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalResult" ADD CONSTRAINT "EvalResult_runVersionId_fkey" FOREIGN KEY ("runVersionId") REFERENCES "EvalRunVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;
