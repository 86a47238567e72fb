// Issue 17, item 3: a logged call's counters are bounded (runner rows clamped to CALL_LIMITS), and
// a row the writer's sink refuses on its own keeps its links when the bare insert takes it.
import pino from "pino";
import { describe, expect, it } from "vitest";
import { CALL_LIMITS, callLogRowFromBatchItem, callLogRowFromResult, clampCallLogRow, type CallLogRow } from "@/lib/calls/record";
import { CallLogWriter } from "@/lib/calls/writer";
import type { RunResult } from "@/lib/claude/runner";
import { fakeRunResult } from "../fixtures/run-result";

const silent = pino({ level: "silent" });

/** A real call's result (tests/fixtures/run-result.ts) as these tests log it, with `overrides`. */
const result = (overrides: Partial<RunResult> = {}): RunResult =>
  fakeRunResult({
    output: "hello",
    usage: { inputTokens: 10, outputTokens: 2, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 },
    costMicros: 1234,
    latencyMs: 120,
    ttftMs: 40,
    attempts: [{ model: "claude-haiku-5-5", kind: "initial", status: "ok", durationMs: 100 }],
    request: null,
    metadata: { a: 1 },
    ...overrides,
  });

describe("runner rows are clamped to what one call can use", () => {
  it("leaves a real call untouched", () => {
    const row = callLogRowFromResult(result(), { projectId: "p" });
    expect(row).toMatchObject({ inputTokens: 10, costMicros: 1234n, latencyMs: 120, ttftMs: 40, outputChars: 5 });
    expect(row.metadata).not.toHaveProperty("clamped");
  });

  it("clamps a misreported usage, cost and timing, and says what it was", () => {
    const row = callLogRowFromResult(
      result({
        usage: { inputTokens: 5e9, outputTokens: -3, cacheWriteTokens: 2 ** 31, cacheWrite1hTokens: 2 ** 40, cacheReadTokens: Number.NaN },
        costMicros: 2 ** 53 - 1,
        latencyMs: 1e12,
        ttftMs: Number.POSITIVE_INFINITY,
      }),
      { projectId: "p", promptId: "pr", versionId: "v" },
    );
    expect(row).toMatchObject({
      promptId: "pr",
      versionId: "v",
      inputTokens: CALL_LIMITS.tokens,
      outputTokens: 0,
      cacheWriteTokens: CALL_LIMITS.tokens,
      cacheWrite1hTokens: CALL_LIMITS.tokens,
      cacheReadTokens: 0,
      costMicros: BigInt(CALL_LIMITS.costMicros),
      latencyMs: CALL_LIMITS.latencyMs,
      ttftMs: 0,
    });
    expect(row.metadata).toMatchObject({
      a: 1,
      clamped: {
        inputTokens: 5e9,
        outputTokens: -3,
        cacheWriteTokens: 2 ** 31,
        cacheWrite1hTokens: 2 ** 40,
        cacheReadTokens: "NaN",
        costMicros: String(2 ** 53 - 1),
        latencyMs: 1e12,
        ttftMs: "Infinity",
      },
    });
  });

  it("a batch item is clamped too; a non-finite cost is 0, not a thrown BigInt", () => {
    const row = callLogRowFromBatchItem(
      {
        outcome: {
          status: "succeeded",
          customId: "x",
          message: { model: "claude-haiku-5-5" },
          output: "ok",
          stopReason: "end_turn",
          usage: { inputTokens: 3e9, outputTokens: 1, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 },
          costMicros: Number.NaN,
        } as never,
        request: { model: "claude-haiku-5-5" },
        simulated: true,
      },
      { projectId: "p" },
    );
    expect(row).toMatchObject({ inputTokens: CALL_LIMITS.tokens, costMicros: 0n, batch: true });
    expect(row.metadata).toMatchObject({ clamped: { inputTokens: 3e9 } });
  });

  it("clampCallLogRow keeps cacheWrite1hTokens within cacheWriteTokens", () => {
    const base = callLogRowFromResult(result(), { projectId: "p" });
    expect(clampCallLogRow({ ...base, cacheWriteTokens: 5, cacheWrite1hTokens: 9 }).cacheWrite1hTokens).toBe(5);
  });
});

describe("a row the sink refuses on its own", () => {
  const linked = (id: string): CallLogRow => ({ ...callLogRowFromResult(result(), { projectId: "p", promptId: "pr", versionId: "v" }), id });

  it("is stored with its links by the plain sink (not unlinked); the good rows of its batch go through the sink", async () => {
    const viaSink: string[] = [];
    const viaPlain: CallLogRow[] = [];
    const writer = new CallLogWriter({
      // The rollup statement overflows for c7 (its version's rollup row is full).
      sink: async (rows) => {
        if (rows.some((r) => r.id === "c7")) throw Object.assign(new Error("bigint out of range"), { code: "22003" });
        viaSink.push(...rows.map((r) => r.id));
      },
      plainSink: async (rows) => void viaPlain.push(...rows),
      batchSize: 16,
      logger: silent,
    });
    for (let i = 0; i < 16; i++) writer.enqueue(linked(`c${i}`));
    await writer.close();
    expect(viaSink.sort()).toEqual(
      Array.from({ length: 16 }, (_, i) => `c${i}`)
        .filter((id) => id !== "c7")
        .sort(),
    );
    expect(viaPlain.map((r) => [r.id, r.promptId, r.versionId])).toEqual([["c7", "pr", "v"]]);
    expect(writer.stats()).toMatchObject({ written: 16, deadLettered: 0 });
  });

  it("whose links are what the database refuses (a deleted version) is stored unlinked after the plain sink refuses it too", async () => {
    const stored: CallLogRow[] = [];
    const fk = () => Object.assign(new Error("violates foreign key constraint"), { code: "23503" });
    const writer = new CallLogWriter({
      sink: async (rows) => {
        if (rows.some((r) => r.versionId === "gone")) throw fk();
        stored.push(...rows);
      },
      plainSink: async (rows) => {
        if (rows.some((r) => r.versionId === "gone")) throw fk();
        stored.push(...rows);
      },
      logger: silent,
    });
    writer.enqueue({ ...linked("c1"), versionId: "gone" });
    await writer.close();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id: "c1", versionId: null, metadata: { unlinked: { versionId: "gone" } } });
  });
});
