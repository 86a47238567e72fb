/**
 * The live stream's per-instance state (GET /api/v1/stream): open streams per key, one tail of
 * the ProjectEvent outbox per project with listeners, fed by the change feed (a NOTIFY or a poll
 * says "this project's prompt changed"; the tail reads the new outbox rows and sends them), the
 * heartbeat, backpressure and shutdown. Framework-free: a stream is any writable sink (the HTTP
 * response). See lib/serving/README.md "Live stream".
 */
import { AppError } from "@/lib/errors";
import { ServiceUnavailableError } from "@/lib/errors/unavailable";
import { formatSseComment, formatSseEvent, formatSseRetry } from "./sse";
import {
  COMMIT_SLACK_MS,
  findOutboxEventTime,
  latestOutboxEventId,
  loadOutboxEvents,
  outboxTailStart,
  parseLastEventId,
  planReplay,
  planResume,
  toPromptChangeEvent,
  type OutboxRow,
  type PromptChangeEvent,
} from "./stream-events";

/** Where a stream writes (an http.ServerResponse in the server). */
export interface StreamSink {
  write(chunk: string): boolean;
  end(): void;
  destroy(): void;
  readonly writableLength: number;
  readonly destroyed: boolean;
  once(event: "close", listener: () => void): unknown;
}

/** The outbox reads (the queries in stream-events.ts; injectable for unit tests). */
export interface StreamEventSource {
  findEventTime(projectId: string, id: string): Promise<{ createdAt: Date } | null>;
  loadEvents(projectId: string, position: { from: Date } | { after: { createdAt: Date; id: string } }, limit: number): Promise<OutboxRow[]>;
  tailStart(projectId: string): Promise<{ now: Date; recent: { id: string; createdAt: Date }[] }>;
  /** The project's newest stream event id (what a reset hands the client to resume from), null when there is none. */
  latestEventId(projectId: string): Promise<string | null>;
}

const outboxSource: StreamEventSource = {
  findEventTime: findOutboxEventTime,
  loadEvents: loadOutboxEvents,
  tailStart: outboxTailStart,
  latestEventId: latestOutboxEventId,
};

export interface StreamHubOptions {
  /** Open streams one API key may hold on this instance (429 beyond). Default 20. */
  maxPerKey?: number;
  /** Open streams on this instance (503 beyond). Default 10,000. */
  maxTotal?: number;
  /** Bytes a stream may have queued unsent before it is closed as too slow (it resumes with Last-Event-ID). Default 256 KiB. */
  maxBufferedBytes?: number;
  /** Heartbeat comment period. Default 15 s. */
  heartbeatMs?: number;
  /** Most events a resume replays; more is answered with `event: reset`. Default 1000. */
  replayLimit?: number;
  /** The reconnection delay sent to clients (`retry:`). Default 2 s. */
  retryMs?: number;
  /** Delay before a failed outbox read is tried again. Default 1 s. */
  retryReadMs?: number;
  source?: StreamEventSource;
  onError?: (message: string, error: unknown) => void;
}

export interface StreamOpenRequest {
  projectId: string;
  apiKeyId: string;
  /** Only these prompts (null: every prompt of the project). */
  prompts: ReadonlySet<string> | null;
  /** The client's Last-Event-ID header, as sent. */
  lastEventId?: string;
}

/** A stream accepted by `open` (limits checked, replay read); `attach` starts it on the response. */
export interface StreamSession {
  attach(sink: StreamSink): void;
  /** Gives the slot back when the response never started (the request went away). */
  cancel(): void;
}

const PAGE = 500;

class Client {
  sink: StreamSink | undefined;
  /** Frames that arrived live before the stream started (sent after the replay, minus its ids). */
  pending: { id: string; frame: string }[] | undefined = [];
  /** Ids the replay sent that the tail has not read yet (a commit it has not been told about): not sent twice. */
  replayed: Set<string> | undefined;
  closed = false;

