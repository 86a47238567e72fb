// npm run db:migrate: applies pending migrations to DATABASE_URL, or when it is unset to the
// embedded database in PROMPTDECK_DATA_DIR (default .data).
import { openDatabase } from "./launcher";

try {
  const db = await openDatabase({ migrate: true });
  await db.stop();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
