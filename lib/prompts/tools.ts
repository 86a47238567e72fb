import { z } from "zod";
import { canonicalJson } from "@/lib/canonical-json";
import { jsonSchemaProblems } from "@/lib/prompts/json-schema";

/**
 * Tool definitions versioned with the prompt: `modelConfig.tools` (the document's `request.tools`)
 * and `modelConfig.tool_choice` (`request.tool_choice`), in the Messages API's own shape. The
 * rules a set of tools must follow (`toolProblems`), its semver comparison (`compareTools`) and
 * the validation of a `tool_use` input against its tool's schema (`toolInputProblems`) live here.
 * Framework-free and importable by client components (zod and ajv only).
 */

/** Tool names as the Messages API accepts them. */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
export const MAX_TOOLS = 64;

/** `{ type: "ephemeral", ttl? }`, the same shape as a block's cache_control. */
const toolCacheControlSchema = z.strictObject({ type: z.literal("ephemeral"), ttl: z.enum(["5m", "1h"]).optional() });

/** One tool: name, description, input_schema (a JSON Schema object), and optionally a breakpoint. */
export const toolDefSchema = z.strictObject({
  name: z.string().regex(TOOL_NAME_PATTERN, "tool names are 1-64 characters of a-z, A-Z, 0-9, '_' and '-'"),
  description: z.string().trim().min(1, "a tool needs a description (Claude reads it to decide when to call the tool)").max(10_000),
  input_schema: z.looseObject({ type: z.literal("object", { error: 'input_schema must have "type": "object" (tool inputs are objects)' }) }),
  cache_control: toolCacheControlSchema.optional(),
});
export type ToolDef = z.infer<typeof toolDefSchema>;

/** `auto` (Claude decides), `any` (must call one), `tool` (must call `name`), `none` (must not call). */
export const toolChoiceSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("auto"), disable_parallel_tool_use: z.boolean().optional() }),
  z.strictObject({ type: z.literal("any"), disable_parallel_tool_use: z.boolean().optional() }),
  z.strictObject({ type: z.literal("tool"), name: z.string().min(1), disable_parallel_tool_use: z.boolean().optional() }),
  z.strictObject({ type: z.literal("none") }),
]);
export type ToolChoice = z.infer<typeof toolChoiceSchema>;

export const toolsSchema = z.array(toolDefSchema).max(MAX_TOOLS, `at most ${MAX_TOOLS} tools`);

export interface ToolProblem {
  /** Path relative to the model config: `tools.1.name`, `tools.0.input_schema.properties.id.type`, `tool_choice.name`. */
  path: string;
  message: string;
}

/**
 * Every problem of a shape-valid set of tools, each at its place: a name used twice (at the
 * second use), an `input_schema` that is not a JSON Schema (draft-07 meta-schema, one problem per
 * place, `tools.<i>.input_schema.<where>`; its top-level `"type": "object"` is the zod shape's), `cache_control` on any tool but the last (a breakpoint caches everything before
 * it, so only the last tool's is useful: put it there), a `tool_choice` without tools or naming
 * a tool that does not exist. Never throws.
 */
export function toolProblems(tools: readonly ToolDef[] | undefined, toolChoice: ToolChoice | undefined): ToolProblem[] {
  const problems: ToolProblem[] = [];
  const list = tools ?? [];
  const seen = new Map<string, number>();
  list.forEach((tool, i) => {
    const first = seen.get(tool.name);
    if (first !== undefined) problems.push({ path: `tools.${i}.name`, message: `tool name "${tool.name}" is already used by tool ${first + 1}` });
    else seen.set(tool.name, i);
    for (const p of jsonSchemaProblems(tool.input_schema)) {
      problems.push({
        path: `tools.${i}.input_schema${p.pointer.replace(/\//g, ".")}`,
        message: `tool "${tool.name}": input_schema is not a valid JSON Schema: ${p.message}`,
      });
    }
    if (tool.cache_control && i !== list.length - 1) {
      problems.push({
        path: `tools.${i}.cache_control`,
        message: `tool "${tool.name}": only the last tool may carry a cache breakpoint (it caches every tool before it)`,
      });
    }
  });
  if (toolChoice && toolChoice.type !== "auto" && toolChoice.type !== "none" && list.length === 0) {
    problems.push({ path: "tool_choice", message: `tool_choice "${toolChoice.type}" needs at least one tool` });
  }
  if (toolChoice?.type === "tool" && list.length > 0 && !seen.has(toolChoice.name)) {
    problems.push({ path: "tool_choice.name", message: `tool_choice names "${toolChoice.name}", which is not one of the tools` });
  }
  return problems;
}

