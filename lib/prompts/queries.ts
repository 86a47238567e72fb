import semver from "semver";
import { getDb, type PrismaClient } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { compareLabelNames } from "./labels";
import { formatVersion, type SemverParts } from "./versioning";
import { DEFAULT_ROUTE } from "@/lib/models/routing-rule";

/**
 * Drafts do not take a version number until they are published: the single draft of a prompt
 * sits at the placeholder -1.0.0, so the unique (promptId, major, minor, patch) index also
 * guarantees at most one draft per prompt.
 */
export const DRAFT_MAJOR = -1;

/** "1.2.0" for a published version, "draft" for the draft. */
export function versionLabel(v: SemverParts): string {
  return v.major === DRAFT_MAJOR ? "draft" : formatVersion(v);
}

const versionOrder: Prisma.PromptVersionOrderByWithRelationInput[] = [{ major: "desc" }, { minor: "desc" }, { patch: "desc" }];

export interface PromptListItem {
  id: string;
  name: string;
  /** "SNIPPET" for a snippet (text blocks other prompts include, snippets.ts). */
  kind: "PROMPT" | "SNIPPET";
  description: string;
  tags: string[];
  updatedAt: Date;
  latestVersion: string | null;
  /** When the latest published version was published. */
  lastPublishedAt: Date | null;
  hasDraft: boolean;
  versionCount: number;
  /** When the prompt was archived; null for a live prompt (archived ones are listed only with `archived: "include"`). */
  archivedAt: Date | null;
  labels: { name: string; version: string; protected: boolean }[];
}

export type PromptSort = "updated" | "name";

/**
 * Prompts of a project (archived ones excluded unless `archived` is "include") with their labels (production, staging, then by
 * name) and latest published version; prompts only unless `kind` says otherwise. `search` matches name or description (case-insensitive),
 * `tag` keeps prompts carrying that tag; `sort` is "updated" (newest change first, the default) or
 * "name" (A-Z). With `withTags`, also returns every tag in use in the project (for a filter);
 * otherwise `tags` is empty.
 */
export async function listPrompts(
  projectId: string,
  options: {
    search?: string;
    tag?: string;
    sort?: PromptSort;
    skip?: number;
    take?: number;
    withTags?: boolean;
    archived?: "exclude" | "include";
    /** Which kinds to list: prompts only (the default: what runs, serves and is evaluated), snippets only, or both. */
    kind?: "PROMPT" | "SNIPPET" | "any";
  } = {},
  db: PrismaClient = getDb(),
): Promise<{ items: PromptListItem[]; total: number; tags: string[] }> {
  const search = options.search?.trim();
  const where: Prisma.PromptWhereInput = {
    projectId,
    ...(options.kind === "any" ? {} : { kind: options.kind ?? "PROMPT" }),
    ...(options.archived === "include" ? {} : { archivedAt: null }),
    ...(search
      ? {
          OR: [{ name: { contains: search, mode: "insensitive" } }, { description: { contains: search, mode: "insensitive" } }],
        }
      : {}),
    ...(options.tag ? { tags: { has: options.tag } } : {}),
  };
  const orderBy: Prisma.PromptOrderByWithRelationInput[] = options.sort === "name" ? [{ name: "asc" }] : [{ updatedAt: "desc" }, { name: "asc" }];
  const [prompts, total, tagRows] = await Promise.all([
    db.prompt.findMany({
      where,
      orderBy,
      skip: options.skip ?? 0,
      take: options.take ?? 50,
      include: {
        labels: { include: { version: { select: { major: true, minor: true, patch: true } } }, orderBy: { name: "asc" } },
        versions: { select: { major: true, minor: true, patch: true, status: true, publishedAt: true }, orderBy: versionOrder },
      },
    }),
    db.prompt.count({ where }),
    options.withTags ? db.prompt.findMany({ where: { projectId, archivedAt: null }, select: { tags: true } }) : Promise.resolve([]),
  ]);
  return {
    total,
    tags: [...new Set(tagRows.flatMap((r) => r.tags))].sort(),
    items: prompts.map((p) => {
      const published = p.versions.filter((v) => v.status === "PUBLISHED");
      return {
        id: p.id,
        name: p.name,
        kind: p.kind,
        description: p.description,
        tags: p.tags,
        updatedAt: p.updatedAt,
        latestVersion: published[0] ? versionLabel(published[0]) : null,
        lastPublishedAt: published[0]?.publishedAt ?? null,
        hasDraft: p.versions.some((v) => v.status === "DRAFT"),
        versionCount: published.length,
        archivedAt: p.archivedAt,
        labels: p.labels
          .map((l) => ({ name: l.name, version: versionLabel(l.version), protected: l.protected }))
          .sort((a, b) => compareLabelNames(a.name, b.name)),
      };
    }),
  };
}

