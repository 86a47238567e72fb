import { AppError, type ErrorIssue } from "@/lib/errors";
import { findModel, type ModelSpec } from "@/lib/models/catalog";
import type { CacheControl, Effort, PromptVersionContent, ServiceTier, SnippetPin, VariableDef, Variables } from "@/lib/prompts/schemas";
import { isJsonValue } from "@/lib/prompts/schemas";
import { evaluateTemplate, expandIncludes, formatPosition, hasTags, isTruthyText, parseTemplate } from "@/lib/prompts/sections";
import { fillTemplate } from "@/lib/prompts/templates";
import { coerceHistoryValue, historyProblems, historyTurns, type HistoryBlock } from "@/lib/prompts/history";
import type { ToolChoice, ToolDef } from "@/lib/prompts/tools";

/** A text block exactly as the Messages API takes it. */
export interface RenderedTextBlock {
  type: "text";
  text: string;
  cache_control?: CacheControl;
}

export interface RenderedMessage {
  role: "user" | "assistant";
  /** Text blocks of the version's turns; chat history may add tool_use and tool_result blocks. */
  content: Array<RenderedTextBlock | Exclude<HistoryBlock, { type: "text" }>>;
}

/** Messages API request params (non-streaming), ready to send with the SDK. */
export interface RenderedRequest {
  model: string;
  max_tokens: number;
  system?: RenderedTextBlock[];
  messages: RenderedMessage[];
  stop_sequences?: string[];
  output_config?: { effort: Effort };
  service_tier?: ServiceTier;
  tools?: ToolDef[];
  tool_choice?: ToolChoice;
}

export interface RenderOptions {
  /** Send to this model instead of the version's (e.g. a fallback); max_tokens is clamped to its max output. */
  model?: string;
  /**
   * Accept strings for number/boolean/json variables and parse them ("3", "true", '{"a":1}'), as
   * form inputs in the editor preview deliver them. Off for the API: JSON callers send real types.
   */
  coerceStrings?: boolean;
  catalog?: readonly ModelSpec[];
}

export type VariableInput = Readonly<Record<string, unknown>>;

/** Text for one variable value, or an error message. Exported for the editor's live preview. */
export function formatVariableValue(
  name: string,
  def: VariableDef,
  value: unknown,
  coerceStrings = false,
): { ok: true; text: string } | { ok: false; message: string } {
  let v = value;
  if (coerceStrings && def.type === "messages") {
    const coerced = coerceHistoryValue(v);
    if (!coerced.ok) return { ok: false, message: `variable "${name}" ${coerced.message}` };
    v = coerced.value;
  }
  if (coerceStrings && typeof v === "string") {
    if (def.type === "number" && v.trim() !== "" && Number.isFinite(Number(v))) v = Number(v);
    else if (def.type === "boolean" && (v === "true" || v === "false")) v = v === "true";
    else if (def.type === "json") {
      try {
        v = JSON.parse(v) as unknown;
      } catch {
        return { ok: false, message: `variable "${name}" must be valid JSON` };
      }
    }
  }
  switch (def.type) {
    case "string":
      return typeof v === "string" ? { ok: true, text: v } : { ok: false, message: `variable "${name}" must be a string` };
    case "number":
      return typeof v === "number" && Number.isFinite(v) ? { ok: true, text: String(v) } : { ok: false, message: `variable "${name}" must be a finite number` };
    case "boolean":
      return typeof v === "boolean" ? { ok: true, text: String(v) } : { ok: false, message: `variable "${name}" must be a boolean` };
    case "enum":
      return typeof v === "string" && def.values.includes(v)
        ? { ok: true, text: v }
        : { ok: false, message: `variable "${name}" must be one of ${def.values.map((x) => JSON.stringify(x)).join(", ")}` };
    case "json":
      return isJsonValue(v) ? { ok: true, text: JSON.stringify(v) } : { ok: false, message: `variable "${name}" must be a JSON value` };
    case "messages":
      // Inserted as turns, never as text; renderVersion checks the turns themselves.
      return Array.isArray(v) ? { ok: true, text: "" } : { ok: false, message: `variable "${name}" must be an array of messages ({ role, content })` };
  }
}

/**
 * Resolves caller variables against the contract: applies defaults, then collects EVERY problem —
 * missing required variable (required, no default, not given), unknown variable (not declared),
 * ill-typed value — one issue per variable (`path: "variables.<name>"`, message naming it) and
 * throws them together as `AppError("unprocessable", ..., { issues })`. `undefined` counts as not
 * given; `null` is only valid for json variables. Returns the text each placeholder becomes.
 */