export interface ToolChange {
  bump: "major" | "minor" | "patch";
  message: string;
  /** The tool the finding is about (absent for "tools reordered" and tool_choice). */
  tool?: string;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Where schema `b` accepts less than schema `a` (what an app's tool code or a caller relying on a
 * tool may no longer get): a property removed or newly required, a type narrowed (a type dropped
 * from a union), enum values removed, items narrowed, and any change of a keyword not analysed
 * here (limits, patterns, additionalProperties...: assumed narrowing). Widenings are returned in
 * `wider`. Annotations (title, description, examples, default) are neither.
 */
export function compareInputSchemas(a: unknown, b: unknown, at = "$"): { narrower: string[]; wider: string[] } {
  const narrower: string[] = [];
  const wider: string[] = [];
  const types = (s: Json): Set<string> | null => (s.type === undefined ? null : new Set((Array.isArray(s.type) ? s.type : [s.type]).map(String)));
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (canonicalJson(x) === canonicalJson(y)) return;
    if (!isObj(x) || !isObj(y)) {
      narrower.push(`${path} changed`);
      return;
    }
    const tx = types(x);
    const ty = types(y);
    if (tx === null && ty !== null) narrower.push(`${path} now restricted to ${[...ty].join("|")}`);
    else if (tx !== null && ty === null) wider.push(`${path} accepts any type`);
    else if (tx && ty) {
      const dropped = [...tx].filter((t) => !ty.has(t));
      const added = [...ty].filter((t) => !tx.has(t));
      if (dropped.length > 0) narrower.push(`${path} no longer accepts ${dropped.join("|")}`);
      if (added.length > 0) wider.push(`${path} also accepts ${added.join("|")}`);
    }
    const px = isObj(x.properties) ? x.properties : {};
    const py = isObj(y.properties) ? y.properties : {};
    const rx = new Set(Array.isArray(x.required) ? x.required.map(String) : []);
    const ry = new Set(Array.isArray(y.required) ? y.required.map(String) : []);
    for (const key of Object.keys(px)) {
      if (!Object.hasOwn(py, key)) narrower.push(`${path}.${key} removed`);
      else walk(px[key], py[key], `${path}.${key}`);
    }
    for (const key of Object.keys(py)) {
      if (Object.hasOwn(px, key)) continue;
      if (ry.has(key)) narrower.push(`${path}.${key} added as required`);
      else wider.push(`${path}.${key} added (optional)`);
    }
    for (const key of ry) if (!rx.has(key) && Object.hasOwn(px, key)) narrower.push(`${path}.${key} became required`);
    for (const key of rx) if (!ry.has(key) && Object.hasOwn(py, key)) wider.push(`${path}.${key} became optional`);
    if (Array.isArray(x.enum) || Array.isArray(y.enum)) {
      const ex = Array.isArray(x.enum) ? x.enum.map((v) => canonicalJson(v)) : null;
      const ey = Array.isArray(y.enum) ? y.enum.map((v) => canonicalJson(v)) : null;
      if (ex === null) narrower.push(`${path} now limited to enum values`);
      else if (ey === null) wider.push(`${path} no longer limited to enum values`);
      else {
        const removed = ex.filter((v) => !ey.includes(v));
        if (removed.length > 0) narrower.push(`${path} enum values removed: ${removed.join(", ")}`);
        if (ey.some((v) => !ex.includes(v))) wider.push(`${path} enum values added`);
      }
    }
    if (x.items !== undefined || y.items !== undefined) walk(x.items, y.items, `${path}[]`);
    const analysed = new Set(["type", "properties", "required", "items", "enum"]);
    const annotations = new Set(["title", "description", "examples", "default", "$comment", "$schema", "$id"]);
    for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
      if (analysed.has(key) || annotations.has(key) || canonicalJson(x[key]) === canonicalJson(y[key])) continue;
      narrower.push(`${path} "${key}" changed (not analysed; assumed narrowing)`);
    }
  };
  walk(a, b, at);
  return { narrower, wider };
}

