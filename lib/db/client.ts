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
 * Makes `client` the process-wide client that getDb() returns. The server's composition root
 * (lib/runtime/process.ts) creates the client, registers it before anything serves, and closes it
 * at shutdown. The slot is on globalThis, so Next's bundled copy of this module (server actions,
 * route handlers) finds the same client. Throws if another client was created or registered first
 * (two pools in one process).
 */
export function registerDb(client: PrismaClient): void {
  const current = globalForPrisma.promptdeckPrisma;
  if (current && current !== client) {
    throw new Error("A Prisma client already exists in this process: register the root's client before anything calls getDb()");
  }
  globalForPrisma.promptdeckPrisma = client;
}

/**
 * The process-wide Prisma client: the one the composition root registered (server), else created
 * on first use (scripts, tests). Every process reaches the database through DATABASE_URL; the
 * embedded PGlite is served on a loopback port by the launcher (lib/db/embedded.ts), so there is
 * a single database path.
 */
export function getDb(): PrismaClient {
  if (!globalForPrisma.promptdeckPrisma) {
    const url = getEnv().DATABASE_URL;
    if (!url) {
      throw new Error("DATABASE_URL is not set. Start the app with `npm run demo` (embedded database) or set DATABASE_URL.");
    }
    globalForPrisma.promptdeckPrisma = createPrismaClient(url);
  }
  return globalForPrisma.promptdeckPrisma;
}
