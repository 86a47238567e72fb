// The front and its web process (lib/runtime/web-process.ts, web-proxy.ts): the real entry
// (lib/runtime/entry.ts) with a stand-in for Next (tests/integration/split-server.ts), so no
// build is needed. Through the front's loopback proxy: a page, a server action whose call the
// web process logs, an SSE stream that streams (its second event is only produced after the
// client has read the first), a request body that streams, a WebSocket-style upgrade, the
// X-Forwarded-* the web process sees; the web process refuses requests that do not come from its
// front; the public API never reaches it. A killed web process: dashboard requests get a 503 at
// once (never a hang) and it is started again, its acknowledged calls stored. SIGTERM with a
// WebSocket still open: it is closed, both processes exit 0.
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { makeTestProject, type TestProject } from "./serving-helpers";
import { startServerProcess, until, type ServerProcess } from "./server-process";

let ctx: TestProject;
let server: ServerProcess;
let port: number;
let journalDir: string;

beforeAll(async () => {
  ctx = await makeTestProject();
  journalDir = mkdtempSync(path.join(tmpdir(), "promptdeck-web-process-"));
  server = startServerProcess({ LOG_LEVEL: "info", PROMPTDECK_CALL_JOURNAL_DIR: journalDir }, { split: true });
  try {
    port = await server.port;
  } catch (error) {
    server.child.kill("SIGKILL");
    throw error;
  }
});

/** An upgraded socket left open by the upgrade test: the shutdown must not wait for it. */
let openUpgrade: net.Socket | undefined;

afterAll(async () => {
  const upgradeClosed = openUpgrade ? new Promise<void>((resolve) => openUpgrade!.once("close", () => resolve())) : Promise.resolve();
  server.child.kill("SIGTERM");
  const exit = await server.exited;
  rmSync(journalDir, { recursive: true, force: true });
  // Both processes stopped cleanly although a WebSocket was still open (it was closed, not waited for).
  expect(exit, server.output()).toMatchObject({ code: 0, signal: null });
  await upgradeClosed;
  expect(openUpgrade?.destroyed ?? true).toBe(true);
});

/** One request on a connection of its own; resolves with the whole answer. */
function request(
  urlPath: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: urlPath, method: options.method ?? "GET", headers: options.headers, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on("error", reject);
    });
    const timeoutMs = options.timeoutMs ?? 30_000;
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms (hang)`)));
    req.on("error", reject);
    req.end(options.body);
  });
}

async function action(tag: string): Promise<string> {
  const res = await request(`/action?project=${ctx.projectId}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ tag }),
  });
  expect(res.status, res.text).toBe(200);
  return (JSON.parse(res.text) as { id: string }).id;
}

function webPort(): number {
  const m = [...server.output().matchAll(/web process: pid \d+ ready on 127\.0\.0\.1:(\d+)/g)].pop();
  if (!m?.[1]) throw new Error(`no "ready" line:\n${server.output()}`);
  return Number(m[1]);
}

