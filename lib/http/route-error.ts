import { NextResponse } from "next/server";
import { errorBody, isAppError } from "@/lib/errors";
import { DatabaseUnavailableError, isConnectionFailure, ServiceUnavailableError } from "@/lib/errors/unavailable";

/**
 * The JSON answer of a dashboard `route.ts` (data routes) for an error it can name: an AppError
 * with its status, the database unreachable (or another unavailable service) as 503 + Retry-After
 * (never a 500 during an outage). Null for anything else: the route rethrows it (logged, 500).
 */
export function routeErrorResponse(error: unknown): NextResponse | null {
  if (isAppError(error)) return NextResponse.json(errorBody(error), { status: error.status });
  if (error instanceof ServiceUnavailableError || isConnectionFailure(error)) {
    const message = error instanceof ServiceUnavailableError ? error.message : new DatabaseUnavailableError().message;
    const retryAfter = error instanceof ServiceUnavailableError ? error.retryAfterSeconds : 1;
    return NextResponse.json(
      { error: { code: "unavailable", message } },
      { status: 503, headers: { "Retry-After": String(retryAfter), "Cache-Control": "no-store" } },
    );
  }
  return null;
}
