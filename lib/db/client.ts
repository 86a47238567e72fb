import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { getEnv } from "@/lib/env";

export type { PrismaClient } from "@/lib/generated/prisma/client";

const globalForPrisma = globalThis as unknown as { promptdeckPrisma?: PrismaClient };

/** Builds a Prisma client on the pg driver adapter for one connection string. */
export function createPrismaClient(connectionString: string, max = getEnv().DATABASE_POOL_MAX): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString, max }) });
}

/**
 * The process-wide Prisma client. Every process (Next server, scripts, tests) reaches the
 * database through DATABASE_URL; the embedded PGlite is served on a loopback port by the
 * launcher (lib/db/embedded.ts), so there is a single database path.
 */
export function getDb(): PrismaClient {
  if (!globalForPrisma.promptdeckPrisma) {
    const url = getEnv().DATABASE_URL;
    if (!url) {
      throw new Error(
        "DATABASE_URL is not set. Start the app with `npm run demo` (embedded database) or set DATABASE_URL.",
      );
    }
    globalForPrisma.promptdeckPrisma = createPrismaClient(url);
  }
  return globalForPrisma.promptdeckPrisma;
}
