/**
 * The order in which socket connections reach the embedded PGlite.
 *
 * PGlite is ONE PostgreSQL session shared by every socket connection, so everything that is
 * per-session in PostgreSQL (the unnamed prepared statement and portal of the extended protocol,
 * an open transaction) would leak between connections if their messages interleaved.
 * pglite-socket's own queue interleaves per message, e.g. a Parse of one connection between the
 * Parse and Bind of another whenever a message spans several TCP reads. This queue gives the
 * session to one connection at a time and takes it back only when PGlite answers
 * ReadyForQuery with status Idle: after a Sync or simple Query outside a transaction. Inside a
 * transaction ('T') or a failed one ('E') the owner keeps the session until it ends it.
 *
 * It implements the interface pglite-socket's handlers call (`enqueue`, `getQueueLength`,
 * `clearQueueForHandler`, `clearTransactionIfNeeded`), see lib/db/embedded.ts.
 */
import type { PGlite } from "@electric-sql/pglite";

interface PendingMessage {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
}

const READY_FOR_QUERY = 0x5a; // 'Z'
const STATUS_IDLE = 0x49; // 'I'
const SYNC_MESSAGE = new Uint8Array([0x53, 0, 0, 0, 4]);

/**
 * Follows the backend's message stream across chunks and remembers the status byte of the last
 * ReadyForQuery, if the stream ended right after one.
 */
export class ReadyForQueryTracker {
  private header = new Uint8Array(5);
  private headerFill = 0;
  private bodyLeft = 0;
  private currentType = 0;
  private lastStatus: number | undefined;

  /** Feeds a chunk of backend output. */
  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, chunk.length - offset);
        if (this.currentType === READY_FOR_QUERY && take > 0) this.lastStatus = chunk[offset + take - 1];
        this.bodyLeft -= take;
        offset += take;
        continue;
      }
      this.header[this.headerFill++] = chunk[offset++]!;
      if (this.headerFill < 5) continue;
      this.headerFill = 0;
      this.currentType = this.header[0]!;
      const length = ((this.header[1]! << 24) | (this.header[2]! << 16) | (this.header[3]! << 8) | this.header[4]!) >>> 0;
      this.bodyLeft = length - 4;
      this.lastStatus = undefined;
    }
  }

  /** 'I', 'T' or 'E' when the output seen so far ends with a complete ReadyForQuery. */
  get status(): number | undefined {
    return this.bodyLeft === 0 && this.headerFill === 0 ? this.lastStatus : undefined;
  }
}

export class PGliteSessionQueue {
  private readonly queue: PendingMessage[] = [];
  /** The connection that holds the session, or null when it is free. */
  private owner: number | null = null;
  private draining = false;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.drain();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  /** Drops the queued messages of a connection that went away. */
  clearQueueForHandler(handlerId: number): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const pending = this.queue[i]!;
      if (pending.handlerId !== handlerId) continue;
      this.queue.splice(i, 1);
      pending.reject(new Error("Handler disconnected"));
    }
  }

  /**
   * Called when a connection goes away: if it held the session, finish its extended-protocol
   * sequence (Sync) and roll back its transaction, then hand the session on.
   */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    try {
      await this.db.runExclusive(() => this.db.execProtocolRaw(SYNC_MESSAGE));
      // exec() takes PGlite's lock itself, so it runs outside runExclusive.
      if (this.db.isInTransaction()) await this.db.exec("ROLLBACK");
    } finally {
      this.owner = null;
      void this.drain();
    }
  }

  /** The next message to run: the owner's, or anyone's (in arrival order) when the session is free. */
  private next(): PendingMessage | undefined {
    if (this.owner === null) return this.queue.shift();
    const index = this.queue.findIndex((pending) => pending.handlerId === this.owner);
    return index === -1 ? undefined : this.queue.splice(index, 1)[0];
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let pending = this.next(); pending; pending = this.next()) {
        this.owner = pending.handlerId;
        const tracker = new ReadyForQueryTracker();
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(pending.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                tracker.push(data);
                pending.onData(data);
              },
            }),
          );
        } catch (error) {
          if (!this.db.isInTransaction()) this.owner = null;
          pending.reject(error);
          continue;
        }
        if (tracker.status === STATUS_IDLE) this.owner = null;
        pending.resolve(bytes);
      }
    } finally {
      this.draining = false;
    }
  }
}
