// SIGTERM under load: the real server process (`server.ts --api-only`: the composition root with the
// public API, no Next, so no build is needed) gets concurrent POST /api/v1/prompts/{name}/run calls
// and SIGTERM in the middle of them. No call acknowledged to a client (200 or 502 with a call id) may
// be missing from CallLog; calls in flight at the signal finish (they were paid for) and tell the
// client to close the connection; requests after the signal are refused at once (503 or connection
// refused), not left hanging; the process exits 0 promptly, stopping its parts in order.
//
// A paid call still running at the drain deadline is aborted and logged before the call log
// closes (its client gets the 502 with the call id), not cut off and lost.
//
// Claude is the simulator, run here and reached through PROMPTDECK_SIMULATOR_URL so the test knows
// when the held calls have reached it (that is, are in flight inside the server).
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@/lib/claude-simulator";
import { getDb } from "@/lib/db/client";
import { makeTestProject, publishPrompt, simpleContent, type TestProject } from "./serving-helpers";
import { postJson, startServerProcess, until, type ServerProcess } from "./server-process";

const WORKERS = 12;
const HELD = 10;
/** The held calls stay this long in the simulator: the signal arrives while they are in flight. */
const HOLD_MS = 2_500;

interface Outcome {
  kind: "load" | "held" | "probe";
  sentAt: number;
  settledAt: number;
  status?: number;
  callId?: string;
  connection?: string;
  error?: string;
}

async function run(kind: Outcome["kind"], port: number, key: string, question: string, agent: http.Agent | false): Promise<Outcome> {
  const sentAt = Date.now();
  try {
    const res = await postJson(port, "/api/v1/prompts/shutdown-answerer/run", { variables: { question } }, key, agent);
    const callId = res.headers["x-promptdeck-call-id"];
    return { kind, sentAt, settledAt: Date.now(), status: res.status, connection: res.headers.connection, ...(typeof callId === "string" ? { callId } : {}) };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { kind, sentAt, settledAt: Date.now(), error: code ?? (error instanceof Error ? error.message : String(error)) };
  }
}

let ctx: TestProject;
let sim: Simulator;
let simServer: http.Server;
let simUrl: string;
const heldArrivals: string[] = [];
const cutArrivals: string[] = [];

