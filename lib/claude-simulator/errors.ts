/** The error types of the Anthropic API, by HTTP status. */
export type SimErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "billing_error"
  | "permission_error"
  | "not_found_error"
  | "conflict_error"
  | "request_too_large"
  | "rate_limit_error"
  | "api_error"
  | "timeout_error"
  | "overloaded_error";

const typeByStatus: Record<number, SimErrorType> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  409: "conflict_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

const defaultMessage: Record<SimErrorType, string> = {
  invalid_request_error: "Invalid request",
  authentication_error: "invalid x-api-key",
  billing_error: "Your credit balance is too low to access the Anthropic API.",
  permission_error: "Your API key does not have permission to use the specified resource.",
  not_found_error: "Not found",
  conflict_error: "Conflict",
  request_too_large: "Request exceeds the maximum allowed number of bytes.",
  rate_limit_error: "Number of request tokens has exceeded your per-minute rate limit (simulated).",
  api_error: "Internal server error",
  timeout_error: "Request timed out",
  overloaded_error: "Overloaded",
};

/** The API error type for a status (unknown 5xx are api_error, unknown 4xx invalid_request_error). */
export function errorTypeForStatus(status: number): SimErrorType {
  return typeByStatus[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

/** An error the simulator answers with the Anthropic error body and status. */
export class SimApiError extends Error {
  readonly status: number;
  readonly type: SimErrorType;
  readonly headers: Record<string, string>;

  constructor(status: number, message?: string, options: { type?: SimErrorType; headers?: Record<string, string> } = {}) {
    const type = options.type ?? errorTypeForStatus(status);
    super(message ?? defaultMessage[type]);
    this.name = "SimApiError";
    this.status = status;
    this.type = type;
    this.headers = options.headers ?? {};
  }

  /** `{"type":"error","error":{"type","message"},"request_id"}` */
  body(requestId: string): { type: "error"; error: { type: SimErrorType; message: string }; request_id: string } {
    return { type: "error", error: { type: this.type, message: this.message }, request_id: requestId };
  }
}

export const invalidRequest = (message: string): SimApiError => new SimApiError(400, message);
