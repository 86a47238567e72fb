import { z } from "zod";

/**
 * What an eval run asks to be measured: one config per evaluator, parsed at every edge (form,
 * API) and stored on `EvalRun.evaluators`. `id` names the evaluator's column in the results and
 * its key in `EvalResult.scores`. Every evaluator yields a score in [0, 1] and, through its
 * threshold, pass or fail (so pass/fail statistics and mean scores exist for all of them).
 */

const id = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, "use lowercase letters, digits, - and _");
const threshold = z.number().min(0).max(1).default(1);
const jsonPath = z
  .string()
  .min(1)
  .max(200)
  .regex(/^\$(\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*$/, "a path such as $.intent or $.items[0].id");

export const normalizationSchema = z
  .strictObject({
    trim: z.boolean().default(true),
    caseInsensitive: z.boolean().default(false),
    collapseWhitespace: z.boolean().default(false),
    stripPunctuation: z.boolean().default(false),
  })
  .default({ trim: true, caseInsensitive: false, collapseWhitespace: false, stripPunctuation: false });

export const evaluatorConfigSchema = z.discriminatedUnion("type", [
  /** The output equals the item's expected text after normalisation. */
  z.strictObject({ type: z.literal("exact_match"), id, normalize: normalizationSchema }),
  /** The output contains a value (the item's expected text when `value` is absent). */
  z.strictObject({ type: z.literal("contains"), id, value: z.string().min(1).max(10_000).optional(), caseInsensitive: z.boolean().default(false) }),
  /** The output matches a regular expression (flags limited to i, m, s, u). */
  z.strictObject({
    type: z.literal("regex"),
    id,
    pattern: z.string().min(1).max(1_000),
    flags: z
      .string()
      .regex(/^[imsu]*$/, "flags may be i, m, s, u")
      .default(""),
  }),
  /** The output parses as JSON. */
  z.strictObject({ type: z.literal("valid_json"), id }),
  /** The output parses as JSON and validates against a JSON Schema (the version's output schema when absent). */
  z.strictObject({ type: z.literal("json_schema"), id, schema: z.record(z.string(), z.unknown()).optional() }),
  /** A field of the JSON output equals the same field of the expected JSON (or `value`). */
  z.strictObject({ type: z.literal("json_field"), id, path: jsonPath, value: z.unknown().optional() }),
  /** The output (or a JSON field of it) is a number within `tolerance` of the expected number. */
  z.strictObject({
    type: z.literal("numeric"),
    id,
    path: jsonPath.optional(),
    tolerance: z.number().min(0).max(1e12).default(0),
    relative: z.boolean().default(false),
  }),
  /** Normalised Levenshtein similarity to the expected text; passes at `threshold`. */
  z.strictObject({ type: z.literal("similarity"), id, threshold: threshold.default(0.8) }),
  /**
   * Claude as judge: the rubric is a Promptdeck prompt (versioned like any other) whose output is
   * JSON `{ score: 0..1, reason: string }`. Its variables are filled from `input` (the item's
   * variables as JSON), `output` and `expected`. Runs at the batch discount when the eval does.
   */
  z.strictObject({
    type: z.literal("llm_judge"),
    id,
    prompt: z.string().min(1).max(200),
    /** Exact version or label of the rubric prompt (default "production", else the latest published). */
    version: z.string().min(1).max(100).default("production"),
    threshold: threshold.default(0.5),
  }),
]);
export type EvaluatorConfig = z.infer<typeof evaluatorConfigSchema>;
export type EvaluatorType = EvaluatorConfig["type"];

export const evaluatorListSchema = z
  .array(evaluatorConfigSchema)
  .min(1, "choose at least one evaluator")
  .max(10)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((e, i) => {
      if (seen.has(e.id)) ctx.addIssue({ code: "custom", path: [i, "id"], message: `evaluator id "${e.id}" is used twice` });
      seen.add(e.id);
    });
  });

/** One evaluator's verdict on one output, as stored in `EvalResult.scores[id]`. */
export interface EvaluatorScore {
  /** In [0, 1]; null when the evaluator could not score (e.g. no expected output, judge failed). */
  score: number | null;
  pass: boolean | null;
  /** The judge's reason, or why a code scorer failed ("expected 4, got 5"). */
  reason?: string;
  /** Why no score could be given. */
  error?: string;
}
