import { NextResponse } from "next/server";
import { errorBody, isAppError } from "@/lib/errors";
import { unavailableAnswer } from "@/lib/errors/unavailable";

/**
 * The JSON answer of a dashboard `route.ts` (data routes) for an error it can name: an AppError
 * with its status, the database unreachable (or another unavailable service) as the one 503 +
 * Retry-After (`unavailableAnswer`, also sent by the public API and the web guard; never a 500
 * during an outage). Null for anything else: the route rethrows it (logged, 500).
 */
export function routeErrorResponse(error: unknown): NextResponse | null {
  if (isAppError(error)) return NextResponse.json(errorBody(error), { status: error.status });
  const unavailable = unavailableAnswer(error);
  if (unavailable) return NextResponse.json(unavailable.body, { status: unavailable.status, headers: unavailable.headers });
  return null;
}
