import { z } from "zod";
import type { Actor } from "@/lib/audit/actor";
import { actorLabel, actorUserId } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/record";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Prisma, ReleaseRequestStatus } from "@/lib/generated/prisma/client";
import { listModelSpecs } from "@/lib/models/queries";
import { hasRole } from "@/lib/projects/roles";
import { describeContractBreak } from "./contract-diff";
import { labelNamePattern } from "./labels";
import { archivedError, moveLabel } from "./mutations";
import { recordProjectEvent } from "./notify";
import { gatherReleaseEvidence, type ReleaseEvidence } from "./release-evidence";
import { mayDecideRelease, readReleaseRules, releaseRuleFor } from "./release-rules";
import { formatVersion } from "./versioning";

export const releaseReasonSchema = z.string().trim().min(1, "Say why this version should be released").max(1000, "At most 1000 characters");
export const decisionCommentSchema = z.string().trim().max(2000, "At most 2000 characters");

/**
 * What approving a request does besides the plain label move (no plan): `rollout` starts a canary
 * rollout of the version on the label with these steps, step minimums and guardrails (validated
 * in full by lib/rollouts before the request is made; its completion moves the label under this
 * approval); `promote` ends the experiment with that variant as the winner and moves the label
 * (the experiment's winner promoted onto a label under a rule). Carried out by
 * `approveRelease` (lib/rollouts/release.ts), which the edges call.
 */
export const releasePlanSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("rollout"),
    steps: z.array(z.number().int().min(1).max(100)).min(1).max(10),
    minStepSeconds: z.number().int().min(0).nullable(),
    minStepCalls: z.number().int().min(0).nullable(),
    guardrails: z.record(z.string(), z.unknown()),
  }),
  z.strictObject({ kind: z.literal("promote"), experimentId: z.string().min(1), experiment: z.string(), variant: z.string().min(1) }),
]);
export type ReleasePlan = z.infer<typeof releasePlanSchema>;

/** A stored plan (null: a plain move). Only this module writes it, so a bad value is a defect, not input. */
function parsePlan(raw: unknown): ReleasePlan | null {
  return raw === null || raw === undefined ? null : releasePlanSchema.parse(raw);
}

/** The plan in words, for the request page and the inbox: "a canary rollout (5 → 25 → 50 → 100 %)". */
export function describeReleasePlan(plan: ReleasePlan | null): string {
  if (!plan) return "a label move";
  if (plan.kind === "rollout") return `a canary rollout (${plan.steps.join(" → ")} %)`;
  return `promoting variant ${plan.variant} of experiment "${plan.experiment}"`;
}

/** What approving a request does: move the label, start a canary rollout, or promote an experiment's winner. */
export type ReleaseMode = "move" | "rollout" | "promote";

export function releaseMode(plan: ReleasePlan | null): ReleaseMode {
  return plan ? plan.kind : "move";
}

/**
 * The request page's mode line: what approving will do (an open request) or did (an approved
 * one), in one sentence; null for a rejected request (nothing happened).
 */
export function describeApproval(request: {
  label: string;
  version: string;
  fromVersion: string | null;
  plan: ReleasePlan | null;
  status: "open" | "approved" | "rejected";
}): { mode: ReleaseMode; text: string } | null {
  if (request.status === "rejected") return null;
  const open = request.status === "open";
  const { label, plan } = request;
  const version = `v${request.version}`;
  if (!plan) {
    const from = request.fromVersion ? ` from v${request.fromVersion}` : "";
    return { mode: "move", text: open ? `Approving moves ${label}${from} to ${version} at once.` : `Approval moved ${label}${from} to ${version}.` };
  }
  if (plan.kind === "rollout") {
    const what = `${describeReleasePlan(plan)} of ${version} on ${label}`;
    return {
      mode: "rollout",
      text: open
        ? `Approving starts ${what}; ${label} moves when its last step has passed, under this approval.`
        : `Approval started ${what}; ${label} moves when its last step has passed (see the prompt page's rollout card).`,
    };
  }
  const ends = `experiment "${plan.experiment}" with variant ${plan.variant} as the winner`;
  return {
    mode: "promote",
    text: open ? `Approving ends ${ends} and moves ${label} to ${version}.` : `Approval ended ${ends} and moved ${label} to ${version}.`,
  };
}