export function resolveVariables(
  contract: Readonly<Record<string, VariableDef>>,
  input: VariableInput,
  options: { coerceStrings?: boolean } = {},
): Record<string, string> {
  const issues: ErrorIssue[] = [];
  const values: Record<string, string> = {};
  for (const name of Object.keys(input)) {
    if (!Object.hasOwn(contract, name) && input[name] !== undefined) {
      issues.push({ path: `variables.${name}`, message: `unknown variable "${name}" (not declared by this version)` });
    }
  }
  for (const [name, def] of Object.entries(contract)) {
    const given = Object.hasOwn(input, name) ? input[name] : undefined;
    const value = given !== undefined ? given : def.default;
    if (value === undefined) {
      if (def.required) issues.push({ path: `variables.${name}`, message: `missing required variable "${name}"` });
      else values[name] = "";
      continue;
    }
    const formatted = formatVariableValue(name, def, value, options.coerceStrings === true && given !== undefined);
    if (formatted.ok) values[name] = formatted.text;
    else issues.push({ path: `variables.${name}`, message: formatted.message });
  }
  if (issues.length > 0) {
    throw new AppError("unprocessable", `Invalid variables: ${issues.map((i) => i.message).join("; ")}`, { issues });
  }
  return values;
}

/**
 * The contract a render checks: the version's own variables, then each pinned snippet's that the
 * version does not declare itself (first pin first). Snippet variables join the including
 * prompt's contract; a clash of types is refused at publish (snippets.ts).
 */
export function effectiveVariables(version: { variables: Variables; snippets?: readonly SnippetPin[] }): Variables {
  const out: Variables = { ...version.variables };
  for (const pin of version.snippets ?? []) {
    for (const [name, def] of Object.entries(pin.variables)) if (!Object.hasOwn(out, name)) out[name] = def;
  }
  return out;
}

/**
 * One template text rendered: includes replaced by their pinned text, sections evaluated
 * (sections.ts), placeholders filled. An include without a pin or a grammar error is an issue at
 * `path` (the caller throws them together); the text is then returned as it was.
 */
export function renderTemplateText(
  text: string,
  values: Record<string, string>,
  pins: ReadonlyMap<string, string>,
  path: string,
  issues: ErrorIssue[],
): string {
  if (!hasTags(text)) return fillTemplate(text, values);
  const expanded = expandIncludes(text, (ref) => pins.get(ref.key));
  for (const key of expanded.missing) {
    issues.push({
      path,
      message: `{{> ${key}}} is not pinned to a snippet version: includes are pinned when the version is published (in the editor, save and reload to preview a new include)`,
    });
  }
  const parsed = parseTemplate(expanded.text);
  for (const e of parsed.errors) issues.push({ path, message: `${formatPosition(e)}: ${e.message}` });
  if (expanded.missing.length > 0 || parsed.errors.length > 0) return text;
  return evaluateTemplate(
    parsed.nodes,
    (name) => isTruthyText(values[name]),
    (t) => fillTemplate(t, values),
  );
}

function renderBlock(
  block: { text: string; cache_control?: CacheControl },
  values: Record<string, string>,
  pins: ReadonlyMap<string, string>,
  path: string,
  issues: ErrorIssue[],
): RenderedTextBlock {
  const out: RenderedTextBlock = { type: "text", text: renderTemplateText(block.text, values, pins, path, issues) };
  if (block.cache_control) out.cache_control = { ...block.cache_control };
  return out;
}

/**
 * Renders a version into exact Messages API params:
 * `{ model, max_tokens, system?, messages, stop_sequences?, output_config?: { effort }, service_tier? }`.
 * System blocks lose their Promptdeck `role`; `cache_control` is kept. Variables are checked by
 * `resolveVariables` (all problems thrown together as one `AppError("unprocessable")`); an
 * optional variable with neither value nor default renders as "". Blocks whose rendered text is
 * blank are dropped (the API rejects empty text blocks); a message left without content, or an
 * unknown override model, is also `unprocessable`. `system` is omitted when there are no system
 * blocks. Sections (`{{#var}}...{{/var}}`, `{{^var}}...{{/var}}`) are evaluated and includes
 * (`{{> snippet@label}}`) replaced by the version's pinned snippet text (`version.snippets`),
 * whose variables join the contract (`effectiveVariables`); an include without a pin is
 * `unprocessable`. Pure and deterministic: the editor preview, the serving API and the runner all call it.
 */
