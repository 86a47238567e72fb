-- AlterTable
ALTER TABLE "Project" ADD COLUMN     "deletedAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "EvalResult_callLogId_idx" ON "EvalResult"("callLogId");

-- CreateIndex
CREATE INDEX "EvalResult_itemId_idx" ON "EvalResult"("itemId");
