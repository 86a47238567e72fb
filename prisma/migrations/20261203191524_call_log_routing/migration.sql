-- AlterTable
ALTER TABLE "CallLog" ADD COLUMN     "routedModel" TEXT,
ADD COLUMN     "routingRule" TEXT;

-- CreateIndex
CREATE INDEX "CallLog_projectId_routingRule_createdAt_idx" ON "CallLog"("projectId", "routingRule", "createdAt");
