import { z } from "zod";
import type { Actor } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/record";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { hasRole } from "@/lib/projects/roles";
import { compareLabelNames, labelNamePattern } from "./labels";

/**
 * Release rules (`Project.settings.releases.rules`): a label named in a rule moves only through an
 * approved release request (lib/prompts/release-requests.ts), never by a direct move, whoever asks
 * (admins and admin keys too). A rollback to the label's previous version is exempt: a rollback
 * must never wait for a reviewer. Per rule:
 * - `fourEyes`: the requester may not approve their own request;
 * - `editorsMayApprove`: editors may approve or reject (otherwise admins only).
 *
 * Lives in lib/prompts because the one function that moves labels (`moveLabelInTx`) enforces it.
 */
export const releaseRuleSchema = z.strictObject({
  label: z.string().regex(labelNamePattern, "a label name: 1 to 36 lowercase letters, digits, . _ -"),
  fourEyes: z.boolean().default(true),
  editorsMayApprove: z.boolean().default(false),
});
export type ReleaseRule = z.infer<typeof releaseRuleSchema>;

export const releaseRulesSchema = z
  .array(releaseRuleSchema)
  .max(20, "at most 20 release rules")
  .superRefine((rules, ctx) => {
    const seen = new Set<string>();
    rules.forEach((rule, i) => {
      if (seen.has(rule.label)) ctx.addIssue({ code: "custom", path: [i, "label"], message: `"${rule.label}" has two rules: keep one` });
      seen.add(rule.label);
    });
  });

export const projectReleaseSettingsSchema = z.strictObject({ rules: releaseRulesSchema });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The rules in a project's raw settings JSON; [] when absent or invalid (a hand-edited bad value never locks labels). */
export function releaseRulesFromSettings(raw: unknown): ReleaseRule[] {
  if (!isObject(raw) || raw.releases === undefined) return [];
  const parsed = projectReleaseSettingsSchema.safeParse(raw.releases);
  return parsed.success ? parsed.data.rules : [];
}

/** The rule for `label`, or undefined when its moves need no approval. */
export function releaseRuleFor(rules: readonly ReleaseRule[], label: string): ReleaseRule | undefined {
  return rules.find((r) => r.label === label);
}

/** The rule in words: "approval by an admin; the requester may not approve". */
export function describeReleaseRule(rule: ReleaseRule): string {
  return `approval by ${rule.editorsMayApprove ? "an editor or admin" : "an admin"}${rule.fourEyes ? "; the requester may not approve" : ""}`;
}

/** Who asked and who decides, for `mayDecideRelease`. */
export interface DecisionParties {
  /** The actor deciding. */
  actor: Pick<Actor, "role"> & { label: string };
  /** `actorLabel` of whoever requested ("user:<id>" or "api_key:<id>"). */
  requestedByLabel: string;
}

/**
 * Whether the actor may approve or reject a request under `rule` (undefined: the rule was removed
 * since; then admins decide): the role the rule asks for, and under four eyes not the requester
 * (rejecting one's own request is withdrawing it, which four eyes allows). Pure.
 */
export function mayDecideRelease(
  rule: ReleaseRule | undefined,
  parties: DecisionParties,
  decision: "approve" | "reject",
): { allowed: true } | { allowed: false; code: "forbidden"; message: string } {
  const minRole = rule?.editorsMayApprove ? "EDITOR" : "ADMIN";
  const own = parties.actor.label === parties.requestedByLabel;
  if (!hasRole(parties.actor.role, minRole) && !(decision === "reject" && own && hasRole(parties.actor.role, "EDITOR"))) {
    return {
      allowed: false,
      code: "forbidden",
      message: `Only ${minRole === "ADMIN" ? "admins" : "editors and admins"} can ${decision} release requests for this label`,
    };
  }
  if (decision === "approve" && own && (rule?.fourEyes ?? true)) {
    return {
      allowed: false,
      code: "forbidden",
      message: "Four eyes: you requested this release, so someone else must approve it",
    };
  }
  return { allowed: true };
}

/** The project's release rules as stored ([] = none). */
export async function getReleaseRules(projectId: string): Promise<ReleaseRule[]> {
  const project = await getDb().project.findUnique({ where: { id: projectId }, select: { settings: true } });
  if (!project) throw new AppError("not_found", "Project not found");
  return releaseRulesFromSettings(project.settings);
}

/** The rules of a project inside a transaction (the label move's check). */
export async function readReleaseRules(db: Pick<Prisma.TransactionClient, "project">, projectId: string): Promise<ReleaseRule[]> {
  const project = await db.project.findUnique({ where: { id: projectId }, select: { settings: true } });
  return releaseRulesFromSettings(project?.settings);
}

/**
 * Replaces the project's release rules (ADMIN only; [] removes them). Input is validated
 * (`releaseRulesSchema`: label names, one rule per label, at most 20). The settings row is locked
 * while it is rewritten so concurrent changes of other settings keys are kept. Audited. Open
 * requests for a label whose rule goes away stay open (an admin decides them).
 */
export async function setReleaseRules(actor: Actor, rules: readonly ReleaseRule[]): Promise<ReleaseRule[]> {
  if (!hasRole(actor.role, "ADMIN")) throw new AppError("forbidden", "Only admins can change release rules");
  const checked = releaseRulesSchema.safeParse(rules);
  if (!checked.success) {
    throw new AppError("bad_request", checked.error.issues[0]?.message ?? "Invalid release rules", {
      issues: checked.error.issues.map((i) => ({ path: ["rules", ...i.path].join("."), message: i.message })),
    });
  }
  const parsed = [...checked.data].sort((a, b) => compareLabelNames(a.label, b.label));
  return getDb().$transaction(async (tx) => {
    const rows = await tx.$queryRaw<Array<{ settings: unknown }>>`SELECT "settings" FROM "Project" WHERE "id" = ${actor.projectId} FOR UPDATE`;
    const row = rows[0];
    if (!row) throw new AppError("not_found", "Project not found");
    const settings = isObject(row.settings) ? { ...row.settings } : {};
    const before = releaseRulesFromSettings(settings);
    if (parsed.length > 0) settings.releases = { rules: parsed };
    else delete settings.releases;
    await tx.project.update({ where: { id: actor.projectId }, data: { settings: settings as Prisma.InputJsonValue } });
    await recordAudit(tx, actor, {
      action: "settings.release_rules",
      targetType: "project",
      targetId: actor.projectId,
      before: before as unknown as Prisma.InputJsonValue,
      after: parsed as unknown as Prisma.InputJsonValue,
    });
    return parsed;
  });
}
