// An early answer (413 body too large, 400 wrong content type, 401, 404) on a request whose body
// was not read: the server must say `Connection: close` and close the connection once the answer
// is out, so a client still sending a large body gets the answer and a clean end instead of
// stalling until the keep-alive timeout and an ECONNRESET (issue 17, item 5). Raw sockets, so the
// assertions are on what the connection does (events), not on timings.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, makeTestProject, publishPrompt, simpleContent, startApiServer, type RunningServer } from "./serving-helpers";

let server: RunningServer;
let key = "";
let port = 0;

beforeAll(async () => {
  server = await startApiServer({ changeFeed: false, maxBodyBytes: 64 * 1024, rateLimit: { perSecond: 100_000, burst: 100_000 } });
  port = Number(new URL(server.url).port);
  const ctx = await makeTestProject();
  key = (await ctx.key(["prompts:read", "calls:write"])).key;
  await publishPrompt(ctx.admin, "early-close", [simpleContent()]);
});

afterAll(async () => {
  await server.close();
});

interface Outcome {
  /** The answer's status line and headers (lowercased names). */
  status: number;
  headers: Record<string, string>;
  /** The connection ended with a FIN from the server (no reset, no error). */
  ended: boolean;
  error: string | null;
  /** Body bytes the client managed to send before the connection closed. */
  sent: number;
}

/**
 * Sends `headers` announcing `bodyBytes` of body, then writes the body as fast as the socket
 * takes it, until the server answers and closes. Resolves when the socket closes.
 */
function sendLarge(path: string, headers: Record<string, string>, bodyBytes: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let response = "";
    let ended = false;
    let error: string | null = null;
    let sent = 0;
    let answered = false;
    const chunk = Buffer.alloc(64 * 1024, 0x20); // spaces: valid JSON whitespace, never the problem
    const pump = () => {
      while (!answered && sent < bodyBytes && !socket.destroyed) {
        const n = Math.min(chunk.length, bodyBytes - sent);
        sent += n;
        if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          socket.once("drain", pump);
          return;
        }
      }
    };
    socket.on("connect", () => {
      const head = [`POST ${path} HTTP/1.1`, "Host: 127.0.0.1", `Content-Length: ${bodyBytes}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
      socket.write(`${head.join("\r\n")}\r\n\r\n`);
      pump();
    });
    socket.on("data", (data: Buffer) => {
      response += data.toString("latin1");
      if (response.includes("\r\n\r\n")) answered = true;
    });
    socket.on("end", () => {
      ended = true;
    });
    socket.on("error", (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    socket.on("close", () => {
      const [head = ""] = response.split("\r\n\r\n");
      const [statusLine = "", ...lines] = head.split("\r\n");
      const headerMap: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(":");
        if (i > 0) headerMap[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(" ")[1] ?? 0), headers: headerMap, ended, error, sent });
    });
  });
}

const BIG = 32 * 1024 * 1024;

describe("an early answer closes the connection cleanly", () => {
  it("413: a body over the limit", async () => {
    const out = await sendLarge("/api/v1/prompts/early-close/render", { ...bearer(key), "Content-Type": "application/json" }, BIG);
    expect(out.status).toBe(413);
    expect(out.headers.connection).toBe("close");
    expect(out.error).toBeNull();
    expect(out.ended).toBe(true);
    expect(out.sent).toBeLessThan(BIG);
  });

  it("413: a batch ingest over its larger limit", async () => {
    const out = await sendLarge("/api/v1/calls", { ...bearer(key), "Content-Type": "application/json" }, BIG * 2);
    expect(out.status).toBe(413);
    expect(out.headers.connection).toBe("close");
    expect(out.error).toBeNull();
    expect(out.ended).toBe(true);
  });

  it("400: not JSON", async () => {
    const out = await sendLarge("/api/v1/prompts/early-close/render", { ...bearer(key), "Content-Type": "text/plain" }, BIG);
    expect(out.status).toBe(400);
    expect(out.headers.connection).toBe("close");
    expect(out.error).toBeNull();
    expect(out.ended).toBe(true);
  });

  it("401 and 404: answered before the body is read", async () => {
    for (const [path, headers, status] of [
      ["/api/v1/prompts/early-close/render", { "Content-Type": "application/json" }, 401],
      ["/api/v1/nothing-here", { ...bearer(key), "Content-Type": "application/json" }, 404],
    ] as const) {
      const out = await sendLarge(path, headers, BIG);
      expect(out.status, path).toBe(status);
      expect(out.headers.connection, path).toBe("close");
      expect(out.error, path).toBeNull();
      expect(out.ended, path).toBe(true);
    }
  });

  it("a small request whose body was read keeps its connection (keep-alive is not lost)", async () => {
    const res = await fetch(`${server.url}/api/v1/prompts/early-close/render`, {
      method: "POST",
      headers: { ...bearer(key), "Content-Type": "application/json" },
      body: JSON.stringify({ variables: { question: "hi" } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("connection")).not.toBe("close");
    await res.text();
  });
});
