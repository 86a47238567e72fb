import { describe, expect, it } from "vitest";
import pino from "pino";
import { callLogRowFromResult, bodyPolicyFromSettings, hashSubject, newCallId, truncateBody, type CallLogRow } from "@/lib/calls/record";
import { encodeCallLogRow, decodeCallLogRow } from "@/lib/calls/row-codec";
import { CALL_LOG_BATCH_INSERT_SQL, CallLogWriter, encodeCallLogBatch, isPermanentInsertError, PERMANENT_AFTER_FAILURES, sqlstateOf } from "@/lib/calls/writer";
import type { RunResult } from "@/lib/claude/runner";
import { fakeRunResult } from "../fixtures/run-result";

const silent = pino({ level: "silent" });

/** A real call's result (tests/fixtures/run-result.ts) with bodies, as these tests log it, with `overrides`. */
const result = (overrides: Partial<RunResult> = {}): RunResult =>
  fakeRunResult({
    output: "hello world",
    usage: { inputTokens: 10, outputTokens: 2, cacheWriteTokens: 300, cacheWrite1hTokens: 100, cacheReadTokens: 0 },
    costMicros: 1234,
    latencyMs: 120.6,
    ttftMs: 40.2,
    attempts: [{ model: "claude-haiku-5-5", kind: "initial", status: "ok", durationMs: 100 }],
    request: { model: "claude-haiku-5-5", max_tokens: 10, messages: [{ role: "user", content: "x".repeat(5000) }] },
    response: { id: "msg_1" },
    source: "playground",
    metadata: { a: 1 },
    subject: "user-42",
    ...overrides,
  });

function row(i: number): CallLogRow {
  return { ...callLogRowFromResult(result(), { projectId: "p1" }), id: `c${i}` };
}

describe("callLogRowFromResult", () => {
  it("maps every column", () => {
    const r = callLogRowFromResult(result(), { projectId: "p1", promptId: "pr", versionId: "v", metadata: { b: 2 } });
    expect(r).toMatchObject({
      projectId: "p1",
      promptId: "pr",
      versionId: "v",
      experimentId: null,
      source: "playground",
      status: "ok",
      attempts: 1,
      inputTokens: 10,
      cacheWriteTokens: 300,
      cacheWrite1hTokens: 100,
      costMicros: 1234n,
      latencyMs: 121,
      ttftMs: 40,
      outputChars: 11,
      simulated: true,
      subjectHash: hashSubject("user-42"),
    });
    expect(r.metadata).toMatchObject({ a: 1, b: 2 });
    expect(r.id).toMatch(/^c[0-9a-z]{24}$/);
  });

  it("maps errors and invalid output", () => {
    const err = callLogRowFromResult(
      result({
        status: "error",
        error: { type: "rate_limited", message: "slow", httpStatus: 429, requestId: null },
        fallbackUsed: "model:x",
      } as Partial<RunResult>),
      { projectId: "p", source: "api" },
    );
    expect(err).toMatchObject({ status: "error", errorType: "rate_limited", httpStatus: 429, fallbackUsed: "model:x", source: "api" });
    const inv = callLogRowFromResult(result({ status: "invalid_output", validationError: "bad json" } as Partial<RunResult>), { projectId: "p" });
    expect(inv).toMatchObject({ status: "invalid_output", errorType: "invalid_output", errorMessage: "bad json" });
  });

  it("stores bodies per project policy, truncated to the limit", () => {
    const off = callLogRowFromResult(result(), { projectId: "p" }, bodyPolicyFromSettings({ calls: { store_bodies: false } }));
    expect(off.request).toBeNull();
    expect(off.response).toBeNull();
    const small = callLogRowFromResult(result(), { projectId: "p" }, bodyPolicyFromSettings({ calls: { body_limit_bytes: 1024 } }));
    expect(small.request).toMatchObject({ truncated: true });
    expect(Buffer.byteLength(JSON.stringify(small.request))).toBeLessThan(1200);
    expect(small.response).toEqual({ id: "msg_1" });
    expect(bodyPolicyFromSettings(null)).toEqual({ storeBodies: true, maxBodyBytes: 32 * 1024 });
    expect(truncateBody({ big: 1n }, 100)).toEqual({ big: "1" });
  });

  it("ids are unique and time-ordered across milliseconds", () => {
    const ids = new Set(Array.from({ length: 5000 }, () => newCallId()));
    expect(ids.size).toBe(5000);
    expect(newCallId(1000) < newCallId(2000)).toBe(true);
  });
});

