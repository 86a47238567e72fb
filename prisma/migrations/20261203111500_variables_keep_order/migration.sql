-- AlterTable: `json` keeps the variable contract's declared key order (jsonb sorts keys).
ALTER TABLE "PromptVersion" ALTER COLUMN "variables" SET DATA TYPE JSON;
