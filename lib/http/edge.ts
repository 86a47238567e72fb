/**
 * The edge check of a request's URL, run before anything reads it: the public API's dispatcher
 * (lib/http/route.ts) calls `requestTargetProblem` first, and the process's HTTP listener
 * (lib/runtime/process.ts) calls `refuseHostileWebRequest` before handing a request to Next, so
 * no dashboard page, route handler or server action sees such a URL. Refused: percent-encoding
 * that is malformed or not UTF-8 (`%E0%A4%A`, `%C0%AE` overlong, `%ED%A0%80` a lone surrogate),
 * control characters such as NUL once decoded (PostgreSQL cannot store them, and they are never
 * part of a slug, id, name or filter), `.`/`..` path segments, and on the dashboard a prompt name
 * with an empty, `.` or `..` segment. The answer is a 400 naming the problem: JSON, or a small
 * HTML page for a browser.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { CONTROL_CHARACTER } from "@/lib/errors/hostile";
import { promptNameSegmentProblem } from "@/lib/prompts/schemas";
import { closeIfBodyUnread } from "./early-close";

/**
 * A route parameter decoded once more, as pages and route handlers receive names that were
 * encoded into one segment; a value that does not decode (`%25` arrives as `%`) is kept as it is
 * (no dataset or prompt name contains `%`, so it simply names nothing) instead of throwing.
 */
export function decodeRouteParam(param: string): string {
  return decode(param) ?? param;
}

function decode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/** Dashboard paths whose segment is a prompt name (one %2F-encoded segment). */
const DASHBOARD_PROMPT = /^\/p\/[^/]+\/(?:metrics\/)?prompts\/([^/]+)/;

const DOT_SEGMENT = "The path has a '.' or '..' segment; send the path as it is meant, without dot segments";

/**
 * Why the request target (`req.url`: path and query) is refused, or null. Cheap on the common
 * path: a URL without `%` and `/.` is scanned twice with `indexOf` and nothing else.
 */
export function requestTargetProblem(url: string): string | null {
  const encoded = url.indexOf("%") >= 0;
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  if (encoded || path.indexOf("/.") >= 0) {
    for (const segment of path.split("/")) {
      const decoded = decode(segment);
      if (decoded === "." || decoded === "..") return DOT_SEGMENT;
    }
  }
  if (!encoded) return null; // raw control characters never get past Node's HTTP parser
  const decodedPath = decode(path);
  if (decodedPath === null) return "Malformed percent-encoding in the path (it must encode UTF-8 text)";
  if (CONTROL_CHARACTER.test(decodedPath)) return "Control characters (such as NUL, %00) are not allowed in the path";
  if (q >= 0) {
    for (const part of url.slice(q + 1).split("&")) {
      const decoded = decode(part.replace(/\+/g, " "));
      if (decoded === null) return "Malformed percent-encoding in the query string (it must encode UTF-8 text)";
      if (CONTROL_CHARACTER.test(decoded)) return "Control characters (such as NUL, %00) are not allowed in the query string";
    }
  }
  return null;
}

/** `requestTargetProblem` plus what only the dashboard's URLs hold: prompt names as one segment. */
export function webRequestProblem(url: string): string | null {
  const problem = requestTargetProblem(url);
  if (problem) return problem;
  const name = DASHBOARD_PROMPT.exec(url)?.[1];
  if (name === undefined) return null;
  const decoded = decode(name) ?? name;
  const segments = promptNameSegmentProblem(decoded);
  return segments ? `Invalid prompt name "${decoded}": ${segments}` : null;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Answers a request for the dashboard (anything not the public API) whose URL `webRequestProblem`
 * refuses with 400: a small HTML page when the client asks for HTML, JSON otherwise. Returns
 * whether it answered.
 */
export function refuseHostileWebRequest(req: IncomingMessage, res: ServerResponse): boolean {
  const problem = webRequestProblem(req.url ?? "/");
  if (problem === null) return false;
  const html = (req.headers.accept ?? "").includes("text/html");
  const body = html
    ? `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bad request · Promptdeck</title></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem"><h1>Bad request</h1><p>${escapeHtml(problem)}.</p><p><a href="/">Back to Promptdeck</a></p></body></html>`
    : JSON.stringify({ error: { code: "bad_request", message: problem } });
  const headers: Record<string, string | number> = {
    "Content-Type": html ? "text/html; charset=utf-8" : "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
  };
  closeIfBodyUnread(req, headers);
  res.writeHead(400, headers);
  res.end(req.method === "HEAD" ? undefined : body);
  return true;
}
