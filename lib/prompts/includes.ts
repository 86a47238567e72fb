import type { ErrorIssue } from "@/lib/errors";
import { templateTexts } from "@/lib/prompts/contract";
import type { PromptVersionContent, SnippetPin, Variables } from "@/lib/prompts/schemas";
import { expandIncludes, formatPosition, parseTemplate, type IncludeRef } from "@/lib/prompts/sections";

/**
 * Include resolution, pure: which snippet version each `{{> name@ref}}` of a version means, the
 * pins a publish stores, cycles and contract clashes. The database side (finding a snippet, its
 * label, its version) is `lookup`, given by snippets.ts.
 */

/** A published snippet version as an include sees it. */
export interface SnippetSource {
  name: string;
  version: string;
  versionId: string;
  /** The snippet's blocks joined by a blank line, as written (its own includes not yet expanded). */
  blocksText: string;
  variables: Variables;
  /** The pins the snippet version stored when it was published (its own includes). */
  pins: readonly SnippetPin[];
}

/** `{ source }` or why the include cannot be resolved (shown as is, after the location). */
export type SnippetLookupResult = { source: SnippetSource } | { problem: string };
export type SnippetLookup = (ref: IncludeRef) => Promise<SnippetLookupResult>;

/** The text a snippet's blocks make in an including template: joined by one blank line. */
export function joinSnippetBlocks(blocks: readonly { text: string }[]): string {
  return blocks.map((b) => b.text).join("\n\n");
}

/**
 * The pin an include of `source` stores: its text with its own includes expanded from its
 * stored pins, and the names it includes in turn. An include the snippet's pins lack (a row
 * stored without them) is left as written and reported by the render.
 */
export function pinFor(key: string, source: SnippetSource): SnippetPin {
  const pins = new Map(source.pins.map((p) => [p.key, p.text]));
  const { text } = expandIncludes(source.blocksText, (ref) => pins.get(ref.key));
  const includes = [...new Set(source.pins.flatMap((p) => [p.name, ...(p.includes ?? [])]))];
  return {
    key,
    name: source.name,
    version: source.version,
    versionId: source.versionId,
    text,
    variables: source.variables,
    ...(includes.length > 0 ? { includes } : {}),
  };
}

export interface IncludeResolution {
  /** One pin per distinct include key, in order of first use. */
  pins: SnippetPin[];
  /** Every problem, at the template path (`system.0.text`) with "line L, col C" in the message. */
  issues: ErrorIssue[];
}

/**
 * Resolves every include of a version's templates. `selfName` is the including prompt's (or
 * snippet's) name: including it directly, or a snippet that includes it in turn, is a cycle. A
 * snippet that is missing, not a snippet, or lacks the label or version is refused with the
 * lookup's reason; a variable declared with different types by the version and a snippet (or two
 * snippets) is refused too. Each key is looked up once.
 */
export async function resolveIncludes(
  content: Pick<PromptVersionContent, "system" | "messages" | "variables">,
  selfName: string,
  lookup: SnippetLookup,
): Promise<IncludeResolution> {
  const issues: ErrorIssue[] = [];
  const resolved = new Map<string, SnippetLookupResult>();
  const pins: SnippetPin[] = [];
  for (const { path, text } of templateTexts(content)) {
    for (const include of parseTemplate(text).includes) {
      const at = `${formatPosition(include)}: ${include.raw}`;
      if (include.ref.name === selfName) {
        issues.push({ path, message: `${at} includes "${selfName}" itself: a snippet cannot include itself (cycle)` });
        continue;
      }
      let result = resolved.get(include.ref.key);
      if (!result) {
        result = await lookup(include.ref);
        resolved.set(include.ref.key, result);
      }
      if ("problem" in result) {
        issues.push({ path, message: `${at}: ${result.problem}` });
        continue;
      }
      const pin = pinFor(include.ref.key, result.source);
      if (pin.includes?.includes(selfName)) {
        issues.push({
          path,
          message: `${at}: "${pin.name}" ${pin.version} includes "${selfName}" in turn (cycle ${selfName} → ${pin.name} → … → ${selfName})`,
        });
        continue;
      }
      if (!pins.some((p) => p.key === pin.key)) pins.push(pin);
    }
  }
  issues.push(...variableClashes(content.variables, pins));
  return { pins, issues };
}

/** A variable typed differently by the version and a pinned snippet, or by two snippets. */
export function variableClashes(own: Variables, pins: readonly SnippetPin[]): ErrorIssue[] {
  const issues: ErrorIssue[] = [];
  const seen = new Map<string, { type: string; from: string }>();
  for (const [name, def] of Object.entries(own)) seen.set(name, { type: def.type, from: "this version" });
  for (const pin of pins) {
    for (const [name, def] of Object.entries(pin.variables)) {
      const before = seen.get(name);
      if (!before) {
        seen.set(name, { type: def.type, from: `snippet "${pin.name}"` });
      } else if (before.type !== def.type) {
        issues.push({
          path: `variables.${name}`,
          message: `variable "${name}" is a ${def.type} in snippet "${pin.name}" ${pin.version} but a ${before.type} in ${before.from}: a variable has one type in a prompt and its snippets`,
        });
      }
    }
  }
  return issues;
}

/** The distinct include keys of a version's templates, in order (`name@label`, `name@1.2.0`). */
export function includeKeys(content: Pick<PromptVersionContent, "system" | "messages">): string[] {
  return [...new Set(templateTexts(content).flatMap(({ text }) => parseTemplate(text).includes.map((i) => i.ref.key)))];
}

/** The snippet names a version's templates include directly. */
export function includedSnippetNames(content: Pick<PromptVersionContent, "system" | "messages">): string[] {
  return [...new Set(templateTexts(content).flatMap(({ text }) => parseTemplate(text).includes.map((i) => i.ref.name)))];
}

/**
 * A dependent's template rewritten to include `name` at `version`: every `{{> name@x.y.z}}`
 * becomes `{{> name@<version>}}`; label includes stay (they resolve when the draft is
 * published). Returns the text and how many includes changed.
 */
export function repinText(text: string, name: string, version: string): { text: string; changed: number } {
  let changed = 0;
  const out = text.replace(
    /(^|[^\\])\{\{([ \t]*>[ \t]*)([^{}\n]*?)([ \t]*)\}\}/g,
    (raw: string, before: string, open: string, target: string, close: string) => {
      const at = target.lastIndexOf("@");
      if (at <= 0 || target.slice(0, at).trim() !== name) return raw;
      const ref = target.slice(at + 1).trim();
      if (!/^\d+\.\d+\.\d+$/.test(ref) || ref === version) return raw;
      changed++;
      return `${before}{{${open}${name}@${version}${close}}}`;
    },
  );
  return { text: out, changed };
}
