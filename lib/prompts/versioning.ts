import semver from "semver";
import { diffChars } from "diff";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { findModel, type ModelSpec } from "@/lib/models/catalog";
import { canonicalJson } from "@/lib/canonical-json";
import { describeLocation } from "@/lib/prompts/locations";
import { diffVariableContracts } from "@/lib/prompts/contract-diff";
import { effectiveVariables } from "@/lib/prompts/render";
import type { OutputSchema, PromptVersionContent, SnippetPin } from "@/lib/prompts/schemas";
import { compareHistoryPlacement } from "@/lib/prompts/history";
import { describeRoutingChange, diffRouting } from "@/lib/prompts/routing";
import { compareTools } from "@/lib/prompts/tools";

export type Bump = "major" | "minor" | "patch";
export interface BumpProposal {
  bump: Bump;
  reasons: string[];
}

/** The first version of a prompt. */
export const INITIAL_VERSION = "1.0.0";

/**
 * PATCH threshold for text edits: after collapsing whitespace, the character edit size
 * (inserted + deleted characters, from `diff`'s diffChars, summed over all blocks) must be at
 * most max(PATCH_MIN_EDIT_CHARS, min(PATCH_MAX_EDIT_CHARS, floor(PATCH_MAX_EDIT_RATIO x length)))
 * where length is the longer of the two total texts, AND every edited block must keep its word
 * count (inserting "not" is never a typo). So a 1-character typo fix is always a patch, at most
 * 10 changed characters ever are, and short prompts allow only 2.
 */
export const PATCH_MIN_EDIT_CHARS = 2;
export const PATCH_MAX_EDIT_CHARS = 10;
export const PATCH_MAX_EDIT_RATIO = 0.02;

const RANK: Record<Bump, number> = { patch: 0, minor: 1, major: 2 };

type Content = Pick<PromptVersionContent, "system" | "messages" | "variables" | "modelConfig" | "outputSchema" | "policy" | "snippets">;

class Reasons {
  readonly list: Array<{ bump: Bump; reason: string }> = [];
  add(bump: Bump, reason: string): void {
    this.list.push({ bump, reason });
  }
  result(): BumpProposal {
    const bump = this.list.reduce<Bump>((acc, r) => (RANK[r.bump] > RANK[acc] ? r.bump : acc), "patch");
    const ordered = [...this.list].sort((a, b) => RANK[b.bump] - RANK[a.bump]);
    return { bump, reasons: ordered.length > 0 ? ordered.map((r) => `${r.bump}: ${r.reason}`) : ["patch: no content change"] };
  }
}

function compareVariables(prev: Content["variables"], next: Content["variables"], out: Reasons): void {
  for (const change of diffVariableContracts(prev, next)) out.add(change.bump, change.message);
  for (const [name, a] of Object.entries(prev)) {
    const b = next[name];
    if (a.type !== "messages" || b?.type !== "messages") continue;
    for (const change of compareHistoryPlacement(name, a, b)) out.add(change.bump, change.message);
  }
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);
const ANNOTATION_KEYS = new Set(["title", "description", "examples", "default", "$comment", "$schema", "$id"]);
const ANALYSED_KEYS = new Set(["type", "properties", "required", "items"]);

function typeSet(schema: Json): string {
  const t = schema.type;
  if (t === undefined) return "";
  return Array.isArray(t) ? [...t].map(String).sort().join("|") : String(t);
}

/**
 * Conservative JSON Schema comparison from the consumer's side (the output is what apps parse):
 * breaking — type changed, property removed, property made optional or newly required, items
 * changed incompatibly, and ANY change of a keyword not analysed here (enum, anyOf, $ref,
 * additionalProperties, limits, ...); compatible — new optional property, annotation changes.
 */
