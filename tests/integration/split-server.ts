// The real entry's two processes (lib/runtime/entry.ts, as server.ts runs it) with a stand-in for
// Next in the web process, so tests of the front/web split need no build: the front serves the
// public API and forks this file with --web; the web process answers through the front's proxy.
// The stand-in's routes, each standing for something the dashboard does:
//   GET  /page                  an HTML page
//   POST /action?project=<id>   a server action that logs a call (accepted by the web process's
//                               call-log writer, i.e. journaled) and answers its id; &holdMs=<n>
//                               works that long first (a paid call in flight; GET /held counts those working)
//   GET  /headers               the request headers the web process got (JSON)
//   GET  /pid                   the web process's pid
//   GET  /stream                an SSE stream: "first", then "second" once POST /stream/continue came
//   POST /upload                answers "got <n>" when the first body chunk arrives, "total <n>" at its end
//   upgrade (any path)          a raw echo after a 101, attached to the server on the first request
//                               the way Next's dev server attaches its HMR socket
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { callLogRowFromResult } from "@/lib/calls/record";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { runServerEntry } from "@/lib/runtime/entry";
import type { WebApp } from "@/lib/runtime/process";
import { fakeRunResult } from "../fixtures/run-result";

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) }).end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (text += chunk));
    req.on("end", () => resolve(text));
    req.on("error", reject);
  });
}

function standIn(): WebApp {
  let continueStream: (() => void) | undefined;
  let upgradeAttached = false;
  let held = 0;
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!upgradeAttached) {
      upgradeAttached = true;
      (req.socket as unknown as { server: Server }).server.on("upgrade", (_req: IncomingMessage, socket: Duplex) => {
        socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
        socket.pipe(socket);
      });
    }
    const url = new URL(req.url ?? "/", "http://web.invalid");
    if (req.method === "GET" && url.pathname === "/page") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end("<!doctype html><h1>stand-in page</h1>");
    } else if (req.method === "POST" && url.pathname === "/action") {
      const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
      const holdMs = Number(url.searchParams.get("holdMs") ?? 0);
      if (holdMs > 0) {
        held++;
        await new Promise((resolve) => setTimeout(resolve, holdMs));
        held--;
      }
      const row = callLogRowFromResult(fakeRunResult({ output: "from the web process" }), { projectId: url.searchParams.get("project") ?? "", metadata: body });
      const outcome = await getCallLogWriter().accept([row]);
      if (!outcome.ok) return json(res, 503, { error: outcome.refusal.message });
      json(res, 200, { id: row.id });
    } else if (url.pathname === "/headers") {
      json(res, 200, req.headers);
    } else if (url.pathname === "/held") {
      json(res, 200, { held });
    } else if (url.pathname === "/pid") {
      json(res, 200, { pid: process.pid });
    } else if (url.pathname === "/stream") {
      res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-store" });
      res.write("data: first\n\n");
      await new Promise<void>((resolve) => (continueStream = resolve));
      res.end("data: second\n\n");
    } else if (req.method === "POST" && url.pathname === "/stream/continue") {
      continueStream?.();
      res.writeHead(204).end();
    } else if (req.method === "POST" && url.pathname === "/upload") {
      let total = 0;
      res.writeHead(200, { "Content-Type": "text/plain" });
      req.on("data", (chunk: Buffer) => {
        if (total === 0) res.write(`got ${chunk.length}\n`);
        total += chunk.length;
      });
      req.on("end", () => res.end(`total ${total}\n`));
    } else {
      json(res, 404, { error: "not found" });
    }
  };
  return { description: "stand-in web app", prepare: async () => {}, getRequestHandler: () => handler, close: async () => {} };
}

const started = await runServerEntry({ entry: import.meta.filename, describeWeb: () => "stand-in web app", createWeb: standIn });
if (started.role === "front") console.log(`[server] Promptdeck ${started.apiOnly ? "(API only) " : ""}listening on ${started.runtime.url}`);
