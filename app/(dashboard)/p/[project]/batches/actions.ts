"use server";

import { z } from "zod";
import { defineAction } from "@/lib/http/server-action";
import { cancelBatchJob } from "@/lib/batch-jobs/jobs";
import { batchJobIdSchema } from "@/lib/batch-jobs/schemas";

// The batch job pages' mutations: cancel (EDITOR+; viewers only read).

/** Cancels a queued or running job: submitted batches are canceled at the API, finished items are kept. */
export const cancelBatchJobAction = defineAction({ role: "EDITOR", input: z.strictObject({ id: batchJobIdSchema.shape.id }) }, async ({ id }, { project }) => ({
  status: (await cancelBatchJob(id, project.id)).status,
}));
