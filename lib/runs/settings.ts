import { LRUCache } from "lru-cache";
import { z } from "zod";
import { bodyPolicyFromSettings, projectCallLogSettingsSchema, type BodyPolicy } from "@/lib/calls/record";
import { projectRunnerSettingsSchema, type ProjectRunnerSettings } from "@/lib/claude/retry";
import type { Actor } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/record";
import { getDb } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import { findModel } from "@/lib/models/catalog";
import { getPriceBook } from "@/lib/models/pricing";
import { hasRole } from "@/lib/projects/roles";
import { AppError } from "@/lib/errors";
import { projectEvalSettingsSchema, releaseGateSchema, type ReleaseGate } from "@/lib/prompts/release-gate";
import { childLogger } from "@/lib/logger";

const log = childLogger({ component: "project-settings" });

// The release gate's schema lives beside the label move that enforces it (lib/prompts may not
// import lib/runs); re-exported here with the rest of the settings.
export { projectEvalSettingsSchema, releaseGateSchema, type ReleaseGate };

/**
 * `Project.settings`, the project's policy for everything that runs a prompt: runner defaults
 * (`runner`: retries, timeouts, refusal fallback) and what the call log keeps (`calls`: bodies on
 * or off, size limit). This is the one parser of that JSON; every run path reads it through
 * `parseProjectSettings` (via `runAndLog`), so a policy holds for the API, the playground,
 * experiment traffic and evaluations alike.
 */
export const projectSettingsSchema = z.object({
  runner: projectRunnerSettingsSchema.optional(),
  calls: projectCallLogSettingsSchema.optional(),
  evals: projectEvalSettingsSchema.optional(),
});
export type ProjectSettingsDocument = z.infer<typeof projectSettingsSchema>;

/** A project's settings, resolved: runner defaults (undefined = built-in) and the body policy. */
export interface ProjectSettings {
  runner: ProjectRunnerSettings | undefined;
  bodies: BodyPolicy;
  /** The release gate; undefined = label moves need no eval. */
  evalGate: ReleaseGate | undefined;
}

/**
 * Reads the stored JSON. Each part is parsed on its own, so one bad part (written by hand in the
 * database) falls back to the defaults for that part only; the problem is returned for logging.
 * Keys other than `runner`, `calls` and `evals` belong to other features and are ignored here.
 */
export function parseProjectSettings(raw: unknown): { settings: ProjectSettings; problems: string[] } {
  const problems: string[] = [];
  const object = raw && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  let runner: ProjectRunnerSettings | undefined;
  if (object.runner !== undefined) {
    const parsed = projectRunnerSettingsSchema.safeParse(object.runner);
    if (parsed.success) runner = parsed.data;
    else problems.push(`settings.runner ignored: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`).join("; ")}`);
  }
  if (object.calls !== undefined && !projectCallLogSettingsSchema.safeParse(object.calls).success) {
    problems.push("settings.calls ignored: not a valid call-log policy");
  }
  let evalGate: ReleaseGate | undefined;
  if (object.evals !== undefined) {
    const parsed = projectEvalSettingsSchema.safeParse(object.evals);
    if (parsed.success) evalGate = parsed.data.gate;
    else problems.push(`settings.evals ignored: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`).join("; ")}`);
  }
  return { settings: { runner, bodies: bodyPolicyFromSettings(object), evalGate }, problems };
}

/** The resolved settings of a project (not_found when it does not exist). */
export async function loadProjectSettings(projectId: string): Promise<{ settings: ProjectSettings; problems: string[] }> {
  const row = await getDb().project.findUnique({ where: { id: projectId }, select: { settings: true } });
  if (!row) throw new AppError("not_found", "Project not found");
  return parseProjectSettings(row.settings);
}

/**
 * Project settings for a long-lived process (the public API's run route): each project's settings
 * are reloaded at most every `ttlMs` (default 10 s, so a change reaches every instance within
 * that), and a stale value keeps serving while the database is unreachable. With no value at all
 * the load error propagates (the caller answers 503 rather than run outside the project's policy).
 */
export class ProjectSettingsCache {
  private readonly cache: LRUCache<string, ProjectSettings>;

