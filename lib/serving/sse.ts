/**
 * Server-Sent Events framing (https://html.spec.whatwg.org/multipage/server-sent-events.html):
 * pure functions that turn an event into the bytes on the wire. The stream endpoint
 * (lib/http/routes/stream.ts) writes them; the client's parser (lib/client/sse.ts) reads them.
 */

/** One event as sent: `id` becomes the client's Last-Event-ID; `event` its type; `data` any text (newlines allowed). */
export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** Characters a field value (id, event) may not hold: a line break would end the field. */
const LINE_BREAK = /[\r\n]/;

/**
 * Frames one event: `id:`, `event:` and one `data:` line per line of `data`, then a blank line.
 * Throws on an id or type with a line break or an id with NUL (the spec ignores such ids), which
 * would let data forge fields.
 */
export function formatSseEvent(event: SseEvent): string {
  let out = "";
  if (event.id !== undefined) {
    if (LINE_BREAK.test(event.id) || event.id.includes("\u0000")) throw new Error("An SSE id may not contain a line break or NUL");
    out += `id: ${event.id}\n`;
  }
  if (event.event !== undefined) {
    if (LINE_BREAK.test(event.event)) throw new Error("An SSE event type may not contain a line break");
    out += `event: ${event.event}\n`;
  }
  for (const line of event.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** A comment line (ignored by clients; keeps proxies and idle timers from closing the connection). */
export function formatSseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, " ")}\n\n`;
}

/** The reconnection delay the client should use (`retry:` field). */
export function formatSseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.floor(ms))}\n\n`;
}
