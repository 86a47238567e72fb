import { getDb, type PrismaClient } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { DEFAULT_MODEL } from "@/lib/models/catalog";
import { joinSnippetBlocks, resolveIncludes, repinText, type IncludeResolution, type SnippetLookup } from "@/lib/prompts/includes";
import { readVersionContent, snippetPinsSchema, type PromptVersionContent, type SnippetPin, type Variables } from "@/lib/prompts/schemas";
import { formatVersion } from "@/lib/prompts/versioning";

/**
 * Snippets: a prompt of kind SNIPPET whose versions hold text blocks that other prompts include
 * with `{{> name@label}}` or `{{> name@1.2.0}}`. A snippet version is stored like any version:
 * its blocks are the content blocks of one user turn (so versioning, labels, diff and the
 * contract check apply unchanged), with its variables contract; no system blocks, the default
 * model. Publishing an including version pins each include (includes.ts) on the version.
 */

type Db = PrismaClient | Prisma.TransactionClient;

/** The content of a snippet version holding `blocks` with `variables`. */
export function snippetContent(blocks: readonly string[], variables: Variables = {}): PromptVersionContent {
  return {
    system: [],
    messages: [{ role: "user", content: blocks.map((text) => ({ type: "text" as const, text })) }],
    variables,
    modelConfig: { model: DEFAULT_MODEL, max_tokens: 1024 },
    outputSchema: { format: "text" },
    policy: {},
  };
}

/** The text blocks of a snippet version's content. */
export function snippetBlocks(content: Pick<PromptVersionContent, "messages">): string[] {
  return content.messages.flatMap((m) => m.content.map((b) => b.text));
}

/** The pins stored on a version row (`snippetPins`); [] for none or a row that does not parse. */
export function storedPins(row: { snippetPins?: unknown }): SnippetPin[] {
  const parsed = snippetPinsSchema.safeParse(row.snippetPins ?? []);
  return parsed.success ? parsed.data : [];
}

/** Looks includes up in `projectId`: the snippet by name, then its label or exact published version. */
export function snippetLookup(db: Db, projectId: string): SnippetLookup {
  return async (ref) => {
    const prompt = await db.prompt.findUnique({ where: { projectId_name: { projectId, name: ref.name } }, select: { id: true, kind: true } });
    if (!prompt) return { problem: `snippet "${ref.name}" does not exist` };
    if (prompt.kind !== "SNIPPET") return { problem: `"${ref.name}" is a prompt, not a snippet: only snippets can be included` };
    let row;
    if ("label" in ref.selector) {
      const label = await db.label.findUnique({ where: { promptId_name: { promptId: prompt.id, name: ref.selector.label } }, include: { version: true } });
      if (!label) return { problem: `snippet "${ref.name}" has no label "${ref.selector.label}"` };
      row = label.version;
    } else {
      const [major = 0, minor = 0, patch = 0] = ref.selector.version.split(".").map(Number);
      row = await db.promptVersion.findFirst({ where: { promptId: prompt.id, status: "PUBLISHED", major, minor, patch } });
      if (!row) return { problem: `snippet "${ref.name}" has no published version ${ref.selector.version}` };
    }
    const content = readVersionContent(row);
    return {
      source: {
        name: ref.name,
        version: formatVersion(row),
        versionId: row.id,
        blocksText: joinSnippetBlocks(snippetBlocks(content).map((text) => ({ text }))),
        variables: content.variables,
        pins: storedPins(row),
      },
    };
  };
}

/** Resolves the includes of `content` (a version of the prompt or snippet `selfName`) against the project's snippets now. */
export function resolveVersionIncludes(
  projectId: string,
  selfName: string,
  content: Pick<PromptVersionContent, "system" | "messages" | "variables">,
  db: Db = getDb(),
): Promise<IncludeResolution> {
  return resolveIncludes(content, selfName, snippetLookup(db, projectId));
}

/**
 * The includes of a draft being edited, resolved as publishing would pin them now (the editor
 * calls this when its includes change, so a new include previews without a reload). The prompt
 * must be in the project (`not_found` otherwise); its own name is what a cycle is checked against.
 */
export async function resolveDraftIncludes(
  projectId: string,
  promptId: string,
  content: Pick<PromptVersionContent, "system" | "messages" | "variables">,
  db: Db = getDb(),
): Promise<IncludeResolution> {
  const prompt = await db.prompt.findFirst({ where: { id: promptId, projectId }, select: { name: true } });
  if (!prompt) throw new AppError("not_found", "This prompt does not exist in the project");
  return resolveVersionIncludes(projectId, prompt.name, content, db);
}