  constructor(
    readonly projectId: string,
    readonly apiKeyId: string,
    readonly prompts: ReadonlySet<string> | null,
  ) {}
}

interface Tail {
  clients: Set<Client>;
  /** Resolves once the start position is known (the database clock, the events already recorded). */
  started: Promise<void>;
  cursor: number;
  /** Ids already sent, with their createdAt (ms), kept for the slack window. */
  seen: Map<string, number>;
  reading: boolean;
  again: boolean;
  retry: NodeJS.Timeout | undefined;
}

/**
 * One instance's live streams. `open` checks the limits and reads what a resume must replay (its
 * errors are answered as JSON before the stream starts); `onChange` / `onReset` are the change
 * feed's; `close` ends every stream (shutdown) and refuses new ones.
 */
export class StreamHub {
  private readonly options: Required<Omit<StreamHubOptions, "source" | "onError">>;
  private readonly source: StreamEventSource;
  private readonly onError: (message: string, error: unknown) => void;
  private readonly tails = new Map<string, Tail>();
  private readonly perKey = new Map<string, number>();
  private readonly clients = new Set<Client>();
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;
  /** Streams closed because the client read too slowly (since start). */
  slowClosed = 0;

  constructor(options: StreamHubOptions = {}) {
    this.options = {
      maxPerKey: options.maxPerKey ?? 20,
      maxTotal: options.maxTotal ?? 10_000,
      maxBufferedBytes: options.maxBufferedBytes ?? 256 * 1024,
      heartbeatMs: options.heartbeatMs ?? 15_000,
      replayLimit: options.replayLimit ?? 1000,
      retryMs: options.retryMs ?? 2_000,
      retryReadMs: options.retryReadMs ?? 1_000,
    };
    this.source = options.source ?? outboxSource;
    this.onError = options.onError ?? (() => {});
  }

  /** Streams open (or accepted and about to start) on this instance. */
  get openStreams(): number {
    return this.clients.size;
  }

  /** Streams open with one key. */
  openFor(apiKeyId: string): number {
    return this.perKey.get(apiKeyId) ?? 0;
  }

  /**
   * Accepts a stream: refuses past the per-key limit (429, `rate_limited`) or the instance's (503),
   * and after `close`; then follows the project's outbox and plans the start (live, replay after
   * Last-Event-ID, or reset). Rejects with the database's error when it cannot be read (503).
   */
  async open(request: StreamOpenRequest): Promise<StreamSession> {
    if (this.closed) throw new ServiceUnavailableError("The server is shutting down; reconnect (another instance will answer)");
    const held = this.openFor(request.apiKeyId);
    if (held >= this.options.maxPerKey)
      throw new AppError(
        "rate_limited",
        `This API key already has ${held} open streams on this server, the most allowed (${this.options.maxPerKey}); close one, or share one stream in your app`,
        { details: 5 },
      );
    if (this.clients.size >= this.options.maxTotal) throw new ServiceUnavailableError("This server holds as many streams as it allows; retry shortly", 5);
    const client = new Client(request.projectId, request.apiKeyId, request.prompts);
    this.add(client);
    try {
      const tail = this.tailOf(request.projectId);
      tail.clients.add(client);
      await tail.started;
      const initial = await this.plan(request);
      return {
        attach: (sink) => this.attach(client, sink, initial),
        cancel: () => this.remove(client),
      };
    } catch (error) {
      this.remove(client);
      throw error;
    }
  }

  /** The change feed: a prompt of the project changed (published, label moved): send what the outbox got. */
  onChange(projectId: string): void {
    const tail = this.tails.get(projectId);
    if (tail) this.read(projectId, tail);
  }

  /** The change feed reconnected (notifications may have been missed): read every followed project's outbox. */
  onReset(): void {
    for (const [projectId, tail] of this.tails) this.read(projectId, tail);
  }

