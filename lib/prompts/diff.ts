import { diffArrays, diffLines, diffWordsWithSpace } from "diff";
import { canonicalJson } from "@/lib/canonical-json";
import { diffVariableContracts } from "@/lib/prompts/contract-diff";
import { compareHistoryPlacement } from "@/lib/prompts/history";
import { diffRouting, type RoutingChange } from "@/lib/prompts/routing";
import type { PromptVersionContent, SnippetPin, VariableDef } from "@/lib/prompts/schemas";
import { compareTools, type ToolChange, type ToolChoice, type ToolDef } from "@/lib/prompts/tools";

/** A run of words within a changed line run: kept, or removed (before side) / added (after side). */
export interface WordChange {
  type: "added" | "removed" | "unchanged";
  value: string;
}

export interface LineChange {
  type: "added" | "removed" | "unchanged";
  /** The lines of this run, newline-terminated except possibly the last line of a text. */
  value: string;
  /** Number of lines in the run. */
  count: number;
  /**
   * For a removed run followed by an added run (lines edited in place): the words of this side,
   * so a view highlights the words that changed rather than the whole lines. A removed run's
   * words are unchanged or removed, an added run's unchanged or added; joined they are `value`.
   */
  words?: WordChange[];
}

/**
 * Line-level diff of two texts (the `diff` package's diffLines); where lines were replaced (a
 * removed run right before an added run), both runs carry the word diff between them (diffWordsWithSpace).
 */
export function diffText(before: string, after: string): LineChange[] {
  const runs: LineChange[] = diffLines(before, after).map((c) => ({
    type: c.added ? "added" : c.removed ? "removed" : "unchanged",
    value: c.value,
    count: c.count,
  }));
  for (let i = 0; i + 1 < runs.length; i++) {
    const removed = runs[i];
    const added = runs[i + 1];
    if (removed?.type !== "removed" || added?.type !== "added") continue;
    const words = diffWordsWithSpace(removed.value, added.value).map((w): WordChange => ({
      type: w.added ? "added" : w.removed ? "removed" : "unchanged",
      value: w.value,
    }));
    removed.words = words.filter((w) => w.type !== "added");
    added.words = words.filter((w) => w.type !== "removed");
    i++;
  }
  return runs;
}

/**
 * The words of a run (`LineChange.words`) cut into display lines at each newline (a final newline
 * ends the last line, it does not start an empty one). Empty pieces are dropped.
 */
export function wordLines(words: readonly WordChange[]): WordChange[][] {
  const lines: WordChange[][] = [[]];
  for (const w of words) {
    w.value.split("\n").forEach((piece, k) => {
      if (k > 0) lines.push([]);
      if (piece) lines.at(-1)?.push({ type: w.type, value: piece });
    });
  }
  if (lines.length > 1 && lines.at(-1)?.length === 0) lines.pop();
  return lines;
}

export interface BlockView {
  location: string;
  /** System blocks: instructions/persona/...; message blocks: user/assistant. */
  role: string;
  text: string;
  cacheControl: string | null;
}

export type BlockChange =
  | { type: "unchanged"; before: BlockView; after: BlockView }
  | { type: "added"; after: BlockView; lines: LineChange[] }
  | { type: "removed"; before: BlockView; lines: LineChange[] }
  | { type: "changed"; before: BlockView; after: BlockView; lines: LineChange[]; fields: string[] };

export interface BlocksSectionDiff {
  changed: boolean;
  blocks: BlockChange[];
}

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

export type VariableChange =
  | { name: string; type: "added"; after: VariableDef }
  | { name: string; type: "removed"; before: VariableDef }
  | { name: string; type: "changed"; before: VariableDef; after: VariableDef; fields: FieldChange[] };

export interface FieldsSectionDiff {
  changed: boolean;
  fields: FieldChange[];
}

