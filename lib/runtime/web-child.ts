/**
 * The web process's side (see web-process.ts): run by the entry (server.ts --web) in the child
 * the front forked. It waits for the front's configuration, starts its own composition root
 * (pools, a call-log writer with its own journal directory, the Claude endpoint, the job queues'
 * senders, the web app, an HTTP server on 127.0.0.1 that only takes requests carrying the front's
 * secret; no public API, no workers or pruners: the front runs those), reports "ready", and
 * stops when the front says so or when the IPC channel closes (the front died: it never lingers).
 *
 * Signals: the front gets the same SIGINT/SIGTERM (a terminal's Ctrl-C and the launchers signal
 * the whole process group) and stops this process after its own drain, so the first signal is
 * left to it; a second one exits at once, as it does in the front.
 */
import { childLogger } from "@/lib/logger";
import { registerWebhookWake } from "@/lib/webhooks/endpoints";
import { createProcessRuntime, type ProcessRuntime, type WebApp } from "./process";
import type { FrontMessage, WebChildConfig, WebChildMessage } from "./web-process";

export interface WebChildOptions {
  /** The web app (Next), created once the configuration has arrived. */
  createWeb: () => Promise<WebApp> | WebApp;
  /** Progress lines, each prefixed "web process: ". Default the runtime's logger. */
  log?: (message: string) => void;
}

function send(message: WebChildMessage): void {
  if (process.connected) process.send?.(message);
}

/** Runs the web process (see the file comment); resolves once it serves, and exits the process when it stops. */
export async function runWebChild(options: WebChildOptions): Promise<void> {
  if (!process.send) throw new Error("--web is the dashboard's process: the front (server.ts) starts it");
  const config = await new Promise<WebChildConfig>((resolve) => {
    const onMessage = (message: FrontMessage) => {
      if (message?.type !== "config") return;
      process.off("message", onMessage);
      resolve(message);
    };
    process.on("message", onMessage);
  });
  const base = options.log ?? ((message: string) => childLogger({ component: "runtime" }).info(message));
  const log = (message: string) => base(`web process: ${message}`);
  // Set once created: a stop asked for before then exits without one.
  const own: { runtime?: ProcessRuntime } = {};
  let stopping: Promise<void> | undefined;
  const stop = (reason: string) => {
    stopping ??= (async () => {
      const report = own.runtime ? await own.runtime.stop(reason) : { ok: true };
      process.exit(report.ok ? 0 : 1);
    })();
  };
  process.on("message", (message: FrontMessage) => {
    if (message?.type === "stop") stop("asked by the front process");
  });
  process.on("disconnect", () => stop("the front process is gone"));
  let signals = 0;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      signals++;
      if (signals > 1 || !process.connected) process.exit(1);
    });
  }
  const runtime = createProcessRuntime({
    http: { port: 0, hostname: "127.0.0.1", web: await options.createWeb(), front: { secret: config.secret } },
    callJournalDir: config.callJournalDir,
    api: false,
    pruner: false,
    callRetention: false,
    projectPurger: false,
    evalWorker: false,
    batchJobWorker: false,
    rolloutWorker: false,
    webhookWorker: false,
    queueSenders: true,
    claude: true,
    log,
  });
  own.runtime = runtime;
  // The front runs the webhook worker: a delivery made here wakes it there.
  registerWebhookWake(() => send({ type: "wake-webhooks" }));
  await runtime.start();
  const port = runtime.port;
  if (stopping || port === undefined) return;
  send({ type: "ready", port });
}
