/**
 * Answering a request before its body was read (413 too large, 400 wrong content type, 401, 404,
 * a refused URL) without stalling the client. Node keeps such a connection alive and discards the
 * rest of the body; a client still sending a large body then waits on a connection nobody reads
 * fast enough, and gets ECONNRESET at the keep-alive timeout. So an early answer with a large or
 * unbounded (chunked) body unread says `Connection: close`, and the connection closes the way
 * HTTP servers do it ("lingering close"): the answer is flushed, then a FIN; the server keeps
 * reading and discarding what the client still sends until the client closes its side (it has
 * read the answer), at most `LINGER_MAX_MS`, then destroys the socket.
 * Destroying at once would make the kernel answer the client's next bytes with a reset, which can
 * wipe the answer from the client's receive buffer before it reads it.
 */
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

/** An unread body up to this size is discarded by Node and the connection kept (cheap); a larger or chunked one closes it. */
export const KEEP_ALIVE_DRAIN_BYTES = 64 * 1024;
/** After an early answer, how long the rest of an unread body is read and discarded while the client notices the close. */
export const LINGER_MAX_MS = 2_000;

/** Whether the request announced a body (Content-Length > 0 or chunked) and it has not been read to its end. */
export function hasUnreadBody(req: IncomingMessage): boolean {
  if (req.complete || req.readableEnded) return false;
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/** Whether an unread body is too large (or of unknown size) to be discarded on a kept connection. */
function mustClose(req: IncomingMessage): boolean {
  if (req.headers["transfer-encoding"] !== undefined) return true;
  const length = Number(req.headers["content-length"]);
  return !Number.isSafeInteger(length) || length > KEEP_ALIVE_DRAIN_BYTES;
}

/**
 * Call before writing the head of an answer. When the request's body is unread and large (or
 * chunked), adds `Connection: close` to `headers` and makes the connection close by lingering
 * (see the module) once the answer is sent; returns true then. A small unread body is left to
 * Node, which discards it and keeps the connection (returns false).
 */
export function closeIfBodyUnread(req: IncomingMessage, headers: Record<string, string | number>): boolean {
  if (!hasUnreadBody(req)) return false;
  if (!mustClose(req)) {
    // Whatever stopped reading it, discard the rest so the next request on the connection is parsed.
    req.resume();
    return false;
  }
  headers.Connection = "close";
  lingerOnClose(req.socket);
  req.resume();
  return true;
}

const lingering = new WeakSet<Socket>();

/**
 * Replaces this socket's `destroySoon` (what Node calls once a `Connection: close` answer is
 * flushed): FIN, then keep reading (Node's HTTP parser reads the socket and discards the rest of
 * the body) until the client ends its side, at most `LINGER_MAX_MS`, then destroy.
 */
function lingerOnClose(socket: Socket): void {
  if (lingering.has(socket)) return;
  lingering.add(socket);
  socket.destroySoon = function destroySoonLingering(this: Socket) {
    if (this.writable) this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MAX_MS);
    timer.unref();
    this.once("end", () => {
      clearTimeout(timer);
      if (this.writableFinished) this.destroy();
      else this.once("finish", () => this.destroy());
    });
    this.once("close", () => clearTimeout(timer));
    // The HTTP parser may have paused reading (the body was not consumed): pause + resume restarts it.
    this.pause();
    this.resume();
  };
}
