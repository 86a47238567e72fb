-- AlterTable
ALTER TABLE "BatchJob" ADD COLUMN     "invalidCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "invalidItems" JSONB NOT NULL DEFAULT '[]';