export function renderVersion(
  version: Pick<PromptVersionContent, "system" | "messages" | "variables" | "modelConfig" | "snippets">,
  variables: VariableInput = {},
  options: RenderOptions = {},
): RenderedRequest {
  const values = resolveVariables(effectiveVariables(version), variables, { coerceStrings: options.coerceStrings });
  const pins = new Map((version.snippets ?? []).map((p) => [p.key, p.text]));
  const history = resolveHistory(version, variables, options.coerceStrings === true);
  const config = version.modelConfig;

  let model = config.model;
  let maxTokens = config.max_tokens;
  if (options.model !== undefined && options.model !== config.model) {
    const spec = findModel(options.model, options.catalog);
    if (!spec) {
      throw new AppError("unprocessable", `Unknown model "${options.model}"`, {
        issues: [{ path: "model", message: `unknown model "${options.model}"` }],
      });
    }
    model = options.model;
    maxTokens = Math.min(maxTokens, spec.maxOutputTokens);
  }

  const issues: ErrorIssue[] = [];
  const system = version.system.map((b, i) => renderBlock(b, values, pins, `system.${i}.text`, issues)).filter((b) => b.text.trim() !== "");
  const messages: RenderedMessage[] = version.messages.map((m, i) => {
    const content = m.content.map((b, j) => renderBlock(b, values, pins, `messages.${i}.content.${j}.text`, issues)).filter((b) => b.text.trim() !== "");
    if (content.length === 0 && !issues.some((x) => x.path.startsWith(`messages.${i}.`))) {
      issues.push({ path: `messages.${i}`, message: `message ${i} (${m.role}) is empty after filling in the variables` });
    }
    return { role: m.role, content };
  });
  if (issues.length > 0) throw new AppError("unprocessable", issues.map((i) => i.message).join("; "), { issues });
  // Chat history goes in at its position; later positions first so earlier indexes stay valid.
  for (const h of [...history].sort((a, b) => b.position - a.position)) messages.splice(h.position, 0, ...h.turns);

  // Key order as in Anthropic's docs, so the JSON reads naturally.
  const request: RenderedRequest = { model, max_tokens: maxTokens, ...(system.length > 0 ? { system } : {}), messages };
  if (config.stop_sequences && config.stop_sequences.length > 0) request.stop_sequences = [...config.stop_sequences];
  if (config.effort) request.output_config = { effort: config.effort };
  if (config.service_tier) request.service_tier = config.service_tier;
  if (config.tools && config.tools.length > 0) request.tools = config.tools.map((t) => ({ ...t }));
  if (config.tool_choice) request.tool_choice = { ...config.tool_choice };
  return request;
}

/**
 * The chat-history variables of a call as turns at their positions: each value (JSON text when
 * `coerceStrings`) checked by `historyProblems` against the version's turns around its position,
 * every problem thrown together as `AppError("unprocessable")` with paths
 * `variables.<name>.<i>...`. A history not sent inserts nothing.
 */
function resolveHistory(
  version: Pick<PromptVersionContent, "messages" | "variables">,
  variables: VariableInput,
  coerceStrings: boolean,
): Array<{ position: number; turns: RenderedMessage[] }> {
  const out: Array<{ position: number; turns: RenderedMessage[] }> = [];
  const issues: ErrorIssue[] = [];
  for (const [name, def] of Object.entries(version.variables)) {
    if (def.type !== "messages") continue;
    const given = Object.hasOwn(variables, name) ? variables[name] : undefined;
    if (given === undefined) continue;
    const coerced = coerceStrings ? coerceHistoryValue(given) : { ok: true as const, value: given };
    if (!coerced.ok) continue; // reported by resolveVariables
    const position = Math.min(def.position, version.messages.length);
    const before = version.messages[position - 1]?.role;
    const after = version.messages[position]?.role;
    const problems = historyProblems(coerced.value, { path: `variables.${name}`, before, after });
    if (problems.length > 0) {
      issues.push(...problems);
      continue;
    }
    const value = coerced.value as unknown[];
    out.push({ position, turns: historyTurns(value, def.cache_control) as RenderedMessage[] });
  }
  if (issues.length > 0) throw new AppError("unprocessable", `Invalid chat history: ${issues.map((i) => i.message).join("; ")}`, { issues });
  return out;
}

/**
 * Example values for the variables a caller must send (required, no default), typed by the
 * contract: string "...", number 1, boolean true, enum its first value, json `{}`. Variables with
 * a default or that are optional are left out (the server fills them in). For copy-ready snippets.
 */
export function exampleVariables(variables: Variables): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(variables)) {
    if (!def.required || def.default !== undefined) continue;
    switch (def.type) {
      case "string":
        out[name] = "...";
        break;
      case "number":
        out[name] = 1;
        break;
      case "boolean":
        out[name] = true;
        break;
      case "enum":
        out[name] = def.values[0];
        break;
      case "json":
        out[name] = {};
        break;
      case "messages":
        out[name] = [
          { role: "user", content: "..." },
          { role: "assistant", content: "..." },
        ];
        break;
    }
  }
  return out;
}
