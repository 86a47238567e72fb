import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import type { Logger } from "pino";
import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import type { CallLogRow } from "@/lib/calls/record";
import type { CallJournal } from "@/lib/calls/journal";
import { encodeCallLogRow } from "@/lib/calls/row-codec";
import { childLogger } from "@/lib/logger";

const writerLog = childLogger({ component: "call-log-writer" });

/**
 * The buffered call-log writer: off the request path, batched, retried, flushed on shutdown.
 *
 * - `enqueue(row)` is synchronous and never throws; it returns false only when the buffer is
 *   full (the record was NOT accepted; the caller is told and it is logged). `accept(rows)` is
 *   the same for a request that acknowledges its rows to a client: it resolves with whether they
 *   may be acknowledged, or with a refusal (a 503 + Retry-After at the edge). `refusal()` says
 *   before a paid call whether its row would be refused.
 * - The buffer is bounded in bytes (`maxBufferedBytes`, the rows' encoded size, see
 *   row-codec.ts): rows waiting and in flight count until they are stored or dead-lettered.
 * - Rows are written in batches (one statement each, see the sinks) every `flushIntervalMs` or
 *   as soon as `batchSize` rows are waiting, with up to `concurrency` batches in flight (a new
 *   one starts as soon as one finishes).
 * - A failed batch goes back to the front of the buffer and is retried with capped exponential
 *   backoff for as long as it takes (database down = keep retrying). A batch that fails for a
 *   data reason (a constraint, a bad value, SQLSTATE 21/22/23, or any non-transient database
 *   error 5 times in a row) is split until the bad row is isolated, so the good rows are stored
 *   as they are (with their links). The isolated row is retried once with `plainSink` (the bare
 *   insert, without the sink's side effects such as rollups: a row a shared rollup refuses keeps
 *   its links), then once without its optional links (prompt/version/experiment/variant ids,
 *   kept in metadata: a link to a deleted version), and otherwise written to the error log in
 *   full as a dead letter.
 * - `flush()` resolves once everything accepted before the call is in the database;
 *   `close()` stops the timer and flushes. The process-wide writer (with the rollup sink) is
 *   composed in lib/metrics/call-log-writer.ts (lib/calls never imports metrics); the process's
 *   shutdown (lib/runtime/process.ts) closes it after the last request has been answered.
 */

export type CallLogSink = (rows: CallLogRow[]) => Promise<void>;

/** What the SQL sinks need: Prisma's `$executeRawUnsafe`, or `pgRawExecutor(pool)`. */
export interface RawExecutor {
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
}

/**
 * `$executeRawUnsafe` over a node-postgres pool. The production writer uses it instead of
 * Prisma: the statement and its one big text parameter go straight to the socket. Measured on
 * the writer's 1000-row statement: 3.5 ms of client CPU through pg, 13-23 ms through Prisma's
 * raw query path (CPU the database then lacks on a shared machine).
 */
export function pgRawExecutor(pool: pg.Pool): RawExecutor {
  return {
    async $executeRawUnsafe(query, ...values) {
      return (await pool.query(query, values)).rowCount ?? 0;
    },
  };
}

/**
 * The writer's own small pool (one connection per batch in flight). Idle connections close and
 * never hold the process open; a connection error while idle is logged (an unhandled pool
 * 'error' event would crash the process), the next batch reconnects.
 */
export function createCallLogPool(connectionString: string, max: number, logger?: Logger): pg.Pool {
  // A connect that hangs (database host unreachable) fails after 10 s and is retried like any
  // connection error; TCP keepalive notices a peer that vanished under an open connection.
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000, allowExitOnIdle: true, connectionTimeoutMillis: 10_000, keepAlive: true });
  pool.on("error", (error) => (logger ?? writerLog).warn({ err: error }, "call log connection error (idle); reconnecting on the next batch"));
  return pool;
}

export interface CallLogWriterOptions {
  sink: CallLogSink;
  /**
   * The bare CallLog insert, without what `sink` does besides (the rollup upsert): tried for a row
   * `sink` refused on its own before its links are dropped (see the class comment).
   */
  plainSink?: CallLogSink;
  flushIntervalMs?: number;
  batchSize?: number;
  /** Bounded buffer: rows waiting (and in flight) beyond this many bytes (encoded, row-codec.ts) are refused. Default 64 MiB. */
  maxBufferedBytes?: number;
  concurrency?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  logger?: Logger;
  /**
   * The durable local journal (journal.ts, opened by the caller): every accepted row is appended
   * to it, and `accept` resolves only once its rows are on disk. Without it rows live in memory
   * only until stored (scripts, tests).
   */
  journal?: CallJournal;
  /** With a journal, how long `close` waits for the database before leaving the rest in the journal (default 5 s). */
  journalCloseTimeoutMs?: number;
}

