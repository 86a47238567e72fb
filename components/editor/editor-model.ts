import type { ModelSpec } from "@/lib/models/catalog";
import type { PrefixTokenCounts } from "@/lib/claude/count-tokens";
import { isAppError, type ErrorIssue } from "@/lib/errors";
import { ACTION_INPUT_LIMITS, inspectJsonInput } from "@/lib/errors/hostile";
import { normalizeAcknowledgements, type CacheAnalysis, type CacheBlock, type CacheBreakpoint, type CountedTokens } from "@/lib/prompts/cache";
import type { ContractReport } from "@/lib/prompts/contract";
import { previewCost, type CostPreview } from "@/lib/prompts/cost";
import { effectiveVariables, renderVersion } from "@/lib/prompts/render";
import type { CacheControl, Effort, PromptVersionContent, ServiceTier, SystemBlockRole, VariableType } from "@/lib/prompts/schemas";
import type { ToolChoice, ToolDef } from "@/lib/prompts/tools";
import { routingFromRules, rulesFromRouting, type RuleState } from "./routing-model";

/**
 * The editor's working copy of a version: form-friendly (strings for numbers, ids for React
 * keys) and allowed to be invalid while the author types. `toContent` turns it back into the
 * stored shape for the lib/prompts validators; nothing here decides what is valid.
 */
export type CacheChoice = "off" | "5m" | "1h";

export interface BlockState {
  id: string;
  text: string;
  cache: CacheChoice;
  /** The stored cache_control, reused when the choice did not change (keeps `{type}` without ttl as is). */
  cacheRaw?: CacheControl;
  /**
   * The author acknowledged the {{variables}} before this block's breakpoint. Kept on the block,
   * so it follows the block when blocks are reordered; saved as locations (`acknowledgedLocations`).
   */
  acknowledged?: boolean;
}
export interface SystemBlockState extends BlockState {
  role: SystemBlockRole;
}
export interface TurnState {
  id: string;
  role: "user" | "assistant";
  blocks: BlockState[];
}
export interface VariableState {
  id: string;
  name: string;
  type: VariableType;
  required: boolean;
  hasDefault: boolean;
  defaultText: string;
  description: string;
  valuesText: string;
  /** Chat history (`messages` type): the version's turn it is inserted before (0 = before turn 1, the number of turns = after the last). */
  position: number;
  /** Chat history: the breakpoint on its last message. */
  historyCache: CacheChoice;
  historyCacheRaw?: CacheControl;
}
/** One tool of the model config: its input_schema as the JSON text being edited. */
export interface ToolState {
  id: string;
  name: string;
  description: string;
  schemaText: string;
  cache: CacheChoice;
  cacheRaw?: CacheControl;
}
/** `tool_choice` as the form holds it: "" leaves it unset (the API's default, auto). */
export type ToolChoiceKind = "" | ToolChoice["type"];
export interface EditorState {
  system: SystemBlockState[];
  turns: TurnState[];
  variables: VariableState[];
  model: string;
  maxTokens: string;
  stopSequences: string;
  effort: Effort | "";
  serviceTier: ServiceTier | "";
  fallbackModel: string;
  tools: ToolState[];
  toolChoice: ToolChoiceKind;
  /** The tool `tool_choice: { type: "tool" }` names. */
  toolChoiceName: string;
  /** `disable_parallel_tool_use` as stored (undefined: absent). */
  disableParallel?: boolean;
  outputFormat: "text" | "json";
  schemaText: string;
  /** Policy fields the editor does not show, kept as they are. */
  policyRest: Record<string, unknown>;
  /** Model routing rules (routing-section.tsx, routing-model.ts). */
  routing: RuleState[];
}