  /** Ends every stream (clients reconnect elsewhere, resuming with Last-Event-ID) and refuses new ones. */
  close(): void {
    this.closed = true;
    this.disconnectAll();
  }

  /** Ends every open stream (their clients reconnect and resume with Last-Event-ID); new ones are still accepted. */
  disconnectAll(): void {
    for (const tail of this.tails.values()) clearTimeout(tail.retry);
    for (const client of [...this.clients]) {
      const sink = client.sink;
      this.remove(client);
      sink?.end();
    }
    this.tails.clear();
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  // ---------------------------------------------------------------- internals

  private add(client: Client): void {
    this.clients.add(client);
    this.perKey.set(client.apiKeyId, this.openFor(client.apiKeyId) + 1);
    this.heartbeat ??= setInterval(() => this.beat(), this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  private remove(client: Client): void {
    if (client.closed) return;
    client.closed = true;
    this.clients.delete(client);
    const held = this.openFor(client.apiKeyId) - 1;
    if (held > 0) this.perKey.set(client.apiKeyId, held);
    else this.perKey.delete(client.apiKeyId);
    const tail = this.tails.get(client.projectId);
    if (tail) {
      tail.clients.delete(client);
      if (tail.clients.size === 0) {
        clearTimeout(tail.retry);
        this.tails.delete(client.projectId);
      }
    }
    if (this.clients.size === 0) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  private tailOf(projectId: string): Tail {
    const known = this.tails.get(projectId);
    if (known) return known;
    const tail: Tail = { clients: new Set(), started: Promise.resolve(), cursor: 0, seen: new Map(), reading: false, again: false, retry: undefined };
    tail.started = this.source.tailStart(projectId).then(
      ({ now, recent }) => {
        tail.cursor = now.getTime();
        for (const r of recent) tail.seen.set(r.id, r.createdAt.getTime());
      },
      (error: unknown) => {
        // The next stream of this project starts a new tail.
        if (this.tails.get(projectId) === tail) this.tails.delete(projectId);
        throw error;
      },
    );
    this.tails.set(projectId, tail);
    return tail;
  }

  /** The frames a stream starts with: a reset, a replay after Last-Event-ID, or nothing (live only). */
  private async plan(request: StreamOpenRequest): Promise<{ frames: string[]; ids: Set<string> }> {
    const parsed = parseLastEventId(request.lastEventId);
    if (parsed.kind === "live") return { frames: [], ids: new Set() };
    // A reset carries the newest event's id: the client's next reconnect resumes from there.
    const reset = async (reason: string) => ({ frames: [resetFrame(reason, await this.source.latestEventId(request.projectId))], ids: new Set<string>() });
    if (parsed.kind === "reset") return reset(parsed.reason);
    const resume = planResume(parsed.id, await this.source.findEventTime(request.projectId, parsed.id));
    if (resume.kind !== "replay") return reset(resume.kind === "reset" ? resume.reason : "");
    const rows = await this.source.loadEvents(
      request.projectId,
      { from: new Date(resume.after.createdAt.getTime() - COMMIT_SLACK_MS) },
      this.options.replayLimit + 2,
    );
    const replay = planReplay(parsed.id, rows, this.options.replayLimit);
    if (replay.kind === "reset") return reset(replay.reason);
    const events = replay.events.filter((e) => matches(request.prompts, e.prompt));
    return { frames: events.map(changeFrame), ids: new Set(replay.events.map((e) => e.id)) };
  }

  private attach(client: Client, sink: StreamSink, initial: { frames: string[]; ids: Set<string> }): void {
    if (client.closed) {
      sink.end();
      return;
    }
    client.sink = sink;
    sink.once("close", () => this.remove(client));
    if (sink.destroyed) {
      this.remove(client);
      return;
    }
    let head = formatSseRetry(this.options.retryMs) + formatSseComment("connected");
    for (const frame of initial.frames) head += frame;
    for (const live of client.pending ?? []) if (!initial.ids.has(live.id)) head += live.frame;
    client.pending = undefined;
    if (initial.ids.size > 0) client.replayed = initial.ids;
    this.write(client, head);
  }

  private write(client: Client, chunk: string): void {
    const sink = client.sink;
    if (!sink || sink.destroyed || client.closed) return;
    sink.write(chunk);
    // Backpressure: a client that does not read is cut off before its queue grows; it resumes
    // from the durable outbox with Last-Event-ID, so nothing is lost.
    if (sink.writableLength > this.options.maxBufferedBytes) {
      this.slowClosed++;
      this.remove(client);
      sink.destroy();
    }
  }

  private beat(): void {
    const frame = formatSseComment("heartbeat");
    for (const client of this.clients) if (client.sink) this.write(client, frame);
  }

  private broadcast(tail: Tail, event: PromptChangeEvent): void {
    const frame = changeFrame(event);
    for (const client of tail.clients) {
      if (!matches(client.prompts, event.prompt)) continue;
      if (client.pending) client.pending.push({ id: event.id, frame });
      else if (client.replayed?.delete(event.id)) continue;
      else this.write(client, frame);
    }
  }

  /** Reads the project's new outbox rows (one reader per project; a change during a read reads again). */
  private read(projectId: string, tail: Tail): void {
    if (tail.reading) {
      tail.again = true;
      return;
    }
    tail.reading = true;
    clearTimeout(tail.retry);
    tail.retry = undefined;
    void this.readAll(projectId, tail).finally(() => {
      tail.reading = false;
    });
  }

  private async readAll(projectId: string, tail: Tail): Promise<void> {
    try {
      await tail.started;
      do {
        tail.again = false;
        let rows = await this.source.loadEvents(projectId, { from: new Date(tail.cursor - COMMIT_SLACK_MS) }, PAGE);
        for (;;) {
          for (const row of rows) this.take(tail, row);
          const last = rows[rows.length - 1];
          if (rows.length < PAGE || !last) break;
          rows = await this.source.loadEvents(projectId, { after: { createdAt: last.createdAt, id: last.id } }, PAGE);
        }
        const horizon = tail.cursor - COMMIT_SLACK_MS;
        for (const [id, at] of tail.seen) if (at < horizon) tail.seen.delete(id);
      } while (tail.again && this.tails.get(projectId) === tail);
    } catch (error) {
      if (this.tails.get(projectId) !== tail) return;
      this.onError("[stream] reading the event outbox failed; retrying", error);
      tail.retry = setTimeout(() => this.read(projectId, tail), this.options.retryReadMs);
      tail.retry.unref();
    }
  }

  private take(tail: Tail, row: OutboxRow): void {
    if (tail.seen.has(row.id)) return;
    const at = row.createdAt.getTime();
    tail.seen.set(row.id, at);
    if (at > tail.cursor) tail.cursor = at;
    const event = toPromptChangeEvent(row);
    if (event) this.broadcast(tail, event);
  }
}

const matches = (prompts: ReadonlySet<string> | null, prompt: string): boolean => prompts === null || prompts.has(prompt);

/** The SSE frame of one change: `id` = the outbox event id, `event` = its type, `data` = the JSON. */
export function changeFrame(event: PromptChangeEvent): string {
  return formatSseEvent({ id: event.id, event: event.type, data: JSON.stringify(event) });
}

/**
 * The SSE frame telling a client to drop everything it cached (its Last-Event-ID could not be
 * resumed). Its id is the project's newest event (empty when there is none, which clears the
 * client's Last-Event-ID), so the next reconnect resumes from here instead of resetting again.
 */
export function resetFrame(reason: string, latestId: string | null): string {
  return formatSseEvent({ id: latestId ?? "", event: "reset", data: JSON.stringify({ reason }) });
}
