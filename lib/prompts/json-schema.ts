import { Ajv, type ErrorObject } from "ajv";

/**
 * Checks an output schema against the JSON Schema meta-schema (draft-07, the dialect the runner's
 * ajv validates outputs with, see lib/claude/output.ts) and that it compiles (e.g. every `$ref`
 * resolves), so a schema the runner could never use is refused when it is written, not after a
 * paid call ends `invalid_output`.
 */

// Own instance: the meta-schema check must not share (or grow) the runner's compile cache.
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });

export interface JsonSchemaProblem {
  /** JSON Pointer into the schema (`/properties/a/type`), `""` for the schema itself. */
  pointer: string;
  message: string;
}

/** The value at a JSON Pointer of `doc`, or undefined. */
function valueAt(doc: unknown, pointer: string): unknown {
  let at: unknown = doc;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (at === null || typeof at !== "object") return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function describe(e: ErrorObject, schema: unknown): string {
  const key = e.instancePath === "" ? "the schema" : `"${e.instancePath.slice(1).replace(/\//g, ".")}"`;
  const got = valueAt(schema, e.instancePath);
  const shown = got === undefined ? "" : ` (got ${JSON.stringify(got)?.slice(0, 60)})`;
  if (e.keyword === "enum") {
    const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues ?? [];
    return `${key} must be one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}${shown}`;
  }
  return `${key} ${e.message ?? "is invalid"}${shown}`;
}

/**
 * Every problem that makes `schema` not a usable JSON Schema, one per place (`[]` when it is
 * valid). At a place where the meta-schema offers alternatives (`type` is a type name or an array
 * of them) the most telling message is kept: an `enum` problem over "must be array" and "must
 * match a schema in anyOf". Never throws.
 */
export function jsonSchemaProblems(schema: unknown): JsonSchemaProblem[] {
  let valid: boolean;
  try {
    valid = ajv.validateSchema(schema as object) as boolean;
  } catch (error) {
    // e.g. a `$schema` naming a meta-schema ajv does not know
    return [{ pointer: "", message: error instanceof Error ? error.message : String(error) }];
  }
  if (!valid) {
    const byPointer = new Map<string, ErrorObject[]>();
    for (const e of ajv.errors ?? []) byPointer.set(e.instancePath, [...(byPointer.get(e.instancePath) ?? []), e]);
    const problems: JsonSchemaProblem[] = [];
    for (const [pointer, errors] of byPointer) {
      const direct = errors.filter((e) => e.keyword !== "anyOf" && e.keyword !== "oneOf");
      const enumError = direct.find((e) => e.keyword === "enum");
      const chosen = enumError ? [enumError] : direct.length > 0 ? direct : errors;
      for (const e of chosen) problems.push({ pointer, message: describe(e, schema) });
    }
    return problems;
  }
  try {
    ajv.compile(schema as object);
    return [];
  } catch (error) {
    return [{ pointer: "", message: error instanceof Error ? error.message : String(error) }];
  } finally {
    ajv.removeSchema(schema as object);
  }
}
