import { z } from "zod";
import { AppError, toIssues, type ErrorIssue } from "@/lib/errors";
import { findModel, SEED_MODEL_CATALOG, type ModelSpec } from "@/lib/models/catalog";
import { makeRoutingSchema } from "@/lib/prompts/routing";
import { toolChoiceSchema, toolProblems, toolsSchema } from "@/lib/prompts/tools";

/**
 * The stored shapes of a prompt version (the PromptVersion JSON columns) as zod schemas.
 * Every object is strict: unknown keys are rejected, never silently dropped. Field names follow
 * the Anthropic Messages API where a field maps onto it (`max_tokens`, `cache_control`, ...).
 */

// ---------------------------------------------------------------------------------------------
// Prompt metadata

/**
 * Why `name` cannot be a prompt name because of its `/`-separated segments, or null: an empty
 * segment (`a//b`, `a/`) or a `.` / `..` segment (`a/../a`, `a/./b`, `a/..`). A client or proxy that
 * normalises URL paths would resolve such a name to another prompt (`a/../a` to `a`).
 */
export function promptNameSegmentProblem(name: string): string | null {
  for (const segment of name.split("/")) {
    if (segment === "") return "has an empty segment ('//' or a trailing '/'); a name's '/'-separated parts are never empty";
    if (segment === "." || segment === "..") return `has a '${segment}' segment, which a URL would resolve to another name`;
  }
  return null;
}

/**
 * Prompt names: lowercase letter or digit first, then up to 127 of `a-z 0-9 . _ / -`, and no empty,
 * `.` or `..` segment between the slashes (`promptNameSegmentProblem`). No stored name breaks the
 * segment rule (the demo seed has none); reads of prompts never re-check names, so a row created
 * before the rule is still listed and shown, while lookups by such a name are refused (400).
 */
export const promptNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._/-]{0,127}$/, "must start with a lowercase letter or digit and contain only a-z, 0-9, '.', '_', '/', '-' (at most 128 characters)")
  .refine((name) => promptNameSegmentProblem(name) === null, { error: (issue) => promptNameSegmentProblem(String(issue.input)) ?? "invalid" });
export type PromptName = z.infer<typeof promptNameSchema>;

export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 32;
export const MAX_DESCRIPTION_LENGTH = 2000;

/** One tag: lowercase letter or digit first, then `a-z 0-9 . _ -`, at most 32 characters. */
export const promptTagSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,31}$/, "tags are lowercase a-z, 0-9, '.', '_', '-' and at most 32 characters");

/** At most 20 tags, no duplicates. */
export const promptTagsSchema = z
  .array(promptTagSchema)
  .max(MAX_TAGS, `at most ${MAX_TAGS} tags`)
  .refine((tags) => new Set(tags).size === tags.length, "tags must be unique");
export type PromptTags = z.infer<typeof promptTagsSchema>;

/**
 * Tags typed as one line (the new-prompt form): split on commas and whitespace, lowercased,
 * blanks and repeats dropped, first occurrence first. Validity is `promptTagsSchema`'s.
 */
export function parseTagList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[,\s]+/)
        .map((t) => t.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
}

/** Tags as typed text, parsed with `parseTagList` and validated: "Support, triage" is ["support", "triage"]. */
export const promptTagTextSchema = z.string().max(2000, "at most 2000 characters of tags").transform(parseTagList).pipe(promptTagsSchema);

/** Free text, at most 2000 characters. */
export const promptDescriptionSchema = z.string().max(MAX_DESCRIPTION_LENGTH, `at most ${MAX_DESCRIPTION_LENGTH} characters`);

// ---------------------------------------------------------------------------------------------
// Removed sampling parameters

/**
 * API version 2026-10-21 (SDK 1.x) removed these; the API answers 400 if they are sent.
 * Every object that could carry them reports them with this message instead of "unknown key".
 */
export const REMOVED_SAMPLING_PARAMS = ["temperature", "top_p", "top_k"] as const;

function removedParamMessage(key: string): string {
  return `${key} is not supported: Anthropic API version 2026-10-21 removed temperature, top_p and top_k (sending them is a 400). Steer the model with instructions or output_config.effort instead`;
}

/**
 * A strict object whose unknown keys are rejected one by one, with a specific message for the
 * removed sampling parameters.
 */
