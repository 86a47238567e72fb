-- CreateTable
CREATE TABLE "BatchJob" (
    "id" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "promptId" TEXT NOT NULL,
    "versionId" TEXT,
    "version" TEXT NOT NULL,
    "label" TEXT,
    "content" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "itemCount" INTEGER NOT NULL,
    "counts" JSONB NOT NULL DEFAULT '{}',
    "costMicros" BIGINT NOT NULL DEFAULT 0,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "error" TEXT,
    "cancelRequested" BOOLEAN NOT NULL DEFAULT false,
    "apiKeyId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "startedAt" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),

    CONSTRAINT "BatchJob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BatchJobItem" (
    "id" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "externalId" TEXT NOT NULL,
    "variables" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "output" TEXT,
    "stopReason" TEXT,
    "model" TEXT,
    "errorType" TEXT,
    "errorMessage" TEXT,
    "inputTokens" INTEGER NOT NULL DEFAULT 0,
    "outputTokens" INTEGER NOT NULL DEFAULT 0,
    "cacheReadTokens" INTEGER NOT NULL DEFAULT 0,
    "cacheWriteTokens" INTEGER NOT NULL DEFAULT 0,
    "costMicros" BIGINT NOT NULL DEFAULT 0,
    "callLogId" TEXT,
    "endedAt" TIMESTAMP(3),

    CONSTRAINT "BatchJobItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BatchJobBatch" (
    "id" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "providerBatchId" TEXT NOT NULL,
    "requestCount" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'in_progress',
    "counts" JSONB NOT NULL DEFAULT '{}',
    "submittedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" TIMESTAMP(3),

    CONSTRAINT "BatchJobBatch_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "BatchJob_projectId_createdAt_idx" ON "BatchJob"("projectId", "createdAt");

-- CreateIndex
CREATE INDEX "BatchJob_status_idx" ON "BatchJob"("status");

-- CreateIndex
CREATE INDEX "BatchJobItem_jobId_status_position_idx" ON "BatchJobItem"("jobId", "status", "position");

-- CreateIndex
CREATE UNIQUE INDEX "BatchJobItem_jobId_externalId_key" ON "BatchJobItem"("jobId", "externalId");

-- CreateIndex
CREATE UNIQUE INDEX "BatchJobItem_jobId_position_key" ON "BatchJobItem"("jobId", "position");

-- CreateIndex
CREATE UNIQUE INDEX "BatchJobBatch_providerBatchId_key" ON "BatchJobBatch"("providerBatchId");

-- CreateIndex
CREATE INDEX "BatchJobBatch_jobId_idx" ON "BatchJobBatch"("jobId");

-- AddForeignKey
ALTER TABLE "BatchJob" ADD CONSTRAINT "BatchJob_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BatchJob" ADD CONSTRAINT "BatchJob_promptId_fkey" FOREIGN KEY ("promptId") REFERENCES "Prompt"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BatchJobItem" ADD CONSTRAINT "BatchJobItem_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "BatchJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BatchJobBatch" ADD CONSTRAINT "BatchJobBatch_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "BatchJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;