  constructor(
    options: {
      ttlMs?: number;
      max?: number;
      load?: (projectId: string) => Promise<ProjectSettings>;
      onProblem?: (projectId: string, problem: string) => void;
    } = {},
  ) {
    const onProblem = options.onProblem ?? ((projectId, problem) => log.warn({ projectId }, problem));
    const load =
      options.load ??
      (async (projectId: string) => {
        const { settings, problems } = await loadProjectSettings(projectId);
        for (const problem of problems) onProblem(projectId, problem);
        return settings;
      });
    this.cache = new LRUCache<string, ProjectSettings>({
      max: options.max ?? 10_000,
      ttl: options.ttlMs ?? 10_000,
      // A failed reload keeps the old entry; get() falls back to it.
      noDeleteOnFetchRejection: true,
      fetchMethod: (projectId) => load(projectId),
    });
  }

  async get(projectId: string): Promise<ProjectSettings> {
    let settings: ProjectSettings | undefined;
    try {
      settings = await this.cache.fetch(projectId);
    } catch (error) {
      const stale = this.cache.peek(projectId, { allowStale: true });
      if (stale) return stale;
      throw error;
    }
    if (!settings) throw new AppError("not_found", "Project not found");
    return settings;
  }

  /** Forgets one project's settings (after a change made by this instance). */
  invalidate(projectId: string): void {
    this.cache.delete(projectId);
  }
}

/**
 * The settings form (admins): the runner defaults and the call-log policy, each part held to the
 * same schema `parseProjectSettings` reads with (so what is saved is what runs). An empty part
 * means the built-in defaults.
 */
export const projectSettingsUpdateSchema = z.strictObject({
  runner: projectRunnerSettingsSchema,
  calls: projectCallLogSettingsSchema,
});
export type ProjectSettingsUpdate = z.infer<typeof projectSettingsUpdateSchema>;

/** The editable parts of a project's stored settings (invalid parts read as empty, like `parseProjectSettings`). */
export function editableSettings(raw: unknown): ProjectSettingsUpdate {
  const object = raw && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const runner = projectRunnerSettingsSchema.safeParse(object.runner ?? {});
  const calls = projectCallLogSettingsSchema.safeParse(object.calls ?? {});
  return { runner: runner.success ? runner.data : {}, calls: calls.success ? calls.data : {} };
}

/** The editable settings of a project (not_found when it does not exist or is deleted). */
export async function getEditableSettings(projectId: string): Promise<ProjectSettingsUpdate> {
  const row = await getDb().project.findFirst({ where: { id: projectId, deletedAt: null }, select: { settings: true } });
  if (!row) throw new AppError("not_found", "Project not found");
  return editableSettings(row.settings);
}

function withoutUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Saves the runner defaults and the call-log policy (ADMIN), keeping every other key of the JSON
 * (the release gate, other features). The fallback model must be one the catalog knows
 * (AppError "bad_request" on `runner.fallback_model` otherwise). One audit event with the parts
 * before and after. Other instances pick the change up within the settings cache's TTL (10 s).
 */
export async function updateProjectSettings(actor: Actor, input: ProjectSettingsUpdate): Promise<ProjectSettingsUpdate> {
  if (!hasRole(actor.role, "ADMIN")) throw new AppError("forbidden", "Only admins change project settings");
  const parsed = projectSettingsUpdateSchema.parse(input);
  const runner = withoutUndefined(parsed.runner);
  const calls = withoutUndefined(parsed.calls);
  if (runner.fallback_model !== undefined) {
    const known = findModel(runner.fallback_model, await getPriceBook().catalog());
    if (!known) {
      const message = `Fallback model: "${runner.fallback_model}" is not a model Promptdeck knows`;
      throw new AppError("bad_request", message, { issues: [{ path: "runner.fallback_model", message }] });
    }
    runner.fallback_model = known.model;
  }
  return getDb().$transaction(async (tx) => {
    const row = await tx.project.findFirst({ where: { id: actor.projectId, deletedAt: null }, select: { settings: true } });
    if (!row) throw new AppError("not_found", "Project not found");
    const stored = row.settings && typeof row.settings === "object" && !Array.isArray(row.settings) ? (row.settings as Record<string, unknown>) : {};
    const before = editableSettings(stored);
    const next: Record<string, unknown> = { ...stored, runner, calls };
    if (Object.keys(runner).length === 0) delete next.runner;
    if (Object.keys(calls).length === 0) delete next.calls;
    await tx.project.update({ where: { id: actor.projectId }, data: { settings: next as Prisma.InputJsonObject } });
    const after = { runner, calls };
    await recordAudit(tx, actor, { action: "project.settings.update", targetType: "project", targetId: actor.projectId, before, after });
    return after;
  });
}
