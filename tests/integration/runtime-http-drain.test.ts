// The process's HTTP server on shutdown (lib/runtime/http-server.ts): in-flight requests finish
// (marked Connection: close), idle keep-alive connections close, new connections are refused, a
// request that still arrives on an open connection gets 503 + Connection: close, and the deadline
// cuts off what is left. A real node:http server on a free port; no database.
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { GracefulHttpServer } from "@/lib/runtime/http-server";

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(port: number, path: string, agent: http.Agent | false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method: "GET", agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

const servers: GracefulHttpServer[] = [];
const agents: http.Agent[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.server.closeAllConnections();
  for (const a of agents.splice(0)) a.destroy();
});

async function start(listener: http.RequestListener): Promise<{ server: GracefulHttpServer; port: number }> {
  const server = new GracefulHttpServer(listener);
  servers.push(server);
  const address: AddressInfo = await server.listen(0, "127.0.0.1");
  return { server, port: address.port };
}

describe("GracefulHttpServer.close", () => {
  it("drains in-flight requests (Connection: close), closes idle keep-alive connections, refuses new connections", async () => {
    const slow = gate();
    const arrived = gate();
    const { server, port } = await start((req, res) => {
      if (req.url === "/slow") {
        arrived.open();
        void slow.opened.then(() => res.end("slow done"));
      } else res.end("fast");
    });
    // Two keep-alive clients: one leaves an idle connection, the other has a request in flight.
    const idle = new http.Agent({ keepAlive: true });
    const busy = new http.Agent({ keepAlive: true });
    agents.push(idle, busy);
    expect((await request(port, "/fast", idle)).headers.connection).toBe("keep-alive");
    const idleSocket = Object.values(idle.freeSockets).flat()[0];
    expect(idleSocket).toBeDefined();
    const idleClosed = new Promise<void>((resolve) => idleSocket?.once("close", () => resolve()));

    const inFlight = request(port, "/slow", busy);
    await arrived.opened;
    const closing = server.close(5_000);
    await idleClosed; // the idle keep-alive connection is closed at once
    await expect(request(port, "/fast", false)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    slow.open();
    const reply = await inFlight;
    expect(reply).toMatchObject({ status: 200, body: "slow done" });
    expect(reply.headers.connection).toBe("close");
    expect(await closing).toMatchObject({ drained: true, inFlightAtClose: 1, abandoned: 0 });
  });

  it("answers a request that arrives on an open connection after close began with 503 + Connection: close", async () => {
    const { server, port } = await start((_req, res) => res.end("ok"));
    const socket = net.connect(port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (received += chunk));
    const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    // Half a request before the signal: the connection is not idle, so it stays open...
    socket.write("GET /late HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = server.close(5_000);
    // ...and the rest after it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write("\r\n");
    await ended;
    expect(received).toMatch(/^HTTP\/1\.1 503 /);
    expect(received).toMatch(/\r\nConnection: close\r\n/i);
    expect(received).toMatch(/\r\nRetry-After: 1\r\n/i);
    expect(received).toContain('"code":"unavailable"');
    expect(await closing).toMatchObject({ drained: true, refused: 1 });
  });

  it("closes a connection whose response had already started once it ends, without waiting for the keep-alive timeout", async () => {
    const finish = gate();
    const arrived = gate();
    const { server, port } = await start((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.write("part 1;");
      arrived.open();
      void finish.opened.then(() => res.end("part 2"));
    });
    const agent = new http.Agent({ keepAlive: true });
    agents.push(agent);
    const reply = request(port, "/stream", agent);
    await arrived.opened;
    const began = Date.now();
    const closing = server.close(10_000);
    finish.open();
    expect((await reply).body).toBe("part 1;part 2");
    expect(await closing).toMatchObject({ drained: true, abandoned: 0 });
    expect(Date.now() - began).toBeLessThan(3_000);
  });

  it("cuts off requests still running at the deadline", async () => {
    const arrived = gate();
    const { server, port } = await start(() => arrived.open()); // never answers
    const reply = request(port, "/hang", false);
    await arrived.opened;
    const result = await server.close(100);
    expect(result).toMatchObject({ drained: false, inFlightAtClose: 1, abandoned: 1 });
    await expect(reply).rejects.toMatchObject({ code: "ECONNRESET" });
  });
});