export function strictObjectRejecting<T extends z.ZodRawShape>(shape: T) {
  const known = new Set(Object.keys(shape));
  return z.looseObject(shape).superRefine((value, ctx) => {
    for (const key of Object.keys(value)) {
      if (known.has(key)) continue;
      const removed = (REMOVED_SAMPLING_PARAMS as readonly string[]).includes(key);
      ctx.addIssue({ code: "custom", path: [key], message: removed ? removedParamMessage(key) : `unknown field "${key}"` });
    }
  }) as unknown as z.ZodObject<T, z.core.$strict>;
}

// ---------------------------------------------------------------------------------------------
// Blocks

export const cacheTtlSchema = z.enum(["5m", "1h"]);
export type CacheTtl = z.infer<typeof cacheTtlSchema>;

/** `{ type: "ephemeral", ttl?: "5m" | "1h" }`; no ttl means 5 minutes. */
export const cacheControlSchema = z.strictObject({ type: z.literal("ephemeral"), ttl: cacheTtlSchema.optional() });
export type CacheControl = z.infer<typeof cacheControlSchema>;

export const systemBlockRoleSchema = z.enum(["instructions", "persona", "reference", "examples", "other"]);
export type SystemBlockRole = z.infer<typeof systemBlockRoleSchema>;

// The API rejects empty text blocks (and cache_control on them).
const blockTextSchema = z.string().refine((t) => t.trim().length > 0, "text must not be empty");

/** A system text block; `role` is Promptdeck's label for the block and is stripped on render. */
export const systemBlockSchema = z.strictObject({
  type: z.literal("text"),
  text: blockTextSchema,
  role: systemBlockRoleSchema,
  cache_control: cacheControlSchema.optional(),
});
export type SystemBlock = z.infer<typeof systemBlockSchema>;

export const MAX_SYSTEM_BLOCKS = 100;
export const systemSchema = z.array(systemBlockSchema).max(MAX_SYSTEM_BLOCKS);
export type SystemBlocks = z.infer<typeof systemSchema>;

export const textBlockSchema = z.strictObject({
  type: z.literal("text"),
  text: blockTextSchema,
  cache_control: cacheControlSchema.optional(),
});
export type TextBlock = z.infer<typeof textBlockSchema>;

export const messageSchema = z.strictObject({
  role: z.enum(["user", "assistant"]),
  content: z.array(textBlockSchema).min(1, "a message needs at least one content block"),
});
export type PromptMessage = z.infer<typeof messageSchema>;

/** At least one message; the first is from the user; roles alternate. A final assistant turn is a prefill. */
export const messagesSchema = z
  .array(messageSchema)
  .min(1, "at least one message is required")
  .superRefine((messages, ctx) => {
    if (messages[0] && messages[0].role !== "user") {
      ctx.addIssue({ code: "custom", path: [0, "role"], message: "the first message must be from the user" });
    }
    for (let i = 1; i < messages.length; i++) {
      if (messages[i]?.role === messages[i - 1]?.role) {
        ctx.addIssue({ code: "custom", path: [i, "role"], message: "user and assistant turns must alternate" });
      }
    }
  });
export type PromptMessages = z.infer<typeof messagesSchema>;

// ---------------------------------------------------------------------------------------------
// Variables

export const VARIABLE_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const variableNameSchema = z
  .string()
  .regex(VARIABLE_NAME_PATTERN, "variable names start with a letter or '_' and contain only letters, digits and '_'")
  .max(64, "variable names are at most 64 characters");

export const variableTypeSchema = z.enum(["string", "number", "boolean", "enum", "json", "messages"]);
export type VariableType = z.infer<typeof variableTypeSchema>;

const jsonValueSchema: z.ZodType<unknown> = z.unknown().refine((v) => v !== undefined && isJsonValue(v), "must be a JSON value");

/** True for values JSON can carry without loss (no undefined, functions, NaN, Infinity, cycles). */
export function isJsonValue(value: unknown, seen: Set<object> = new Set()): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object": {
      if (seen.has(value)) return false;
      seen.add(value);
      const ok = Array.isArray(value)
        ? value.every((v) => isJsonValue(v, seen))
        : Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null
          ? Object.values(value).every((v) => isJsonValue(v, seen))
          : false;
      seen.delete(value);
      return ok;
    }
    default:
      return false;
  }
}

const variableCommon = {
  required: z.boolean(),
  description: z.string().max(500).optional(),
};

/**
 * One variable of the contract. `required: true` with a `default` means the default fills in when
 * the caller omits it; only `required: true` without a default forces callers to send it.
 * `values` exists on enum variables only and must be non-empty and unique.
 */
