import { createHash } from "node:crypto";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { LRUCache } from "lru-cache";
import { canonicalJson } from "@/lib/canonical-json";

/**
 * JSON output validation for versions whose output is `{ format: "json", schema }`: extract the
 * JSON document from the model's text, validate it with ajv (schemas compiled once and cached
 * by a hash of their canonical JSON), and describe failures in one line the repair message can
 * quote back to the model.
 */

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
// The 500 most recently used schemas stay compiled.
const compiled = new LRUCache<string, ValidateFunction | Error>({ max: 500 });

/** SHA-256 of a schema's canonical JSON: the compile-cache key. */
export function schemaHash(schema: unknown): string {
  return createHash("sha256").update(canonicalJson(schema)).digest("hex");
}

/**
 * The compiled validator for a JSON Schema (cached by hash; a schema ajv cannot compile is
 * cached as its Error and reported as a validation failure, never thrown).
 */
export function compileSchema(schema: Record<string, unknown>): ValidateFunction | Error {
  const key = schemaHash(schema);
  let fn = compiled.get(key);
  if (!fn) {
    try {
      fn = ajv.compile(schema);
    } catch (error) {
      fn = error instanceof Error ? error : new Error(String(error));
    }
    compiled.set(key, fn);
  }
  return fn;
}

/** How many schemas are compiled (for tests of the cache). */
export function compiledSchemaCount(): number {
  return compiled.size;
}

/**
 * The JSON document in a model's text: the whole text, else the body of a ```json fence, else
 * the span from the first `{`/`[` to the last matching `}`/`]`. Returns `{ ok: false }` with the
 * parser's message when none parses.
 */
export function extractJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const candidates: string[] = [text.trim()];
  const fence = /```(?:json)?\s*\n?([\s\S]*?)```/i.exec(text);
  if (fence?.[1]) candidates.push(fence[1].trim());
  for (const [open, close] of [
    ["{", "}"],
    ["[", "]"],
  ] as const) {
    const start = text.indexOf(open);
    const end = text.lastIndexOf(close);
    if (start >= 0 && end > start) candidates.push(text.slice(start, end + 1));
  }
  let firstError = "";
  for (const candidate of candidates) {
    if (candidate === "") continue;
    try {
      return { ok: true, value: JSON.parse(candidate) as unknown };
    } catch (error) {
      firstError ||= error instanceof Error ? error.message : String(error);
    }
  }
  return { ok: false, error: text.trim() === "" ? "the response was empty" : `the response is not valid JSON (${firstError})` };
}

function describeAjvError(e: ErrorObject): string {
  const where = e.instancePath === "" ? "the document" : e.instancePath;
  if (e.keyword === "additionalProperties") {
    return `${where} has an unexpected property "${String((e.params as { additionalProperty?: unknown }).additionalProperty)}"`;
  }
  if (e.keyword === "enum") {
    return `${where} must be one of ${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)}`;
  }
  return `${where} ${e.message ?? "is invalid"}`;
}

export type OutputValidation = { ok: true; value: unknown } | { ok: false; error: string; /** Individual problems (at most 10). */ issues: string[] };

/**
 * Parses and validates a model's text against a JSON Schema. Never throws: a broken schema, a
 * non-JSON text and a schema violation all come back as `{ ok: false, error }`.
 */
export function validateJsonOutput(text: string, schema: Record<string, unknown>): OutputValidation {
  const parsed = extractJson(text);
  if (!parsed.ok) return { ok: false, error: parsed.error, issues: [parsed.error] };
  const validate = compileSchema(schema);
  if (validate instanceof Error) {
    const error = `the output schema could not be compiled: ${validate.message}`;
    return { ok: false, error, issues: [error] };
  }
  if (validate(parsed.value)) return { ok: true, value: parsed.value };
  const issues = (validate.errors ?? []).slice(0, 10).map(describeAjvError);
  return { ok: false, error: `the JSON does not match the schema: ${issues.join("; ")}`, issues };
}

/**
 * The follow-up user message of the repair retry: quotes the validation error and asks for the
 * corrected JSON only.
 */
export function repairMessage(error: string, schema: Record<string, unknown>): string {
  return [
    `Your previous response could not be used: ${error}.`,
    "Reply again with only the corrected JSON document, no prose and no code fences.",
    `It must validate against this JSON Schema:\n${JSON.stringify(schema)}`,
  ].join("\n");
}

/** A `tool_use` block of a response: the tool Claude calls and its input. */
export interface ToolCall {
  id: string;
  name: string;
  input: unknown;
}

/** The tool_use blocks of a response's content, in order. */
export function toolCallsOf(content: ReadonlyArray<{ type: string }> | null | undefined): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const block of content ?? []) {
    if (block.type !== "tool_use") continue;
    const b = block as { id?: unknown; name?: unknown; input?: unknown };
    calls.push({ id: String(b.id ?? ""), name: String(b.name ?? ""), input: b.input });
  }
  return calls;
}

/** One tool call whose input does not fit its tool: the call and every problem found. */
export interface InvalidToolCall {
  call: ToolCall;
  problems: string[];
}

/**
 * Validates each tool call's input against its tool's `input_schema` (ajv, schemas compiled once
 * like output schemas): a call of a tool that is not defined, or an input that breaks the schema,
 * is returned with its problems (at most 10 each). `[]` when every call fits. Never throws.
 */
export function invalidToolCalls(calls: readonly ToolCall[], tools: ReadonlyArray<{ name: string; input_schema: Record<string, unknown> }>): InvalidToolCall[] {
  const out: InvalidToolCall[] = [];
  for (const call of calls) {
    const tool = tools.find((t) => t.name === call.name);
    if (!tool) {
      out.push({ call, problems: [`"${call.name}" is not one of the tools (${tools.map((t) => t.name).join(", ") || "none"})`] });
      continue;
    }
    const validate = compileSchema(tool.input_schema);
    if (validate instanceof Error) {
      out.push({ call, problems: [`the input schema of "${call.name}" could not be compiled: ${validate.message}`] });
      continue;
    }
    if (!validate(call.input))
      out.push({ call, problems: (validate.errors ?? []).slice(0, 10).map((e) => describeAjvError(e).replace(/^the document/, "the input")) });
  }
  return out;
}

/** One line naming every invalid tool call (the runner's `validationError`). */
export function describeInvalidToolCalls(invalid: readonly InvalidToolCall[]): string {
  return invalid.map((i) => `tool call "${i.call.name}" (${i.call.id}): ${i.problems.join("; ")}`).join(" | ");
}

/**
 * The repair turn for invalid tool calls: every tool call of the answer gets a tool_result (the
 * API requires one per call), `is_error` with the problems for the invalid ones, and a note that
 * the others were not run; then a request to call again with inputs that fit the schemas.
 */
export function toolRepairContent(calls: readonly ToolCall[], invalid: readonly InvalidToolCall[]): Array<Record<string, unknown>> {
  const byId = new Map(invalid.map((i) => [i.call.id, i]));
  const results: Array<Record<string, unknown>> = calls.map((call) => {
    const bad = byId.get(call.id);
    return {
      type: "tool_result",
      tool_use_id: call.id,
      is_error: true,
      content: bad
        ? `Invalid input for ${call.name}: ${bad.problems.join("; ")}. The call was not run.`
        : "Not run: another tool call in the same answer had an invalid input.",
    };
  });
  results.push({ type: "text", text: "Call the tools again with inputs that match their input_schema exactly." });
  return results;
}
