/**
 * The call log's durable local journal: rows the writer has accepted but PostgreSQL has not
 * stored yet, in append-only files on local disk, so an acknowledged call survives a stop, a crash
 * (SIGKILL) and a database outage. See lib/calls/README.md.
 *
 * - Layout: `<dir>/<slot>/` per running instance (slot 0, 1, ...), each locked by its owner's pid
 *   (`promptdeck.lock`, lib/db/dir-lock.ts; a dead owner's slot is taken over), holding segment
 *   files `<seq>.jsonl`: one row per line (row-codec.ts).
 * - Group commit: `append(lines)` queues its lines; one write + fdatasync carries every line
 *   queued meanwhile, then all their promises resolve with the segment number. A request is
 *   acknowledged only after that (CallLogWriter.accept).
 * - `settle(segment, n)`: n rows of a segment are stored (or dead-lettered). A sealed segment whose
 *   rows are all settled is deleted; the active one is sealed when it reaches `segmentBytes`, or
 *   when it is idle and fully settled.
 * - On open, the segments found in the slot (left by the previous process) and in unlocked slots
 *   of dead instances (moved into this slot) are the backlog: `readBacklogSegment()` hands them to
 *   the writer, which stores them with ON CONFLICT (id) DO NOTHING (a row stored just before a crash
 *   is not stored twice, nor counted twice in the rollups).
 * - A failed write (disk full, not writable) rejects the group's promises: the segment is cut back
 *   to its last good length and sealed, and `failing` is true until a write succeeds.
 */
import { mkdirSync, readdirSync, renameSync, rmdirSync } from "node:fs";
import { open, readFile, unlink, type FileHandle } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { CallLogRow } from "@/lib/calls/record";
import { decodeCallLogRow } from "@/lib/calls/row-codec";
import { acquireDataDirLock, DataDirInUseError, type DataDirLock } from "@/lib/db/dir-lock";
import { childLogger } from "@/lib/logger";

const journalLog = childLogger({ component: "call-journal" });

/** Seal the active segment once it holds this much (default 8 MiB). */
export const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;
/** A journal write failed less than this long ago: `failing` (the writer refuses before a paid call). */
const FAILING_FOR_MS = 1_000;
const SEGMENT_NAME = /^(\d{12})\.jsonl$/;

export interface CallJournalOptions {
  /** The journal's base directory (PROMPTDECK_CALL_JOURNAL_DIR); this instance claims a slot under it. */
  dir: string;
  segmentBytes?: number;
  /** An idle, fully stored active segment is deleted after this long (default 1 s). */
  idleMs?: number;
  logger?: Logger;
}

interface Segment {
  seq: number;
  file: string;
  handle?: FileHandle;
  /** Bytes written and synced. */
  bytes: number;
  appended: number;
  settled: number;
  sealed: boolean;
  /** A backlog segment not yet handed to the writer. */
  backlog: boolean;
  lastWriteAt: number;
}

interface Waiter {
  resolve: (seq: number) => void;
  reject: (error: unknown) => void;
}

function segmentName(seq: number): string {
  return `${String(seq).padStart(12, "0")}.jsonl`;
}

