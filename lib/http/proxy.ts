/**
 * What a request says about proxies in front of the server is believed only when the operator
 * says there is one (PROMPTDECK_TRUST_PROXY=1). Otherwise anyone could send `X-Forwarded-Host`
 * (which Next's server-action origin check compares with `Origin`) or `X-Forwarded-For` (a
 * client address of their choosing).
 */
import type { IncomingMessage } from "node:http";
import { getEnv } from "@/lib/env";

/** Whether the server is configured to sit behind a trusted reverse proxy. */
export function trustProxy(): boolean {
  return getEnv().PROMPTDECK_TRUST_PROXY;
}

/** Headers a reverse proxy sets; from anyone else they are forgeries. */
const PROXY_HEADERS = ["x-forwarded-host", "x-forwarded-proto", "x-forwarded-port"] as const;

/**
 * Removes the proxy headers from a request unless `trusted` (call before handing it to Next, so
 * its server-action origin check compares `Origin` with `Host`).
 */
export function dropUntrustedProxyHeaders(req: IncomingMessage, trusted: boolean): void {
  if (trusted) return;
  for (const name of PROXY_HEADERS) {
    if (name in req.headers) delete req.headers[name];
  }
}

/**
 * The client's address: the socket's peer, or behind a trusted proxy the last `X-Forwarded-For`
 * hop (the address the proxy saw; earlier hops are the client's own say).
 */
export function clientAddress(req: IncomingMessage, trusted: boolean): string | undefined {
  if (trusted) {
    const header = req.headers["x-forwarded-for"];
    const value = Array.isArray(header) ? header[header.length - 1] : header;
    const last = value?.split(",").pop()?.trim();
    if (last) return last;
  }
  return req.socket.remoteAddress;
}
