import { z } from "zod";
import type { Actor } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/record";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { hasRole } from "@/lib/projects/roles";
import { hashVersionContent, type VersionContent } from "./content-hash";
import { compareLabelNames, labelNamePattern } from "./labels";

/**
 * The release gate (`Project.settings.evals.gate`): moving one of `labels` to a version needs a
 * completed eval run of that exact version content, younger than `maxAgeDays`, that passed the
 * gate (`EvalRunVersion.gatePassed`, computed by lib/evals when the run is summarised: combined
 * score, or the named `evaluator`'s, at least `minScore` and, with `failOnRegression`, no item that
 * passed on the run's baseline and fails on it). Moving a label back to a version it served before
 * (a rollback) is exempt: a rollback must never wait for an eval.
 *
 * Lives in lib/prompts because the one function that moves labels (`moveLabelInTx` in
 * mutations.ts) enforces it, and lib/prompts may not import lib/evals: the eval tables are read
 * directly. lib/runs/settings.ts re-exports the schema (the one parser of `Project.settings`).
 */
export const releaseGateSchema = z.strictObject({
  labels: z
    .array(z.string().regex(labelNamePattern, "a label name: lowercase letters, digits, . _ -"))
    .min(1, "name at least one label")
    .max(20, "at most 20 labels"),
  minScore: z.number().min(0, "the minimum score is between 0 and 1").max(1, "the minimum score is between 0 and 1"),
  evaluator: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "an evaluator id: lowercase letters, digits, - and _")
    .optional(),
  failOnRegression: z.boolean().default(true),
  maxAgeDays: z.number().int("whole days").min(1, "at least 1 day").max(365, "at most 365 days").default(30),
});
export type ReleaseGate = z.infer<typeof releaseGateSchema>;

export const projectEvalSettingsSchema = z.strictObject({ gate: releaseGateSchema.optional() });

/** The gate in a project's raw settings JSON; undefined when absent or invalid (as `parseProjectSettings` treats it). */
export function releaseGateFromSettings(raw: unknown): ReleaseGate | undefined {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return undefined;
  const evals = (raw as Record<string, unknown>).evals;
  if (evals === undefined) return undefined;
  const parsed = projectEvalSettingsSchema.safeParse(evals);
  return parsed.success ? parsed.data.gate : undefined;
}