export interface CallLogWriterStats {
  accepted: number;
  written: number;
  refused: number;
  deadLettered: number;
  failedBatches: number;
  buffered: number;
  inFlight: number;
  /** Encoded size of the rows waiting and in flight (the byte bound counts these). */
  bufferedBytes: number;
}

/** Why the writer will not take a row now: the edge answers 503 with `message` and `Retry-After`. */
export interface CallLogRefusal {
  reason: "full" | "journal";
  message: string;
  retryAfterSeconds: number;
}

/** What `accept` did: `ok` = the rows may be acknowledged to the client. */
export type AcceptOutcome = { ok: true } | { ok: false; refusal: CallLogRefusal };

/** A row accepted and not stored yet: its size in the buffer and where the journal holds it. */
interface Entry {
  bytes: number;
  /** The journal segment holding it (none: memory only, or not appended yet). */
  seg?: number;
  /** Its journal append is under way. */
  appending: boolean;
  /** Stored (or dead-lettered): its bytes left the buffer. */
  stored: boolean;
}

/** The buffer's default byte bound. */
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

const PERMANENT_CODES = new Set(["P2000", "P2002", "P2003", "P2004", "P2006", "P2007", "P2009", "P2011", "P2012", "P2019", "P2020", "P2023"]);
const PERMANENT_TEXT = /violates (foreign key|not-null|check|unique) constraint|invalid input (syntax|value)|value too long|out of range|malformed/i;

/** SQLSTATE classes about the data: 21 cardinality violation, 22 data exception (bad value, bad JSON/Unicode), 23 integrity constraint violation. */
const PERMANENT_SQLSTATE = /^(21|22|23)[0-9A-Z]{3}$/;
/** SQLSTATE classes that pass: connection, transaction rollback (deadlock), resources, lock not available, operator intervention, system/internal errors. */
const TRANSIENT_SQLSTATE = /^(08|40|53|55|57|58|XX)[0-9A-Z]{3}$/;

/** The PostgreSQL SQLSTATE of an error: pg's `code`, or "Code: `22P05`" in a Prisma raw-query error's message. */
export function sqlstateOf(error: unknown): string | null {
  const message = error instanceof Error ? error.message : String(error);
  const fromMessage = /Code: `([0-9A-Z]{5})`/.exec(message)?.[1];
  if (fromMessage) return fromMessage;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && !/^P[1-6][0-9]{3}$/.test(code) ? code : null;
}

/**
 * Whether an insert error is about the data (retrying the same rows cannot succeed): Prisma's
 * data codes, a data SQLSTATE (classes 21, 22, 23), or the message text.
 */
export function isPermanentInsertError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && PERMANENT_CODES.has(code)) return true;
  const sqlstate = sqlstateOf(error);
  if (sqlstate && PERMANENT_SQLSTATE.test(sqlstate)) return true;
  const message = error instanceof Error ? error.message : String(error);
  return PERMANENT_TEXT.test(message);
}

/**
 * A batch failing this many times in a row with an error the database itself raised (it has a
 * SQLSTATE, so the database is up) of a class that is not transient is treated as a data error
 * and split, instead of blocking the writer forever. Errors without a SQLSTATE (connection
 * refused, reset, timeouts) and transient classes are retried for as long as it takes.
 */
export const PERMANENT_AFTER_FAILURES = 5;

function isRepeatedServerError(error: unknown, failures: number): boolean {
  if (failures < PERMANENT_AFTER_FAILURES) return false;
  const sqlstate = sqlstateOf(error);
  return sqlstate !== null && !TRANSIENT_SQLSTATE.test(sqlstate);
}

/** Prisma `createMany` sink (nullable Json columns need DbNull, not null). */
export function prismaCallLogSink(db: Pick<PrismaClient, "callLog">): CallLogSink {
  return async (rows) => {
    await db.callLog.createMany({
      data: rows.map((r) => ({
        ...r,
        request: r.request === null ? Prisma.DbNull : (r.request as Prisma.InputJsonValue),
        response: r.response === null ? Prisma.DbNull : (r.response as Prisma.InputJsonValue),
        metadata: r.metadata as Prisma.InputJsonValue,
      })),
    });
  };
}