export const variableDefSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("string"), ...variableCommon, default: z.string().optional() }),
  z.strictObject({ type: z.literal("number"), ...variableCommon, default: z.number().refine(Number.isFinite).optional() }),
  z.strictObject({ type: z.literal("boolean"), ...variableCommon, default: z.boolean().optional() }),
  z
    .strictObject({
      type: z.literal("enum"),
      ...variableCommon,
      values: z
        .array(z.string().min(1))
        .min(1, "an enum variable needs at least one value")
        .refine((v) => new Set(v).size === v.length, "enum values must be unique"),
      default: z.string().optional(),
    })
    .superRefine((def, ctx) => {
      if (def.default !== undefined && !def.values.includes(def.default)) {
        ctx.addIssue({ code: "custom", path: ["default"], message: `default "${def.default}" is not one of the enum values` });
      }
    }),
  z.strictObject({ type: z.literal("json"), ...variableCommon, default: jsonValueSchema.optional() }),
  // Chat history (lib/prompts/history.ts): turns inserted before the version's turn `position`
  // (0 = before the first; the number of turns = after the last), no default (an optional history
  // that is not sent inserts nothing). `cache_control` asks for a breakpoint on the last history
  // message, so each turn of a conversation reads the previous turn's prefix from the cache.
  z.strictObject({
    type: z.literal("messages"),
    ...variableCommon,
    position: z.number().int("position must be a whole number").min(0, "position must be 0 or more").max(1000, "position must be at most 1000"),
    cache_control: cacheControlSchema.optional(),
    // Never set: declared so code reading `def.default` on any variable type still compiles.
    default: z.undefined({ error: "a messages variable has no default" }).optional(),
  }),
]);
export type VariableDef = z.infer<typeof variableDefSchema>;

export const MAX_VARIABLES = 100;
export const variablesSchema = z
  .record(variableNameSchema, variableDefSchema)
  .refine((v) => Object.keys(v).length <= MAX_VARIABLES, `at most ${MAX_VARIABLES} variables`);
export type Variables = z.infer<typeof variablesSchema>;

// ---------------------------------------------------------------------------------------------
// Model config, output, policy

export const effortSchema = z.enum(["low", "medium", "high", "xhigh", "max"]);
export type Effort = z.infer<typeof effortSchema>;
export const serviceTierSchema = z.enum(["auto", "standard_only"]);
export type ServiceTier = z.infer<typeof serviceTierSchema>;

const modelConfigShape = {
  model: z.string().min(1),
  max_tokens: z.number().int().min(1),
  stop_sequences: z.array(z.string().min(1)).max(16).optional(),
  effort: effortSchema.optional(),
  service_tier: serviceTierSchema.optional(),
  // Tool definitions and tool_choice (lib/prompts/tools.ts): the document's request.tools / request.tool_choice.
  tools: toolsSchema.optional(),
  tool_choice: toolChoiceSchema.optional(),
};

/**
 * `{ model, max_tokens, stop_sequences?, effort?, service_tier?, tools?, tool_choice?, routing? }` (tools
 * checked by `toolProblems`: duplicate names, input schemas, breakpoint on the last tool only). `model` must be in the catalog
 * (id or alias) and `max_tokens` at most that model's max output. temperature/top_p/top_k are
 * rejected with a message explaining that API version 2026-10-21 removed them.
 */
export function makeModelConfigSchema(catalog: readonly ModelSpec[] = SEED_MODEL_CATALOG) {
  // Model routing (lib/prompts/routing.ts): the document's top-level `routing`; rules over request signals, each naming a catalog model.
  return strictObjectRejecting({ ...modelConfigShape, routing: makeRoutingSchema(catalog).optional() }).superRefine((config, ctx) => {
    if (Array.isArray(config.tools) || config.tool_choice !== undefined) {
      for (const p of toolProblems(Array.isArray(config.tools) ? config.tools : undefined, config.tool_choice)) {
        ctx.addIssue({ code: "custom", path: p.path.split("."), message: p.message });
      }
    }
    if (typeof config.model !== "string") return;
    const spec = findModel(config.model, catalog);
    if (!spec) {
      ctx.addIssue({ code: "custom", path: ["model"], message: `unknown model "${config.model}"` });
      return;
    }
    if (typeof config.max_tokens === "number" && config.max_tokens > spec.maxOutputTokens) {
      ctx.addIssue({
        code: "custom",
        path: ["max_tokens"],
        message: `max_tokens ${config.max_tokens} exceeds ${spec.model}'s maximum output of ${spec.maxOutputTokens}`,
      });
    }
  });
}
export const modelConfigSchema = makeModelConfigSchema();
export type ModelConfig = z.infer<typeof modelConfigSchema>;

