// `npm test`: the whole gate, in order — typecheck, lint, unit tests, integration tests against
// PostgreSQL, then Playwright end-to-end tests in real Chromium against a production build.
//
// Database: TEST_DATABASE_URL when set (must be local), otherwise a throwaway embedded PGlite served
// on a loopback port for the whole run. Chromium: CHROMIUM_PATH or /usr/bin/chromium; when missing it
// is installed with apt-get where that is possible (root), else the run fails with the command.
// The run fails if any test fails, is skipped, or if no tests ran at all.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);
const reportDir = mkdtempSync(path.join(tmpdir(), "promptdeck-test-"));

// Tests never call the real Claude API: the runner falls back to the built-in simulator.
const { ANTHROPIC_API_KEY: _realKey, ANTHROPIC_BASE_URL: _realBaseUrl, ...inheritedEnv } = process.env;
const baseEnv: NodeJS.ProcessEnv = {
  ...inheritedEnv,
  NEXT_TELEMETRY_DISABLED: "1",
  CHECKPOINT_DISABLE: "1",
  PRISMA_SCHEMA_ENGINE_BINARY: "/bin/false",
};

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}
const tally: Tally = { passed: 0, failed: 0, skipped: 0 };

function banner(text: string): void {
  console.log(`\n=== ${text} ===`);
}

function run(step: string, command: string, args: string[], env: NodeJS.ProcessEnv = baseEnv): Promise<number> {
  banner(step);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: "inherit", detached: true });
    const forward = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        /* already gone */
      }
    };
    process.once("SIGINT", forward);
    process.once("SIGTERM", forward);
    child.on("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      // Kill anything the step left behind in its process group (e.g. a next-server).
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* group already empty */
      }
      console.log(`--- ${step}: ${code === 0 ? "ok" : `failed (${signal ?? code})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      resolve(code ?? 1);
    });
  });
}

/** Reads a vitest/jest-style JSON report. */
function countVitest(file: string): Tally {
  const report = JSON.parse(readFileSync(file, "utf8")) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
  };
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
  };
}

/** Reads Playwright's JSON report. */
function countPlaywright(file: string): Tally {
  const report = JSON.parse(readFileSync(file, "utf8")) as {
    stats: { expected: number; unexpected: number; flaky: number; skipped: number };
  };
  return {
    passed: report.stats.expected + report.stats.flaky,
    failed: report.stats.unexpected,
    skipped: report.stats.skipped,
  };
}

function add(t: Tally): void {
  tally.passed += t.passed;
  tally.failed += t.failed;
  tally.skipped += t.skipped;
}

function ensureChromium(): string {
  const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (existsSync(chromium)) return chromium;
  const install = "apt-get update && apt-get install -y chromium";
  const isRoot = process.getuid?.() === 0;
  if (isRoot && !process.env.CHROMIUM_PATH && spawnSync("which", ["apt-get"]).status === 0) {
    banner(`Chromium missing: ${install}`);
    const result = spawnSync("bash", ["-c", `DEBIAN_FRONTEND=noninteractive ${install}`], { stdio: "inherit" });
    if (result.status === 0 && existsSync(chromium)) return chromium;
  }
  console.error(`\nChromium not found at ${chromium}. Install it with:\n  sudo ${install}\nor set CHROMIUM_PATH.`);
  process.exit(1);
}

async function startDatabase(): Promise<{ url: string; stop: () => Promise<void> }> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) return { url: external, stop: async () => {} };
  const { startEmbeddedDatabase } = await import("../lib/db/embedded");
  const dataDir = mkdtempSync(path.join(tmpdir(), "promptdeck-testdb-"));
  const db = await startEmbeddedDatabase({ dataDir });
  console.log(`Embedded test database at ${db.url} (set TEST_DATABASE_URL to use a PostgreSQL server)`);
  return {
    url: db.url,
    stop: async () => {
      await db.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<number> {
  const chromium = ensureChromium();

  if ((await run("typecheck", bin("tsc"), ["--noEmit"])) !== 0) return 1;
  // `npm run lint`: ESLint (no warnings allowed), then the dependency rules (.dependency-cruiser.cjs).
  if ((await run("lint", "npm", ["run", "--silent", "lint"])) !== 0) return 1;

  const unitReport = path.join(reportDir, "unit.json");
  const unitCode = await run("unit tests", bin("vitest"), [
    "run",
    "--project",
    "unit",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${unitReport}`,
  ]);
  if (existsSync(unitReport)) add(countVitest(unitReport));
  if (unitCode !== 0) return 1;

  const db = await startDatabase();
  try {
    const dbEnv = { ...baseEnv, TEST_DATABASE_URL: db.url, DATABASE_POOL_MAX: baseEnv.DATABASE_POOL_MAX ?? "4" };
    const integrationReport = path.join(reportDir, "integration.json");
    const integrationCode = await run(
      "integration tests",
      bin("vitest"),
      ["run", "--project", "integration", "--reporter=default", "--reporter=json", `--outputFile.json=${integrationReport}`],
      dbEnv,
    );
    if (existsSync(integrationReport)) add(countVitest(integrationReport));
    if (integrationCode !== 0) return 1;

    if ((await run("build", bin("next"), ["build"])) !== 0) return 1;

    const e2eReport = path.join(reportDir, "e2e.json");
    const e2eCode = await run("end-to-end tests (Chromium)", bin("playwright"), ["test", "--reporter=list,json"], {
      ...dbEnv,
      DATABASE_URL: db.url,
      CHROMIUM_PATH: chromium,
      PLAYWRIGHT_JSON_OUTPUT_NAME: e2eReport,
    });
    if (existsSync(e2eReport)) add(countPlaywright(e2eReport));
    if (e2eCode !== 0) return 1;
  } finally {
    await db.stop();
  }
  return 0;
}

const code = await main().catch((error: unknown) => {
  console.error(error);
  return 1;
});
const total = tally.passed + tally.failed + tally.skipped;
console.log(`\n${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped`);
let exitCode = code;
if (code === 0 && tally.skipped > 0) {
  console.error("Tests were skipped: a skipped test is not a pass.");
  exitCode = 1;
}
if (code === 0 && total === 0) {
  console.error("No tests ran.");
  exitCode = 1;
}
rmSync(reportDir, { recursive: true, force: true });
process.exit(exitCode === 0 && tally.failed === 0 ? 0 : 1);
