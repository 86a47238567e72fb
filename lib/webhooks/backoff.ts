/** How long a delivery keeps being retried after its event: 24 hours, then it is failed. */
export const DELIVERY_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface BackoffOptions {
  /** Delay before the first retry, before jitter (default 10 s). */
  baseMs?: number;
  /** Longest delay between two attempts, before jitter (default 1 h). */
  capMs?: number;
  /** How long after the event retries stop (default 24 h). */
  windowMs?: number;
  /** [0, 1) source of jitter (default Math.random). */
  random?: () => number;
}

/**
 * The wait after the `failedAttempts`-th failed attempt (1 = after the first): exponential
 * (base x 2^(n-1), capped) with "equal jitter", a uniformly random point in the upper half, so
 * endpoints failing together do not retry together yet every wait is at least half the schedule.
 * Defaults: 5-10 s, 10-20 s, 20-40 s, ... up to 30-60 min between attempts.
 */
export function retryDelayMs(failedAttempts: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 10_000;
  const cap = options.capMs ?? 60 * 60 * 1000;
  const exponent = Math.min(Math.max(failedAttempts, 1) - 1, 30);
  const full = Math.min(cap, base * 2 ** exponent);
  const random = (options.random ?? Math.random)();
  return Math.round(full / 2 + (full / 2) * Math.min(Math.max(random, 0), 1));
}

/**
 * When to try again after `failedAttempts` failures of an event created at `eventAt`, or null
 * when that would fall outside the delivery window (the delivery is then failed for good).
 */
export function nextRetryAt(eventAt: Date, failedAttempts: number, now: Date, options: BackoffOptions = {}): Date | null {
  const at = now.getTime() + retryDelayMs(failedAttempts, options);
  if (at > eventAt.getTime() + (options.windowMs ?? DELIVERY_WINDOW_MS)) return null;
  return new Date(at);
}
