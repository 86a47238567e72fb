-- AlterTable
ALTER TABLE "ReleaseRequest" ADD COLUMN     "plan" JSONB;

-- AlterTable
ALTER TABLE "Rollout" ADD COLUMN     "releaseRequestId" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Rollout_releaseRequestId_key" ON "Rollout"("releaseRequestId");

-- AddForeignKey
ALTER TABLE "Rollout" ADD CONSTRAINT "Rollout_releaseRequestId_fkey" FOREIGN KEY ("releaseRequestId") REFERENCES "ReleaseRequest"("id") ON DELETE SET NULL ON UPDATE CASCADE;
