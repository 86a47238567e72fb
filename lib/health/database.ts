import type { PrismaClient } from "@/lib/generated/prisma/client";
import { getDb } from "@/lib/db/client";

export interface DatabaseHealth {
  ok: boolean;
  latencyMs: number;
  /** Why the check failed (for logs; not meant for anonymous callers). */
  error?: string;
}

/**
 * Runs `SELECT 1` through the Prisma client. Never throws: a failure, a missing DATABASE_URL
 * or no answer within `timeoutMs` gives `ok: false`.
 */
export async function checkDatabase(options: { db?: PrismaClient; timeoutMs?: number } = {}): Promise<DatabaseHealth> {
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? 5000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const db = options.db ?? getDb();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([db.$queryRaw`SELECT 1`, timeout]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}
