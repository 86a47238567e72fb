import { z } from "zod";
import { BUCKETS, RANGES, SOURCES } from "@/lib/metrics/window";

/**
 * Zod schemas of GET /api/v1/metrics for the OpenAPI document (lib/http/openapi.ts): the query
 * (the metrics filters of window.ts plus `view`) and the three response shapes of
 * `getMetricsForApi` (lib/metrics/api.ts). Kept next to the types they describe.
 */
export const METRICS_VIEWS = ["overview", "prompt", "cost"] as const;

export const metricsApiQuerySchema = z.object({
  view: z.enum(METRICS_VIEWS).optional().describe("overview (default without prompt), prompt (default with prompt) or cost"),
  prompt: z.string().min(1).max(200).optional().describe("Prompt name (required for view=prompt)"),
  version: z.string().min(1).max(200).optional().describe('"1.2.0", "draft" (with prompt) or a version id'),
  label: z.string().min(1).max(200).optional().describe("Versions this label points to or pointed to"),
  model: z.string().min(1).max(200).optional(),
  source: z.enum(SOURCES).optional(),
  range: z.enum(RANGES).optional().describe("Default 24h; custom needs from"),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  bucket: z.enum(BUCKETS).optional().describe("Default from the range: 1m up to 2h, 1h up to 3d, 6h up to 10d, else 1d"),
});

const nullableNumber = z.number().nullable();

/** `DerivedMetrics` (lib/metrics/aggregate.ts): rates are fractions, null for a zero denominator; money in micro-dollars. */
export const derivedMetricsSchema = z.object({
  calls: z.number().int(),
  accuracy: nullableNumber,
  scored: z.number().int(),
  errorRate: nullableNumber,
  refusalRate: nullableNumber,
  invalidOutputRate: nullableNumber,
  avgOutputChars: nullableNumber,
  latencyAvgMs: nullableNumber,
  latencyP50Ms: nullableNumber,
  latencyP95Ms: nullableNumber,
  latencyP99Ms: nullableNumber,
  costMicros: z.number().int(),
  costPerCallMicros: nullableNumber,
  uncachedCostMicros: z.number().int(),
  cacheSavingsMicros: z.number().int(),
  batchSavingsMicros: z.number().int(),
  cacheHitRate: nullableNumber,
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cacheWriteTokens: z.number().int(),
  cacheReadTokens: z.number().int(),
  avgInputTokens: nullableNumber,
  avgOutputTokens: nullableNumber,
});

const windowSchema = z.object({ from: z.string(), to: z.string(), bucketMinutes: z.number().int(), grainMinutes: z.number().int() });

const promptViewSchema = z.object({
  view: z.literal("prompt"),
  window: windowSchema,
  prompt: z.object({ id: z.string(), name: z.string() }),
  versions: z.array(z.object({ id: z.string(), version: z.string(), status: z.string(), publishedAt: z.string().nullable() })),
  buckets: z.array(z.string()),
  series: z.array(z.object({ versionId: z.string(), version: z.string(), points: z.array(derivedMetricsSchema.nullable()) })),
  releases: z.array(z.object({ at: z.string(), label: z.string(), fromVersion: z.string().nullable(), toVersion: z.string(), toVersionId: z.string() })),
  table: z.array(
    z.object({
      versionId: z.string(),
      version: z.string(),
      metrics: derivedMetricsSchema,
      change: z.record(z.string(), nullableNumber).describe("Relative change of each figure against the previous version (null = n/a)"),
      previousVersion: z.string().nullable(),
    }),
  ),
  total: derivedMetricsSchema.nullable(),
});

const overviewViewSchema = z.object({
  view: z.literal("overview"),
  window: windowSchema,
  total: derivedMetricsSchema.nullable(),
  buckets: z.array(z.string()),
  points: z.array(derivedMetricsSchema.nullable()),
  byPrompt: z.array(z.object({ promptId: z.string(), prompt: z.string(), metrics: derivedMetricsSchema })),
});

const costRowSchema = z.object({
  key: z.string(),
  name: z.string(),
  calls: z.number().int(),
  costMicros: z.number().int(),
  uncachedCostMicros: z.number().int(),
  cacheSavingsMicros: z.number().int(),
  batchSavingsMicros: z.number().int(),
  batchCalls: z.number().int(),
});

const costViewSchema = z.object({
  view: z.literal("cost"),
  window: windowSchema,
  total: costRowSchema,
  byPrompt: z.array(costRowSchema),
  byModel: z.array(costRowSchema),
  byDay: z.array(costRowSchema),
});

export const metricsApiResponseSchema = z.discriminatedUnion("view", [promptViewSchema, overviewViewSchema, costViewSchema]);