/** A release request as pages and the API show it (evidence included). */
export interface ReleaseRequestView {
  id: string;
  prompt: string;
  promptId: string;
  label: string;
  version: string;
  versionId: string | null;
  fromVersion: string | null;
  reason: string;
  force: boolean;
  /** What approval does: null moves the label; see `releasePlanSchema`. */
  plan: ReleasePlan | null;
  status: "open" | "approved" | "rejected";
  requestedBy: string;
  requestedByLabel: string;
  createdAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionComment: string | null;
  evidence: ReleaseEvidence;
}

type RequestRow = Prisma.ReleaseRequestGetPayload<{ include: { prompt: { select: { name: true } } } }>;

const statusName = (s: ReleaseRequestStatus): ReleaseRequestView["status"] => (s === "OPEN" ? "open" : s === "APPROVED" ? "approved" : "rejected");

export function toReleaseRequestView(row: RequestRow): ReleaseRequestView {
  return {
    id: row.id,
    prompt: row.prompt.name,
    promptId: row.promptId,
    label: row.label,
    version: row.version,
    versionId: row.versionId,
    fromVersion: row.fromVersion,
    reason: row.reason,
    force: row.force,
    plan: parsePlan(row.plan),
    status: statusName(row.status),
    requestedBy: row.requestedByName,
    requestedByLabel: row.requestedByLabel,
    createdAt: row.createdAt.toISOString(),
    decidedBy: row.decidedByName,
    decidedAt: row.decidedAt?.toISOString() ?? null,
    decisionComment: row.decisionComment,
    evidence: row.evidence as unknown as ReleaseEvidence,
  };
}

/** How an actor is named on a request: the user's name (or email), or `API key "<name>"`. */
async function actorName(tx: Prisma.TransactionClient, actor: Actor): Promise<string> {
  if (actor.kind === "user") {
    const user = await tx.user.findUnique({ where: { id: actor.userId }, select: { name: true, email: true } });
    return user?.name || user?.email || "a former member";
  }
  const key = await tx.apiKey.findUnique({ where: { id: actor.apiKeyId }, select: { name: true } });
  return key ? `API key "${key.name}"` : "an API key";
}

const include = { prompt: { select: { name: true } } } as const;

/**
 * Opens a release request (EDITOR+, or a key with prompts:write): asks that `label` of the prompt
 * move to the published version `versionId`, for `reason`. The label must be under a release rule
 * (otherwise it is moved directly: conflict). Refused when the label already serves the version,
 * when an open request for the same move exists, and (409, as a direct move) across a breaking
 * variables-contract change unless `force`. The evidence for the reviewer is gathered and stored
 * in the same transaction; audited (`release.requested`) and emitted to webhooks. With a `plan`
 * (a canary rollout, an experiment's promotion; the caller checked it) approval carries it out
 * instead of a plain move.
 */
