// npm run dev: the app in development mode (server.ts --dev, else `next dev`) on PORT (default 3000) against DATABASE_URL or the embedded PGlite in
// PROMPTDECK_DATA_DIR (default .data); migrates and seeds the demo data when there are no users.
import { appServerCommand, knownDemoLogins, openDatabase, printDemoLogins, runInProcessGroup, seedDemoIfEmpty, waitForHealthy } from "./launcher";
import { PROJECT_ROOT } from "@/lib/db/migrate";

const DEV_AUTH_SECRET = "promptdeck-dev-only-secret-NOT-for-production";
const port = Number(process.env.PORT ?? 3000);
const baseUrl = `http://localhost:${port}`;
const env: NodeJS.ProcessEnv = {
  ...process.env,
  NEXT_TELEMETRY_DISABLED: "1",
  CHECKPOINT_DISABLE: "1",
  PRISMA_SCHEMA_ENGINE_BINARY: "/bin/false",
  PORT: String(port),
  NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? baseUrl,
};
if (!process.env.AUTH_SECRET && !process.env.NEXTAUTH_SECRET) {
  env.AUTH_SECRET = DEV_AUTH_SECRET;
  env.NEXTAUTH_SECRET = DEV_AUTH_SECRET;
}

let db;
try {
  db = await openDatabase({ migrate: true, log: (m) => console.log(`[dev] ${m}`) });
} catch (error) {
  console.error(`[dev] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
let code = 1;
try {
  const logins = (await seedDemoIfEmpty(db.url, (m) => console.log(`[dev] ${m}`))) ?? (await knownDemoLogins());
  let running = true;
  const app = appServerCommand(PROJECT_ROOT, "dev", port);
  const server = runInProcessGroup(app.command, app.args, {
    env: { ...env, ...db.childEnv },
    cwd: PROJECT_ROOT,
  }).finally(() => {
    running = false;
  });
  void waitForHealthy(baseUrl, 300_000, () => running).then((healthy) => {
    if (healthy && logins) printDemoLogins(logins, baseUrl);
  });
  code = await server;
} catch (error) {
  console.error(`[dev] ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await db.stop();
}
process.exit(code);
