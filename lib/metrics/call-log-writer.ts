import pino from "pino";
import { callLogRowFromResult, type BodyPolicy, type CallContext } from "@/lib/calls/record";
import { CallLogWriter, createCallLogPool, pgRawExecutor, type CallLogSink } from "@/lib/calls/writer";
import type { RunResult } from "@/lib/claude/runner";
import { rollupCallLogSink } from "@/lib/metrics/rollup-sql";

/**
 * The process-wide call-log writer: lib/calls' `CallLogWriter` whose sink inserts the CallLog rows
 * and upserts their rollups in one statement (`rollupCallLogSink`), so it is composed here, on the
 * metrics side (metrics imports calls; calls never imports metrics).
 */

const globalForWriter = globalThis as unknown as { promptdeckCallLogWriter?: CallLogWriter; promptdeckCallLogSigterm?: boolean };

/** How long the SIGTERM hook waits for the flush (ms); a database that stays down cannot hold the process forever. */
export const SHUTDOWN_FLUSH_TIMEOUT_MS = 25_000;

/**
 * Installs the SIGTERM hook once: await `writer.close()`, then, if no other SIGTERM listener
 * remains, re-raise SIGTERM so the process ends as it would have (exit by signal).
 */
export function installShutdownFlush(writer: CallLogWriter): void {
  if (globalForWriter.promptdeckCallLogSigterm) return;
  globalForWriter.promptdeckCallLogSigterm = true;
  process.once("SIGTERM", () => {
    void writer.close({ timeoutMs: SHUTDOWN_FLUSH_TIMEOUT_MS }).finally(() => {
      globalForWriter.promptdeckCallLogSigterm = false;
      if (process.listenerCount("SIGTERM") === 0) process.kill(process.pid, "SIGTERM");
    });
  });
}

/**
 * The process-wide writer, with the SIGTERM flush hook installed. Its sink inserts and rolls up
 * (lib/metrics/rollup-sql.ts) over its own pg pool on DATABASE_URL (`createCallLogPool`, one
 * connection per batch in flight), not through Prisma.
 */
export function getCallLogWriter(): CallLogWriter {
  if (!globalForWriter.promptdeckCallLogWriter) {
    let sink: Promise<CallLogSink> | null = null;
    const connect = async (): Promise<CallLogSink> => {
      const { getEnv } = await import("@/lib/env");
      const url = getEnv().DATABASE_URL;
      if (!url) throw new Error("DATABASE_URL is not set: call log rows stay buffered");
      // The same statement also upserts the rollups.
      return rollupCallLogSink(pgRawExecutor(createCallLogPool(url, writer.options.concurrency)));
    };
    const writer: CallLogWriter = new CallLogWriter({
      sink: async (rows) => {
        sink ??= connect().catch((error: unknown) => {
          sink = null;
          throw error;
        });
        await (await sink)(rows);
      },
    });
    globalForWriter.promptdeckCallLogWriter = writer;
    installShutdownFlush(writer);
  }
  return globalForWriter.promptdeckCallLogWriter;
}

/**
 * Flushes and closes the process-wide writer if this process started one. For servers with their
 * own shutdown sequence, so an exit after it never cuts the flush short.
 */
export async function closeCallLogWriter(): Promise<void> {
  await globalForWriter.promptdeckCallLogWriter?.close({ timeoutMs: SHUTDOWN_FLUSH_TIMEOUT_MS });
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
    pino({ name: "calls.writer" }).error({ err: error }, "could not log a call");
    return null;
  }
}
