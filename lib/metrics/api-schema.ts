import { z } from "zod";
import { parseOrThrow } from "@/lib/errors";
import { metricsFilterSchema } from "@/lib/metrics/window";

/**
 * Zod schemas of GET /api/v1/metrics (the route parses its query with `metricsApiQuerySchema`;
 * lib/http/openapi.ts documents both): the query (the metrics filters of window.ts plus `view`)
 * and the three response shapes of `getMetricsForApi` (lib/metrics/api.ts). Kept next to the
 * types they describe.
 */
export const METRICS_VIEWS = ["overview", "prompt", "cost"] as const;

export const metricsApiQuerySchema = metricsFilterSchema.extend({
  view: z
    .preprocess((v) => (v === "" ? undefined : v), z.enum(METRICS_VIEWS).optional())
    .describe("overview (default without prompt), prompt (default with prompt) or cost"),
});
export type MetricsApiQuery = z.output<typeof metricsApiQuerySchema>;
export type MetricsApiQueryInput = z.input<typeof metricsApiQuerySchema>;

/** The 400 message of a rejected metrics query. */
export const METRICS_QUERY_ERROR = "Invalid metrics filters";

/** Parses a metrics query (query-string values); throws AppError("bad_request") with the issues. */
export function parseMetricsApiQuery(input: unknown): MetricsApiQuery {
  return parseOrThrow(metricsApiQuerySchema, input ?? {}, "bad_request", METRICS_QUERY_ERROR);
}

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
  inputTokens: z.number().int().meta({ description: "Uncached input tokens (Anthropic's input_tokens): cache reads and writes are not included" }),
  outputTokens: z.number().int(),
  cacheWriteTokens: z.number().int(),
  cacheReadTokens: z.number().int(),
  totalInputTokens: z.number().int().meta({ description: "All input tokens: inputTokens + cacheWriteTokens + cacheReadTokens" }),
  avgInputTokens: nullableNumber.meta({ description: "Uncached input tokens per call" }),
  avgTotalInputTokens: nullableNumber.meta({ description: "All input tokens (incl. cache reads and writes) per call" }),
  avgOutputTokens: nullableNumber,
});

const windowSchema = z
  .object({ from: z.string(), to: z.string(), bucketMinutes: z.number().int(), grainMinutes: z.number().int() })
  .meta({ description: "The window the figures cover, [from, to) in UTC: the range's edges rounded out to whole buckets of bucketMinutes" });

const promptViewSchema = z.object({
  view: z.literal("prompt"),
  window: windowSchema,
  prompt: z.object({ id: z.string(), name: z.string() }),
  versions: z.array(z.object({ id: z.string(), version: z.string(), status: z.string(), publishedAt: z.string().nullable() })),
  buckets: z.array(z.string()),
  series: z.array(z.object({ versionId: z.string(), version: z.string(), points: z.array(derivedMetricsSchema.nullable()) })),
  releases: z.array(z.object({ at: z.string(), label: z.string(), fromVersion: z.string().nullable(), toVersion: z.string(), toVersionId: z.string() })),
  rollouts: z
    .array(z.object({ at: z.string(), label: z.string(), kind: z.string(), percent: z.number().int(), toVersion: z.string() }))
    .describe("Canary rollout markers: started, advanced (step changes), rolled_back, completed, aborted"),
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

const leverFields = z.object({
  calls: z.number().int(),
  costMicros: z.number().int(),
  nonInteractiveCalls: z.number().int(),
  nonInteractiveShare: z.number().nullable(),
  batchedCalls: z.number().int(),
  unbatchedCalls: z.number().int(),
  unbatchedCostMicros: z.number().int(),
  batchWouldSaveMicros: z.number().int(),
  cacheSavingsMicros: z.number().int(),
  batchSavingsMicros: z.number().int(),
  routedCalls: z.number().int().meta({ description: "Calls a routing rule sent to another model than the version's own (and that model answered)" }),
  routingSavingsMicros: z.number().int().meta({
    description:
      "Realised by routing: the routed calls' tokens priced on the requested model minus on the routed one, at current prices (negative when rules send work to a dearer model)",
  }),
});

const costViewSchema = z.object({
  view: z.literal("cost"),
  window: windowSchema,
  total: costRowSchema,
  byPrompt: z.array(costRowSchema),
  byModel: z.array(costRowSchema),
  byDay: z.array(costRowSchema),
  bySource: z.array(costRowSchema),
  evaluations: z.object({
    calls: z.number().int(),
    batchCalls: z.number().int(),
    costMicros: z.number().int(),
    realtimeCostMicros: z.number().int(),
    batchSavingsMicros: z.number().int(),
    runs: z.number().int(),
  }),
  levers: z
    .object({
      total: leverFields,
      byPrompt: z.array(
        z.object({
          promptId: z.string(),
          name: z.string(),
          ...leverFields.shape,
          unpricedModels: z.array(z.string()),
          unpricedRoutedModels: z.array(z.string()),
        }),
      ),
    })
    .describe(
      "Per prompt: the share of non-interactive calls (batch, evaluations, ingested without a subject), what the batch discount would have saved on those made one by one at current prices, and the savings caching, batch and routing realised",
    ),
});

export const metricsApiResponseSchema = z.discriminatedUnion("view", [promptViewSchema, overviewViewSchema, costViewSchema]);
