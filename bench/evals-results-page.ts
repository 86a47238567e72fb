/**
 * The eval results page at scale: seeds a completed run of 10,000 items x 3 versions (outputs,
 * two evaluators with the judge's reasons, ~8% regressions) into the demo project of a local
 * PostgreSQL database, starts the production server (`server.ts`; run `npx next build` first),
 * signs in with Chromium and measures:
 *  - the server-rendered HTML of the run page: response time and size (the first 200 items are
 *    rendered on the server, the table is virtualised, so the DOM holds only the rows in view);
 *  - time to first render: navigation start until the first result row is visible, and until
 *    the page is interactive (a row opens on click);
 *  - rows in the DOM after render (virtualisation: a few dozen, not 10,000);
 *  - scrolling the table to its end: every keyset page fetched (10,000 rows loaded).
 *
 * Run:  createdb -h 127.0.0.1 -U postgres promptdeck_evals_ui_bench
 *       npx next build && npx tsx bench/evals-results-page.ts [--items 10000] [--repeats 5] [--port 3297]
 * BENCH_DATABASE_URL overrides postgresql://postgres@127.0.0.1:5432/promptdeck_evals_ui_bench
 * (local hosts only; its schema is wiped). Target: first row visible < 1.5 s at 10,000 x 3.
 */
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { chromium } from "@playwright/test";
import { assertLocalDatabaseUrl } from "@/lib/db/local-url";
import { applyMigrations } from "@/lib/db/migrate";
import { createPrismaClient, registerDb } from "@/lib/db/client";
import type { EvaluatorConfig } from "@/lib/evals/evaluator-config";
import { seedDemo } from "@/prisma/seed";
import { binary, createEvalRunFixture, graded } from "@/tests/fixtures/eval-runs";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
};
const ITEMS = Number(arg("items", "10000"));
const REPEATS = Number(arg("repeats", "5"));
const PORT = Number(arg("port", "3297"));
const URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/promptdeck_evals_ui_bench";
const BASE = `http://127.0.0.1:${PORT}`;
const CATEGORIES = ["billing", "shipping", "returns", "technical", "account", "other"];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ms = (v: number) => `${Math.round(v)} ms`;

/** Deterministic pseudo-random in [0, 1) from two integers (so every run seeds the same data). */
function noise(a: number, b: number): number {
  const x = Math.sin(a * 12.9898 + b * 78.233) * 43758.5453;
  return x - Math.floor(x);
}

async function seed(): Promise<string> {
  const pool = new pg.Pool({ connectionString: URL, max: 1 });
  await pool.query("DROP SCHEMA IF EXISTS public CASCADE");
  await pool.query("CREATE SCHEMA public");
  await pool.end();
  await applyMigrations(URL);
  const db = createPrismaClient(URL, 4);
  registerDb(db);
  await seedDemo(db);
  const project = await db.project.findUniqueOrThrow({ where: { slug: "demo" } });
  const admin = await db.user.findUniqueOrThrow({ where: { email: "demo@promptdeck.dev" } });
  const viewer = await db.user.findUniqueOrThrow({ where: { email: "viewer@promptdeck.dev" } });
  const evaluators: EvaluatorConfig[] = [
    { type: "json_field", id: "category", path: "$.category" },
    { type: "llm_judge", id: "judge", prompt: "ticket-judge", version: "production", threshold: 0.5 },
  ];
  const started = performance.now();
  const fixture = await createEvalRunFixture({
    items: ITEMS,
    versions: ["1.0.1", "1.1.0", "1.2.0-draft"],
    evaluators,
    project: {
      id: project.id,
      editor: { kind: "user", userId: admin.id, projectId: project.id, role: "ADMIN" },
      viewer: { kind: "user", userId: viewer.id, projectId: project.id, role: "VIEWER" },
    },
    item: (i) => ({
      variables: { ticket: `Ticket ${i}: my order #${100000 + i} ${i % 3 === 0 ? "never arrived" : "was charged twice"}; please help.`, channel: "email" },
      expected: { category: CATEGORIES[i % CATEGORIES.length], urgency: "normal" },
    }),
    result: (i, v) => {
      const right = noise(i, v) > (v === 2 ? 0.3 : 0.2);
      const category = right ? CATEGORIES[i % CATEGORIES.length] : CATEGORIES[(i + 1) % CATEGORIES.length];
      const judgeScore = Math.round(noise(i + 7, v) * 100) / 100;
      return {
        output: JSON.stringify({ category, urgency: "normal" }, null, 2),
        scores: {
          category: binary(right),
          judge: graded(judgeScore, 0.5, right ? `The ticket is about ${category}; the answer matches.` : `The ticket is not about ${category}.`),
        },
        costMicros: 40 + v * 5,
        latencyMs: 300 + Math.round(noise(i, v + 3) * 900),
        inputTokens: 180,
        outputTokens: 14,
      };
    },
  });
  console.log(
    `seeded ${ITEMS.toLocaleString("en-US")} items x 3 versions (${(ITEMS * 3).toLocaleString("en-US")} results) in ${ms(performance.now() - started)}`,
  );
  const { summarizeRun } = await import("@/lib/evals/results");
  await summarizeRun(fixture.runId);
  await db.$disconnect();
  return fixture.runId;
}

