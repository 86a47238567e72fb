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
