// The call log's journal against the real database (issue 17, item 1): rows a process left in its
// journal (stopped while PostgreSQL was down, or killed just after some rows were stored) are
// stored exactly once by the next process, and counted once in the rollups (ON CONFLICT (id) DO
// NOTHING; the rollups read the insert's RETURNING).
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { callLogRowFromResult, type CallLogRow } from "@/lib/calls/record";
import { CallJournal } from "@/lib/calls/journal";
import { CallLogWriter, createCallLogPool, pgRawExecutor } from "@/lib/calls/writer";
import { getDb } from "@/lib/db/client";
import { rollupCallLogSink } from "@/lib/metrics/rollup-sql";
import { makeTestProject, publishPrompt, simpleContent } from "./serving-helpers";
import { fakeRunResult } from "../fixtures/run-result";

const silent = pino({ level: "silent" });
const pool = createCallLogPool(process.env.DATABASE_URL ?? "", 2);
const dir = mkdtempSync(path.join(tmpdir(), "pd-journal-it-"));
afterAll(async () => {
  await pool.end();
  rmSync(dir, { recursive: true, force: true });
});

const result = fakeRunResult({
  output: "stored once",
  usage: { inputTokens: 100, outputTokens: 10, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 },
  costMicros: 50,
  latencyMs: 20,
});

describe("call journal replay", () => {
  it("stores every journaled row exactly once and rolls each up once, also rows stored just before a crash", async () => {
    const ctx = await makeTestProject();
    const promptId = await publishPrompt(ctx.admin, "journaled", [simpleContent("You are journaled.")]);
    const version = await getDb().promptVersion.findFirstOrThrow({ where: { promptId }, select: { id: true } });
    const row = (i: number): CallLogRow => callLogRowFromResult(result, { projectId: ctx.projectId, promptId, versionId: version.id, metadata: { i } });
    const realSink = rollupCallLogSink(pgRawExecutor(pool));
    let down = true;

    // First process: PostgreSQL is down; 40 calls acknowledged (on disk), then it stops.
    const j1 = new CallJournal({ dir, logger: silent });
    j1.open();
    const w1 = new CallLogWriter({
      sink: async (rows) => {
        if (down) throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
        await realSink(rows);
      },
      journal: j1,
      retryBaseMs: 10,
      retryMaxMs: 20,
      journalCloseTimeoutMs: 200,
      logger: silent,
    });
    const acknowledged: CallLogRow[] = [];
    for (let i = 0; i < 40; i += 4) {
      const rows = [row(i), row(i + 1), row(i + 2), row(i + 3)];
      expect(await w1.accept(rows)).toEqual({ ok: true });
      acknowledged.push(...rows);
    }
    expect(await w1.close({ timeoutMs: 25_000 })).toBe(true);
    const ids = acknowledged.map((r) => r.id);
    expect(await getDb().callLog.count({ where: { id: { in: ids } } })).toBe(0);
    // 10 of them reached the database just before a crash (stored, still in the journal).
    down = false;
    await realSink(acknowledged.slice(0, 10));

    // Next process: replays the journal.
    const j2 = new CallJournal({ dir, logger: silent });
    expect(j2.open().backlogSegments).toBeGreaterThan(0);
    const w2 = new CallLogWriter({ sink: realSink, journal: j2, logger: silent });
    expect(await w2.replayJournal()).toMatchObject({ rows: 40 });
    expect(await w2.flush({ timeoutMs: 20_000 })).toBe(true);
    // Rows already stored are skipped by the insert, not rejected, split and dead-lettered one by one.
    expect(w2.stats()).toMatchObject({ written: 40, deadLettered: 0, failedBatches: 0 });
    expect(await w2.close()).toBe(true);

    expect(await getDb().callLog.count({ where: { id: { in: ids } } })).toBe(40);
    for (const grain of [1, 60, 1440]) {
      const agg = await getDb().metricRollup.aggregate({ where: { versionId: version.id, grainMinutes: grain }, _sum: { calls: true, inputTokens: true } });
      expect({ calls: Number(agg._sum.calls), inputTokens: Number(agg._sum.inputTokens) }, `grain ${grain}`).toEqual({ calls: 40, inputTokens: 4_000 });
    }
    const versionTotals = await getDb().metricRollupVersion.aggregate({ where: { versionId: version.id, grainMinutes: 1440 }, _sum: { calls: true } });
    expect(Number(versionTotals._sum.calls)).toBe(40);
    // Every segment was stored, so none is left.
    expect(readdirSync(path.join(dir, "0")).filter((name) => name.endsWith(".jsonl"))).toEqual([]);
  });
});