export function compareJsonSchemas(a: unknown, b: unknown, path = "$"): { breaking: string[]; compatible: string[] } {
  const breaking: string[] = [];
  const compatible: string[] = [];
  const walk = (x: unknown, y: unknown, at: string): void => {
    if (canonicalJson(x) === canonicalJson(y)) return;
    if (!isObj(x) || !isObj(y)) {
      breaking.push(`${at} changed`);
      return;
    }
    if (typeSet(x) !== typeSet(y)) breaking.push(`${at} type changed ${typeSet(x) || "any"} -> ${typeSet(y) || "any"}`);
    const px = isObj(x.properties) ? x.properties : {};
    const py = isObj(y.properties) ? y.properties : {};
    const rx = new Set(Array.isArray(x.required) ? x.required.map(String) : []);
    const ry = new Set(Array.isArray(y.required) ? y.required.map(String) : []);
    for (const key of Object.keys(px)) {
      if (!Object.hasOwn(py, key)) breaking.push(`${at}.${key} removed`);
      else walk(px[key], py[key], `${at}.${key}`);
    }
    for (const key of Object.keys(py)) {
      if (Object.hasOwn(px, key)) continue;
      if (ry.has(key)) breaking.push(`${at}.${key} added as required`);
      else compatible.push(`${at}.${key} added (optional)`);
    }
    for (const key of ry) if (!rx.has(key) && Object.hasOwn(px, key)) breaking.push(`${at}.${key} became required`);
    for (const key of rx) if (!ry.has(key) && Object.hasOwn(py, key)) breaking.push(`${at}.${key} became optional`);
    if (x.items !== undefined || y.items !== undefined) walk(x.items, y.items, `${at}[]`);
    const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
    for (const key of keys) {
      if (ANALYSED_KEYS.has(key) || canonicalJson(x[key]) === canonicalJson(y[key])) continue;
      if (ANNOTATION_KEYS.has(key)) compatible.push(`${at} ${key} changed`);
      else breaking.push(`${at} "${key}" changed (not analysed; assumed breaking)`);
    }
  };
  walk(a, b, path);
  return { breaking, compatible };
}

function compareOutput(a: OutputSchema, b: OutputSchema, out: Reasons): void {
  if (a.format !== b.format) {
    out.add("major", `output format changed ${a.format} -> ${b.format}`);
    return;
  }
  if (a.format === "json" && b.format === "json") {
    const { breaking, compatible } = compareJsonSchemas(a.schema, b.schema);
    for (const r of breaking) out.add("major", `output schema: ${r}`);
    for (const r of compatible) out.add("minor", `output schema: ${r}`);
  }
}

function compareModel(a: Content["modelConfig"], b: Content["modelConfig"], out: Reasons, catalog?: readonly ModelSpec[]): void {
  if (a.model !== b.model) {
    const sa = findModel(a.model, catalog);
    const sb = findModel(b.model, catalog);
    if (!sa || !sb || sa.family !== sb.family || sa.generation !== sb.generation) {
      out.add(
        "major",
        `model changed ${a.model} -> ${b.model} (${sa ? `${sa.family} ${sa.generation}` : "unknown"} -> ${sb ? `${sb.family} ${sb.generation}` : "unknown"})`,
      );
    } else if (sa.model !== sb.model) {
      out.add("minor", `model changed ${a.model} -> ${b.model}`);
    } else {
      out.add("patch", `model alias changed ${a.model} -> ${b.model}`);
    }
  }
  for (const key of ["max_tokens", "stop_sequences", "effort", "service_tier"] as const) {
    if (canonicalJson(a[key]) !== canonicalJson(b[key])) out.add("minor", `${key} changed`);
  }
}

const normalizeWs = (s: string): string => s.replace(/\s+/g, " ").trim();

interface FlatBlock {
  location: string;
  kind: string;
  text: string;
  cache: string;
  label: string;
}

function flatten(c: Pick<Content, "system" | "messages">): FlatBlock[] {
  const blocks: FlatBlock[] = c.system.map((b, i) => ({
    location: `system.${i}`,
    kind: "system",
    text: b.text,
    cache: canonicalJson(b.cache_control),
    label: b.role,
  }));
  c.messages.forEach((m, i) =>
    m.content.forEach((b, j) =>
      blocks.push({ location: `messages.${i}.content.${j}`, kind: `${i}:${m.role}`, text: b.text, cache: canonicalJson(b.cache_control), label: "" }),
    ),
  );
  return blocks;
}

