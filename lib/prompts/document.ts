import { z } from "zod";
import { AppError, toIssues } from "@/lib/errors";
import { SEED_MODEL_CATALOG, type ModelSpec } from "@/lib/models/catalog";
import { checkContract, type ContractIssue } from "@/lib/prompts/contract";
import {
  cacheControlSchema,
  effortSchema,
  makeModelConfigSchema,
  makePolicySchema,
  messagesSchema,
  outputSchemaSchema,
  promptNameSchema,
  serviceTierSchema,
  strictObjectRejecting,
  systemBlockRoleSchema,
  systemSchema,
  variablesSchema,
  type PromptVersionContent,
  type SystemBlockRole,
} from "@/lib/prompts/schemas";
import { parseVersion, type Bump } from "@/lib/prompts/versioning";

/**
 * The prompt version document: the one external JSON shape of a version (API bodies and
 * responses, export/import, files in git). `request` is a Messages API request with `{{variables}}`
 * in its text, using Anthropic's field names (`max_tokens`, `stop_sequences`,
 * `output_config.effort`, `service_tier`, `cache_control`, `tools`, `tool_choice`). Promptdeck extension: each system
 * block also carries its `role` (instructions | persona | reference | examples | other), which
 * is stripped when rendering; on input it may be omitted (then "other").
 */
export interface VersionDocument {
  name: string;
  version: string;
  labels: string[];
  changelog: string;
  request: {
    model: string;
    max_tokens: number;
    system: Array<{ type: "text"; text: string; role: SystemBlockRole; cache_control?: { type: "ephemeral"; ttl?: "5m" | "1h" } }>;
    messages: PromptVersionContent["messages"];
    stop_sequences?: string[];
    output_config?: { effort: NonNullable<PromptVersionContent["modelConfig"]["effort"]> };
    service_tier?: PromptVersionContent["modelConfig"]["service_tier"];
    tools?: NonNullable<PromptVersionContent["modelConfig"]["tools"]>;
    tool_choice?: NonNullable<PromptVersionContent["modelConfig"]["tool_choice"]>;
  };
  variables: PromptVersionContent["variables"];
  output: PromptVersionContent["outputSchema"];
  policy: PromptVersionContent["policy"];
  /** Model routing (lib/prompts/routing.ts): ordered rules over request signals, each picking a model; calls no rule matches use `request.model`. Present only when there are rules. */
  routing?: NonNullable<PromptVersionContent["modelConfig"]["routing"]>;
  /**
   * Read-only, published versions with includes only: each `{{> include}}` and the exact snippet
   * version it is pinned to, with that version's text and variables (which join `variables` when
   * rendering).
   */
  snippets?: { include: string; name: string; version: string; text: string; variables: PromptVersionContent["variables"] }[];
}

/**
 * Builds the document for a stored version. `version` is "major.minor.patch"; labels are sorted.
 * Optional request fields appear only when set.
 */
export function toVersionDocument(input: {
  name: string;
  version: string | { major: number; minor: number; patch: number };
  labels?: readonly string[];
  changelog?: string;
  content: PromptVersionContent;
}): VersionDocument {
  const { content } = input;
  const config = content.modelConfig;
  const version = typeof input.version === "string" ? input.version : `${input.version.major}.${input.version.minor}.${input.version.patch}`;
  return {
    name: input.name,
    version,
    labels: [...(input.labels ?? [])].sort(),
    changelog: input.changelog ?? "",
    request: {
      model: config.model,
      max_tokens: config.max_tokens,
      system: content.system.map((b) => ({ type: "text", text: b.text, role: b.role, ...(b.cache_control ? { cache_control: { ...b.cache_control } } : {}) })),
      messages: content.messages.map((m) => ({ role: m.role, content: m.content.map((b) => ({ ...b })) })),
      ...(config.stop_sequences ? { stop_sequences: [...config.stop_sequences] } : {}),
      ...(config.effort ? { output_config: { effort: config.effort } } : {}),
      ...(config.service_tier ? { service_tier: config.service_tier } : {}),
      ...(config.tools && config.tools.length > 0 ? { tools: config.tools.map((t) => ({ ...t })) } : {}),
      ...(config.tool_choice ? { tool_choice: { ...config.tool_choice } } : {}),
    },
    variables: content.variables,
    output: content.outputSchema,
    policy: content.policy,
    ...(config.routing && config.routing.rules.length > 0 ? { routing: config.routing } : {}),
    ...(content.snippets && content.snippets.length > 0
      ? { snippets: content.snippets.map((p) => ({ include: p.key, name: p.name, version: p.version, text: p.text, variables: p.variables })) }
      : {}),
  };
}

