// npm run db:migration -- <name>: writes prisma/migrations/<timestamp>_<name>/migration.sql with
// the SQL that takes the existing migrations to prisma/schema.prisma. Offline: the migrations are
// replayed in a shadow database (a temporary database on the DATABASE_URL server, dropped
// afterwards, or an in-memory PGlite when DATABASE_URL is unset). Prints "No schema changes" and
// writes nothing when there is no difference.
import path from "node:path";
import { createMigration, PROJECT_ROOT } from "@/lib/db/migrate";

const name = process.argv.slice(2).filter((arg) => arg !== "--")[0];
if (!name) {
  console.error("Usage: npm run db:migration -- <name>   (e.g. add_prompt_archived_flag)");
  process.exit(2);
}
const started = Date.now();
try {
  const created = await createMigration(name, { databaseUrl: process.env.DATABASE_URL });
  if (!created) {
    console.log("No schema changes: prisma/schema.prisma matches the migrations; nothing created.");
  } else {
    console.log(`Created ${path.relative(PROJECT_ROOT, created.file)} (${Date.now() - started} ms):\n`);
    console.log(created.sql);
    console.log("Review it, run `npm run db:migrate` to apply it and `npm run db:generate` for the client.");
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
