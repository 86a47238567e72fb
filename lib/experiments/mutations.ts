import { buildDecisionRecord } from "./decision";
import { getDb } from "@/lib/db/client";
import { AppError, type ErrorIssue } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { hasRole, type Role } from "@/lib/projects/roles";
import { actorLabel, type Actor } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/record";
import { assertMayDecideLabel } from "@/lib/prompts/labels";
import { moveLabel, type ReleaseApproval } from "@/lib/prompts/mutations";
import { createReleaseRequest, type ApprovedPlan, type ReleaseRequestView } from "@/lib/prompts/release-requests";
import { getReleaseRules, releaseRuleFor } from "@/lib/prompts/release-rules";
import { versionLabel } from "@/lib/prompts/queries";
import { notifyPromptChanged, recordProjectEvent } from "@/lib/prompts/notify";
import { initialAllocation, isValidAllocation, reallocate } from "./assignment";
import { computeExperimentResults, experimentInclude, getExperiment, parseDesign, type ExperimentView } from "./queries";
import { newExperimentDesign } from "./results";
import { CONTROL_KEY, CONTROL_WEIGHT_MESSAGE, variantKeyFor, type CreateExperiment, type PromoteInput, type WeightsInput } from "./schemas";
import { ACTIVE_STATUSES, nextStatus, type ExperimentAction } from "./state";

type Tx = Prisma.TransactionClient;