describe("the front and its web process", () => {
  it("serves a page and a server action through the proxy; the public API stays in the front", async () => {
    const page = await request("/page", { headers: { Accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(page.text).toContain("stand-in page");
    const tag = `action-${Date.now()}`;
    const id = await action(tag);
    await until(async () => (await getDb().callLog.count({ where: { id } })) === 1, 20_000, "the web process's call to be stored");
    // The API is answered by the front (its own 401), never forwarded.
    const api = await request("/api/v1/prompts");
    expect(api.status).toBe(401);
    expect(api.headers["x-request-id"]).toBeDefined();
    // The two processes journal in directories of their own (neither takes over the other's).
    const log = server.output();
    expect(log).toContain(`journal ${path.join(journalDir, "0")}`);
    expect(log).toContain(`journal ${path.join(journalDir, "web", "0")}`);
  });

  it("sets X-Forwarded-* from what the front saw; forged ones are dropped; the web process refuses anyone but its front", async () => {
    const res = await request("/headers", { headers: { "X-Forwarded-Host": "evil.example", "X-Forwarded-For": "6.6.6.6", "X-Promptdeck-Front": "guess" } });
    const seen = JSON.parse(res.text) as Record<string, string>;
    expect(seen["x-forwarded-host"]).toBe(`127.0.0.1:${port}`);
    expect(seen.host).toBe(`127.0.0.1:${port}`);
    expect(seen["x-forwarded-for"]).toBe("127.0.0.1");
    expect(seen["x-forwarded-proto"]).toBe("http");
    expect(seen["x-forwarded-port"]).toBe(String(port));
    expect(seen["x-promptdeck-client-address"]).toBe("127.0.0.1");
    // The front's secret is not passed on to the app.
    expect(seen["x-promptdeck-front"]).toBeUndefined();

    const direct = await new Promise<number>((resolve, reject) =>
      http.get({ host: "127.0.0.1", port: webPort(), path: "/page", agent: false }, (r) => (r.resume(), resolve(r.statusCode ?? 0))).on("error", reject),
    );
    expect(direct).toBe(403);
  });

  it("streams an SSE answer and a request body both ways", async () => {
    // The second event exists only after the client asked for it, having read the first through the proxy.
    const events = await new Promise<string[]>((resolve, reject) => {
      const got: string[] = [];
      http
        .get({ host: "127.0.0.1", port, path: "/stream", agent: false, headers: { Accept: "text/event-stream" } }, (res) => {
          expect(res.headers["content-type"]).toBe("text/event-stream");
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            got.push(chunk);
            if (got.length === 1) void request("/stream/continue", { method: "POST" }).catch(reject);
          });
          res.on("end", () => resolve(got));
        })
        .on("error", reject);
    });
    expect(events.join("")).toBe("data: first\n\ndata: second\n\n");
    expect(events[0]).toBe("data: first\n\n");

    // The upload's end is sent only after the web process reported its first chunk.
    const lines = await new Promise<string[]>((resolve, reject) => {
      const got: string[] = [];
      const req = http.request(
        { host: "127.0.0.1", port, path: "/upload", method: "POST", agent: false, headers: { "Transfer-Encoding": "chunked" } },
        (res) => {
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            got.push(chunk);
            if (got.length === 1) req.end("x".repeat(5_000));
          });
          res.on("end", () => resolve(got.join("").trim().split("\n")));
        },
      );
      req.on("error", reject);
      req.write("y".repeat(1_000));
    });
    expect(lines).toEqual(["got 1000", "total 6000"]);
  });

  it("a killed web process: 503 at once meanwhile, started again, its acknowledged calls stored", async () => {
    const tag = `killed-${Date.now()}`;
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => action(`${tag}-${i}`)));
    const { pid } = JSON.parse((await request("/pid")).text) as { pid: number };
    process.kill(pid, "SIGKILL");
    await until(() => server.output().includes(`pid ${pid} exited`), 20_000, "the front to notice");
    // Until it is back: a clear 503 (a page for a browser, JSON otherwise), answered at once.
    const page = await request("/page", { headers: { Accept: "text/html" }, timeoutMs: 5_000 });
    const data = await request("/page", { timeoutMs: 5_000 });
    for (const res of [page, data]) {
      if (res.status === 200) continue; // already back (a fast restart)
      expect(res.status).toBe(503);
      expect(res.headers["retry-after"]).toBeDefined();
    }
    if (page.status === 503) expect(page.text).toContain("Dashboard restarting");
    if (data.status === 503) expect(JSON.parse(data.text)).toMatchObject({ error: { code: "unavailable" } });
    // Started again: a new process answers.
    await until(async () => (await request("/page").catch(() => ({ status: 0 }))).status === 200, 60_000, "the web process to be back");
    const again = JSON.parse((await request("/pid")).text) as { pid: number };
    expect(again.pid).not.toBe(pid);
    // Every call it acknowledged before it was killed is stored (from the database or its journal's replay).
    await until(async () => (await getDb().callLog.count({ where: { id: { in: ids } } })) === ids.length, 30_000, "the acknowledged calls to be stored");
    // And the new one serves actions.
    await action(`${tag}-after`);
  });

  it("forwards an upgrade (the dev server's HMR socket) and joins the two sockets", async () => {
    const echoed = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.write(`GET /_next/webpack-hmr HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n`);
      });
      let text = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => {
        text += chunk;
        if (text.includes("\r\n\r\n") && !text.includes("ping")) socket.write("ping");
        if (text.endsWith("ping")) {
          openUpgrade = socket; // left open: the shutdown in afterAll closes it
          resolve(text);
        }
      });
      socket.on("error", reject);
    });
    expect(echoed).toMatch(/^HTTP\/1\.1 101 /);
    expect(echoed.endsWith("\r\n\r\nping")).toBe(true);
  });
});
