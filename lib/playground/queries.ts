import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { defaultVersionId } from "@/lib/prompts/labels";
import { versionLabel } from "@/lib/prompts/queries";
import { templateTexts } from "@/lib/prompts/contract";
import { messagesSchema, systemSchema, variablesSchema, type Variables } from "@/lib/prompts/schemas";
import { extractVariables } from "@/lib/prompts/templates";

/** One version as the playground's pickers and form see it. */
export interface PlaygroundVersion {
  id: string;
  /** "1.2.0" or "draft". */
  label: string;
  status: "DRAFT" | "PUBLISHED";
  /** Label names pointing at this version ("production", "staging"). */
  labels: string[];
  model: string;
  outputFormat: "text" | "json";
  fallbackModel: string | null;
  /** The variables contract; an unreadable one is shown as empty (the run reports the problem). */
  variables: Variables;
  changelog: string;
}

export interface PlaygroundPrompt {
  promptId: string;
  name: string;
  description: string;
  /** Draft first, then published newest first. */
  versions: PlaygroundVersion[];
  /** The production label's version, else the newest published one, else the draft; null without versions. */
  defaultVersionId: string | null;
}

function stringField(value: unknown, key: string): string | null {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const v = (value as Record<string, unknown>)[key];
    return typeof v === "string" ? v : null;
  }
  return null;
}

/**
 * The contract in form order: variables the caller must give (required, no default) first, then
 * the order in which the templates use them (system blocks, then messages), then unused ones by
 * name. PostgreSQL's jsonb does not keep key order, so the stored order means nothing.
 */
export function orderVariables(variables: Variables, system: unknown, messages: unknown): Variables {
  const s = systemSchema.safeParse(system);
  const m = messagesSchema.safeParse(messages);
  const used = s.success && m.success ? templateTexts({ system: s.data, messages: m.data }).flatMap((t) => extractVariables(t.text)) : [];
  const position = (name: string) => {
    const i = used.indexOf(name);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  const mustGive = (name: string) => (variables[name]?.required === true && variables[name]?.default === undefined ? 0 : 1);
  const names = Object.keys(variables).sort((a, b) => mustGive(a) - mustGive(b) || position(a) - position(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(names.map((n) => [n, variables[n]!]));
}

/** "draft" for the draft (whatever number it is stored under), else "1.2.0". */
export function runnableVersionLabel(v: { status: string; major: number; minor: number; patch: number }): string {
  return v.status === "DRAFT" ? "draft" : versionLabel(v);
}

/** A prompt of the project with every runnable version; not_found when it does not exist. */
export async function getPlaygroundPrompt(projectId: string, name: string): Promise<PlaygroundPrompt> {
  const prompt = await getDb().prompt.findUnique({
    where: { projectId_name: { projectId, name } },
    include: {
      versions: { orderBy: [{ major: "desc" }, { minor: "desc" }, { patch: "desc" }] },
      labels: { select: { name: true, versionId: true }, orderBy: { name: "asc" } },
    },
  });
  if (!prompt) throw new AppError("not_found", `Prompt "${name}" does not exist`);
  const rows = [...prompt.versions].sort((a, b) => Number(b.status === "DRAFT") - Number(a.status === "DRAFT"));
  const versions: PlaygroundVersion[] = rows.map((v) => {
    const vars = variablesSchema.safeParse(v.variables);
    const format = stringField(v.outputSchema, "format");
    return {
      id: v.id,
      label: runnableVersionLabel(v),
      status: v.status,
      labels: prompt.labels.filter((l) => l.versionId === v.id).map((l) => l.name),
      model: stringField(v.modelConfig, "model") ?? "unknown",
      outputFormat: format === "json" ? "json" : "text",
      fallbackModel: stringField(v.policy, "fallback_model"),
      variables: vars.success ? orderVariables(vars.data, v.system, v.messages) : {},
      changelog: v.changelog,
    };
  });
  return { promptId: prompt.id, name: prompt.name, description: prompt.description, versions, defaultVersionId: defaultVersionId(prompt) };
}
