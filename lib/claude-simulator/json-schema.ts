import type { Rng } from "./random";

/**
 * Builds a value that conforms to a (practical subset of) JSON Schema: type (incl. unions and
 * "null"), enum, const, properties/required, items/minItems/maxItems, minimum/maximum,
 * minLength/maxLength, string formats, anyOf/oneOf/allOf, $ref into $defs/definitions.
 */
export type JsonSchema = Record<string, unknown>;
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface SampleContext {
  rng: Rng;
  /** Words from the prompt, used to make strings look on-topic. */
  topicWords: string[];
  /** Prefers an enum value that appears in this text (a classifier picks the label it sees). */
  hintText: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function resolveRef(ref: string, root: JsonSchema): JsonSchema | undefined {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  if (!match?.[1] || !match[2]) return undefined;
  const defs = root[match[1]];
  if (!isObject(defs)) return undefined;
  const target = defs[match[2]];
  return isObject(target) ? target : undefined;
}

/** Picks an enum value, preferring one that the hint text mentions. */
export function pickLabel<T>(options: readonly T[], ctx: SampleContext): T {
  const hint = ctx.hintText.toLowerCase();
  const mentioned = options.filter((o) => {
    const word = String(o).toLowerCase();
    return word.length > 0 && new RegExp(`(^|[^a-z0-9_])${escapeRegExp(word)}([^a-z0-9_]|$)`).test(hint);
  });
  if (mentioned.length === 1 && mentioned[0] !== undefined) return mentioned[0];
  return ctx.rng.pick(options);
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const FIELD_HINTS: Array<[RegExp, (ctx: SampleContext) => string]> = [
  [/e-?mail/i, (c) => `${c.rng.pick(["alex", "sam", "jordan", "casey"])}@example.com`],
  [/^(url|uri|link|website)$/i, () => "https://example.com/resource"],
  [/(^|_)(name|title)$/i, (c) => titleCase(topicPhrase(c, 2))],
  [/(summary|description|explanation|reason|rationale|answer|response|text|message|content|comment)/i, (c) => sentence(c)],
  [/(date)/i, () => "2026-11-20"],
  [/(id)$/i, (c) => `id_${c.rng.int(1000, 9999)}`],
  [/(language|lang)$/i, () => "en"],
];

function titleCase(text: string): string {
  return text.replace(/\b\w/g, (m) => m.toUpperCase());
}

function topicPhrase(ctx: SampleContext, words: number): string {
  const pool = ctx.topicWords.length > 0 ? ctx.topicWords : ["overview", "result", "detail", "summary"];
  return Array.from({ length: words }, () => ctx.rng.pick(pool)).join(" ");
}

function sentence(ctx: SampleContext): string {
  const lead = ctx.rng.pick(["The request concerns", "This relates to", "The main point is", "It describes"]);
  return `${lead} ${topicPhrase(ctx, ctx.rng.int(2, 4))}.`;
}

function sampleString(schema: JsonSchema, ctx: SampleContext, field: string): string {
  const format = schema.format;
  let value: string;
  if (format === "date-time") value = "2026-11-20T10:00:00Z";
  else if (format === "date") value = "2026-11-20";
  else if (format === "email") value = "user@example.com";
  else if (format === "uri" || format === "url") value = "https://example.com/resource";
  else if (format === "uuid") value = "3f2b8c1e-5d4a-4e6b-9a7c-1b2d3e4f5a6b";
  else value = FIELD_HINTS.find(([re]) => re.test(field))?.[1](ctx) ?? topicPhrase(ctx, ctx.rng.int(1, 3));
  const min = typeof schema.minLength === "number" ? schema.minLength : 0;
  const max = typeof schema.maxLength === "number" ? schema.maxLength : Infinity;
  while (value.length < min) value += ` ${topicPhrase(ctx, 1)}`;
  return value.slice(0, max);
}

function sampleNumber(schema: JsonSchema, ctx: SampleContext, integer: boolean): number {
  let min =
    typeof schema.minimum === "number" ? schema.minimum : typeof schema.exclusiveMinimum === "number" ? schema.exclusiveMinimum + (integer ? 1 : 0.01) : 0;
  let max =
    typeof schema.maximum === "number"
      ? schema.maximum
      : typeof schema.exclusiveMaximum === "number"
        ? schema.exclusiveMaximum - (integer ? 1 : 0.01)
        : min + (integer ? 100 : 1);
  if (max < min) [min, max] = [max, min];
  if (integer) return ctx.rng.int(Math.ceil(min), Math.floor(max));
  return Math.round((min + ctx.rng.next() * (max - min)) * 100) / 100;
}

/** A value conforming to `schema` (resolved against `root` for $ref). */
export function sampleFromSchema(schema: JsonSchema, ctx: SampleContext, root: JsonSchema = schema, field = "", depth = 0): JsonValue {
  if (depth > 12) return null;
  if (typeof schema.$ref === "string") {
    const target = resolveRef(schema.$ref, root);
    return target ? sampleFromSchema(target, ctx, root, field, depth + 1) : null;
  }
  if ("const" in schema) return (schema.const ?? null) as JsonValue;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return pickLabel(schema.enum as JsonValue[], ctx);
  const variants = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(variants) && variants.length > 0) {
    const nonNull = variants.filter((v) => isObject(v) && v.type !== "null") as JsonSchema[];
    return sampleFromSchema(nonNull[0] ?? (variants[0] as JsonSchema), ctx, root, field, depth + 1);
  }
  if (Array.isArray(schema.allOf)) {
    const merged = (schema.allOf as unknown[]).filter(isObject).reduce<JsonSchema>(
      (acc, part) => ({
        ...acc,
        ...part,
        properties: { ...(isObject(acc.properties) ? acc.properties : {}), ...(isObject(part.properties) ? part.properties : {}) },
        required: [...(Array.isArray(acc.required) ? acc.required : []), ...(Array.isArray(part.required) ? part.required : [])],
      }),
      {},
    );
    return sampleFromSchema(merged, ctx, root, field, depth + 1);
  }
  let type = schema.type;
  if (Array.isArray(type)) type = type.find((t) => t !== "null") ?? "null";
  if (type === undefined) type = isObject(schema.properties) ? "object" : schema.items ? "array" : "string";
  switch (type) {
    case "object": {
      const props = isObject(schema.properties) ? schema.properties : {};
      const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : Object.keys(props));
      const out: { [key: string]: JsonValue } = {};
      for (const [key, sub] of Object.entries(props)) {
        if (!isObject(sub)) continue;
        if (!required.has(key) && ctx.rng.next() < 0.3) continue;
        out[key] = sampleFromSchema(sub, ctx, root, key, depth + 1);
      }
      return out;
    }
    case "array": {
      const min = typeof schema.minItems === "number" ? schema.minItems : 1;
      const max = typeof schema.maxItems === "number" ? schema.maxItems : Math.max(min, 3);
      const count = ctx.rng.int(min, Math.max(min, Math.min(max, min + 3)));
      const items = isObject(schema.items) ? schema.items : {};
      return Array.from({ length: count }, () => sampleFromSchema(items, ctx, root, field, depth + 1));
    }
    case "integer":
      return sampleNumber(schema, ctx, true);
    case "number":
      return sampleNumber(schema, ctx, false);
    case "boolean":
      return ctx.rng.next() < 0.5;
    case "null":
      return null;
    default:
      return sampleString(schema, ctx, field);
  }
}