function compareContent(a: Content, b: Content, out: Reasons): void {
  const fa = flatten(a);
  const fb = flatten(b);
  const shape = (f: FlatBlock[]) => f.map((x) => x.kind).join(",");
  if (shape(fa) !== shape(fb)) {
    out.add("minor", `blocks or messages added, removed or reordered (${fa.length} -> ${fb.length} blocks)`);
    return;
  }
  let edit = 0;
  let length = 0;
  let whitespaceOnly = 0;
  let tooLarge = false;
  fa.forEach((x, i) => {
    const y = fb[i];
    if (!y) return;
    if (x.cache !== y.cache) out.add("patch", `cache_control changed at ${describeLocation(y.location, b)}`);
    if (x.label !== y.label) out.add("patch", `block role changed at ${describeLocation(y.location, b)}`);
    if (x.text === y.text) {
      length += x.text.length;
      return;
    }
    const na = normalizeWs(x.text);
    const nb = normalizeWs(y.text);
    length += Math.max(na.length, nb.length);
    if (na === nb) {
      whitespaceOnly++;
      return;
    }
    if (tooLarge) return;
    // A typo fix keeps the word count; an inserted or deleted word ("not") can flip the meaning.
    if (na.split(" ").length !== nb.split(" ").length) {
      tooLarge = true;
      return;
    }
    const changes = diffChars(na, nb, { maxEditLength: PATCH_MAX_EDIT_CHARS + 1 });
    if (!changes) {
      tooLarge = true;
      return;
    }
    edit += changes.filter((c) => c.added || c.removed).reduce((n, c) => n + c.value.length, 0);
  });
  if (whitespaceOnly > 0) out.add("patch", `whitespace-only edits in ${whitespaceOnly} block(s)`);
  if (!tooLarge && edit === 0) return;
  const threshold = Math.max(PATCH_MIN_EDIT_CHARS, Math.min(PATCH_MAX_EDIT_CHARS, Math.floor(PATCH_MAX_EDIT_RATIO * length)));
  if (tooLarge || edit > threshold)
    out.add("minor", `instructions or message text changed (${tooLarge ? "words added or removed, or many characters" : `${edit} characters`} edited)`);
  else out.add("patch", `small text edit (${edit} characters edited, threshold ${threshold})`);
}

/** Pinned snippets: another version with other text is a MINOR change (the sent text changes), the same text a PATCH. */
function compareSnippets(a: readonly SnippetPin[], b: readonly SnippetPin[], out: Reasons): void {
  for (const pin of b) {
    const before = a.find((p) => p.name === pin.name);
    if (!before || before.versionId === pin.versionId) continue;
    if (before.text !== pin.text) out.add("minor", `snippet ${pin.name} ${before.version} -> ${pin.version} changes its text`);
    else out.add("patch", `snippet ${pin.name} ${before.version} -> ${pin.version} (same text)`);
  }
}

/**
 * Proposes the semver bump from `previous` to `next` content, with one reason per finding
 * (prefixed `major:`/`minor:`/`patch:`, most severe first).
 * MAJOR: variable removed, type changed, now has to be sent (optional -> required, or default
 * dropped), new variable that must be sent, enum values removed; output format changed or the
 * JSON schema changed incompatibly (see `compareJsonSchemas`); model family or generation changed;
 * a tool removed or its input schema narrowed, tool_choice now forcing or disabling tools (see
 * `compareTools`). Tools: added, widened or re-described is MINOR; reordered or re-cached PATCH.
 * Chat history: added/removed/required as any variable; moved MINOR; its breakpoint PATCH.
 * MINOR: text changes beyond the patch threshold, blocks/messages added or removed, compatible
 * contract or output additions, another model of the same family+generation, max_tokens /
 * stop_sequences / effort / service_tier / policy changes, model routing rules added, removed,
 * reordered or changed (`diffRouting`).
 * PATCH: whitespace-only or small edits (see PATCH_* constants), descriptions, block roles,
 * cache_control, identical content.
 */
export function proposeBump(previous: Content, next: Content, options: { catalog?: readonly ModelSpec[] } = {}): BumpProposal {
  const out = new Reasons();
  // Snippet variables join the contract (render.ts effectiveVariables): a snippet that now needs a variable is breaking.
  compareVariables(effectiveVariables(previous), effectiveVariables(next), out);
  compareSnippets(previous.snippets ?? [], next.snippets ?? [], out);
  compareOutput(previous.outputSchema, next.outputSchema, out);
  compareModel(previous.modelConfig, next.modelConfig, out, options.catalog);
  for (const change of compareTools(previous.modelConfig, next.modelConfig)) out.add(change.bump, change.message);
  // Routing changes which model answers, never what a caller may send: MINOR.
  for (const change of diffRouting(previous.modelConfig.routing, next.modelConfig.routing)) out.add("minor", describeRoutingChange(change));
  compareContent(previous, next, out);
  const pa = previous.policy;
  const pb = next.policy;
  for (const key of new Set([...Object.keys(pa), ...Object.keys(pb)])) {
    if (canonicalJson((pa as Json)[key]) !== canonicalJson((pb as Json)[key])) out.add("minor", `policy ${key} changed`);
  }
  return out.result();
}

