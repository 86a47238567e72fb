"use server";

import { z } from "zod";
import { defineAction } from "@/lib/http/server-action";
import { recordScore } from "@/lib/metrics/scores";
import { AppError } from "@/lib/errors";
import { addItemsFromCalls } from "@/lib/datasets/from-calls";
import { createDataset } from "@/lib/datasets/mutations";
import { getDatasetByName } from "@/lib/datasets/queries";
import { datasetNameSchema } from "@/lib/datasets/schemas";

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

const addToDatasetSchema = z
  .strictObject({
    callIds: z.array(z.string().min(1).max(100)).min(1, "select at least one call").max(1000),
    dataset: z.string().max(100).optional(),
    newDataset: datasetNameSchema.optional(),
  })
  .refine((v) => Boolean(v.dataset) !== Boolean(v.newDataset), "choose an existing dataset or name a new one");

/** Adds the selected calls to a dataset (existing, or created here) as a new version. Needs the editor role. */
export const addCallsToDataset = defineAction(
  { role: "EDITOR", input: addToDatasetSchema, invalidMessage: "Choose a dataset" },
  async (input, { actor, project }) => {
    const dataset = input.newDataset ? await createDataset(project.id, { name: input.newDataset }, actor) : await getDatasetByName(project.id, input.dataset!);
    if (!dataset) throw new AppError("not_found", `Dataset "${input.dataset}" does not exist`);
    const result = await addItemsFromCalls(dataset.id, input.callIds, actor);
    return { dataset: dataset.name, version: result.version, added: result.added, skipped: result.skipped };
  },
);
