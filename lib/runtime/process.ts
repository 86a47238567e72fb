/**
 * The composition root: the only place that creates the process-wide singletons of a Promptdeck
 * process, owns them, starts them in order and stops them in order (see lib/runtime/README.md).
 * Framework-free: Next is created by the entry (server.ts) and passed in as a `WebApp`.
 *
 *   const runtime = createProcessRuntime({ http: { port, hostname, web } });
 *   runtime.handleSignals();
 *   await runtime.start();
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import path from "node:path";
import { CallJournal } from "@/lib/calls/journal";
import { CallLogWriter, createCallLogPool, DEFAULT_CONCURRENCY, pgRawExecutor } from "@/lib/calls/writer";
import { callLogSinks, getCallLogWriter, registerCallLogWriter, SHUTDOWN_FLUSH_TIMEOUT_MS } from "@/lib/metrics/call-log-writer";
import { openClaudeTransport, registerClaudeTransport, type OpenedClaudeTransport } from "@/lib/claude/client";
import { createPrismaClient, registerDb, type PrismaClient } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { childLogger } from "@/lib/logger";
import { ApiV1Handler, type ApiV1Options } from "@/lib/http/api-v1";
import { refuseHostileWebRequest, webRequestProblem } from "@/lib/http/edge";
import { crossOriginActionProblem, dropUntrustedProxyHeaders, stampClientAddress } from "@/lib/http/proxy";
import { closeIfBodyUnread } from "@/lib/http/early-close";
import { registerBatchJobQueue } from "@/lib/batch-jobs/queue";
import { BatchJobWorker } from "@/lib/batch-jobs/worker";
import { registerEvalQueue } from "@/lib/evals/queue";
import { EvalWorker } from "@/lib/evals/worker";
import { WebhookWorker } from "@/lib/webhooks/worker";
import { registerRolloutQueue } from "@/lib/rollouts/queue";
import { RolloutWorker } from "@/lib/rollouts/worker";
import { EventPruner } from "@/lib/webhooks/prune";
import { RollupPruner } from "@/lib/metrics/prune";
import { CallRetentionPruner } from "@/lib/metrics/call-retention";
import { ProjectPurger } from "@/lib/projects/purge";
import { minuteRetentionDays } from "@/lib/metrics/retention";
import { getRunsInFlight } from "@/lib/runs/in-flight";
import { BatchJobQueue } from "@/lib/batch-jobs/queue";
import { EvalQueue } from "@/lib/evals/queue";
import { RolloutQueue } from "@/lib/rollouts/queue";
import { GracefulHttpServer } from "./http-server";
import { WebProcess, type WebProcessOptions } from "./web-process";
import { fromFront, FRONT_SECRET_HEADER } from "./web-proxy";
import { guardWeb } from "./web-guard";
import { Lifecycle, type Component, type ComponentInfo, type StopReport } from "./lifecycle";

const runtimeLog = childLogger({ component: "runtime" });
/** At the drain deadline, how long the aborted paid calls get to be logged (an abort ends a call at once; logging is a journal append). */
const RUN_ABORT_WAIT_MS = 3_000;