/** Column name -> Postgres array type for the unnest insert (every CallLogRow column). */
const COLUMNS: ReadonlyArray<readonly [keyof CallLogRow, string]> = [
  ["id", "text"],
  ["projectId", "text"],
  ["promptId", "text"],
  ["versionId", "text"],
  ["experimentId", "text"],
  ["variantId", "text"],
  ["source", '"CallSource"'],
  ["model", "text"],
  ["requestedModel", "text"],
  ["routedModel", "text"],
  ["routingRule", "text"],
  ["status", '"CallStatus"'],
  ["errorType", "text"],
  ["errorMessage", "text"],
  ["httpStatus", "int4"],
  ["stopReason", "text"],
  ["refusalCategory", "text"],
  ["attempts", "int4"],
  ["fallbackUsed", "text"],
  ["simulated", "bool"],
  ["batch", "bool"],
  ["inputTokens", "int4"],
  ["outputTokens", "int4"],
  ["cacheWriteTokens", "int4"],
  ["cacheWrite1hTokens", "int4"],
  ["cacheReadTokens", "int4"],
  ["costMicros", "int8"],
  ["latencyMs", "int4"],
  ["ttftMs", "int4"],
  ["outputChars", "int4"],
  ["score", "float8"],
  ["expectedOutput", "text"],
  ["subjectHash", "text"],
  ["request", "jsonb"],
  ["response", "jsonb"],
  ["metadata", "jsonb"],
  ["createdAt", "timestamp(3)"],
];

const INSERT_SQL = `INSERT INTO "CallLog" (${COLUMNS.map(([c]) => `"${c}"`).join(", ")}) SELECT * FROM unnest(${COLUMNS.map(
  ([, type], i) => `$${i + 1}::${type}[]`,
).join(", ")})`;

function columnValue(row: CallLogRow, column: keyof CallLogRow): string | number | boolean | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  if (column === "request" || column === "response" || column === "metadata") return JSON.stringify(value);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  return value as string | number | boolean;
}

/**
 * The batch as ONE jsonb parameter: an array of rows, each row the array of its column values in
 * `COLUMNS` order (`encodeCallLogBatch`). Expanded server-side with `jsonb_array_elements`; a
 * jsonb array element is read by position in O(1) and a nested body is copied, not re-parsed.
 * Measured per 1000-row batch (1.8 KB rows with bodies) against `json_to_recordset` over an
 * array of objects: about half the server time (the text is lexed once instead of three times:
 * json input, recordset expansion, then each jsonb column again; no key names per row).
 */
const BATCH_ROWS_SQL = `SELECT ${COLUMNS.map(([column, type], i) =>
  type === "jsonb" ? `NULLIF(e -> ${i}, 'null'::jsonb) AS "${column}"` : `(e ->> ${i})::${type} AS "${column}"`,
).join(", ")} FROM jsonb_array_elements($1::jsonb) AS e`;

/**
 * The batch insert statement ($1 = `encodeCallLogBatch(rows)`), reused by lib/metrics to insert +
 * roll up in one statement. A row whose id is already stored is skipped (ON CONFLICT DO NOTHING):
 * the journal's replay may carry rows stored just before a crash; the rollups read the insert's
 * RETURNING, so a skipped row is not counted twice either.
 */
export const CALL_LOG_BATCH_INSERT_SQL = `INSERT INTO "CallLog" (${COLUMNS.map(([c]) => `"${c}"`).join(", ")}) ${BATCH_ROWS_SQL} ON CONFLICT ("id") DO NOTHING`;

