/**
 * A dependency the request needs is unavailable for now (the database, the call log's buffer or
 * journal). Edges answer 503 with code "unavailable", this message and `Retry-After:
 * retryAfterSeconds`; dashboard pages show the "unavailable, retrying" page.
 */
export class ServiceUnavailableError extends Error {
  readonly code = "unavailable";
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = "ServiceUnavailableError";
  }
}

/**
 * The database could not be reached (connection refused, timeout, pool error) and nothing cached
 * can answer instead. Edges answer 503 with code "unavailable" and a Retry-After.
 */
export class DatabaseUnavailableError extends ServiceUnavailableError {
  constructor(message = "The prompt store is temporarily unreachable; retry shortly", cause?: unknown) {
    super(message, 1, cause);
    this.name = "DatabaseUnavailableError";
  }
}

/**
 * SQLSTATEs that mean the database is not available right now (the request may succeed later):
 * class 08 (connection exception), 57P01 admin shutdown (a restart terminates every session),
 * 57P02 crash shutdown, 57P03 cannot connect now (starting up, shutting down, in recovery),
 * 53300 too many connections.
 */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;
const UNAVAILABLE_CODE = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|EAI_AGAIN|P1001|P1002|P1008|P1017)$/;
const OVERLOAD_TRANSACTION_TEXT = /expired transaction|in the given time|timeout/i;
const UNAVAILABLE_TEXT =
  /connection terminated|ECONNREFUSED|ECONNRESET|timeout exceeded when trying to connect|connection refused|server closed the connection|Can't reach database|database read took longer|terminating connection due to administrator command|the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)|Client has encountered a connection error/i;

/**
 * Whether an error means "could not talk to the database" (as opposed to a bug or a domain error):
 * a connection error code, a SQLSTATE of unavailability (also inside Prisma's wrappers: P2010 raw
 * query and P2039 database error carry it as "Code: `57P01`" in the message and in
 * `meta.driverAdapterError.cause.originalCode`; a PostgreSQL restart terminates sessions with
 * 57P01), Prisma's initialization error, or the message of one. Follows `cause` and
 * `meta.driverAdapterError`.
 */
export function isConnectionFailure(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.pop();
    if (!current || typeof current !== "object" || seen.has(current)) continue;
    seen.add(current);
    if (current instanceof DatabaseUnavailableError) return true;
    const e = current as {
      name?: unknown;
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      originalCode?: unknown;
      meta?: { driverAdapterError?: unknown };
    };
    if (typeof e.code === "string" && (UNAVAILABLE_CODE.test(e.code) || UNAVAILABLE_SQLSTATE.test(e.code))) return true;
    if (typeof e.originalCode === "string" && UNAVAILABLE_SQLSTATE.test(e.originalCode)) return true;
    // An overloaded database: no pooled connection in time (P2024), or a transaction that could not
    // start or finish in its time (P2028 with a timeout message; other P2028s are bugs).
    if (e.code === "P2024") return true;
    if (e.code === "P2028" && typeof e.message === "string" && OVERLOAD_TRANSACTION_TEXT.test(e.message)) return true;
    if (e.name === "PrismaClientInitializationError") return true;
    if (typeof e.message === "string") {
      const sqlstate = /Code: `([0-9A-Z]{5})`/.exec(e.message)?.[1];
      if (sqlstate && UNAVAILABLE_SQLSTATE.test(sqlstate)) return true;
      if (UNAVAILABLE_TEXT.test(e.message)) return true;
    }
    pending.push(e.cause, e.meta?.driverAdapterError);
  }
  return false;
}

/** The one 503 answer every edge sends (public API, dashboard data routes, the web guard's outage answer). */
export interface UnavailableAnswer {
  status: 503;
  headers: { "Retry-After": string; "Cache-Control": "no-store" };
  body: { error: { code: "unavailable"; message: string } };
}

/**
 * The 503 answer for an error that means a dependency is unavailable for now: a
 * `ServiceUnavailableError` (its message and `Retry-After`) or a connection failure
 * (`isConnectionFailure`: the database message, `Retry-After: 1`). Null for any other error (the
 * edge maps it otherwise). The only place the 503's code, message and headers are decided.
 */
export function unavailableAnswer(error: unknown): UnavailableAnswer | null {
  if (error instanceof ServiceUnavailableError) return answer(error.message, error.retryAfterSeconds);
  if (isConnectionFailure(error)) return answer(new DatabaseUnavailableError().message, 1);
  return null;
}

function answer(message: string, retryAfterSeconds: number): UnavailableAnswer {
  return {
    status: 503,
    headers: { "Retry-After": String(retryAfterSeconds), "Cache-Control": "no-store" },
    body: { error: { code: "unavailable", message } },
  };
}
