/**
 * What a process owns, in what order it starts and stops. Framework-free and pure (no I/O of its
 * own): `lib/runtime/process.ts` fills it with the real components; unit tests with fakes.
 *
 * Every component belongs to a stage. Start runs the stages in START_ORDER, stop in STOP_ORDER;
 * inside a stage components start in the order they were added and stop in the reverse order.
 * Stop is not the exact reverse of start: the call-log writer is flushed as soon as nothing serves
 * requests any more (the calls were paid for), before background services are stopped.
 */

export type Stage = "pools" | "calls" | "services" | "serving";

/** pools (connections) -> calls (the call-log writer) -> services (Claude, feed, monitors, jobs) -> serving (Next, HTTP). */
export const START_ORDER: readonly Stage[] = ["pools", "calls", "services", "serving"];
/** serving (stop accepting, drain) -> calls (flush) -> services -> pools (close). */
export const STOP_ORDER: readonly Stage[] = ["serving", "calls", "services", "pools"];

export interface Component {
  /** Short unique name, e.g. "call-log writer". */
  readonly name: string;
  readonly stage: Stage;
  /** One line on what it is (pool size, mode, address); read after start, so it may report what start found. */
  describe?(): string;
  start?(): Promise<void> | void;
  stop?(): Promise<void> | void;
  /** How long stop may take before it is reported as timed out and shutdown moves on. Default 5 s. */
  stopTimeoutMs?: number;
}

export type ComponentState = "created" | "starting" | "running" | "stopping" | "stopped" | "failed";

export interface ComponentInfo {
  name: string;
  stage: Stage;
  detail: string;
  state: ComponentState;
}

export interface StopStep {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export interface StopReport {
  /** True when every component stopped without error or timeout. */
  ok: boolean;
  reason: string;
  steps: StopStep[];
  ms: number;
}

export const DEFAULT_STOP_TIMEOUT_MS = 5_000;

interface Entry {
  component: Component;
  state: ComponentState;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs `work` with a deadline; rejects with a timeout error when it does not settle in time. */
async function withDeadline(work: () => Promise<void> | void, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(work),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
        timer.unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * An ordered set of components. `start()` once, `stop()` any number of times (the same promise);
 * stop during start lets the component being started finish, skips the rest, and stops what runs.
 */
export class Lifecycle {
  private readonly entries: Entry[] = [];
  private starting: Promise<void> | undefined;
  private stopping: Promise<StopReport> | undefined;

  constructor(private readonly log: (message: string) => void = () => {}) {}

  /** Registers a component (before start). Returns it, for chaining into a field. */
  add<C extends Component>(component: C): C {
    if (this.starting) throw new Error(`Cannot add "${component.name}": the process has started`);
    if (this.entries.some((e) => e.component.name === component.name)) throw new Error(`A component named "${component.name}" is already registered`);
    this.entries.push({ component, state: "created" });
    return component;
  }

  /** True once stop() was called (or a start failed). */
  get stopRequested(): boolean {
    return this.stopping !== undefined;
  }

  /** What this process owns, in start order. */
  get components(): ComponentInfo[] {
    return this.inOrder(START_ORDER, false).map(({ component, state }) => ({
      name: component.name,
      stage: component.stage,
      detail: component.describe?.() ?? "",
      state,
    }));
  }

  private inOrder(stages: readonly Stage[], reverseWithinStage: boolean): Entry[] {
    return stages.flatMap((stage) => {
      const inStage = this.entries.filter((e) => e.component.stage === stage);
      return reverseWithinStage ? inStage.reverse() : inStage;
    });
  }

  /** Starts every component in START_ORDER. If one fails, the ones already started are stopped and the error is rethrown. */
  start(): Promise<void> {
    this.starting ??= (async () => {
      for (const entry of this.inOrder(START_ORDER, false)) {
        if (this.stopping) return;
        const { component } = entry;
        entry.state = "starting";
        const started = Date.now();
        try {
          await component.start?.();
        } catch (error) {
          entry.state = "failed";
          this.log(`${component.name} failed to start: ${message(error)}`);
          // stop() called meanwhile waits for this start to settle, then stops what runs.
          if (!this.stopping) {
            this.stopping = this.stopStarted(`${component.name} failed to start`);
            await this.stopping;
          }
          throw error;
        }
        entry.state = "running";
        const detail = component.describe?.();
        this.log(`started ${component.name}${detail ? ` (${detail})` : ""} in ${Date.now() - started} ms`);
      }
    })();
    return this.starting;
  }

  /**
   * Stops every started component in STOP_ORDER, each within its `stopTimeoutMs`. Never rejects:
   * a failing or slow component is reported and the next one is stopped anyway.
   */
  stop(reason = "stop"): Promise<StopReport> {
    this.stopping ??= (async () => {
      // A component still starting finishes first (stopping it half-started is worse); the rest are skipped.
      await this.starting?.catch(() => {});
      return this.stopStarted(reason);
    })();
    return this.stopping;
  }

  private async stopStarted(reason: string): Promise<StopReport> {
    const began = Date.now();
    const steps: StopStep[] = [];
    for (const entry of this.inOrder(STOP_ORDER, true)) {
      // A component whose start failed cleans up after itself; it is not stopped.
      if (entry.state !== "running") continue;
      const { component } = entry;
      entry.state = "stopping";
      const started = Date.now();
      const timeoutMs = component.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
      try {
        if (component.stop) await withDeadline(() => component.stop?.(), timeoutMs, `stopping ${component.name}`);
        entry.state = "stopped";
        steps.push({ name: component.name, ok: true, ms: Date.now() - started });
        this.log(`stopped ${component.name} in ${Date.now() - started} ms`);
      } catch (error) {
        entry.state = "failed";
        steps.push({ name: component.name, ok: false, ms: Date.now() - started, error: message(error) });
        this.log(`stopping ${component.name} failed: ${message(error)}`);
      }
    }
    return { ok: steps.every((s) => s.ok), reason, steps, ms: Date.now() - began };
  }
}