async function startServer(): Promise<() => void> {
  const child = spawn("node_modules/.bin/tsx", ["server.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(PORT),
      HOSTNAME: "127.0.0.1",
      NEXT_TELEMETRY_DISABLED: "1",
      NEXTAUTH_URL: BASE,
      AUTH_SECRET: "bench-only-secret-do-not-use-in-production-0123456789",
      DATABASE_URL: URL,
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let i = 0; i < 240; i++) {
    const up = await fetch(`${BASE}/icon.svg`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return () => child.kill("SIGTERM");
    await sleep(500);
  }
  child.kill("SIGKILL");
  throw new Error("the server did not start in 120 s (did `npx next build` run?)");
}

async function main(): Promise<void> {
  assertLocalDatabaseUrl(URL, "BENCH_DATABASE_URL");
  const runId = await seed();
  const stop = await startServer();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--headless"] });
  try {
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    const page = await context.newPage();
    await page.goto(`${BASE}/signin`);
    await page.getByLabel("Email").fill("demo@promptdeck.dev");
    await page.getByLabel("Password").fill("promptdeck");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/p/demo/prompts");
    const url = `${BASE}/p/demo/evals/${runId}`;

    // Warm-up (first compile of the route's server code, caches).
    await page.goto(url);
    await page.getByTestId("result-row").first().waitFor();

    const html: number[] = [];
    let htmlBytes = 0;
    for (let i = 0; i < REPEATS; i++) {
      const t0 = performance.now();
      const res = await context.request.get(url);
      const body = await res.text();
      html.push(performance.now() - t0);
      htmlBytes = Buffer.byteLength(body);
      if (!body.includes('data-testid="result-row"')) throw new Error("the server HTML has no result row");
    }

    const firstRow: number[] = [];
    const interactive: number[] = [];
    let domRows = 0;
    for (let i = 0; i < REPEATS; i++) {
      const t0 = performance.now();
      await page.goto(url, { waitUntil: "commit" });
      await page.getByTestId("result-row").first().waitFor({ state: "visible" });
      firstRow.push(performance.now() - t0);
      await page.getByTestId("result-row").first().locator("button").click();
      await page.getByTestId("result-detail").first().waitFor();
      interactive.push(performance.now() - t0);
      domRows = await page.getByTestId("result-row").count();
    }

    // Scroll the virtualised table to its end: every keyset page is fetched on the way.
    const t0 = performance.now();
    const scroller = page.getByTestId("results-scroll");
    for (let i = 0; i < 2_000; i++) {
      await scroller.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      const text = await page.getByTestId("results-count").textContent();
      if (text && !text.includes("loaded")) break;
      await sleep(20);
    }
    const scrollAll = performance.now() - t0;
    const lastRows = await page.getByTestId("result-row").count();

    console.log(`results page, ${ITEMS.toLocaleString("en-US")} items x 3 versions (median of ${REPEATS}, Chromium, production server on loopback):`);
    console.log(`  server HTML         ${ms(median(html))}   ${(htmlBytes / 1024).toFixed(0)} KiB`);
    console.log(`  first row visible   ${ms(median(firstRow))}   (navigation start -> first result row painted)`);
    console.log(`  interactive         ${ms(median(interactive))}   (... -> a row opened by a click, after hydration)`);
    console.log(`  rows in the DOM     ${domRows} at the top, ${lastRows} at the end (virtualised; ${ITEMS.toLocaleString("en-US")} items)`);
    console.log(`  scroll to the end   ${ms(scrollAll)}   (all ${Math.ceil(ITEMS / 200)} keyset pages of 200 fetched)`);
    console.log("  target: first row visible < 1500 ms");
  } finally {
    await browser.close();
    stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
