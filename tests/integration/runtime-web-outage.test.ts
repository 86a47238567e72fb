// The dashboard during a database outage (issue 17, item 13): the web app behind the process's
// HTTP server is guarded (lib/runtime/web-guard.ts). While the change feed has lost the database,
// a page request gets 503 + Retry-After and the "database unreachable, retrying" page, any other
// request the JSON error; a 500 the app sends because its query failed becomes 503; once the
// database is back, pages are served again. The database is reached through a TCP proxy the test
// cuts (as a database stop looks to an app instance); the web app is a stand-in for Next that
// queries the database for each page, as a dashboard page does.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GracefulHttpServer } from "@/lib/runtime/http-server";
import { guardWeb } from "@/lib/runtime/web-guard";
import { ChangeFeed } from "@/lib/serving/change-feed";
import { CuttableProxy } from "./cuttable-proxy";

const proxy = new CuttableProxy(new URL(process.env.DATABASE_URL ?? "postgresql://127.0.0.1:5432/postgres"));
const proxied = () => proxy.url();

let feed: ChangeFeed;
let http: GracefulHttpServer;
let base: string;
let pool: pg.Pool;
let appCalls = 0;

beforeAll(async () => {
  await proxy.up();
  pool = new pg.Pool({ connectionString: proxied(), max: 2, connectionTimeoutMillis: 500 });
  pool.on("error", () => {});
  feed = new ChangeFeed(
    { connectionString: proxied(), mode: "poll", pollIntervalMs: 50, reconnectDelayMs: 100, connectTimeoutMs: 500, log: () => {} },
    { onChange: () => {}, onReset: () => {}, onHealth: () => {} },
  );
  await feed.start();
  // A stand-in for Next: every page reads the database; a failed read is Next's 500 error page.
  const app = async (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => {
    appCalls++;
    try {
      const { rows } = await pool.query<{ n: number }>("SELECT 1 AS n");
      res.writeHead(200, { "Content-Type": "text/html" }).end(`<p>page ${req.url} ${rows[0]?.n}</p>`);
    } catch {
      res.statusCode = 500;
      res.end("<h1>500: Internal Server Error</h1>");
    }
  };
  const guarded = guardWeb(app, { databaseDown: () => !feed.isHealthy });
  http = new GracefulHttpServer((req, res) => void guarded(req, res));
  const address = await http.listen(0, "127.0.0.1");
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await http.close(1_000);
  await feed.stop();
  await pool.end().catch(() => {});
  await proxy.down();
});

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

const html = { Accept: "text/html,application/xhtml+xml" };

describe("dashboard during a database outage", () => {
  it("answers 503 with the 'database unreachable, retrying' page (JSON for data routes), never 500, and recovers", async () => {
    const up = await fetch(`${base}/p/demo/prompts`, { headers: html });
    expect(up.status).toBe(200);
    await up.text();

    // The outage begins under a request: the app's query fails; the 500 goes out as 503.
    await proxy.down();
    await pool.query("SELECT 1").catch(() => {});
    await until(() => !feed.isHealthy, "the feed to notice the outage");
    const before = appCalls;
    const pageDown = await fetch(`${base}/p/demo/prompts`, { headers: html });
    expect(pageDown.status).toBe(503);
    expect(pageDown.headers.get("retry-after")).toBe("5");
    expect(pageDown.headers.get("content-type")).toContain("text/html");
    const body = await pageDown.text();
    expect(body).toContain("Database unreachable, retrying");
    expect(body).toContain('http-equiv="refresh"');
    // Data routes, RSC navigations and server actions get the JSON error.
    for (const request of [
      fetch(`${base}/p/demo/calls/data?limit=10`, { headers: { Accept: "application/json" } }),
      fetch(`${base}/p/demo/prompts`, { headers: { ...html, RSC: "1" } }),
      fetch(`${base}/p/demo/prompts`, { method: "POST", headers: { "Next-Action": "abc", Accept: "text/x-component" }, body: "[]" }),
    ]) {
      const res = await request;
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("5");
      expect(await res.json()).toEqual({ error: { code: "unavailable", message: "The database is unreachable; retrying shortly" } });
    }
    // Answered without running the app (no query waiting for a connect timeout).
    expect(appCalls).toBe(before);
    // Static files still pass through.
    await fetch(`${base}/_next/static/chunk.js`).then((r) => r.text());
    expect(appCalls).toBe(before + 1);

    await proxy.up();
    await until(() => feed.isHealthy, "the feed to reconnect");
    const back = await fetch(`${base}/p/demo/prompts`, { headers: html });
    expect(back.status).toBe(200);
    expect(await back.text()).toContain("page /p/demo/prompts 1");
  });

  it("a 500 the app sends while the database is unreachable goes out as 503 + Retry-After", async () => {
    let down = false;
    const guarded = guardWeb(
      (_req, res) => {
        // The feed notices just after the request passed the guard (the outage began under it).
        down = true;
        res.statusCode = 500;
        res.end("Internal Server Error");
      },
      { databaseDown: () => down },
    );
    const server = new GracefulHttpServer((req, res) => void guarded(req, res));
    const { port } = await server.listen(0, "127.0.0.1");
    const res = await fetch(`http://127.0.0.1:${port}/p/demo`, { headers: html });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    await res.text();
    await server.close(1_000);
  });
});
