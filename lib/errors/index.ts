/**
 * The one error type domain code throws. Edges (route handlers, server actions) map the code to
 * an HTTP status or a form message; anything that is not an AppError is logged in full and shown
 * as a generic message.
 */
export type AppErrorCode =
  "bad_request" | "unauthorized" | "forbidden" | "not_found" | "conflict" | "payload_too_large" | "unprocessable" | "rate_limited" | "upstream";

export const httpStatusByCode: Record<AppErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  upstream: 502,
};

export interface ErrorIssue {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly details?: unknown;
  readonly issues?: ErrorIssue[];

  constructor(code: AppErrorCode, message: string, options?: { details?: unknown; issues?: ErrorIssue[] }) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.details = options?.details;
    this.issues = options?.issues;
  }

  get status(): number {
    return httpStatusByCode[this.code];
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** Converts zod issues (or anything with path/message) into our issue list. */
export function toIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): ErrorIssue[] {
  return issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}

/** The JSON body of every API error: {"error":{"code","message","issues?"}}. */
export function errorBody(error: AppError): { error: { code: AppErrorCode; message: string; issues?: ErrorIssue[] } } {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.issues && error.issues.length > 0 ? { issues: error.issues } : {}),
    },
  };
}

/**
 * Parses `value` with a zod schema; a failure throws `AppError(code, message, { issues })` with
 * one issue per problem (`message` may be computed from the issues). The edges (API routes,
 * server actions) use it so every input reaches lib already typed.
 */
export function parseOrThrow<T>(
  schema: {
    safeParse(
      value: unknown,
    ): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
  },
  value: unknown,
  code: AppErrorCode,
  message: string | ((issues: ErrorIssue[]) => string),
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = toIssues(result.error.issues);
  throw new AppError(code, typeof message === "string" ? message : message(issues), { issues });
}
