"use server";

import { z } from "zod";
import { defineAction } from "@/lib/http/server-action";
import { recordScore } from "@/lib/metrics/scores";

const markSchema = z.strictObject({
  callId: z.string().min(1).max(100),
  correct: z.boolean(),
  expected: z.string().max(100_000).optional(),
});

/** Marks a logged call correct or incorrect (ground truth for accuracy). Needs the editor role. */
export const markCall = defineAction({ role: "EDITOR", input: markSchema, invalidMessage: "Invalid input" }, async (input, { project }) => {
  const result = await recordScore(
    input.callId,
    { correct: input.correct, ...(input.expected ? { expected: input.expected } : {}) },
    { projectId: project.id },
  );
  return { score: result.score };
});