/** A prompt by name with its versions (newest first, draft first) and labels; not_found otherwise. */
export async function getPromptByName(projectId: string, name: string) {
  const prompt = await getDb().prompt.findUnique({
    where: { projectId_name: { projectId, name } },
    include: {
      versions: {
        orderBy: versionOrder,
        select: {
          id: true,
          major: true,
          minor: true,
          patch: true,
          status: true,
          changelog: true,
          contentHash: true,
          createdAt: true,
          publishedAt: true,
          updatedAt: true,
          author: { select: { name: true, email: true } },
          modelConfig: true,
          snippetPins: true,
        },
      },
      labels: { include: { version: { select: { id: true, major: true, minor: true, patch: true } } }, orderBy: { name: "asc" } },
    },
  });
  if (!prompt) throw new AppError("not_found", `Prompt "${name}" does not exist`);
  return prompt;
}

/** One version row (all content) by id within a prompt; not_found otherwise. */
export async function getVersionById(promptId: string, versionId: string) {
  const version = await getDb().promptVersion.findFirst({ where: { id: versionId, promptId } });
  if (!version) throw new AppError("not_found", `Version ${versionId} does not exist`);
  return version;
}

/** The prompt's draft, if any. */
export async function getDraft(promptId: string) {
  return getDb().promptVersion.findFirst({ where: { promptId, status: "DRAFT" } });
}

/** Published versions of a prompt, newest first. */
export async function listPublishedVersions(promptId: string) {
  return getDb().promptVersion.findMany({ where: { promptId, status: "PUBLISHED" }, orderBy: versionOrder });
}

/**
 * Resolves which published version a caller means: a label name, an exact version, or a semver
 * range ("^1.2") resolving to the highest published match. Exactly one of label/version.
 */
export async function resolvePublishedVersion(projectId: string, name: string, selector: { label?: string; version?: string }) {
  if (selector.label !== undefined && selector.version !== undefined) {
    throw new AppError("bad_request", "Give either label or version, not both");
  }
  const db = getDb();
  const prompt = await db.prompt.findUnique({ where: { projectId_name: { projectId, name } }, select: { id: true } });
  if (!prompt) throw new AppError("not_found", `Prompt "${name}" does not exist`);
  if (selector.version !== undefined) {
    const range = semver.validRange(selector.version);
    if (!range) throw new AppError("bad_request", `"${selector.version}" is not a version or a semver range`);
    const published = await listPublishedVersions(prompt.id);
    const match = published.find((v) => semver.satisfies(versionLabel(v), range));
    if (!match) throw new AppError("not_found", `Prompt "${name}" has no published version matching "${selector.version}"`);
    return match;
  }
  const labelName = selector.label ?? "production";
  const label = await db.label.findUnique({
    where: { promptId_name: { promptId: prompt.id, name: labelName } },
    include: { version: true },
  });
  if (!label) throw new AppError("not_found", `Prompt "${name}" has no label "${labelName}"`);
  return label.version;
}

/** Label history of a prompt (releases), newest first. */
export async function listLabelEvents(promptId: string, take = 100) {
  return getDb().labelEvent.findMany({
    where: { label: { promptId } },
    orderBy: { at: "desc" },
    take,
    include: {
      label: { select: { name: true } },
      fromVersion: { select: { major: true, minor: true, patch: true } },
      toVersion: { select: { major: true, minor: true, patch: true } },
      actor: { select: { name: true, email: true } },
    },
  });
}

/**
 * The routing rule names of a project's versions (drafts included), distinct and sorted, with
 * "default" (the calls no rule matched) last when any version routes: the choices of the metrics
 * pages' rule filter. One statement over the versions' model configs; at most `limit` names.
 */
export async function listRoutingRuleNames(projectId: string, options: { promptId?: string; limit?: number } = {}): Promise<string[]> {
  const params: unknown[] = [projectId, options.limit ?? 200];
  if (options.promptId) params.push(options.promptId);
  const rows = await getDb().$queryRawUnsafe<Array<{ name: string }>>(
    `SELECT DISTINCT r->>'name' AS "name"
     FROM "PromptVersion" v JOIN "Prompt" p ON p."id" = v."promptId",
       jsonb_array_elements(CASE WHEN jsonb_typeof(v."modelConfig"->'routing'->'rules') = 'array' THEN v."modelConfig"->'routing'->'rules' ELSE '[]'::jsonb END) r
     WHERE p."projectId" = $1${options.promptId ? ` AND p."id" = $3` : ""} AND jsonb_typeof(r->'name') = 'string'
     ORDER BY 1 LIMIT $2`,
    ...params,
  );
  const names = rows.map((r) => r.name);
  return names.length > 0 ? [...names.filter((n) => n !== DEFAULT_ROUTE), DEFAULT_ROUTE] : [];
}