export async function createReleaseRequest(
  actor: Actor,
  input: { promptId: string; label: string; versionId: string; reason: string; force?: boolean; plan?: ReleasePlan },
): Promise<ReleaseRequestView> {
  if (!hasRole(actor.role, "EDITOR")) throw new AppError("forbidden", "Requesting a release needs the editor role or higher");
  if (!labelNamePattern.test(input.label)) {
    throw new AppError("bad_request", `Invalid label "${input.label}": use 1 to 36 lowercase letters, digits, ".", "_" or "-"`);
  }
  const reason = releaseReasonSchema.safeParse(input.reason);
  if (!reason.success) {
    throw new AppError("bad_request", reason.error.issues[0]?.message ?? "Invalid reason", {
      issues: [{ path: "reason", message: reason.error.issues[0]?.message ?? "invalid" }],
    });
  }
  const catalog = await listModelSpecs();
  const row = await getDb().$transaction(async (tx) => {
    const prompt = await tx.prompt.findFirst({ where: { id: input.promptId, projectId: actor.projectId } });
    if (!prompt) throw new AppError("not_found", "This prompt does not exist in the project");
    if (prompt.archivedAt) throw archivedError(prompt.name);
    const rule = releaseRuleFor(await readReleaseRules(tx, actor.projectId), input.label);
    if (!rule) throw new AppError("conflict", `The "${input.label}" label needs no approval: move it directly`);
    const to = await tx.promptVersion.findFirst({ where: { id: input.versionId, promptId: prompt.id } });
    if (!to) throw new AppError("not_found", "That version does not exist for this prompt");
    if (to.status !== "PUBLISHED") throw new AppError("unprocessable", "Only published versions can be released");
    const label = await tx.label.findUnique({ where: { promptId_name: { promptId: prompt.id, name: input.label } }, include: { version: true } });
    if (label?.versionId === to.id) throw new AppError("conflict", `"${input.label}" already serves v${formatVersion(to)}`);
    const duplicate = await tx.releaseRequest.findFirst({
      where: { promptId: prompt.id, label: input.label, versionId: to.id, status: "OPEN" },
      select: { id: true },
    });
    if (duplicate) {
      throw new AppError("conflict", `A release of v${formatVersion(to)} to "${input.label}" is already waiting for approval`, {
        details: { requestId: duplicate.id },
      });
    }
    const evidence = await gatherReleaseEvidence(tx, actor, { promptId: prompt.id, label: input.label, to, from: label?.version ?? null, catalog });
    if (evidence.contract.breaking.length > 0 && !input.force) {
      throw new AppError("conflict", describeContractBreak(evidence.contract), {
        issues: evidence.contract.breaking.map((c) => ({ path: `variables.${c.variable}`, message: c.message })),
        details: evidence.contract,
      });
    }
    const created = await tx.releaseRequest.create({
      data: {
        projectId: actor.projectId,
        promptId: prompt.id,
        label: input.label,
        versionId: to.id,
        version: formatVersion(to),
        fromVersionId: label?.versionId ?? null,
        fromVersion: label ? formatVersion(label.version) : null,
        reason: reason.data,
        force: input.force === true,
        evidence: evidence as unknown as Prisma.InputJsonValue,
        ...(input.plan ? { plan: releasePlanSchema.parse(input.plan) as Prisma.InputJsonValue } : {}),
        requestedById: actorUserId(actor),
        requestedByLabel: actorLabel(actor),
        requestedByName: await actorName(tx, actor),
      },
      include,
    });
    await recordAudit(tx, actor, {
      action: "release.requested",
      targetType: "release_request",
      targetId: created.id,
      after: {
        prompt: prompt.name,
        label: input.label,
        version: created.version,
        from: created.fromVersion,
        reason: created.reason,
        ...(input.plan ? { plan: input.plan } : {}),
      } as Prisma.InputJsonValue,
    });
    await recordProjectEvent(tx, actor.projectId, "release.requested", {
      requestId: created.id,
      prompt: prompt.name,
      promptId: prompt.id,
      label: input.label,
      version: created.version,
      versionId: to.id,
      previousVersion: created.fromVersion,
      reason: created.reason,
      mode: input.plan?.kind ?? "move",
      actor: actorLabel(actor),
    });
    return created;
  });
  return toReleaseRequestView(row);
}

/** Loads an open request for a decision, with the refusals every decision shares. */
async function loadForDecision(tx: Prisma.TransactionClient, actor: Actor, requestId: string, decision: "approve" | "reject") {
  const request = await tx.releaseRequest.findFirst({ where: { id: requestId, projectId: actor.projectId }, include });
  if (!request) throw new AppError("not_found", "This release request does not exist in the project");
  if (request.status !== "OPEN") {
    throw new AppError(
      "conflict",
      `This request was already ${statusName(request.status)}${request.decidedByName ? ` by ${request.decidedByName}` : ""}${request.decidedAt ? ` at ${request.decidedAt.toISOString().slice(0, 16).replace("T", " ")} UTC` : ""}`,
    );
  }
  const rule = releaseRuleFor(await readReleaseRules(tx, actor.projectId), request.label);
  const may = mayDecideRelease(rule, { actor: { role: actor.role, label: actorLabel(actor) }, requestedByLabel: request.requestedByLabel }, decision);
  if (!may.allowed) throw new AppError(may.code, may.message);
  return request;
}

