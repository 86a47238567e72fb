import { assertLocalDatabaseUrl } from "@/lib/db/local-url";
import { applyMigrations } from "@/lib/db/migrate";
import { createPrismaClient } from "@/lib/db/client";
import { seedDemo } from "@/prisma/seed";

export default async function globalSetup(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL must point at a local test database for the e2e tests (npm test sets it).");
  // The e2e run writes demo data: refuse anything but a loopback database.
  assertLocalDatabaseUrl(url, "DATABASE_URL");
  // Idempotent: nothing to do when the test runner already migrated.
  await applyMigrations(url);
  const db = createPrismaClient(url, 2);
  try {
    await seedDemo(db);
    // Failed sign-ins of earlier runs (all from 127.0.0.1) must not slow down or lock this one.
    await db.signInThrottle.deleteMany({});
  } finally {
    await db.$disconnect();
  }
}
