/**
 * The front process's reverse proxy to the web process (lib/runtime/web-process.ts), on loopback:
 * every request the public API does not answer, and WebSocket upgrades (the dev server's HMR).
 * Framework-free `node:http`.
 *
 * - Streams both ways: the request body is piped to the web process as it arrives, the answer
 *   to the client chunk by chunk (Server-Sent Events, NDJSON, file downloads); a response
 *   without a Content-Length has its headers sent at once.
 * - Hop-by-hop headers (RFC 9110 7.6.1, plus those the Connection header names) are not
 *   forwarded. `X-Forwarded-For` / `-Host` / `-Proto` / `-Port` are set from what the front saw:
 *   the socket's peer, `Host`, its own protocol and port, unless the front trusts a proxy in front
 *   of it (PROMPTDECK_TRUST_PROXY), whose values are kept (and its `X-Forwarded-For` extended).
 *   Next's server-action origin check then compares `Origin` with the host the client used.
 * - `X-Promptdeck-Front` carries a secret the front made at start: the web process believes the
 *   forwarded headers (and the stamped client address) only with it, and refuses requests
 *   without it (another local process reaching its loopback port directly).
 * - A client that goes away aborts the forwarded request; a web process that fails or dies
 *   mid-answer cuts the client's connection (the answer cannot be completed); one that cannot
 *   be reached before any byte was sent gets the caller's `unavailable` answer (a 503).
 */
import { timingSafeEqual } from "node:crypto";
import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/** The header carrying the front's secret to the web process. */
export const FRONT_SECRET_HEADER = "x-promptdeck-front";

/** Never forwarded (hop-by-hop, RFC 9110 7.6.1; `expect`: the front already answered 100-continue). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "expect",
]);

export interface ProxyTarget {
  host: string;
  port: number;
  /** Keep-alive connections to the web process. */
  agent: http.Agent;
  /** The front's secret (FRONT_SECRET_HEADER). */
  secret: string;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Header names the Connection header lists (hop-by-hop for this hop only). */
function connectionTokens(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  if (!value) return new Set();
  return new Set(value.split(",").map((token) => token.trim().toLowerCase()));
}

function endToEnd(headers: IncomingHttpHeaders, skip: ReadonlySet<string>): OutgoingHttpHeaders {
  const listed = connectionTokens(headers);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name) || skip.has(name)) continue;
    out[name] = value;
  }
  return out;
}

const NOT_FORWARDED = new Set([FRONT_SECRET_HEADER]);

/**
 * The headers of `req` as the web process gets them (see the file comment). `trusted`: the front
 * sits behind a proxy it trusts (its X-Forwarded-* are kept, extended).
 */
export function forwardedRequestHeaders(req: IncomingMessage, trusted: boolean, secret: string): OutgoingHttpHeaders {
  const headers = endToEnd(req.headers, NOT_FORWARDED);
  const peer = req.socket.remoteAddress;
  const priorFor = trusted ? req.headers["x-forwarded-for"] : undefined;
  const chain = [...(Array.isArray(priorFor) ? priorFor : priorFor ? [priorFor] : []), ...(peer ? [peer] : [])];
  if (chain.length > 0) headers["x-forwarded-for"] = chain.join(", ");
  else delete headers["x-forwarded-for"];
  const host = (trusted ? first(req.headers["x-forwarded-host"]) : undefined) || req.headers.host;
  if (host) headers["x-forwarded-host"] = host;
  else delete headers["x-forwarded-host"];
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  headers["x-forwarded-proto"] = (trusted ? first(req.headers["x-forwarded-proto"]) : undefined) || (encrypted ? "https" : "http");
  const port = (trusted ? first(req.headers["x-forwarded-port"]) : undefined) || (req.socket.localPort ? String(req.socket.localPort) : undefined);
  if (port) headers["x-forwarded-port"] = port;
  else delete headers["x-forwarded-port"];
  headers[FRONT_SECRET_HEADER] = secret;
  return headers;
}

/** Whether a request carries the front's secret (constant time). */
export function fromFront(req: IncomingMessage, secret: string): boolean {
  const given = first(req.headers[FRONT_SECRET_HEADER]);
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Forwards one request to the web process and its answer back (see the file comment).
 * `unavailable` answers when the web process cannot be reached before anything was sent.
 */
export function proxyRequest(
  req: IncomingMessage,
  res: ServerResponse,
  target: ProxyTarget,
  trusted: boolean,
  unavailable: (req: IncomingMessage, res: ServerResponse) => void,
): void {
  const upstream = http.request({
    host: target.host,
    port: target.port,
    agent: target.agent,
    method: req.method,
    path: req.url,
    headers: forwardedRequestHeaders(req, trusted, target.secret),
  });
  upstream.on("response", (answer) => {
    const headers = endToEnd(answer.headers, NOT_FORWARDED);
    res.writeHead(answer.statusCode ?? 502, headers);
    // A streamed answer (no length): the client gets the headers now, not with the first chunk.
    if (headers["content-length"] === undefined && req.method !== "HEAD") res.flushHeaders();
    answer.pipe(res);
    // The web process died or cut the answer: the client's answer cannot be completed.
    answer.on("close", () => {
      if (!answer.complete) res.destroy();
    });
  });
  upstream.on("error", () => {
    if (!res.headersSent) unavailable(req, res);
    else res.destroy();
  });
  // The client went away before its answer was complete: so does the forwarded request.
  res.on("close", () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

function rawHead(statusLine: string, rawHeaders: string[]): string {
  let head = `${statusLine}\r\n`;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  return `${head}\r\n`;
}

/**
 * Forwards an HTTP upgrade (a WebSocket: the dev server's HMR) to the web process on a
 * connection of its own, then joins the two sockets. A refusal from the web process is passed
 * back (its status, no body); a web process that cannot be reached closes the client's socket.
 */
export function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: ProxyTarget, trusted: boolean): void {
  const headers = forwardedRequestHeaders(req, trusted, target.secret);
  headers.connection = "Upgrade";
  if (req.headers.upgrade) headers.upgrade = req.headers.upgrade;
  const upstream = http.request({ host: target.host, port: target.port, agent: false, method: req.method, path: req.url, headers });
  // The client gone (before or after the upgrade): so is the forwarded request and its socket.
  socket.on("error", () => upstream.destroy());
  socket.on("close", () => upstream.destroy());
  upstream.on("upgrade", (answer, upSocket, upHead) => {
    socket.write(rawHead(`HTTP/1.1 ${answer.statusCode ?? 101} ${answer.statusMessage ?? "Switching Protocols"}`, answer.rawHeaders));
    if (upHead.length > 0) socket.write(upHead);
    if (head.length > 0) upSocket.write(head);
    upSocket.on("error", () => socket.destroy());
    upSocket.on("close", () => socket.destroy());
    socket.on("close", () => upSocket.destroy());
    upSocket.pipe(socket);
    socket.pipe(upSocket);
  });
  // Refused (not 101): the status goes back, without a body, and the connection closes.
  upstream.on("response", (answer) => {
    answer.resume();
    socket.end(rawHead(`HTTP/1.1 ${answer.statusCode ?? 502} ${answer.statusMessage ?? ""}`, ["Connection", "close", "Content-Length", "0"]));
  });
  upstream.on("error", () => socket.destroy());
  upstream.end();
}
