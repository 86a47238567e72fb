import { callLogRowFromResult, type BodyPolicy, type CallContext } from "@/lib/calls/record";
import { CallLogWriter, createCallLogPool, pgRawExecutor, sqlCallLogSink, type CallLogRefusal, type CallLogSink, type RawExecutor } from "@/lib/calls/writer";
import type { RunResult } from "@/lib/claude/runner";
import { getEnv } from "@/lib/env";
import { childLogger } from "@/lib/logger";
import { rollupCallLogSink } from "@/lib/metrics/rollup-sql";

const log = childLogger({ component: "call-log-writer" });

/**
 * The process-wide call-log writer: lib/calls' `CallLogWriter` whose sink inserts the CallLog rows
 * and upserts their rollups in one statement (`rollupCallLogSink`), so it is composed here, on the
 * metrics side (metrics imports calls; calls never imports metrics).
 */

/**
 * The writer's sinks over one executor: insert + rollup, and the bare insert for a row the rollup
 * statement refuses on its own (it is stored with its links, not rolled up, and logged) instead
 * of losing its prompt/version link because a shared rollup row could not take it.
 */
export function callLogSinks(db: RawExecutor): { sink: CallLogSink; plainSink: CallLogSink } {
  return { sink: rollupCallLogSink(db), plainSink: sqlCallLogSink(db) };
}

const globalForWriter = globalThis as unknown as { promptdeckCallLogWriter?: CallLogWriter };

/** How long a shutdown waits for the flush (ms); a database that stays down cannot hold the process forever. */
export const SHUTDOWN_FLUSH_TIMEOUT_MS = 25_000;

/**
 * Makes `writer` the process-wide writer that getCallLogWriter() and logCall() use. The server's
 * composition root (lib/runtime/process.ts) creates it with its own pool, registers it before
 * anything serves, and flushes it at shutdown. The slot is on globalThis, so Next's bundled copy
 * of this module finds the same writer. Throws if another writer was created or registered first.
 */
export function registerCallLogWriter(writer: CallLogWriter): void {
  const current = globalForWriter.promptdeckCallLogWriter;
  if (current && current !== writer) {
    throw new Error("A call-log writer already exists in this process: register the root's writer before anything logs a call");
  }
  globalForWriter.promptdeckCallLogWriter = writer;
}

/**
 * The process-wide writer: the one the composition root registered (server processes), else
 * created on first use (scripts, tests). A created one's sink inserts and rolls up
 * (lib/metrics/rollup-sql.ts) over its own pg pool on DATABASE_URL (`createCallLogPool`, one
 * connection per batch in flight), not through Prisma. It does not hook signals: a process that
 * must not lose buffered rows on SIGTERM runs the composition root's shutdown (see
 * lib/runtime/README.md), or awaits `closeCallLogWriter()` before it exits.
 */
export function getCallLogWriter(): CallLogWriter {
  if (!globalForWriter.promptdeckCallLogWriter) {
    let sinks: ReturnType<typeof callLogSinks> | null = null;
    const connect = (): ReturnType<typeof callLogSinks> => {
      const url = getEnv().DATABASE_URL;
      if (!url) throw new Error("DATABASE_URL is not set: call log rows stay buffered");
      // The same statement also upserts the rollups.
      return callLogSinks(pgRawExecutor(createCallLogPool(url, writer.options.concurrency)));
    };
    const writer: CallLogWriter = new CallLogWriter({
      maxBufferedBytes: getEnv().PROMPTDECK_CALL_BUFFER_MB * 1024 * 1024,
      sink: async (rows) => {
        sinks ??= connect();
        await sinks.sink(rows);
      },
      plainSink: async (rows) => {
        sinks ??= connect();
        await sinks.plainSink(rows);
      },
    });
    globalForWriter.promptdeckCallLogWriter = writer;
  }
  return globalForWriter.promptdeckCallLogWriter;
}

/**
 * Flushes and closes the process-wide writer if this process has one (at most
 * SHUTDOWN_FLUSH_TIMEOUT_MS). For scripts that log calls without the composition root: await it
 * before exiting.
 */
export async function closeCallLogWriter(): Promise<boolean> {
  return (await globalForWriter.promptdeckCallLogWriter?.close({ timeoutMs: SHUTDOWN_FLUSH_TIMEOUT_MS })) ?? true;
}

/**
 * Logs one runner result: builds the row and enqueues it on `writer` (the process-wide one by
 * default). Returns the CallLog id, or null if the record could not be accepted. Never throws:
 * a logging failure must not fail the user's call.
 */
export function logCall(result: RunResult, context: CallContext, options: { bodies?: BodyPolicy; writer?: CallLogWriter } = {}): string | null {
  try {
    const row = callLogRowFromResult(result, context, options.bodies);
    return (options.writer ?? getCallLogWriter()).enqueue(row) ? row.id : null;
  } catch (error) {
    log.error({ err: error }, "could not log a call");
    return null;
  }
}

/** A call logged by `logCallDurably`: its id, and the refusal when it may not be acknowledged. */
export interface DurableLogOutcome {
  callId: string | null;
  refusal?: CallLogRefusal;
}

/**
 * Logs one runner result a request is about to acknowledge (the public API's /run): resolves
 * once the row may be acknowledged (see `CallLogWriter.accept`). The call was made (and paid
 * for), so the row is taken even beyond the buffer's bound (`refusal()` was checked before the
 * call); a refusal means it could not be made durable (the edge answers 503). Never rejects.
 */
export async function logCallDurably(
  result: RunResult,
  context: CallContext,
  options: { bodies?: BodyPolicy; writer?: CallLogWriter } = {},
): Promise<DurableLogOutcome> {
  let row;
  try {
    row = callLogRowFromResult(result, context, options.bodies);
  } catch (error) {
    log.error({ err: error }, "could not log a call");
    return { callId: null };
  }
  const outcome = await (options.writer ?? getCallLogWriter()).accept([row], { force: true });
  return outcome.ok ? { callId: row.id } : { callId: null, refusal: outcome.refusal };
}
