import { describe, expect, it } from "vitest";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { createPrismaClient } from "@/lib/db/client";
import { checkDatabase } from "@/lib/health/database";

function fakeDb(queryRaw: () => Promise<unknown>): PrismaClient {
  return { $queryRaw: queryRaw } as unknown as PrismaClient;
}

describe("checkDatabase", () => {
  it("is ok when SELECT 1 answers", async () => {
    const result = await checkDatabase({ db: fakeDb(async () => [{ "?column?": 1 }]) });
    expect(result.ok).toBe(true);
    expect(result.error).toBeUndefined();
  });

  it("reports an error (without throwing) when the query fails", async () => {
    const result = await checkDatabase({ db: fakeDb(async () => Promise.reject(new Error("connection refused"))) });
    expect(result).toMatchObject({ ok: false, error: "connection refused" });
  });

  it("gives up after the timeout when the database does not answer", async () => {
    const result = await checkDatabase({ db: fakeDb(() => new Promise(() => {})), timeoutMs: 50 });
    expect(result).toMatchObject({ ok: false, error: "no answer within 50 ms" });
  });

  it("fails against a port where nothing listens", async () => {
    const db = createPrismaClient("postgresql://postgres@127.0.0.1:1/none", 1);
    try {
      const result = await checkDatabase({ db });
      expect(result.ok).toBe(false);
    } finally {
      await db.$disconnect();
    }
  });
});
