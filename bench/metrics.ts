/**
 * Metrics at scale: generates synthetic calls (default 1M; `--calls 10000000` for 10M) over 20
 * prompts x 5 versions (100 versions) and 30 days straight into a local PostgreSQL database,
 * building the rollups with the SAME statement the call-log writer uses (lib/metrics/rollup-sql.ts
 * `insertWithRollupSql`: CallLog insert + rollup upsert, here with a generate_series insert per
 * chunk), then times every query behind the per-prompt page, the overview, the cost view and
 * the call explorer's first page (p50/p99 over repeats, database round trip on loopback), and
 * the same per-prompt figures computed from the raw CallLog table for comparison.
 *
 * Run:  createdb -h 127.0.0.1 -U postgres promptdeck_metrics_bench
 *       npx tsx bench/metrics.ts [--calls 1000000] [--reuse] [--repeats 15]
 * BENCH_DATABASE_URL overrides postgresql://postgres@127.0.0.1:5432/promptdeck_metrics_bench
 * (local hosts only: the schema is wiped unless --reuse). Target: < 100 ms per chart query at 10M.
 */
import pg from "pg";
import { applyMigrations } from "@/lib/db/migrate";
import { assertLocalDatabaseUrl } from "@/lib/db/local-url";
import { SEED_MODEL_CATALOG } from "@/lib/models/catalog";
import { insertWithRollupSql, rollupPrices } from "@/lib/metrics/rollup-sql";
import { queryRollups, rollupSource, type RollupDimension, type RollupQuery } from "@/lib/metrics/rollup-query";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { resolveWindow, type RangeName, type BucketName } from "@/lib/metrics/window";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
};
const CALLS = Number(arg("calls", "1000000"));
const REPEATS = Number(arg("repeats", "15"));
const REUSE = args.includes("--reuse");
const CHUNK = 200_000;
const URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/promptdeck_metrics_bench";
const PROMPTS = 20;
const VERSIONS = 5;
const DAYS = 30;
const MODELS = ["claude-sonnet-5-5", "claude-haiku-5-5", "claude-opus-5-5"];

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

