import { z } from "zod";
import { exactVersionSchema } from "@/lib/prompts/versioning";

/** The default steps: the new version's share of the label's traffic, percent. */
export const DEFAULT_STEPS = [5, 25, 50, 100] as const;
/** Default step conditions: at least 10 minutes and 100 calls of the new version per step. */
export const DEFAULT_MIN_STEP_SECONDS = 600;
export const DEFAULT_MIN_STEP_CALLS = 100;
export const MAX_STEPS = 10;

/** What a rollout guardrail watches: the failure rates (absolute increase) and the means (relative increase). */
export const ROLLOUT_GUARDRAIL_METRICS = ["error_rate", "refusal_rate", "latency", "cost_per_call"] as const;
export type RolloutGuardrailMetric = (typeof ROLLOUT_GUARDRAIL_METRICS)[number];

export const rolloutGuardrailRuleSchema = z.strictObject({
  metric: z.enum(ROLLOUT_GUARDRAIL_METRICS),
  maxIncrease: z.number().gt(0, "the allowed increase must be above 0").max(10, "the allowed increase is at most 10").meta({
    description:
      "How much worse than the current version the new one may be: rates (error_rate, refusal_rate) in absolute points as a fraction (0.05 = 5 pts), latency and cost_per_call relative (0.5 = +50 %)",
  }),
});
export type RolloutGuardrailRule = z.infer<typeof rolloutGuardrailRuleSchema>;

export const DEFAULT_ROLLOUT_RULES: RolloutGuardrailRule[] = [
  { metric: "error_rate", maxIncrease: 0.05 },
  { metric: "refusal_rate", maxIncrease: 0.05 },
  { metric: "latency", maxIncrease: 0.5 },
  { metric: "cost_per_call", maxIncrease: 0.5 },
];

export const rolloutGuardrailsSchema = z.strictObject({
  alpha: z.number().gt(0).max(0.2).default(0.01).meta({ description: "One-sided significance level of a breach (default 0.01)" }),
  minCalls: z.number().int().min(1).max(100_000).default(10).meta({ description: "Calls of the new version before any guardrail is judged (default 10)" }),
  rules: z
    .array(rolloutGuardrailRuleSchema)
    .max(ROLLOUT_GUARDRAIL_METRICS.length)
    .default(DEFAULT_ROLLOUT_RULES)
    .refine((rules) => new Set(rules.map((r) => r.metric)).size === rules.length, "one rule per metric"),
});
export type RolloutGuardrails = z.output<typeof rolloutGuardrailsSchema>;

/** Why a step list is refused, or null: 1 to 10 whole percentages, strictly increasing, within 1..100, the first below 100. */
export function stepListProblem(steps: readonly number[]): string | null {
  if (steps.length === 0) return "give at least one step";
  if (steps.length > MAX_STEPS) return `at most ${MAX_STEPS} steps`;
  for (const [i, s] of steps.entries()) {
    if (!Number.isInteger(s)) return `step ${i + 1} (${s}) is not a whole percentage`;
    if (s < 1 || s > 100) return `step ${i + 1} (${s}%) must be between 1 and 100`;
    if (i > 0 && s <= (steps[i - 1] ?? 0)) return `steps must increase: ${steps[i - 1]}% then ${s}%`;
  }
  if ((steps[0] ?? 0) >= 100) return "the first step must be below 100% (a move straight to 100% is a label move)";
  return null;
}

export const stepsSchema = z
  .array(z.number())
  .superRefine((steps, ctx) => {
    const problem = stepListProblem(steps);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .meta({ description: "The new version's share per step, percent, strictly increasing (default [5, 25, 50, 100]); after the last step the label moves" });

export const startRolloutSchema = z
  .strictObject({
    prompt: z.string().min(1).max(200).meta({ description: "Prompt name" }),
    label: z.string().min(1).max(36).default("production").meta({ description: "The label to roll the version out on" }),
    version: exactVersionSchema.meta({ description: "The published version to roll out, e.g. 1.3.0" }),
    steps: stepsSchema.default([...DEFAULT_STEPS]),
    minStepSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400)
      .nullable()
      .default(DEFAULT_MIN_STEP_SECONDS)
      .meta({ description: "A step lasts at least this long (null: no minimum time)" }),
    minStepCalls: z
      .number()
      .int()
      .min(0)
      .max(10_000_000)
      .nullable()
      .default(DEFAULT_MIN_STEP_CALLS)
      .meta({ description: "A step needs this many calls of the new version (null: no minimum)" }),
    guardrails: rolloutGuardrailsSchema.default({ alpha: 0.01, minCalls: 10, rules: DEFAULT_ROLLOUT_RULES }),
    reason: z.string().trim().max(500).default(""),
  })
  .superRefine((value, ctx) => {
    if (value.minStepSeconds === null && value.minStepCalls === null) {
      ctx.addIssue({ code: "custom", path: ["minStepSeconds"], message: "give a minimum time, a minimum number of calls, or both" });
    }
  });
export type StartRolloutInput = z.input<typeof startRolloutSchema>;
export type StartRollout = z.output<typeof startRolloutSchema>;

export const ROLLOUT_STATUSES = ["RUNNING", "PAUSED", "COMPLETED", "ROLLED_BACK", "ABORTED"] as const;
export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];
export const ACTIVE_ROLLOUT_STATUSES: readonly RolloutStatus[] = ["RUNNING", "PAUSED"];

export const ROLLOUT_EVENT_KINDS = ["started", "advanced", "paused", "resumed", "rolled_back", "completed", "aborted", "held"] as const;
export type RolloutEventKind = (typeof ROLLOUT_EVENT_KINDS)[number];

export const rolloutActionSchema = z.enum(["pause", "resume", "abort"]);
export type RolloutAction = z.infer<typeof rolloutActionSchema>;
