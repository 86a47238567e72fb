/**
 * The paid calls running in this process (every `runAndLog`), so a shutdown can end them on its
 * own terms: at the drain deadline the runtime aborts those still running and waits for each to be
 * logged (an aborted call is logged with the usage known, like any other) before the call log
 * flushes and closes. Without it, a call cut off at the deadline went on in the background and was
 * logged after the journal had closed: paid for, never logged.
 *
 * One registry per process, on globalThis (Next's bundled copy of this module, which runs the
 * playground's server actions, shares it). It holds no timer and no connection.
 */

interface InFlightRun {
  controller: AbortController;
  /** Resolves when the run has ended, its call logged (or refused by the log). */
  ended: Promise<void>;
  end: () => void;
}

export interface AbortRunsResult {
  /** Runs that were still going and got aborted. */
  aborted: number;
  /** Of those, how many ended (their call logged) within the wait. */
  ended: number;
}

export class RunsInFlight {
  private readonly runs = new Set<InFlightRun>();

  /** Runs going now. */
  get size(): number {
    return this.runs.size;
  }

  /**
   * Registers a run. Its `signal` aborts when `caller` does or when `abortAll` is called; call
   * `end()` once the run is over and its call logged (in a `finally`).
   */
  begin(caller?: AbortSignal): { signal: AbortSignal; end: () => void } {
    const controller = new AbortController();
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const run: InFlightRun = { controller, ended, end };
    const onCallerAbort = () => controller.abort(caller?.reason);
    if (caller?.aborted) controller.abort(caller.reason);
    else caller?.addEventListener("abort", onCallerAbort, { once: true });
    this.runs.add(run);
    return {
      signal: controller.signal,
      end: () => {
        caller?.removeEventListener("abort", onCallerAbort);
        this.runs.delete(run);
        run.end();
      },
    };
  }

  /**
   * Aborts every run still going and waits until each has ended (logged), at most `timeoutMs`.
   * Never rejects.
   */
  async abortAll(reason: string, timeoutMs: number): Promise<AbortRunsResult> {
    const runs = [...this.runs];
    if (runs.length === 0) return { aborted: 0, ended: 0 };
    let ended = 0;
    const waits = runs.map((run) => run.ended.then(() => void ended++));
    for (const run of runs) run.controller.abort(new Error(reason));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.all(waits), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    return { aborted: runs.length, ended };
  }
}

const slot = globalThis as unknown as { promptdeckRunsInFlight?: RunsInFlight };

/** This process's registry of paid calls in flight. */
export function getRunsInFlight(): RunsInFlight {
  return (slot.promptdeckRunsInFlight ??= new RunsInFlight());
}