/** Marks the request decided; a concurrent decision (the row no longer open) is a conflict. */
async function markDecided(tx: Prisma.TransactionClient, actor: Actor, requestId: string, status: ReleaseRequestStatus, comment: string | null) {
  const updated = await tx.releaseRequest.updateMany({
    where: { id: requestId, status: "OPEN" },
    data: {
      status,
      decidedById: actorUserId(actor),
      decidedByLabel: actorLabel(actor),
      decidedByName: await actorName(tx, actor),
      decisionComment: comment,
      decidedAt: new Date(),
    },
  });
  if (updated.count === 0) throw new AppError("conflict", "This request was just decided by someone else; reload to see the decision");
  return tx.releaseRequest.findUniqueOrThrow({ where: { id: requestId }, include });
}

function parseComment(comment: string | undefined, required: boolean): string | null {
  const parsed = decisionCommentSchema.safeParse(comment ?? "");
  if (!parsed.success)
    throw new AppError("bad_request", parsed.error.issues[0]?.message ?? "Invalid comment", {
      issues: [{ path: "comment", message: parsed.error.issues[0]?.message ?? "invalid" }],
    });
  if (required && !parsed.data) throw new AppError("bad_request", "Say why you reject the request", { issues: [{ path: "comment", message: "required" }] });
  return parsed.data || null;
}

/** An approved request with a plan, as `approveReleaseRequest` hands it to whoever carries the plan out. */
export interface ApprovedPlan {
  requestId: string;
  promptId: string;
  prompt: string;
  label: string;
  versionId: string;
  version: string;
  reason: string;
  force: boolean;
  plan: ReleasePlan;
}

/** Carries out an approved plan inside the approval's transaction (a refusal throws and leaves the request open). */
export type ReleasePlanRunner = (tx: Prisma.TransactionClient, actor: Actor, approved: ApprovedPlan) => Promise<void>;

/**
 * Approves an open request and moves the label in the same transaction (the move's own checks,
 * the eval release gate included, still apply; a refusal leaves the request open). The approver
 * must be allowed by the label's rule (admins, or editors where the rule allows; under four eyes
 * not the requester). Refused (409) when the request was already decided, when the version is gone
 * or no longer published, and as stale when the label serves something other than what it served
 * when the request was made. Audited (`release.approved`) and emitted to webhooks.
 * A request with a plan (a rollout, a promotion) is carried out by `options.runPlan` instead of
 * the move, in the same transaction; lib/rollouts' `approveRelease` passes it (this domain cannot
 * start rollouts). Without one such a request is refused, never approved as a plain move.
 */