/**
 * The semver findings between two tool sets (matched by name). MAJOR: a tool removed, an input
 * schema narrowed (`compareInputSchemas`), tool_choice now forcing a tool (`any`/`tool`) or
 * switching tools off (`none`). MINOR: a tool added, an input schema widened, a description
 * changed (Claude decides when to call from it), any other tool_choice change. PATCH: tools
 * reordered, schema annotations edited, a tool's cache_control changed.
 */
export function compareTools(
  a: { tools?: readonly ToolDef[]; tool_choice?: ToolChoice },
  b: { tools?: readonly ToolDef[]; tool_choice?: ToolChoice },
): ToolChange[] {
  const out: ToolChange[] = [];
  const before = new Map((a.tools ?? []).map((t) => [t.name, t]));
  const after = new Map((b.tools ?? []).map((t) => [t.name, t]));
  for (const [name, ta] of before) {
    const tb = after.get(name);
    if (!tb) {
      out.push({ bump: "major", message: `tool "${name}" removed`, tool: name });
      continue;
    }
    const { narrower, wider } = compareInputSchemas(ta.input_schema, tb.input_schema);
    for (const n of narrower) out.push({ bump: "major", message: `tool "${name}" input_schema narrowed: ${n}`, tool: name });
    for (const w of wider) out.push({ bump: "minor", message: `tool "${name}" input_schema widened: ${w}`, tool: name });
    if (narrower.length === 0 && wider.length === 0 && canonicalJson(ta.input_schema) !== canonicalJson(tb.input_schema)) {
      out.push({ bump: "patch", message: `tool "${name}" input_schema annotations changed`, tool: name });
    }
    if (ta.description !== tb.description) out.push({ bump: "minor", message: `tool "${name}" description changed`, tool: name });
    if (canonicalJson(ta.cache_control) !== canonicalJson(tb.cache_control))
      out.push({ bump: "patch", message: `tool "${name}" cache_control changed`, tool: name });
  }
  for (const name of after.keys()) if (!before.has(name)) out.push({ bump: "minor", message: `tool "${name}" added`, tool: name });
  const order = (list?: readonly ToolDef[]) => (list ?? []).map((t) => t.name).filter((n) => before.has(n) && after.has(n));
  if (order(a.tools).join(",") !== order(b.tools).join(",")) out.push({ bump: "patch", message: "tools reordered" });
  if (canonicalJson(a.tool_choice ?? null) !== canonicalJson(b.tool_choice ?? null)) {
    const forced = b.tool_choice !== undefined && b.tool_choice.type !== "auto";
    const describe = (c?: ToolChoice) => (c ? (c.type === "tool" ? `tool ${c.name}` : c.type) : "unset (auto)");
    out.push({ bump: forced ? "major" : "minor", message: `tool_choice changed ${describe(a.tool_choice)} -> ${describe(b.tool_choice)}` });
  }
  return out;
}

/** The tool-use block of a Claude response, as the runner reads it. */
export interface ToolUseBlock {
  type: "tool_use";
  id: string;
  name: string;
  input: unknown;
}

/**
 * Problems of one `tool_use` input against its tool's `input_schema` (`[]` when it validates): an
 * unknown tool name, or each schema violation (`/order_id must be string`). `validate` compiles
 * and runs the schema (the runner passes its ajv-backed one); kept injectable so this module has
 * no compile cache of its own.
 */
export function toolInputProblems(
  block: Pick<ToolUseBlock, "name" | "input">,
  tools: readonly ToolDef[],
  validate: (schema: Record<string, unknown>, value: unknown) => string[],
): string[] {
  const tool = tools.find((t) => t.name === block.name);
  if (!tool) return [`"${block.name}" is not one of the tools (${tools.map((t) => t.name).join(", ") || "none"})`];
  return validate(tool.input_schema, block.input);
}
