import { evaluatorListSchema, type EvaluatorConfig, type EvaluatorType } from "@/lib/evals/evaluator-config";

/**
 * The evaluator builder's editable state: every field is what the input shows (text or a
 * checkbox), turned into an `EvaluatorConfig` and checked with the same zod schema the server
 * action uses, so the form names a problem before anything is sent.
 */
export interface EvaluatorDraft {
  /** React key; stable while the list is edited. */
  key: number;
  type: EvaluatorType;
  id: string;
  text: Record<string, string>;
  flags: Record<string, boolean>;
}

export const EVALUATOR_TYPES: Array<{ type: EvaluatorType; label: string; help: string }> = [
  { type: "exact_match", label: "Exact match", help: "The output equals the expected text (after normalisation)." },
  { type: "contains", label: "Contains", help: "The output contains a value (the expected text when empty)." },
  { type: "regex", label: "Regex", help: "The output matches a regular expression." },
  { type: "valid_json", label: "Valid JSON", help: "The output parses as JSON." },
  { type: "json_schema", label: "JSON Schema", help: "The output validates against a JSON Schema (the version's output schema when empty)." },
  { type: "json_field", label: "JSON field equals", help: "A field of the JSON output equals the expected JSON's field (or a value)." },
  { type: "numeric", label: "Numeric tolerance", help: "The output (or a JSON field) is a number within a tolerance of the expected number." },
  { type: "similarity", label: "String similarity", help: "Normalised Levenshtein similarity to the expected text reaches a threshold." },
  { type: "llm_judge", label: "LLM judge", help: "Claude grades each output with a rubric prompt that answers JSON { score, reason }." },
];

const DEFAULT_IDS: Record<EvaluatorType, string> = {
  exact_match: "exact",
  contains: "contains",
  regex: "regex",
  valid_json: "valid-json",
  json_schema: "schema",
  json_field: "field",
  numeric: "numeric",
  similarity: "similarity",
  llm_judge: "judge",
};

/** A fresh draft of a type, with an id not yet used in `existing`. */
export function newEvaluatorDraft(type: EvaluatorType, key: number, existing: readonly EvaluatorDraft[], judgePrompt = ""): EvaluatorDraft {
  const used = new Set(existing.map((e) => e.id));
  let id = DEFAULT_IDS[type];
  for (let n = 2; used.has(id); n++) id = `${DEFAULT_IDS[type]}-${n}`;
  const text: Record<string, string> = {};
  const flags: Record<string, boolean> = {};
  if (type === "exact_match") flags.trim = true;
  if (type === "json_field") text.path = "$.category";
  if (type === "numeric") text.tolerance = "0";
  if (type === "similarity") text.threshold = "0.8";
  if (type === "llm_judge") Object.assign(text, { prompt: judgePrompt, version: "production", threshold: "0.5" });
  return { key, type, id, text, flags };
}

/** A number field: blank is "not given"; anything else must parse completely. */
function numberField(raw: string | undefined): number | undefined {
  const t = (raw ?? "").trim();
  if (t === "") return undefined;
  const n = Number(t);
  // NaN is kept so zod reports "expected number" on the right field.
  return n;
}

/** A JSON field: blank is "not given"; text that does not parse stays a marker zod rejects. */
function jsonField(raw: string | undefined): { value?: unknown; error?: string } {
  const t = (raw ?? "").trim();
  if (t === "") return {};
  try {
    return { value: JSON.parse(t) as unknown };
  } catch {
    return { error: "is not valid JSON" };
  }
}

/** One draft as the config object the schema checks (no defaults applied; zod fills them). */
export function draftToConfig(d: EvaluatorDraft): { config: Record<string, unknown>; jsonErrors: Record<string, string> } {
  const t = d.text;
  const jsonErrors: Record<string, string> = {};
  const base = { type: d.type, id: d.id.trim() };
  switch (d.type) {
    case "exact_match":
      return {
        config: {
          ...base,
          normalize: {
            trim: d.flags.trim ?? false,
            caseInsensitive: d.flags.caseInsensitive ?? false,
            collapseWhitespace: d.flags.collapseWhitespace ?? false,
            stripPunctuation: d.flags.stripPunctuation ?? false,
          },
        },
        jsonErrors,
      };
    case "contains":
      return { config: { ...base, ...(t.value ? { value: t.value } : {}), caseInsensitive: d.flags.caseInsensitive ?? false }, jsonErrors };
    case "regex":
      return { config: { ...base, pattern: t.pattern ?? "", flags: (t.flags ?? "").trim() }, jsonErrors };
    case "valid_json":
      return { config: base, jsonErrors };
    case "json_schema": {
      const schema = jsonField(t.schema);
      if (schema.error) jsonErrors.schema = `schema ${schema.error}`;
      return { config: { ...base, ...(schema.value !== undefined ? { schema: schema.value } : {}) }, jsonErrors };
    }
    case "json_field": {
      const value = jsonField(t.value);
      if (value.error) jsonErrors.value = `value ${value.error} (write text in quotes: "billing")`;
      return { config: { ...base, path: (t.path ?? "").trim(), ...(value.value !== undefined ? { value: value.value } : {}) }, jsonErrors };
    }
    case "numeric": {
      const path = (t.path ?? "").trim();
      const tolerance = numberField(t.tolerance);
      return {
        config: { ...base, ...(path ? { path } : {}), ...(tolerance !== undefined ? { tolerance } : {}), relative: d.flags.relative ?? false },
        jsonErrors,
      };
    }
    case "similarity": {
      const threshold = numberField(t.threshold);
      return { config: { ...base, ...(threshold !== undefined ? { threshold } : {}) }, jsonErrors };
    }
    case "llm_judge": {
      const threshold = numberField(t.threshold);
      const version = (t.version ?? "").trim();
      return {
        config: { ...base, prompt: (t.prompt ?? "").trim(), ...(version ? { version } : {}), ...(threshold !== undefined ? { threshold } : {}) },
        jsonErrors,
      };
    }
  }
}

/**
 * The drafts as configs, or the problems keyed "<draft key>.<field>" (and "list" for problems of
 * the whole list, such as none chosen or an id used twice).
 */
export function draftsToConfigs(drafts: readonly EvaluatorDraft[]): { ok: true; configs: EvaluatorConfig[] } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const configs = drafts.map((d) => {
    const { config, jsonErrors } = draftToConfig(d);
    for (const [field, message] of Object.entries(jsonErrors)) errors[`${d.key}.${field}`] = message;
    return config;
  });
  const parsed = evaluatorListSchema.safeParse(configs);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [index, field, sub] = issue.path;
      const draft = typeof index === "number" ? drafts[index] : undefined;
      const name = typeof sub === "string" ? sub : typeof field === "string" ? field : "list";
      const key = draft ? `${draft.key}.${typeof field === "string" ? field : "id"}` : "list";
      errors[key] ??= draft ? `${name}: ${issue.message}` : issue.message;
    }
  }
  if (Object.keys(errors).length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, configs: parsed.data };
}
