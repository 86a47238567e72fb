import { z } from "zod";

/** Items one job may hold. Beyond the Message Batches limit (100,000 requests, 256 MB) the job is split into several batches. */
export const MAX_JOB_ITEMS = 250_000;
/** The caller's item id: what the results are matched by. */
export const MAX_ITEM_ID_LENGTH = 200;
/** Invalid items named in a 422 (the message gives the total). */
export const MAX_REPORTED_ITEMS = 100;

export const batchJobItemSchema = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(MAX_ITEM_ID_LENGTH)
    .optional()
    .meta({ description: 'Your id for the item (unique in the job); results carry it. Default: the item\'s position ("0", "1", ...)' }),
  variables: z.record(z.string(), z.unknown()).default({}),
});

export const batchJobInputSchema = z.strictObject({
  items: z
    .array(batchJobItemSchema)
    .min(1, "a batch job needs at least one item")
    .max(MAX_JOB_ITEMS, `a batch job holds at most ${MAX_JOB_ITEMS.toLocaleString("en-US")} items; split the work into several jobs`),
  label: z.string().min(1).max(36).optional().meta({ description: 'The label whose version renders the items (default "production")' }),
  version: z.string().min(1).max(64).optional().meta({ description: 'An exact published version ("1.2.0") instead of a label' }),
  /** Create the job with the valid items and report the others, instead of refusing the whole request. */
  skipInvalid: z.boolean().default(false),
  metadata: z.record(z.string(), z.unknown()).optional().meta({ description: "Stored with the job and on every logged call" }),
});
export type BatchJobInput = z.infer<typeof batchJobInputSchema>;

export const BATCH_JOB_STATUSES = ["queued", "running", "completed", "failed", "canceled"] as const;
export type BatchJobStatus = (typeof BATCH_JOB_STATUSES)[number];
export const ITEM_STATUSES = ["pending", "succeeded", "errored", "expired", "canceled"] as const;
export type BatchItemStatus = (typeof ITEM_STATUSES)[number];

export const resultsQuerySchema = z.strictObject({
  status: z.enum(ITEM_STATUSES).optional(),
});

export const batchJobIdSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_-]+$/, "not a batch job id"),
});
