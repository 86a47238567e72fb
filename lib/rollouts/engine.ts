import { z } from "zod";
import { actorLabel, type Actor } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/record";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { reallocate, initialAllocation, isValidAllocation } from "@/lib/experiments/assignment";
import { experimentInclude, loadVariantAggregates, parseDesign, toExperimentView } from "@/lib/experiments/queries";
import { newExperimentDesign } from "@/lib/experiments/results";
import { DEFAULT_MDE } from "@/lib/experiments/schemas";
import { ACTIVE_STATUSES } from "@/lib/experiments/state";
import { Prisma } from "@/lib/generated/prisma/client";
import { childLogger } from "@/lib/logger";
import { hasRole, type Role } from "@/lib/projects/roles";
import { assertContractCompatibleMove } from "@/lib/prompts/label-move-check";
import { assertMayDecideLabel } from "@/lib/prompts/labels";
import { moveLabel } from "@/lib/prompts/mutations";
import { notifyPromptChanged, recordProjectEvent } from "@/lib/prompts/notify";
import { versionLabel } from "@/lib/prompts/queries";
import { assertReleaseGate } from "@/lib/prompts/release-gate";
import { createReleaseRequest, type ApprovedPlan, type ReleaseRequestView } from "@/lib/prompts/release-requests";
import { describeReleaseRule, getReleaseRules, releaseRuleFor } from "@/lib/prompts/release-rules";
import { currentPercent, decideStep, judgeGuardrails, type GuardrailBreach, type StepDecision } from "./decide";
import { currentRolloutQueue } from "./queue";
import { getRollout, type RolloutView } from "./queries";
import { rolloutGuardrailsSchema, type RolloutAction, type RolloutEventKind, type StartRollout } from "./schemas";

const log = childLogger({ component: "rollouts" });

type Tx = Prisma.TransactionClient;

/** The audit actor label of the rollout's own steps (advance, rollback, completion). */
export const ROLLOUT_SYSTEM_ACTOR = "system:rollout";
/** Variant keys of a rollout's experiment: A = the version the label serves, B = the new one. */
export const CURRENT_KEY = "A";
export const CANDIDATE_KEY = "B";