/** A JSON Schema document: any JSON object (its meaning is checked by the runner's validator). */
export const jsonSchemaObjectSchema = z.record(z.string(), z.unknown()).refine((v) => isJsonValue(v), "must be JSON");
export type JsonSchemaObject = z.infer<typeof jsonSchemaObjectSchema>;

/** `{ format: "text" }` or `{ format: "json", schema: <JSON Schema object> }`. */
export const outputSchemaSchema = z.discriminatedUnion("format", [
  z.strictObject({ format: z.literal("text") }),
  z.strictObject({ format: z.literal("json"), schema: jsonSchemaObjectSchema }),
]);
export type OutputSchema = z.infer<typeof outputSchemaSchema>;

export const contextStrategySchema = z.enum(["fail", "chunk_concat", "chunk_summarize"]);
export type ContextStrategy = z.infer<typeof contextStrategySchema>;

/** Runner policy overrides; every field optional. Times in milliseconds. */
export function makePolicySchema(catalog: readonly ModelSpec[] = SEED_MODEL_CATALOG) {
  return z
    .strictObject({
      max_retries: z.number().int().min(0).max(10).optional(),
      timeout_ms: z.number().int().min(1).max(3_600_000).optional(),
      deadline_ms: z.number().int().min(1).max(86_400_000).optional(),
      fallback_model: z.string().min(1).optional(),
      context_strategy: contextStrategySchema.optional(),
      allow_cached_fallback: z.boolean().optional(),
    })
    .superRefine((policy, ctx) => {
      if (policy.fallback_model !== undefined && !findModel(policy.fallback_model, catalog)) {
        ctx.addIssue({ code: "custom", path: ["fallback_model"], message: `unknown model "${policy.fallback_model}"` });
      }
      if (policy.timeout_ms !== undefined && policy.deadline_ms !== undefined && policy.deadline_ms < policy.timeout_ms) {
        ctx.addIssue({ code: "custom", path: ["deadline_ms"], message: "deadline_ms must be at least timeout_ms" });
      }
    });
}
export const policySchema = makePolicySchema();
export type Policy = z.infer<typeof policySchema>;

// ---------------------------------------------------------------------------------------------
// The whole content

/** The six content columns of a PromptVersion, validated as a unit (shapes only, see contract.ts for cross-checks). */
// ---------------------------------------------------------------------------------------------
// Snippet pins (see snippets.ts)

/**
 * One include resolved at publish: `{{> key}}` (`name@label` or `name@1.2.0`) is the snippet
 * `name` at exactly `version`; `text` is that version's blocks joined by a blank line, with its
 * own includes already expanded, and `variables` its contract (joined with the including
 * prompt's). Stored on the published version (`PromptVersion.snippetPins`), so a render is
 * reproducible whatever the snippet's labels do later.
 */
export const snippetPinSchema = z.strictObject({
  key: z.string().min(1).max(300),
  name: z.string().min(1).max(128),
  version: z.string().regex(/^\d+\.\d+\.\d+$/),
  versionId: z.string().min(1).max(100),
  text: z.string(),
  variables: variablesSchema,
  /** Names of the snippets `text` includes in turn (transitively), for cycle checks. */
  includes: z.array(z.string().max(128)).max(50).optional(),
});
export type SnippetPin = z.infer<typeof snippetPinSchema>;
export const MAX_SNIPPET_PINS = 50;
export const snippetPinsSchema = z.array(snippetPinSchema).max(MAX_SNIPPET_PINS);

export function makeVersionContentSchema(catalog: readonly ModelSpec[] = SEED_MODEL_CATALOG) {
  return z.strictObject({
    system: systemSchema,
    messages: messagesSchema,
    variables: variablesSchema,
    modelConfig: makeModelConfigSchema(catalog),
    outputSchema: outputSchemaSchema,
    policy: makePolicySchema(catalog),
    /** Pinned includes; only published versions have them (absent when none). */
    snippets: snippetPinsSchema.optional(),
  });
}
export const versionContentSchema = makeVersionContentSchema();
export type PromptVersionContent = z.infer<typeof versionContentSchema>;

/** The six content fields picked from `input`, with the null defaults applied (what the schema parses). */
function pickContentFields(input: unknown): unknown {
  const record = input !== null && typeof input === "object" && !Array.isArray(input) ? (input as Record<string, unknown>) : undefined;
  return record
    ? {
        system: record.system,
        messages: record.messages,
        variables: record.variables,
        modelConfig: record.modelConfig,
        outputSchema: record.outputSchema ?? { format: "text" },
        policy: record.policy ?? {},
        ...pickSnippetPins(record),
      }
    : input;
}

