import { z } from "zod";
import { exactVersionSchema } from "@/lib/prompts/versioning";

/** Metrics an experiment can compare. Rates are proportions; the others are means per call. */
export const METRIC_KEYS = ["accuracy", "error_rate", "refusal_rate", "cost_per_call", "latency", "output_length"] as const;
export const metricKeySchema = z.enum(METRIC_KEYS);
export type MetricKey = z.infer<typeof metricKeySchema>;
/** What an experiment decides on unless told otherwise (the API's default and the form's starting choice): answers being right. */
export const DEFAULT_PRIMARY_METRIC: MetricKey = "accuracy";

export interface MetricInfo {
  label: string;
  kind: "rate" | "continuous";
  /** Which direction is an improvement ("neither": reported as longer/shorter, never better/worse). */
  better: "higher" | "lower" | "neither";
  unit: "percent" | "usd_micros" | "ms" | "chars";
  /** Assumed baseline (rates: proportion) for the planned sample size before any data. */
  baseline: number;
  description: string;
}

export const METRICS: Record<MetricKey, MetricInfo> = {
  accuracy: { label: "Accuracy", kind: "rate", better: "higher", unit: "percent", baseline: 0.8, description: "Mean score of scored calls (correct = 1)" },
  error_rate: {
    label: "Error rate",
    kind: "rate",
    better: "lower",
    unit: "percent",
    baseline: 0.02,
    description: "Calls that failed after retries and fallbacks",
  },
  refusal_rate: { label: "Refusal rate", kind: "rate", better: "lower", unit: "percent", baseline: 0.02, description: "Calls Claude declined to answer" },
  cost_per_call: { label: "Cost per call", kind: "continuous", better: "lower", unit: "usd_micros", baseline: 0, description: "Mean cost of answered calls" },
  latency: { label: "Latency", kind: "continuous", better: "lower", unit: "ms", baseline: 0, description: "Mean end-to-end latency of answered calls" },
  output_length: {
    label: "Output length",
    kind: "continuous",
    better: "neither",
    unit: "chars",
    baseline: 0,
    description: "Mean characters of output of answered calls",
  },
};

/** Guardrails can watch the failure rates. */
export const guardrailSchema = z.strictObject({
  metric: z.enum(["error_rate", "refusal_rate"]),
  threshold: z.number().gt(0).lt(1).meta({ description: "Pause a variant whose rate is significantly above this (0..1)" }),
});
export type Guardrail = z.infer<typeof guardrailSchema>;

export const DEFAULT_GUARDRAILS: Guardrail[] = [
  { metric: "error_rate", threshold: 0.1 },
  { metric: "refusal_rate", threshold: 0.1 },
];

/**
 * The one default minimum detectable effect: the API's defaults (`designInputSchema`), stored
 * designs that lack one (`parseDesign`) and the dashboard form's starting value
 * (`defaultEffectPercent`) all read it.
 */
export const DEFAULT_MDE = { mdeRelative: 0.1, mdeRate: 0.05 } as const;

/** The form's one effect field starts here: percentage points for a rate metric, % relative otherwise. */
export function defaultEffectPercent(metric: MetricKey): number {
  return Math.round((METRICS[metric].kind === "rate" ? DEFAULT_MDE.mdeRate : DEFAULT_MDE.mdeRelative) * 100);
}

/** The design for the form's one effect field (in the primary metric's unit); the other stays the default. */
export function designFromEffect(metric: MetricKey, percent: number): { mdeRelative: number; mdeRate: number } {
  return METRICS[metric].kind === "rate"
    ? { mdeRelative: DEFAULT_MDE.mdeRelative, mdeRate: percent / 100 }
    : { mdeRelative: percent / 100, mdeRate: DEFAULT_MDE.mdeRate };
}

/** Statistical design. The planned sample is fixed when the experiment is created (no peeking). */
export const designInputSchema = z.strictObject({
  mdeRelative: z
    .number()
    .gt(0)
    .max(10)
    .default(DEFAULT_MDE.mdeRelative)
    .meta({ description: "Minimum detectable relative change for cost, latency, output length (0.1 = 10%)" }),
  mdeRate: z
    .number()
    .gt(0)
    .lt(1)
    .default(DEFAULT_MDE.mdeRate)
    .meta({ description: "Minimum detectable absolute change for rates (0.05 = 5 percentage points)" }),
  baseline: z.number().min(0).max(1).optional().meta({ description: "Expected control rate of the primary metric (rate metrics); default per metric" }),
});
export type DesignInput = z.input<typeof designInputSchema>;

export const designSchema = z.object({
  mdeRelative: z.number(),
  mdeRate: z.number(),
  baseline: z.number().nullable(),
  alpha: z.number(),
  power: z.number(),
  plannedPerVariant: z.number().int(),
  guardrailAlpha: z.number(),
  guardrailMinCalls: z.number().int(),
  /** Bucket allocation (see assignment.ts). */
  allocation: z.record(z.string(), z.array(z.tuple([z.number().int(), z.number().int()]))).nullable(),
});
export type Design = z.infer<typeof designSchema>;

