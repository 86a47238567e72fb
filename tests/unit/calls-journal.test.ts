// The call log's durable journal (lib/calls/journal.ts) and the writer on top of it: group
// commit, segments deleted once stored, replay after a crash, slots per instance, a journal that
// cannot be written. Real files in a temporary directory; the database is a fake sink.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { callLogRowFromResult, type CallLogRow } from "@/lib/calls/record";
import { CallJournal } from "@/lib/calls/journal";
import { encodeCallLogRow } from "@/lib/calls/row-codec";
import { CallLogWriter } from "@/lib/calls/writer";
import { fakeRunResult } from "../fixtures/run-result";

const silent = pino({ level: "silent" });
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "pd-journal-"));
  dirs.push(dir);
  return dir;
}

const result = fakeRunResult({ costMicros: 3, latencyMs: 5, request: { messages: [{ role: "user", content: "question" }] } });

function row(i: number): CallLogRow {
  return { ...callLogRowFromResult(result, { projectId: "p1", metadata: { i } }), id: `call-${String(i).padStart(6, "0")}` };
}

function segmentFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith(".jsonl"));
}

/** A sink that stores rows in a map (by id, like ON CONFLICT DO NOTHING) and can be "down". */
function fakeDatabase() {
  const stored = new Map<string, CallLogRow>();
  const db = {
    down: false,
    stored,
    inserts: 0,
    sink: async (rows: CallLogRow[]) => {
      await Promise.resolve();
      if (db.down) throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
      db.inserts++;
      for (const r of rows) if (!stored.has(r.id)) stored.set(r.id, r);
    },
  };
  return db;
}