/** The rule in words: "a score of at least 0.90 (combined), no regressions, at most 30 days old". */
export function describeReleaseGate(gate: ReleaseGate): string {
  const parts = [`a score of at least ${gate.minScore.toFixed(2)} (${gate.evaluator ? `evaluator "${gate.evaluator}"` : "all evaluators combined"})`];
  if (gate.failOnRegression) parts.push("no regressions against the baseline");
  parts.push(`finished at most ${gate.maxAgeDays} day${gate.maxAgeDays === 1 ? "" : "s"} ago`);
  return parts.join(", ");
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The content hash of an eval run's snapshot of a version: its stored `contentHash`, else the hash
 * of the snapshotted content (top level or under `content`); null when the snapshot holds neither.
 */
export function snapshotContentHash(snapshot: unknown): string | null {
  if (!isObject(snapshot)) return null;
  if (typeof snapshot.contentHash === "string") return snapshot.contentHash;
  const content = isObject(snapshot.content) ? snapshot.content : snapshot;
  if (!("messages" in content) || !("modelConfig" in content)) return null;
  return hashVersionContent(content as unknown as VersionContent);
}

/** One eval of the version's content, as the gate saw it. */
export interface GateEvidence {
  runId: string;
  runVersionId: string;
  /** The version as the run named it ("1.3.0", "1.3.0-draft"). */
  display: string;
  endedAt: string;
  /** null: the run was not checked against a gate (it finished while none was set). */
  gatePassed: boolean | null;
  /** Why it passed or failed, as lib/evals wrote it (`summary.gate.reasons`); empty when unknown. */
  reasons: string[];
}

export type ReleaseGateStatus = "not_gated" | "rollback" | "passed" | "no_eval" | "failed" | "unchecked" | "stale";

export interface ReleaseGateDecision {
  status: ReleaseGateStatus;
  allowed: boolean;
  label: string;
  /** The rule in words (null when the label is not gated). */
  rule: string | null;
  /** Why the move is allowed or what is missing, in a sentence. */
  message: string;
  /** The passing eval (status passed) or the newest eval of this content (refusals). */
  evidence: GateEvidence | null;
}

type Db = Pick<Prisma.TransactionClient, "project" | "label" | "labelEvent" | "evalRunVersion">;

const DAY_MS = 24 * 60 * 60 * 1000;
// Enough history to find a passing run among recent re-runs of the same content.
const CANDIDATE_LIMIT = 50;

function daysAgo(at: Date, now: Date): string {
  const days = Math.floor((now.getTime() - at.getTime()) / DAY_MS);
  return days <= 0 ? "today" : days === 1 ? "1 day ago" : `${days} days ago`;
}

/**
 * Whether the release gate lets `label` move to `version` (read-only; `moveLabelInTx` enforces it
 * and the publish dialog shows it). `version.display` names it in messages ("1.3.0", "the draft").
 * Pass `gate` when the caller already read it; otherwise the project's settings are read.
 */
export async function checkReleaseGate(
  db: Db,
  input: {
    projectId: string;
    promptId: string;
    label: string;
    version: { id: string; contentHash: string; display: string };
    gate?: ReleaseGate | null;
    now?: Date;
  },
): Promise<ReleaseGateDecision> {
  const now = input.now ?? new Date();
  let gate = input.gate;
  if (gate === undefined) {
    const project = await db.project.findUnique({ where: { id: input.projectId }, select: { settings: true } });
    gate = releaseGateFromSettings(project?.settings);
  }
  const label = input.label;
  if (!gate || !gate.labels.includes(label)) {
    return { status: "not_gated", allowed: true, label, rule: null, message: `The "${label}" label is not gated by an eval.`, evidence: null };
  }
  const rule = describeReleaseGate(gate);

  const existing = await db.label.findUnique({ where: { promptId_name: { promptId: input.promptId, name: label } }, select: { id: true } });
  if (existing) {
    const served = await db.labelEvent.findFirst({
      where: { labelId: existing.id, OR: [{ toVersionId: input.version.id }, { fromVersionId: input.version.id }] },
      select: { id: true },
    });
    if (served) {
      return {
        status: "rollback",
        allowed: true,
        label,
        rule,
        message: `Rollback: "${label}" served ${input.version.display} before, so the release gate does not apply.`,
        evidence: null,
      };
    }
  }

  // Runs of this prompt that evaluated this exact content: by version id (then the snapshot must
  // still match: a draft may have changed since) or by the snapshot's stored content hash.
  const rows = await db.evalRunVersion.findMany({
    where: {
      run: { projectId: input.projectId, promptId: input.promptId, status: "completed" },
      OR: [{ versionId: input.version.id }, { snapshot: { path: ["contentHash"], equals: input.version.contentHash } }],
    },
    select: { id: true, display: true, gatePassed: true, snapshot: true, summary: true, run: { select: { id: true, endedAt: true, updatedAt: true } } },
    orderBy: [{ run: { endedAt: { sort: "desc", nulls: "last" } } }, { run: { createdAt: "desc" } }],
    take: CANDIDATE_LIMIT,
  });
  const matching = rows
    .filter((r) => snapshotContentHash(r.snapshot) === input.version.contentHash)
    .map((r) => ({ evidence: toEvidence(r), endedAt: r.run.endedAt ?? r.run.updatedAt }))
    .sort((a, b) => b.endedAt.getTime() - a.endedAt.getTime());
  const oldestAccepted = now.getTime() - gate.maxAgeDays * DAY_MS;
  const fresh = matching.filter((m) => m.endedAt.getTime() >= oldestAccepted);
  const passing = fresh.find((m) => m.evidence.gatePassed === true);
  const needs = `Moving "${label}" to ${input.version.display} needs a passing evaluation of that exact version (${rule}).`;
  if (passing) {
    return {
      status: "passed",
      allowed: true,
      label,
      rule,
      message: `The eval of ${passing.evidence.display} finished ${daysAgo(passing.endedAt, now)} passed the release gate.`,
      evidence: passing.evidence,
    };
  }
  const latest = fresh[0];
  if (latest) {
    const when = daysAgo(latest.endedAt, now);
    if (latest.evidence.gatePassed === null) {
      return {
        status: "unchecked",
        allowed: false,
        label,
        rule,
        message: `${needs} The eval finished ${when} was not checked against the gate (no gate was set when it finished): run it again.`,
        evidence: latest.evidence,
      };
    }
    return {
      status: "failed",
      allowed: false,
      label,
      rule,
      message: `${needs} The latest eval (finished ${when}) did not pass${latest.evidence.reasons.length > 0 ? ` (${latest.evidence.reasons.join("; ")})` : ""}: fix the version or the failing items and run it again.`,
      evidence: latest.evidence,
    };
  }
  const stale = matching[0];
  if (stale) {
    return {
      status: "stale",
      allowed: false,
      label,
      rule,
      message: `${needs} The newest eval of this content finished ${daysAgo(stale.endedAt, now)}, older than the gate accepts: run it again.`,
      evidence: stale.evidence,
    };
  }
  return {
    status: "no_eval",
    allowed: false,
    label,
    rule,
    message: `${needs} No completed eval of this content was found: run one first.`,
    evidence: null,
  };
}

/** `summary.gate.reasons` of an EvalRunVersion, if it holds a list of strings. */
function gateReasons(summary: unknown): string[] {
  const gate = isObject(summary) ? summary.gate : undefined;
  const reasons = isObject(gate) ? gate.reasons : undefined;
  return Array.isArray(reasons) ? reasons.filter((r): r is string => typeof r === "string").slice(0, 5) : [];
}

function toEvidence(row: {
  id: string;
  display: string;
  gatePassed: boolean | null;
  summary: unknown;
  run: { id: string; endedAt: Date | null; updatedAt: Date };
}): GateEvidence {
  return {
    reasons: gateReasons(row.summary),
    runId: row.run.id,
    runVersionId: row.id,
    display: row.display,
    endedAt: (row.run.endedAt ?? row.run.updatedAt).toISOString(),
    gatePassed: row.gatePassed,
  };
}

/** Throws when the gate refuses the move: 422 naming what is missing (`details` is the decision). */
export async function assertReleaseGate(db: Db, input: Parameters<typeof checkReleaseGate>[1]): Promise<ReleaseGateDecision> {
  const decision = await checkReleaseGate(db, input);
  if (!decision.allowed) {
    throw new AppError("unprocessable", decision.message, {
      issues: [{ path: `labels.${decision.label}`, message: decision.message }],
      details: decision,
    });
  }
  return decision;
}

/** The project's release gate as stored (undefined = none). */
export async function getReleaseGate(projectId: string): Promise<ReleaseGate | undefined> {
  const project = await getDb().project.findUnique({ where: { id: projectId }, select: { settings: true } });
  if (!project) throw new AppError("not_found", "Project not found");
  return releaseGateFromSettings(project.settings);
}

/**
 * Sets (or, with null, removes) the project's release gate; ADMIN only. The settings row is
 * locked while it is rewritten so concurrent changes of other settings keys are kept. Audited.
 */
export async function setReleaseGate(actor: Actor, gate: ReleaseGate | null): Promise<ReleaseGate | null> {
  if (!hasRole(actor.role, "ADMIN")) throw new AppError("forbidden", "Only admins can change the release gate");
  const parsed = gate === null ? null : releaseGateSchema.parse(gate);
  return getDb().$transaction(async (tx) => {
    const rows = await tx.$queryRaw<Array<{ settings: unknown }>>`SELECT "settings" FROM "Project" WHERE "id" = ${actor.projectId} FOR UPDATE`;
    const row = rows[0];
    if (!row) throw new AppError("not_found", "Project not found");
    const settings = isObject(row.settings) ? { ...row.settings } : {};
    const before = releaseGateFromSettings(settings) ?? null;
    const evals = isObject(settings.evals) ? { ...settings.evals } : {};
    if (parsed) evals.gate = parsed;
    else delete evals.gate;
    if (Object.keys(evals).length > 0) settings.evals = evals;
    else delete settings.evals;
    await tx.project.update({ where: { id: actor.projectId }, data: { settings: settings as Prisma.InputJsonValue } });
    await recordAudit(tx, actor, {
      action: "settings.release_gate",
      targetType: "project",
      targetId: actor.projectId,
      before: before as Prisma.InputJsonValue | null,
      after: parsed as Prisma.InputJsonValue | null,
    });
    return parsed;
  });
}

/** Distinct label names used in the project (for the gate's label picker), conventional order. */
export async function listProjectLabelNames(projectId: string): Promise<string[]> {
  const rows = await getDb().label.findMany({ where: { prompt: { projectId } }, select: { name: true }, distinct: ["name"], take: 200 });
  return rows.map((r) => r.name).sort(compareLabelNames);
}
