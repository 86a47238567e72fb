/**
 * What a request says about proxies in front of the server is believed only when the operator
 * says there is one (PROMPTDECK_TRUST_PROXY=1). Otherwise anyone could send `X-Forwarded-Host`
 * (which Next's server-action origin check compares with `Origin`) or `X-Forwarded-For` (a
 * client address of their choosing).
 */
import type { IncomingMessage } from "node:http";
import { CLIENT_ADDRESS_HEADER } from "@/lib/auth/client-address";
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

/**
 * Sets the client's address (`clientAddress`) on a request handed to Next, in the header the
 * sign-in endpoint reads (lib/auth/client-address.ts); whatever the client sent under that name
 * is replaced or removed.
 */
export function stampClientAddress(req: IncomingMessage, trusted: boolean): void {
  const address = clientAddress(req, trusted);
  if (address) req.headers[CLIENT_ADDRESS_HEADER] = address;
  else delete req.headers[CLIENT_ADDRESS_HEADER];
}

/**
 * Why a server-action request must not reach Next, or null. Next refuses a cross-origin action
 * itself, but with a 500; this answers first, with a 403 naming the reason. The host compared is
 * `X-Forwarded-Host` behind a trusted proxy, otherwise `Host` (call after dropUntrustedProxyHeaders).
 */
export function crossOriginActionProblem(req: IncomingMessage, trusted: boolean): string | null {
  if (req.method !== "POST" || req.headers["next-action"] === undefined) return null;
  const origin = req.headers.origin;
  // Browsers send Origin on every POST; without one there is no cross-site request to judge.
  if (origin === undefined) return null;
  const forwarded = trusted ? req.headers["x-forwarded-host"] : undefined;
  const host = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim() || req.headers.host;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return "The Origin header is not a URL";
  }
  if (!host || originHost.toLowerCase() !== host.toLowerCase()) return "Server actions must come from this site's own pages (Origin does not match Host)";
  return null;
}
