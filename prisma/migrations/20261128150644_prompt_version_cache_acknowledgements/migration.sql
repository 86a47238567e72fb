-- AlterTable
ALTER TABLE "PromptVersion" ADD COLUMN     "cacheAcknowledgements" TEXT[] DEFAULT ARRAY[]::TEXT[];
