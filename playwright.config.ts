import { defineConfig, devices } from "@playwright/test";

// End-to-end tests in Debian's Chromium (never `playwright install`) against a production
// server (`next build` runs first, see scripts/test.ts) on DATABASE_URL, which global-setup
// migrates and seeds with the demo data.
// E2E_PORT lets several checkouts on one machine run their suites side by side.
const PORT = Number(process.env.E2E_PORT ?? 3200);
const baseURL = `http://127.0.0.1:${PORT}`;
const CI = Boolean(process.env.CI);

export const E2E_AUTH_SECRET = "e2e-only-secret-do-not-use-in-production-0123456789";

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "test-results/e2e",
  fullyParallel: true,
  forbidOnly: CI,
  retries: 0,
  workers: CI ? 2 : undefined,
  // Generous: the machine running this may be busy (2 cores, production server, Chromium).
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: CI ? [["list"]] : [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  globalSetup: "./tests/e2e/global-setup.ts",
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--headless",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        // Without this Chromium keeps trying to resolve Google hosts on an offline machine.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
      ],
    },
  },
  projects: [
    { name: "setup", testMatch: /.*\.setup\.ts/ },
    {
      name: "chromium",
      testMatch: /.*\.spec\.ts/,
      dependencies: ["setup"],
      use: { ...devices["Desktop Chrome"], viewport: { width: 1360, height: 860 } },
    },
  ],
  webServer: {
    // server.ts: the app's real entry (the front with the lean /api/v1 handler, Next in its web process behind the front's proxy), as `npm start` runs it.
    command: "node_modules/.bin/tsx server.ts",
    // A static file: the server is up without touching the database (seeded by global-setup).
    url: `${baseURL}/icon.svg`,
    reuseExistingServer: !CI,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      NODE_ENV: "production",
      PORT: String(PORT),
      HOSTNAME: "127.0.0.1",
      NEXT_TELEMETRY_DISABLED: "1",
      NEXTAUTH_URL: baseURL,
      AUTH_SECRET: process.env.AUTH_SECRET ?? E2E_AUTH_SECRET,
      DATABASE_URL: process.env.DATABASE_URL ?? "",
      DATABASE_POOL_MAX: process.env.DATABASE_POOL_MAX ?? "4",
      // The webhook spec's receiver listens on 127.0.0.1, an internal address webhooks refuse otherwise.
      PROMPTDECK_WEBHOOK_ALLOW_PRIVATE: "1",
    },
  },
});
