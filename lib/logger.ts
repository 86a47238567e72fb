import pino, { type Bindings, type Logger } from "pino";
import { envVar } from "@/lib/env";

/**
 * The one logger: pino, JSON lines on stdout, level LOG_LEVEL (default info; `silent` turns it
 * off). Lowest layer: imports nothing but lib/env.ts, so any module can log.
 *
 * Use `childLogger({ component: "..." })` per module (or `{ requestId }` per request) and log
 * errors as `log.error({ err }, "what failed")` so pino serialises the stack. Classes that take an
 * `onError`/`log` option keep it (tests pass their own); the default goes here.
 */
export const logger: Logger = pino({ level: envVar("LOG_LEVEL") });

/** A logger whose every line carries `bindings` (e.g. `{ component: "call-log-writer" }`, `{ requestId }`). */
export function childLogger(bindings: Bindings): Logger {
  return logger.child(bindings);
}
