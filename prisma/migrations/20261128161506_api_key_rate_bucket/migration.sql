-- CreateTable
CREATE TABLE "ApiKeyRateBucket" (
    "apiKeyId" TEXT NOT NULL,
    "tokens" DOUBLE PRECISION NOT NULL,
    "lastGrant" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "refilledAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ApiKeyRateBucket_pkey" PRIMARY KEY ("apiKeyId")
);

-- AddForeignKey
ALTER TABLE "ApiKeyRateBucket" ADD CONSTRAINT "ApiKeyRateBucket_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey"("id") ON DELETE CASCADE ON UPDATE CASCADE;
