-- CreateEnum
CREATE TYPE "ExperimentTrafficRunStatus" AS ENUM ('RUNNING', 'DONE', 'STOPPED', 'INTERRUPTED');

-- CreateTable
CREATE TABLE "ExperimentTrafficRun" (
    "id" TEXT NOT NULL,
    "experimentId" TEXT NOT NULL,
    "status" "ExperimentTrafficRunStatus" NOT NULL DEFAULT 'RUNNING',
    "requested" INTEGER NOT NULL,
    "completed" INTEGER NOT NULL DEFAULT 0,
    "ok" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "invalid" INTEGER NOT NULL DEFAULT 0,
    "byVariant" JSONB NOT NULL DEFAULT '{}',
    "pausedVariants" JSONB NOT NULL DEFAULT '[]',
    "error" TEXT,
    "startedById" TEXT,
    "startedByLabel" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeatAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "ExperimentTrafficRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ExperimentTrafficRun_experimentId_startedAt_idx" ON "ExperimentTrafficRun"("experimentId", "startedAt");

-- AddForeignKey
ALTER TABLE "ExperimentTrafficRun" ADD CONSTRAINT "ExperimentTrafficRun_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ExperimentTrafficRun" ADD CONSTRAINT "ExperimentTrafficRun_startedById_fkey" FOREIGN KEY ("startedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
