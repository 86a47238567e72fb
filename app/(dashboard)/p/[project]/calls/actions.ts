"use server";

import { z } from "zod";
import { isAppError } from "@/lib/errors";
import { requireRole } from "@/lib/auth/session";
import { recordScore } from "@/lib/metrics/scores";

const markSchema = z.strictObject({ projectSlug: z.string().min(1), callId: z.string().min(1), correct: z.boolean(), expected: z.string().max(100_000).optional() });

export type MarkCallResult = { ok: true; score: number } | { ok: false; error: string };

/** Marks a logged call correct or incorrect (ground truth for accuracy). Needs the editor role. */
export async function markCall(input: z.input<typeof markSchema>): Promise<MarkCallResult> {
  const parsed = markSchema.safeParse(input);
  if (!parsed.success) return { ok: false, error: "Invalid input" };
  try {
    const access = await requireRole(parsed.data.projectSlug, "EDITOR");
    const result = await recordScore(parsed.data.callId, { correct: parsed.data.correct, ...(parsed.data.expected ? { expected: parsed.data.expected } : {}) }, { projectId: access.project.id });
    return { ok: true, score: result.score };
  } catch (error) {
    if (isAppError(error)) return { ok: false, error: error.message };
    console.error("[calls] markCall failed", error);
    return { ok: false, error: "Something went wrong" };
  }
}