/** The control arm: the first variant. It keeps some of the label's traffic (a weight of at least 1). */
export const CONTROL_KEY = "A";

/**
 * Why a control weight of 0 is refused: the experiment would send all of the label's traffic to
 * other versions while the label (and `GET ?label=`) still names its own.
 */
export const CONTROL_WEIGHT_MESSAGE =
  "the control (variant A) needs a weight of at least 1: with 0 every call would go to other versions while the label still names its own";

const weightSchema = z.number().int("weights are whole percentages").min(0).max(100);

export const variantInputSchema = z.strictObject({
  version: exactVersionSchema.optional().meta({ description: "An exact published version such as 1.2.0" }),
  versionId: z.string().min(1).optional(),
  weight: weightSchema,
});

export const createExperimentSchema = z
  .strictObject({
    prompt: z.string().min(1).max(200).meta({ description: "Prompt name" }),
    label: z.string().min(1).max(36).default("production").meta({ description: "The label whose traffic the experiment splits" }),
    name: z.string().trim().min(1, "give the experiment a name").max(120),
    hypothesis: z.string().max(2000).default(""),
    primaryMetric: metricKeySchema.default(DEFAULT_PRIMARY_METRIC),
    variants: z.array(variantInputSchema).min(2, "an experiment needs at least 2 variants").max(6, "at most 6 variants"),
    guardrails: z.array(guardrailSchema).max(2).default(DEFAULT_GUARDRAILS),
    design: designInputSchema.default({ ...DEFAULT_MDE }),
  })
  .superRefine((value, ctx) => {
    const total = value.variants.reduce((n, v) => n + v.weight, 0);
    if (total !== 100) ctx.addIssue({ code: "custom", path: ["variants"], message: `weights must sum to 100 (they sum to ${total})` });
    if (value.variants[0]?.weight === 0) ctx.addIssue({ code: "custom", path: ["variants", 0, "weight"], message: CONTROL_WEIGHT_MESSAGE });
    value.variants.forEach((v, i) => {
      if ((v.version === undefined) === (v.versionId === undefined)) {
        ctx.addIssue({ code: "custom", path: ["variants", i, "version"], message: "give the variant's version (or versionId)" });
      }
    });
  });
export type CreateExperimentInput = z.input<typeof createExperimentSchema>;
export type CreateExperiment = z.output<typeof createExperimentSchema>;

/** New weights by variant key, e.g. {"A": 70, "B": 30}: every variant, integers summing to 100. */
export const weightsInputSchema = z
  .strictObject({
    weights: z.record(z.string().regex(/^[A-Z]$/, "variant keys are A, B, C..."), weightSchema),
  })
  .superRefine((value, ctx) => {
    const total = Object.values(value.weights).reduce((n, v) => n + v, 0);
    if (total !== 100) ctx.addIssue({ code: "custom", path: ["weights"], message: `weights must sum to 100 (they sum to ${total})` });
    if (value.weights[CONTROL_KEY] === 0) ctx.addIssue({ code: "custom", path: ["weights", CONTROL_KEY], message: CONTROL_WEIGHT_MESSAGE });
  });
export type WeightsInput = z.infer<typeof weightsInputSchema>;

export const promoteInputSchema = z.strictObject({
  variant: z
    .string()
    .regex(/^[A-Z]$/)
    .optional()
    .meta({ description: "Variant key to promote; default the recommended winner" }),
  force: z
    .boolean()
    .optional()
    .meta({ description: "Promote even when the variant's variables contract can refuse the label's callers; without it that is a 409 naming the difference" }),
  reason: z
    .string()
    .trim()
    .max(1000, "At most 1000 characters")
    .optional()
    .meta({ description: "Why, for the approver when the label is under a release rule (default: names the experiment and the variant)" }),
});
export type PromoteInput = z.infer<typeof promoteInputSchema>;

/** Calls in flight at once in a traffic run unless the request says otherwise (the dashboard never does). */
export const DEFAULT_TRAFFIC_CONCURRENCY = 4;

/** A "send traffic" request (lib/experiments/traffic.ts#startTraffic). */
export const sendTrafficSchema = z.strictObject({
  /** generate: from the variables contract; paste: JSON lines or CSV; dataset: each item of a dataset version once. */
  mode: z.enum(["generate", "paste", "dataset"]),
  count: z.coerce.number().int().min(1, "send at least 1 call").max(500, "at most 500 calls per run").default(20),
  inputs: z.string().max(2_000_000).default(""),
  concurrency: z.coerce.number().int().min(1).max(8).default(DEFAULT_TRAFFIC_CONCURRENCY),
  /** Mode dataset: the dataset's name and version (default: its latest). */
  dataset: z.string().max(100, "a dataset name has at most 100 characters").default(""),
  datasetVersion: z.coerce.number().int("a whole version number").min(1, "dataset versions start at 1").max(1_000_000_000).optional(),
});
export type SendTrafficInput = z.input<typeof sendTrafficSchema>;

export const variantKeyFor = (index: number): string => String.fromCharCode(65 + index);