/** Whether a parsed JSON value looks like a JSON Schema rather than an example document. */
export function looksLikeSchema(value: unknown): value is JsonSchema {
  if (!isObject(value)) return false;
  if (typeof value.$schema === "string") return true;
  if (value.type === "object" && isObject(value.properties)) return true;
  if (typeof value.type === "string" && ["string", "number", "integer", "boolean", "array"].includes(value.type)) {
    return Object.keys(value).every((k) => ["type", "items", "enum", "description", "minItems", "maxItems", "minimum", "maximum"].includes(k));
  }
  return false;
}

/** A schema describing an example JSON document (same keys, same value kinds). */
export function schemaFromExample(example: unknown): JsonSchema {
  if (Array.isArray(example)) return { type: "array", items: example.length > 0 ? schemaFromExample(example[0]) : {} };
  if (isObject(example)) {
    const properties: Record<string, JsonSchema> = {};
    for (const [k, v] of Object.entries(example)) properties[k] = schemaFromExample(v);
    return { type: "object", properties, required: Object.keys(properties) };
  }
  if (typeof example === "number") return { type: Number.isInteger(example) ? "integer" : "number", minimum: 0, maximum: Math.max(1, Math.abs(example) * 2) };
  if (typeof example === "boolean") return { type: "boolean" };
  if (example === null) return { type: "null" };
  if (typeof example === "string" && example.includes("|")) {
    const options = example
      .split("|")
      .map((s) => s.trim())
      .filter(Boolean);
    if (options.length > 1 && options.every((o) => o.length <= 40)) return { enum: options };
  }
  return { type: "string" };
}

/** Every JSON object/array embedded in free text (fenced blocks first, then balanced braces). */
export function findJsonInText(text: string): unknown[] {
  const found: unknown[] = [];
  const tryParse = (candidate: string) => {
    try {
      const value: unknown = JSON.parse(candidate);
      if (typeof value === "object" && value !== null) found.push(value);
    } catch {
      // Not JSON: ignore.
    }
  };
  for (const m of text.matchAll(/```(?:json)?\s*\n([\s\S]*?)```/g)) if (m[1]) tryParse(m[1].trim());
  if (found.length > 0) return found;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== "{") continue;
    let depth = 0;
    let inString = false;
    for (let j = i; j < text.length; j++) {
      const ch = text[j];
      if (inString) {
        if (ch === "\\") j++;
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      else if (ch === "{") depth++;
      else if (ch === "}" && --depth === 0) {
        const before = found.length;
        tryParse(text.slice(i, j + 1));
        if (found.length > before) i = j;
        break;
      }
    }
  }
  return found;
}
