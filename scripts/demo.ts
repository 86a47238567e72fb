// npm run demo: the whole product on one command, offline. Uses DATABASE_URL when set, otherwise
// the embedded PGlite in PROMPTDECK_DATA_DIR (default .data, kept between runs); migrates; seeds
// the demo data when the database has no users; builds when the build is missing or older than
// the sources; serves the app (server.ts, else `next start`) on PORT (default 3000).
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { appServerCommand, knownDemoLogins, openDatabase, printDemoLogins, runInProcessGroup, seedDemoIfEmpty, waitForHealthy } from "./launcher";
import { PROJECT_ROOT } from "@/lib/db/migrate";

const DEMO_AUTH_SECRET = "promptdeck-demo-only-secret-NOT-for-production";
const SOURCE_DIRS = ["app", "components", "lib", "prisma", "public"];
const SOURCE_FILES = ["next.config.ts", "package.json", "package-lock.json", "postcss.config.mjs", "tailwind.config.ts", "tsconfig.json"];
const nextBin = path.join(PROJECT_ROOT, "node_modules", ".bin", "next");

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    newest = Math.max(newest, newestMtime(path.join(target, entry.name)));
  }
  return newest;
}

/** Why a build is needed, or null when `.next/BUILD_ID` is newer than every source file. */
function buildReason(): string | null {
  const buildId = path.join(PROJECT_ROOT, ".next", "BUILD_ID");
  if (!existsSync(buildId)) return "no production build yet";
  const built = statSync(buildId).mtimeMs;
  const sources = [...SOURCE_DIRS, ...SOURCE_FILES].map((p) => path.join(PROJECT_ROOT, p));
  const newest = Math.max(...sources.map(newestMtime));
  return newest > built ? "sources changed since the last build" : null;
}

const port = Number(process.env.PORT ?? 3000);
const baseUrl = `http://localhost:${port}`;
const appEnv: NodeJS.ProcessEnv = {
  ...process.env,
  NEXT_TELEMETRY_DISABLED: "1",
  CHECKPOINT_DISABLE: "1",
  PRISMA_SCHEMA_ENGINE_BINARY: "/bin/false",
  PORT: String(port),
  NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? baseUrl,
  NODE_ENV: "production",
};
if (!process.env.AUTH_SECRET && !process.env.NEXTAUTH_SECRET) {
  appEnv.AUTH_SECRET = DEMO_AUTH_SECRET;
  appEnv.NEXTAUTH_SECRET = DEMO_AUTH_SECRET;
  console.log("[demo] AUTH_SECRET not set: using a fixed demo-only secret (never use it in production)");
}

let db;
try {
  db = await openDatabase({ migrate: true, log: (m) => console.log(`[demo] ${m}`) });
} catch (error) {
  console.error(`[demo] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

let code = 1;
try {
  const env = { ...appEnv, ...db.childEnv };
  const seeded = await seedDemoIfEmpty(db.url, (m) => console.log(`[demo] ${m}`));
  const logins = seeded ?? (await knownDemoLogins());

  const reason = buildReason();
  if (reason) {
    console.log(`[demo] building (${reason}): next build`);
    const started = Date.now();
    const buildCode = await runInProcessGroup(nextBin, ["build"], { env, cwd: PROJECT_ROOT });
    if (buildCode !== 0) throw new Error(`next build failed (exit ${buildCode})`);
    console.log(`[demo] built in ${Math.round((Date.now() - started) / 1000)} s`);
  }

  let running = true;
  const app = appServerCommand(PROJECT_ROOT, "production", port);
  const server = runInProcessGroup(app.command, app.args, { env, cwd: PROJECT_ROOT }).finally(() => {
    running = false;
  });
  void waitForHealthy(baseUrl, 120_000, () => running).then((healthy) => {
    if (healthy && logins) printDemoLogins(logins, baseUrl);
    else if (healthy) console.log(`[demo] Promptdeck is running at ${baseUrl}`);
    else if (running) console.error(`[demo] ${baseUrl}/api/health did not answer 200 within 120 s`);
  });
  code = await server;
} catch (error) {
  console.error(`[demo] ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await db.stop();
}
process.exit(code);
