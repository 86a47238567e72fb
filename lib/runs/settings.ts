import { LRUCache } from "lru-cache";
import { z } from "zod";
import { bodyPolicyFromSettings, projectCallLogSettingsSchema, type BodyPolicy } from "@/lib/calls/record";
import { projectRunnerSettingsSchema, type ProjectRunnerSettings } from "@/lib/claude/retry";
import { getDb } from "@/lib/db/client";
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
