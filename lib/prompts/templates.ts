import { VARIABLE_NAME_PATTERN } from "@/lib/prompts/schemas";

/**
 * Template syntax: `{{name}}` or `{{ name }}` (any spaces/tabs inside the braces), where `name`
 * matches `[a-zA-Z_][a-zA-Z0-9_]*`. Escape: a backslash right before the braces, `\{{name}}`,
 * renders the literal text `{{name}}` (the backslash is removed). Braces around anything that is
 * not a valid name (`{{ not a name }}`, `{{}}`) are left as literal text and reported as a
 * warning by the contract check. There is no nesting, no filters, no logic.
 */
const TOKEN_PATTERN = /(\\?)\{\{([ \t]*)([^{}\n]*?)([ \t]*)\}\}/g;

export interface Placeholder {
  name: string;
  /** Offset of the first `{` in the text. */
  start: number;
  /** Offset just after the closing `}}`. */
  end: number;
}

export interface TemplateScan {
  placeholders: Placeholder[];
  /** `{{...}}` spans whose inside is not a valid variable name (rendered literally). */
  invalid: Array<{ raw: string; start: number }>;
  /** Escaped placeholders (`\{{x}}`), rendered as `{{x}}`. */
  escaped: Array<{ raw: string; start: number }>;
}

/** Scans a template for placeholders, escaped placeholders and malformed `{{...}}` spans. */
export function scanTemplate(text: string): TemplateScan {
  const scan: TemplateScan = { placeholders: [], invalid: [], escaped: [] };
  for (const match of text.matchAll(TOKEN_PATTERN)) {
    const start = match.index;
    const [raw, backslash, , inner = ""] = match;
    if (backslash) {
      scan.escaped.push({ raw, start });
    } else if (VARIABLE_NAME_PATTERN.test(inner)) {
      scan.placeholders.push({ name: inner, start, end: start + raw.length });
    } else {
      scan.invalid.push({ raw, start });
    }
  }
  return scan;
}

/** Distinct variable names used in a template, in order of first use. */
export function extractVariables(text: string): string[] {
  return [...new Set(scanTemplate(text).placeholders.map((p) => p.name))];
}

/** True when the template contains at least one (unescaped) placeholder. */
export function hasPlaceholders(text: string): boolean {
  return scanTemplate(text).placeholders.length > 0;
}

/**
 * Replaces each placeholder with `values[name]` and unescapes `\{{...}}`. A placeholder whose
 * name is not in `values` throws (callers validate the contract first); malformed spans stay as
 * they are. Replacement values are inserted verbatim (never re-scanned).
 */
export function fillTemplate(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(TOKEN_PATTERN, (raw: string, backslash: string, _ws: string, inner: string) => {
    if (backslash) return raw.slice(1);
    if (!VARIABLE_NAME_PATTERN.test(inner)) return raw;
    const value = values[inner];
    if (value === undefined) throw new Error(`fillTemplate: no value for {{${inner}}}`);
    return value;
  });
}
