// npm start (production): requires DATABASE_URL and AUTH_SECRET (or NEXTAUTH_SECRET) and a
// build (`npm run build`); applies pending migrations, then serves `next start` on PORT
// (default 3000) with server.ts (else `next start`). Never seeds.
import { existsSync } from "node:fs";
import path from "node:path";
import { appServerCommand, migrateAndReport, runInProcessGroup } from "./launcher";
import { PROJECT_ROOT } from "@/lib/db/migrate";

const databaseUrl = process.env.DATABASE_URL;
const problems: string[] = [];
if (!databaseUrl) problems.push("DATABASE_URL is not set (postgresql://user:password@host:5432/db).");
if (!process.env.AUTH_SECRET && !process.env.NEXTAUTH_SECRET) {
  problems.push("AUTH_SECRET (or NEXTAUTH_SECRET) is not set; generate one with `openssl rand -base64 32`.");
}
if (!existsSync(path.join(PROJECT_ROOT, ".next", "BUILD_ID"))) problems.push("No production build: run `npm run build` first.");
if (problems.length > 0 || !databaseUrl) {
  console.error(`npm start refuses to run:\n${problems.map((p) => `  - ${p}`).join("\n")}\n(For a self-contained demo use \`npm run demo\`.)`);
  process.exit(1);
}

const port = String(process.env.PORT ?? 3000);
try {
  await migrateAndReport(databaseUrl, (m) => console.log(`[start] ${m}`));
} catch (error) {
  console.error(`[start] migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const app = appServerCommand(PROJECT_ROOT, "production", Number(port));
const code = await runInProcessGroup(app.command, app.args, {
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production", PORT: port },
  cwd: PROJECT_ROOT,
});
process.exit(code);