function json(value: unknown): Prisma.InputJsonValue {
  return value as Prisma.InputJsonValue;
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

function assertRole(actor: Actor, min: Role): void {
  if (!hasRole(actor.role, min)) throw new AppError("forbidden", `This needs the ${min.toLowerCase()} role or higher`);
}

const startedBySchema = z.object({ kind: z.enum(["user", "api_key"]), id: z.string(), role: z.enum(["VIEWER", "EDITOR", "ADMIN"]) });

/** The actor a finished rollout moves the label as: whoever started it (checked for the right to move it then). */
export function starterActor(projectId: string, stored: unknown): Actor {
  const s = startedBySchema.parse(stored);
  return s.kind === "user" ? { kind: "user", userId: s.id, projectId, role: s.role } : { kind: "api_key", apiKeyId: s.id, projectId, role: s.role };
}

const weightsFor = (percent: number) => [
  { key: CURRENT_KEY, weight: 100 - percent },
  { key: CANDIDATE_KEY, weight: percent },
];

async function addEvent(
  tx: Tx,
  rolloutId: string,
  kind: RolloutEventKind,
  percent: number,
  actor: string,
  extra: { reason?: string | null; figures?: unknown; at?: Date } = {},
): Promise<void> {
  await tx.rolloutEvent.create({
    data: {
      rolloutId,
      kind,
      percent,
      actorLabel: actor,
      reason: extra.reason ?? null,
      ...(extra.figures !== undefined ? { figures: json(extra.figures) } : {}),
      ...(extra.at ? { at: extra.at } : {}),
    },
  });
}

async function systemAudit(tx: Tx, projectId: string, action: string, rolloutId: string, after: unknown): Promise<void> {
  await tx.auditEvent.create({
    data: { projectId, actorId: null, actorLabel: ROLLOUT_SYSTEM_ACTOR, action, targetType: "rollout", targetId: rolloutId, after: json(after) },
  });
}

type RolloutPrompt = { id: string; name: string };
type RolloutVersion = { id: string; contentHash: string };

/** The prompt and the published version a rollout input names; refused (422 / 409) as `startRollout` documents. */
async function loadTarget(actor: Actor, input: StartRollout): Promise<{ prompt: RolloutPrompt; version: RolloutVersion }> {
  const db = getDb();
  const prompt = await db.prompt.findUnique({
    where: { projectId_name: { projectId: actor.projectId, name: input.prompt } },
    select: { id: true, name: true, archivedAt: true },
  });
  if (!prompt)
    throw new AppError("unprocessable", `Prompt "${input.prompt}" does not exist`, { issues: [{ path: "prompt", message: "no such prompt in this project" }] });
  if (prompt.archivedAt) throw new AppError("conflict", `Prompt "${prompt.name}" is archived: restore it before rolling out a version`);
  const [major, minor, patch] = input.version.split(".").map(Number);
  const version = await db.promptVersion.findFirst({ where: { promptId: prompt.id, major, minor, patch } });
  if (!version)
    throw new AppError("unprocessable", `Version ${input.version} of "${prompt.name}" does not exist`, {
      issues: [{ path: "version", message: "no such version" }],
    });
  if (version.status !== "PUBLISHED")
    throw new AppError("unprocessable", `Version ${input.version} is a draft: publish it before rolling it out`, {
      issues: [{ path: "version", message: "not published" }],
    });
  return { prompt: { id: prompt.id, name: prompt.name }, version: { id: version.id, contentHash: version.contentHash } };
}

/**
 * Locks the label and refuses what would refuse the start or the label move at the end: no such
 * label, the version it serves, an active rollout or experiment on it, the variables contract,
 * the release gate. `mayDecide`: whether the actor's own right to move the label is checked (not
 * when an approved release request decided it, nor for a request). Returns the label.
 */
async function checkStart(tx: Tx, actor: Actor, target: { prompt: RolloutPrompt; version: RolloutVersion }, input: StartRollout, mayDecide: boolean) {
  const { prompt, version } = target;
  // Serialises starts (and label moves) on this label: the row lock on the label.
  const labels = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM "Label" WHERE "promptId" = ${prompt.id} AND name = ${input.label} FOR UPDATE`;
  const label = labels[0] ? await tx.label.findUnique({ where: { id: labels[0].id } }) : null;
  if (!label)
    throw new AppError("unprocessable", `Prompt "${prompt.name}" has no "${input.label}" label: a rollout moves an existing label`, {
      issues: [{ path: "label", message: "no such label" }],
    });
  if (mayDecide) assertMayDecideLabel(actor, label, "roll out a version on it");
  if (label.versionId === version.id) throw new AppError("conflict", `The "${label.name}" label already serves ${input.version}: there is nothing to roll out`);
  const activeRollout = await tx.rollout.findFirst({
    where: { promptId: prompt.id, labelName: label.name, status: { in: ["RUNNING", "PAUSED"] } },
    select: { id: true },
  });
  if (activeRollout) throw new AppError("conflict", `A rollout is already under way on "${prompt.name}" ${label.name}: abort it or let it finish first`);
  const experiment = await tx.experiment.findFirst({
    where: { promptId: prompt.id, labelName: label.name, status: { in: [...ACTIVE_STATUSES] } },
    select: { name: true, status: true },
  });
  if (experiment)
    throw new AppError(
      "conflict",
      `Experiment "${experiment.name}" is ${experiment.status.toLowerCase()} on "${prompt.name}" ${label.name}: end or promote it before a rollout`,
    );
  // Refuse now what would refuse the label move at the end.
  await assertContractCompatibleMove(tx, actor, { promptId: prompt.id, label: label.name, versionId: version.id });
  await assertReleaseGate(tx, {
    projectId: actor.projectId,
    promptId: prompt.id,
    label: label.name,
    version: { id: version.id, contentHash: version.contentHash, display: input.version },
  });
  return label;
}

/**
 * Starts a canary rollout of `input.version` on `input.label` (EDITOR+; on a protected label the
 * right to move it, as a label move needs). Refused, nothing written: an unknown prompt, label or
 * version, an unpublished version, the version the label already serves (409), a label with an
 * active experiment or rollout (409; the partial unique indexes hold it under concurrency), a
 * move the variables contract or the release gate would refuse at the end (409). Creates the
 * rollout's experiment RUNNING with the first step's split (A = the label's version, B = the new
 * one), the rollout, its "started" event, an audit event, an `experiment.started` outbox event
 * and a change notification, in one transaction; then queues its first check.
 *
 * A label under a release rule (lib/prompts/release-rules.ts) is not rolled out on directly, by
 * anyone (as a direct move): a conflict naming the way (`startOrRequestRollout`).
 */
export async function startRollout(actor: Actor, input: StartRollout): Promise<RolloutView> {
  assertRole(actor, "EDITOR");
  const target = await loadTarget(actor, input);
  const rule = releaseRuleFor(await getReleaseRules(actor.projectId), input.label);
  if (rule)
    throw new AppError(
      "conflict",
      `Rolling out on "${input.label}" needs an approved release request (${describeReleaseRule(rule)}): request the rollout instead`,
      {
        details: { needsApproval: true, label: input.label },
      },
    );
  let rolloutId = "";
  try {
    rolloutId = await getDb().$transaction((tx) => startInTx(tx, actor, target, input, null));
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict", `"${target.prompt.name}" ${input.label} already has an active rollout or experiment`);
    throw error;
  }
  await queueCheck(rolloutId);
  return getRollout(actor.projectId, rolloutId);
}

/**
 * What the edges call to start a rollout: `startRollout` on a label without a release rule
 * (`{ started }`); on a label under one, for anyone (admins too, as for a direct move), the same
 * checks, then a release request in rollout mode (the steps, minimums and guardrails as its plan;
 * `input.reason` required) opened and returned as `{ requested }`: approving it
 * (`approveRelease`) starts the rollout, whose completion moves the label under that approval.
 */
export async function startOrRequestRollout(actor: Actor, input: StartRollout): Promise<{ started: RolloutView } | { requested: ReleaseRequestView }> {
  assertRole(actor, "EDITOR");
  if (!releaseRuleFor(await getReleaseRules(actor.projectId), input.label)) return { started: await startRollout(actor, input) };
  const target = await loadTarget(actor, input);
  if (!input.reason)
    throw new AppError("unprocessable", `Rolling out on "${input.label}" needs approval: give a reason and the rollout becomes a release request`, {
      issues: [{ path: "reason", message: "required when the label needs approval" }],
    });
  // Refuse now what approval would refuse (nothing is written: the transaction only reads and locks).
  await getDb().$transaction((tx) => checkStart(tx, actor, target, input, false));
  const requested = await createReleaseRequest(actor, {
    promptId: target.prompt.id,
    label: input.label,
    versionId: target.version.id,
    reason: input.reason,
    plan: { kind: "rollout", steps: input.steps, minStepSeconds: input.minStepSeconds, minStepCalls: input.minStepCalls, guardrails: input.guardrails },
  });
  return { requested };
}

/**
 * Carries out an approved release request in rollout mode inside the approval's transaction (see
 * `approveRelease`): the start's checks (not the approver's own right to move the label: the rule
 * decided it), then the rollout, started in the approver's name and tied to the request. Returns
 * its id; the caller queues its first check after the commit.
 */
export async function startApprovedRollout(tx: Tx, actor: Actor, approved: ApprovedPlan & { plan: { kind: "rollout" } }): Promise<string> {
  const prompt = await tx.prompt.findUniqueOrThrow({ where: { id: approved.promptId }, select: { id: true, name: true, archivedAt: true } });
  if (prompt.archivedAt) throw new AppError("conflict", `Prompt "${prompt.name}" is archived: restore it before rolling out a version`);
  const version = await tx.promptVersion.findUniqueOrThrow({ where: { id: approved.versionId }, select: { id: true, contentHash: true } });
  const input: StartRollout = {
    prompt: prompt.name,
    label: approved.label,
    version: approved.version,
    steps: approved.plan.steps,
    minStepSeconds: approved.plan.minStepSeconds,
    minStepCalls: approved.plan.minStepCalls,
    guardrails: rolloutGuardrailsSchema.parse(approved.plan.guardrails),
    reason: approved.reason.slice(0, 500),
  };
  try {
    // A lost race on the unique indexes rolls the whole approval back (the request stays open): say why.
    return await startInTx(tx, actor, { prompt, version }, input, approved.requestId);
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict", `"${prompt.name}" ${input.label} already has an active rollout or experiment`);
    throw error;
  }
}

async function startInTx(
  tx: Tx,
  actor: Actor,
  target: { prompt: RolloutPrompt; version: RolloutVersion },
  input: StartRollout,
  releaseRequestId: string | null,
): Promise<string> {
  const { prompt, version } = target;
  const firstPercent = input.steps[0] ?? 0;
  const label = await checkStart(tx, actor, target, input, releaseRequestId === null);
  const current = await tx.promptVersion.findUniqueOrThrow({ where: { id: label.versionId }, select: { major: true, minor: true, patch: true } });
  const variants = [
    { key: CURRENT_KEY, weight: 100 - firstPercent, versionId: label.versionId },
    { key: CANDIDATE_KEY, weight: firstPercent, versionId: version.id },
  ];
  const now = new Date();
  const created = await tx.experiment.create({
    data: {
      promptId: prompt.id,
      labelName: label.name,
      name: `Canary ${input.version} on ${label.name}`,
      hypothesis: input.reason || `Roll ${input.version} out to ${label.name} gradually (${input.steps.join(" → ")} %)`,
      status: "RUNNING",
      startedAt: now,
      primaryMetric: "error_rate",
      // The rollout judges its own guardrails against the current version (decide.ts): the experiment's absolute ones stay off.
      guardrails: json([]),
      design: json(newExperimentDesign("error_rate", DEFAULT_MDE, variants)),
      variants: { create: variants },
    },
  });
  const rollout = await tx.rollout.create({
    data: {
      promptId: prompt.id,
      labelName: label.name,
      experimentId: created.id,
      fromVersionId: label.versionId,
      toVersionId: version.id,
      steps: input.steps,
      stepStartedAt: now,
      minStepSeconds: input.minStepSeconds,
      minStepCalls: input.minStepCalls,
      guardrails: json(input.guardrails),
      startedBy: json(actor.kind === "user" ? { kind: "user", id: actor.userId, role: actor.role } : { kind: "api_key", id: actor.apiKeyId, role: actor.role }),
      releaseRequestId,
    },
  });
  await addEvent(tx, rollout.id, "started", firstPercent, actorLabel(actor), { reason: input.reason || null, at: now });
  await recordAudit(tx, actor, {
    action: "rollout.started",
    targetType: "rollout",
    targetId: rollout.id,
    after: json({
      prompt: prompt.name,
      label: label.name,
      from: versionLabel(current),
      to: input.version,
      steps: input.steps,
      experimentId: created.id,
      ...(releaseRequestId ? { releaseRequestId } : {}),
    }),
  });
  await recordProjectEvent(tx, actor.projectId, "experiment.started", {
    prompt: prompt.name,
    promptId: prompt.id,
    experiment: { id: created.id, name: created.name },
    label: label.name,
    variants: [
      { key: CURRENT_KEY, version: versionLabel(current), weight: 100 - firstPercent },
      { key: CANDIDATE_KEY, version: input.version, weight: firstPercent },
    ],
    rollout: { id: rollout.id, steps: input.steps, ...(releaseRequestId ? { releaseRequestId } : {}) },
    status: "RUNNING",
    previousStatus: "DRAFT",
    actor: actorLabel(actor),
  });
  await notifyPromptChanged(tx, actor.projectId, prompt.name);
  return rollout.id;
}

/** Queues a rollout's next check (after a start, or an approval that started one). */
export async function queueCheck(rolloutId: string): Promise<void> {
  // Without a queue in this process (a script), a worker's sweep picks the rollout up.
  await currentRolloutQueue()
    ?.enqueue(rolloutId)
    .catch((error: unknown) => log.warn({ err: error, rolloutId }, "could not queue the rollout's check; the sweep will"));
}

async function lockRollout(tx: Tx, id: string) {
  await tx.$queryRaw`SELECT id FROM "Rollout" WHERE id = ${id} FOR UPDATE`;
  return tx.rollout.findUnique({ where: { id }, include: { prompt: { select: { id: true, name: true, projectId: true } } } });
}

/**
 * Pause (hold the current share, stop advancing; guardrails still watched), resume, or abort
 * (all traffic back to the version the label serves, the label unmoved). EDITOR+. A rollout that
 * has ended is a conflict; pausing a paused one or resuming a running one changes nothing.
 */
export async function actOnRollout(actor: Actor, id: string, action: RolloutAction, reason = ""): Promise<RolloutView> {
  assertRole(actor, "EDITOR");
  await getDb().$transaction(async (tx) => {
    const row = await lockRollout(tx, id);
    if (!row || row.prompt.projectId !== actor.projectId) throw new AppError("not_found", `Rollout ${id} does not exist`);
    if (row.status !== "RUNNING" && row.status !== "PAUSED")
      throw new AppError("conflict", `This rollout has ended (${row.status.toLowerCase().replace("_", " ")})`);
    const percent = currentPercent(row);
    if (action === "pause" || action === "resume") {
      const to = action === "pause" ? "PAUSED" : "RUNNING";
      if (row.status === to) return;
      await tx.rollout.update({ where: { id }, data: { status: to, ...(action === "resume" ? { reason: null } : {}) } });
      await addEvent(tx, id, action === "pause" ? "paused" : "resumed", percent, actorLabel(actor), { reason: reason || null });
      await recordAudit(tx, actor, { action: `rollout.${action === "pause" ? "paused" : "resumed"}`, targetType: "rollout", targetId: id, after: { percent } });
      return;
    }
    const why = reason || `aborted by ${actorLabel(actor)}`;
    await endExperiment(tx, row.experimentId, null);
    await tx.rollout.update({ where: { id }, data: { status: "ABORTED", reason: why, endedAt: new Date() } });
    await addEvent(tx, id, "aborted", 0, actorLabel(actor), { reason: why });
    await recordAudit(tx, actor, { action: "rollout.aborted", targetType: "rollout", targetId: id, before: { percent }, after: { reason: why } });
    await recordEnded(tx, row, "aborted", why, actorLabel(actor));
    await notifyPromptChanged(tx, row.prompt.projectId, row.prompt.name);
  });
  return getRollout(actor.projectId, id);
}

async function endExperiment(tx: Tx, experimentId: string, winnerVariantId: string | null): Promise<void> {
  await tx.experiment.updateMany({
    where: { id: experimentId, status: { in: ["RUNNING", "PAUSED"] } },
    data: { status: "COMPLETED", endedAt: new Date(), ...(winnerVariantId ? { winnerVariantId } : {}) },
  });
}

type LockedRollout = NonNullable<Awaited<ReturnType<typeof lockRollout>>>;

/** The `experiment.completed` outbox event of a rollout that ended (webhooks). */
async function recordEnded(tx: Tx, row: LockedRollout, outcome: "completed" | "rolled_back" | "aborted", reason: string | null, actor: string): Promise<void> {
  const experiment = await tx.experiment.findUniqueOrThrow({ where: { id: row.experimentId }, include: experimentInclude });
  await recordProjectEvent(tx, row.prompt.projectId, "experiment.completed", {
    prompt: row.prompt.name,
    promptId: row.prompt.id,
    experiment: { id: experiment.id, name: experiment.name },
    label: row.labelName,
    variants: experiment.variants.map((v) => ({ key: v.key, version: versionLabel(v.version), weight: v.weight })),
    rollout: { id: row.id, outcome, reason },
    status: "COMPLETED",
    previousStatus: "RUNNING",
    actor,
  });
}

// ------------------------------------------------------------------ the check (one job)

/** What one check did; `next` null = the rollout has ended (no more checks). */
export interface CheckResult {
  decision: StepDecision | null;
  applied: boolean;
  next: "check" | null;
}

/**
 * One check of a rollout (the job's step; idempotent): reads the calls of its experiment,
 * judges the guardrails (decide.ts), and applies the decision: roll back, advance one step,
 * complete (the label moves through `moveLabel`: release gate, audit, outbox, change feed), or
 * hold. The decision is applied under the rollout's row lock only if the rollout is still where
 * it was read (status and step), so two checks at once (two instances, a retried job) never
 * advance twice. A completion the label move refuses (the release gate, say) pauses the rollout
 * with the reason instead ("held").
 */
export async function checkRollout(id: string, options: { now?: () => Date; flush?: () => Promise<unknown> } = {}): Promise<CheckResult> {
  const db = getDb();
  const row = await db.rollout.findUnique({ where: { id }, include: { experiment: { include: experimentInclude } } });
  if (!row || (row.status !== "RUNNING" && row.status !== "PAUSED")) return { decision: null, applied: false, next: null };
  await options.flush?.();
  const now = (options.now ?? (() => new Date()))();
  const experiment = toExperimentView(row.experiment);
  if (experiment.status !== "RUNNING") {
    // Someone ended the experiment underneath (an older version, a script): the rollout cannot steer it any more.
    await endAfterLostExperiment(id, row.stepIndex);
    return { decision: null, applied: true, next: null };
  }
  const aggregates = await loadVariantAggregates(experiment);
  const current = aggregates.find((a) => a.key === CURRENT_KEY);
  const candidate = aggregates.find((a) => a.key === CANDIDATE_KEY);
  if (!current || !candidate) throw new Error(`rollout ${id}: its experiment lacks variant ${current ? CANDIDATE_KEY : CURRENT_KEY}`);
  const guardrails = rolloutGuardrailsSchema.parse(row.guardrails);
  const { breaches } = judgeGuardrails(guardrails, current, candidate);
  const callsInStep = await db.callLog.count({
    where: { experimentId: row.experimentId, variantId: candidate.variantId, createdAt: { gte: row.stepStartedAt } },
  });
  const decision = decideStep(row, now, callsInStep, breaches);
  if (decision.kind === "hold") return { decision, applied: false, next: "check" };
  const expected = { status: row.status, stepIndex: row.stepIndex };
  if (decision.kind === "rollback") {
    const applied = await applyRollback(id, expected, decision.breach);
    return { decision, applied, next: applied ? null : "check" };
  }
  if (decision.kind === "advance") {
    const applied = await applyAdvance(id, expected, decision.toIndex, now);
    return { decision, applied, next: "check" };
  }
  const completed = await applyCompletion(id, expected);
  return { decision, applied: completed, next: completed ? null : "check" };
}

function unchanged(row: LockedRollout | null, expected: { status: string; stepIndex: number }): row is LockedRollout {
  return row !== null && row.status === expected.status && row.stepIndex === expected.stepIndex;
}

async function applyRollback(id: string, expected: { status: string; stepIndex: number }, breach: GuardrailBreach): Promise<boolean> {
  return getDb().$transaction(async (tx) => {
    const row = await lockRollout(tx, id);
    if (!unchanged(row, expected)) return false;
    const percent = currentPercent(row);
    const now = new Date();
    await endExperiment(tx, row.experimentId, null);
    await tx.rollout.update({ where: { id }, data: { status: "ROLLED_BACK", reason: breach.reason, figures: json(breach.figures), endedAt: now } });
    await addEvent(tx, id, "rolled_back", 0, ROLLOUT_SYSTEM_ACTOR, { reason: breach.reason, figures: breach.figures, at: now });
    await systemAudit(tx, row.prompt.projectId, "rollout.rolled_back", id, { percent, metric: breach.metric, reason: breach.reason });
    await recordEnded(tx, row, "rolled_back", breach.reason, ROLLOUT_SYSTEM_ACTOR);
    await notifyPromptChanged(tx, row.prompt.projectId, row.prompt.name);
    log.warn({ rolloutId: id, reason: breach.reason }, "rollout rolled back");
    return true;
  });
}

async function applyAdvance(id: string, expected: { status: string; stepIndex: number }, toIndex: number, now: Date): Promise<boolean> {
  return getDb().$transaction(async (tx) => {
    const row = await lockRollout(tx, id);
    if (!unchanged(row, expected) || toIndex !== row.stepIndex + 1) return false;
    const percent = row.steps[toIndex];
    if (percent === undefined) return false;
    await tx.$queryRaw`SELECT id FROM "Experiment" WHERE id = ${row.experimentId} FOR UPDATE`;
    const experiment = await tx.experiment.findUniqueOrThrow({ where: { id: row.experimentId }, include: { variants: true } });
    const design = parseDesign(experiment.design);
    const currentWeights = experiment.variants.map((v) => ({ key: v.key, weight: v.weight }));
    const allocation = design.allocation && isValidAllocation(design.allocation, currentWeights) ? design.allocation : initialAllocation(currentWeights);
    // The fewest subjects move, all from the current version to the new one: whoever has the new version keeps it.
    const nextAllocation = reallocate(allocation, weightsFor(percent));
    for (const w of weightsFor(percent)) await tx.variant.updateMany({ where: { experimentId: row.experimentId, key: w.key }, data: { weight: w.weight } });
    await tx.experiment.update({ where: { id: row.experimentId }, data: { design: json({ ...design, allocation: nextAllocation }) } });
    await tx.rollout.update({ where: { id }, data: { stepIndex: toIndex, stepStartedAt: now } });
    await addEvent(tx, id, "advanced", percent, ROLLOUT_SYSTEM_ACTOR, { at: now });
    await systemAudit(tx, row.prompt.projectId, "rollout.advanced", id, { from: currentPercent(row), to: percent, step: toIndex + 1 });
    await notifyPromptChanged(tx, row.prompt.projectId, row.prompt.name);
    return true;
  });
}

async function applyCompletion(id: string, expected: { status: string; stepIndex: number }): Promise<boolean> {
  try {
    return await getDb().$transaction(async (tx) => {
      const row = await lockRollout(tx, id);
      if (!unchanged(row, expected)) return false;
      const candidate = await tx.variant.findFirstOrThrow({ where: { experimentId: row.experimentId, key: CANDIDATE_KEY } });
      await endExperiment(tx, row.experimentId, candidate.id);
      // The normal label move: protection, contract check, release gate, LabelEvent, audit, label.moved, change feed.
      // A rollout started by an approved release request moves the label under that approval (the rule decided who may).
      await moveLabel(
        starterActor(row.prompt.projectId, row.startedBy),
        {
          promptId: row.promptId,
          label: row.labelName,
          versionId: row.toVersionId,
          reason: `canary rollout completed (${row.steps.join(" → ")} %)${row.releaseRequestId ? ", release request approved" : ""}`,
          ...(row.releaseRequestId ? { approval: { requestId: row.releaseRequestId } } : {}),
        },
        { tx },
      );
      const now = new Date();
      await tx.rollout.update({ where: { id }, data: { status: "COMPLETED", reason: null, endedAt: now } });
      await addEvent(tx, id, "completed", 100, ROLLOUT_SYSTEM_ACTOR, { at: now });
      await systemAudit(tx, row.prompt.projectId, "rollout.completed", id, {
        label: row.labelName,
        versionId: row.toVersionId,
        ...(row.releaseRequestId ? { releaseRequestId: row.releaseRequestId } : {}),
      });
      await recordEnded(tx, row, "completed", null, ROLLOUT_SYSTEM_ACTOR);
      return true;
    });
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    // The label move was refused (the release gate, the contract, the starter's rights): hold here, say why.
    const reason = `The label move was refused: ${error.message}`;
    await getDb().$transaction(async (tx) => {
      const row = await lockRollout(tx, id);
      if (!unchanged(row, expected)) return;
      await tx.rollout.update({ where: { id }, data: { status: "PAUSED", reason } });
      await addEvent(tx, id, "held", currentPercent(row), ROLLOUT_SYSTEM_ACTOR, { reason });
      await systemAudit(tx, row.prompt.projectId, "rollout.held", id, { reason });
    });
    log.warn({ rolloutId: id, reason }, "rollout held: the label move was refused");
    return false;
  }
}

async function endAfterLostExperiment(id: string, stepIndex: number): Promise<void> {
  await getDb().$transaction(async (tx) => {
    const row = await lockRollout(tx, id);
    if (!row || row.stepIndex !== stepIndex || (row.status !== "RUNNING" && row.status !== "PAUSED")) return;
    const reason = "its experiment was ended outside the rollout";
    await tx.rollout.update({ where: { id }, data: { status: "ABORTED", reason, endedAt: new Date() } });
    await addEvent(tx, id, "aborted", 0, ROLLOUT_SYSTEM_ACTOR, { reason });
    await systemAudit(tx, row.prompt.projectId, "rollout.aborted", id, { reason });
  });
}
