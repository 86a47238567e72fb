import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { getPromptByName, getVersionById, versionLabel } from "@/lib/prompts/queries";
import { parseVersionContent, type PromptVersionContent } from "@/lib/prompts/schemas";
import { effectiveVariables } from "@/lib/prompts/render";
import { expandIncludes } from "@/lib/prompts/sections";

/**
 * Langfuse-compatible reads. A Langfuse prompt version is an integer: version N is our N-th
 * published version in semver order (publishing always goes up, so that is also publish order).
 * Labels are ours plus Langfuse's implicit "latest" on the newest version. The chat prompt is
 * the system blocks joined into one system message, then the message templates (text blocks
 * joined with blank lines); `{{variables}}` use the same syntax as Langfuse. Snippet includes are
 * replaced by their pinned text, and the snippets' variables are listed with the prompt's.
 */
export interface LangfuseChatPrompt {
  id: string;
  projectId: string;
  name: string;
  version: number;
  type: "chat";
  prompt: LangfuseChatItem[];
  config: Record<string, unknown>;
  labels: string[];
  tags: string[];
  commitMessage: string | null;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  isActive: null;
  resolutionGraph: null;
}

type LangfuseChatItem = { role: string; content: string } | { type: "placeholder"; name: string };

/**
 * The chat messages. Includes are resolved: the pinned snippet text stands where `{{> name@ref}}`
 * was. Sections (`{{#var}}...{{/var}}`) stay as written: they are Mustache, which Langfuse SDKs
 * compile. A chat history (`messages` variable) is a Langfuse message placeholder at its position
 * (`{ type: "placeholder", name }`, filled by the SDK's `compile(vars, placeholders)`).
 */
function chatMessages(content: PromptVersionContent): LangfuseChatItem[] {
  const pins = new Map((content.snippets ?? []).map((p) => [p.key, p.text]));
  const text = (b: { text: string }) => expandIncludes(b.text, (ref) => pins.get(ref.key)).text;
  const out: LangfuseChatItem[] = [];
  if (content.system.length > 0) out.push({ role: "system", content: content.system.map(text).join("\n\n") });
  const histories = Object.entries(content.variables).flatMap(([name, def]) => (def.type === "messages" ? [{ name, position: def.position }] : []));
  content.messages.forEach((m, i) => {
    for (const h of histories) if (h.position === i) out.push({ type: "placeholder", name: h.name });
    out.push({ role: m.role, content: m.content.map(text).join("\n\n") });
  });
  for (const h of histories) if (h.position >= content.messages.length) out.push({ type: "placeholder", name: h.name });
  return out;
}

function langfuseConfig(content: PromptVersionContent, version: string): Record<string, unknown> {
  const c = content.modelConfig;
  return {
    model: c.model,
    max_tokens: c.max_tokens,
    ...(c.stop_sequences ? { stop_sequences: c.stop_sequences } : {}),
    ...(c.effort ? { output_config: { effort: c.effort } } : {}),
    ...(c.service_tier ? { service_tier: c.service_tier } : {}),
    ...(c.tools && c.tools.length > 0 ? { tools: c.tools } : {}),
    ...(c.tool_choice ? { tool_choice: c.tool_choice } : {}),
    // Snippet variables join the prompt's contract.
    variables: effectiveVariables(content),
    output: content.outputSchema,
    promptdeck_version: version,
  };
}

/**
 * One prompt in Langfuse's shape. `version` (1-based integer) and `label` are exclusive (400);
 * neither means the production label; `latest` is the newest published version. Unknown prompt,
 * version or label: not_found naming what was asked.
 */
export async function getLangfusePrompt(projectId: string, name: string, selector: { label?: string; version?: number }): Promise<LangfuseChatPrompt> {
  if (selector.label !== undefined && selector.version !== undefined) throw new AppError("bad_request", "Give either label or version, not both");
  const prompt = await getPromptByName(projectId, name);
  const published = prompt.versions.filter((v) => v.status === "PUBLISHED").reverse(); // oldest first
  if (published.length === 0) throw new AppError("not_found", `Prompt "${name}" has no published version`);
  let index: number;
  if (selector.version !== undefined) {
    index = selector.version - 1;
    if (index >= published.length) throw new AppError("not_found", `Prompt "${name}" has no version ${selector.version} (it has ${published.length})`);
  } else {
    const label = selector.label ?? "production";
    if (label === "latest") index = published.length - 1;
    else {
      const found = prompt.labels.find((l) => l.name === label);
      if (!found) throw new AppError("not_found", `Prompt "${name}" has no label "${label}"`);
      index = published.findIndex((v) => v.id === found.version.id);
    }
  }
  const meta = published[index];
  if (!meta) throw new AppError("not_found", `Prompt "${name}" has no such version`);
  const row = await getVersionById(prompt.id, meta.id);
  const content = parseVersionContent(row);
  const labels = prompt.labels.filter((l) => l.version.id === meta.id).map((l) => l.name);
  if (index === published.length - 1) labels.push("latest");
  return {
    id: row.id,
    projectId,
    name,
    version: index + 1,
    type: "chat",
    prompt: chatMessages(content),
    config: langfuseConfig(content, versionLabel(row)),
    labels,
    tags: prompt.tags,
    commitMessage: row.changelog || null,
    createdAt: (row.publishedAt ?? row.createdAt).toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    createdBy: "promptdeck",
    isActive: null,
    resolutionGraph: null,
  };
}

/** Langfuse's prompt list: name, integer versions, labels, tags, last config; paginated. */
export async function listLangfusePrompts(projectId: string, query: { name?: string; label?: string; tag?: string; page: number; limit: number }) {
  const db = getDb();
  const where = {
    projectId,
    archivedAt: null,
    // Snippets are included by prompts, never fetched as prompts.
    kind: "PROMPT" as const,
    versions: { some: { status: "PUBLISHED" as const } },
    ...(query.name ? { name: query.name } : {}),
    ...(query.tag ? { tags: { has: query.tag } } : {}),
    ...(query.label ? { labels: { some: { name: query.label } } } : {}),
  };
  const [prompts, total] = await Promise.all([
    db.prompt.findMany({
      where,
      orderBy: { name: "asc" },
      skip: (query.page - 1) * query.limit,
      take: query.limit,
      include: {
        labels: { select: { name: true } },
        versions: {
          where: { status: "PUBLISHED" },
          orderBy: [{ major: "asc" }, { minor: "asc" }, { patch: "asc" }],
          select: { major: true, minor: true, patch: true, modelConfig: true, publishedAt: true, updatedAt: true },
        },
      },
    }),
    db.prompt.count({ where }),
  ]);
  return {
    data: prompts.map((p) => {
      const last = p.versions.at(-1);
      return {
        name: p.name,
        type: "chat" as const,
        versions: p.versions.map((_, i) => i + 1),
        labels: [...p.labels.map((l) => l.name).sort(), "latest"],
        tags: p.tags,
        lastUpdatedAt: (last?.publishedAt ?? last?.updatedAt ?? p.updatedAt).toISOString(),
        lastConfig: (last?.modelConfig ?? {}) as Record<string, unknown>,
      };
    }),
    meta: { page: query.page, limit: query.limit, totalItems: total, totalPages: Math.ceil(total / query.limit) },
  };
}