// Input leniency that matches the Messages API: `system` may be a string, message `content` may
// be a string, block `role` may be omitted. Everything else is strict.
const docSystemBlockSchema = z.strictObject({
  type: z.literal("text"),
  text: z.string(),
  role: systemBlockRoleSchema.default("other"),
  cache_control: cacheControlSchema.optional(),
});
const docSystemSchema = z.union([z.string().transform((text) => [{ type: "text" as const, text, role: "other" as const }]), z.array(docSystemBlockSchema)]);
const docMessageSchema = z.strictObject({
  role: z.enum(["user", "assistant"]),
  content: z.union([z.string().transform((text) => [{ type: "text" as const, text }]), z.array(z.unknown())]),
});

function makeRequestSchema() {
  return strictObjectRejecting({
    model: z.string(),
    max_tokens: z.number(),
    system: docSystemSchema.optional(),
    messages: z.array(docMessageSchema),
    stop_sequences: z.array(z.string()).optional(),
    output_config: z.strictObject({ effort: effortSchema }).optional(),
    service_tier: serviceTierSchema.optional(),
    // Checked with the model config (lib/prompts/tools.ts): shapes, names, schemas, breakpoint.
    tools: z.array(z.unknown()).optional(),
    tool_choice: z.unknown().optional(),
  });
}

const bumpSchema = z.enum(["major", "minor", "patch"]);

/**
 * The outer shape of a version document sent by a client (what an edge parses): strict, with the
 * Messages API leniencies; `variables`, `output` and `policy` are checked by `fromVersionDocument`
 * against the stored-column schemas, the model catalog and the variables contract.
 */
export const versionDocumentBodySchema = z.strictObject({
  name: z.string().optional(),
  version: z.string().optional(),
  bump: bumpSchema.optional(),
  publish: z.boolean().optional(),
  // Used when the write creates the prompt: "snippet" makes a snippet (its text blocks are the user turn's blocks).
  kind: z.enum(["prompt", "snippet"]).optional(),
  labels: z.array(z.string()).optional(),
  // Read-only like labels: pins are made when the version is published.
  snippets: z.array(z.unknown()).optional(),
  changelog: z.string().max(2000).optional(),
  acknowledged_variable_breakpoints: z.array(z.string().min(1).max(100)).max(50).optional(),
  request: makeRequestSchema(),
  variables: z.unknown().optional(),
  output: z.unknown().optional(),
  policy: z.unknown().optional(),
  // Checked with the model config (lib/prompts/routing.ts) and the contract (variables, rules that never fire).
  routing: z.unknown().optional(),
});
export type VersionDocumentBody = z.output<typeof versionDocumentBodySchema>;

export interface ParsedVersionDocument {
  /** Present when the document names the prompt. */
  name?: string;
  content: PromptVersionContent;
  changelog: string;
  /** An exact version the author asks for (check it with `validateRequestedVersion`). */
  requestedVersion?: string;
  /** A bump the author asks for (may raise the proposal, never lower it). */
  bump?: Bump;
  /** Publish at once; otherwise the result is a draft. */
  publish: boolean;
  /** The kind asked for ("snippet": text blocks other prompts include); checked against an existing prompt's. */
  kind?: "PROMPT" | "SNIPPET";
  /**
   * Breakpoint locations (`system.1`, `messages.0.content.0`, as the publish errors name them)
   * whose variable-before-breakpoint the author accepts, like the editor's checkbox. Omitted: the
   * draft keeps what it had.
   */
  acknowledgedVariableBreakpoints?: string[];
  /** Contract warnings (unused variables, malformed placeholders). */
  warnings: ContractIssue[];
}

export interface FromDocumentOptions {
  /** The prompt name from the URL; a document `name` must match it. */
  name?: string;
  /** Accept (and ignore) the read-only `labels` field, for importing exported files. Default: reject it. */
  ignoreReadOnly?: boolean;
  catalog?: readonly ModelSpec[];
}

/**
 * Parses a version document sent by a client (create/import). Strict: unknown fields anywhere are
 * rejected (temperature/top_p/top_k with a specific message). `labels` is read-only (rejected
 * unless `ignoreReadOnly`); `version` and `bump` are mutually exclusive requests; `publish`
 * defaults to false. Validates every part with the stored-column schemas and the variables
 * contract (placeholders must be declared). Throws `AppError("unprocessable", ..., { issues })`
 * with every problem (paths in document terms, e.g. `request.messages.0.role`).
 */
export function fromVersionDocument(doc: unknown, options: FromDocumentOptions = {}): ParsedVersionDocument {
  const outer = versionDocumentBodySchema.safeParse(doc);
  if (!outer.success) throw new AppError("unprocessable", DOCUMENT_ERROR, { issues: toIssues(outer.error.issues) });
  return fromParsedVersionDocument(outer.data, options);
}

/** The 422 message of a rejected version document. */
export const DOCUMENT_ERROR = "Invalid prompt version document";

