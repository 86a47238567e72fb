/**
 * A streaming Server-Sent Events parser (the event-stream interpretation of the HTML standard,
 * https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
 * feed it text as it arrives, in chunks of any size; it calls back with each complete event.
 * Kept here, dependency-free, because the client depends on nothing (see index.ts).
 */

export interface ParsedSseEvent {
  /** The event type (`message` when the stream named none). */
  event: string;
  data: string;
  /** The last event id after this event (the stream's Last-Event-ID), "" when none. */
  lastEventId: string;
}

export interface SseParserHandlers {
  onEvent(event: ParsedSseEvent): void;
  /** A `retry:` field: the server's reconnection delay in ms. */
  onRetry?(ms: number): void;
  /** A comment line (`: heartbeat`). */
  onComment?(text: string): void;
}

export class SseParser {
  private buffer = "";
  private started = false;
  /** The previous chunk ended with CR: an LF starting the next one belongs to it. */
  private pendingCr = false;
  private data: string[] = [];
  private eventType = "";
  /** The stream's last event id (survives events; only an `id:` field changes it). */
  lastEventId = "";

  constructor(private readonly handlers: SseParserHandlers) {}

  /** Parses the next piece of the stream. */
  push(chunk: string): void {
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.pendingCr && text.startsWith("\n")) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    let start = 0;
    for (;;) {
      const cr = this.buffer.indexOf("\r", start);
      const lf = this.buffer.indexOf("\n", start);
      if (cr < 0 && lf < 0) break;
      let end: number;
      let next: number;
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        end = cr;
        if (cr + 1 < this.buffer.length) next = this.buffer[cr + 1] === "\n" ? cr + 2 : cr + 1;
        else {
          next = cr + 1;
          this.pendingCr = true;
        }
      } else {
        end = lf;
        next = lf + 1;
      }
      this.line(this.buffer.slice(start, end));
      start = next;
    }
    this.buffer = this.buffer.slice(start);
  }

  /** Forgets a partial event (the connection dropped mid-event); the last event id stays. */
  reset(): void {
    this.buffer = "";
    this.pendingCr = false;
    this.data = [];
    this.eventType = "";
    this.started = false;
  }

  private line(line: string): void {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) {
      this.handlers.onComment?.(line.slice(1).trimStart());
      return;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.eventType = value;
        break;
      case "data":
        this.data.push(value);
        break;
      case "id":
        if (!value.includes("\u0000")) this.lastEventId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.handlers.onRetry?.(Number(value));
        break;
      default:
      // Unknown fields are ignored.
    }
  }

  private dispatch(): void {
    const data = this.data;
    const type = this.eventType;
    this.data = [];
    this.eventType = "";
    if (data.length === 0) return;
    this.handlers.onEvent({ event: type || "message", data: data.join("\n"), lastEventId: this.lastEventId });
  }
}
