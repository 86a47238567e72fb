/**
 * The web process: the dashboard (Next) runs in a child process of the front, which serves the
 * public API in a JavaScript realm where Next is never loaded (Next's AsyncLocalStorages tax
 * every promise of the process they live in; see lib/serving/README.md). Two halves:
 *
 * - `WebProcess` (this file, in the front): a `WebApp` for the composition root. `prepare()`
 *   forks the child (`node <execArgv> <entry> --web`), sends it its configuration over IPC and
 *   waits for its "ready"; the request handler forwards to it through a keep-alive loopback proxy
 *   (lib/runtime/web-proxy.ts), upgrades too; `close()` asks it to stop and waits for its exit. A
 *   child that dies on its own is started again with a backoff (0.5 s doubling to 10 s, back to
 *   0.5 s after a minute up); meanwhile dashboard requests get a 503 page or JSON at once.
 * - `runWebChild` (web-child.ts, in the child): its own composition root (pools, a call-log
 *   writer journaling into a directory of its own, the Claude endpoint, senders of the job
 *   queues, Next) listening on 127.0.0.1 on a free port.
 *
 * Protocol (IPC messages): front -> child `config`, `stop`; child -> front `ready` (its port),
 * `wake-webhooks` (a dashboard change has webhook deliveries: the front runs the worker). The
 * child stops when asked, or when the IPC channel closes (the front died); a signal sent to both
 * (Ctrl-C, a process-group kill) leaves the stopping to the front, which drains first.
 */
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { wakeWebhookWorker } from "@/lib/webhooks/endpoints";
import { answerDashboardUnavailable } from "./web-guard";
import { proxyRequest, proxyUpgrade, type ProxyTarget } from "./web-proxy";

/** What the front sends the child before it starts. */
export interface WebChildConfig {
  type: "config";
  /** The front's secret: requests without it are refused (web-proxy.ts). */
  secret: string;
  /** The child's own call journal directory (never the front's), or false for none. */
  callJournalDir: string | false;
}

export type WebChildMessage = { type: "ready"; port: number } | { type: "wake-webhooks" };
export type FrontMessage = WebChildConfig | { type: "stop" };

export interface WebProcessOptions {
  /** The entry to fork (server.ts) and its arguments (`--web`, `--dev`). */
  entry: string;
  args: string[];
  /** Node flags for the child (default the front's own, e.g. tsx's loader). */
  execArgv?: string[];
  /** Default the front's environment. */
  env?: NodeJS.ProcessEnv;
  /** Shown in the `owns:` line, e.g. "next production". */
  description: string;
  callJournalDir: string | false;
  /** The front trusts a proxy in front of it (its X-Forwarded-* are passed on). */
  trustProxy: boolean;
  /** How long close() waits for the child's own shutdown before SIGKILL. */
  stopTimeoutMs: number;
  /** Delays between restarts of a child that died (ms; the last repeats). */
  restartDelaysMs?: number[];
  log: (message: string) => void;
}

const DEFAULT_RESTART_DELAYS_MS = [500, 1_000, 2_000, 4_000, 8_000, 10_000];
/** A child up this long has its next restart after the first delay again. */
const STABLE_AFTER_MS = 60_000;

interface Running {
  child: ChildProcess;
  startedAt: number;
  port?: number;
  exited: Promise<number | null>;
}

export class WebProcess {
  readonly description: string;
  private readonly secret = randomBytes(32).toString("hex");
  private readonly agent = new http.Agent({ keepAlive: true, scheduling: "lifo" });
  private running: Running | undefined;
  private target: ProxyTarget | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private restartCount = 0;

  constructor(private readonly options: WebProcessOptions) {
    this.description = `${options.description} in a child process behind a loopback proxy`;
  }

  /** The child's pid while one runs. */
  get pid(): number | undefined {
    return this.running?.child.pid;
  }

