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

/** Whether an error means "could not talk to the database" (as opposed to a bug or a domain error). */
export function isConnectionFailure(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    if (current instanceof DatabaseUnavailableError) return true;
    const e = current as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
    if (typeof e.code === "string" && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|P1001|P1002|P1017|57P01|08\d\d\d)$/.test(e.code))
      return true;
    if (e.name === "PrismaClientInitializationError") return true;
    if (
      typeof e.message === "string" &&
      /connection terminated|ECONNREFUSED|ECONNRESET|timeout exceeded when trying to connect|connection refused|server closed the connection|Can't reach database|database read took longer/i.test(
        e.message,
      )
    ) {
      return true;
    }
    current = e.cause;
  }
  return false;
}