export interface VersionDiff {
  identical: boolean;
  system: BlocksSectionDiff;
  messages: BlocksSectionDiff;
  variables: { changed: boolean; changes: VariableChange[] };
  modelConfig: FieldsSectionDiff;
  /** Field changes plus a line diff of the pretty-printed output definition (JSON Schema included). */
  output: FieldsSectionDiff & { lines: LineChange[] };
  policy: FieldsSectionDiff;
  /** Pinned snippets (published versions): added, removed, or pinned to another version with a line diff of its text. */
  snippets: { changed: boolean; changes: SnippetChange[] };
  /** Tool definitions and tool_choice (kept out of `modelConfig`'s fields), each change with its semver findings. */
  tools: ToolsDiff;
  /** Chat histories (`messages` variables): added, removed, moved among the turns, breakpoint changed. */
  histories: { changed: boolean; changes: HistoryChange[] };
  /** Model routing rules, matched by name (`diffRouting`); not repeated in `modelConfig.fields`. */
  routing: { changed: boolean; changes: RoutingChange[] };
}

/** A semver finding shown beside the change it is about ("major: tool "x" removed"). */
export interface DiffReason {
  bump: "major" | "minor" | "patch";
  message: string;
}

export interface ToolDiffChange {
  name: string;
  type: "added" | "removed" | "changed";
  /** The parts that differ: description, input_schema, cache_control, position. */
  fields: Array<"description" | "input_schema" | "cache_control" | "position">;
  before?: { index: number; description: string; cacheControl: string | null };
  after?: { index: number; description: string; cacheControl: string | null };
  /** Line diff of the input_schema as pretty JSON with sorted keys (empty when it did not change). */
  schemaLines: LineChange[];
  /** The findings of `compareTools` about this tool, most severe first. */
  reasons: DiffReason[];
}

export interface ToolsDiff {
  changed: boolean;
  /** Every tool of either side, in the order of `b` then the removed ones; unchanged tools are left out. */
  changes: ToolDiffChange[];
  /** Tool names in order on each side. */
  order: { before: string[]; after: string[] };
  toolChoice: { changed: boolean; before?: ToolChoice; after?: ToolChoice; reasons: DiffReason[] };
  /** Findings not about one tool ("tools reordered"). */
  reasons: DiffReason[];
}

export interface HistoryChange {
  name: string;
  type: "added" | "removed" | "moved" | "changed";
  before?: { position: number; cacheControl: string | null; required: boolean };
  after?: { position: number; cacheControl: string | null; required: boolean };
  /** The semver findings (the variables contract's for added/removed, `compareHistoryPlacement`'s otherwise). */
  reasons: DiffReason[];
}

export interface SnippetChange {
  name: string;
  type: "added" | "removed" | "changed";
  before?: { key: string; version: string };
  after?: { key: string; version: string };
  /** Line diff of the snippet's pinned text (empty when only the version number moved). */
  lines: LineChange[];
}

type Content = Pick<PromptVersionContent, "system" | "messages" | "variables" | "modelConfig" | "outputSchema" | "policy" | "snippets">;

/** Pinned snippets compared by name (see `VersionDiff.snippets`). */
export function diffSnippets(a: readonly SnippetPin[], b: readonly SnippetPin[]): { changed: boolean; changes: SnippetChange[] } {
  const changes: SnippetChange[] = [];
  for (const name of [...new Set([...a.map((p) => p.name), ...b.map((p) => p.name)])].sort()) {
    const before = a.find((p) => p.name === name);
    const after = b.find((p) => p.name === name);
    const side = (p: SnippetPin) => ({ key: p.key, version: p.version });
    if (before && !after) changes.push({ name, type: "removed", before: side(before), lines: diffText(before.text, "") });
    else if (!before && after) changes.push({ name, type: "added", after: side(after), lines: diffText("", after.text) });
    else if (before && after && (before.versionId !== after.versionId || before.key !== after.key)) {
      changes.push({
        name,
        type: "changed",
        before: side(before),
        after: side(after),
        lines: before.text === after.text ? [] : diffText(before.text, after.text),
      });
    }
  }
  return { changed: changes.length > 0, changes };
}