describe("CallLogWriter", () => {
  it("enqueue returns at once; rows are batched by size and flushed", async () => {
    const batches: number[] = [];
    const writer = new CallLogWriter({ sink: async (rows) => void batches.push(rows.length), batchSize: 100, flushIntervalMs: 10_000, logger: silent });
    for (let i = 0; i < 250; i++) expect(writer.enqueue(row(i))).toBe(true);
    await writer.flush();
    expect(batches.reduce((a, b) => a + b, 0)).toBe(250);
    expect(Math.max(...batches)).toBeLessThanOrEqual(100);
    expect(writer.stats()).toMatchObject({ accepted: 250, written: 250, buffered: 0 });
    await writer.close();
  });

  it("flushes on the interval without an explicit flush", async () => {
    const written: string[] = [];
    const writer = new CallLogWriter({ sink: async (rows) => void written.push(...rows.map((r) => r.id)), flushIntervalMs: 20, logger: silent });
    writer.enqueue(row(1));
    await new Promise((r) => setTimeout(r, 120));
    expect(written).toEqual(["c1"]);
    await writer.close();
  });

  it("keeps retrying a failing database and loses nothing", async () => {
    let failures = 3;
    const written = new Set<string>();
    const writer = new CallLogWriter({
      sink: async (rows) => {
        if (failures-- > 0) throw new Error("Connection terminated unexpectedly");
        rows.forEach((r) => written.add(r.id));
      },
      batchSize: 10,
      retryBaseMs: 1,
      retryMaxMs: 5,
      logger: silent,
    });
    for (let i = 0; i < 35; i++) writer.enqueue(row(i));
    await writer.flush();
    expect(written.size).toBe(35);
    expect(writer.stats().failedBatches).toBeGreaterThanOrEqual(3);
    await writer.close();
  });

  it("isolates a bad row: retried without links, else dead-lettered; the rest are written", async () => {
    const written: CallLogRow[] = [];
    const writer = new CallLogWriter({
      sink: async (rows) => {
        const bad = rows.find((r) => r.projectId === "missing" || r.versionId === "gone");
        if (bad) throw Object.assign(new Error("violates foreign key constraint"), { code: "P2003" });
        written.push(...rows);
      },
      batchSize: 16,
      logger: silent,
    });
    for (let i = 0; i < 16; i++) writer.enqueue(row(i));
    writer.enqueue({ ...row(100), versionId: "gone" });
    writer.enqueue({ ...row(101), projectId: "missing" });
    await writer.flush();
    expect(written).toHaveLength(17);
    const unlinked = written.find((r) => r.id === "c100");
    expect(unlinked?.versionId).toBeNull();
    expect(unlinked?.metadata).toMatchObject({ unlinked: { versionId: "gone" } });
    expect(writer.stats().deadLettered).toBe(1);
    await writer.close();
  });

  it("refuses (and says so) beyond the buffer's byte bound; flush with a timeout reports false while the DB is down", async () => {
    const size = encodeCallLogRow(row(0)).length;
    const writer = new CallLogWriter({ sink: () => Promise.reject(new Error("ECONNREFUSED")), maxBufferedBytes: size * 5, retryBaseMs: 5, logger: silent });
    const accepted = Array.from({ length: 7 }, (_, i) => writer.enqueue(row(i)));
    expect(accepted).toEqual([true, true, true, true, true, false, false]);
    expect(await writer.flush({ timeoutMs: 50 })).toBe(false);
    expect(writer.stats().refused).toBe(2);
    expect(writer.stats().buffered + writer.stats().inFlight).toBe(5);
    expect(writer.stats().bufferedBytes).toBe(size * 5);
  });

  it("bounds the buffer in bytes, not rows: a few large rows fill it, many small ones fit; stored rows free their bytes", async () => {
    let down = true;
    const written: string[] = [];
    const writer = new CallLogWriter({
      sink: async (rows) => {
        if (down) throw new Error("ECONNREFUSED");
        written.push(...rows.map((r) => r.id));
      },
      maxBufferedBytes: 200_000,
      retryBaseMs: 1,
      retryMaxMs: 5,
      logger: silent,
    });
    const big = (i: number): CallLogRow => ({ ...row(i), id: `big${i}`, response: { text: "y".repeat(60_000) } });
    const small = (i: number): CallLogRow => ({ ...row(i), id: `small${String(i).padStart(6, "0")}`, request: null, response: null });
    expect([0, 1, 2, 3].map((i) => writer.enqueue(big(i)))).toEqual([true, true, true, false]);
    expect(writer.refusal()).toMatchObject({ reason: "full", retryAfterSeconds: 2 });
    expect(writer.refusal()?.message).toMatch(/call log buffer is full/);
    // accept is all or none; force takes a paid call even beyond the bound.
    expect(await writer.accept([small(1), big(9)])).toMatchObject({ ok: false, refusal: { reason: "full" } });
    expect(await writer.accept([big(10)], { force: true })).toEqual({ ok: true });
    expect(writer.stats().bufferedBytes).toBeGreaterThan(200_000);
    down = false;
    expect(await writer.flush({ timeoutMs: 5_000 })).toBe(true);
    expect(written.sort()).toEqual(["big0", "big1", "big10", "big2"]);
    expect(writer.stats().bufferedBytes).toBe(0);
    expect(writer.refusal()).toBeNull();
    // The same bytes hold many more small rows than the big ones above.
    const smallSize = encodeCallLogRow(small(0)).length;
    const fit = Math.floor(200_000 / smallSize);
    down = true;
    for (let i = 0; i < fit; i++) expect(writer.enqueue(small(i))).toBe(true);
    expect(fit).toBeGreaterThan(20);
    expect(writer.enqueue(small(fit))).toBe(false);
    expect((await writer.accept([small(fit + 1)])).ok).toBe(false);
    down = false;
    await writer.close();
    expect(writer.stats().bufferedBytes).toBe(0);
  });

  it("keeps `concurrency` batches in flight: the next batch starts when one finishes, not when the round does", async () => {
    const events: string[] = [];
    const release = new Map<number, () => void>();
    let running = 0;
    let maxRunning = 0;
    const writer = new CallLogWriter({
      sink: (rows) => {
        const first = Number((rows[0] as CallLogRow).id.slice(1));
        running++;
        maxRunning = Math.max(maxRunning, running);
        events.push(`start ${first}`);
        return new Promise<void>((resolve) =>
          release.set(first, () => {
            running--;
            events.push(`end ${first}`);
            resolve();
          }),
        );
      },
      batchSize: 10,
      concurrency: 2,
      flushIntervalMs: 10_000,
      logger: silent,
    });
    for (let i = 0; i < 40; i++) writer.enqueue(row(i));
    const flushed = writer.flush();
    const tick = () => new Promise((r) => setTimeout(r, 5));
    await tick();
    expect(events).toEqual(["start 0", "start 10"]);
    release.get(10)?.(); // the second batch finishes first: a third starts while the first is still running
    await tick();
    expect(events).toEqual(["start 0", "start 10", "end 10", "start 20"]);
    release.get(20)?.();
    await tick();
    expect(events.at(-1)).toBe("start 30");
    release.get(0)?.();
    release.get(30)?.();
    await flushed;
    expect(maxRunning).toBe(2);
    expect(writer.stats()).toMatchObject({ written: 40, buffered: 0, inFlight: 0 });
    await writer.close();
  });

  it("after a transient failure starts nothing new until the in-flight batches settle, then retries the failed batch first", async () => {
    const starts: number[] = [];
    let failOnce = true;
    const writer = new CallLogWriter({
      sink: async (rows) => {
        const first = Number((rows[0] as CallLogRow).id.slice(1));
        starts.push(first);
        await new Promise((r) => setTimeout(r, first === 10 ? 30 : 1));
        if (first === 0 && failOnce) {
          failOnce = false;
          throw new Error("Connection terminated unexpectedly");
        }
      },
      batchSize: 10,
      concurrency: 2,
      retryBaseMs: 1,
      flushIntervalMs: 10_000,
      logger: silent,
    });
    for (let i = 0; i < 30; i++) writer.enqueue(row(i));
    await writer.flush();
    // 0 fails while 10 is still running: 20 must not start before 10 ends, and 0 goes again first.
    expect(starts).toEqual([0, 10, 0, 20]);
    expect(writer.stats()).toMatchObject({ written: 30, failedBatches: 1 });
    await writer.close();
  });

  it("a sink that throws synchronously loses nothing (treated like a failed insert)", async () => {
    let calls = 0;
    const written: string[] = [];
    const writer = new CallLogWriter({
      sink: (rows) => {
        if (calls++ === 0) throw new Error("socket hang up");
        written.push(...rows.map((r) => r.id));
        return Promise.resolve();
      },
      retryBaseMs: 1,
      logger: silent,
    });
    writer.enqueue(row(1));
    await writer.flush();
    expect(written).toEqual(["c1"]);
    await writer.close();
  });

  it("classifies insert errors", () => {
    expect(isPermanentInsertError(Object.assign(new Error("x"), { code: "P2003" }))).toBe(true);
    expect(isPermanentInsertError(new Error('null value in column "x" violates not-null constraint'))).toBe(true);
    expect(isPermanentInsertError(new Error("Can't reach database server"))).toBe(false);
    // SQLSTATE classes 22 (data) and 23 (constraints): pg's code, or Prisma's raw-query message.
    expect(isPermanentInsertError(Object.assign(new Error("unsupported Unicode escape sequence"), { code: "22P05" }))).toBe(true);
    expect(
      isPermanentInsertError(Object.assign(new Error("Raw query failed. Code: `22P05`. Message: `unsupported Unicode escape sequence`"), { code: "P2010" })),
    ).toBe(true);
    expect(isPermanentInsertError(Object.assign(new Error("Raw query failed. Code: `57P01`. Message: `terminating connection`"), { code: "P2010" }))).toBe(
      false,
    );
    expect(isPermanentInsertError(Object.assign(new Error("too many connections"), { code: "53300" }))).toBe(false);
    expect(isPermanentInsertError(Object.assign(new Error("ON CONFLICT DO UPDATE command cannot affect row a second time"), { code: "21000" }))).toBe(true);
    expect(sqlstateOf(Object.assign(new Error("Raw query failed. Code: `23503`. Message: `x`"), { code: "P2010" }))).toBe("23503");
    expect(sqlstateOf(Object.assign(new Error("Can't reach database server"), { code: "P1001" }))).toBeNull();
    expect(sqlstateOf(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))).toBeNull();
  });

  it("a batch the database keeps rejecting with an unrecognised error is split after a few tries; connection errors are retried forever", async () => {
    const written: string[] = [];
    let connectionFailures = 0;
    const writer = new CallLogWriter({
      sink: async (rows) => {
        if (connectionFailures < PERMANENT_AFTER_FAILURES * 2) {
          connectionFailures++;
          throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
        }
        // An error class the writer does not know as a data error (42: syntax/access), caused by one row.
        if (rows.some((r) => r.id === "c3")) throw Object.assign(new Error("mystery"), { code: "42P99" });
        written.push(...rows.map((r) => r.id));
      },
      batchSize: 8,
      retryBaseMs: 1,
      retryMaxMs: 2,
      logger: silent,
    });
    for (let i = 0; i < 8; i++) writer.enqueue(row(i));
    await writer.flush();
    expect(connectionFailures).toBe(PERMANENT_AFTER_FAILURES * 2);
    expect(written.sort()).toEqual(["c0", "c1", "c2", "c4", "c5", "c6", "c7"]);
    expect(writer.stats()).toMatchObject({ written: 7, deadLettered: 1, buffered: 0 });
    await writer.close();
  });
});

