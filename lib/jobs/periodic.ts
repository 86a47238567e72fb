import pg from "pg";
import { childLogger } from "@/lib/logger";

export interface PeriodicTaskOptions<R> {
  /** For logs: the component name ("rollup-pruner") and the prefix of an injected log ("metrics"). */
  component: string;
  area: string;
  connectionString: string;
  /** Between passes (counted from the end of one to the start of the next). */
  intervalMs: number;
  /** The first pass, after start (not during startup). */
  firstRunAfterMs: number;
  /** The line logged after a pass, or null when it did nothing worth saying. */
  describe(result: R): string | null;
  /** What failed, for the warning ("pruning", "purging deleted projects"); the next pass retries. */
  failure: string;
  /** Replaces the process logger (tests); gets `[area] message`. */
  log?: (message: string) => void;
}

/**
 * Background housekeeping a process owns (pruners, purgers): one pass every `intervalMs` on its
 * own short-lived connection, never two at once, a failed pass logged and retried at the next.
 * Subclasses give the pass (`pass(client)`); `runOnce` runs one now (tests, and the timer).
 * stop() cancels the timer and waits for a pass in flight (a pass may check `stopped` between
 * batches to end early).
 */
export abstract class PeriodicTask<R> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  protected stopped = false;
  private readonly logger;

  constructor(private readonly periodic: PeriodicTaskOptions<R>) {
    this.logger = childLogger({ component: periodic.component });
  }

  /** One pass on `client` (connected; closed by the caller). */
  protected abstract pass(client: pg.Client): Promise<R>;

  start(): void {
    this.stopped = false;
    this.schedule(this.periodic.firstRunAfterMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass now, on a connection of its own. */
  protected async withConnection<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: this.periodic.connectionString, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  }

  /** One pass now (also what the timer runs). */
  runOnce(): Promise<R> {
    return this.withConnection((client) => this.pass(client));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then((result) => {
          const line = this.periodic.describe(result);
          if (line) this.log(line);
        })
        .catch((error: unknown) => this.log(`${this.periodic.failure} failed (will retry): ${error instanceof Error ? error.message : String(error)}`, "warn"))
        .finally(() => {
          this.running = undefined;
          this.schedule(this.periodic.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  private log(message: string, level: "info" | "warn" = "info"): void {
    if (this.periodic.log) this.periodic.log(`[${this.periodic.area}] ${message}`);
    else this.logger[level](message);
  }
}
