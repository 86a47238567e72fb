import { unstable_rethrow } from "next/navigation";
import { ZodError } from "zod";
import { isAppError, toIssues, type AppErrorCode, type ErrorIssue } from "@/lib/errors";
import { childLogger } from "@/lib/logger";

const log = childLogger({ component: "server-action" });

/** What every server action returns: never a raw exception, never a 500. */
export type ActionResult<T = undefined> =
  | { ok: true; data: T }
  | { ok: false; code: AppErrorCode | "internal"; message: string; issues?: ErrorIssue[] };

/**
 * Runs an action body and maps failures to a form message: AppErrors keep their code, message and
 * issues; a zod failure on the action's input is bad_request with its issues; Next's
 * redirect/notFound signals are rethrown; anything else is logged in full and shown
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
    if (error instanceof ZodError) {
      return { ok: false, code: "bad_request", message: "Invalid input", issues: toIssues(error.issues) };
    }
    log.error({ err: error }, "server action failed");
    return { ok: false, code: "internal", message: "Something went wrong on our side; try again. The error was logged." };
  }
}
