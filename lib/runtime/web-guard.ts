/**
 * The dashboard during a database outage (issue 17, item 13): Next renders pages and data routes
 * that read PostgreSQL, and a query that cannot reach it makes Next answer 500. While the process
 * knows the database is unreachable (its change feed lost its connection), this guard answers
 * instead: 503 + `Retry-After` with a "database unreachable, retrying" page for a page request
 * (it reloads itself), or the API's JSON error for anything else (data routes, server actions,
 * RSC fetches: the one 503 answer of every edge, `unavailableAnswer`). A 500 that Next sends while the database is unreachable becomes a 503 too (the
 * outage began under the request). Static assets and the health route pass through.
 * Framework-free: wraps any `(req, res)` handler.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ServiceUnavailableError, unavailableAnswer } from "@/lib/errors/unavailable";
import { closeIfBodyUnread } from "@/lib/http/early-close";

export type WebHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface WebGuardOptions {
  /** True while the database is known to be unreachable. */
  databaseDown: () => boolean;
  /** Seconds before a retry (Retry-After, and the page's reload). Default 5. */
  retryAfterSeconds?: number;
}

const MESSAGE = "The database is unreachable; retrying shortly";

function page(
  retryAfterSeconds: number,
  title = "Database unreachable, retrying",
  text = `Promptdeck cannot reach its database right now. This page tries again every ${retryAfterSeconds} seconds and shows your page as soon as the database is back. Serving prompts to apps goes on from the cache.`,
): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${retryAfterSeconds}"><title>${title} - Promptdeck</title>
<style>body{font-family:system-ui,sans-serif;background:#f8fafc;color:#0f172a;display:flex;min-height:100vh;align-items:center;justify-content:center;margin:0}
main{max-width:28rem;padding:2rem;background:#fff;border:1px solid #e2e8f0;border-radius:.75rem}h1{font-size:1.25rem;margin:0 0 .5rem}p{color:#475569;line-height:1.5}</style>
</head><body><main data-testid="${title.startsWith("Database") ? "database-unavailable" : "dashboard-unavailable"}"><h1>${title}</h1>
<p>${text}</p>
</main></body></html>`;
}

/** Static files and the health check never need the guard. */
function passesThrough(url: string): boolean {
  return url.startsWith("/_next/") || url === "/favicon.ico" || url.startsWith("/icon") || url.startsWith("/api/health");
}

export function wantsPage(req: IncomingMessage): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  // Client navigations fetch RSC payloads; server actions POST. Both get the JSON answer.
  if (req.headers.rsc !== undefined || req.headers["next-action"] !== undefined) return false;
  return (req.headers.accept ?? "").includes("text/html");
}

/**
 * The answer while the web process (the dashboard, lib/runtime/web-process.ts) is starting again
 * after it died: 503 + `Retry-After`, a page that reloads itself for a page request, the JSON
 * error for anything else. Never a hang.
 */
export function answerDashboardUnavailable(req: IncomingMessage, res: ServerResponse, retryAfterSeconds = 2): void {
  const message = "The dashboard is restarting; retry in a moment";
  const html = wantsPage(req);
  const unavailable = unavailableAnswer(new ServiceUnavailableError(message, retryAfterSeconds))!;
  const body = html
    ? page(
        retryAfterSeconds,
        "Dashboard restarting",
        `The dashboard's process stopped and is starting again. This page tries again every ${retryAfterSeconds} seconds. Serving prompts to apps is not affected.`,
      )
    : JSON.stringify(unavailable.body);
  const headers: Record<string, string | number> = {
    ...unavailable.headers,
    "Content-Type": html ? "text/html; charset=utf-8" : "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
  };
  // A request body not read yet (an upload) is drained or the connection closed (issue 17, item 5).
  closeIfBodyUnread(req, headers);
  res.writeHead(unavailable.status, headers);
  res.end(req.method === "HEAD" ? undefined : body);
}

/** Wraps the web app's handler (see the file comment). */
export function guardWeb(handler: WebHandler, options: WebGuardOptions): WebHandler {
  const retryAfter = options.retryAfterSeconds ?? 5;
  return (req, res) => {
    const url = req.url ?? "/";
    if (passesThrough(url)) return handler(req, res);
    if (options.databaseDown()) {
      const html = wantsPage(req);
      const unavailable = unavailableAnswer(new ServiceUnavailableError(MESSAGE, retryAfter))!;
      const body = html ? page(retryAfter) : JSON.stringify(unavailable.body);
      res.writeHead(unavailable.status, {
        ...unavailable.headers,
        "Content-Type": html ? "text/html; charset=utf-8" : "application/json; charset=utf-8",
        "Content-Length": Buffer.byteLength(body),
      });
      res.end(req.method === "HEAD" ? undefined : body);
      return;
    }
    // Next writes its status through writeHead (also implicitly, on the first write).
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
    res.writeHead = ((statusCode: number, ...rest: unknown[]) => {
      if (statusCode === 500 && options.databaseDown()) {
        const unavailable = unavailableAnswer(new ServiceUnavailableError(MESSAGE, retryAfter))!;
        for (const [name, value] of Object.entries(unavailable.headers)) res.setHeader(name, value);
        return writeHead(unavailable.status, ...rest);
      }
      return writeHead(statusCode, ...rest);
    }) as ServerResponse["writeHead"];
    return handler(req, res);
  };
}
