-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN     "rateLimitBurst" INTEGER,
ADD COLUMN     "rateLimitPerSecond" DOUBLE PRECISION;
