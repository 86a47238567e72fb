/**
 * Eval results at the size the issue names: one run of 10,000 items x 3 versions (30,000
 * EvalResult rows with outputs of ~600 characters, two evaluators each, judge reasons) written
 * by tests/fixtures/eval-runs.ts, then the reads behind the results page, timed (p50/p95 over
 * repeats, database on loopback): the first page (50 items x 3 versions) with each filter, a deep
 * page (after 9,000 items), the paired comparison with the baseline, the run summary and the
 * judge calibration.
 *
 * Run:  createdb -h 127.0.0.1 -U postgres promptdeck_evals_bench
 *       npx tsx bench/evals-results.ts [--items 10000] [--repeats 15]
 * BENCH_DATABASE_URL overrides postgresql://postgres@127.0.0.1:5432/promptdeck_evals_bench (local
 * hosts only: the schema is wiped). Target: first page < 100 ms, comparison < 500 ms.
 */
import pg from "pg";
import { assertLocalDatabaseUrl } from "@/lib/db/local-url";
import { applyMigrations } from "@/lib/db/migrate";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
};
const ITEMS = Number(arg("items", "10000"));
const REPEATS = Number(arg("repeats", "15"));
const URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/promptdeck_evals_bench";

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

async function time(label: string, fn: () => Promise<unknown>, repeats = REPEATS): Promise<void> {
  await fn(); // warm (plans, caches)
  const samples: number[] = [];
  for (let i = 0; i < repeats; i += 1) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  console.log(`${label.padEnd(52)} p50 ${quantile(samples, 0.5).toFixed(1).padStart(7)} ms   p95 ${quantile(samples, 0.95).toFixed(1).padStart(7)} ms`);
}

async function main(): Promise<void> {
  assertLocalDatabaseUrl(URL);
  const admin = new pg.Client({ connectionString: URL });
  await admin.connect();
  await admin.query("DROP SCHEMA IF EXISTS public CASCADE");
  await admin.query("CREATE SCHEMA public");
  await admin.end();
  await applyMigrations(URL);
  process.env.DATABASE_URL = URL;

  const { createEvalRunFixture, binary, graded } = await import("../tests/fixtures/eval-runs");
  const { summarizeRun, getRunResults, compareToBaseline, judgeCalibration } = await import("@/lib/evals/results");
  const { getDb } = await import("@/lib/db/client");

  // Deterministic pseudo-random pattern: baseline passes ~80%, the candidate ~84% with ~3% regressions.
  const unit = (i: number, v: number) => {
    // A 32-bit integer mix (murmur3's finalizer) of (item, stream): independent-looking uniforms.
    let h = (i * 0x9e3779b1 + v * 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
  };
  const passes = (i: number, v: number) =>
    v === 0 ? unit(i, 0) < 0.8 : v === 1 ? (unit(i, 0) < 0.8 ? unit(i, 1) > 0.04 : unit(i, 1) < 0.3) : unit(i, 2) < 0.8;
  const output = (i: number, v: number) => `Answer ${i} from version ${v}: ${"lorem ipsum dolor sit amet ".repeat(22)}`;
  const started = performance.now();
  const fixture = await createEvalRunFixture({
    items: ITEMS,
    versions: ["1.2.0", "1.3.0", "1.4.0-draft"],
    evaluators: [
      { type: "exact_match", id: "exact", normalize: { trim: true, caseInsensitive: false, collapseWhitespace: false, stripPunctuation: false } },
      { type: "llm_judge", id: "judge", prompt: "rubric", version: "production", threshold: 0.5 },
    ],
    item: (i) => ({ variables: { ticket: `Ticket ${i}: my order has not arrived`, customer: `c${i}` }, expected: `expected answer ${i}` }),
    result: (i, v) => {
      const ok = passes(i, v);
      return {
        output: output(i, v),
        scores: {
          exact: binary(ok),
          judge: graded(
            ok ? 0.6 + unit(i, v + 7) * 0.4 : unit(i, v + 7) * 0.5,
            0.5,
            `The answer ${ok ? "addresses" : "misses"} the customer's question about order ${i}.`,
          ),
        },
        costMicros: 900 + (i % 300),
        latencyMs: 800 + (i % 1200),
        inputTokens: 400,
        outputTokens: 150,
        ...(i % 50 === 0 ? { review: { verdict: ok === unit(i, 9) < 0.9 ? ("correct" as const) : ("incorrect" as const) } } : {}),
      };
    },
  });
  const seeded = performance.now() - started;
  const { projectId } = { projectId: fixture.project.id };
  // What autovacuum does after a bulk insert: statistics, and the visibility map that lets the
  // result filters use index-only scans of (runVersionId, itemId).
  await getDb().$executeRawUnsafe('VACUUM ANALYZE "EvalResult"');
  await getDb().$executeRawUnsafe('VACUUM ANALYZE "DatasetItem"');
  console.log(`Eval results bench: ${ITEMS} items x 3 versions = ${ITEMS * 3} results (seeded in ${(seeded / 1000).toFixed(1)} s), ${REPEATS} repeats`);

  let deepCursor: string | null = null;
  {
    let after: string | undefined;
    for (let seen = 0; seen < Math.min(9_000, ITEMS - 50);) {
      const page = await getRunResults(fixture.runId, projectId, { after, limit: 500 });
      seen += page.rows.length;
      after = page.nextCursor ?? undefined;
      if (!after) break;
    }
    deepCursor = after ?? null;
  }

  await time("results: first page (50 items x 3), all", () => getRunResults(fixture.runId, projectId, { limit: 50 }));
  await time("results: first page, regressions", () => getRunResults(fixture.runId, projectId, { limit: 50, filter: "regressions" }));
  await time("results: first page, failed", () => getRunResults(fixture.runId, projectId, { limit: 50, filter: "failed" }));
  await time("results: first page, unreviewed", () => getRunResults(fixture.runId, projectId, { limit: 50, filter: "unreviewed" }));
  if (deepCursor) await time("results: page after 9,000 items", () => getRunResults(fixture.runId, projectId, { limit: 50, after: deepCursor }));
  await time("compareToBaseline (2 versions x 2 evaluators)", () => compareToBaseline(fixture.runId, projectId));
  await time("summarizeRun (aggregate + write 3 summaries)", () => summarizeRun(fixture.runId), 5);
  await time("judgeCalibration (project)", () => judgeCalibration(projectId));

  const [comparison] = await compareToBaseline(fixture.runId, projectId);
  console.log(`\n${comparison!.combined.verdict.text}; ${comparison!.regressions.count} regressions`);
  await getDb().$disconnect();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
