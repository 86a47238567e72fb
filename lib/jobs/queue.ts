import PgBoss from "pg-boss";
// @ts-expect-error pg-boss ships no types for its internal manager module (see guardJobSettlement)
import PgBossManager from "pg-boss/src/manager.js";
import { childLogger } from "@/lib/logger";

const log = childLogger({ component: "job-queue" });

const GUARDED = Symbol.for("promptdeck.pgBossSettlementGuarded");

/**
 * pg-boss 10 settles a job (`complete` after the handler returns, `fail` after it throws) without
 * awaiting the promise; with the database unreachable it rejects unhandled and Node ends the
 * process. A server died this way when PostgreSQL restarted under a running batch job (57P03 "not
 * yet accepting connections" from Manager.fail). This marks those promises handled and logs the
 * failure; callers that await them still get the rejection. The job stays active and is retried
 * once it expires (the state is in the domain's tables, so the step is idempotent).
 */
function guardJobSettlement(): void {
  const proto = (PgBossManager as { prototype?: Record<string | symbol, unknown> } | undefined)?.prototype;
  if (!proto || proto[GUARDED]) return;
  for (const name of ["complete", "fail"] as const) {
    const original = proto[name];
    if (typeof original !== "function") continue;
    const settle = function (this: unknown, ...args: unknown[]): unknown {
      const result: unknown = (original as (...a: unknown[]) => unknown).apply(this, args);
      if (result instanceof Promise)
        result.catch((error: unknown) => log.warn({ err: error, queue: args[0] }, `pg-boss could not ${name} a job; it is retried when it expires`));
      return result;
    };
    // PgBoss publishes the manager's methods under their function names (`boss[fn.name]`): the
    // wrapper must keep the original name or `boss.complete` / `boss.fail` disappear.
    Object.defineProperty(settle, "name", { value: name });
    proto[name] = settle;
  }
  proto[GUARDED] = true;
}

/**
 * A durable job queue on the app's PostgreSQL: pg-boss (its own `pgboss` schema, created on first
 * start; no binary, works on the embedded PGlite too). One instance per queue name; eval runs
 * (lib/evals/queue.ts) and webhook deliveries (lib/webhooks/worker.ts) each have one.
 *
 * Jobs carry an id of a row whose table holds the state, so a job is idempotent. The queue's
 * `stately` policy with that id as singleton key admits at most one queued and one active job per
 * row, and pg-boss hands a job to exactly one worker (`FOR UPDATE SKIP LOCKED`), so two app
 * instances never work on the same row at once. A job whose worker died is expired after
 * `expireInSeconds` and retried.
 */
export interface JobQueueOptions {
  connectionString: string;
  /** Connections of pg-boss's own pool (default 3). */
  max?: number;
  /** How often idle workers look for jobs (default 1 s). */
  pollingIntervalSeconds?: number;
  /** Run pg-boss's maintenance (expiry, archive) from this instance (default true; a queue that only sends leaves it to the workers' instances). */
  supervise?: boolean;
}

export interface QueueDefinition<T extends object> {
  name: string;
  /** The row a job is about: its singleton key. */
  key(job: T): string;
  /** A job still active after this long had its worker die (expired and retried). */
  expireInSeconds: number;
  /** Retries of a job whose handler threw (the database was down, say). */
  retryLimit: number;
  retryDelaySeconds: number;
}

export class JobQueue<T extends object> {
  readonly boss: PgBoss;
  private started = false;
  private readonly workerIds: string[] = [];

  constructor(
    readonly definition: QueueDefinition<T>,
    readonly options: JobQueueOptions,
  ) {
    guardJobSettlement();
    this.boss = new PgBoss({ connectionString: options.connectionString, max: options.max ?? 3, schedule: false, supervise: options.supervise ?? true });
    // pg-boss emits background errors (maintenance while the database is down): log, never crash.
    this.boss.on("error", (error) => log.warn({ err: error, queue: definition.name }, "pg-boss background error"));
  }

  get isStarted(): boolean {
    return this.started;
  }

  /** Installs or migrates pg-boss's schema and creates the queue (both idempotent). Throws when the database is unreachable. */
  async start(): Promise<void> {
    if (this.started) return;
    const { name, retryLimit, retryDelaySeconds, expireInSeconds } = this.definition;
    await this.boss.start();
    await this.boss.createQueue(name, { name, policy: "stately", retryLimit, retryDelay: retryDelaySeconds, expireInSeconds });
    this.started = true;
  }

  /**
   * Queues a job (to start after `delaySeconds`, or at `startAfter`). Returns the job id, or null
   * when its row already has a queued job (the singleton key refused a second one).
   */
  async send(job: T, options: { delaySeconds?: number; startAfter?: Date } = {}): Promise<string | null> {
    const delayed = options.startAfter ? options.startAfter.getTime() > Date.now() : Boolean(options.delaySeconds && options.delaySeconds > 0);
    const id = await this.boss.send(this.definition.name, job, {
      singletonKey: this.definition.key(job),
      ...(options.startAfter && delayed ? { startAfter: options.startAfter } : {}),
      ...(!options.startAfter && delayed ? { startAfter: Math.ceil(options.delaySeconds!) } : {}),
    });
    if (id && !delayed) for (const workerId of this.workerIds) this.boss.notifyWorker(workerId);
    return id;
  }

  /** Starts `concurrency` pollers; each runs one job at a time through `handler`. */
  async work(handler: (job: PgBoss.Job<T>) => Promise<void>, concurrency = 2): Promise<void> {
    const name = this.definition.name;
    for (let i = 0; i < concurrency; i++) {
      const id = await this.boss.work<T>(name, { batchSize: 1, pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 1 }, async (jobs) => {
        for (const job of jobs) {
          await handler(job);
          // pg-boss completes a job without awaiting it once this callback returns; a stop()
          // in that moment closes its pool under the queued query and the job stays active
          // (blocking the row's next job under the stately policy) until it expires. Completing
          // it here keeps it in progress until it is stored; pg-boss's own complete is then a no-op.
          await this.boss.complete(name, job.id).catch((error: unknown) => log.warn({ err: error, jobId: job.id, queue: name }, "completing a job failed"));
        }
      });
      this.workerIds.push(id);
    }
  }

  /** Stops polling, waits for active jobs (up to `timeoutMs`), closes the pool. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (!this.started) {
      await this.boss.stop({ graceful: false, wait: true, timeout: 1_000 }).catch(() => undefined);
      return;
    }
    this.started = false;
    await this.boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
  }
}

/**
 * The process's queue of one kind, registered by the process that runs its worker (lib/runtime)
 * so code that creates work (a new eval run, batch job, rollout) queues its first step at once;
 * without one, a worker's sweep picks the work up. Kept on globalThis: Next bundles a module more
 * than once, and every copy must see the queue the process registered.
 */
export function queueSlot<Q>(key: string): { register(queue: Q | undefined): void; current(): Q | undefined } {
  const slots = globalThis as unknown as Record<string, Q | undefined>;
  return {
    register: (queue) => {
      slots[key] = queue;
    },
    current: () => slots[key],
  };
}
