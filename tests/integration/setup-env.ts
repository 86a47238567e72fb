// Runs in every integration test file before it loads: points DATABASE_URL (read by getDb() via
// lib/env.ts) at the database global-setup.ts prepared, and releases the pool afterwards.
import { afterAll, inject } from "vitest";

process.env.DATABASE_URL = inject("databaseUrl");
process.env.DATABASE_POOL_MAX = inject("databasePoolMax");

afterAll(async () => {
  const cached = (globalThis as { promptdeckPrisma?: { $disconnect(): Promise<void> } }).promptdeckPrisma;
  await cached?.$disconnect();
});