const RANK = { major: 2, minor: 1, patch: 0 } as const;
const bySeverity = (list: readonly DiffReason[]): DiffReason[] => [...list].sort((x, y) => RANK[y.bump] - RANK[x.bump]);
const reason = (c: Pick<ToolChange, "bump" | "message">): DiffReason => ({ bump: c.bump, message: c.message });

/**
 * Tools compared by name (see `VersionDiff.tools`): added, removed, or changed (description,
 * input_schema with a line diff, cache_control, position), each with the `compareTools` findings
 * about it, and the tool_choice change with its finding.
 */
export function diffTools(a: { tools?: readonly ToolDef[]; tool_choice?: ToolChoice }, b: { tools?: readonly ToolDef[]; tool_choice?: ToolChoice }): ToolsDiff {
  const before = a.tools ?? [];
  const after = b.tools ?? [];
  const findings = compareTools(a, b);
  const side = (t: ToolDef, index: number) => ({
    index,
    description: t.description,
    cacheControl: t.cache_control ? canonicalJson(t.cache_control) : null,
  });
  const changes: ToolDiffChange[] = [];
  const names = [...after.map((t) => t.name), ...before.map((t) => t.name).filter((n) => !after.some((t) => t.name === n))];
  for (const name of [...new Set(names)]) {
    const i = before.findIndex((t) => t.name === name);
    const j = after.findIndex((t) => t.name === name);
    const ta = before[i];
    const tb = after[j];
    const reasons = bySeverity(findings.filter((f) => f.tool === name).map(reason));
    if (ta && !tb) changes.push({ name, type: "removed", fields: [], before: side(ta, i), schemaLines: diffText(pretty(ta.input_schema), ""), reasons });
    else if (!ta && tb) changes.push({ name, type: "added", fields: [], after: side(tb, j), schemaLines: diffText("", pretty(tb.input_schema)), reasons });
    else if (ta && tb) {
      const fields: ToolDiffChange["fields"] = [];
      if (ta.description !== tb.description) fields.push("description");
      const schemaChanged = canonicalJson(ta.input_schema) !== canonicalJson(tb.input_schema);
      if (schemaChanged) fields.push("input_schema");
      if (canonicalJson(ta.cache_control ?? null) !== canonicalJson(tb.cache_control ?? null)) fields.push("cache_control");
      if (i !== j) fields.push("position");
      if (fields.length === 0) continue;
      changes.push({
        name,
        type: "changed",
        fields,
        before: side(ta, i),
        after: side(tb, j),
        schemaLines: schemaChanged ? diffText(pretty(ta.input_schema), pretty(tb.input_schema)) : [],
        reasons,
      });
    }
  }
  const choiceChanged = canonicalJson(a.tool_choice ?? null) !== canonicalJson(b.tool_choice ?? null);
  const toolChoice = {
    changed: choiceChanged,
    ...(a.tool_choice ? { before: a.tool_choice } : {}),
    ...(b.tool_choice ? { after: b.tool_choice } : {}),
    reasons: findings.filter((f) => f.message.startsWith("tool_choice")).map(reason),
  };
  const reasons = findings.filter((f) => f.tool === undefined && !f.message.startsWith("tool_choice")).map(reason);
  return {
    changed: changes.length > 0 || choiceChanged,
    changes,
    order: { before: before.map((t) => t.name), after: after.map((t) => t.name) },
    toolChoice,
    reasons,
  };
}