export interface SnippetDependent {
  prompt: string;
  kind: "PROMPT" | "SNIPPET";
  /** Published versions pinning the snippet, newest first, with the snippet version each pinned. */
  pins: { version: string; versionId: string; key: string; snippetVersion: string; labels: string[] }[];
  /** The draft includes the snippet (resolved when it is published). */
  draftIncludes: string[];
}

/**
 * The prompts (and snippets) of the project that use snippet `name`: which of their published
 * versions pinned which snippet version (and the labels on those versions), and the include keys
 * of their drafts. Sorted by prompt name.
 */
export async function listSnippetDependents(projectId: string, name: string, db: Db = getDb()): Promise<SnippetDependent[]> {
  const [published, drafts] = await Promise.all([
    db.promptVersion.findMany({
      where: { status: "PUBLISHED", prompt: { projectId }, snippetPins: { array_contains: [{ name }] } },
      select: {
        id: true,
        major: true,
        minor: true,
        patch: true,
        snippetPins: true,
        prompt: { select: { name: true, kind: true } },
        labels: { select: { name: true } },
      },
      orderBy: [{ major: "desc" }, { minor: "desc" }, { patch: "desc" }],
    }),
    db.promptVersion.findMany({
      where: { status: "DRAFT", prompt: { projectId, archivedAt: null } },
      select: { system: true, messages: true, prompt: { select: { name: true, kind: true } } },
    }),
  ]);
  const byPrompt = new Map<string, SnippetDependent>();
  const entry = (prompt: { name: string; kind: "PROMPT" | "SNIPPET" }) => {
    let e = byPrompt.get(prompt.name);
    if (!e) {
      e = { prompt: prompt.name, kind: prompt.kind, pins: [], draftIncludes: [] };
      byPrompt.set(prompt.name, e);
    }
    return e;
  };
  for (const v of published) {
    for (const pin of storedPins(v).filter((p) => p.name === name)) {
      entry(v.prompt).pins.push({
        version: formatVersion(v),
        versionId: v.id,
        key: pin.key,
        snippetVersion: pin.version,
        labels: v.labels.map((l) => l.name).sort(),
      });
    }
  }
  const pattern = new RegExp(`\\{\\{[ \\t]*>[ \\t]*(${name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}@[^{}\\s]+)[ \\t]*\\}\\}`, "g");
  for (const d of drafts) {
    const texts = [...asTexts(d.system), ...(Array.isArray(d.messages) ? d.messages.flatMap((m) => asTexts((m as { content?: unknown }).content)) : [])];
    const keys = [...new Set(texts.flatMap((t) => [...t.matchAll(pattern)].map((m) => m[1] ?? "")))].filter(Boolean);
    if (keys.length > 0) entry(d.prompt).draftIncludes.push(...keys);
  }
  return [...byPrompt.values()].sort((a, b) => a.prompt.localeCompare(b.prompt));
}

function asTexts(blocks: unknown): string[] {
  return Array.isArray(blocks) ? blocks.map((b) => (b as { text?: unknown }).text).filter((t): t is string => typeof t === "string") : [];
}

/**
 * The draft content for a dependent re-pinned to `version` of snippet `name`: each `{{> name@x.y.z}}`
 * becomes `{{> name@version}}` (label includes stay and resolve at publish). Pure.
 */
export function repinContent(content: PromptVersionContent, name: string, version: string): { content: PromptVersionContent; changed: number } {
  let changed = 0;
  const fix = <T extends { text: string }>(b: T): T => {
    const r = repinText(b.text, name, version);
    changed += r.changed;
    return { ...b, text: r.text };
  };
  const next: PromptVersionContent = {
    ...content,
    system: content.system.map(fix),
    messages: content.messages.map((m) => ({ ...m, content: m.content.map(fix) })),
  };
  delete next.snippets;
  return { content: next, changed };
}

/** Refuses `name` when it is not a snippet of the project; returns the snippet prompt. */
export async function getSnippet(projectId: string, name: string, db: Db = getDb()) {
  const prompt = await db.prompt.findUnique({ where: { projectId_name: { projectId, name } } });
  if (!prompt || prompt.kind !== "SNIPPET") throw new AppError("not_found", `Snippet "${name}" does not exist`);
  return prompt;
}