/**
 * `fromVersionDocument` for a document whose outer shape an edge already parsed with
 * `versionDocumentBodySchema`: the deeper checks (stored-column schemas, catalog, contract, the
 * name matching the URL's). Throws `AppError("unprocessable", ..., { issues })` with every problem.
 */
export function fromParsedVersionDocument(d: VersionDocumentBody, options: FromDocumentOptions = {}): ParsedVersionDocument {
  const catalog = options.catalog ?? SEED_MODEL_CATALOG;
  const fail = (issues: { path: string; message: string }[]): never => {
    throw new AppError("unprocessable", DOCUMENT_ERROR, { issues });
  };
  const issues: { path: string; message: string }[] = [];
  const collect = <T>(schema: z.ZodType<T>, value: unknown, path: string): T | undefined => {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    issues.push(
      ...toIssues(r.error.issues).map((i) => ({
        // modelConfig.effort lives at request.output_config.effort in the document.
        path: (i.path ? `${path}.${i.path}` : path)
          .replace(/^request\.effort$/, "request.output_config.effort")
          .replace(/^request\.routing(?=\.|$)/, "routing"),
        message: i.message,
      })),
    );
    return undefined;
  };

  if (d.labels !== undefined && !options.ignoreReadOnly) {
    issues.push({ path: "labels", message: "labels is read-only: move labels with the label endpoints" });
  }
  if (d.snippets !== undefined && !options.ignoreReadOnly) {
    issues.push({ path: "snippets", message: "snippets is read-only: includes ({{> name@label}}) are pinned when the version is published" });
  }
  if (d.version !== undefined && d.bump !== undefined) issues.push({ path: "version", message: "send either version or bump, not both" });
  if (d.version !== undefined) {
    try {
      parseVersion(d.version);
    } catch {
      issues.push({ path: "version", message: "must look like 1.2.3 (no prerelease or build suffix)" });
    }
  }
  const name = d.name === undefined ? undefined : collect(promptNameSchema, d.name, "name");
  if (name !== undefined && options.name !== undefined && name !== options.name) {
    issues.push({ path: "name", message: `the document is for "${name}" but the request is for "${options.name}"` });
  }

  const req = d.request;
  const system = collect(systemSchema, req.system ?? [], "request.system");
  const messages = collect(messagesSchema, req.messages, "request.messages");
  const modelConfig = collect(
    makeModelConfigSchema(catalog),
    {
      model: req.model,
      max_tokens: req.max_tokens,
      ...(req.stop_sequences !== undefined ? { stop_sequences: req.stop_sequences } : {}),
      ...(req.output_config ? { effort: req.output_config.effort } : {}),
      ...(req.service_tier !== undefined ? { service_tier: req.service_tier } : {}),
      ...(req.tools !== undefined ? { tools: req.tools } : {}),
      ...(req.tool_choice !== undefined ? { tool_choice: req.tool_choice } : {}),
      ...(d.routing !== undefined ? { routing: d.routing } : {}),
    },
    "request",
  );
  const variables = collect(variablesSchema, d.variables ?? {}, "variables");
  const outputSchema = collect(outputSchemaSchema, d.output ?? { format: "text" }, "output");
  const policy = collect(makePolicySchema(catalog), d.policy ?? {}, "policy");
  if (issues.length > 0 || !system || !messages || !modelConfig || !variables || !outputSchema || !policy) return fail(issues);

  // No rules is no routing: stored without the key, so a round trip keeps the content hash.
  if (modelConfig.routing && modelConfig.routing.rules.length === 0) delete modelConfig.routing;
  const content: PromptVersionContent = { system, messages, variables, modelConfig, outputSchema, policy };
  const report = checkContract(content);
  if (report.errors.length > 0) fail(report.errors.map((e) => ({ path: documentPath(e.path), message: e.message })));
  return {
    ...(name !== undefined ? { name } : {}),
    content,
    changelog: d.changelog ?? "",
    ...(d.version !== undefined ? { requestedVersion: d.version } : {}),
    ...(d.bump !== undefined ? { bump: d.bump } : {}),
    publish: d.publish ?? false,
    ...(d.kind !== undefined ? { kind: d.kind === "snippet" ? ("SNIPPET" as const) : ("PROMPT" as const) } : {}),
    ...(d.acknowledged_variable_breakpoints !== undefined ? { acknowledgedVariableBreakpoints: d.acknowledged_variable_breakpoints } : {}),
    warnings: report.warnings.map((w) => ({ ...w, path: documentPath(w.path) })),
  };
}

/** Maps a content path (`system.0.text`, `variables.x`) to its place in the document. */
export function documentPath(path: string): string {
  if (path.startsWith("system.") || path.startsWith("messages.")) return `request.${path}`;
  if (path.startsWith("outputSchema")) return `output${path.slice("outputSchema".length)}`;
  if (path.startsWith("modelConfig.routing")) return path.slice("modelConfig.".length);
  return path;
}
