import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { describeAddress, isAllowedAddress } from "./address";

/** The limits every delivery runs under. */
export interface PostLimits {
  /** Connect (DNS + TCP + TLS) within this long (default 5 s). */
  connectTimeoutMs?: number;
  /** The whole attempt, up to the end of the response (default 15 s). */
  totalTimeoutMs?: number;
  /** Response bytes read at most; the rest is not read (default 64 KiB). */
  maxResponseBytes?: number;
  /** Characters of the response kept for the delivery log (default 1,000). */
  excerptChars?: number;
}

export interface PostOptions extends PostLimits {
  /** Internal addresses (loopback, private, link-local, ...) may be reached (PROMPTDECK_WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** Resolves a host name to addresses (default dns.lookup, all addresses). Tests inject one. */
  resolve?: (hostname: string) => Promise<Array<{ address: string; family: number }>>;
}

export interface PostResult {
  /** HTTP status, or null when no response arrived. */
  status: number | null;
  /** 2xx, and nothing else. */
  ok: boolean;
  latencyMs: number;
  /** The first characters of the response body (bounded). */
  excerpt: string | null;
  /** Why it failed (no response, a refused address, a redirect, a timeout, a non-2xx). */
  error: string | null;
}

/** Thrown (as the connection error) when an address is refused by the SSRF guard. */
export class BlockedAddressError extends Error {
  readonly code = "EWEBHOOKBLOCKED";
}

const defaultResolve = (hostname: string) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/**
 * A `lookup` for http.request that resolves the host and refuses when any address it resolves to
 * is internal: checked here, at connect time, on the addresses the socket will use, so a DNS name
 * that changes between save and delivery (rebinding) is caught.
 */
export function guardedLookup(allowPrivate: boolean, resolve: PostOptions["resolve"] = defaultResolve): net.LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    resolve(hostname).then(
      (addresses) => {
        if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} resolves to no address`), { code: "ENOTFOUND" }));
        const blocked = addresses.find((a) => !isAllowedAddress(a.address, allowPrivate));
        if (blocked) return callback(new BlockedAddressError(`${hostname} resolves to a ${describeAddress(blocked.address)}, which webhooks may not reach`));
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
        const usable = wanted.length > 0 ? wanted : addresses;
        if (options.all) return callback(null, usable);
        return callback(null, usable[0]!.address, usable[0]!.family);
      },
      (error: unknown) => callback(error),
    );
  }) as unknown as net.LookupFunction;
}

/** Host of a URL without IPv6 brackets. */
function bareHost(url: URL): string {
  return url.hostname.startsWith("[") && url.hostname.endsWith("]") ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * POSTs `body` to `url` under the SSRF guard and the limits: http(s) only; an IP literal host is
 * checked before connecting and a name at connect time (guardedLookup); redirects are not
 * followed (a 3xx is a failure naming the Location); connect and total timeouts; at most
 * `maxResponseBytes` of the response are read. Never throws: the outcome says what happened.
 */
export async function postWebhook(url: string, body: string, headers: Record<string, string>, options: PostOptions): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const fail = (error: string, status: number | null = null, excerpt: string | null = null): PostResult => ({
    status,
    ok: false,
    latencyMs: elapsed(),
    excerpt,
    error,
  });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return fail("not a valid URL");
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") return fail(`${target.protocol} URLs are not allowed (http or https only)`);
  const host = bareHost(target);
  if (net.isIP(host) && !isAllowedAddress(host, options.allowPrivate)) return fail(`refused: ${describeAddress(host)} is internal`);
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const totalTimeoutMs = options.totalTimeoutMs ?? 15_000;
  const maxBytes = options.maxResponseBytes ?? 64 * 1024;
  const excerptChars = options.excerptChars ?? 1_000;
  const payload = Buffer.from(body);

  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const finish = (result: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(totalTimer);
      clearTimeout(connectTimer);
      resolve(result);
    };
    const request = (target.protocol === "https:" ? https : http).request(target, {
      method: "POST",
      agent: false,
      lookup: guardedLookup(options.allowPrivate, options.resolve),
      headers: { "content-type": "application/json", "content-length": String(payload.length), "user-agent": "Promptdeck-Webhooks/1", ...headers },
    });
    const totalTimer = setTimeout(() => {
      finish(fail(`timed out after ${totalTimeoutMs} ms`));
      request.destroy();
    }, totalTimeoutMs);
    const connectTimer = setTimeout(() => {
      finish(fail(`could not connect within ${connectTimeoutMs} ms`));
      request.destroy();
    }, connectTimeoutMs);
    request.on("socket", (socket) => {
      const connected = () => clearTimeout(connectTimer);
      if (!socket.connecting) connected();
      socket.once(target.protocol === "https:" ? "secureConnect" : "connect", connected);
    });
    request.on("error", (error: Error & { code?: string }) => {
      if (error instanceof BlockedAddressError) return finish(fail(`refused: ${error.message}`));
      finish(fail(error.code ? `${error.code}: ${error.message}` : error.message));
    });
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      let truncated = false;
      const done = () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const excerpt = text.length > 0 ? text.slice(0, excerptChars) + (text.length > excerptChars || truncated ? "…" : "") : null;
        const status = response.statusCode ?? null;
        if (status !== null && status >= 300 && status < 400) {
          const location = response.headers.location;
          return finish(fail(`redirect not followed (${status}${location ? ` to ${location.slice(0, 200)}` : ""})`, status, excerpt));
        }
        if (status === null || status < 200 || status >= 300) return finish(fail(`HTTP ${status ?? "?"}`, status, excerpt));
        finish({ status, ok: true, latencyMs: elapsed(), excerpt, error: null });
      };
      response.on("data", (chunk: Buffer) => {
        if (truncated) return;
        const room = maxBytes - bytes;
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        bytes += Math.min(chunk.length, room);
        if (bytes >= maxBytes) {
          truncated = true;
          done();
          response.destroy();
        }
      });
      response.on("end", done);
      response.on("error", (error) => finish(fail(`response failed: ${error.message}`, response.statusCode ?? null)));
    });
    request.end(payload);
  });
}
