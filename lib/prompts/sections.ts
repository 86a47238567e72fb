import { VARIABLE_NAME_PATTERN } from "@/lib/prompts/schemas";

/**
 * The template grammar beyond `{{name}}` (see templates.ts): a Mustache subset.
 *
 *   template    := ( text | placeholder | escaped | section | inverted | include )*
 *   placeholder := "{{" ws name ws "}}"                   (filled by templates.ts)
 *   section     := "{{" ws "#" ws name ws "}}" template "{{" ws "/" ws name ws "}}"
 *   inverted    := "{{" ws "^" ws name ws "}}" template "{{" ws "/" ws name ws "}}"
 *   include     := "{{" ws ">" ws snippet "@" ( label | x.y.z ) ws "}}"
 *   escaped     := "\{{" ... "}}"                         (literal text, backslash removed)
 *   ws          := spaces or tabs;  name := [a-zA-Z_][a-zA-Z0-9_]*
 *
 * A section's text is kept when its variable is set and truthy (`#`) or when it is not (`^`);
 * see `isTruthyText`. Sections nest; a close tag must name the innermost open section. A section
 * tag standing alone on its line (only spaces or tabs beside it) takes the whole line with it,
 * line break included, so a section written on its own lines leaves no blank line behind (as
 * Mustache's "standalone" tags). A section lives within one block: it cannot span blocks.
 * Includes are replaced by their pinned snippet text before sections are evaluated
 * (`expandIncludes`), so a snippet may hold sections and placeholders of its own.
 */

export interface TextPosition {
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  col: number;
}

