"use server";

import { z } from "zod";
import { defineAction } from "@/lib/http/server-action";
import { cancelEvalRun, createEvalRun, estimateEvalRun, evalRunInputSchema } from "@/lib/evals/runs";
import { recordReview } from "@/lib/evals/results";

// The evaluation screens' mutations: EDITOR+ (any editor reviews), one lib call each.

const id = z.string().min(1).max(100);

/** The cost of a run in both modes, before it starts (the form asks as it changes). */
export const estimateEvalRunAction = defineAction(
  { role: "EDITOR", input: evalRunInputSchema, invalidMessage: "Invalid evaluation" },
  async (input, { project }) => estimateEvalRun(input, { projectId: project.id }),
);

/** Creates the run and enqueues its job; the form then opens the run page. */
export const createEvalRunAction = defineAction(
  { role: "EDITOR", input: evalRunInputSchema, invalidMessage: "Invalid evaluation" },
  async (input, { project, actor }) => ({
    id: (await createEvalRun(input, { projectId: project.id, actor })).id,
  }),
);

export const cancelEvalRunAction = defineAction({ role: "EDITOR", input: z.strictObject({ runId: id }) }, async ({ runId }, { project, actor }) => ({
  status: (await cancelEvalRun(runId, { projectId: project.id, actor })).status,
}));

/** A person's verdict on one output (the review queue's c / i / s, with an optional note). */
export const recordReviewAction = defineAction(
  {
    role: "EDITOR",
    input: z.strictObject({
      resultId: id,
      verdict: z.enum(["correct", "incorrect", "skip"]),
      note: z.string().trim().max(2_000, "a note is at most 2,000 characters").optional(),
    }),
  },
  async ({ resultId, verdict, note }, { project, actor }) => {
    await recordReview(resultId, { verdict, ...(note ? { note } : {}) }, { projectId: project.id, actor });
    return { ok: true as const };
  },
);
