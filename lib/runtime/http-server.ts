/**
 * The process's `node:http` server with a graceful close: stop accepting, finish what was
 * accepted (with a deadline), refuse the rest cleanly. Framework-free: the request listener is
 * passed in (lib/runtime/process.ts puts the public API in front of Next's handler).
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface CloseResult {
  /** True when every accepted request finished before the deadline. */
  drained: boolean;
  /** Requests that were in flight when close began. */
  inFlightAtClose: number;
  /** Requests still unfinished at the deadline (their connections were destroyed). */
  abandoned: number;
  /** Requests that arrived after close began and were answered 503. */
  refused: number;
  ms: number;
}

const REFUSAL = JSON.stringify({ error: { code: "unavailable", message: "The server is shutting down; retry on another instance" } });

/**
 * Tracks the requests in flight. `close(deadlineMs)`:
 * 1. stops listening (new connections are refused by the OS) and closes idle keep-alive
 *    connections (`server.close()`);
 * 2. marks every in-flight response `Connection: close` (when its headers are not sent yet; a
 *    connection whose response had already started is closed as soon as it is idle), so clients
 *    do not reuse the connection;
 * 3. answers any request that still arrives on an open connection with `503` +
 *    `Connection: close` + `Retry-After`;
 * 4. resolves once the in-flight requests are done, or at the deadline, destroying what is left
 *    (after `beforeCutOff`, which may end them on its own terms: the runtime aborts the paid calls
 *    still running so they are logged, and answered where they still can be).
 */
export class GracefulHttpServer {
  readonly server: http.Server;
  private readonly active = new Set<ServerResponse>();
  private readonly upgraded = new Set<Duplex>();
  private closing: Promise<CloseResult> | undefined;
  private refused = 0;
  private onIdle: (() => void) | undefined;

  constructor(
    listener: RequestListener,
    options: { keepAliveTimeoutMs?: number; onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void } = {},
  ) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- onClose is an emitter listener: its `this` is the response
    const self = this;
    // One listener for every response (no closure per request: this runs for every API call).
    function onClose(this: ServerResponse): void {
      self.active.delete(this);
      if (!self.closing) return;
      // The connection may be idle now (a response that began before close kept it open).
      self.server.closeIdleConnections();
      if (self.active.size === 0) self.onIdle?.();
    }
    this.server = http.createServer((req, res) => {
      if (this.closing) return this.refuse(res);
      this.active.add(res);
      res.on("close", onClose);
      listener(req, res);
    });
    this.server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 65_000;
    // Upgrades (WebSockets) once closing: refused like any late request.
    // Upgraded sockets (WebSockets never end on their own) are closed when close() begins, like
    // live streams: the server's close would wait for them forever. Clients reconnect.
    const onUpgrade = options.onUpgrade;
    if (onUpgrade)
      this.server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (this.closing) {
          socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
          return;
        }
        this.trackUpgraded(socket);
        onUpgrade(req, socket, head);
      });
  }

  /** An upgraded socket handled by another listener (the web app's own): closed when close() begins. */
  trackUpgraded(socket: Duplex): void {
    this.upgraded.add(socket);
    socket.once("close", () => this.upgraded.delete(socket));
  }

  /** Requests being handled now. */
  get inFlight(): number {
    return this.active.size;
  }

  /** Listens; resolves with the bound address (port 0 = a free port). */
  listen(port: number, hostname: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once("error", onError);
      this.server.listen(port, hostname, () => {
        this.server.off("error", onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  private refuse(res: ServerResponse): void {
    this.refused++;
    res.shouldKeepAlive = false;
    res.writeHead(503, {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": Buffer.byteLength(REFUSAL),
      Connection: "close",
      "Retry-After": "1",
    });
    res.end(REFUSAL);
  }

  /** Stops accepting and drains (see the class). Idempotent: later calls return the same result. */
  close(deadlineMs: number, options: { beforeCutOff?: () => Promise<void> } = {}): Promise<CloseResult> {
    this.closing ??= (async () => {
      const began = Date.now();
      const inFlightAtClose = this.active.size;
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      for (const socket of this.upgraded) socket.destroy();
      for (const res of this.active) {
        if (!res.headersSent) res.setHeader("Connection", "close");
      }
      // A connection reading a request that has not reached the listener yet is not idle, so
      // server.close() left it open: the listener answers it 503 when it arrives.
      const drained = await new Promise<boolean>((resolve) => {
        if (this.active.size === 0) return resolve(true);
        const timer = setTimeout(() => resolve(false), deadlineMs);
        timer.unref();
        this.onIdle = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      this.onIdle = undefined;
      if (!drained && options.beforeCutOff) await options.beforeCutOff();
      const abandoned = this.active.size;
      // Whatever is left (unfinished requests at the deadline, connections mid-request) goes now.
      const rest = Math.max(0, deadlineMs - (Date.now() - began));
      if (!drained) this.server.closeAllConnections();
      else this.destroyAfter(rest);
      await closed;
      return { drained, inFlightAtClose, abandoned, refused: this.refused, ms: Date.now() - began };
    })();
    return this.closing;
  }

  /** After the drain: idle connections close at once; one still sending a request gets until the deadline to be refused. */
  private destroyAfter(ms: number): void {
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), Math.max(ms, 1_000));
    timer.unref();
    this.server.once("close", () => clearTimeout(timer));
  }
}