function listSegments(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((name) => SEGMENT_NAME.exec(name)?.[1])
    .filter((seq): seq is string => seq !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

export class CallJournal {
  private readonly baseDir: string;
  private readonly segmentBytes: number;
  private readonly idleMs: number;
  private readonly log: Logger;
  private lock: DataDirLock | undefined;
  private slotDir = "";
  private readonly segments = new Map<number, Segment>();
  /** Unlinks of stored segments still in progress (close waits for them). */
  private readonly deleting = new Set<Promise<void>>();
  private active: Segment | undefined;
  private nextSeq = 1;
  private queuedLines: string[] = [];
  private queuedWaiters: Waiter[] = [];
  private writing: Promise<void> | undefined;
  private failedAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly counters = { groups: 0, lines: 0, failedGroups: 0, deletedSegments: 0 };

  constructor(options: CallJournalOptions) {
    this.baseDir = path.resolve(options.dir);
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.idleMs = options.idleMs ?? 1_000;
    this.log = options.logger ?? journalLog;
  }

  /** This instance's slot directory (after open). */
  get directory(): string {
    return this.slotDir;
  }

  /** True while the last write failed less than a second ago (no write succeeded since). */
  get failing(): boolean {
    return this.failedAt !== undefined && Date.now() - this.failedAt < FAILING_FOR_MS;
  }

  /**
   * Claims a slot (the lowest one no live process holds), takes over the segments of unlocked
   * slots (instances that died or stopped with rows not stored), and lists the backlog. Throws
   * when the directory cannot be created or locked (the process does not start without it).
   */
  open(): { backlogSegments: number } {
    mkdirSync(this.baseDir, { recursive: true });
    for (let slot = 0; !this.lock; slot++) {
      if (slot > 1_000) throw new Error(`No free call journal slot under ${this.baseDir}`);
      const dir = path.join(this.baseDir, String(slot));
      try {
        this.lock = acquireDataDirLock(dir);
        this.slotDir = dir;
      } catch (error) {
        if (!(error instanceof DataDirInUseError)) throw error;
      }
    }
    for (const seq of listSegments(this.slotDir)) this.addBacklog(seq, path.join(this.slotDir, segmentName(seq)));
    this.adoptOrphans();
    this.timer = setInterval(() => this.sealIdle(), Math.max(50, this.idleMs));
    this.timer.unref();
    return { backlogSegments: [...this.segments.values()].filter((s) => s.backlog).length };
  }

  private addBacklog(seq: number, file: string): void {
    this.segments.set(seq, { seq, file, bytes: 0, appended: 0, settled: 0, sealed: true, backlog: true, lastWriteAt: 0 });
    this.nextSeq = Math.max(this.nextSeq, seq + 1);
  }

  /** Moves the segments of slots no live process holds into this slot (their owner died or stopped). */
  private adoptOrphans(): void {
    let slots: string[];
    try {
      slots = readdirSync(this.baseDir).filter((name) => /^\d+$/.test(name) && path.join(this.baseDir, name) !== this.slotDir);
    } catch {
      return;
    }
    for (const name of slots) {
      const dir = path.join(this.baseDir, name);
      const seqs = listSegments(dir);
      if (seqs.length === 0) continue;
      let lock: DataDirLock;
      try {
        lock = acquireDataDirLock(dir);
      } catch (error) {
        if (!(error instanceof DataDirInUseError)) this.log.warn({ err: error, dir }, "could not inspect a call journal slot");
        continue;
      }
      try {
        for (const seq of listSegments(dir)) {
          const target = path.join(this.slotDir, segmentName(this.nextSeq));
          renameSync(path.join(dir, segmentName(seq)), target);
          this.addBacklog(this.nextSeq, target);
        }
        this.log.info({ from: dir, segments: seqs.length }, "call journal: took over the segments of a stopped instance");
      } finally {
        lock.release();
      }
      try {
        rmdirSync(dir);
      } catch {
        // not empty or in use again: left alone
      }
    }
  }

  /** The next backlog segment's rows (each segment once, oldest first), or null when there is none left. */
  async readBacklogSegment(): Promise<{ seq: number; rows: CallLogRow[]; skipped: number } | null> {
    const segment = [...this.segments.values()].filter((s) => s.backlog).sort((a, b) => a.seq - b.seq)[0];
    if (!segment) return null;
    segment.backlog = false;
    let text: string;
    try {
      text = await readFile(segment.file, "utf8");
    } catch (error) {
      this.log.error({ err: error, file: segment.file }, "call journal: could not read a segment; it is left on disk");
      this.segments.delete(segment.seq);
      return { seq: segment.seq, rows: [], skipped: 0 };
    }
    const rows: CallLogRow[] = [];
    let skipped = 0;
    for (const line of text.split("\n")) {
      if (line.length === 0) continue;
      const row = decodeCallLogRow(line);
      if (row) rows.push(row);
      else skipped++;
    }
    if (skipped > 0)
      this.log.warn({ file: segment.file, skipped }, "call journal: skipped lines that are not rows (a write torn by a crash; never acknowledged)");
    return { seq: segment.seq, rows, skipped };
  }

  /**
   * How many rows of backlog segment `seq` the writer took (the others were duplicates of rows
   * already taken); a segment with none left to store is deleted.
   */
  adopted(seq: number, rows: number): void {
    const segment = this.segments.get(seq);
    if (!segment) return;
    segment.appended = rows;
    this.deleteIfDone(segment);
  }

  /**
   * Appends rows (lines from `encodeCallLogRow`) and resolves with their segment once they are on
   * disk (fdatasync); rejects when the journal cannot be written.
   */
  append(lines: string[]): Promise<number> {
    if (this.closed || !this.lock) return Promise.reject(new Error("The call journal is closed"));
    return new Promise<number>((resolve, reject) => {
      for (const line of lines) this.queuedLines.push(line);
      this.queuedWaiters.push({ resolve, reject });
      this.kick();
    });
  }

  /** Starts the group writer unless it runs; it restarts itself for lines queued as it finished. */
  private kick(): void {
    if (this.writing) return;
    this.writing = this.writeGroups().finally(() => {
      this.writing = undefined;
      if (this.queuedWaiters.length > 0) this.kick();
    });
  }

  private async writeGroups(): Promise<void> {
    while (this.queuedWaiters.length > 0) {
      const lines = this.queuedLines;
      const waiters = this.queuedWaiters;
      this.queuedLines = [];
      this.queuedWaiters = [];
      const data = Buffer.from(`${lines.join("\n")}\n`, "utf8");
      let segment: Segment | undefined;
      try {
        segment = await this.segmentFor(data.length);
        const handle = segment.handle as FileHandle;
        let offset = 0;
        while (offset < data.length) offset += (await handle.write(data, offset, data.length - offset)).bytesWritten;
        await handle.datasync();
        segment.bytes += data.length;
        segment.appended += lines.length;
        segment.lastWriteAt = Date.now();
        this.failedAt = undefined;
        this.counters.groups++;
        this.counters.lines += lines.length;
        const seq = segment.seq;
        for (const waiter of waiters) waiter.resolve(seq);
      } catch (error) {
        this.failedAt = Date.now();
        this.counters.failedGroups++;
        this.log.error({ err: error, rows: lines.length, dir: this.slotDir }, "call journal write failed: these calls are refused (503)");
        if (segment) await this.cutBack(segment);
        for (const waiter of waiters) waiter.reject(error);
      }
    }
  }

  /** After a failed write: the segment loses whatever part of the group reached it, and is sealed. */
  private async cutBack(segment: Segment): Promise<void> {
    try {
      await segment.handle?.truncate(segment.bytes);
    } catch (error) {
      this.log.error({ err: error, file: segment.file }, "call journal: could not cut back a failed write; its rows may be stored on replay");
    }
    await this.seal(segment);
  }

  /** The active segment, or a new one when there is none or this group would take it past segmentBytes. */
  private async segmentFor(bytes: number): Promise<Segment> {
    const current = this.active;
    if (current && (current.bytes === 0 || current.bytes + bytes <= this.segmentBytes)) return current;
    if (current) await this.seal(current);
    const seq = this.nextSeq++;
    const file = path.join(this.slotDir, segmentName(seq));
    const segment: Segment = { seq, file, bytes: 0, appended: 0, settled: 0, sealed: false, backlog: false, lastWriteAt: Date.now() };
    // "a": appended at the end; `bytes` is where a failed write is cut back to.
    segment.handle = await open(file, "a");
    segment.bytes = (await segment.handle.stat()).isFile() ? (await segment.handle.stat()).size : 0;
    this.segments.set(seq, segment);
    this.active = segment;
    // The new file's directory entry must survive a power loss too.
    const dir = await open(this.slotDir, "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    return segment;
  }

  private async seal(segment: Segment): Promise<void> {
    if (this.active === segment) this.active = undefined;
    segment.sealed = true;
    const handle = segment.handle;
    segment.handle = undefined;
    await handle?.close().catch(() => {});
    this.deleteIfDone(segment);
  }

  /** `count` rows of segment `seq` are stored (or dead-lettered). */
  settle(seq: number, count: number): void {
    const segment = this.segments.get(seq);
    if (!segment) return;
    segment.settled += count;
    this.deleteIfDone(segment);
  }

  private deleteIfDone(segment: Segment): void {
    if (!segment.sealed || segment.backlog || segment.settled < segment.appended) return;
    // After close the slot belongs to the next owner, which replays these files: a row the
    // closed writer still stores later (its retry outlived close) is skipped there by id.
    if (this.closed && !this.lock) return;
    this.segments.delete(segment.seq);
    this.counters.deletedSegments++;
    const deleting: Promise<void> = unlink(segment.file)
      .catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT")
          this.log.warn({ err: error, file: segment.file }, "call journal: could not delete a stored segment");
      })
      .finally(() => this.deleting.delete(deleting));
    this.deleting.add(deleting);
  }

  /** Seals the active segment when nothing was written to it for idleMs and all its rows are stored. */
  private sealIdle(): void {
    const active = this.active;
    if (!active || this.writing || this.queuedWaiters.length > 0) return;
    if (active.settled >= active.appended && Date.now() - active.lastWriteAt >= this.idleMs) void this.seal(active);
  }

  /** Rows on disk not stored yet (backlog not handed over counts as unknown: its segments are listed). */
  stats(): { directory: string; segments: number; unsettledRows: number; backlogSegments: number; failing: boolean } & CallJournal["counters"] {
    const segments = [...this.segments.values()];
    return {
      directory: this.slotDir,
      segments: segments.length,
      unsettledRows: segments.reduce((n, s) => n + Math.max(0, s.appended - s.settled), 0),
      backlogSegments: segments.filter((s) => s.backlog).length,
      failing: this.failing,
      ...this.counters,
    };
  }

  /**
   * Waits for the writes in progress, seals the active segment (deleting every fully stored one),
   * keeps the rest on disk for the next start, and releases the slot. Later appends reject.
   */
  async close(): Promise<{ unsettledRows: number; segments: number }> {
    if (this.closed) return { unsettledRows: 0, segments: 0 };
    this.closed = true;
    clearInterval(this.timer);
    while (this.writing) await this.writing;
    if (this.active) await this.seal(this.active);
    // Deletions of stored segments finish before the slot is released (the next owner would replay them).
    await Promise.all([...this.deleting]);
    const { unsettledRows, segments } = this.stats();
    this.lock?.release();
    this.lock = undefined;
    return { unsettledRows, segments };
  }
}