function assertRole(actor: Actor, min: Role): void {
  if (!hasRole(actor.role, min)) throw new AppError("forbidden", `This needs the ${min.toLowerCase()} role or higher`);
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

function json(value: unknown): Prisma.InputJsonValue {
  return value as Prisma.InputJsonValue;
}

/**
 * Routing a label's traffic is deciding what the label serves: on a protected label, starting,
 * resuming or reweighting an experiment (or letting a paused variant back in) needs the right to
 * move the label (`assertMayDecideLabel`, lib/prompts: ADMIN, the `admin` API-key scope). Pausing
 * and ending stay EDITOR: they hand the traffic back to the label's own version.
 */
async function assertMayRouteLabel(db: Pick<Tx, "label">, actor: Actor, promptId: string, labelName: string, doing: string): Promise<void> {
  const label = await db.label.findUnique({ where: { promptId_name: { promptId, name: labelName } }, select: { name: true, protected: true } });
  assertMayDecideLabel(actor, label, doing);
}

/** Refuses a control (variant A) without traffic: 422 naming the problem. */
function assertControlWeight(weight: number | undefined, path: string): void {
  if (weight === 0) throw new AppError("unprocessable", `The ${CONTROL_WEIGHT_MESSAGE}`, { issues: [{ path, message: CONTROL_WEIGHT_MESSAGE }] });
}

const ACTIVE_CONFLICT = (label: string, name: string) =>
  new AppError("conflict", `Prompt "${name}" already has an active experiment on the "${label}" label: end or promote it first`);

/**
 * Creates a DRAFT experiment from input the edge parsed with `createExperimentSchema` (at least two
 * variants, integer weights summing to 100). Validates against the data (every problem reported,
 * nothing written): each version published and of this prompt, the label existing, and no other
 * active (running or paused) experiment on the prompt+label. The planned sample per variant is
 * computed now from the design and fixed (results never move it). EDITOR+.
 */
export async function createExperiment(actor: Actor, input: CreateExperiment): Promise<ExperimentView> {
  assertRole(actor, "EDITOR");
  assertControlWeight(input.variants[0]?.weight, "variants.0.weight");
  const db = getDb();
  const prompt = await db.prompt.findUnique({
    where: { projectId_name: { projectId: actor.projectId, name: input.prompt } },
    select: { id: true, name: true, labels: { select: { name: true } } },
  });
  if (!prompt)
    throw new AppError("unprocessable", `Prompt "${input.prompt}" does not exist`, { issues: [{ path: "prompt", message: "no such prompt in this project" }] });
  const issues: ErrorIssue[] = [];
  if (!prompt.labels.some((l) => l.name === input.label)) {
    issues.push({ path: "label", message: `prompt "${prompt.name}" has no "${input.label}" label` });
  }
  const versionIds: string[] = [];
  for (const [i, v] of input.variants.entries()) {
    const [major, minor, patch] = (v.version ?? "").split(".").map(Number);
    const row = v.versionId
      ? await db.promptVersion.findUnique({ where: { id: v.versionId }, select: { id: true, promptId: true, status: true } })
      : await db.promptVersion.findFirst({ where: { promptId: prompt.id, major, minor, patch }, select: { id: true, promptId: true, status: true } });
    const path = `variants.${i}.version`;
    if (!row || row.promptId !== prompt.id) issues.push({ path, message: `not a version of "${prompt.name}"` });
    else if (row.status !== "PUBLISHED") issues.push({ path, message: "only published versions can be variants" });
    else versionIds.push(row.id);
  }
  if (issues.length > 0) throw new AppError("unprocessable", issues.map((i) => i.message).join("; "), { issues });

  const variants = input.variants.map((v, i) => ({ key: variantKeyFor(i), weight: v.weight, versionId: versionIds[i] ?? "" }));
  const design = newExperimentDesign(input.primaryMetric, input.design, variants);
  const active = await db.experiment.findFirst({
    where: { promptId: prompt.id, labelName: input.label, status: { in: [...ACTIVE_STATUSES] } },
    select: { id: true },
  });
  if (active) throw ACTIVE_CONFLICT(input.label, prompt.name);
  const id = await db.$transaction(async (tx) => {
    const created = await tx.experiment.create({
      data: {
        promptId: prompt.id,
        labelName: input.label,
        name: input.name,
        hypothesis: input.hypothesis,
        primaryMetric: input.primaryMetric,
        guardrails: json(input.guardrails),
        design: json(design),
        variants: { create: variants },
      },
    });
    await recordAudit(tx, actor, {
      action: "experiment.created",
      targetType: "experiment",
      targetId: created.id,
      after: json({
        name: input.name,
        prompt: prompt.name,
        label: input.label,
        variants: variants.map((v) => ({ key: v.key, weight: v.weight, versionId: v.versionId })),
      }),
    });
    return created.id;
  });
  return getExperiment(actor.projectId, id);
}

/** What every experiment.* event says about the experiment (webhook payloads). */
function experimentEventData(row: {
  id: string;
  name: string;
  labelName: string;
  prompt: { id: string; name: string };
  variants: Array<{ key: string; weight: number; version: { major: number; minor: number; patch: number } }>;
}) {
  return {
    prompt: row.prompt.name,
    promptId: row.prompt.id,
    experiment: { id: row.id, name: row.name },
    label: row.labelName,
    variants: row.variants.map((v) => ({ key: v.key, version: versionLabel(v.version), weight: v.weight })),
  };
}

async function loadForUpdate(tx: Tx, actor: Actor, id: string) {
  // Row lock: concurrent transitions of one experiment serialise here.
  await tx.$queryRaw`SELECT id FROM "Experiment" WHERE id = ${id} FOR UPDATE`;
  const row = await tx.experiment.findUnique({ where: { id }, include: { ...experimentInclude, rollout: { select: { id: true } } } });
  if (!row || row.prompt.projectId !== actor.projectId) throw new AppError("not_found", `Experiment ${id} does not exist`);
  // A canary rollout's experiment is steered by the rollout (lib/rollouts): its steps, rollback and label move.
  if (row.rollout) throw new AppError("conflict", "This experiment is a canary rollout: pause, resume or abort the rollout on the prompt page instead");
  return row;
}

/**
 * start / pause / resume / complete: the status machine (state.ts) applied in one transaction with
 * an audit event and a change notification, so every instance re-routes the label's traffic
 * within about a second. Starting checks (and a partial unique index enforces) one active
 * experiment per prompt+label. EDITOR+; starting or resuming on a protected label needs ADMIN
 * (forbidden), and a control weight of 0 is refused (unprocessable).
 */
export async function transitionExperiment(actor: Actor, id: string, action: Exclude<ExperimentAction, "promote">): Promise<ExperimentView> {
  assertRole(actor, "EDITOR");
  // Ending freezes the decision: the results as they stand now (decision.ts).
  const ending = action === "complete" ? await computeExperimentResults(await getExperiment(actor.projectId, id)) : null;
  try {
    await getDb().$transaction(async (tx) => {
      const row = await loadForUpdate(tx, actor, id);
      const status = nextStatus(row.status, action);
      if (action === "start" || action === "resume") {
        await assertMayRouteLabel(tx, actor, row.promptId, row.labelName, `${action} an experiment on it`);
        assertControlWeight(row.variants.find((v) => v.key === CONTROL_KEY)?.weight, `weights.${CONTROL_KEY}`);
      }
      if (action === "start") {
        const other = await tx.experiment.findFirst({
          where: { promptId: row.promptId, labelName: row.labelName, status: { in: [...ACTIVE_STATUSES] }, id: { not: id } },
          select: { id: true },
        });
        if (other) throw ACTIVE_CONFLICT(row.labelName, row.prompt.name);
        const unpublished = await tx.promptVersion.count({ where: { id: { in: row.variants.map((v) => v.versionId) }, status: { not: "PUBLISHED" } } });
        if (unpublished > 0) throw new AppError("unprocessable", "Every variant must be a published version");
      }
      const now = new Date();
      await tx.experiment.update({
        where: { id },
        data: {
          status,
          ...(action === "start" ? { startedAt: now } : {}),
          ...(action === "complete" ? { endedAt: now } : {}),
          ...(ending ? { decision: json(buildDecisionRecord({ at: now, action: "completed", promoted: null, label: row.labelName, results: ending })) } : {}),
        },
      });
      await recordAudit(tx, actor, {
        action: `experiment.${action === "complete" ? "completed" : action === "start" ? "started" : action === "pause" ? "paused" : "resumed"}`,
        targetType: "experiment",
        targetId: id,
        before: { status: row.status },
        after: { status },
      });
      if (action !== "resume") {
        await recordProjectEvent(
          tx,
          actor.projectId,
          action === "start" ? "experiment.started" : action === "pause" ? "experiment.paused" : "experiment.completed",
          {
            ...experimentEventData(row),
            status,
            previousStatus: row.status,
            actor: actorLabel(actor),
          },
        );
      }
      await notifyPromptChanged(tx, actor.projectId, row.prompt.name);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict", "This prompt label already has an active experiment: end or promote it first");
    throw error;
  }
  return getExperiment(actor.projectId, id);
}

/**
 * New weights ({"A": 70, "B": 30}, parsed by the edge with `weightsInputSchema`: integers summing
 * to 100), one for every variant of the experiment. The bucket allocation is updated so the fewest
 * subjects change variant (assignment.ts); before/after are recorded in the audit log. Not on a
 * completed experiment. EDITOR+; ADMIN when the experiment is running or paused on a protected
 * label. The control (A) keeps a weight of at least 1.
 */
export async function setExperimentWeights(actor: Actor, id: string, input: WeightsInput): Promise<ExperimentView> {
  assertRole(actor, "EDITOR");
  const weights = input.weights;
  await getDb().$transaction(async (tx) => {
    const row = await loadForUpdate(tx, actor, id);
    if (row.status === "COMPLETED") throw new AppError("conflict", "This experiment has ended; its weights can no longer change");
    // A draft routes nothing (starting it is checked); a running or paused one holds the label.
    if (ACTIVE_STATUSES.includes(row.status)) await assertMayRouteLabel(tx, actor, row.promptId, row.labelName, "change the weights of an experiment on it");
    assertControlWeight(weights[CONTROL_KEY], `weights.${CONTROL_KEY}`);
    const keys = row.variants.map((v) => v.key).sort();
    const given = Object.keys(weights).sort();
    if (keys.join(",") !== given.join(",")) {
      throw new AppError("unprocessable", `Give a weight for every variant (${keys.join(", ")}) and no others`, {
        issues: [{ path: "weights", message: `expected keys ${keys.join(", ")}` }],
      });
    }
    const design = parseDesign(row.design);
    const current = row.variants.map((v) => ({ key: v.key, weight: v.weight }));
    const allocation = design.allocation && isValidAllocation(design.allocation, current) ? design.allocation : initialAllocation(current);
    const next = row.variants.map((v) => ({ key: v.key, weight: weights[v.key] ?? 0 }));
    const nextAllocation = reallocate(allocation, next);
    for (const v of row.variants) await tx.variant.update({ where: { id: v.id }, data: { weight: weights[v.key] ?? 0 } });
    await tx.experiment.update({ where: { id }, data: { design: json({ ...design, allocation: nextAllocation }) } });
    const moved = next.reduce((n, v) => n + Math.max(0, (current.find((c) => c.key === v.key)?.weight ?? 0) - v.weight), 0);
    await recordAudit(tx, actor, {
      action: "experiment.weights_changed",
      targetType: "experiment",
      targetId: id,
      before: json(Object.fromEntries(current.map((v) => [v.key, v.weight]))),
      after: json({ ...weights, movedPercent: moved }),
    });
    await notifyPromptChanged(tx, actor.projectId, row.prompt.name);
  });
  return getExperiment(actor.projectId, id);
}

/** The variant a promotion would pick, with the refusals every promotion shares (see `promoteExperiment`). */
async function choosePromotion(actor: Actor, id: string, input: PromoteInput) {
  const experiment = await getExperiment(actor.projectId, id);
  nextStatus(experiment.status, "promote");
  const results = await computeExperimentResults(experiment);
  if (results.totalCalls === 0) throw new AppError("conflict", "This experiment has no calls yet: send traffic before promoting");
  const key = input.variant ?? results.winnerKey;
  if (!key) throw new AppError("conflict", "There is no winner yet: choose the variant to promote explicitly");
  const variant = experiment.variants.find((v) => v.key === key);
  if (!variant) throw new AppError("unprocessable", `There is no variant ${key}`, { issues: [{ path: "variant", message: "unknown variant" }] });
  if (variant.paused)
    throw new AppError("conflict", `Variant ${key} is paused${variant.pausedReason ? ` (${variant.pausedReason})` : ""}: it cannot be promoted`);
  if ((results.variants.find((v) => v.key === key)?.calls ?? 0) === 0)
    throw new AppError("conflict", `Variant ${key} has served no calls: it cannot be promoted`);
  return { experiment, results, key, variant };
}

/**
 * Ends a RUNNING experiment and moves its label to the chosen variant's version in one transaction (default: the
 * recommended winner), recorded as a release: a LabelEvent with reason "promoted from experiment
 * <name>" plus audit events. Refused (nothing changes) for a paused or ended experiment, one with
 * no calls, a paused or unknown variant, no winner and no explicit choice, and a protected label
 * without ADMIN. A label under a release rule refuses the move (409, as any direct move): the
 * edges call `promoteOrRequestRelease`, which opens a release request instead.
 */
export async function promoteExperiment(
  actor: Actor,
  id: string,
  input: PromoteInput = {},
): Promise<ExperimentView & { promoted: { key: string; version: string } }> {
  assertRole(actor, "EDITOR");
  return promoteChosen(actor, id, input, await choosePromotion(actor, id, input));
}

/**
 * What the edges call to promote: `promoteExperiment` (`{ promoted }` with the experiment), or,
 * when the label is under a release rule (lib/prompts/release-rules.ts) and does not serve the
 * variant's version already, a release request for that version (any editor; `input.reason` or
 * one naming the experiment), returned as `{ requested }`. Nothing ends or moves then: the
 * experiment keeps running until the request is approved, and approving it (`approveRelease`,
 * through `promoteApproved`) ends the experiment with that winner and moves the label.
 */
export async function promoteOrRequestRelease(
  actor: Actor,
  id: string,
  input: PromoteInput = {},
): Promise<{ promoted: ExperimentView & { promoted: { key: string; version: string } } } | { requested: ReleaseRequestView }> {
  assertRole(actor, "EDITOR");
  const chosen = await choosePromotion(actor, id, input);
  const { experiment, key, variant } = chosen;
  const served = await getDb().label.findUnique({
    where: { promptId_name: { promptId: experiment.prompt.id, name: experiment.label } },
    select: { versionId: true },
  });
  if (served?.versionId === variant.versionId || !releaseRuleFor(await getReleaseRules(actor.projectId), experiment.label)) {
    return { promoted: await promoteChosen(actor, id, input, chosen) };
  }
  const requested = await createReleaseRequest(actor, {
    promptId: experiment.prompt.id,
    label: experiment.label,
    versionId: variant.versionId,
    reason: input.reason || `Promote variant ${key} (v${variant.version}) of experiment "${experiment.name}"`,
    force: input.force,
    plan: { kind: "promote", experimentId: id, experiment: experiment.name, variant: key },
  });
  return { requested };
}

async function promoteChosen(
  actor: Actor,
  id: string,
  input: PromoteInput,
  { experiment, results, key, variant }: Awaited<ReturnType<typeof choosePromotion>>,
): Promise<ExperimentView & { promoted: { key: string; version: string } }> {
  const db = getDb();
  await assertMayRouteLabel(db, actor, experiment.prompt.id, experiment.label, "promote onto it");
  // One transaction: end the experiment and move the label (moveLabel joins it), so a failed move
  // leaves the experiment RUNNING and the label where it was. The row lock serialises with
  // transitions and guardrail pauses; their effects are re-checked under it.
  await db.$transaction(async (tx) => {
    const row = await loadForUpdate(tx, actor, id);
    if (row.status !== "RUNNING") throw new AppError("conflict", "This experiment changed meanwhile; reload and try again");
    if (row.variants.find((v) => v.id === variant.id)?.pausedAt) throw new AppError("conflict", `Variant ${key} was just paused: it cannot be promoted`);
    await endPromoted(tx, actor, row, { key, variantId: variant.id, versionId: variant.versionId, version: variant.version, results, force: input.force });
  });
  return { ...(await getExperiment(actor.projectId, id)), promoted: { key, version: variant.version } };
}

type LockedExperiment = Awaited<ReturnType<typeof loadForUpdate>>;

/** Ends a locked experiment with `key` as the winner and moves its label there, audited and emitted (the promotion's one body). */
async function endPromoted(
  tx: Tx,
  actor: Actor,
  row: LockedExperiment,
  chosen: {
    key: string;
    variantId: string;
    versionId: string;
    version: string;
    results: Awaited<ReturnType<typeof computeExperimentResults>>;
    force?: boolean;
  },
  approval?: ReleaseApproval,
): Promise<void> {
  const now = new Date();
  // The decision record: the results this promotion was decided on, frozen (later scores never change it).
  const decision = buildDecisionRecord({
    at: now,
    action: "promoted",
    promoted: { key: chosen.key, version: chosen.version },
    label: row.labelName,
    results: chosen.results,
  });
  const previousStatus = row.status;
  await tx.experiment.update({
    where: { id: row.id },
    data: { status: "COMPLETED", endedAt: now, winnerVariantId: chosen.variantId, decision: json(decision) },
  });
  // Notifies the prompt's change (the label and the ended experiment) on commit.
  await moveLabel(
    actor,
    {
      promptId: row.promptId,
      label: row.labelName,
      versionId: chosen.versionId,
      reason: `promoted from experiment ${row.name}${approval ? " (release request approved)" : ""}`,
      force: chosen.force,
      ...(approval ? { approval } : {}),
    },
    { tx },
  );
  await recordProjectEvent(tx, actor.projectId, "experiment.completed", {
    ...experimentEventData(row),
    status: "COMPLETED",
    previousStatus,
    promoted: { variant: chosen.key, version: chosen.version },
    actor: actorLabel(actor),
  });
  await recordAudit(tx, actor, {
    action: "experiment.promoted",
    targetType: "experiment",
    targetId: row.id,
    before: { status: previousStatus },
    after: json({
      status: "COMPLETED",
      variant: chosen.key,
      version: chosen.version,
      label: row.labelName,
      ...(approval ? { releaseRequestId: approval.requestId } : {}),
    }),
  });
}

/**
 * Carries out an approved promotion request (see `promoteExperiment`) inside the approval's
 * transaction: the experiment, if still running or paused, ends with the requested variant as the
 * winner and the label moves to its version under the approval; an experiment that ended
 * meanwhile is left as it is and the label moves all the same (the request is about the version).
 */
export async function promoteApproved(tx: Tx, actor: Actor, approved: ApprovedPlan & { plan: { kind: "promote" } }): Promise<void> {
  const row = await loadForUpdate(tx, actor, approved.plan.experimentId).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "not_found") return null;
    throw error;
  });
  const variant = row?.variants.find((v) => v.key === approved.plan.variant);
  if (row && variant && (row.status === "RUNNING" || row.status === "PAUSED")) {
    const results = await computeExperimentResults(await getExperiment(actor.projectId, row.id));
    await endPromoted(
      tx,
      actor,
      row,
      { key: variant.key, variantId: variant.id, versionId: approved.versionId, version: approved.version, results, force: approved.force },
      { requestId: approved.requestId },
    );
    return;
  }
  await moveLabel(
    actor,
    {
      promptId: approved.promptId,
      label: approved.label,
      versionId: approved.versionId,
      reason: `release request approved: ${approved.reason}`.slice(0, 500),
      force: approved.force,
      approval: { requestId: approved.requestId },
    },
    { tx },
  );
}

