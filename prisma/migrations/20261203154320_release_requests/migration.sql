-- CreateEnum
CREATE TYPE "ReleaseRequestStatus" AS ENUM ('OPEN', 'APPROVED', 'REJECTED');

-- CreateTable
CREATE TABLE "ReleaseRequest" (
    "id" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "promptId" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "versionId" TEXT,
    "version" TEXT NOT NULL,
    "fromVersionId" TEXT,
    "fromVersion" TEXT,
    "reason" TEXT NOT NULL,
    "force" BOOLEAN NOT NULL DEFAULT false,
    "evidence" JSONB NOT NULL,
    "status" "ReleaseRequestStatus" NOT NULL DEFAULT 'OPEN',
    "requestedById" TEXT,
    "requestedByLabel" TEXT NOT NULL,
    "requestedByName" TEXT NOT NULL,
    "decidedById" TEXT,
    "decidedByLabel" TEXT,
    "decidedByName" TEXT,
    "decisionComment" TEXT,
    "decidedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReleaseRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VersionComment" (
    "id" TEXT NOT NULL,
    "versionId" TEXT NOT NULL,
    "authorId" TEXT,
    "authorLabel" TEXT NOT NULL,
    "authorName" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VersionComment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ReleaseRequest_projectId_status_createdAt_idx" ON "ReleaseRequest"("projectId", "status", "createdAt");

-- CreateIndex
CREATE INDEX "ReleaseRequest_promptId_createdAt_idx" ON "ReleaseRequest"("promptId", "createdAt");

-- CreateIndex
CREATE INDEX "VersionComment_versionId_createdAt_idx" ON "VersionComment"("versionId", "createdAt");

-- AddForeignKey
ALTER TABLE "ReleaseRequest" ADD CONSTRAINT "ReleaseRequest_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReleaseRequest" ADD CONSTRAINT "ReleaseRequest_promptId_fkey" FOREIGN KEY ("promptId") REFERENCES "Prompt"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReleaseRequest" ADD CONSTRAINT "ReleaseRequest_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "PromptVersion"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReleaseRequest" ADD CONSTRAINT "ReleaseRequest_fromVersionId_fkey" FOREIGN KEY ("fromVersionId") REFERENCES "PromptVersion"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VersionComment" ADD CONSTRAINT "VersionComment_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "PromptVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;
