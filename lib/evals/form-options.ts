import { getDb, type PrismaClient } from "@/lib/db/client";
import { DRAFT_MAJOR, versionLabel } from "@/lib/prompts/queries";
import { compareLabelNames } from "@/lib/prompts/labels";

/** A prompt the new-evaluation form can evaluate (or use as a judge's rubric). */
export interface EvalPromptOption {
  name: string;
  /** Published versions, newest first ("1.2.0"). */
  versions: string[];
  hasDraft: boolean;
  /** Labels and the version each serves (production and staging first). */
  labels: Array<{ name: string; version: string }>;
  /** The newest published version answers JSON with a numeric `score`: fit to be a judge's rubric. */
  judgeReady: boolean;
}

/** A dataset and its versions (newest first) for the form's dataset picker. */
export interface EvalDatasetOption {
  name: string;
  latestVersion: number;
  versions: Array<{ number: number; itemCount: number; note: string }>;
}

/** How many versions of a dataset the picker offers (older ones stay reachable through the API). */
const DATASET_VERSIONS_SHOWN = 20;

/** Whether a stored output schema is JSON whose object schema has a `score` property. */
function isJudgeSchema(outputSchema: unknown): boolean {
  if (typeof outputSchema !== "object" || outputSchema === null) return false;
  const os = outputSchema as { format?: unknown; schema?: unknown };
  if (os.format !== "json" || typeof os.schema !== "object" || os.schema === null) return false;
  const properties = (os.schema as { properties?: unknown }).properties;
  return typeof properties === "object" && properties !== null && "score" in properties;
}

/**
 * What the new-evaluation form offers: the project's prompts (not archived) with their published
 * versions, draft and labels, and its datasets with their recent versions. Two queries; the form
 * is small (prompts and datasets of one project), so no paging.
 */
export async function listEvalFormOptions(
  projectId: string,
  db: PrismaClient = getDb(),
): Promise<{ prompts: EvalPromptOption[]; datasets: EvalDatasetOption[] }> {
  const [prompts, datasets] = await Promise.all([
    db.prompt.findMany({
      where: { projectId, archivedAt: null },
      orderBy: { name: "asc" },
      select: {
        name: true,
        labels: { select: { name: true, version: { select: { major: true, minor: true, patch: true } } } },
        versions: {
          where: { OR: [{ status: "PUBLISHED" }, { major: DRAFT_MAJOR }] },
          orderBy: [{ major: "desc" }, { minor: "desc" }, { patch: "desc" }],
          select: { major: true, minor: true, patch: true, status: true, outputSchema: true },
        },
      },
    }),
    db.dataset.findMany({
      where: { projectId },
      orderBy: { name: "asc" },
      select: {
        name: true,
        latestVersion: true,
        versions: { orderBy: { number: "desc" }, take: DATASET_VERSIONS_SHOWN, select: { number: true, itemCount: true, note: true } },
      },
    }),
  ]);
  return {
    prompts: prompts.map((p) => {
      const published = p.versions.filter((v) => v.status === "PUBLISHED" && v.major !== DRAFT_MAJOR);
      return {
        name: p.name,
        versions: published.map(versionLabel),
        hasDraft: p.versions.some((v) => v.major === DRAFT_MAJOR),
        labels: p.labels.map((l) => ({ name: l.name, version: versionLabel(l.version) })).sort((a, b) => compareLabelNames(a.name, b.name)),
        judgeReady: published[0] !== undefined && isJudgeSchema(published[0].outputSchema),
      };
    }),
    datasets: datasets.map((d) => ({ name: d.name, latestVersion: d.latestVersion, versions: d.versions })),
  };
}

/**
 * Who started each run, for the run list and the run page: the member's name (or email), or the
 * API key's name. Runs started by a since-deleted user or key map to null.
 */
export async function listRunAuthors(projectId: string, runIds: readonly string[], db: PrismaClient = getDb()): Promise<Map<string, string | null>> {
  if (runIds.length === 0) return new Map();
  const runs = await db.evalRun.findMany({
    where: { projectId, id: { in: [...runIds] } },
    select: { id: true, createdById: true, apiKeyId: true },
  });
  const userIds = [...new Set(runs.map((r) => r.createdById).filter((id): id is string => id !== null))];
  const keyIds = [...new Set(runs.map((r) => r.apiKeyId).filter((id): id is string => id !== null))];
  const [users, keys] = await Promise.all([
    userIds.length ? db.user.findMany({ where: { id: { in: userIds } }, select: { id: true, name: true, email: true } }) : [],
    keyIds.length ? db.apiKey.findMany({ where: { id: { in: keyIds }, projectId }, select: { id: true, name: true } }) : [],
  ]);
  const userName = new Map(users.map((u) => [u.id, u.name ?? u.email]));
  const keyName = new Map(keys.map((k) => [k.id, `API key “${k.name}”`]));
  return new Map(runs.map((r) => [r.id, (r.createdById ? userName.get(r.createdById) : r.apiKeyId ? keyName.get(r.apiKeyId) : undefined) ?? null]));
}