export interface SemverParts {
  major: number;
  minor: number;
  patch: number;
}

/** The largest version component: versions are stored as three PostgreSQL `integer` (int4) columns. */
export const MAX_VERSION_COMPONENT = 2_147_483_647;
const COMPONENT_MESSAGE = `version numbers are at most ${MAX_VERSION_COMPONENT} each`;

/** Whether each component fits its column (`MAX_VERSION_COMPONENT`). */
export function versionFits(parts: SemverParts): boolean {
  return parts.major <= MAX_VERSION_COMPONENT && parts.minor <= MAX_VERSION_COMPONENT && parts.patch <= MAX_VERSION_COMPONENT;
}

/**
 * An exact `MAJOR.MINOR.PATCH` as the edges accept it (label moves, experiment variants, ingest):
 * digits only, each component at most `MAX_VERSION_COMPONENT` (2147483648.0.0 is refused here,
 * not by the database).
 */
export const exactVersionSchema = z
  .string()
  .max(40)
  // abort: a malformed version is one problem, not also "out of range".
  .regex(/^\d+\.\d+\.\d+$/, { message: "must be an exact version such as 1.2.0", abort: true })
  .refine((v) => v.split(".").every((n) => Number(n) <= MAX_VERSION_COMPONENT), COMPONENT_MESSAGE);

/**
 * Parses a plain `MAJOR.MINOR.PATCH` (no prerelease or build, each component at most
 * `MAX_VERSION_COMPONENT`); throws `AppError("unprocessable")` otherwise.
 */
export function parseVersion(version: string): SemverParts {
  const parsed = semver.parse(version);
  if (!parsed || parsed.prerelease.length > 0 || parsed.build.length > 0 || parsed.version !== version) {
    throw new AppError("unprocessable", `"${version}" is not a plain MAJOR.MINOR.PATCH version`, {
      issues: [{ path: "version", message: "must look like 1.2.3 (no prerelease or build suffix)" }],
    });
  }
  const parts = { major: parsed.major, minor: parsed.minor, patch: parsed.patch };
  if (!versionFits(parts)) {
    throw new AppError("unprocessable", `"${version}" is out of range: ${COMPONENT_MESSAGE}`, { issues: [{ path: "version", message: COMPONENT_MESSAGE }] });
  }
  return parts;
}

/** `{ major, minor, patch }` -> "major.minor.patch". */
export function formatVersion(parts: SemverParts): string {
  return `${parts.major}.${parts.minor}.${parts.patch}`;
}

/** The version after `current` for `bump` (1.2.3 + minor = 1.3.0); `null` (no version yet) gives 1.0.0. */
export function nextVersion(current: string | null, bump: Bump): string {
  if (current === null) return INITIAL_VERSION;
  parseVersion(current);
  const next = semver.inc(current, bump);
  if (!next) throw new AppError("unprocessable", `cannot bump "${current}"`);
  return next;
}

/**
 * Checks an author's requested version against the proposed one: it must be a plain
 * MAJOR.MINOR.PATCH, at least `proposed` (the author may raise the bump, never lower it), and
 * greater than every version in `published`. Returns the requested version. Throws
 * `AppError("unprocessable")` when malformed or lower, `AppError("conflict")` when it equals an
 * existing published version.
 */
export function validateRequestedVersion(proposed: string, requested: string, published: readonly string[] = []): string {
  parseVersion(requested);
  parseVersion(proposed);
  if (published.includes(requested)) {
    throw new AppError("conflict", `version ${requested} is already published`, { issues: [{ path: "version", message: `${requested} already exists` }] });
  }
  if (semver.lt(requested, proposed)) {
    throw new AppError("unprocessable", `version ${requested} is lower than the proposed ${proposed}: you may raise the bump, never lower it`, {
      issues: [{ path: "version", message: `must be at least ${proposed}` }],
    });
  }
  const highest = published.filter((v) => semver.valid(v)).sort(semver.rcompare)[0];
  if (highest && !semver.gt(requested, highest)) {
    throw new AppError("unprocessable", `version ${requested} must be greater than the latest published ${highest}`, {
      issues: [{ path: "version", message: `must be greater than ${highest}` }],
    });
  }
  return requested;
}