/**
 * Guardrail pause of one variant (no user: the audit event's actor label is
 * "system:guardrail"). When it is the last variant taking traffic, the whole experiment is paused
 * instead (the label serves its own version again). Idempotent: false when already paused.
 */
export async function pauseVariantForGuardrail(experimentId: string, variantId: string, reason: string): Promise<boolean> {
  return getDb().$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Experiment" WHERE id = ${experimentId} FOR UPDATE`;
    const row = await tx.experiment.findUnique({ where: { id: experimentId }, include: experimentInclude });
    if (!row || row.status !== "RUNNING") return false;
    const variant = row.variants.find((v) => v.id === variantId);
    if (!variant || variant.pausedAt) return false;
    const now = new Date();
    await tx.variant.update({ where: { id: variantId }, data: { pausedAt: now, pausedReason: reason } });
    const othersActive = row.variants.some((v) => v.id !== variantId && !v.pausedAt && v.weight > 0);
    if (!othersActive) await tx.experiment.update({ where: { id: experimentId }, data: { status: "PAUSED" } });
    await tx.auditEvent.create({
      data: {
        projectId: row.prompt.projectId,
        actorId: null,
        actorLabel: "system:guardrail",
        action: "experiment.variant_paused",
        targetType: "experiment",
        targetId: experimentId,
        after: json({ variant: variant.key, version: versionLabel(variant.version), reason, experimentPaused: !othersActive }),
      },
    });
    if (!othersActive) {
      await recordProjectEvent(tx, row.prompt.projectId, "experiment.paused", {
        ...experimentEventData(row),
        status: "PAUSED",
        previousStatus: "RUNNING",
        reason,
        actor: "system:guardrail",
      });
    }
    await notifyPromptChanged(tx, row.prompt.projectId, row.prompt.name);
    return true;
  });
}

/** Lets a guardrail-paused variant take traffic again (a person decided to). EDITOR+; ADMIN on a protected label. */
export async function resumeVariant(actor: Actor, experimentId: string, key: string): Promise<ExperimentView> {
  assertRole(actor, "EDITOR");
  await getDb().$transaction(async (tx) => {
    const row = await loadForUpdate(tx, actor, experimentId);
    if (row.status === "COMPLETED") throw new AppError("conflict", "This experiment has ended");
    const variant = row.variants.find((v) => v.key === key);
    if (!variant) throw new AppError("not_found", `There is no variant ${key}`);
    if (!variant.pausedAt) return;
    await assertMayRouteLabel(tx, actor, row.promptId, row.labelName, "let a paused variant of an experiment on it take traffic again");
    await tx.variant.update({ where: { id: variant.id }, data: { pausedAt: null, pausedReason: null } });
    await recordAudit(tx, actor, { action: "experiment.variant_resumed", targetType: "experiment", targetId: experimentId, after: { variant: key } });
    await notifyPromptChanged(tx, actor.projectId, row.prompt.name);
  });
  return getExperiment(actor.projectId, experimentId);
}
