import { z } from "zod";
import { queryIntSchema } from "@/lib/errors/query-int";
import { httpStatusByCode } from "@/lib/errors";
import { exactVersionSchema } from "@/lib/prompts/versioning";
import {
  cacheControlSchema,
  effortSchema,
  messagesSchema,
  outputSchemaSchema,
  policySchema,
  promptNameSchema,
  serviceTierSchema,
  systemBlockRoleSchema,
  variablesSchema,
} from "@/lib/prompts/schemas";
import { routingSchema } from "@/lib/prompts/routing";
import { toolChoiceSchema, toolsSchema } from "@/lib/prompts/tools";
import { conversationTurnsSchema } from "@/lib/prompts/history";

/**
 * The zod schemas of the public API (v1 and the Langfuse-compatible reads). The route table
 * (lib/http/routes) declares them per route: request schemas are what the wrapper parses with,
 * response schemas type what the handlers send. `GET /api/v1/openapi.json` (lib/http/openapi.ts)
 * is generated from the same table, so the spec cannot drift from the code.
 */

export const errorResponseSchema = z.object({
  error: z.object({
    code: z.string().meta({ description: [...Object.keys(httpStatusByCode), "unavailable", "internal"].join(" | ") }),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

// ------------------------------------------------------------------ requests

/** `?label=` or `?version=` (exact or a semver range); both is a 400. */
export const getPromptQuerySchema = z.strictObject({
  label: z.string().min(1).max(36).optional().meta({ description: "Label to resolve (default production)" }),
  version: z.string().min(1).max(64).optional().meta({ description: "Exact version (1.2.0) or semver range (^1.2)" }),
});
export type GetPromptQuery = z.infer<typeof getPromptQuerySchema>;

export const listPromptsQuerySchema = z.strictObject({
  page: queryIntSchema(z.number().int().min(1).max(100_000).default(1)),
  limit: queryIntSchema(z.number().int().min(1).max(200).default(50)),
  search: z.string().max(128).optional(),
});
export type ListPromptsQuery = z.infer<typeof listPromptsQuerySchema>;

export const renderBodySchema = z.strictObject({
  variables: z.record(z.string(), z.unknown()).default({}),
  label: z.string().min(1).max(36).optional(),
  version: z.string().min(1).max(64).optional(),
  metadata: z
    .record(z.string(), z.unknown())
    .optional()
    .meta({ description: "Request metadata the version's routing rules may test (as on /run); nothing is stored" }),
});
export type RenderBody = z.infer<typeof renderBodySchema>;

export const runBodySchema = z.strictObject({
  variables: z.record(z.string(), z.unknown()).default({}),
  label: z.string().min(1).max(36).optional(),
  version: z.string().min(1).max(64).optional(),
  subject: z.string().min(1).max(256).optional().meta({ description: "End-user id (only its SHA-256 is stored)" }),
  metadata: z.record(z.string(), z.unknown()).optional(),
  continuation: conversationTurnsSchema.optional().meta({
    description:
      "Turns after the rendered ones, to continue a tool conversation: the previous answer as an assistant turn (its `content` blocks), then a user turn of tool_result blocks answering each tool_use; repeat for later rounds. Pass `version` (the first answer's) so every round runs the same version. Checked like chat history: 422 naming each problem (continuation.<i>...)",
  }),
});
export type RunBody = z.infer<typeof runBodySchema>;

const toolCallSchema = z.object({ id: z.string(), name: z.string(), input: z.unknown() });
const toolCallReportSchema = toolCallSchema.extend({
  valid: z.boolean().meta({ description: "Whether the input fits the tool's input_schema" }),
  problems: z.array(z.string()).meta({ description: "What does not fit; [] when valid" }),
});

export const runResponseSchema = z.object({
  callId: z.string().nullable().meta({ description: "Id for POST /api/v1/calls/{id}/score" }),
  name: z.string(),
  version: z.string(),
  variant: z.string().nullable(),
  status: z.enum(["ok", "refusal", "invalid_output"]),
  output: z.string(),
  parsed: z.unknown().optional(),
  model: z.string(),
  requestedModel: z.string(),
  routedModel: z.string().nullable().meta({ description: "The model the version's routing rules picked (null when the version has no rules)" }),
  routingRule: z
    .string()
    .nullable()
    .meta({ description: 'The routing rule that fired ("default" when none matched and the version\'s model answered; null without routing)' }),
  stopReason: z.string().nullable(),
  usage: z.object({
    inputTokens: z.number(),
    outputTokens: z.number(),
    cacheWriteTokens: z.number(),
    cacheWrite1hTokens: z.number(),
    cacheReadTokens: z.number(),
  }),
  costMicros: z.number().int(),
  latencyMs: z.number().int(),
  attempts: z.number().int(),
  fallbackUsed: z.string().nullable(),
  simulated: z.boolean(),
  content: z
    .array(
      z.union([
        z.object({ type: z.literal("text"), text: z.string() }),
        z.object({ type: z.literal("tool_use"), id: z.string(), name: z.string(), input: z.unknown() }),
      ]),
    )
    .meta({ description: "The answer's text and tool_use blocks: send them back as the assistant turn of `continuation`" }),
  toolCalls: z
    .array(toolCallReportSchema)
    .meta({ description: "The answer's tool calls (stopReason \"tool_use\"), each input validated against its tool's input_schema; [] when none" }),
  toolRepairs: z.array(z.object({ model: z.string(), calls: z.array(toolCallSchema.extend({ problems: z.array(z.string()) })) })).meta({
    description: "Repair retries: an answer whose tool inputs broke their schemas was sent the problems as error tool_results and asked again; [] when none",
  }),
});

export const ingestResponseSchema = z.object({
  accepted: z.number().int(),
  rejected: z.number().int(),
  results: z.array(
    z.union([
      z.object({ index: z.number().int(), id: z.string() }),
      z.object({
        index: z.number().int(),
        error: z.object({ code: z.string(), message: z.string(), issues: z.array(z.object({ path: z.string(), message: z.string() })).optional() }),
      }),
    ]),
  ),
});

export const scoreResponseSchema = z.object({ callId: z.string(), score: z.number() });

export const moveLabelBodySchema = z.strictObject({
  version: exactVersionSchema.meta({ description: "An exact published version such as 1.2.0" }),
  reason: z.string().max(500).optional(),
  force: z.boolean().optional().meta({
    description:
      "Move even when the target's variables contract can refuse the label's callers (a variable removed, a type change, a newly required variable, enum values removed); without it such a move is a 409 naming the difference",
  }),
});
export type MoveLabelBody = z.infer<typeof moveLabelBodySchema>;

const documentSystemBlockSchema = z.object({
  type: z.literal("text"),
  text: z.string(),
  role: systemBlockRoleSchema.optional(),
  cache_control: cacheControlSchema.optional(),
});

const documentRequestSchema = z.object({
  model: z.string(),
  max_tokens: z.number().int(),
  system: z.union([z.string(), z.array(documentSystemBlockSchema)]).optional(),
  messages: messagesSchema,
  stop_sequences: z.array(z.string()).optional(),
  output_config: z.object({ effort: effortSchema }).optional(),
  service_tier: serviceTierSchema.optional(),
  tools: toolsSchema.optional().meta({ description: "Tool definitions (name, description, input_schema); cache_control allowed on the last tool" }),
  tool_choice: toolChoiceSchema.optional(),
});

const routingDocSchema = routingSchema.meta({
  description:
    'Model routing: rules in order, each { name, when: [conditions], model }; the first rule whose conditions all hold picks the model, else request.model. Conditions: { signal: "input_tokens", op: "<"|"<="|">"|">=", value } (the rendered input\'s estimated tokens), { signal: "variable", name, op: "equals"|"in"|"matches", value }, { signal: "metadata", key, op, value } (the run\'s metadata). Unknown models or variables and rules that can never fire are refused (422 with the path)',
});

/**
 * Body of `POST /api/v1/prompts/{name}/versions` (documentation form; the route parses the outer
 * shape with `versionDocumentBodySchema` and lib/serving/writes.ts applies the same shapes plus the
 * model catalog and the variables contract).
 */
export const versionDocumentInputSchema = z
  .strictObject({
    name: z.string().optional(),
    version: z.string().optional().meta({ description: "Exact version to publish as (>= the proposed one)" }),
    bump: z.enum(["major", "minor", "patch"]).optional().meta({ description: "Raise the proposed bump" }),
    publish: z.boolean().optional().meta({ description: "Publish at once (default false: save as the draft)" }),
    kind: z.enum(["prompt", "snippet"]).optional().meta({
      description:
        "When the write creates the prompt: \"snippet\" makes a snippet, whose user turn's text blocks other prompts include with {{> name@label}}; an existing prompt's kind cannot change",
    }),
    changelog: z.string().max(2000).optional().meta({ description: "Required to publish" }),
    acknowledged_variable_breakpoints: z.array(z.string()).optional().meta({
      description:
        "Breakpoint locations (as a 422 names them, e.g. system.1) where a {{variable}} before the breakpoint is accepted; omitted: the draft keeps its acknowledgements",
    }),
    request: documentRequestSchema,
    variables: variablesSchema.optional(),
    output: outputSchemaSchema.optional(),
    policy: policySchema.optional(),
    routing: routingDocSchema.optional(),
  })
  .meta({ id: "VersionDocumentInput" });

// ------------------------------------------------------------------ responses

export const versionDocumentSchema = z
  .object({
    name: z.string(),
    version: z.string().meta({ description: 'major.minor.patch, or "draft"' }),
    labels: z.array(z.string()),
    changelog: z.string(),
    request: documentRequestSchema.extend({ system: z.array(documentSystemBlockSchema) }),
    variables: variablesSchema,
    output: outputSchemaSchema,
    policy: policySchema,
    routing: routingDocSchema.optional(),
    snippets: z
      .array(
        z.object({
          include: z.string().meta({ description: "The include as written, name@label or name@1.2.0" }),
          name: z.string(),
          version: z.string().meta({ description: "The exact snippet version pinned at publish" }),
          text: z.string().meta({ description: "The pinned text that replaces the include when rendering" }),
          variables: variablesSchema.meta({ description: "The snippet's variables; they join the prompt's contract" }),
        }),
      )
      .optional()
      .meta({ description: "Read-only: the snippet includes ({{> name@label}}) of a published version, each pinned to an exact version" }),
    etag: z.string().optional(),
  })
  .meta({ id: "VersionDocument" });

export const writeVersionResponseSchema = versionDocumentSchema
  .extend({
    status: z.enum(["draft", "published"]),
    created: z.boolean().meta({ description: "Whether the prompt was created by this call" }),
    warnings: z.array(z.object({ path: z.string(), message: z.string() })),
  })
  .meta({ id: "WriteVersionResponse" });

export const promptListResponseSchema = z.object({
  data: z.array(
    z.object({
      name: z.string(),
      description: z.string(),
      tags: z.array(z.string()),
      latestVersion: z.string().nullable(),
      versionCount: z.number().int(),
      hasDraft: z.boolean(),
      updatedAt: z.string(),
      labels: z.array(z.object({ name: z.string(), version: z.string(), protected: z.boolean() })),
    }),
  ),
  pagination: z.object({ page: z.number().int(), limit: z.number().int(), total: z.number().int(), totalPages: z.number().int() }),
});

const renderedBlockSchema = z.object({ type: z.literal("text"), text: z.string(), cache_control: cacheControlSchema.optional() });
// Chat history (a `messages` variable) may bring tool calls and their results into the turns.
const renderedContentBlockSchema = z.union([
  renderedBlockSchema,
  z.object({
    type: z.literal("tool_use"),
    id: z.string(),
    name: z.string(),
    input: z.record(z.string(), z.unknown()),
    cache_control: cacheControlSchema.optional(),
  }),
  z.object({
    type: z.literal("tool_result"),
    tool_use_id: z.string(),
    content: z.union([z.string(), z.array(z.object({ type: z.literal("text"), text: z.string() }))]).optional(),
    is_error: z.boolean().optional(),
    cache_control: cacheControlSchema.optional(),
  }),
]);
export const renderResponseSchema = z.object({
  name: z.string(),
  version: z.string(),
  etag: z.string(),
  routing: z
    .object({
      requestedModel: z.string().meta({ description: "The version's own model" }),
      routedModel: z.string().meta({ description: "The model the rules picked for these variables (request.model)" }),
      rule: z.string().meta({ description: 'The rule that fired, or "default" when none did' }),
      inputTokens: z.number().int().meta({ description: "The input-token estimate the rules compared" }),
    })
    .nullable()
    .meta({ description: "The version's model routing for these variables and metadata (null when it has no rules)" }),
  request: z
    .object({
      model: z.string(),
      max_tokens: z.number().int(),
      system: z.array(renderedBlockSchema).optional(),
      messages: z.array(z.object({ role: z.enum(["user", "assistant"]), content: z.array(renderedContentBlockSchema) })),
      stop_sequences: z.array(z.string()).optional(),
      output_config: z.object({ effort: effortSchema }).optional(),
      service_tier: serviceTierSchema.optional(),
      tools: toolsSchema.optional(),
      tool_choice: toolChoiceSchema.optional(),
    })
    .meta({ description: "Messages API parameters, ready to send" }),
});

export const moveLabelResponseSchema = z.object({ name: z.string(), label: z.string(), version: z.string(), protected: z.boolean() });

// ------------------------------------------------------------------ release requests

const costSideSchema = z.object({
  version: z.string(),
  model: z.string(),
  previewMicros: z.number().nullable().meta({ description: "Cost preview per call (micro-dollars) at the evidence's hit rate and output tokens" }),
  loggedMicros: z.number().nullable().meta({ description: "Mean cost of the version's logged calls in the window" }),
  loggedCalls: z.number(),
});

/** The evidence stored with a request (`diff` is the structured version diff, null for a new label). */
export const releaseEvidenceSchema = z.object({
  label: z.string(),
  from: z.object({ versionId: z.string(), version: z.string() }).nullable(),
  to: z.object({ versionId: z.string(), version: z.string() }),
  diff: z
    .record(z.string(), z.unknown())
    .nullable()
    .meta({ description: "Structured diff against what the label serves (system, messages, variables, modelConfig, output, policy)" }),
  semver: z.object({ bump: z.enum(["major", "minor", "patch"]), reasons: z.array(z.string()) }).nullable(),
  contract: z.object({
    from: z.string().nullable(),
    to: z.string(),
    breaking: z.array(z.object({ variable: z.string(), message: z.string() }).loose()),
    changes: z.array(z.object({ variable: z.string(), message: z.string(), breaking: z.boolean() }).loose()),
    recentCalls: z.object({ checked: z.number(), incompatible: z.number() }).loose(),
  }),
  eval: z
    .object({
      runId: z.string(),
      display: z.string(),
      endedAt: z.string(),
      score: z.number().nullable(),
      passRate: z.number().nullable(),
      items: z.number().nullable(),
      regressions: z.number().nullable(),
      gatePassed: z.boolean().nullable(),
      gateReasons: z.array(z.string()),
    })
    .nullable(),
  gate: z.object({ status: z.string(), allowed: z.boolean(), message: z.string() }),
  cost: z.object({ before: costSideSchema.nullable(), after: costSideSchema, hitRate: z.number(), outputTokens: z.number(), days: z.number() }),
});

export const releaseRequestResponseSchema = z.object({
  id: z.string(),
  prompt: z.string(),
  label: z.string(),
  version: z.string(),
  fromVersion: z.string().nullable().meta({ description: "What the label served when the request was made (null: a new label)" }),
  reason: z.string(),
  force: z.boolean(),
  mode: z.enum(["move", "rollout", "promote"]).meta({
    description:
      "What approval does: move the label; start a canary rollout (its last step moves the label); end the experiment and move the label to its variant",
  }),
  rollout: z
    .object({ steps: z.array(z.number().int()), minStepSeconds: z.number().int().nullable(), minStepCalls: z.number().int().nullable() })
    .nullable()
    .meta({ description: "The rollout approval starts (mode rollout), else null" }),
  experiment: z
    .object({ id: z.string(), name: z.string(), variant: z.string() })
    .nullable()
    .meta({ description: "The experiment and variant approval promotes (mode promote), else null" }),
  status: z.enum(["open", "approved", "rejected"]),
  requestedBy: z.string(),
  createdAt: z.string(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  decisionComment: z.string().nullable(),
  evidence: releaseEvidenceSchema,
});
export const releaseRequestListResponseSchema = z.object({ data: z.array(releaseRequestResponseSchema.omit({ evidence: true })) });
export const releaseRequestListQuerySchema = z.strictObject({
  status: z.enum(["open", "approved", "rejected"]).optional(),
  prompt: z.string().min(1).max(200).optional().meta({ description: "Only this prompt's requests" }),
});
export const approveReleaseBodySchema = z.strictObject({ comment: z.string().max(2000).optional() });
export const approveReleaseResponseSchema = releaseRequestResponseSchema.extend({
  rolloutId: z.string().nullable().meta({ description: "The rollout the approval started (mode rollout), else null" }),
});
export const rejectReleaseBodySchema = z.strictObject({ comment: z.string().min(1, "Say why you reject the request").max(2000) });

export const promptArchiveResponseSchema = z.object({
  name: z.string(),
  archived: z.boolean(),
  archivedAt: z.string().nullable().meta({ description: "When it was archived (ISO 8601); null once restored" }),
});
export const deletePromptQuerySchema = z.strictObject({
  confirm: z.string().max(200).meta({ description: "The prompt's name again, confirming the deletion" }),
});
export const deletePromptResponseSchema = z.object({ name: z.string(), deleted: z.literal(true) });

// ------------------------------------------------------------------ Langfuse-compatible

export const langfuseGetQuerySchema = z.strictObject({
  label: z.string().min(1).max(36).optional(),
  version: queryIntSchema(z.number().int().min(1).optional()),
  // Sent by some Langfuse SDK versions; accepted and ignored.
  resolve: z.string().optional(),
});

export const langfuseListQuerySchema = z.strictObject({
  name: z.string().optional(),
  label: z.string().optional(),
  tag: z.string().optional(),
  page: queryIntSchema(z.number().int().min(1).default(1)),
  limit: queryIntSchema(z.number().int().min(1).max(100).default(50)),
  fromUpdatedAt: z.string().optional(),
  toUpdatedAt: z.string().optional(),
});
export type LangfuseListQuery = z.infer<typeof langfuseListQuerySchema>;

export const langfuseChatPromptSchema = z.object({
  id: z.string(),
  projectId: z.string(),
  name: z.string(),
  version: z.number().int(),
  type: z.literal("chat"),
  prompt: z.array(
    z.union([
      z.object({ role: z.string(), content: z.string() }),
      z
        .object({ type: z.literal("placeholder"), name: z.string() })
        .meta({ description: "Chat history (a messages variable), filled by compile(vars, placeholders)" }),
    ]),
  ),
  config: z.record(z.string(), z.unknown()),
  labels: z.array(z.string()),
  tags: z.array(z.string()),
  commitMessage: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.string(),
  isActive: z.null(),
  resolutionGraph: z.null(),
});

export const langfuseListResponseSchema = z.object({
  data: z.array(
    z.object({
      name: z.string(),
      type: z.literal("chat"),
      versions: z.array(z.number().int()),
      labels: z.array(z.string()),
      tags: z.array(z.string()),
      lastUpdatedAt: z.string(),
      lastConfig: z.record(z.string(), z.unknown()),
    }),
  ),
  meta: z.object({ page: z.number().int(), limit: z.number().int(), totalItems: z.number().int(), totalPages: z.number().int() }),
});

// ------------------------------------------------------------------ experiments (lib/experiments)

export {
  createExperimentSchema as createExperimentBodySchema,
  weightsInputSchema as experimentWeightsBodySchema,
  promoteInputSchema as promoteExperimentBodySchema,
} from "@/lib/experiments/schemas";

const intervalSchema = z.object({ low: z.number(), high: z.number() }).nullable();

export const experimentResponseSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    hypothesis: z.string(),
    status: z.enum(["DRAFT", "RUNNING", "PAUSED", "COMPLETED"]),
    prompt: z.object({ id: z.string(), name: z.string() }),
    label: z.string(),
    primaryMetric: z.string(),
    guardrails: z.array(z.object({ metric: z.string(), threshold: z.number() })),
    design: z
      .object({
        mdeRelative: z.number(),
        mdeRate: z.number(),
        baseline: z.number().nullable(),
        alpha: z.number(),
        power: z.number(),
        plannedPerVariant: z.number().int(),
      })
      .passthrough(),
    variants: z.array(
      z.object({
        id: z.string(),
        key: z.string(),
        versionId: z.string(),
        version: z.string(),
        weight: z.number().int(),
        paused: z.boolean(),
        pausedAt: z.string().nullable(),
        pausedReason: z.string().nullable(),
      }),
    ),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    winnerVariantId: z.string().nullable(),
  })
  .meta({ id: "Experiment" });

const metricResultSchema = z.object({
  metric: z.string(),
  n: z.number().int(),
  mean: z.number().nullable(),
  ci: intervalSchema,
  comparison: z
    .object({
      test: z.enum(["two-proportion z", "welch t"]),
      difference: z.number(),
      differenceCi: intervalSchema,
      statistic: z.number(),
      df: z.number().nullable(),
      pValue: z
        .number()
        .meta({ description: "Two-sided; Holm–Bonferroni adjusted when more than one variant is compared with the control (decides the outcome)" }),
      pValueUnadjusted: z.number().meta({ description: "The test's own p-value before any correction" }),
      lift: z.number().nullable(),
      liftCi: intervalSchema,
    })
    .nullable(),
  requiredPerVariant: z.number().int().nullable(),
  moreNeededPerVariant: z.number().int(),
  outcome: z.enum(["control", "better", "worse", "higher", "lower", "no_difference", "not_enough_data", "no_data"]),
});

export const experimentResultsResponseSchema = z
  .object({
    experiment: experimentResponseSchema,
    results: z.object({
      primaryMetric: z.string(),
      plannedPerVariant: z.number().int(),
      alpha: z.number(),
      totalCalls: z.number().int(),
      winnerKey: z.string().nullable(),
      leadingKey: z.string().nullable(),
      verdict: z.string(),
      verdictLines: z.array(z.string()),
      correction: z
        .object({
          method: z.enum(["none", "holm-bonferroni"]),
          comparisons: z.number().int().meta({ description: "Comparisons with the control per metric (variants minus one)" }),
          intervalLevel: z.number().meta({ description: "Confidence level of the difference and lift intervals (Bonferroni: 1 - alpha / comparisons)" }),
          description: z.string(),
        })
        .meta({ description: "Multiple-comparison correction applied to the comparisons with the control" }),
      methods: z.string(),
      variants: z.array(
        z.object({
          variantId: z.string(),
          key: z.string(),
          versionLabel: z.string(),
          isControl: z.boolean(),
          weight: z.number(),
          effectiveWeight: z.number(),
          paused: z.boolean(),
          pausedReason: z.string().nullable(),
          calls: z.number().int(),
          servedShare: z.number().nullable(),
          cacheHitRate: z.number().nullable(),
          metrics: z.record(z.string(), metricResultSchema),
        }),
      ),
    }),
  })
  .meta({ id: "ExperimentResults" });

// ---------------------------------------------------------------------------------------------
// Eval runs (lib/evals)

const evalCountsSchema = z.object({
  pending: z.number().int(),
  succeeded: z.number().int(),
  errored: z.number().int(),
  canceled: z.number().int(),
  expired: z.number().int(),
});

export const evalRunResponseSchema = z
  .object({
    id: z.string(),
    projectId: z.string(),
    prompt: z.object({ id: z.string(), name: z.string() }),
    dataset: z.object({ id: z.string(), name: z.string(), version: z.number().int() }),
    mode: z.enum(["batch", "realtime"]),
    status: z.enum(["queued", "running", "completed", "failed", "canceled"]),
    phase: z.string().meta({ description: "generate, judge, summarize or done" }),
    progress: z.object({ done: z.number().int(), total: z.number().int() }),
    versions: z.array(
      z.object({
        id: z.string(),
        requested: z.string(),
        display: z.string(),
        position: z.number().int(),
        versionId: z.string().nullable(),
        contentHash: z.string(),
        baseline: z.boolean(),
        counts: evalCountsSchema,
        summary: z.unknown().meta({ description: "Per-evaluator means and 95% intervals, cost, latency, errors (null until the run ends)" }),
        gatePassed: z.boolean().nullable(),
      }),
    ),
    evaluators: z.array(z.object({ type: z.string(), id: z.string() }).passthrough()),
    estimate: z
      .object({
        items: z.number().int(),
        versions: z.number().int(),
        requests: z.number().int(),
        batchMicros: z.number().meta({ description: "The whole run in batch mode (generation + judges), micro-dollars" }),
        realtimeMicros: z.number().meta({ description: "The whole run in realtime mode" }),
        judgeMicros: z.number(),
        judgeBatchMicros: z.number(),
        tokensEstimated: z.boolean(),
        perVersion: z.array(
          z.object({ display: z.string(), inputTokens: z.number(), outputTokens: z.number(), realtimeMicros: z.number(), batchMicros: z.number() }),
        ),
      })
      .nullable(),
    costMicros: z.number().int(),
    error: z.string().nullable(),
    cancelRequested: z.boolean(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
  })
  .meta({ id: "EvalRun" });

export const evalResultsResponseSchema = z
  .object({
    rows: z.array(
      z.object({
        itemId: z.string(),
        key: z.string(),
        ordinal: z.number().int(),
        variables: z.record(z.string(), z.unknown()),
        expected: z.unknown(),
        regression: z.boolean(),
        results: z.array(
          z.object({
            resultId: z.string(),
            runVersionId: z.string(),
            display: z.string(),
            outcome: z.enum(["pending", "succeeded", "errored", "canceled", "expired"]),
            output: z.string().nullable(),
            error: z.string().nullable(),
            scores: z.record(z.string(), z.unknown()),
            score: z.number().nullable(),
            passed: z.boolean().nullable(),
            costMicros: z.number(),
            latencyMs: z.number().nullable(),
            regression: z.boolean(),
          }),
        ),
      }),
    ),
    nextCursor: z.string().nullable(),
    total: z.number().int(),
  })
  .meta({ id: "EvalResultsPage" });

const verdictSchema = z.object({ significant: z.boolean(), direction: z.enum(["better", "worse", "none"]), text: z.string() });
const evaluatorComparisonSchema = z.object({
  evaluatorId: z.string().nullable(),
  type: z.string().nullable(),
  passFail: z.object({
    n: z.number().int(),
    bothPass: z.number().int(),
    baselineOnly: z.number().int(),
    candidateOnly: z.number().int(),
    bothFail: z.number().int(),
  }),
  verdict: verdictSchema,
  passVerdict: verdictSchema,
  scoreVerdict: verdictSchema,
});

export const evalComparisonResponseSchema = z
  .object({
    comparisons: z.array(
      z.object({
        runVersionId: z.string(),
        display: z.string(),
        baseline: z.object({ runVersionId: z.string(), display: z.string() }),
        combined: evaluatorComparisonSchema,
        evaluators: z.array(evaluatorComparisonSchema),
        regressions: z.object({ count: z.number().int(), items: z.array(z.object({ itemId: z.string(), key: z.string(), ordinal: z.number().int() })) }),
      }),
    ),
  })
  .meta({ id: "EvalComparison" });

// ------------------------------------------------------------------ datasets (lib/datasets)

export const datasetResponseSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  latestVersion: z.number().int().meta({ description: "Newest version (0 = no items yet)" }),
  itemCount: z.number().int().meta({ description: "Items in the latest version" }),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const datasetListResponseSchema = z.object({
  data: z.array(datasetResponseSchema.extend({ fitsPrompts: z.array(z.string()).meta({ description: "Prompts whose variable contract the items fit" }) })),
});

export const datasetDetailResponseSchema = datasetResponseSchema.extend({
  versions: z.array(z.object({ number: z.number().int(), itemCount: z.number().int(), note: z.string(), createdAt: z.string() })),
});

export const datasetItemResponseSchema = z.object({
  id: z.string(),
  key: z.string(),
  ordinal: z.number().int(),
  variables: z.record(z.string(), z.unknown()),
  expected: z.unknown().meta({ description: "A string is expected text; any other JSON value is expected JSON; null = none" }),
  metadata: z.record(z.string(), z.unknown()),
  tags: z.array(z.string()),
  sourceCallId: z.string().nullable(),
});

export const datasetItemsResponseSchema = z.object({
  version: z.number().int(),
  items: z.array(datasetItemResponseSchema),
  nextCursor: z.string().nullable(),
  total: z.number().int(),
});

export const datasetChangeResponseSchema = z.object({
  dataset: z.string(),
  version: z.number().int(),
  itemCount: z.number().int(),
  added: z.number().int(),
  removed: z.number().int(),
});

const rolloutArmSchema = z.object({ version: z.string(), calls: z.number().int(), n: z.number().int(), value: z.number().nullable() });
const rolloutGuardrailFiguresSchema = z.object({
  metric: z.enum(["error_rate", "refusal_rate", "latency", "cost_per_call"]),
  maxIncrease: z.number(),
  current: rolloutArmSchema,
  candidate: rolloutArmSchema,
  pValue: z.number().nullable().meta({ description: "One-sided p of the new version being worse than allowed; null until judged" }),
  breached: z.boolean(),
  pending: z.string().nullable(),
});

export const rolloutResponseSchema = z
  .object({
    id: z.string(),
    prompt: z.object({ id: z.string(), name: z.string() }),
    label: z.string(),
    experimentId: z.string().meta({ description: "The experiment the rollout steers (variant A = the label's version, B = the new one)" }),
    fromVersion: z.string(),
    toVersion: z.string(),
    status: z.enum(["RUNNING", "PAUSED", "COMPLETED", "ROLLED_BACK", "ABORTED"]),
    steps: z.array(z.number().int()),
    stepIndex: z.number().int(),
    percent: z.number().int().meta({ description: "The new version's share of the label's traffic now" }),
    stepStartedAt: z.string(),
    minStepSeconds: z.number().int().nullable(),
    minStepCalls: z.number().int().nullable(),
    guardrails: z.object({
      alpha: z.number(),
      minCalls: z.number().int(),
      rules: z.array(z.object({ metric: z.enum(["error_rate", "refusal_rate", "latency", "cost_per_call"]), maxIncrease: z.number() })),
    }),
    reason: z.string().nullable().meta({ description: "Why it was rolled back, aborted or held" }),
    figures: z.array(rolloutGuardrailFiguresSchema).nullable().meta({ description: "The guardrail figures of a rollback" }),
    startedBy: z.string(),
    createdAt: z.string(),
    endedAt: z.string().nullable(),
    events: z.array(
      z.object({
        at: z.string(),
        kind: z.enum(["started", "advanced", "paused", "resumed", "rolled_back", "completed", "aborted", "held"]),
        percent: z.number().int(),
        reason: z.string().nullable(),
        actor: z.string(),
      }),
    ),
    live: z
      .object({ guardrails: z.array(rolloutGuardrailFiguresSchema), callsInStep: z.number().int(), waitingFor: z.array(z.string()) })
      .nullable()
      .meta({ description: "While active: the guardrails as they stand and what the current step waits for" }),
  })
  .meta({ id: "Rollout" });

// ---------------------------------------------------------------- live stream

/** At most this many prompt names in one stream's filter. */
export const MAX_STREAM_PROMPTS = 50;

/** GET /api/v1/stream's query: `prompt` = one name or several, comma-separated. */
export const streamQuerySchema = z.strictObject({
  prompt: z
    .string()
    .max(MAX_STREAM_PROMPTS * 130)
    .transform((value) => value.split(",").map((name) => name.trim()))
    .pipe(z.array(promptNameSchema).min(1).max(MAX_STREAM_PROMPTS, `at most ${MAX_STREAM_PROMPTS} prompt names`))
    .optional()
    .meta({ description: "Only changes of these prompts: one name, or several separated by commas (default: every prompt of the key's project)" }),
  lastEventId: z
    .string()
    .max(200)
    .optional()
    .meta({ description: "Resume after this event id, for clients that cannot send the Last-Event-ID header (the header wins)" }),
});
export type StreamQuery = z.infer<typeof streamQuerySchema>;

/** The `data` of each change event on the stream (the SSE `id` is `id`, the SSE `event` is `type`). */
export const promptChangeEventSchema = z.strictObject({
  id: z.string().meta({ description: "Event id (evt_...): send it back as Last-Event-ID to resume" }),
  type: z.enum(["label.moved", "version.published"]),
  prompt: z.string().meta({ description: "Prompt name" }),
  label: z.string().nullable().meta({ description: "The label moved (null for a publish)" }),
  version: z.string().meta({ description: "The label's new version, or the version published" }),
  previousVersion: z.string().nullable().meta({ description: "The label's version before the move (null for a new label or a publish)" }),
  at: z.string().meta({ description: "When the change was made (ISO 8601, UTC)" }),
});

// ------------------------------------------------------------------ batch jobs (lib/batch-jobs)

const batchCountsSchema = z.object({
  pending: z.number().int(),
  succeeded: z.number().int(),
  errored: z.number().int(),
  expired: z.number().int(),
  canceled: z.number().int(),
});

export const batchJobResponseSchema = z
  .object({
    id: z.string(),
    prompt: z.string(),
    version: z.string(),
    label: z.string().nullable(),
    status: z.enum(["queued", "running", "completed", "failed", "canceled"]),
    itemCount: z.number().int(),
    counts: batchCountsSchema,
    costMicros: z.number().int().meta({ description: "What the finished items cost at the batch price (50% of the realtime price)" }),
    savedMicros: z.number().int().meta({ description: "What the batch discount saved against the same calls made one by one" }),
    error: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    invalidItems: z
      .array(z.object({ id: z.string(), index: z.number().int(), issues: z.array(z.object({ path: z.string(), message: z.string() })) }))
      .optional()
      .meta({ description: "Items refused at creation (with skipInvalid: true): all of them in the 202, the first 100 afterwards" }),
    invalidCount: z.number().int().optional().meta({ description: "How many items were refused at creation (present when some were)" }),
  })
  .meta({ id: "BatchJob" });

export const batchJobListResponseSchema = z.object({ data: z.array(batchJobResponseSchema) });

export const batchResultLineSchema = z
  .object({
    id: z.string().meta({ description: "Your item id (or its position)" }),
    status: z.enum(["pending", "succeeded", "errored", "expired", "canceled"]),
    output: z.string().nullable(),
    parsed: z.unknown().optional(),
    model: z.string().nullable(),
    stopReason: z.string().nullable(),
    usage: z.object({ inputTokens: z.number().int(), outputTokens: z.number().int(), cacheReadTokens: z.number().int(), cacheWriteTokens: z.number().int() }),
    costMicros: z.number().int(),
    callId: z.string().nullable(),
    error: z.object({ type: z.string(), message: z.string() }).nullable(),
  })
  .meta({ id: "BatchResultLine" });
