-- CreateEnum
CREATE TYPE "RolloutStatus" AS ENUM ('RUNNING', 'PAUSED', 'COMPLETED', 'ROLLED_BACK', 'ABORTED');

-- CreateTable
CREATE TABLE "Rollout" (
    "id" TEXT NOT NULL,
    "promptId" TEXT NOT NULL,
    "labelName" TEXT NOT NULL,
    "experimentId" TEXT NOT NULL,
    "fromVersionId" TEXT NOT NULL,
    "toVersionId" TEXT NOT NULL,
    "status" "RolloutStatus" NOT NULL DEFAULT 'RUNNING',
    "steps" INTEGER[],
    "stepIndex" INTEGER NOT NULL DEFAULT 0,
    "stepStartedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "minStepSeconds" INTEGER,
    "minStepCalls" INTEGER,
    "guardrails" JSONB NOT NULL DEFAULT '{}',
    "reason" TEXT,
    "figures" JSONB,
    "startedBy" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3),

    CONSTRAINT "Rollout_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RolloutEvent" (
    "id" TEXT NOT NULL,
    "rolloutId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "percent" INTEGER NOT NULL,
    "reason" TEXT,
    "figures" JSONB,
    "actorLabel" TEXT NOT NULL,

    CONSTRAINT "RolloutEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Rollout_experimentId_key" ON "Rollout"("experimentId");

-- CreateIndex
CREATE INDEX "Rollout_promptId_labelName_status_idx" ON "Rollout"("promptId", "labelName", "status");

-- CreateIndex
CREATE INDEX "Rollout_status_idx" ON "Rollout"("status");

-- CreateIndex
CREATE INDEX "RolloutEvent_rolloutId_at_idx" ON "RolloutEvent"("rolloutId", "at");

-- AddForeignKey
ALTER TABLE "Rollout" ADD CONSTRAINT "Rollout_promptId_fkey" FOREIGN KEY ("promptId") REFERENCES "Prompt"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Rollout" ADD CONSTRAINT "Rollout_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Rollout" ADD CONSTRAINT "Rollout_fromVersionId_fkey" FOREIGN KEY ("fromVersionId") REFERENCES "PromptVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Rollout" ADD CONSTRAINT "Rollout_toVersionId_fkey" FOREIGN KEY ("toVersionId") REFERENCES "PromptVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RolloutEvent" ADD CONSTRAINT "RolloutEvent_rolloutId_fkey" FOREIGN KEY ("rolloutId") REFERENCES "Rollout"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- At most one active (RUNNING or PAUSED) rollout per prompt and label. Prisma's schema language
-- cannot express a partial index, so this one lives only in SQL; lib/rollouts checks the same
-- rule in its transaction and maps a violation to a 409.
CREATE UNIQUE INDEX "Rollout_one_active_per_label" ON "Rollout" ("promptId", "labelName") WHERE "status" IN ('RUNNING', 'PAUSED');