/** Chat histories compared by name (see `VersionDiff.histories`). */
export function diffHistories(
  a: Readonly<Record<string, VariableDef>>,
  b: Readonly<Record<string, VariableDef>>,
): { changed: boolean; changes: HistoryChange[] } {
  const contract = diffVariableContracts(a, b);
  const changes: HistoryChange[] = [];
  const side = (d: Extract<VariableDef, { type: "messages" }>) => ({
    position: d.position,
    cacheControl: d.cache_control ? canonicalJson(d.cache_control) : null,
    required: d.required,
  });
  for (const name of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
    const da = a[name];
    const db = b[name];
    const ha = da?.type === "messages" ? da : undefined;
    const hb = db?.type === "messages" ? db : undefined;
    if (!ha && !hb) continue;
    const contractReasons = contract.filter((c) => c.variable === name).map(reason);
    if (ha && hb) {
      const placement = compareHistoryPlacement(name, ha, hb);
      const reasons = bySeverity([...contractReasons, ...placement]);
      if (reasons.length === 0) continue;
      changes.push({ name, type: ha.position !== hb.position ? "moved" : "changed", before: side(ha), after: side(hb), reasons });
    } else if (hb) changes.push({ name, type: "added", after: side(hb), reasons: bySeverity(contractReasons) });
    else if (ha) changes.push({ name, type: "removed", before: side(ha), reasons: bySeverity(contractReasons) });
  }
  return { changed: changes.length > 0, changes };
}

function systemViews(c: Content): BlockView[] {
  return c.system.map((b, i) => ({
    location: `system.${i}`,
    role: b.role,
    text: b.text,
    cacheControl: b.cache_control ? canonicalJson(b.cache_control) : null,
  }));
}

function messageViews(c: Content): BlockView[] {
  return c.messages.flatMap((m, i) =>
    m.content.map((b, j) => ({
      location: `messages.${i}.content.${j}`,
      role: m.role,
      text: b.text,
      cacheControl: b.cache_control ? canonicalJson(b.cache_control) : null,
    })),
  );
}

const sameBlock = (a: BlockView, b: BlockView): boolean => a.role === b.role && a.text === b.text && a.cacheControl === b.cacheControl;

/**
 * Aligns two block lists with the `diff` package's diffArrays (blocks equal when role, text and
 * cache_control are equal); a removed run followed by an added run is paired up, in order, as
 * changed blocks (with a line diff), the leftovers are added/removed blocks.
 */
export function diffBlocks(before: BlockView[], after: BlockView[]): BlocksSectionDiff {
  const out: BlockChange[] = [];
  const runs = diffArrays(before, after, { comparator: sameBlock });
  let bi = 0;
  let ai = 0;
  for (let r = 0; r < runs.length; r++) {
    const run = runs[r];
    if (!run) continue;
    if (!run.added && !run.removed) {
      for (let k = 0; k < run.count; k++) {
        const b = before[bi++];
        const a = after[ai++];
        if (b && a) out.push({ type: "unchanged", before: b, after: a });
      }
      continue;
    }
    if (run.removed) {
      const next = runs[r + 1];
      const removed = before.slice(bi, bi + run.count);
      bi += run.count;
      const added = next?.added ? after.slice(ai, ai + next.count) : [];
      if (next?.added) {
        ai += next.count;
        r++;
      }
      const pairs = Math.min(removed.length, added.length);
      for (let k = 0; k < Math.max(removed.length, added.length); k++) {
        const b = removed[k];
        const a = added[k];
        if (k < pairs && b && a) {
          const fields = (["role", "text", "cacheControl"] as const).filter((f) => b[f] !== a[f]);
          out.push({ type: "changed", before: b, after: a, lines: diffText(b.text, a.text), fields });
        } else if (b) out.push({ type: "removed", before: b, lines: diffText(b.text, "") });
        else if (a) out.push({ type: "added", after: a, lines: diffText("", a.text) });
      }
      continue;
    }
    // An added run not preceded by a removal.
    for (let k = 0; k < run.count; k++) {
      const a = after[ai++];
      if (a) out.push({ type: "added", after: a, lines: diffText("", a.text) });
    }
  }
  return { changed: out.some((c) => c.type !== "unchanged"), blocks: out };
}

function diffFields(before: Record<string, unknown>, after: Record<string, unknown>): FieldsSectionDiff {
  const fields: FieldChange[] = [];
  for (const field of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    if (canonicalJson(before[field]) !== canonicalJson(after[field])) fields.push({ field, before: before[field], after: after[field] });
  }
  return { changed: fields.length > 0, fields };
}

