import { unstable_rethrow } from "next/navigation";
import { isAppError, type AppErrorCode, type ErrorIssue } from "@/lib/errors";

/** What every prompt server action returns: never a raw exception, never a 500. */
export type ActionResult<T = undefined> =
  | { ok: true; data: T }
  | { ok: false; code: AppErrorCode | "internal"; message: string; issues?: ErrorIssue[] };

/**
 * Runs an action body and maps failures to a form message: AppErrors keep their code, message and
 * issues; Next's redirect/notFound signals are rethrown; anything else is logged in full and shown
 * as a generic message.
 */
export async function runAction<T>(body: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, data: await body() };
  } catch (error) {
    unstable_rethrow(error);
    if (isAppError(error)) {
      return { ok: false, code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) };
    }
    console.error("prompt action failed", error);
    return { ok: false, code: "internal", message: "Something went wrong on our side; try again. The error was logged." };
  }
}