/** The web framework behind the API (Next), created by the entry that may import it. */
export interface WebApp {
  /** Listed as the component's detail, e.g. "next (production)". */
  readonly description: string;
  prepare(): Promise<void>;
  /** The request handler; called once, after prepare. */
  getRequestHandler(): (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;
  close(): Promise<void>;
}

export interface HttpOptions {
  port: number;
  hostname: string;
  /**
   * Every request the public API does not answer goes here, in this process (the web process
   * runs Next this way); without it or `webProcess` they get a JSON 404 (API-only process).
   */
  web?: WebApp;
  /**
   * The front: every request the public API does not answer, and upgrades, go to a child process
   * running the web app (lib/runtime/web-process.ts), started and stopped with this process.
   */
  webProcess?: Pick<WebProcessOptions, "entry" | "args" | "execArgv" | "env" | "description" | "restartDelaysMs">;
  /**
   * The web process behind a front: only requests carrying the front's secret are taken, and
   * their X-Forwarded-* (set by the front) are believed.
   */
  front?: { secret: string };
  /** How long shutdown waits for in-flight requests. Default PROMPTDECK_SHUTDOWN_DRAIN_MS (20 s). */
  drainTimeoutMs?: number;
}

export interface ProcessRuntimeOptions {
  /** Default DATABASE_URL (required). */
  databaseUrl?: string;
  /** Serve HTTP (the public API in front of `web`). Without it the process owns pools and the writer only (scripts). */
  http?: HttpOptions;
  /** The public API handler (with its change feed and guardrail monitor). Default: on when serving HTTP. */
  api?: ApiV1Options | false;
  /** The hourly pruners (minute rollups; events and webhook deliveries). Default: on when serving HTTP. */
  pruner?: boolean;
  /** The call-log retention pruner (Project.settings.calls.retention_days). Default: on when serving HTTP. */
  callRetention?: boolean;
  /** The purger of deleted projects' data (lib/projects/purge.ts). Default: on when serving HTTP. */
  projectPurger?: boolean;
  /** The eval worker (pg-boss jobs advancing eval runs). Default: on when serving HTTP. */
  evalWorker?: boolean;
  /** The webhook delivery worker (pg-boss jobs delivering the change feed's events to endpoints). Default: on when serving HTTP. */
  webhookWorker?: boolean;
  /** The batch-job worker (pg-boss jobs advancing apps' batch jobs through Message Batches). Default: on when serving HTTP. */
  batchJobWorker?: boolean;
  /** The rollout worker (pg-boss jobs checking active canary rollouts). Default: on when serving HTTP. */
  rolloutWorker?: boolean;
  /**
   * Register senders of the eval, batch-job and rollout queues (one connection each, no worker),
   * so work created here is queued at once for the workers of another process (the front). Default off.
   */
  queueSenders?: boolean;
  /** Open the Claude endpoint at start (the in-process simulator when there is no API key). Default: on when serving HTTP. */
  claude?: boolean;
  /** How long shutdown waits for the call-log writer's flush. Default 25 s (5 s with a journal: the rest stays in it). */
  flushTimeoutMs?: number;
  /**
   * The call log's journal directory, or false for none. Default PROMPTDECK_CALL_JOURNAL_DIR
   * ("off" = none), else <PROMPTDECK_DATA_DIR>/call-journal.
   */
  callJournalDir?: string | false;
  /** Progress lines (start, stop, what the process owns). Default: the logger (component "runtime"), info. */
  log?: (message: string) => void;
}

export interface SignalOptions {
  /** Default process.exit. */
  exit?: (code: number) => void;
  signals?: NodeJS.Signals[];
}

export interface ProcessRuntime {
  /** What this process owns, in start order, with a detail line and state each. */
  readonly components: ComponentInfo[];
  /** The process-wide Prisma client (getDb() returns it). */
  readonly db: PrismaClient;
  /** The process-wide call-log writer (getCallLogWriter() and logCall() use it). */
  readonly writer: CallLogWriter;
  /** The public API handler, when this process serves it. */
  readonly api: ApiV1Handler | undefined;
  /** `http://host:port` once the HTTP server listens (0.0.0.0 shown as localhost). */
  readonly url: string | undefined;
  /** The port the HTTP server listens on, once it does. */
  readonly port: number | undefined;
  /** The web process (the dashboard in a child process), when this process is its front. */
  readonly webProcess: WebProcess | undefined;
  /**
   * Registers another component (a background job: stage "services"). Before start only. The
   * place for it is this file, so that every process-wide thing is listed in one place.
   */
  add<C extends Component>(component: C): C;
  /** Starts everything (pools, calls, services, serving) and logs what the process owns. */
  start(): Promise<void>;
  /** The one shutdown path: serving (stop accepting, drain) -> calls (flush) -> services -> pools. Never rejects. */
  stop(reason?: string): Promise<StopReport>;
  /**
   * SIGTERM/SIGINT run stop() and then exit 0 (1 when a step failed or timed out); a second
   * signal exits 1 at once. Returns a function that removes the handlers.
   */
  handleSignals(options?: SignalOptions): () => void;
}

function displayUrl(address: AddressInfo): string {
  const host = address.address === "0.0.0.0" || address.address === "::" ? "localhost" : address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** What the queue senders need of a job queue (lib/jobs/queue.ts). */
interface SendingQueue {
  readonly isStarted: boolean;
  readonly definition: { name: string };
  start(): Promise<void>;
  stop(timeoutMs?: number): Promise<void>;
}

/** The dashboard's URL check (lib/http/edge.ts) for an upgrade request: a 400 and the socket closed. */
function refuseHostileUpgrade(req: IncomingMessage, socket: Duplex): boolean {
  if (webRequestProblem(req.url ?? "/") === null) return false;
  socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  return true;
}

const NOT_FOUND = JSON.stringify({ error: { code: "not_found", message: "Not found (this process serves the public API only)" } });

/**
 * Creates (but does not start) everything the process runs and registers the process-wide
 * singletons (Prisma client, call-log writer) so that getDb() / getCallLogWriter() return them,
 * in this module and in Next's bundled copies alike. Throws if one of them already exists.
 */
export function createProcessRuntime(options: ProcessRuntimeOptions = {}): ProcessRuntime {
  const env = getEnv();
  const databaseUrl = options.databaseUrl ?? env.DATABASE_URL;
  if (!databaseUrl) throw new Error("DATABASE_URL is not set. Start the app with `npm run demo` (embedded database) or set DATABASE_URL.");
  const log = options.log ?? ((message: string) => runtimeLog.info(message));
  const serving = options.http !== undefined;
  const lifecycle = new Lifecycle(log);

  // pools: Prisma's pg pool (every query in lib/) and the call-log writer's own pg pool.
  const db = createPrismaClient(databaseUrl, env.DATABASE_POOL_MAX);
  registerDb(db);
  lifecycle.add({ name: "database pool", stage: "pools", describe: () => `prisma on pg, max ${env.DATABASE_POOL_MAX}`, stop: () => db.$disconnect() });
  const callLogPool = createCallLogPool(databaseUrl, DEFAULT_CONCURRENCY);
  lifecycle.add({ name: "call-log pool", stage: "pools", describe: () => `pg, max ${DEFAULT_CONCURRENCY}`, stop: () => callLogPool.end() });

  // calls: the buffered writer, journaled on local disk; flushed as soon as nothing serves requests any more.
  const journalSetting = options.callJournalDir ?? env.PROMPTDECK_CALL_JOURNAL_DIR ?? path.join(env.PROMPTDECK_DATA_DIR, "call-journal");
  const journal = journalSetting === false || journalSetting === "off" ? undefined : new CallJournal({ dir: journalSetting });
  // The web process (a child) journals under <journal>/web: its own slots, never this process's
  // (which claims numbered slots under <journal> and takes over only numbered ones).
  const webJournalDir = journal ? path.join(path.resolve(journalSetting as string), "web") : false;
  const writer = new CallLogWriter({
    journal,
    ...callLogSinks(pgRawExecutor(callLogPool)),
    concurrency: DEFAULT_CONCURRENCY,
    maxBufferedBytes: env.PROMPTDECK_CALL_BUFFER_MB * 1024 * 1024,
  });
  registerCallLogWriter(writer);
  const flushTimeoutMs = options.flushTimeoutMs ?? SHUTDOWN_FLUSH_TIMEOUT_MS;
  lifecycle.add({
    name: "call-log writer",
    stage: "calls",
    describe: () =>
      `batches of ${writer.options.batchSize}, ${writer.options.concurrency} in flight, buffer ${env.PROMPTDECK_CALL_BUFFER_MB} MiB, ${journal ? `journal ${journal.directory}` : "no journal"}`,
    stopTimeoutMs: flushTimeoutMs + 1_000,
    start() {
      if (!journal) return;
      // Throws (the process does not start) when the journal directory cannot be created or locked.
      const { backlogSegments } = journal.open();
      if (backlogSegments > 0) {
        log(`call-log writer: replaying ${backlogSegments} journal segment(s) a previous process left`);
        void writer
          .replayJournal()
          .then((replayed) => log(`call-log writer: ${replayed.rows} call(s) from the journal queued for storing`))
          .catch((error: unknown) => runtimeLog.error({ err: error }, "call journal replay failed"));
      }
    },
    async stop() {
      const flushed = await writer.close({ timeoutMs: flushTimeoutMs });
      const stats = writer.stats();
      const journalStats = writer.journalStats;
      log(
        `call-log writer: ${stats.written} written, ${stats.deadLettered} dead-lettered, ${stats.refused} refused this run` +
          (journalStats ? `; ${journalStats.unsettledRows} left in the journal ${journalStats.directory} for the next start` : ""),
      );
      if (!flushed)
        throw new Error(`${stats.buffered + stats.inFlight} call(s) not written within ${flushTimeoutMs} ms${journal ? " and not in the journal" : ""}`);
    },
  });

  // services: what requests depend on and background jobs.
  if (options.claude ?? serving) {
    let opened: OpenedClaudeTransport | undefined;
    lifecycle.add({
      name: "claude",
      stage: "services",
      describe: () => opened?.description ?? "not opened",
      async start() {
        opened = await openClaudeTransport();
        registerClaudeTransport(opened);
      },
      stop: () => opened?.close(),
    });
  }
  const apiOptions = options.api ?? (serving ? {} : false);
  const api = apiOptions === false ? undefined : new ApiV1Handler({ ...apiOptions, changeFeed: apiOptions.changeFeed ?? { connectionString: databaseUrl } });
  if (api) {
    lifecycle.add({
      name: "api v1",
      stage: "services",
      describe: () => `change feed ${api.feed ? (api.feed.mode ?? "connecting") : "off"}, guardrail monitor, serving caches`,
      start: () => api.start(),
      stop: () => api.stop(),
    });
  }
  if (options.pruner ?? serving) {
    const pruner = new RollupPruner({ connectionString: databaseUrl, retentionDays: minuteRetentionDays() });
    lifecycle.add({
      name: "rollup pruner",
      stage: "services",
      describe: () => `minute rollups older than ${minuteRetentionDays()} days, hourly`,
      start: () => pruner.start(),
      stop: () => pruner.stop(),
    });
  }
  if (options.callRetention ?? serving) {
    const retention = new CallRetentionPruner({ connectionString: databaseUrl });
    lifecycle.add({
      name: "call retention",
      stage: "services",
      describe: () => "calls past their project's retention, every 15 minutes in batches of 1,000 (rollups kept)",
      start: () => retention.start(),
      stop: () => retention.stop(),
    });
  }
  if (options.projectPurger ?? serving) {
    const purger = new ProjectPurger({ connectionString: databaseUrl });
    lifecycle.add({
      name: "project purger",
      stage: "services",
      describe: () => "data of deleted projects, every 30 s in batches",
      start: () => purger.start(),
      stop: () => purger.stop(),
    });
  }

  if (options.pruner ?? serving) {
    const events = new EventPruner({ connectionString: databaseUrl });
    lifecycle.add({
      name: "event pruner",
      stage: "services",
      describe: () => `events and webhook deliveries older than ${events.retentionDays} days, hourly, in batches`,
      start: () => events.start(),
      stop: () => events.stop(),
    });
  }

  if (options.evalWorker ?? serving) {
    // Never fails the start: with the database down or not migrated yet it logs and retries.
    const worker = new EvalWorker({ connectionString: databaseUrl });
    lifecycle.add({
      name: "eval worker",
      stage: "services",
      describe: () => `pg-boss queue "eval-run", ${worker.running ? "working" : "waiting for the database"}`,
      stopTimeoutMs: 40_000,
      async start() {
        registerEvalQueue(worker.queue);
        await worker.start();
      },
      async stop() {
        registerEvalQueue(undefined);
        await worker.stop();
      },
    });
  }

  if (options.batchJobWorker ?? serving) {
    // Never fails the start: with the database down or not migrated yet it logs and retries.
    const batchJobs = new BatchJobWorker({ connectionString: databaseUrl });
    lifecycle.add({
      name: "batch job worker",
      stage: "services",
      describe: () => `pg-boss queue "batch-job", ${batchJobs.running ? "working" : "waiting for the database"}`,
      stopTimeoutMs: 40_000,
      async start() {
        registerBatchJobQueue(batchJobs.queue);
        await batchJobs.start();
      },
      async stop() {
        registerBatchJobQueue(undefined);
        await batchJobs.stop();
      },
    });
  }

  if (options.rolloutWorker ?? serving) {
    // Never fails the start: with the database down it logs and retries; its sweep resumes active rollouts.
    const rollouts = new RolloutWorker({ connectionString: databaseUrl, flush: () => getCallLogWriter().flush({ timeoutMs: 5_000 }) });
    lifecycle.add({
      name: "rollout worker",
      stage: "services",
      describe: () => `pg-boss queue "rollout-check", ${rollouts.running ? "working" : "waiting for the database"}`,
      async start() {
        registerRolloutQueue(rollouts.queue);
        await rollouts.start();
      },
      async stop() {
        registerRolloutQueue(undefined);
        await rollouts.stop();
      },
    });
  }

  if (options.queueSenders) {
    // Never fails the start: with the database down the queues are registered once they open (the
    // workers' sweeps pick up what was created meanwhile).
    const sender = <Q extends SendingQueue>(queue: Q, register: (queue: Q | undefined) => void) => ({
      queue,
      register: (on: boolean) => register(on ? queue : undefined),
    });
    const senders = [
      sender(new EvalQueue({ connectionString: databaseUrl, max: 1, supervise: false }), registerEvalQueue),
      sender(new BatchJobQueue({ connectionString: databaseUrl, max: 1, supervise: false }), registerBatchJobQueue),
      sender(new RolloutQueue({ connectionString: databaseUrl, max: 1, supervise: false }), registerRolloutQueue),
    ];
    let retry: NodeJS.Timeout | undefined;
    const open = async () => {
      let missing = 0;
      for (const { queue, register } of senders) {
        if (queue.isStarted) continue;
        try {
          await queue.start();
          register(true);
        } catch (error) {
          missing++;
          runtimeLog.warn({ err: error, queue: queue.definition.name }, "job queue sender: could not open the queue; retrying in 5 s");
        }
      }
      if (missing > 0) {
        retry = setTimeout(() => void open(), 5_000);
        retry.unref();
      }
    };
    lifecycle.add({
      name: "queue senders",
      stage: "services",
      describe: () => `${senders.map((s) => s.queue.definition.name).join(", ")} (sending only, the front's workers work them)`,
      start: () => void open(),
      async stop() {
        if (retry) clearTimeout(retry);
        for (const { queue, register } of senders) {
          register(false);
          await queue.stop(2_000);
        }
      },
    });
  }

  if (options.webhookWorker ?? serving) {
    // Never fails the start either: it sweeps for pending deliveries and retries the database.
    const webhooks = new WebhookWorker({ connectionString: databaseUrl });
    lifecycle.add({
      name: "webhook worker",
      stage: "services",
      describe: () => `pg-boss queue "webhook-delivery", ${webhooks.running ? "working" : "waiting for the database"}`,
      stopTimeoutMs: 40_000,
      start: () => webhooks.start(),
      stop: () => webhooks.stop(),
    });
  }

  // serving: the web app, then the HTTP server in front of it (so the server stops first).
  let url: string | undefined;
  let listeningPort: number | undefined;
  let webProcess: WebProcess | undefined;
  if (options.http) {
    const { port, hostname, front } = options.http;
    const drainTimeoutMs = options.http.drainTimeoutMs ?? env.PROMPTDECK_SHUTDOWN_DRAIN_MS;
    const trustProxy = front !== undefined || env.PROMPTDECK_TRUST_PROXY;
    if (options.http.webProcess) {
      webProcess = new WebProcess({
        ...options.http.webProcess,
        callJournalDir: webJournalDir,
        trustProxy,
        // The child's own shutdown: its drain (nothing is in flight by then: this process drained
        // first), flush and services, with room to spare.
        stopTimeoutMs: drainTimeoutMs + RUN_ABORT_WAIT_MS + flushTimeoutMs + 20_000,
        log,
      });
    }
    const web = options.http.web ?? webProcess;
    let handleWeb: ((req: IncomingMessage, res: ServerResponse) => Promise<void> | void) | undefined;
    if (web) {
      lifecycle.add({
        name: "web",
        stage: "serving",
        describe: () => web.description,
        async start() {
          await web.prepare();
          // A 503 "database unreachable, retrying" page instead of Next's 500 while the change feed is down.
          handleWeb = guardWeb(web.getRequestHandler(), { databaseDown: () => api?.feed?.isHealthy === false });
        },
        stopTimeoutMs: webProcess ? drainTimeoutMs + RUN_ABORT_WAIT_MS + flushTimeoutMs + 25_000 : undefined,
        stop: () => web.close(),
      });
    }
    const fallback = (req: IncomingMessage, res: ServerResponse): Promise<void> | void => {
      // The web process takes requests from its front only (another local process could reach its port).
      if (front) {
        if (!fromFront(req, front.secret)) {
          const body = JSON.stringify({ error: { code: "forbidden", message: "This port serves the front process only" } });
          const headers: Record<string, string | number> = { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(body) };
          closeIfBodyUnread(req, headers);
          res.writeHead(403, headers).end(body);
          return;
        }
        delete req.headers[FRONT_SECRET_HEADER];
      }
      // The dashboard's edge check (lib/http/edge.ts): a hostile URL never reaches Next.
      if (refuseHostileWebRequest(req, res)) return;
      // Next's server-action origin check believes X-Forwarded-Host: only a trusted proxy may set it.
      dropUntrustedProxyHeaders(req, trustProxy);
      // The sign-in endpoint counts failures per client address (lib/users/sign-in-throttle.ts).
      stampClientAddress(req, trustProxy);
      const crossOrigin = crossOriginActionProblem(req, trustProxy);
      if (crossOrigin !== null) {
        const body = JSON.stringify({ error: { code: "forbidden", message: crossOrigin } });
        const headers: Record<string, string | number> = { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(body) };
        closeIfBodyUnread(req, headers);
        res.writeHead(403, headers).end(body);
        return;
      }
      if (handleWeb) return handleWeb(req, res);
      res.writeHead(404, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(NOT_FOUND) }).end(NOT_FOUND);
    };
    const failed = (req: IncomingMessage, res: ServerResponse, error: unknown) => {
      runtimeLog.error({ err: error, method: req.method, url: req.url }, "request failed");
      if (!res.headersSent) res.writeHead(500).end();
    };
    const toWeb = (req: IncomingMessage, res: ServerResponse) => {
      try {
        const done = fallback(req, res);
        if (done) done.catch((error: unknown) => failed(req, res, error));
      } catch (error) {
        failed(req, res, error);
      }
    };
    // No promise when the API answered at once (a warm read): see createDispatcher in lib/http/route.ts.
    const http = new GracefulHttpServer(
      (req, res) => {
        const handled = api ? api.handle(req, res) : false;
        if (handled === true) return;
        if (handled === false) return toWeb(req, res);
        void handled.then((done) => (done ? undefined : toWeb(req, res)));
      },
      {
        // WebSockets (the dev server's HMR) go to the web process, past the same URL check.
        onUpgrade: webProcess
          ? (req, socket, head) => {
              if (refuseHostileUpgrade(req, socket)) return;
              webProcess!.handleUpgrade(req, socket, head);
            }
          : undefined,
      },
    );
    // In the web process, the web app attaches its own upgrade listener (Next's dev server does,
    // on its first request): an upgrade without the front's secret is dropped before it; the
    // others are closed when the server closes.
    if (front)
      http.server.prependListener("upgrade", (req: IncomingMessage, socket: Duplex) => {
        if (!fromFront(req, front.secret)) socket.destroy();
        else http.trackUpgraded(socket);
      });
    lifecycle.add({
      name: "http server",
      stage: "serving",
      describe: () => url ?? `${hostname}:${port}`,
      async start() {
        const address = await http.listen(port, hostname);
        listeningPort = address.port;
        url = displayUrl(address);
      },
      // Closing takes at most the drain deadline, the wait for aborted calls to be logged and 1 s
      // for connections still sending a request.
      stopTimeoutMs: drainTimeoutMs + RUN_ABORT_WAIT_MS + 5_000,
      async stop() {
        // Live streams never end on their own: closed first (clients resume elsewhere with Last-Event-ID).
        const streams = api?.streams.openStreams ?? 0;
        api?.closeStreams();
        if (streams > 0) log(`http server: ${streams} live stream(s) closed`);
        log(`http server: not accepting; draining ${http.inFlight} request(s) in flight (deadline ${drainTimeoutMs} ms)`);
        let cut = "";
        const result = await http.close(drainTimeoutMs, {
          // Paid calls still running at the deadline: aborted and logged (with the usage known)
          // before the call log closes, their clients answered where the connection still stands.
          beforeCutOff: async () => {
            const runs = getRunsInFlight();
            if (runs.size === 0) return;
            const aborted = await runs.abortAll("The server is shutting down: the drain deadline passed", RUN_ABORT_WAIT_MS);
            cut = `${aborted.aborted} paid call(s) aborted (${aborted.ended} logged), `;
            log(`http server: ${aborted.aborted} paid call(s) still running at the deadline aborted, ${aborted.ended} of them logged`);
          },
        });
        log(`http server: ${result.inFlightAtClose - result.abandoned} request(s) drained, ${result.refused} refused (503) in ${result.ms} ms`);
        if (!result.drained) throw new Error(`the drain deadline (${drainTimeoutMs} ms) passed: ${cut}${result.abandoned} request(s) cut off`);
      },
    });
  }

  let signalsInstalled = false;
  const runtime: ProcessRuntime = {
    get components() {
      return lifecycle.components;
    },
    db,
    writer,
    api,
    get url() {
      return url;
    },
    get port() {
      return listeningPort;
    },
    get webProcess() {
      return webProcess;
    },
    add: (component) => lifecycle.add(component),
    async start() {
      await lifecycle.start();
      if (lifecycle.stopRequested) return;
      log(`owns: ${lifecycle.components.map((c) => `${c.name} (${c.detail})`).join("; ")}`);
    },
    async stop(reason) {
      const report = await lifecycle.stop(reason);
      log(
        report.ok
          ? `stopped (${report.reason}) in ${report.ms} ms`
          : `stopped (${report.reason}) in ${report.ms} ms with errors: ${report.steps
              .filter((s) => !s.ok)
              .map((s) => `${s.name}: ${s.error}`)
              .join("; ")}`,
      );
      return report;
    },
    handleSignals(signalOptions = {}) {
      if (signalsInstalled) throw new Error("Signal handlers are already installed");
      signalsInstalled = true;
      const exit = signalOptions.exit ?? ((code: number) => process.exit(code));
      const signals = signalOptions.signals ?? ["SIGTERM", "SIGINT"];
      let received: NodeJS.Signals | undefined;
      const onSignal = (signal: NodeJS.Signals) => {
        if (received) {
          log(`${signal} during shutdown: exiting now`);
          exit(1);
          return;
        }
        received = signal;
        log(`${signal}: shutting down (a second signal exits at once)`);
        void runtime.stop(signal).then((report) => exit(report.ok ? 0 : 1));
      };
      for (const signal of signals) process.on(signal, onSignal);
      return () => {
        for (const signal of signals) process.off(signal, onSignal);
        signalsInstalled = false;
      };
    },
  };
  return runtime;
}
