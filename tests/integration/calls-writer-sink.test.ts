import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import { newCallId, type CallLogRow } from "@/lib/calls/record";
import { CallLogWriter, createCallLogPool, pgRawExecutor } from "@/lib/calls/writer";
import { getDb } from "@/lib/db/client";
import { rollupCallLogSink } from "@/lib/metrics/rollup-sql";
import { makeTestProject, publishPrompt, simpleContent, type TestProject } from "./serving-helpers";

// The writer's production sink (CallLog insert + rollups in one statement, rows encoded as one
// jsonb array of column arrays) against real PostgreSQL: every column round-trips exactly, and
// a batch with bad rows still writes the good ones.
let project: TestProject;
let promptId: string;
let versionId: string;
let pool: ReturnType<typeof createCallLogPool>;

beforeAll(async () => {
  pool = createCallLogPool(process.env.DATABASE_URL ?? "", 2);
  project = await makeTestProject();
  promptId = await publishPrompt(project.admin, `sink-${randomUUID().slice(0, 6)}`, [simpleContent("v1")]);
  const version = await getDb().promptVersion.findFirstOrThrow({ where: { promptId, status: "PUBLISHED" } });
  versionId = version.id;
});

afterAll(async () => {
  await pool.end();
  await getDb().callLog.deleteMany({ where: { projectId: project.projectId } });
});

function row(over: Partial<CallLogRow> = {}): CallLogRow {
  return {
    id: newCallId(),
    projectId: project.projectId,
    promptId,
    versionId,
    experimentId: null,
    variantId: null,
    source: "api",
    model: "claude-sonnet-5-5",
    requestedModel: "claude-opus-5",
    routedModel: "claude-sonnet-5-5",
    routingRule: "complex-reasoning ✓",
    status: "error",
    errorType: "overloaded",
    errorMessage: `quote " backslash \\ newline \n unicode é 😀`,
    httpStatus: 529,
    stopReason: null,
    refusalCategory: null,
    attempts: 3,
    fallbackUsed: "model:claude-sonnet-5-5",
    simulated: true,
    batch: true,
    inputTokens: 1234,
    outputTokens: 0,
    cacheWriteTokens: 4096,
    cacheWrite1hTokens: 1024,
    cacheReadTokens: 2048,
    costMicros: 9_007_199_254_740_993n,
    latencyMs: 2500,
    ttftMs: null,
    outputChars: 0,
    score: 0.25,
    expectedOutput: "expected",
    subjectHash: "ab".repeat(32),
    request: {
      model: "claude-opus-5",
      messages: [{ role: "user", content: 'a literal \\u0000 stays text, "quoted"' }],
      nested: { list: [1, 2.5, null, true] },
    },
    response: null,
    metadata: { attempts: [{ kind: "initial" }], empty: {}, nil: null },
    createdAt: new Date("2026-11-27T08:09:10.123Z"),
    ...over,
  };
}

describe("call-log sink on PostgreSQL", () => {
  it("stores every column exactly (NULL vs JSON null, BigInt beyond 2^53, ms timestamps, escapes)", async () => {
    const a = row();
    const b = row({
      status: "ok",
      errorType: null,
      errorMessage: null,
      httpStatus: null,
      stopReason: "model_context_window_exceeded",
      ttftMs: 42,
      score: null,
      response: { content: [] },
      request: null,
      metadata: {},
      costMicros: 0n,
      routedModel: null,
      routingRule: null,
    });
    await rollupCallLogSink(getDb())([a, b]);
    const stored = await getDb().callLog.findMany({ where: { id: { in: [a.id, b.id] } } });
    for (const expected of [a, b]) {
      const got = stored.find((s) => s.id === expected.id);
      expect(got).toEqual(expected);
    }
    expect(JSON.stringify(stored.find((s) => s.id === a.id)?.request)).toContain("a literal \\\\u0000 stays text");
  });

  it("a NUL character or a lone surrogate (which PostgreSQL rejects) is stored as U+FFFD instead of failing the batch", async () => {
    const c = row({ errorMessage: "nul\u0000here \ud83d", request: { content: "x\u0000y", "k\u0000": 1 }, metadata: { note: "\\u0000 is text" } });
    await rollupCallLogSink(pgRawExecutor(pool))([c, row()]);
    const got = await getDb().callLog.findUniqueOrThrow({ where: { id: c.id } });
    expect(got.errorMessage).toBe("nul\ufffdhere \ufffd");
    expect(got.request).toEqual({ content: "x\ufffdy", "k\ufffd": 1 });
    expect(got.metadata).toEqual({ note: "\\u0000 is text" });
  });

  it.each(["pg pool (production)", "prisma"] as const)(
    "a batch with an unknown version and an unknown project, through %s: the good rows are written, the first unlinked, the second dead-lettered",
    async (via) => {
      const executor = via === "prisma" ? getDb() : pgRawExecutor(pool);
      const writer = new CallLogWriter({
        sink: rollupCallLogSink(executor),
        batchSize: 50,
        flushIntervalMs: 10_000,
        retryBaseMs: 1,
        logger: pino({ level: "silent" }),
      });
      const good = Array.from({ length: 20 }, () => row({ status: "ok", errorType: null }));
      const unknownVersion = row({ versionId: "no-such-version" });
      const unknownProject = row({ projectId: "no-such-project" });
      for (const r of [...good.slice(0, 10), unknownVersion, ...good.slice(10), unknownProject]) writer.enqueue(r);
      await writer.close();
      expect(writer.stats()).toMatchObject({ accepted: 22, written: 21, deadLettered: 1, buffered: 0, inFlight: 0 });
      const stored = await getDb().callLog.findMany({ where: { id: { in: [...good, unknownVersion, unknownProject].map((r) => r.id) } } });
      expect(stored).toHaveLength(21);
      const unlinked = stored.find((s) => s.id === unknownVersion.id);
      expect(unlinked).toMatchObject({ versionId: null, promptId: null });
      expect(unlinked?.metadata).toMatchObject({ unlinked: { versionId: "no-such-version", promptId } });
    },
  );
});
