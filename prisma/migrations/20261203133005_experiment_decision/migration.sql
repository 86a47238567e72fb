-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "decision" JSONB;
