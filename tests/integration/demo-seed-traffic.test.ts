import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { computeCallCost, findModel } from "@/lib/models/catalog";
import { modelSpecFromRow } from "@/lib/models/pricing";
import { computeExperimentResults, getExperiment } from "@/lib/experiments/queries";
import { getCostMetrics, getPromptMetrics } from "@/lib/metrics/queries";
import { parseMetricsFilter } from "@/lib/metrics/window";
import { freshPGliteDatabase } from "./fresh-pglite";
import { DEMO_EXPERIMENTS, ESCALATION_EXPERIMENT, MIXED_TICKETS_EXPERIMENT, seedDemo } from "@/prisma/seed";

// The demo seed's 30 days of calls (prisma/seed-traffic.ts) in a database of its own, created on
// the test server for this file (the shared test database stays free of 20,000 demo calls), then
// dropped: rollups equal the call rows per version and day, costs follow the price table, the
// completed experiment's statistics name its recorded winner, the label history holds the caching
// release and the rollback, and a second seed adds nothing.
const serverUrl = process.env.DATABASE_URL ?? "";
const dbName = `pd_demo_seed_${randomBytes(4).toString("hex")}`;
const url = (() => {
  const u = new URL(serverUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
})();

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A database of its own on the test server; else (the embedded server has one database) an in-memory PGlite. */
async function freshDatabase(): Promise<{ db: PrismaClient; close: () => Promise<void> }> {
  let created = false;
  try {
    await admin(`CREATE DATABASE "${dbName}"`);
    created = true;
    const check = new pg.Client({ connectionString: url });
    await check.connect();
    const { rows } = await check.query<{ db: string }>("SELECT current_database() AS db");
    await check.end();
    if (rows[0]?.db !== dbName) throw new Error("the server does not serve the new database");
    await applyMigrations(url);
    const client = createPrismaClient(url, 3);
    return {
      db: client,
      close: async () => {
        await client.$disconnect();
        await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      },
    };
  } catch {
    if (created) await admin(`DROP DATABASE IF EXISTS "${dbName}"`).catch(() => {});
    return freshPGliteDatabase();
  }
}

let db: PrismaClient;
let close: () => Promise<void>;
let projectId: string;
let seedMs: number;

beforeAll(async () => {
  ({ db, close } = await freshDatabase());
  const started = Date.now();
  await seedDemo(db);
  seedMs = Date.now() - started;
  projectId = (await db.project.findUniqueOrThrow({ where: { slug: "demo" } })).id;
}, 600_000);

afterAll(async () => {
  await close?.();
});

describe("demo traffic", () => {
  it("seeds about 30 days of calls with a daily and weekly rhythm", async () => {
    const calls = await db.callLog.count({ where: { projectId } });
    console.log(`[demo-seed] ${calls} calls seeded in ${seedMs} ms`);
    expect(calls).toBeGreaterThan(15_000);
    const span = await db.callLog.aggregate({ where: { projectId }, _min: { createdAt: true }, _max: { createdAt: true } });
    const days = (span._max.createdAt!.getTime() - span._min.createdAt!.getTime()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThanOrEqual(30);
    const byHour = await db.$queryRawUnsafe<Array<{ h: number; n: number }>>(
      `SELECT extract(hour FROM "createdAt")::int AS h, count(*)::int AS n FROM "CallLog" WHERE "projectId" = $1 GROUP BY 1`,
      projectId,
    );
    const hour = (h: number) => byHour.find((r) => r.h === h)?.n ?? 0;
    expect(hour(15)).toBeGreaterThan(4 * hour(3));
    const byDow = await db.$queryRawUnsafe<Array<{ weekend: boolean; perDay: number }>>(
      `SELECT extract(isodow FROM "createdAt") >= 6 AS weekend, count(*)::float8 / count(DISTINCT date_trunc('day', "createdAt")) AS "perDay"
       FROM "CallLog" WHERE "projectId" = $1 AND "createdAt" > (SELECT min("createdAt") + interval '1 day' FROM "CallLog" WHERE "projectId" = $1)
         AND "createdAt" < (SELECT date_trunc('day', max("createdAt")) FROM "CallLog" WHERE "projectId" = $1) GROUP BY 1`,
      projectId,
    );
    const weekday = byDow.find((r) => !r.weekend)?.perDay ?? 0;
    const weekend = byDow.find((r) => r.weekend)?.perDay ?? 0;
    expect(weekend).toBeGreaterThan(0);
    expect(weekend).toBeLessThan(0.6 * weekday);
  });

  it("every rollup is the sum of its call rows, per version and UTC day (split and per-version rows)", async () => {
    const fromCalls = await db.$queryRawUnsafe<Array<Record<string, string>>>(
      `SELECT "versionId", date_trunc('day', "createdAt") AS day, count(*)::text AS calls,
         count(*) FILTER (WHERE status = 'error')::text AS errors, count(*) FILTER (WHERE status = 'refusal')::text AS refusals,
         count(score)::text AS scored, coalesce(sum(score), 0)::text AS "scoreSum",
         sum("inputTokens")::text AS "inputTokens", sum("outputTokens")::text AS "outputTokens",
         sum("cacheWriteTokens")::text AS "cacheWriteTokens", sum("cacheReadTokens")::text AS "cacheReadTokens",
         sum("costMicros")::text AS "costMicros", sum("latencyMs")::text AS "latencyMsSum"
       FROM "CallLog" WHERE "projectId" = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
      projectId,
    );
    const rollupSql = (table: string) =>
      `SELECT "versionId", "bucketStart" AS day, sum(calls)::text AS calls, sum(errors)::text AS errors, sum(refusals)::text AS refusals,
         sum(scored)::text AS scored, sum("scoreSum")::text AS "scoreSum", sum("inputTokens")::text AS "inputTokens",
         sum("outputTokens")::text AS "outputTokens", sum("cacheWriteTokens")::text AS "cacheWriteTokens",
         sum("cacheReadTokens")::text AS "cacheReadTokens", sum("costMicros")::text AS "costMicros", sum("latencyMsSum")::text AS "latencyMsSum"
       FROM "${table}" WHERE "projectId" = $1 AND "grainMinutes" = 1440 GROUP BY 1, 2 ORDER BY 1, 2`;
    expect(fromCalls.length).toBeGreaterThan(60);
    expect(await db.$queryRawUnsafe(rollupSql("MetricRollup"), projectId)).toEqual(fromCalls);
    expect(await db.$queryRawUnsafe(rollupSql("MetricRollupVersion"), projectId)).toEqual(fromCalls);
  });

  it("costs are the price table's, cache writes and reads priced; the caching release cut the cost per call", async () => {
    const catalog = (await db.modelPrice.findMany()).map((row) => modelSpecFromRow(row));
    const sample = await db.callLog.findMany({ where: { projectId, status: { not: "error" } }, take: 2000, orderBy: { id: "asc" } });
    for (const c of sample) {
      const usage = {
        inputTokens: c.inputTokens,
        outputTokens: c.outputTokens,
        cacheWriteTokens: c.cacheWriteTokens,
        cacheWrite1hTokens: c.cacheWrite1hTokens,
        cacheReadTokens: c.cacheReadTokens,
      };
      expect(Number(c.costMicros), c.id).toBe(computeCallCost(usage, findModel(c.model, catalog)!).totalMicros);
    }
    const support = await db.prompt.findFirstOrThrow({ where: { projectId, name: "support-assistant" }, include: { versions: true } });
    const idOf = (v: string) => support.versions.find((x) => `${x.major}.${x.minor}.${x.patch}` === v)!.id;
    const perCall = async (versionId: string) => {
      const agg = await db.callLog.aggregate({
        where: { versionId, status: "ok" },
        _avg: { costMicros: true },
        _sum: { cacheReadTokens: true, cacheWriteTokens: true },
      });
      return { cost: Number(agg._avg.costMicros), read: agg._sum.cacheReadTokens ?? 0, write: agg._sum.cacheWriteTokens ?? 0 };
    };
    const before = await perCall(idOf("1.0.0"));
    const after = await perCall(idOf("1.1.0"));
    expect(before.read + before.write).toBe(0);
    expect(after.read).toBeGreaterThan(10 * after.write);
    expect(after.write).toBeGreaterThan(0);
    expect(after.cost).toBeLessThan(0.7 * before.cost);

    // The cost view reads the same figures from the rollups.
    const cost = await getCostMetrics(projectId, parseMetricsFilter({ range: "30d" }), { db });
    const total = await db.callLog.aggregate({
      where: { projectId, createdAt: { gte: new Date(cost.window.from), lt: new Date(cost.window.to) } },
      _sum: { costMicros: true },
    });
    expect(cost.total.costMicros).toBeGreaterThan(0);
    expect(cost.total.costMicros).toBe(Number(total._sum.costMicros));
    expect(cost.total.cacheSavingsMicros).toBeGreaterThan(0);
  });

  it("has a few errors and refusals, scored calls, and the invoice extractor's latency regression", async () => {
    const statuses = await db.callLog.groupBy({ by: ["status"], where: { projectId }, _count: true });
    const count = (s: string) => statuses.find((r) => r.status === s)?._count ?? 0;
    const total = statuses.reduce((n, r) => n + r._count, 0);
    expect(count("error")).toBeGreaterThan(10);
    expect(count("error") / total).toBeLessThan(0.02);
    expect(count("refusal")).toBeGreaterThan(5);
    expect(count("invalid_output")).toBeGreaterThan(5);
    expect(await db.callLog.count({ where: { projectId, score: { not: null } } })).toBeGreaterThan(2000);

    const invoice = await getPromptMetrics(projectId, parseMetricsFilter({ prompt: "invoice-extractor", range: "30d" }), { db });
    const p95 = (v: string) => invoice.table.find((x) => x.version === v)?.metrics.latencyP95Ms ?? 0;
    expect(p95("1.2.0")).toBeGreaterThan(2.5 * p95("1.1.0"));
  });

  it("label history: the caching release, and the latency regression's move and rollback", async () => {
    const events = await db.labelEvent.findMany({
      where: { label: { name: "production", prompt: { projectId } } },
      include: { label: { include: { prompt: true } }, toVersion: true },
      orderBy: { at: "asc" },
    });
    const history = (prompt: string) =>
      events.filter((e) => e.label.prompt.name === prompt).map((e) => [`${e.toVersion.major}.${e.toVersion.minor}.${e.toVersion.patch}`, e.reason]);
    expect(history("support-assistant")).toEqual([
      ["1.0.0", null],
      ["1.1.0", expect.stringContaining("caching")],
      ["1.2.0", `promoted from experiment ${ESCALATION_EXPERIMENT}`],
    ]);
    expect(history("invoice-extractor").map(([v]) => v)).toEqual(["1.0.0", "1.1.0", "1.2.0", "1.1.0"]);
    expect(history("invoice-extractor").at(-1)?.[1]).toMatch(/^Rollback: p95 latency/);
    // The cost per call drops on the day of the caching release.
    const release = events.find((e) => e.label.prompt.name === "support-assistant" && e.reason?.includes("caching"))!;
    const day = 86_400_000;
    const window = async (from: number, to: number) =>
      db.callLog.aggregate({
        where: { projectId, promptId: release.label.promptId, source: "api", createdAt: { gte: new Date(from), lt: new Date(to) } },
        _avg: { costMicros: true },
      });
    const beforeRelease = await window(release.at.getTime() - 3 * day, release.at.getTime());
    const afterRelease = await window(release.at.getTime(), release.at.getTime() + 3 * day);
    expect(Number(afterRelease._avg.costMicros)).toBeLessThan(0.7 * Number(beforeRelease._avg.costMicros));
  });

  it("the completed experiment's statistics name its recorded winner; the running one is still collecting", async () => {
    const [completedId, runningId] = [ESCALATION_EXPERIMENT, MIXED_TICKETS_EXPERIMENT].map((name) => DEMO_EXPERIMENTS.find((e) => e.name === name)!.id);
    const completed = await getExperiment(projectId, completedId!, { db });
    expect(completed.status).toBe("COMPLETED");
    const results = await computeExperimentResults(completed, { db });
    expect(results.winnerKey).toBe("B");
    expect(completed.winnerVariantId).toBe(completed.variants.find((v) => v.key === "B")?.id);
    const b = results.variants.find((v) => v.key === "B")!;
    expect(b.metrics.accuracy.outcome).toBe("better");
    expect(b.metrics.accuracy.comparison!.pValue).toBeLessThan(0.05);
    expect(b.metrics.accuracy.n).toBeGreaterThanOrEqual(results.plannedPerVariant);
    const promoted = await db.auditEvent.findFirst({ where: { targetId: completedId, action: "experiment.promoted" } });
    expect(promoted?.at.toISOString()).toBe(completed.endedAt);

    const running = await getExperiment(projectId, runningId!, { db });
    expect(running.status).toBe("RUNNING");
    const live = await computeExperimentResults(running, { db });
    expect(live.totalCalls).toBeGreaterThan(500);
    expect(live.variants.every((v) => v.calls > 0)).toBe(true);
  });

  it("is idempotent: a second seed stores no call twice and changes no rollup", async () => {
    const snapshot = () =>
      Promise.all([
        db.callLog.count(),
        db.metricRollup.aggregate({ _sum: { calls: true, costMicros: true } }),
        db.experiment.count(),
        db.labelEvent.count(),
        db.auditEvent.count(),
      ]);
    const before = await snapshot();
    await seedDemo(db);
    expect(await snapshot()).toEqual(before);
  });
});