async function main(): Promise<void> {
  assertLocalDatabaseUrl(URL);
  const pool = new pg.Pool({ connectionString: URL, max: 2 });
  const q = (sql: string, params: unknown[] = []) => pool.query(sql, params);
  const projectId = "bench-project";
  let endMs: number;

  if (!REUSE) {
    await q("DROP SCHEMA IF EXISTS public CASCADE");
    await q("CREATE SCHEMA public");
    await applyMigrations(URL);
    endMs = Math.floor(Date.now() / 60_000) * 60_000;
    const start = new Date(endMs - DAYS * 86_400_000);
    await q(`INSERT INTO "Project" ("id", "slug", "name", "updatedAt") VALUES ($1, 'bench', 'Bench', now())`, [projectId]);
    await q(`CREATE TABLE bench_meta (end_at timestamp(3))`);
    await q(`INSERT INTO bench_meta VALUES ($1)`, [new Date(endMs)]);
    await q(`CREATE TABLE bench_versions (p int, v int, prompt_id text, version_id text, model text, PRIMARY KEY (p, v))`);
    for (let p = 0; p < PROMPTS; p++) {
      const promptId = `bench-prompt-${p}`;
      await q(`INSERT INTO "Prompt" ("id", "projectId", "name", "tags", "updatedAt") VALUES ($1, $2, $3, '{}', now())`, [
        promptId,
        projectId,
        `prompt-${String(p).padStart(2, "0")}`,
      ]);
      for (let v = 0; v < VERSIONS; v++) {
        const versionId = `bench-version-${p}-${v}`;
        const releasedAt = new Date(start.getTime() + (v * 6 + (p % 5)) * 86_400_000);
        await q(
          `INSERT INTO "PromptVersion" ("id", "promptId", "major", "minor", "patch", "status", "system", "messages", "variables", "modelConfig", "contentHash", "publishedAt", "updatedAt")
           VALUES ($1, $2, 1, $3, 0, 'PUBLISHED', '[]', '[]', '{}', '{}', $1, $4, now())`,
          [versionId, promptId, v, releasedAt],
        );
        await q(`INSERT INTO bench_versions VALUES ($1, $2, $3, $4, $5)`, [p, v, promptId, versionId, MODELS[p % 3]]);
      }
      // The production label moved to each version on its release day.
      await q(`INSERT INTO "Label" ("id", "promptId", "name", "versionId", "updatedAt") VALUES ($1, $2, 'production', $3, now())`, [
        `bench-label-${p}`,
        promptId,
        `bench-version-${p}-${VERSIONS - 1}`,
      ]);
      for (let v = 0; v < VERSIONS; v++) {
        await q(`INSERT INTO "LabelEvent" ("id", "labelId", "fromVersionId", "toVersionId", "at") VALUES ($1, $2, $3, $4, $5)`, [
          `bench-event-${p}-${v}`,
          `bench-label-${p}`,
          v > 0 ? `bench-version-${p}-${v - 1}` : null,
          `bench-version-${p}-${v}`,
          new Date(start.getTime() + (v * 6 + (p % 5)) * 86_400_000),
        ]);
      }
    }
    const prices = JSON.stringify(rollupPrices(SEED_MODEL_CATALOG));
    // Realistic-ish distributions: prompt popularity skewed (r^2), 90% of traffic on the version
    // released last (10% still on the previous one), the prompt's model with 15% on haiku
    // (fallbacks), 85% api / 7% experiment / 5% eval (half of it through batches) / 3% playground,
    // 2% errors, 1% refusals, 0.5% invalid output, lognormal latency per model, half of the calls
    // reading a 3k-token cached prefix, 10% scored (85% correct).
    const insert = `INSERT INTO "CallLog" ("id", "projectId", "promptId", "versionId", "source", "model", "requestedModel", "status", "attempts", "batch", "inputTokens", "outputTokens", "cacheWriteTokens", "cacheWrite1hTokens", "cacheReadTokens", "costMicros", "latencyMs", "outputChars", "score", "metadata", "createdAt")
SELECT 'bc' || x.g, '${projectId}', bv.prompt_id, bv.version_id, x.source::"CallSource", x.model, x.model, x.status::"CallStatus", 1, x.batch,
  x.input, x.output, x.cw, 0, x.cr,
  (round(x.input::numeric * pr.input * x.f / 1e6) + round(x.cw::numeric * pr.w5 * x.f / 1e6) + round(x.cr::numeric * pr.rd * x.f / 1e6) + round(x.output::numeric * pr.outp * x.f / 1e6))::int8,
  x.latency, x.output * 4, x.score, '{}', x.created
FROM (
  SELECT g, p, created,
    CASE WHEN vi > 0 AND rv < 0.1 THEN vi - 1 ELSE vi END AS v,
    CASE WHEN rm < 0.15 THEN 'claude-haiku-5-5' ELSE (ARRAY['claude-sonnet-5-5','claude-haiku-5-5','claude-opus-5-5'])[p % 3 + 1] END AS model,
    CASE WHEN rs < 0.85 THEN 'api' WHEN rs < 0.92 THEN 'experiment' WHEN rs < 0.97 THEN 'eval' ELSE 'playground' END AS source,
    (rs >= 0.92 AND rs < 0.945) AS batch,
    CASE WHEN (rs >= 0.92 AND rs < 0.945) THEN 0.5 ELSE 1 END AS f,
    CASE WHEN rt < 0.02 THEN 'error' WHEN rt < 0.03 THEN 'refusal' WHEN rt < 0.035 THEN 'invalid_output' ELSE 'ok' END AS status,
    (150 + floor(rin * 1800))::int AS input,
    CASE WHEN rc < 0.5 THEN 3000 ELSE 0 END AS cr,
    CASE WHEN rc >= 0.5 AND rc < 0.55 THEN 3000 ELSE 0 END AS cw,
    (40 + floor(rout * rout * 900))::int AS output,
    LEAST(600000, GREATEST(1, round(exp(ln(CASE p % 3 WHEN 0 THEN 1400 WHEN 1 THEN 450 ELSE 3200 END) + 0.55 * sqrt(-2 * ln(GREATEST(u1, 1e-12))) * cos(2 * pi() * u2)))))::int AS latency,
    CASE WHEN rq < 0.1 THEN (CASE WHEN rq < 0.085 THEN 1.0 ELSE 0.0 END) ELSE NULL END::float8 AS score
  FROM (
    SELECT g, p, created, LEAST(${VERSIONS - 1}, GREATEST(0, floor((extract(epoch FROM created - $2::timestamp) / 86400 - p % 5) / 6)))::int AS vi,
      random() AS rv, random() AS rm, random() AS rs, random() AS rt, random() AS rin, random() AS rc, random() AS rout, random() AS u1, random() AS u2, random() AS rq
    FROM (SELECT g, floor(${PROMPTS} * random() * random())::int AS p, $2::timestamp + random() * interval '${DAYS} days' AS created FROM generate_series($3::int8, $4::int8) g) a
  ) b
) x
JOIN bench_versions bv ON bv.p = x.p AND bv.v = x.v
JOIN (VALUES ('claude-sonnet-5-5', 2000000, 2500000, 200000, 10000000), ('claude-haiku-5-5', 100000, 125000, 10000, 500000), ('claude-opus-5-5', 4000000, 5000000, 200000, 20000000)) pr(model, input, w5, rd, outp) ON pr.model = x.model`;
    const sql = insertWithRollupSql(insert, "$1");
    const t0 = Date.now();
    for (let from = 1; from <= CALLS; from += CHUNK) {
      const to = Math.min(CALLS, from + CHUNK - 1);
      const t = Date.now();
      await q(sql, [prices, start, from, to]);
      process.stdout.write(`  generated ${to.toLocaleString()} calls (+rollups) in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
    }
    console.log(`Generated ${CALLS.toLocaleString()} calls with rollups in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    // Every batch updates the same day/hour rollup rows, leaving dead row versions that index scans
    // still visit (measured at 10M: 2.1M dead tuples, cost-by-model 280 ms before, 5 ms after).
    // A production server's autovacuum removes them as it goes; run it once here so the figures
    // do not depend on whether this machine has autovacuum on.
    const autovacuum = (await q(`SHOW autovacuum`)).rows[0] as { autovacuum: string };
    const tv = Date.now();
    for (const table of ["CallLog", "MetricRollup", "MetricRollupVersion"]) await q(`VACUUM ANALYZE "${table}"`);
    console.log(`VACUUM ANALYZE in ${((Date.now() - tv) / 1000).toFixed(0)} s (autovacuum on this server: ${autovacuum.autovacuum})`);
  } else {
    const meta = await q(`SELECT end_at FROM bench_meta`);
    endMs = (meta.rows[0] as { end_at: Date }).end_at.getTime();
  }

  const counts = await q(
    `SELECT (SELECT count(*) FROM "CallLog")::int8 AS calls, (SELECT count(*) FROM "MetricRollup")::int8 AS rollups, pg_size_pretty(pg_total_relation_size('"CallLog"')) AS calllog_size, pg_size_pretty(pg_total_relation_size('"MetricRollup"')) AS rollup_size`,
  );
  console.log("Data:", counts.rows[0]);
  for (const table of ["MetricRollup", "MetricRollupVersion"]) {
    const byGrain = await q(`SELECT "grainMinutes", count(*)::int AS rows FROM "${table}" GROUP BY 1 ORDER BY 1`);
    console.log(`${table} rows per grain:`, byGrain.rows.map((r: { grainMinutes: number; rows: number }) => `${r.grainMinutes}m: ${r.rows}`).join(", "));
  }

  const now = new Date(endMs);
  const results: Array<{ name: string; p50: number; p99: number; rows: number; n: number }> = [];
  async function timeFn(name: string, run: () => Promise<number>, repeats = REPEATS): Promise<void> {
    await run(); // warm
    const ms: number[] = [];
    let rows = 0;
    for (let i = 0; i < repeats; i++) {
      const t = process.hrtime.bigint();
      rows = await run();
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    ms.sort((a, b) => a - b);
    results.push({ name, p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), rows, n: repeats });
  }
  const time = (name: string, sql: string, params: unknown[], repeats = REPEATS) => timeFn(name, async () => (await q(sql, params)).rowCount ?? 0, repeats);
  // Rollup queries are timed end to end as the pages run them: SQL + merging the histograms (queryRollups).
  const rawDb = { $queryRawUnsafe: async (sql: string, ...params: unknown[]) => (await q(sql, params)).rows } as unknown as Pick<
    PrismaClient,
    "$queryRawUnsafe"
  >;
  const timeRollups = (name: string, rq: RollupQuery) =>
    timeFn(`${name} [rollups: ${rollupSource(rq).table} ${rollupSource(rq).grainMinutes}m]`, async () => (await queryRollups(rawDb, rq)).length);

  // The busiest prompt (prompt-00) and a quiet one.
  const promptsToTime = [0, 9];
  const ranges: Array<[RangeName, BucketName | undefined]> = [
    ["1h", undefined],
    ["24h", undefined],
    ["7d", undefined],
    ["30d", undefined],
  ];
  for (const p of promptsToTime) {
    const promptId = `bench-prompt-${p}`;
    for (const [range, bucket] of ranges) {
      const window = resolveWindow({ range, bucket }, now);
      // Every per-prompt chart (accuracy, refusal, output length, errors, latency p50/95/99,
      // cost/call, cache hit rate, tokens) and the version table read this one query.
      await timeRollups(`prompt-${p} charts ${range} (${window.bucketMinutes}m buckets)`, {
        projectId,
        promptId,
        window,
        groupBy: ["versionId", "t"],
        histogram: true,
      });
      await timeRollups(`prompt-${p} charts ${range} model+source filter`, {
        projectId,
        promptId,
        model: "claude-haiku-5-5",
        source: "api",
        window,
        groupBy: ["versionId", "t"],
        histogram: true,
      });
      const rawSql = `SELECT "versionId", date_bin(interval '${window.bucketMinutes} minutes', "createdAt", timestamp '1970-01-01') AS t, count(*) AS calls,
        count(*) FILTER (WHERE "status" = 'error') AS errors, count(*) FILTER (WHERE "status" = 'refusal') AS refusals, count("score") AS scored, sum("score") AS score_sum,
        sum("costMicros") AS cost, sum("inputTokens") AS input, sum("outputTokens") AS output, sum("cacheReadTokens") AS cache_read, sum("cacheWriteTokens") AS cache_write, sum("outputChars") AS chars,
        percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY "latencyMs") AS latency
        FROM "CallLog" WHERE "promptId" = $1 AND "createdAt" >= $2 AND "createdAt" < $3 GROUP BY 1, 2`;
      if (range !== "1h") await time(`prompt-${p} charts ${range} [raw CallLog]`, rawSql, [promptId, window.from, window.to], 3);
    }
  }
  for (const [range] of ranges.slice(1)) {
    const window = resolveWindow({ range }, now);
    for (const [label, groupBy] of [
      ["overview series", ["t"]],
      ["overview by prompt", ["promptId"]],
    ] as Array<[string, RollupDimension[]]>) {
      await timeRollups(`${label} ${range}`, { projectId, window, groupBy, histogram: true });
    }
  }
  const costWindow = resolveWindow({ range: "30d", bucket: "1d" }, now);
  for (const dim of ["promptId", "model", "t"] as const) {
    await timeRollups(`cost by ${dim === "t" ? "day" : dim} 30d`, { projectId, window: costWindow, groupBy: [dim] });
  }
  await time(
    "cost by prompt 30d [raw CallLog]",
    `SELECT "promptId", count(*), sum("costMicros") FROM "CallLog" WHERE "projectId" = $1 AND "createdAt" >= $2 AND "createdAt" < $3 GROUP BY 1`,
    [projectId, costWindow.from, costWindow.to],
    3,
  );
  const explorer = `SELECT c."id", c."createdAt", c."versionId", c."source", c."model", c."status", c."latencyMs", c."inputTokens", c."outputTokens", c."costMicros", c."score", p."name"
    FROM "CallLog" c LEFT JOIN "Prompt" p ON p."id" = c."promptId" WHERE c."projectId" = $1 ORDER BY c."createdAt" DESC, c."id" DESC LIMIT 51`;
  await time("explorer first page (project)", explorer, [projectId]);
  await time("explorer first page (prompt filter)", explorer.replace(`WHERE c."projectId" = $1`, `WHERE c."projectId" = $1 AND c."promptId" = $2`), [
    projectId,
    "bench-prompt-9",
  ]);
  await time(
    "explorer first page (prompt + status=error)",
    explorer.replace(`WHERE c."projectId" = $1`, `WHERE c."projectId" = $1 AND c."promptId" = $2 AND c."status" = 'error'`),
    [projectId, "bench-prompt-9"],
  );

  console.log(`\nQuery times (ms, loopback round trip incl. transfer; ${Number((counts.rows[0] as { calls: string }).calls).toLocaleString()} calls):`);
  const width = Math.max(...results.map((r) => r.name.length));
  for (const r of results)
    console.log(
      `  ${r.name.padEnd(width)}  p50 ${r.p50.toFixed(1).padStart(8)}  p99 ${r.p99.toFixed(1).padStart(8)}  rows ${String(r.rows).padStart(5)}  n=${r.n}`,
    );
  const rollupMax = Math.max(...results.filter((r) => r.name.includes("[rollups")).map((r) => r.p50));
  console.log(`\nSlowest rollup query p50: ${rollupMax.toFixed(1)} ms (target < 100 ms at 10M calls)`);
  await pool.end();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