export async function approveReleaseRequest(
  actor: Actor,
  input: { requestId: string; comment?: string },
  options: { runPlan?: ReleasePlanRunner } = {},
): Promise<ReleaseRequestView> {
  const comment = parseComment(input.comment, false);
  const row = await getDb().$transaction(async (tx) => {
    const request = await loadForDecision(tx, actor, input.requestId, "approve");
    if (!request.versionId)
      throw new AppError("conflict", `Version ${request.version} was deleted since the request was made: reject it and request another version`);
    const version = await tx.promptVersion.findUnique({ where: { id: request.versionId }, select: { status: true } });
    if (version?.status !== "PUBLISHED") throw new AppError("conflict", `Version ${request.version} is no longer published: reject the request`);
    // Lock the label row (if any) so the stale check and the move see the same target.
    const current = await tx.$queryRaw<Array<{ versionId: string }>>`
      SELECT "versionId" FROM "Label" WHERE "promptId" = ${request.promptId} AND "name" = ${request.label} FOR UPDATE`;
    const servedNow = current[0]?.versionId ?? null;
    if (servedNow !== request.fromVersionId) {
      const now = servedNow ? await tx.promptVersion.findUnique({ where: { id: servedNow }, select: { major: true, minor: true, patch: true } }) : null;
      throw new AppError(
        "conflict",
        `Stale request: "${request.label}" moved since it was made (it served ${request.fromVersion ? `v${request.fromVersion}` : "nothing"}, now ${now ? `v${formatVersion(now)}` : "nothing"}); the evidence no longer holds. Reject it and request again`,
      );
    }
    const plan = parsePlan(request.plan);
    if (plan && !options.runPlan) throw new AppError("conflict", `This request asks for ${describeReleasePlan(plan)}, which this path cannot start`);
    const decided = await markDecided(tx, actor, request.id, "APPROVED", comment);
    if (plan && options.runPlan) {
      await options.runPlan(tx, actor, {
        requestId: request.id,
        promptId: request.promptId,
        prompt: request.prompt.name,
        label: request.label,
        versionId: request.versionId,
        version: request.version,
        reason: request.reason,
        force: request.force,
        plan,
      });
    } else {
      await moveLabel(
        actor,
        {
          promptId: request.promptId,
          label: request.label,
          versionId: request.versionId,
          reason: `release request approved: ${request.reason}`.slice(0, 500),
          force: request.force,
          approval: { requestId: request.id },
        },
        { tx },
      );
    }
    await recordAudit(tx, actor, {
      action: "release.approved",
      targetType: "release_request",
      targetId: request.id,
      before: { status: "open" },
      after: { status: "approved", label: request.label, version: request.version, comment, ...(plan ? { plan: plan.kind } : {}) },
    });
    await recordProjectEvent(tx, actor.projectId, "release.approved", {
      requestId: request.id,
      prompt: request.prompt.name,
      promptId: request.promptId,
      label: request.label,
      version: request.version,
      versionId: request.versionId,
      previousVersion: request.fromVersion,
      comment,
      mode: plan?.kind ?? "move",
      actor: actorLabel(actor),
    });
    return decided;
  });
  return toReleaseRequestView(row);
}

/**
 * Rejects an open request with a comment (required): approvers under the label's rule, or the
 * requester withdrawing their own. Nothing moves. Audited (`release.rejected`) and emitted.
 */
export async function rejectReleaseRequest(actor: Actor, input: { requestId: string; comment: string }): Promise<ReleaseRequestView> {
  const comment = parseComment(input.comment, true);
  const row = await getDb().$transaction(async (tx) => {
    const request = await loadForDecision(tx, actor, input.requestId, "reject");
    const decided = await markDecided(tx, actor, request.id, "REJECTED", comment);
    await recordAudit(tx, actor, {
      action: "release.rejected",
      targetType: "release_request",
      targetId: request.id,
      before: { status: "open" },
      after: { status: "rejected", label: request.label, version: request.version, comment },
    });
    await recordProjectEvent(tx, actor.projectId, "release.rejected", {
      requestId: request.id,
      prompt: request.prompt.name,
      promptId: request.promptId,
      label: request.label,
      version: request.version,
      versionId: request.versionId,
      comment,
      actor: actorLabel(actor),
    });
    return decided;
  });
  return toReleaseRequestView(row);
}

/** One request of the project (evidence included); null when unknown. */
export async function getReleaseRequest(projectId: string, requestId: string): Promise<ReleaseRequestView | null> {
  const row = await getDb().releaseRequest.findFirst({ where: { id: requestId, projectId }, include });
  return row ? toReleaseRequestView(row) : null;
}

/** Requests of the project (or one prompt), newest first; `status` filters. */
export async function listReleaseRequests(
  projectId: string,
  options: { promptId?: string; status?: ReleaseRequestView["status"]; take?: number } = {},
): Promise<ReleaseRequestView[]> {
  const status = options.status === undefined ? undefined : options.status === "open" ? "OPEN" : options.status === "approved" ? "APPROVED" : "REJECTED";
  const rows = await getDb().releaseRequest.findMany({
    where: { projectId, ...(options.promptId ? { promptId: options.promptId } : {}), ...(status ? { status } : {}) },
    orderBy: { createdAt: "desc" },
    take: Math.min(options.take ?? 100, 200),
    include,
  });
  return rows.map(toReleaseRequestView);
}

/** How many requests of the project wait for a decision (the sidebar's count). */
export async function countOpenReleaseRequests(projectId: string): Promise<number> {
  return getDb().releaseRequest.count({ where: { projectId, status: "OPEN" } });
}
