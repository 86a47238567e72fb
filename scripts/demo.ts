// npm run demo: the whole product on one command, offline. Uses DATABASE_URL when set, otherwise
// the embedded PGlite in PROMPTDECK_DATA_DIR (default .data, kept between runs); migrates; seeds
// the demo data when the database has no users; builds when the build is missing or older than
// the sources (in the background meanwhile, without Next's type-check: see startBuild); serves
// the app (server.ts, else `next start`) on PORT (default 3000). Every phase prints a [demo] line.
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

const startedAt = Date.now();
const elapsed = () => `${Math.round((Date.now() - startedAt) / 1000)} s`;
const say = (message: string) => console.log(`[demo] ${message}`);

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
  say("AUTH_SECRET not set: using a fixed demo-only secret (never use it in production)");
}

/**
 * The production build, in the background while the database starts and seeds. It skips Next's
 * type-check (next.config.ts, PROMPTDECK_DEMO_BUILD=1), over half of a build on 2 cores:
 * `npm test` and `npm run build` type-check. Prints a line every 15 s so a long build is never silent.
 */
function startBuild(reason: string, signal: AbortSignal): Promise<void> {
  say(
    `building the app (${reason}) in the background: next build, type-check skipped (npm test checks types); about a minute on 2 idle cores, longer on a busy machine`,
  );
  const started = Date.now();
  const ticker = setInterval(() => say(`still building (${Math.round((Date.now() - started) / 1000)} s)...`), 15_000);
  return runInProcessGroup(nextBin, ["build"], { env: { ...appEnv, PROMPTDECK_DEMO_BUILD: "1" }, cwd: PROJECT_ROOT, signal })
    .then((buildCode) => {
      if (buildCode !== 0) throw new Error(`next build failed (exit ${buildCode})`);
      say(`built in ${Math.round((Date.now() - started) / 1000)} s`);
    })
    .finally(() => clearInterval(ticker));
}

const stopBuild = new AbortController();
const reason = buildReason();
say(reason ? "first start on this checkout: build + database + demo data, then the server" : "production build is up to date");
const build = reason ? startBuild(reason, stopBuild.signal) : Promise.resolve();
// Settled here so a failed build is reported once, where it is awaited below.
build.catch(() => {});

let db;
try {
  say("starting the database (migrations, then the demo data when it is empty)");
  db = await openDatabase({ migrate: true, log: (m) => console.log(`[demo] ${m}`) });
} catch (error) {
  console.error(`[demo] ${error instanceof Error ? error.message : String(error)}`);
  stopBuild.abort();
  await build.catch(() => {});
  process.exit(1);
}

let code = 1;
try {
  const env = { ...appEnv, ...db.childEnv };
  const seeded = await seedDemoIfEmpty(db.url, (m) => console.log(`[demo] ${m}`));
  const logins = seeded ?? (await knownDemoLogins());
  if (reason) say(`database ready after ${elapsed()}; waiting for the build`);
  await build;

  say("starting the server");
  let running = true;
  const app = appServerCommand(PROJECT_ROOT, "production", port);
  const server = runInProcessGroup(app.command, app.args, { env, cwd: PROJECT_ROOT }).finally(() => {
    running = false;
  });
  void waitForHealthy(baseUrl, 120_000, () => running).then((healthy) => {
    if (healthy) say(`ready ${elapsed()} after \`npm run demo\``);
    if (healthy && logins) printDemoLogins(logins, baseUrl);
    else if (healthy) say(`Promptdeck is running at ${baseUrl}`);
    else if (running) console.error(`[demo] ${baseUrl}/api/health did not answer 200 within 120 s`);
  });
  code = await server;
} catch (error) {
  console.error(`[demo] ${error instanceof Error ? error.message : String(error)}`);
  stopBuild.abort();
  await build.catch(() => {});
} finally {
  await db.stop();
}
process.exit(code);
