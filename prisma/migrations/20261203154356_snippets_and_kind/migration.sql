-- CreateEnum
CREATE TYPE "PromptKind" AS ENUM ('PROMPT', 'SNIPPET');

-- AlterTable
ALTER TABLE "Prompt" ADD COLUMN     "kind" "PromptKind" NOT NULL DEFAULT 'PROMPT';

-- AlterTable
ALTER TABLE "PromptVersion" ADD COLUMN     "snippetPins" JSONB NOT NULL DEFAULT '[]';