/** The line and column of `offset` in `text`. */
export function positionAt(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

export type TemplateNode =
  | { kind: "text"; text: string; start: number }
  | { kind: "section"; name: string; inverted: boolean; start: number; children: TemplateNode[] }
  | { kind: "include"; raw: string; ref: IncludeRef; start: number };

export interface IncludeRef {
  /** The snippet's prompt name. */
  name: string;
  /** `{ label }` for `@production`, `{ version }` for `@1.2.0`. */
  selector: { label: string } | { version: string };
  /** `name@label` or `name@1.2.0`, exactly as the pin is keyed. */
  key: string;
}

export type TemplateErrorCode = "unclosed_section" | "unexpected_close" | "mismatched_close" | "invalid_section_name" | "invalid_include";

export interface TemplateError extends TextPosition {
  code: TemplateErrorCode;
  message: string;
  start: number;
}

export interface SectionTag extends TextPosition {
  name: string;
  inverted: boolean;
  start: number;
}

export interface IncludeTag extends TextPosition {
  raw: string;
  ref: IncludeRef;
  start: number;
}

export interface ParsedTemplate {
  nodes: TemplateNode[];
  errors: TemplateError[];
  /** Every section opened, in order. */
  sections: SectionTag[];
  /** Every well-formed include, in order. */
  includes: IncludeTag[];
}

// `{{`, optional sigil, the rest, `}}`: one line, no braces inside. Group 1 is an escape backslash.
const TAG_PATTERN = /(\\?)\{\{[ \t]*([#^/>])[ \t]*([^{}\n]*?)[ \t]*\}\}/g;
const VERSION_PATTERN = /^\d+\.\d+\.\d+$/;
const LABEL_PATTERN = /^[a-z0-9_.-]{1,36}$/;
const SNIPPET_NAME_PATTERN = /^[a-z0-9][a-z0-9._/-]{0,127}$/;

/**
 * Parses an include target `name@label` or `name@1.2.0` (the text after `>`); null when it is not
 * one (no `@`, a name or label with characters names and labels cannot have).
 */
export function parseIncludeRef(target: string): IncludeRef | null {
  const at = target.lastIndexOf("@");
  if (at <= 0) return null;
  const name = target.slice(0, at).trim();
  const ref = target.slice(at + 1).trim();
  if (!SNIPPET_NAME_PATTERN.test(name)) return null;
  if (VERSION_PATTERN.test(ref)) return { name, selector: { version: ref }, key: `${name}@${ref}` };
  if (LABEL_PATTERN.test(ref)) return { name, selector: { label: ref }, key: `${name}@${ref}` };
  return null;
}

interface Tag {
  sigil: "#" | "^" | "/" | ">";
  body: string;
  raw: string;
  /** Offset of the tag's `{{`. */
  start: number;
  /** The span the tag takes out of the text (its whole line when standalone). */
  cutStart: number;
  cutEnd: number;
}

function isBlank(s: string): boolean {
  return /^[ \t\r]*$/.test(s);
}

function findTags(text: string): Tag[] {
  const tags: Tag[] = [];
  for (const match of text.matchAll(TAG_PATTERN)) {
    const [raw, backslash, sigil = "", body = ""] = match;
    if (backslash) continue;
    const start = match.index;
    const end = start + raw.length;
    let cutStart = start;
    let cutEnd = end;
    if (sigil !== ">") {
      const lineStart = text.lastIndexOf("\n", start - 1) + 1;
      const newline = text.indexOf("\n", end);
      const lineEnd = newline === -1 ? text.length : newline;
      if (isBlank(text.slice(lineStart, start)) && isBlank(text.slice(end, lineEnd))) {
        cutStart = lineStart;
        cutEnd = newline === -1 ? text.length : newline + 1;
      }
    }
    tags.push({ sigil: sigil as Tag["sigil"], body, raw, start, cutStart, cutEnd });
  }
  // A standalone cut never reaches into a neighbouring tag (tags on one line are never standalone).
  return tags;
}

/**
 * Parses a template into text, section and include nodes and reports every problem with its
 * line and column: a section never closed (at its open tag), a close tag with no open section, a
 * close tag naming another section than the innermost open one, a section name that is not a
 * variable name, an include that is not `snippet@label` or `snippet@x.y.z`. Never throws; after an
 * error the parse goes on (a mismatched close closes nothing), so every problem is listed.
 */
export function parseTemplate(text: string): ParsedTemplate {
  const errors: TemplateError[] = [];
  const sections: SectionTag[] = [];
  const includes: IncludeTag[] = [];
  const root: TemplateNode[] = [];
  const stack: { node: Extract<TemplateNode, { kind: "section" }>; raw: string }[] = [];
  const current = () => stack.at(-1)?.node.children ?? root;
  const error = (code: TemplateErrorCode, start: number, message: string) => errors.push({ code, start, message, ...positionAt(text, start) });
  let offset = 0;
  for (const tag of findTags(text)) {
    if (tag.cutStart > offset) current().push({ kind: "text", text: text.slice(offset, tag.cutStart), start: offset });
    offset = tag.cutEnd;
    if (tag.sigil === ">") {
      const ref = parseIncludeRef(tag.body);
      if (!ref) {
        error("invalid_include", tag.start, `${tag.raw} is not an include: write {{> snippet-name@label}} or {{> snippet-name@1.2.0}}`);
        current().push({ kind: "text", text: tag.raw, start: tag.start });
        continue;
      }
      includes.push({ raw: tag.raw, ref, start: tag.start, ...positionAt(text, tag.start) });
      current().push({ kind: "include", raw: tag.raw, ref, start: tag.start });
      continue;
    }
    if (!VARIABLE_NAME_PATTERN.test(tag.body)) {
      error("invalid_section_name", tag.start, `${tag.raw}: "${tag.body}" is not a variable name ([a-zA-Z_][a-zA-Z0-9_]*)`);
      continue;
    }
    if (tag.sigil === "#" || tag.sigil === "^") {
      const node: Extract<TemplateNode, { kind: "section" }> = { kind: "section", name: tag.body, inverted: tag.sigil === "^", start: tag.start, children: [] };
      sections.push({ name: node.name, inverted: node.inverted, start: tag.start, ...positionAt(text, tag.start) });
      current().push(node);
      stack.push({ node, raw: tag.raw });
      continue;
    }
    const open = stack.at(-1);
    if (!open) {
      error("unexpected_close", tag.start, `${tag.raw} closes a section that was never opened`);
    } else if (open.node.name !== tag.body) {
      const at = positionAt(text, open.node.start);
      error("mismatched_close", tag.start, `${tag.raw} does not match ${open.raw} (line ${at.line}, col ${at.col}): close the innermost section first`);
    } else {
      stack.pop();
    }
  }
  if (offset < text.length) current().push({ kind: "text", text: text.slice(offset), start: offset });
  for (const open of stack) error("unclosed_section", open.node.start, `${open.raw} is never closed: add {{/${open.node.name}}}`);
  errors.sort((a, b) => a.start - b.start);
  return { nodes: root, errors, sections, includes };
}

/** "line 3, col 5" for a message. */
export function formatPosition(p: TextPosition): string {
  return `line ${p.line}, col ${p.col}`;
}

/**
 * Whether a variable's resolved text (see render.ts `resolveVariables`) makes a section show:
 * false for an unset optional variable (""), `false`, `0`, JSON `null`, `[]`, `{}` and `""`;
 * true for anything else (a non-empty string, `true`, another number, a non-empty JSON value).
 */
export function isTruthyText(text: string | undefined): boolean {
  if (text === undefined) return false;
  return !["", "false", "0", "null", "[]", "{}", '""'].includes(text.trim());
}

/**
 * Evaluates parsed nodes: keeps the text of sections whose condition holds and passes each text
 * piece to `fill` (placeholders and escapes). Throws on an include left in the nodes (callers
 * expand includes first) and never evaluates a template with errors (callers check first).
 */
export function evaluateTemplate(nodes: readonly TemplateNode[], truthy: (name: string) => boolean, fill: (text: string) => string): string {
  let out = "";
  for (const node of nodes) {
    if (node.kind === "text") out += fill(node.text);
    else if (node.kind === "include") throw new Error(`evaluateTemplate: unresolved include ${node.raw}`);
    else if (truthy(node.name) !== node.inverted) out += evaluateTemplate(node.children, truthy, fill);
  }
  return out;
}

/** True when the text has any section or include tag (a fast path for plain templates). */
export function hasTags(text: string): boolean {
  TAG_PATTERN.lastIndex = 0;
  for (const match of text.matchAll(TAG_PATTERN)) if (!match[1]) return true;
  return false;
}

/**
 * Replaces each include tag with `resolve(ref)` (the pinned snippet's text); escaped includes
 * stay. Returns the expanded text and the keys `resolve` had no text for (left as they are).
 */
export function expandIncludes(text: string, resolve: (ref: IncludeRef) => string | undefined): { text: string; missing: string[] } {
  const missing: string[] = [];
  const out = text.replace(TAG_PATTERN, (raw: string, backslash: string, sigil: string, body: string) => {
    if (backslash || sigil !== ">") return raw;
    const ref = parseIncludeRef(body);
    if (!ref) return raw;
    const value = resolve(ref);
    if (value === undefined) {
      missing.push(ref.key);
      return raw;
    }
    return value;
  });
  return { text: out, missing };
}