describe("encodeCallLogBatch", () => {
  it("encodes each row as the array of its column values in the statement's column order", () => {
    const r = { ...row(1), costMicros: 12345678901234567n, createdAt: new Date("2026-11-28T10:00:00.123Z") };
    const [encoded] = JSON.parse(encodeCallLogBatch([r])) as unknown[][];
    const columns = [...(/^INSERT INTO "CallLog" \((.*?)\) SELECT/.exec(CALL_LOG_BATCH_INSERT_SQL)?.[1] ?? "").matchAll(/"(\w+)"/g)].map(
      (m) => m[1] as keyof CallLogRow,
    );
    expect(columns).toHaveLength(37);
    expect(encoded).toHaveLength(columns.length);
    columns.forEach((column, i) => {
      // Optional columns (routing) absent from a row are stored as null.
      const expected = column === "costMicros" ? "12345678901234567" : column === "createdAt" ? "2026-11-28T10:00:00.123Z" : (r[column] ?? null);
      expect(encoded?.[i], column).toEqual(expected);
    });
  });

  it("replaces U+0000 and lone surrogates (PostgreSQL rejects both) with U+FFFD, keeps pairs and escaped text", () => {
    const r = { ...row(1), errorMessage: "a\u0000b \ud83d", request: { t: "ok 😀 \udc00x", lit: "\\u0000 \\ud800" } };
    const [encoded] = JSON.parse(encodeCallLogBatch([r])) as unknown[][];
    expect(encoded).toContain("a\ufffdb \ufffd");
    expect(encoded).toContainEqual({ t: "ok 😀 \ufffdx", lit: "\\u0000 \\ud800" });
  });

  it("still encodes a hand-built row with a BigInt inside a JSON column", () => {
    const r = { ...row(1), metadata: { big: 5n } as unknown as CallLogRow["metadata"] };
    const [encoded] = JSON.parse(encodeCallLogBatch([r])) as unknown[][];
    expect(encoded).toContainEqual({ big: "5" });
  });
});

describe("encodeCallLogRow / decodeCallLogRow", () => {
  it("round-trips a row (BigInt cost, Date, JSON columns) and rejects torn or foreign lines", () => {
    const original: CallLogRow = { ...row(7), costMicros: 12_345_678_901_234n, metadata: { nested: { a: [1, "two", null] } }, ttftMs: null };
    const line = encodeCallLogRow(original);
    expect(line).not.toContain("\n");
    expect(decodeCallLogRow(line)).toEqual(original);
    expect(decodeCallLogRow(line.slice(0, -10))).toBeNull();
    expect(decodeCallLogRow("")).toBeNull();
    expect(decodeCallLogRow("\u0000\u0000")).toBeNull();
    expect(decodeCallLogRow(JSON.stringify({ id: "x" }))).toBeNull();
    expect(decodeCallLogRow(line.replace('"costMicros":"12345678901234"', '"costMicros":12'))).toBeNull();
  });
});