  /** Whether requests are forwarded now (a child is up and ready). */
  get ready(): boolean {
    return this.target !== undefined;
  }

  /** How many times a child that died was started again. */
  get restarts(): number {
    return this.restartCount;
  }

  /** Forks the first child and resolves once it is ready; rejects when it exits first. */
  async prepare(): Promise<void> {
    await this.spawn();
  }

  private spawn(): Promise<void> {
    const child = fork(this.options.entry, this.options.args, {
      execArgv: this.options.execArgv ?? process.execArgv,
      env: this.options.env ?? process.env,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : null))));
    const running: Running = { child, startedAt: Date.now(), exited };
    this.running = running;
    child.send({ type: "config", secret: this.secret, callJournalDir: this.options.callJournalDir } satisfies FrontMessage);
    const ready = new Promise<void>((resolve, reject) => {
      child.on("message", (message: WebChildMessage) => {
        if (message?.type === "ready" && running.port === undefined) {
          running.port = message.port;
          if (this.running === running && !this.stopping) this.target = { host: "127.0.0.1", port: message.port, agent: this.agent, secret: this.secret };
          this.options.log(`web process: pid ${child.pid} ready on 127.0.0.1:${message.port}`);
          resolve();
        } else if (message?.type === "wake-webhooks") {
          wakeWebhookWorker();
        }
      });
      void exited.then((code) => reject(new Error(`the web process exited with ${code} before it was ready`)));
    });
    child.on("error", () => {}); // IPC errors after the child is gone: its exit is what counts
    void exited.then((code) => this.onExit(running, code));
    return ready;
  }

  private onExit(running: Running, code: number | null): void {
    if (this.running !== running) return;
    this.running = undefined;
    this.target = undefined;
    // Connections to the dead child are useless; new ones go to the next child.
    this.agent.destroy();
    if (this.stopping) return;
    if (running.port !== undefined && Date.now() - running.startedAt >= STABLE_AFTER_MS) this.failures = 0;
    const delays = this.options.restartDelaysMs ?? DEFAULT_RESTART_DELAYS_MS;
    const delay = delays[Math.min(this.failures, delays.length - 1)] ?? 1_000;
    this.failures++;
    this.options.log(`web process: pid ${running.child.pid} exited with ${code}; starting it again in ${delay} ms (dashboard requests get 503 meanwhile)`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.restartCount++;
      this.spawn().catch((error: unknown) => this.options.log(`web process: restart failed: ${error instanceof Error ? error.message : String(error)}`));
    }, delay);
  }

  /** The handler the front's HTTP server calls for every request the API did not answer. */
  getRequestHandler(): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => {
      const target = this.target;
      if (!target) return answerDashboardUnavailable(req, res);
      proxyRequest(req, res, target, this.options.trustProxy, answerDashboardUnavailable);
    };
  }

  /** The front's HTTP server's `upgrade` listener (WebSockets: the dev server's HMR). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const target = this.target;
    if (!target || this.stopping) {
      socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\nRetry-After: 2\r\n\r\n");
      return;
    }
    proxyUpgrade(req, socket, head, target, this.options.trustProxy);
  }

  /**
   * Stops the child the way the front stops (it drains, flushes its call log, stops in order)
   * and waits for its exit; SIGKILL after `stopTimeoutMs` (its acknowledged calls are in its
   * journal). Rejects when the child did not exit 0.
   */
  async close(): Promise<void> {
    this.stopping = true;
    this.target = undefined;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const running = this.running;
    if (!running) return;
    if (running.child.connected) running.child.send({ type: "stop" } satisfies FrontMessage);
    else running.child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      running.exited,
      new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), this.options.stopTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.agent.destroy();
    if (code === "timeout") {
      running.child.kill("SIGKILL");
      await running.exited;
      throw new Error(`the web process did not stop within ${this.options.stopTimeoutMs} ms (killed)`);
    }
    if (code !== 0) throw new Error(`the web process exited with ${code}`);
  }
}