const pretty = (value: unknown): string => `${JSON.stringify(JSON.parse(canonicalJson(value)), null, 2)}\n`;

/**
 * Per-section diff of two versions (a = before, b = after): system blocks and message blocks
 * (aligned, with line-level text diffs from the `diff` package), variables (added / removed /
 * changed fields), chat histories (position and breakpoint, `diffHistories`), tools and
 * tool_choice (`diffTools`), model config without the tools, routing and policy (changed fields), output
 * (changed fields and a line diff of its pretty JSON with sorted keys), routing rules (added / removed /
 * changed / moved, by name). `identical` is true when no section changed.
 */
export function diffVersions(a: Content, b: Content): VersionDiff {
  const system = diffBlocks(systemViews(a), systemViews(b));
  const messages = diffBlocks(messageViews(a), messageViews(b));
  // Message structure changes with identical text (e.g. a block moved to the next turn) show up via locations.
  if (!messages.changed && a.messages.map((m) => m.content.length).join() !== b.messages.map((m) => m.content.length).join()) {
    messages.changed = true;
  }

  const changes: VariableChange[] = [];
  for (const name of [...new Set([...Object.keys(a.variables), ...Object.keys(b.variables)])].sort()) {
    const before = a.variables[name];
    const after = b.variables[name];
    if (before && !after) changes.push({ name, type: "removed", before });
    else if (!before && after) changes.push({ name, type: "added", after });
    else if (before && after) {
      const { fields } = diffFields(before, after);
      if (fields.length > 0) changes.push({ name, type: "changed", before, after, fields });
    }
  }

  // Tools and routing have their own sections: the config table shows the other fields.
  const { tools: _ta, tool_choice: _ca, routing: routingA, ...configA } = a.modelConfig;
  const { tools: _tb, tool_choice: _cb, routing: routingB, ...configB } = b.modelConfig;
  const modelConfig = diffFields(configA, configB);
  const tools = diffTools(a.modelConfig, b.modelConfig);
  const histories = diffHistories(a.variables, b.variables);
  const routingChanges = diffRouting(routingA, routingB);
  const routing = { changed: routingChanges.length > 0, changes: routingChanges };
  const outputFields = diffFields(a.outputSchema, b.outputSchema);
  const output = { ...outputFields, lines: outputFields.changed ? diffText(pretty(a.outputSchema), pretty(b.outputSchema)) : [] };
  const policy = diffFields(a.policy, b.policy);
  const variables = { changed: changes.length > 0, changes };
  const snippets = diffSnippets(a.snippets ?? [], b.snippets ?? []);
  const identical =
    !system.changed &&
    !messages.changed &&
    !variables.changed &&
    !modelConfig.changed &&
    !output.changed &&
    !policy.changed &&
    !snippets.changed &&
    !tools.changed &&
    !routing.changed;
  return { identical, system, messages, variables, modelConfig, output, policy, snippets, tools, histories, routing };
}

export interface AcknowledgementDiff {
  changed: boolean;
  /** Acknowledged in b, not in a. */
  added: string[];
  /** Acknowledged in a, not in b. */
  removed: string[];
  /** Acknowledged in both. */
  kept: string[];
}

/**
 * Compares two versions' acknowledged variable-before-breakpoint locations
 * (`PromptVersion.cacheAcknowledgements`). Review state, not content: it is not part of
 * `diffVersions` (nor of the content hash or the bump), and is shown beside it.
 */
export function diffAcknowledgements(a: readonly string[], b: readonly string[]): AcknowledgementDiff {
  const before = new Set(a);
  const after = new Set(b);
  const added = [...after].filter((x) => !before.has(x));
  const removed = [...before].filter((x) => !after.has(x));
  const kept = [...after].filter((x) => before.has(x));
  return { changed: added.length + removed.length > 0, added, removed, kept };
}