beforeAll(async () => {
  ctx = await makeTestProject();
  await publishPrompt(ctx.admin, "shutdown-answerer", [simpleContent("You answer in one short sentence.")]);
  sim = await startSimulator({ port: 0, host: "127.0.0.1", speed: 4 });
  // A pass-through proxy in front of the simulator that notes each held call as it arrives.
  const target = new URL(sim.url);
  simServer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const held = /(held|cut)-(\d+)/.exec(body.toString("utf8"));
      if (held?.[2]) (held[1] === "cut" ? cutArrivals : heldArrivals).push(held[2]);
      const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on("error", () => res.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => simServer.listen(0, "127.0.0.1", resolve));
  simUrl = `http://127.0.0.1:${(simServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  simServer.closeAllConnections();
  await new Promise<void>((resolve) => simServer.close(() => resolve()));
  await sim.close();
});

/** The server under test: Claude is the simulator behind the recording proxy; info logs (the lifecycle lines read below). */
function startServer(env: Record<string, string> = {}, options: { split?: boolean } = {}): ServerProcess {
  return startServerProcess({ PROMPTDECK_SIMULATOR_URL: simUrl, LOG_LEVEL: "info", ...env }, options);
}

describe("server shutdown (composition root)", () => {
  it("SIGTERM under load: every acknowledged call is logged, in-flight calls finish, later requests are refused, exit 0", async () => {
    const keys = await Promise.all(Array.from({ length: WORKERS + 1 }, () => ctx.key(["prompts:run"])));
    const server = startServer();
    let port: number;
    try {
      port = await server.port;
    } catch (error) {
      server.child.kill("SIGKILL");
      throw error;
    }
    const outcomes: Outcome[] = [];
    let signalAt = Infinity;
    let stopLoad = false;

    // Continuous load on keep-alive connections: some calls fail upstream (502, logged too).
    const loadAgent = new http.Agent({ keepAlive: true, maxSockets: WORKERS });
    const workers = Array.from({ length: WORKERS }, async (_, w) => {
      for (let i = 0; !stopLoad; i++) {
        const question = i % 3 === 1 ? `[[sim:400]] load ${w}.${i}` : `load ${w}.${i}`;
        const outcome = await run("load", port, keys[w]?.key ?? "", question, loadAgent);
        outcomes.push(outcome);
        // After the signal a worker stops at its first refusal.
        if (outcome.sentAt >= signalAt && (outcome.error || outcome.status === 503)) return;
      }
    });
    await until(() => outcomes.filter((o) => o.status === 200).length >= WORKERS, 30_000, "the load to get going");

    // Calls that are certainly in flight inside the server at the signal: held by the simulator.
    const heldAgent = new http.Agent({ keepAlive: true, maxSockets: HELD });
    const heldKey = keys[WORKERS]?.key ?? "";
    const held = Array.from({ length: HELD }, (_, i) =>
      run("held", port, heldKey, `[[sim:timeout;ms=${HOLD_MS}]] held-${i}`, heldAgent).then((o) => void outcomes.push(o)),
    );
    await until(() => heldArrivals.length >= HELD, 20_000, "the held calls to reach the simulator");

    // A live stream (never ends by itself): the shutdown ends it first, so it does not hold the drain.
    const { key: readKey } = await ctx.key(["prompts:read"]);
    const streamResponse = await fetch(`http://127.0.0.1:${port}/api/v1/stream`, { headers: { Authorization: `Bearer ${readKey}` } });
    expect(streamResponse.status).toBe(200);
    const streamEnded = (async () => {
      const reader = streamResponse.body?.getReader();
      for (;;) if (!reader || (await reader.read()).done) return Date.now();
    })().catch(() => Date.now());

    signalAt = Date.now();
    server.child.kill("SIGTERM");
    // New connections after the signal: refused at once, never left hanging.
    await new Promise((resolve) => setTimeout(resolve, 200));
    outcomes.push(await run("probe", port, heldKey, "after the signal", false));

    const exit = await server.exited;
    stopLoad = true;
    await Promise.all([...workers, ...held]);
    loadAgent.destroy();
    heldAgent.destroy();
    const log = server.output();
    // For failure messages: [kind, sent and settled (ms from the signal), status or error, Connection header].
    const table = JSON.stringify(outcomes.map((o) => [o.kind, o.sentAt - signalAt, o.settledAt - signalAt, o.status ?? o.error, o.connection]));

    // The stream was ended cleanly at the start of the shutdown (not cut at the deadline).
    expect((await streamEnded) - signalAt, log).toBeLessThan(1_000);
    expect(log).toContain("1 live stream(s) closed");

    // The process exits 0, promptly (the held calls needed HOLD_MS; the flush and the rest little).
    expect(exit, log).toMatchObject({ code: 0, signal: null });
    expect(exit.at - signalAt, log).toBeLessThan(HOLD_MS + 10_000);

    // Every call acknowledged to a client (200, or 502 = Claude failed, both logged) is in CallLog.
    const acknowledged = outcomes.filter((o) => o.status === 200 || o.status === 502);
    const ids = acknowledged.map((o) => o.callId);
    expect(
      ids.every((id) => typeof id === "string"),
      "every 200/502 carries a call id",
    ).toBe(true);
    expect(acknowledged.filter((o) => o.status === 502).length).toBeGreaterThan(0);
    const stored = await getDb().callLog.findMany({ where: { id: { in: ids as string[] } }, select: { id: true } });
    expect(stored.length, `${acknowledged.length - stored.length} acknowledged call(s) missing from CallLog\n${table}`).toBe(acknowledged.length);

    // The calls in flight at the signal finished and were answered with Connection: close.
    const heldOutcomes = outcomes.filter((o) => o.kind === "held");
    expect(
      heldOutcomes.map((o) => o.error ?? o.status),
      `${log}\n${table}`,
    ).toEqual(Array.from({ length: HELD }, () => 200));
    expect(heldOutcomes.every((o) => o.connection === "close")).toBe(true);

    // A request after the signal is refused at once: the listener is closed (or a 503 on a connection still open).
    const probe = outcomes.find((o) => o.kind === "probe");
    expect(probe?.error === "ECONNREFUSED" || probe?.status === 503, JSON.stringify(probe)).toBe(true);
    expect((probe?.settledAt ?? Infinity) - (probe?.sentAt ?? 0)).toBeLessThan(2_000);

    // Nothing else went wrong: every other outcome is a quick, clean refusal of a request sent
    // after the signal (connection refused; 503; or a reset of a keep-alive connection that was idle
    // when the server closed it, the one race HTTP/1.1 leaves; the margin covers a busy machine).
    for (const o of outcomes) {
      if (o.status === 200 || o.status === 502) continue;
      const clean = o.status === 503 || ["ECONNREFUSED", "ECONNRESET", "EPIPE"].includes(o.error ?? "");
      expect(clean && o.sentAt >= signalAt - 250, `${JSON.stringify(o)}\n${table}`).toBe(true);
      expect(o.settledAt - o.sentAt).toBeLessThan(2_000);
    }

    // What the process owned, and the order it stopped in.
    expect(log).toMatch(
      /owns: database pool .*; call-log pool .*; call-log writer .*; claude \(simulator .* \(external\)\); api v1 .*; rollup pruner .*; call retention .*; project purger .*; event pruner .*; eval worker .*; batch job worker .*; rollout worker .*; webhook worker .*; http server \(http:\/\/127\.0\.0\.1:\d+\)/,
    );
    const order = [
      "stopped http server",
      "stopped call-log writer",
      "stopped webhook worker",
      "stopped rollout worker",
      "stopped batch job worker",
      "stopped eval worker",
      "stopped event pruner",
      "stopped project purger",
      "stopped call retention",
      "stopped rollup pruner",
      "stopped api v1",
      "stopped claude",
      "stopped call-log pool",
      "stopped database pool",
    ].map((line) => log.indexOf(line));
    expect(
      order.every((at) => at >= 0),
      log,
    ).toBe(true);
    expect(
      [...order].sort((a, b) => a - b),
      log,
    ).toEqual(order);
  });

  it("a paid call still running at the drain deadline is aborted and logged before the call log closes, its client answered (issue 17, leftover 2)", async () => {
    const CUT = 3;
    const { key } = await ctx.key(["prompts:run"]);
    const server = startServer({ PROMPTDECK_SHUTDOWN_DRAIN_MS: "1000" });
    const port = await server.port; // rejects once the process has exited
    const tag = randomUUID();
    const agent = new http.Agent({ keepAlive: true, maxSockets: CUT });
    // Held 15 s by the simulator: far past the 1 s drain deadline.
    const answers = Array.from({ length: CUT }, (_, i) =>
      postJson(
        port,
        "/api/v1/prompts/shutdown-answerer/run",
        { variables: { question: `[[sim:timeout;ms=15000]] cut-${i}` }, metadata: { cut: tag } },
        key,
        agent,
      ).then(
        (res) => ({ status: res.status, callId: res.headers["x-promptdeck-call-id"], connection: res.headers.connection }),
        (error: unknown) => ({ error: (error as { code?: string }).code ?? String(error) }),
      ),
    );
    await until(() => cutArrivals.length >= CUT, 20_000, "the calls to reach the simulator");
    const signalAt = Date.now();
    server.child.kill("SIGTERM");
    const exit = await server.exited;
    const answered = await Promise.all(answers);
    agent.destroy();
    const log = server.output();

    // Not waited for (15 s): aborted at the deadline, logged, then the process went on stopping.
    expect(exit.at - signalAt, log).toBeLessThan(10_000);
    expect(log).toMatch(new RegExp(`${CUT} paid call\\(s\\) still running at the deadline aborted, ${CUT} of them logged`));
    // The drain did hit its deadline: the stop reports it (exit 1), the calls are not lost.
    expect(exit.code, log).toBe(1);
    const stored = await getDb().callLog.findMany({
      where: { metadata: { path: ["cut"], equals: tag } },
      select: { id: true, status: true, errorType: true },
    });
    expect(stored, log).toHaveLength(CUT);
    // Logged as cancelled (aborted), with the usage known.
    expect(stored.map((row) => [row.status, row.errorType])).toEqual(Array.from({ length: CUT }, () => ["cancelled", "aborted"]));
    // Each client got its answer: a 502 with the logged call's id, and Connection: close.
    expect(answered.map((a) => ("status" in a ? a.status : a.error))).toEqual(Array.from({ length: CUT }, () => 502));
    expect(new Set(answered.map((a) => ("callId" in a ? a.callId : undefined)))).toEqual(new Set(stored.map((row) => row.id)));
    expect(answered.every((a) => "connection" in a && a.connection === "close")).toBe(true);
  });

  it("with its web process (the dashboard in a child): SIGTERM drains the front, then the web process; no call either acknowledged is lost; both exit", async () => {
    const journalDir = mkdtempSync(path.join(tmpdir(), "promptdeck-split-shutdown-"));
    const server = startServer({ PROMPTDECK_CALL_JOURNAL_DIR: journalDir }, { split: true });
    try {
      const port = await server.port;
      const { key } = await ctx.key(["prompts:run"]);
      const tag = randomUUID();
      const agent = new http.Agent({ keepAlive: true, maxSockets: 7 });
      const heldAgent = new http.Agent({ keepAlive: true, maxSockets: 3 });
      const getJson = <T>(urlPath: string) =>
        new Promise<T>((resolve, reject) =>
          http
            .get({ host: "127.0.0.1", port, path: urlPath, agent: false }, (res) => {
              let text = "";
              res.on("data", (c: Buffer) => (text += c.toString()));
              res.on("end", () => resolve(JSON.parse(text) as T));
            })
            .on("error", reject),
        );
      const webPid = (await getJson<{ pid: number }>("/pid")).pid;
      type Acked = { via: "api" | "web"; id: string };
      const acked: Acked[] = [];
      let signalAt = Infinity;
      let stop = false;
      const action = (i: string, holdMs = 0) =>
        postJson(port, `/action?project=${ctx.projectId}&holdMs=${holdMs}`, { tag, i }, key, holdMs > 0 ? heldAgent : agent).then(
          (res) => ({
            status: res.status,
            id: res.status === 200 ? (JSON.parse(res.text) as { id: string }).id : undefined,
            connection: res.headers.connection,
          }),
          (error: unknown) => ({ status: 0, id: undefined, connection: undefined, error: String(error) }),
        );
      // Load on both: /run in the front, actions in the web process, until the first refusal after the signal.
      const apiLoad = Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; !stop; i++) {
          const o = await run("load", port, key, `split ${w}.${i}`, agent);
          if (o.callId && (o.status === 200 || o.status === 502)) acked.push({ via: "api", id: o.callId });
          if (o.sentAt >= signalAt && (o.error || o.status === 503)) return;
        }
      });
      const webLoad = Array.from({ length: 3 }, async (_, w) => {
        for (let i = 0; !stop; i++) {
          const sentAt = Date.now();
          const o = await action(`${w}.${i}`);
          if (o.id) acked.push({ via: "web", id: o.id });
          if (sentAt >= signalAt && !o.id) return;
        }
      });
      await until(
        () => acked.filter((a) => a.via === "web").length >= 10 && acked.filter((a) => a.via === "api").length >= 10,
        30_000,
        "the load to get going",
      );
      // Actions certainly in flight in the web process at the signal: they finish, and are logged.
      const held = Array.from({ length: 3 }, (_, i) => action(`held-${i}`, 2_000));
      await until(async () => (await getJson<{ held: number }>("/held")).held === 3, 20_000, "the held actions to reach the web process");
      signalAt = Date.now();
      server.child.kill("SIGTERM");
      const exit = await server.exited;
      stop = true;
      await Promise.all([...apiLoad, ...webLoad]);
      const heldOutcomes = await Promise.all(held);
      agent.destroy();
      heldAgent.destroy();
      const log = server.output();

      expect(exit, log).toMatchObject({ code: 0, signal: null });
      // The held actions finished and told the client to close the connection.
      expect(heldOutcomes.map((o) => o.status)).toEqual([200, 200, 200]);
      expect(heldOutcomes.every((o) => o.connection === "close")).toBe(true);
      for (const o of heldOutcomes) if (o.id) acked.push({ via: "web", id: o.id });
      // Every acknowledged call, from either process, is stored.
      const ids = acked.map((a) => a.id);
      const stored = await getDb().callLog.findMany({ where: { id: { in: ids } }, select: { id: true } });
      const missing = ids.filter((id) => !stored.some((row) => row.id === id));
      expect(missing, log).toEqual([]);
      // Order: the front drained, then the web process stopped (its own drain and flush), then the front's call log.
      const at = (line: string) => log.indexOf(line);
      expect(at("stopped http server"), log).toBeGreaterThanOrEqual(0);
      expect(at("web process: call-log writer:"), log).toBeGreaterThan(at("stopped http server"));
      expect(at("web process: stopped (asked by the front process)"), log).toBeGreaterThan(at("web process: call-log writer:"));
      expect(log.lastIndexOf("stopped web in"), log).toBeGreaterThan(at("web process: stopped (asked by the front process)"));
      expect(log.lastIndexOf("stopped call-log writer in"), log).toBeGreaterThan(log.lastIndexOf("stopped web in"));
      // The web process is gone too.
      expect(() => process.kill(webPid, 0)).toThrow();
    } finally {
      if (server.child.exitCode === null) server.child.kill("SIGKILL");
      rmSync(journalDir, { recursive: true, force: true });
    }
    // Two processes start (each loads the app through tsx): minutes on a loaded 2-core machine.
  }, 180_000);
});