/** `$1` of CALL_LOG_BATCH_INSERT_SQL: the rows as a JSON array of column-value arrays (BigInt as text, Date as ISO). */
export function encodeCallLogBatch(rows: readonly CallLogRow[]): string {
  const table = rows.map((row) =>
    COLUMNS.map(([column]) => {
      const value = row[column] ?? null;
      return typeof value === "bigint" ? value.toString() : value;
    }),
  );
  let text: string;
  try {
    // No replacer: bodies and metadata are plain JSON already (record.ts#toJson), so JSON.stringify
    // stays on its native fast path (a replacer runs for every nested value: ~2x slower here).
    text = JSON.stringify(table);
  } catch {
    // A hand-built row with a BigInt inside a JSON column.
    text = JSON.stringify(table, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
  }
  // PostgreSQL text and jsonb cannot hold U+0000, and jsonb rejects a lone UTF-16 surrogate (a
  // string cut inside an emoji): either would fail the whole batch. Store U+FFFD instead. JSON.stringify
  // escapes exactly these (a valid surrogate pair is written as the character itself); an escape
  // preceded by an escaped backslash ("\\u0000") is text and stays.
  return text.includes("\\u0000") || text.includes("\\ud") ? text.replace(/(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/g, "$1\\ufffd") : text;
}

/**
 * The fast sink: the whole batch as one jsonb parameter (see CALL_LOG_BATCH_INSERT_SQL; one
 * native JSON.stringify on the client). Prisma's `createMany` (prismaCallLogSink) measured
 * about 180 rows/s on this machine, `unnest` arrays about 3,000/s; see bench/runner-overhead.ts.
 */
export function sqlCallLogSink(db: RawExecutor): CallLogSink {
  return async (rows) => {
    await db.$executeRawUnsafe(CALL_LOG_BATCH_INSERT_SQL, encodeCallLogBatch(rows));
  };
}

/** The `unnest` variant (35 array parameters), kept for comparison in the benchmark. */
export function unnestCallLogSink(db: RawExecutor): CallLogSink {
  return async (rows) => {
    const params = COLUMNS.map(([column]) => rows.map((row) => columnValue(row, column)));
    await db.$executeRawUnsafe(INSERT_SQL, ...params);
  };
}

interface PendingBatch {
  rows: CallLogRow[];
  /** Already retried once without links. */
  unlinked?: boolean;
  /** A single row to store with `plainSink` (the sink refused it). */
  plain?: boolean;
  /** Consecutive failures of this batch. */
  failures?: number;
}

/** Batches in flight by default (see the constructor). */
export const DEFAULT_CONCURRENCY = 3;

export class CallLogWriter {
  private readonly sink: CallLogSink;
  private readonly plainSink: CallLogSink | null;
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxBufferedBytes: number;
  private readonly concurrency: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly log: Logger;
  private queue: PendingBatch[] = [];
  private queuedRows = 0;
  private inFlightRows = 0;
  private pumping: Promise<void> | null = null;
  /** Resolves the running drain's wait for an in-flight batch (new rows to start). */
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private consecutiveFailures = 0;
  /** Every row accepted and not yet stored or dead-lettered (or whose journal append is under way), by id. */
  private readonly entries = new Map<string, Entry>();
  private bufferedBytes = 0;
  private readonly journal: CallJournal | undefined;
  private readonly journalCloseTimeoutMs: number;
  private closing = false;
  private readonly counters = { accepted: 0, written: 0, refused: 0, deadLettered: 0, failedBatches: 0 };

  constructor(options: CallLogWriterOptions) {
    this.sink = options.sink;
    this.plainSink = options.plainSink ?? null;
    this.flushIntervalMs = options.flushIntervalMs ?? 200;
    this.batchSize = options.batchSize ?? 1_000;
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    // Three in flight: while one batch holds the shared hour/day rollup rows (upsert, FK checks,
    // commit), the others parse and insert. Measured medians 13.4k vs 9.1k calls/s for 2.
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.retryBaseMs = options.retryBaseMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 5_000;
    this.log = options.logger ?? writerLog;
    this.journal = options.journal;
    this.journalCloseTimeoutMs = options.journalCloseTimeoutMs ?? 5_000;
    this.startTimer();
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.queuedRows > 0) void this.pump();
    }, this.flushIntervalMs);
    this.timer.unref();
  }

  /**
   * Accepts a row for insertion and returns at once. Returns false (and logs) when the buffer
   * is full; never throws.
   */
  enqueue(row: CallLogRow): boolean {
    try {
      const line = encodeCallLogRow(row);
      if (this.full(line.length)) {
        this.counters.refused++;
        this.log.error({ callId: row.id, bufferedBytes: this.bufferedBytes }, "call log buffer full: record refused");
        return false;
      }
      const entry = this.track(row.id, line.length, this.journal !== undefined);
      this.push(row);
      // Journaled in the background (this caller does not acknowledge the row to anyone).
      if (entry && this.journal) {
        this.journal.append([line]).then(
          (seq) => this.appended(row.id, seq),
          () => this.appended(row.id, undefined),
        );
      }
      return true;
    } catch (error) {
      this.log.error({ err: error }, "call log enqueue failed");
      return false;
    }
  }

  /**
   * Accepts rows a request is about to acknowledge to its client, all or none. Resolves `ok` once
   * they may be acknowledged: with a journal, once they are on disk (group commit); without one,
   * at once. Resolves with the refusal (buffer full, journal not writable) when none was taken.
   * `force` takes them even beyond the byte bound, and keeps them in memory when the journal
   * fails (still not `ok`): a paid call (checked with `refusal()` before it was made) is logged if
   * it can be rather than dropped. Never rejects.
   */
  async accept(rows: readonly CallLogRow[], options: { force?: boolean } = {}): Promise<AcceptOutcome> {
    const lines = rows.map((row) => encodeCallLogRow(row));
    const total = lines.reduce((n, line) => n + line.length, 0);
    if (!options.force && this.full(total)) {
      this.counters.refused += rows.length;
      this.log.warn({ rows: rows.length, bufferedBytes: this.bufferedBytes }, "call log buffer full: records refused");
      return { ok: false, refusal: this.fullRefusal() };
    }
    // Reserved now, so concurrent requests cannot all pass the check and overshoot the bound.
    const tracked = rows.map((row, i) => (this.track(row.id, lines[i]?.length ?? 0, this.journal !== undefined) ? row : null));
    if (this.journal) {
      try {
        const seq = await this.journal.append(lines);
        for (const row of tracked) if (row) this.appended(row.id, seq);
      } catch {
        for (const row of tracked) if (row) this.appended(row.id, undefined);
        if (options.force) {
          for (const row of rows) this.push(row);
        } else {
          this.settled(tracked.filter((row): row is CallLogRow => row !== null));
          this.counters.refused += rows.length;
        }
        return { ok: false, refusal: this.journalRefusal() };
      }
    }
    for (const row of rows) this.push(row);
    return { ok: true };
  }

  /**
   * Why a row would be refused now (checked before a paid call), or null when it would be taken:
   * the buffer has no room for one more large row (64 KiB: two bodies at the default limit), or
   * the journal's last write failed (less than a second ago).
   */
  refusal(): CallLogRefusal | null {
    if (this.full(Math.min(64 * 1024, this.maxBufferedBytes / 4))) return this.fullRefusal();
    if (this.journal?.failing) return this.journalRefusal();
    return null;
  }

  private full(extraBytes: number): boolean {
    // One row always fits into an empty buffer (a bound smaller than a row would refuse it forever).
    return this.bufferedBytes > 0 && this.bufferedBytes + extraBytes > this.maxBufferedBytes;
  }

  private fullRefusal(): CallLogRefusal {
    return {
      reason: "full",
      message: `The call log buffer is full (${Math.round(this.bufferedBytes / 1024 / 1024)} MiB waiting for the database); retry shortly`,
      retryAfterSeconds: 2,
    };
  }

  private journalRefusal(): CallLogRefusal {
    return { reason: "journal", message: "The call log journal cannot be written (disk full or not writable); retry shortly", retryAfterSeconds: 5 };
  }

  /** Counts a new row in the buffer; false when a row with this id is already there (it is not counted twice). */
  private track(id: string, bytes: number, appending: boolean): boolean {
    if (this.entries.has(id)) return false;
    this.entries.set(id, { bytes, appending, stored: false });
    this.bufferedBytes += bytes;
    return true;
  }

  /** A row's journal append finished (`seq`) or failed (undefined: memory only). */
  private appended(id: string, seq: number | undefined): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.appending = false;
    entry.seg = seq;
    if (entry.stored) this.forget(id, entry);
  }

  private forget(id: string, entry: Entry): void {
    this.entries.delete(id);
    if (entry.seg !== undefined) this.journal?.settle(entry.seg, 1);
  }

  private push(row: CallLogRow): void {
    const tail = this.queue[this.queue.length - 1];
    if (tail && !tail.unlinked && !tail.plain && tail.rows.length < this.batchSize) tail.rows.push(row);
    else this.queue.push({ rows: [row] });
    this.queuedRows++;
    this.counters.accepted++;
    if (this.queuedRows >= this.batchSize && this.consecutiveFailures === 0) void this.pump();
  }

  /** Rows are stored (or dead-lettered): their bytes leave the buffer, their journal segment learns it. */
  private settled(rows: readonly CallLogRow[]): void {
    for (const row of rows) {
      const entry = this.entries.get(row.id);
      if (!entry || entry.stored) continue;
      entry.stored = true;
      this.bufferedBytes -= entry.bytes;
      if (!entry.appending) this.forget(row.id, entry);
    }
  }

  /**
   * Stores the journal's backlog (rows a previous process left on disk): one segment at a time,
   * the next once the buffer is at most half full, so a long backlog never holds more memory than
   * the bound. Rows already in the buffer are skipped, and the insert skips ids already stored
   * (ON CONFLICT DO NOTHING: rows stored just before a crash are neither stored nor rolled up
   * twice). Resolves when the whole backlog is in the buffer (or the writer closes).
   */
  async replayJournal(): Promise<{ rows: number; segments: number; skipped: number }> {
    const totals = { rows: 0, segments: 0, skipped: 0 };
    const journal = this.journal;
    if (!journal) return totals;
    while (!this.closing) {
      while (!this.closing && this.bufferedBytes > this.maxBufferedBytes / 2) await sleep(100, undefined, { ref: false });
      if (this.closing) break;
      const segment = await journal.readBacklogSegment();
      if (!segment) break;
      let taken = 0;
      for (const row of segment.rows) {
        if (this.entries.has(row.id)) continue;
        this.entries.set(row.id, { bytes: encodeCallLogRow(row).length, seg: segment.seq, appending: false, stored: false });
        this.bufferedBytes += this.entries.get(row.id)?.bytes ?? 0;
        this.push(row);
        taken++;
      }
      journal.adopted(segment.seq, taken);
      totals.rows += taken;
      totals.segments++;
      totals.skipped += segment.skipped + segment.rows.length - taken;
      if (taken > 0) void this.pump();
    }
    if (totals.segments > 0) this.log.info(totals, "call journal: replayed rows a previous process left unstored");
    return totals;
  }

  /** The batch size and the number of batches in flight in effect. */
  get options(): { batchSize: number; concurrency: number } {
    return { batchSize: this.batchSize, concurrency: this.concurrency };
  }

  /** Counters and current buffer sizes. */
  stats(): CallLogWriterStats {
    return { ...this.counters, buffered: this.queuedRows, inFlight: this.inFlightRows, bufferedBytes: this.bufferedBytes };
  }

  /** The journal, when rows are journaled. */
  get journalStats(): ReturnType<CallJournal["stats"]> | undefined {
    return this.journal?.stats();
  }

  /** Starts the drain, or wakes the running one (a batch filled, or the interval ticked) so it can fill a free slot. */
  private pump(): Promise<void> {
    if (this.pumping) this.wake?.();
    this.pumping ??= this.drain().finally(() => {
      this.pumping = null;
    });
    return this.pumping;
  }

  /**
   * Keeps up to `concurrency` batches in flight: a new batch starts as soon as one finishes (not
   * in lockstep rounds), so a slow statement does not idle the other connection. After a
   * transient failure no new batch starts; once the in-flight ones settle, the writer waits
   * (capped exponential backoff) and resumes with the failed batch first.
   */
  private async drain(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    let transientFailure: unknown = null;
    const requeue = (batches: PendingBatch[]) => {
      if (batches.length === 0) return;
      this.queue.unshift(...batches);
      this.queuedRows += batches.reduce((n, b) => n + b.rows.length, 0);
    };
    const start = (batch: PendingBatch) => {
      const size = batch.rows.length;
      this.queuedRows -= size;
      this.inFlightRows += size;
      const task: Promise<void> = Promise.resolve()
        .then(() => (batch.plain && this.plainSink ? this.plainSink(batch.rows) : this.sink(batch.rows)))
        .then(
          () => {
            this.inFlightRows -= size;
            this.counters.written += size;
            this.settled(batch.rows);
            if (transientFailure === null) this.consecutiveFailures = 0;
          },
          (reason: unknown) => {
            this.inFlightRows -= size;
            this.counters.failedBatches++;
            batch.failures = (batch.failures ?? 0) + 1;
            if (isPermanentInsertError(reason) || isRepeatedServerError(reason, batch.failures)) {
              requeue(this.isolate(batch, reason));
            } else {
              transientFailure ??= reason;
              requeue([batch]);
            }
          },
        )
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
    };
    while (this.queue.length > 0 || inFlight.size > 0) {
      while (transientFailure === null && inFlight.size < this.concurrency && this.queue.length > 0) start(this.queue.shift() as PendingBatch);
      if (inFlight.size > 0) {
        // Wait for a batch to finish, or for pump() to report new rows while a slot is free.
        await new Promise<void>((resolve) => {
          this.wake = inFlight.size < this.concurrency && transientFailure === null ? resolve : null;
          void Promise.race(inFlight).then(resolve);
        });
        this.wake = null;
        continue;
      }
      if (transientFailure !== null) {
        this.consecutiveFailures++;
        const delay = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(this.consecutiveFailures - 1, 20));
        this.log.warn(
          { err: transientFailure, buffered: this.queuedRows, retryInMs: delay, failures: this.consecutiveFailures },
          "call log insert failed; will retry",
        );
        transientFailure = null;
        await sleep(delay, undefined, { ref: false });
      }
    }
  }

  /** Splits a batch that failed for a data reason; handles a single bad row. */
  private isolate(batch: PendingBatch, reason: unknown): PendingBatch[] {
    if (batch.rows.length > 1) {
      const mid = Math.ceil(batch.rows.length / 2);
      return [{ rows: batch.rows.slice(0, mid) }, { rows: batch.rows.slice(mid) }];
    }
    const row = batch.rows[0] as CallLogRow;
    const linked = Boolean(row.promptId || row.versionId || row.experimentId || row.variantId);
    if (this.plainSink && linked && !batch.plain && !batch.unlinked) {
      this.log.warn({ err: reason, callId: row.id }, "call log row rejected; storing it with its links but without its rollups");
      return [{ rows: [row], plain: true }];
    }
    if (!batch.unlinked && linked) {
      const links = { promptId: row.promptId, versionId: row.versionId, experimentId: row.experimentId, variantId: row.variantId };
      const metadata = { ...(row.metadata && typeof row.metadata === "object" && !Array.isArray(row.metadata) ? row.metadata : {}), unlinked: links };
      this.log.warn({ err: reason, callId: row.id }, "call log row rejected; retrying without its optional links");
      return [{ rows: [{ ...row, promptId: null, versionId: null, experimentId: null, variantId: null, metadata }], unlinked: true }];
    }
    this.counters.deadLettered++;
    this.settled(batch.rows);
    this.log.error(
      { err: reason, deadLetter: JSON.parse(JSON.stringify(row, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) as unknown },
      "call log row rejected by the database; written to this log instead",
    );
    return [];
  }

  /**
   * Resolves when every row accepted before this call has been written (or dead-lettered).
   * With `timeoutMs`, resolves false if that did not happen in time (rows stay buffered and
   * keep being retried); otherwise resolves true.
   */
  async flush(options: { timeoutMs?: number } = {}): Promise<boolean> {
    const done = (async () => {
      while (this.queuedRows > 0 || this.pumping) await this.pump();
      return true;
    })();
    if (options.timeoutMs === undefined) return done;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), options.timeoutMs);
    });
    const ok = await Promise.race([done, timeout]);
    clearTimeout(timer);
    return ok;
  }

  /**
   * Stops the interval and flushes (see flush). With a journal: waits at most
   * `journalCloseTimeoutMs` for the database, then closes the journal, leaving the rows not
   * stored yet on disk for the next start; resolves true when nothing is lost that way (every row
   * not stored is in the journal). Rows enqueued later are still accepted, in memory only.
   */
  async close(options: { timeoutMs?: number } = {}): Promise<boolean> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.closing = true;
    if (!this.journal) {
      const ok = await this.flush(options);
      if (!ok) this.log.error({ buffered: this.queuedRows }, "call log not fully flushed before the shutdown timeout");
      return ok;
    }
    const flushed = await this.flush({ timeoutMs: Math.min(options.timeoutMs ?? Infinity, this.journalCloseTimeoutMs) });
    const { unsettledRows, segments } = await this.journal.close();
    const memoryOnly = [...this.entries.values()].filter((e) => !e.stored && e.seg === undefined).length;
    if (!flushed) {
      this.log.warn(
        { unstored: this.queuedRows + this.inFlightRows, inJournal: unsettledRows, segments, directory: this.journal.directory },
        "call log: the database did not take every row before the shutdown; the journal keeps them for the next start",
      );
    }
    if (memoryOnly > 0) this.log.error({ memoryOnly }, "call log: rows neither stored nor in the journal are lost");
    return memoryOnly === 0;
  }
}