/** `{ snippets }` from a row's `snippetPins` (or a content's `snippets`) when there are any; `{}` otherwise. */
function pickSnippetPins(record: Record<string, unknown>): { snippets?: unknown } {
  const pins = record.snippetPins ?? record.snippets;
  if (pins === undefined || pins === null || (Array.isArray(pins) && pins.length === 0)) return {};
  return { snippets: pins };
}

function safeParseContent(input: unknown, options: { catalog?: readonly ModelSpec[] }) {
  const schema = options.catalog ? makeVersionContentSchema(options.catalog) : versionContentSchema;
  return schema.safeParse(pickContentFields(input));
}

/**
 * Parses the six content fields picked from `input` (other keys, e.g. the rest of a Prisma row,
 * are ignored; a null outputSchema means text and a null policy means `{}`). Throws `AppError("unprocessable")` with one issue per problem
 * (`path` like `messages.0.role`).
 */
export function parseVersionContent(input: unknown, options: { catalog?: readonly ModelSpec[] } = {}): PromptVersionContent {
  const result = safeParseContent(input, options);
  if (!result.success) {
    throw new AppError("unprocessable", "Invalid prompt version", { issues: toIssues(result.error.issues) });
  }
  return result.data;
}

/**
 * The issues `parseVersionContent` would throw for, one per problem, or `[]` when the content
 * parses (live validation while a version is edited). Never throws.
 */
export function versionContentIssues(input: unknown, options: { catalog?: readonly ModelSpec[] } = {}): ErrorIssue[] {
  const result = safeParseContent(input, options);
  return result.success ? [] : toIssues(result.error.issues);
}

/**
 * Stored content for display or as an editor's start point: the parsed content, or, for a row
 * that no longer parses (a model removed from the catalog, a draft saved with problems), its
 * columns as they are with missing parts empty. Never throws; nothing here is served or run.
 */
export function readVersionContent(row: Record<string, unknown>): PromptVersionContent {
  try {
    return parseVersionContent(row);
  } catch {
    return {
      system: (row.system ?? []) as PromptVersionContent["system"],
      messages: (row.messages ?? []) as PromptVersionContent["messages"],
      variables: (row.variables ?? {}) as PromptVersionContent["variables"],
      modelConfig: (row.modelConfig ?? { model: "", max_tokens: 1024 }) as PromptVersionContent["modelConfig"],
      outputSchema: (row.outputSchema ?? { format: "text" }) as PromptVersionContent["outputSchema"],
      policy: (row.policy ?? {}) as PromptVersionContent["policy"],
    };
  }
}

const draftBlockSchema = z.strictObject({ type: z.literal("text"), text: z.string(), cache_control: z.unknown().optional() });
/**
 * The least a draft must be to be stored: the editor's structure (blocks with text, turns with a
 * role, objects for the rest) within the same size limits, whatever the values. A draft is work
 * in progress: it is saved with its problems (a blank block, an enum without values, max_tokens
 * above the model's limit) and they are shown, so no edit is lost; publish, run and serve parse
 * the full schema.
 */
const draftStructureSchema = z.strictObject({
  system: z.array(draftBlockSchema.extend({ role: z.string().max(40) })).max(MAX_SYSTEM_BLOCKS),
  messages: z.array(z.strictObject({ role: z.enum(["user", "assistant"]), content: z.array(draftBlockSchema).max(100) })).max(1000),
  variables: z.record(z.string().max(200), z.record(z.string(), z.unknown())),
  modelConfig: z.record(z.string(), z.unknown()),
  outputSchema: z.record(z.string(), z.unknown()),
  policy: z.record(z.string(), z.unknown()),
});

/**
 * A draft to store: the parsed content and no issues when it is valid; otherwise, when it has the
 * draft structure (`draftStructureSchema`), the content as given with every issue
 * `parseVersionContent` would throw for. Content without that structure throws the same
 * `unprocessable` error as `parseVersionContent`.
 */
export function parseDraftContent(input: unknown, options: { catalog?: readonly ModelSpec[] } = {}): { content: PromptVersionContent; issues: ErrorIssue[] } {
  const result = safeParseContent(input, options);
  if (result.success) return { content: result.data, issues: [] };
  const loose = draftStructureSchema.safeParse(pickContentFields(input));
  if (!loose.success) throw new AppError("unprocessable", "Invalid prompt version", { issues: toIssues(result.error.issues) });
  return { content: loose.data as unknown as PromptVersionContent, issues: toIssues(result.error.issues) };
}