describe("CallJournal", () => {
  it("group commit: concurrent appends share one write + fsync and resolve with their segment", async () => {
    const base = tempDir();
    const journal = new CallJournal({ dir: base, logger: silent });
    journal.open();
    const seqs = await Promise.all(Array.from({ length: 50 }, (_, i) => journal.append([encodeCallLogRow(row(i))])));
    expect(new Set(seqs).size).toBe(1);
    // The first append is written alone; the 49 queued meanwhile go in one more group.
    expect(journal.stats()).toMatchObject({ lines: 50, failedGroups: 0 });
    expect(journal.stats().groups).toBeLessThanOrEqual(3);
    const file = path.join(journal.directory, segmentFiles(journal.directory)[0] ?? "");
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(50);
    await journal.close();
  });

  it("seals segments at segmentBytes and deletes each once all its rows are settled", async () => {
    const base = tempDir();
    const line = encodeCallLogRow(row(1));
    const journal = new CallJournal({ dir: base, segmentBytes: line.length * 3 + 10, logger: silent });
    journal.open();
    const seqs: number[] = [];
    for (let i = 0; i < 7; i++) seqs.push(await journal.append([encodeCallLogRow(row(i))]));
    expect(seqs).toEqual([1, 1, 1, 2, 2, 2, 3]);
    expect(segmentFiles(journal.directory)).toHaveLength(3);
    journal.settle(1, 2);
    expect(segmentFiles(journal.directory)).toHaveLength(3);
    journal.settle(1, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(segmentFiles(journal.directory)).toEqual(["000000000002.jsonl", "000000000003.jsonl"]);
    journal.settle(2, 3);
    journal.settle(3, 1);
    // The active segment (3) is fully settled: close seals and deletes it.
    expect(await journal.close()).toEqual({ unsettledRows: 0, segments: 0 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(segmentFiles(path.join(base, "0"))).toEqual([]);
  });

  it("each live instance gets its own slot; a stopped instance's segments are taken over by the next start", async () => {
    const base = tempDir();
    const a = new CallJournal({ dir: base, logger: silent });
    const b = new CallJournal({ dir: base, logger: silent });
    a.open();
    b.open();
    expect([path.basename(a.directory), path.basename(b.directory)]).toEqual(["0", "1"]);
    await b.append([encodeCallLogRow(row(1)), encodeCallLogRow(row(2))]);
    expect(await b.close()).toMatchObject({ unsettledRows: 2 });
    // a restarts: its own slot is free again and b's rows move into it.
    await a.close();
    const c = new CallJournal({ dir: base, logger: silent });
    expect(c.open()).toEqual({ backlogSegments: 1 });
    expect(path.basename(c.directory)).toBe("0");
    const backlog = await c.readBacklogSegment();
    expect(backlog?.rows.map((r) => r.id)).toEqual(["call-000001", "call-000002"]);
    expect(await c.readBacklogSegment()).toBeNull();
    expect(existsSync(path.join(base, "1"))).toBe(false);
    await c.close();
  });

  it("a closed journal leaves its segments to the next owner, even when their rows are settled later", async () => {
    const base = tempDir();
    const j1 = new CallJournal({ dir: base, logger: silent });
    j1.open();
    const seq = await j1.append([encodeCallLogRow(row(1)), encodeCallLogRow(row(2))]);
    expect(await j1.close()).toMatchObject({ unsettledRows: 2 });
    // The closed writer's retry stores them after the close (CI failure, calls-journal-replay).
    j1.settle(seq, 2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const j2 = new CallJournal({ dir: base, logger: silent });
    expect(j2.open()).toEqual({ backlogSegments: 1 });
    await j2.close();
  });

  it("skips a line torn by a crash (never acknowledged) and keeps the rest", async () => {
    const base = tempDir();
    const slot = path.join(base, "0");
    const j1 = new CallJournal({ dir: base, logger: silent });
    j1.open();
    await j1.append([encodeCallLogRow(row(1)), encodeCallLogRow(row(2))]);
    await j1.close();
    const file = path.join(slot, segmentFiles(slot)[0] ?? "");
    writeFileSync(file, `${readFileSync(file, "utf8")}${encodeCallLogRow(row(3)).slice(0, 40)}`);
    const j2 = new CallJournal({ dir: base, logger: silent });
    j2.open();
    const backlog = await j2.readBacklogSegment();
    expect(backlog?.rows.map((r) => r.id)).toEqual(["call-000001", "call-000002"]);
    expect(backlog?.skipped).toBe(1);
    await j2.close();
  });
});

describe("CallLogWriter with a journal", () => {
  it("accept resolves once the rows are on disk; stored rows leave the journal", async () => {
    const base = tempDir();
    const db = fakeDatabase();
    const journal = new CallJournal({ dir: base, idleMs: 50, logger: silent });
    journal.open();
    const writer = new CallLogWriter({ sink: db.sink, journal, flushIntervalMs: 10_000, logger: silent });
    expect(await writer.accept([row(1), row(2)])).toEqual({ ok: true });
    // On disk before the database has them.
    expect(db.stored.size).toBe(0);
    const lines = readFileSync(path.join(journal.directory, segmentFiles(journal.directory)[0] ?? ""), "utf8")
      .trim()
      .split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(["call-000001", "call-000002"]);
    expect(writer.enqueue(row(3))).toBe(true);
    await writer.flush();
    expect([...db.stored.keys()].sort()).toEqual(["call-000001", "call-000002", "call-000003"]);
    // Idle and fully stored: the segment is sealed and deleted.
    for (let i = 0; i < 50 && segmentFiles(journal.directory).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(segmentFiles(journal.directory)).toEqual([]);
    expect(await writer.close()).toBe(true);
  });

  it("a stop while the database is down leaves the rows in the journal; the next start stores each exactly once", async () => {
    const base = tempDir();
    const db = fakeDatabase();
    db.down = true;
    const j1 = new CallJournal({ dir: base, logger: silent });
    j1.open();
    const w1 = new CallLogWriter({ sink: db.sink, journal: j1, retryBaseMs: 5, retryMaxMs: 10, journalCloseTimeoutMs: 100, logger: silent });
    const acknowledged: string[] = [];
    for (let i = 0; i < 30; i += 3) {
      const rows = [row(i), row(i + 1), row(i + 2)];
      expect(await w1.accept(rows)).toEqual({ ok: true });
      acknowledged.push(...rows.map((r) => r.id));
    }
    // Nothing lost: everything not stored is in the journal.
    expect(await w1.close({ timeoutMs: 25_000 })).toBe(true);
    expect(db.stored.size).toBe(0);

    // Some rows reached the database before the "crash" (stored, segment not deleted yet).
    db.down = false;
    await db.sink([row(0), row(1)]);
    const j2 = new CallJournal({ dir: base, logger: silent });
    expect(j2.open().backlogSegments).toBeGreaterThan(0);
    const w2 = new CallLogWriter({ sink: db.sink, journal: j2, logger: silent });
    expect(await w2.replayJournal()).toMatchObject({ rows: 30 });
    await w2.flush();
    expect([...db.stored.keys()].sort()).toEqual(acknowledged.sort());
    expect(await w2.close()).toBe(true);
    expect(segmentFiles(path.join(base, "0"))).toEqual([]);
  });

  it("refuses (503) when the journal cannot be written (disk full), and takes calls again once it can", async () => {
    const base = tempDir();
    const db = fakeDatabase();
    const journal = new CallJournal({ dir: base, logger: silent });
    journal.open();
    const writer = new CallLogWriter({ sink: db.sink, journal, logger: silent });
    // The next two segments are a full disk: every write to them fails with ENOSPC.
    symlinkSync("/dev/full", path.join(journal.directory, "000000000001.jsonl"));
    symlinkSync("/dev/full", path.join(journal.directory, "000000000002.jsonl"));
    const refused = await writer.accept([row(1)]);
    expect(refused).toMatchObject({ ok: false, refusal: { reason: "journal", retryAfterSeconds: 5 } });
    expect(writer.refusal()?.reason).toBe("journal");
    await writer.flush();
    expect(db.stored.size).toBe(0);
    expect(writer.stats().bufferedBytes).toBe(0);
    // A paid call (force) is kept in memory, but still not acknowledged.
    expect(await writer.accept([row(3)], { force: true })).toMatchObject({ ok: false, refusal: { reason: "journal" } });
    // The failed segment was sealed: the next write goes to a new one and succeeds.
    expect(await writer.accept([row(2)])).toEqual({ ok: true });
    expect(writer.refusal()).toBeNull();
    await writer.close();
    expect([...db.stored.keys()].sort()).toEqual(["call-000002", "call-000003"]);
  });
});