let counter = 0;
export const newId = (prefix: string): string => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 7)}`;

/** Moves the item at `from` to position `to` (the other items keep their order); out-of-range indexes change nothing. */
export function moveItem<T>(list: readonly T[], from: number, to: number): T[] {
  if (from === to || from < 0 || to < 0 || from >= list.length || to >= list.length) return [...list];
  const next = [...list];
  const [item] = next.splice(from, 1);
  if (item !== undefined) next.splice(to, 0, item);
  return next;
}

const choiceOf = (c: CacheControl | undefined): CacheChoice => (c ? (c.ttl ?? "5m") : "off");

/**
 * Editor state from stored content (any JSON the database holds; missing parts become empty) and
 * the version's acknowledged variable-before-breakpoint locations.
 */
export function fromContent(content: PromptVersionContent, acknowledged: readonly string[] = []): EditorState {
  const { fallback_model, ...policyRest } = content.policy;
  const acked = new Set(acknowledged);
  const ack = (location: string) => (acked.has(location) ? { acknowledged: true } : {});
  const choice = content.modelConfig.tool_choice;
  return {
    system: content.system.map((b, i) => ({
      id: newId("s"),
      role: b.role,
      text: b.text,
      cache: choiceOf(b.cache_control),
      cacheRaw: b.cache_control,
      ...ack(`system.${i}`),
    })),
    turns: content.messages.map((m, i) => ({
      id: newId("t"),
      role: m.role,
      blocks: m.content.map((b, j) => ({
        id: newId("b"),
        text: b.text,
        cache: choiceOf(b.cache_control),
        cacheRaw: b.cache_control,
        ...ack(`messages.${i}.content.${j}`),
      })),
    })),
    variables: Object.entries(content.variables).map(([name, def]) => ({
      id: newId("v"),
      name,
      type: def.type,
      required: def.required,
      hasDefault: def.default !== undefined,
      defaultText: def.default === undefined ? "" : def.type === "json" ? JSON.stringify(def.default) : String(def.default),
      description: def.description ?? "",
      // A saved draft may hold an enum without values yet (drafts are saved with their problems).
      valuesText: def.type === "enum" ? (def.values ?? []).join(", ") : "",
      position: def.type === "messages" ? def.position : 0,
      historyCache: def.type === "messages" ? choiceOf(def.cache_control) : "off",
      ...(def.type === "messages" && def.cache_control ? { historyCacheRaw: def.cache_control } : {}),
    })),
    model: content.modelConfig.model,
    maxTokens: String(content.modelConfig.max_tokens),
    stopSequences: (content.modelConfig.stop_sequences ?? []).join("\n"),
    effort: content.modelConfig.effort ?? "",
    serviceTier: content.modelConfig.service_tier ?? "",
    fallbackModel: fallback_model ?? "",
    tools: (content.modelConfig.tools ?? []).map((t) => ({
      id: newId("tool"),
      name: t.name,
      description: t.description,
      schemaText: JSON.stringify(t.input_schema, null, 2),
      cache: choiceOf(t.cache_control),
      cacheRaw: t.cache_control,
    })),
    toolChoice: content.modelConfig.tool_choice?.type ?? "",
    toolChoiceName: content.modelConfig.tool_choice?.type === "tool" ? content.modelConfig.tool_choice.name : "",
    ...(choice && "disable_parallel_tool_use" in choice && choice.disable_parallel_tool_use !== undefined
      ? { disableParallel: choice.disable_parallel_tool_use }
      : {}),
    outputFormat: content.outputSchema.format,
    schemaText: content.outputSchema.format === "json" ? JSON.stringify(content.outputSchema.schema, null, 2) : "",
    policyRest,
    routing: rulesFromRouting(content.modelConfig.routing),
  };
}

function cacheControl(block: { cache: CacheChoice; cacheRaw?: CacheControl }): CacheControl | undefined {
  if (block.cache === "off") return undefined;
  if (block.cacheRaw && choiceOf(block.cacheRaw) === block.cache) return block.cacheRaw;
  return { type: "ephemeral", ttl: block.cache };
}

/** The tool definitions from the form; an input_schema that is not a JSON object is a form issue at `modelConfig.tools.<i>.input_schema` (sent as `{}`). */
function toolsOf(tools: readonly ToolState[], issues: LocalIssue[]): ToolDef[] {
  return tools.map((t, i) => {
    let schema: unknown = null;
    const path = `modelConfig.tools.${i}.input_schema`;
    const who = t.name.trim() ? `tool "${t.name.trim()}"` : `tool ${i + 1}`;
    try {
      schema = JSON.parse(t.schemaText) as unknown;
    } catch (error) {
      issues.push({ path, message: `${who}: input_schema is not valid JSON (${error instanceof Error ? error.message : "parse error"})` });
    }
    const isObject = schema !== null && typeof schema === "object" && !Array.isArray(schema);
    if (schema !== null && !isObject) issues.push({ path, message: `${who}: input_schema must be a JSON object ({ "type": "object", ... })` });
    const cc = cacheControl(t);
    return {
      name: t.name,
      description: t.description,
      input_schema: (isObject ? schema : {}) as ToolDef["input_schema"],
      ...(cc ? { cache_control: cc } : {}),
    };
  });
}

function toolChoiceOf(state: Pick<EditorState, "toolChoice" | "toolChoiceName" | "disableParallel">): ToolChoice | undefined {
  const parallel = state.disableParallel !== undefined ? { disable_parallel_tool_use: state.disableParallel } : {};
  switch (state.toolChoice) {
    case "":
      return undefined;
    case "none":
      return { type: "none" };
    case "tool":
      return { type: "tool", name: state.toolChoiceName, ...parallel };
    default:
      return { type: state.toolChoice, ...parallel };
  }
}

export interface LocalIssue {
  path: string;
  message: string;
}

function parseDefault(v: VariableState): { value?: unknown; issue?: string } {
  if (!v.hasDefault) return {};
  const text = v.defaultText;
  switch (v.type) {
    case "string":
    case "enum":
      return { value: text };
    case "number":
      return text.trim() !== "" && Number.isFinite(Number(text)) ? { value: Number(text) } : { issue: "the default must be a number" };
    case "boolean":
      return text === "true" || text === "false" ? { value: text === "true" } : { issue: 'the default must be "true" or "false"' };
    case "json":
      try {
        return { value: JSON.parse(text) as unknown };
      } catch {
        return { issue: "the default must be valid JSON" };
      }
    case "messages":
      return { issue: "a chat history has no default (leave it unset, or make it optional)" };
  }
}

/**
 * The stored content shape from editor state, plus the form-level problems found while
 * converting (a number field that is not a number, a JSON Schema that is not JSON, a duplicate
 * variable name). The result still goes through `parseVersionContent` for every real rule.
 */
export function toContent(state: EditorState): { content: PromptVersionContent; issues: LocalIssue[] } {
  const issues: LocalIssue[] = [];
  const variables: Record<string, unknown> = {};
  state.variables.forEach((v) => {
    const name = v.name.trim();
    const path = `variables.${name || "(unnamed)"}`;
    if (!name) return issues.push({ path, message: "a variable needs a name" });
    if (Object.hasOwn(variables, name)) return issues.push({ path, message: `variable "${name}" is declared twice` });
    const parsed = parseDefault(v);
    if (parsed.issue) issues.push({ path: `${path}.default`, message: `${name}: ${parsed.issue}` });
    if (v.type === "messages") {
      const cc = cacheControl({ cache: v.historyCache, cacheRaw: v.historyCacheRaw });
      variables[name] = {
        type: "messages",
        required: v.required,
        ...(v.description.trim() ? { description: v.description.trim() } : {}),
        position: v.position,
        ...(cc ? { cache_control: cc } : {}),
      };
      return;
    }
    variables[name] = {
      type: v.type,
      required: v.required,
      ...(v.description.trim() ? { description: v.description.trim() } : {}),
      ...(v.type === "enum"
        ? {
            values: v.valuesText
              .split(",")
              .map((x) => x.trim())
              .filter(Boolean),
          }
        : {}),
      ...(parsed.value !== undefined ? { default: parsed.value } : {}),
    };
  });

  const maxTokens = Number(state.maxTokens);
  if (!Number.isInteger(maxTokens) || maxTokens < 1)
    issues.push({ path: "modelConfig.max_tokens", message: "max_tokens must be a whole number of at least 1" });
  const stops = state.stopSequences
    .split("\n")
    .map((s) => s.replace(/\r$/, ""))
    .filter((s) => s.length > 0);

  let outputSchema: PromptVersionContent["outputSchema"] = { format: "text" };
  if (state.outputFormat === "json") {
    let schema: unknown = null;
    try {
      schema = JSON.parse(state.schemaText || "null") as unknown;
    } catch (error) {
      issues.push({ path: "outputSchema.schema", message: `the JSON Schema is not valid JSON (${error instanceof Error ? error.message : "parse error"})` });
    }
    if (schema !== null && (typeof schema !== "object" || Array.isArray(schema))) {
      issues.push({ path: "outputSchema.schema", message: "the JSON Schema must be a JSON object" });
    }
    outputSchema = {
      format: "json",
      schema: schema !== null && typeof schema === "object" && !Array.isArray(schema) ? (schema as Record<string, unknown>) : {},
    };
  }

  const tools = toolsOf(state.tools, issues);
  const toolChoice = toolChoiceOf(state);
  const content = {
    system: state.system.map((b) => {
      const cc = cacheControl(b);
      return { type: "text" as const, text: b.text, role: b.role, ...(cc ? { cache_control: cc } : {}) };
    }),
    messages: state.turns.map((t) => ({
      role: t.role,
      content: t.blocks.map((b) => {
        const cc = cacheControl(b);
        return { type: "text" as const, text: b.text, ...(cc ? { cache_control: cc } : {}) };
      }),
    })),
    variables: variables as PromptVersionContent["variables"],
    modelConfig: {
      model: state.model,
      max_tokens: Number.isFinite(maxTokens) ? maxTokens : 0,
      ...(stops.length > 0 ? { stop_sequences: stops } : {}),
      ...(state.effort ? { effort: state.effort } : {}),
      ...(state.serviceTier ? { service_tier: state.serviceTier } : {}),
      ...(tools.length > 0 ? { tools } : {}),
      ...(toolChoice ? { tool_choice: toolChoice } : {}),
      ...(state.routing.length > 0 ? { routing: routingFromRules(state.routing) } : {}),
    },
    outputSchema,
    policy: { ...state.policyRest, ...(state.fallbackModel ? { fallback_model: state.fallbackModel } : {}) },
  };
  // What no save accepts (NUL, an unpaired surrogate, Infinity from 1e400 in a schema, nesting
  // deeper than an action takes) is named at its field here, and the autosave waits, instead of a
  // save the server refuses. The save sends `{ content, ... }`: checked the same way.
  const hostile = inspectJsonInput({ content }, ACTION_INPUT_LIMITS);
  if (hostile) issues.push({ path: hostile.path.replace(/^content\.?/, ""), message: hostile.message });
  return { content, issues };
}

/** Locations (`system.<i>`, `messages.<i>.content.<j>`) of the acknowledged blocks that have a breakpoint, in the current order. */
export function acknowledgedLocations(state: Pick<EditorState, "system" | "turns">): string[] {
  const out: string[] = [];
  state.system.forEach((b, i) => {
    if (b.acknowledged && b.cache !== "off") out.push(`system.${i}`);
  });
  state.turns.forEach((t, i) =>
    t.blocks.forEach((b, j) => {
      if (b.acknowledged && b.cache !== "off") out.push(`messages.${i}.content.${j}`);
    }),
  );
  return out;
}

/** DOM id of the editor element a validation path points at (block, variable table, model or output section). */
export function anchorForPath(path: string): string {
  const system = /^system\.(\d+)/.exec(path);
  if (system) return `block-system-${system[1]}`;
  const message = /^messages\.(\d+)(?:\.content\.(\d+))?/.exec(path);
  if (message) return `block-messages-${message[1]}-${message[2] ?? "0"}`;
  const tool = /^(?:modelConfig\.)?tools\.(\d+)/.exec(path);
  if (tool) return `tool-${tool[1]}`;
  if (/^(?:modelConfig\.)?(?:tools|tool_choice)/.test(path)) return "section-tools";
  const history = /^variables\.([^.]+)\.position/.exec(path);
  if (history) return `history-${history[1]}`;
  if (path.startsWith("variables")) return "section-variables";
  if (path.startsWith("modelConfig.routing")) return "section-routing";
  if (path.startsWith("modelConfig") || path.startsWith("policy")) return "section-model";
  if (path.startsWith("outputSchema")) return "section-output";
  return "section-blocks";
}

// ---- derived views: what the editor shows, computed from lib/prompts results ----

/** JSON of what a save sends (content + acknowledgements): the editor is dirty while it differs from the last saved one. */
export function draftJson(content: PromptVersionContent, acknowledged: readonly string[]): string {
  return JSON.stringify({ content, acknowledged });
}

/** `draftJson` of the stored content the editor opened with, as the editor's round trip normalizes it. */
export function openedDraftJson(content: PromptVersionContent, acknowledged: readonly string[]): string {
  const initial = toContent(fromContent(content)).content;
  return draftJson(initial, normalizeAcknowledgements(initial, acknowledged));
}

/** One line of the validation panel. */
export interface EditorIssue {
  severity: "error" | "warning";
  message: string;
  path: string;
  source: "shape" | "contract" | "cache" | "form";
}

/**
 * Every problem, in the panel's order: form, shape, contract errors, cache (errors and warnings),
 * contract warnings. A contract error at a path the shape check already reports (an enum without
 * values, a default of the wrong type) is the same problem said twice: only the shape one is listed.
 */
export function collectIssues(checks: {
  form: readonly LocalIssue[];
  shape: readonly ErrorIssue[];
  contract: ContractReport;
  cache: CacheAnalysis;
}): EditorIssue[] {
  const shapePaths = new Set(checks.shape.map((i) => i.path));
  // A form problem (a tool schema that is not JSON) is sent as a stand-in value: the shape check's word on it is the same problem again.
  const formPaths = checks.form.map((i) => i.path);
  const coveredByForm = (path: string) => formPaths.some((f) => path === f || path.startsWith(`${f}.`));
  return [
    ...checks.form.map((i) => ({ ...i, severity: "error" as const, source: "form" as const })),
    ...checks.shape.filter((i) => !coveredByForm(i.path)).map((i) => ({ severity: "error" as const, source: "shape" as const, ...i })),
    ...checks.contract.errors
      .filter((i) => !shapePaths.has(i.path))
      .map((i) => ({ severity: "error" as const, source: "contract" as const, path: i.path, message: i.message })),
    ...checks.cache.issues.map((i) => ({ severity: i.severity, source: "cache" as const, path: i.location, message: i.message })),
    ...checks.contract.warnings.map((i) => ({ severity: "warning" as const, source: "contract" as const, path: i.path, message: i.message })),
  ];
}

/**
 * The issues shown at one field: those whose path is `path` or lies under it (`modelConfig.tools.1.name`
 * for the name field of tool 2; `modelConfig.tools.1.input_schema` also takes the schema's inner places).
 */
export function issuesAt(issues: readonly EditorIssue[], ...paths: string[]): EditorIssue[] {
  return issues.filter((i) => paths.some((p) => i.path === p || i.path.startsWith(`${p}.`)));
}

type Role = TurnState["role"];
const ROLE_NAME: Record<Role, string> = { user: "the user", assistant: "the assistant" };

/** What the version's turns around a chat history ask of it, and the problems of its place. */
export interface HistoryPlacement {
  /** The turn right before the history (1-based) and its role; absent at the start. */
  before?: { turn: number; role: Role };
  /** The turn right after; absent at the end. */
  after?: { turn: number; role: Role };
  /** The role its first message must have. */
  startsWith: Role;
  /** The role its last message must have (null at the end: any, an assistant message there is a prefill). */
  endsWith: Role | null;
  problems: string[];
}

/**
 * The place of a chat history among `turns` (inserted before turn `position + 1`): what its first
 * and last messages must be for user and assistant turns to alternate (the checks render applies
 * to every value, `historyProblems`), and what is wrong with the place itself: past the last turn,
 * or between two turns from the same role (they must alternate without it: the history may be
 * empty), or at the end, where a history ending with the assistant leaves Claude nothing to answer.
 */
export function historyPlacement(turns: readonly { role: Role }[], position: number): HistoryPlacement {
  const problems: string[] = [];
  if (!Number.isInteger(position) || position < 0 || position > turns.length) {
    problems.push(`position ${position} is outside the turns (0 inserts before turn 1, ${turns.length} after the last turn)`);
  }
  const at = Math.min(Math.max(0, Math.trunc(position) || 0), turns.length);
  const beforeTurn = turns[at - 1];
  const afterTurn = turns[at];
  const before = beforeTurn ? { turn: at, role: beforeTurn.role } : undefined;
  const after = afterTurn ? { turn: at + 1, role: afterTurn.role } : undefined;
  if (before && after && before.role === after.role) {
    problems.push(
      `Turn ${before.turn} and Turn ${after.turn} around it are both from ${ROLE_NAME[before.role]}: the turns must alternate without the history too (it may be empty); change a role or move the history`,
    );
  }
  if (!after && turns.length > 0 && before?.role === "user") {
    problems.push(`it comes after Turn ${before.turn}, from the user: the history would have to start with the assistant and the request ends with it`);
  }
  const startsWith: Role = before?.role === "user" ? "assistant" : "user";
  const endsWith: Role | null = after ? (after.role === "user" ? "assistant" : "user") : null;
  return { ...(before ? { before } : {}), ...(after ? { after } : {}), startsWith, endsWith, problems };
}

/** DOM anchors (`anchorForPath`) of the editor elements that have at least one error (outlined in red). */
export function errorAnchors(issues: readonly EditorIssue[]): Set<string> {
  return new Set(issues.filter((i) => i.severity === "error").map((i) => anchorForPath(i.path)));
}

/** The cache figures shown under each block, by location (`system.<i>`, `messages.<i>.content.<j>`). */
export interface CacheFigures {
  blockAt: ReadonlyMap<string, CacheBlock>;
  breakpointAt: ReadonlyMap<string, CacheBreakpoint>;
  minCacheableTokens: number | null;
}

export function cacheFigures(cache: CacheAnalysis): CacheFigures {
  return {
    blockAt: new Map(cache.blocks.map((b) => [b.location, b])),
    breakpointAt: new Map(cache.breakpoints.map((b) => [b.location, b])),
    minCacheableTokens: cache.minCacheableTokens,
  };
}

/** The API's token counts in the shape analyzeCache and previewCost take. */
export function countedTokens(counts: Pick<PrefixTokenCounts, "totalTokens" | "breakpoints">): CountedTokens {
  return { totalTokens: counts.totalTokens, prefixTokens: Object.fromEntries(counts.breakpoints.map((b) => [b.location, b.prefixTokens])) };
}

/** Where the editor's token figures come from, with the note shown above the blocks. */
export interface TokenSource {
  kind: "counted" | "estimate";
  note: string;
}

/**
 * `available`: an API key is configured; `counted`: figures for the current template are in;
 * `savable`: the content is well-formed (only such content is counted); `failure`: the count of
 * the current template failed with this message.
 */
export function tokenSourceOf(s: { available: boolean; counted: boolean; savable: boolean; failure: string | null }): TokenSource {
  if (!s.available) return { kind: "estimate", note: "estimate: no Anthropic API key is configured" };
  if (s.counted) return { kind: "counted", note: "counted by the API" };
  if (!s.savable) return { kind: "estimate", note: "estimate: fix the errors to count with the API" };
  if (s.failure !== null) return { kind: "estimate", note: `estimate: counting failed (${s.failure})` };
  return { kind: "estimate", note: "estimate: counting with the API…" };
}

/** The cost preview for a catalog model, or null when the model is unknown or the preview is impossible. */
export function costPreviewOf(
  content: PromptVersionContent,
  spec: ModelSpec | undefined,
  options: { expectedOutputTokens: number; hitRate: number; counted?: CountedTokens },
): CostPreview | null {
  if (!spec) return null;
  try {
    return previewCost(content, { model: spec, expectedOutputTokens: options.expectedOutputTokens, hitRate: options.hitRate, counted: options.counted });
  } catch {
    return null;
  }
}

export type RenderPreview = { ok: true; json: string } | { ok: false; issues: ErrorIssue[] };

/**
 * The Messages API request the content renders to with the sample values typed into the preview
 * form (empty fields and names no longer declared are left out, so defaults apply; text is
 * coerced to the declared type), or the render's issues.
 */
export function renderPreview(content: PromptVersionContent, samples: Readonly<Record<string, string>>, catalog: readonly ModelSpec[]): RenderPreview {
  const values: Record<string, string> = {};
  const declared = effectiveVariables(content);
  for (const [k, v] of Object.entries(samples)) if (v !== "" && Object.hasOwn(declared, k)) values[k] = v;
  try {
    return { ok: true, json: JSON.stringify(renderVersion(content, values, { coerceStrings: true, catalog }), null, 2) };
  } catch (error) {
    if (isAppError(error)) return { ok: false, issues: error.issues ?? [{ path: "", message: error.message }] };
    return { ok: false, issues: [{ path: "", message: error instanceof Error ? error.message : "cannot render" }] };
  }
}

/**
 * What the snippet includes of `content` depend on, as one string (the templates' texts and the
 * variables, whose types a snippet's must match), or null when no template includes a snippet
 * (`{{> name@ref}}`): the editor resolves includes again only when this changes.
 */
export function includesTemplateJson(content: Pick<PromptVersionContent, "system" | "messages" | "variables">): string | null {
  const texts = [content.system.map((b) => b.text), content.messages.map((m) => m.content.map((c) => c.text))];
  const json = JSON.stringify(texts);
  if (!/\{\{\s*>/.test(json)) return null;
  return JSON.stringify({ texts, variables: content.variables });
}
