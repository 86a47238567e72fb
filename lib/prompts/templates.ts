import { VARIABLE_NAME_PATTERN } from "@/lib/prompts/schemas";

/**
 * Template syntax: `{{name}}` or `{{ name }}` (any spaces/tabs inside the braces), where `name`
 * matches `[a-zA-Z_][a-zA-Z0-9_]*`. Escape: a backslash right before the braces, `\{{name}}`,
 * renders the literal text `{{name}}` (the backslash is removed). Braces around anything that is
 * not a valid name (`{{ not a name }}`, `{{}}`) are left as literal text and reported as a
 * warning by the contract check. Sections (`{{#name}}`, `{{^name}}`, `{{/name}}`) and includes
 * (`{{> snippet@label}}`) are the grammar of sections.ts; this scan skips their tags.
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
  /**
   * Malformed braces outside any `{{...}}` span: an opening `{{` never closed on its line
   * (`{{name`, `{{name}`), or `{name}}` (one opening brace short). A lone `}}` elsewhere is not
   * reported (JSON examples end nested objects with `}}`).
   */
  unbalanced: Array<{ raw: string; start: number }>;
}

const UNCLOSED_PATTERN = /\{\{[^\n]{0,40}/g;
const HALF_OPEN_PATTERN = /(^|[^{])(\{[ \t]*[a-zA-Z_][a-zA-Z0-9_]*[ \t]*\}\})/g;

/** Scans a template for placeholders, escaped placeholders and malformed `{{...}}` spans. */
export function scanTemplate(text: string): TemplateScan {
  const scan: TemplateScan = { placeholders: [], invalid: [], escaped: [], unbalanced: [] };
  for (const match of text.matchAll(TOKEN_PATTERN)) {
    const start = match.index;
    const [raw, backslash, , inner = ""] = match;
    if (backslash) {
      scan.escaped.push({ raw, start });
    } else if (/^[#^/>]/.test(inner)) {
      // A section or include tag: parsed and checked by sections.ts.
      continue;
    } else if (VARIABLE_NAME_PATTERN.test(inner)) {
      scan.placeholders.push({ name: inner, start, end: start + raw.length });
    } else {
      scan.invalid.push({ raw, start });
    }
  }
  // Blank out every well-formed span (same length, so offsets stay valid), then look for leftovers.
  const rest = text.replace(TOKEN_PATTERN, (raw: string) => " ".repeat(raw.length));
  for (const match of rest.matchAll(UNCLOSED_PATTERN)) {
    scan.unbalanced.push({ raw: match[0].trimEnd(), start: match.index });
  }
  for (const match of rest.matchAll(HALF_OPEN_PATTERN)) {
    const [, before = "", raw = ""] = match;
    scan.unbalanced.push({ raw, start: match.index + before.length });
  }
  scan.unbalanced.sort((a, b) => a.start - b.start);
  return scan;
}

/** Distinct variable names used in a template, in order of first use. */
export function extractVariables(text: string): string[] {
  return [...new Set(scanTemplate(text).placeholders.map((p) => p.name))];
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
