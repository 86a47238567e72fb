import { z } from "zod";
import { AppError, toIssues } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { CallLogWriter } from "@/lib/calls/writer";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { setCallScore } from "@/lib/metrics/rollup-sql";

/**
 * Quality feedback on a logged call: a score in [0, 1] or a boolean `correct` (true = 1,
 * false = 0), optionally with the expected output.
 */
export const scoreInputSchema = z
  .strictObject({
    score: z.number().min(0).max(1).optional(),
    correct: z.boolean().optional(),
    expected: z.string().max(100_000).optional(),
  })
  .refine((v) => (v.score === undefined) !== (v.correct === undefined), "send exactly one of score (0..1) or correct (boolean)");
export type ScoreInput = z.infer<typeof scoreInputSchema>;

export interface RecordScoreOptions {
  /** Restrict to calls of this project (API keys are per project): another project's call is not_found. */
  projectId?: string;
  db?: Pick<PrismaClient, "$queryRawUnsafe">;
  /** The writer that may still hold the call: it is flushed first when the call is not found yet. */
  writer?: Pick<CallLogWriter, "flush">;
}

/**
 * Sets `score` (and `expectedOutput`) on a CallLog row and returns the stored score. A call
 * that is still in the writer's buffer is found after one flush. Throws
 * `AppError("unprocessable")` for invalid input and `AppError("not_found")` for an unknown call
 * (or one outside `projectId`).
 */
export async function recordScore(callId: string, input: unknown, options: RecordScoreOptions = {}): Promise<{ callId: string; score: number }> {
  const parsed = scoreInputSchema.safeParse(input);
  if (!parsed.success) throw new AppError("unprocessable", "Invalid score", { issues: toIssues(parsed.error.issues) });
  const score = parsed.data.score ?? (parsed.data.correct ? 1 : 0);
  const db = options.db ?? (await import("@/lib/db/client")).getDb();
  const writer = options.writer ?? getCallLogWriter();
  // The score and its delta on the call's rollups are applied in one statement.
  const update = () => setCallScore(db, callId, score, { projectId: options.projectId, expected: parsed.data.expected });
  let count = await update();
  if (count === 0) {
    await writer.flush({ timeoutMs: 5_000 });
    count = await update();
  }
  if (count === 0) throw new AppError("not_found", `Call ${callId} not found`);
  return { callId, score };
}
