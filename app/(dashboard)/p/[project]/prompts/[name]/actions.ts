"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/http/server-action";
import {
  archivePrompt,
  deletePrompt,
  discardDraft,
  moveLabel,
  openDependentDrafts,
  previewPublish,
  publishDraft,
  restorePrompt,
  rollbackLabel,
  startDraftFrom,
} from "@/lib/prompts/mutations";
import { toPublishPreview } from "@/lib/prompts/publish-preview";
import { versionLabel } from "@/lib/prompts/queries";
import { getPublishEvalStatus } from "@/lib/evals/latest";
import { previewLabelMove } from "@/lib/prompts/label-move-check";
import { createReleaseRequest } from "@/lib/prompts/release-requests";
import { addVersionComment } from "@/lib/prompts/comments";
import { actOnRollout, startOrRequestRollout } from "@/lib/rollouts/engine";
import { rolloutActionSchema, startRolloutSchema } from "@/lib/rollouts/schemas";

// Every action: EDITOR+ (lib re-checks, e.g. ADMIN for a protected label), one lib call.

const ref = { promptId: z.string().min(1).max(100) };
const acknowledgedSchema = z.array(z.string().max(100)).max(10).optional();

/** What publishing the draft would do (bump, reasons, errors, warnings); `acknowledged` omitted = the draft's stored ones. Read-only. */
export const previewPublishAction = defineAction(
  { role: "EDITOR", input: z.strictObject({ ...ref, acknowledged: acknowledgedSchema }) },
  async (input, { actor }) => toPublishPreview(await previewPublish(actor, input.promptId, input.acknowledged)),
);

/** The publish dialog's eval panel: the draft's latest eval against the labels' versions, and what the release gate allows. Read-only. */
export const publishEvalStatusAction = defineAction({ role: "EDITOR", input: z.strictObject(ref) }, async (input, { actor }) =>
  getPublishEvalStatus(actor.projectId, input.promptId),
);

const publishSchema = z.strictObject({
  ...ref,
  changelog: z.string().max(5000),
  bump: z.enum(["major", "minor", "patch"]).optional(),
  version: z
    .string()
    .trim()
    .max(40)
    .optional()
    .transform((v) => (v ? v : undefined)),
  acknowledged: acknowledgedSchema,
  labels: z.array(z.string().max(40)).max(10).default([]),
});

/** Publishes the draft (changelog required), optionally moving labels; returns the new version. */
export const publishDraftAction = defineAction({ role: "EDITOR", input: publishSchema }, async (input, { actor }) => {
  const published = await publishDraft(actor, {
    promptId: input.promptId,
    changelog: input.changelog,
    bump: input.bump,
    version: input.version,
    acknowledgedVariableBreakpoints: input.acknowledged,
    labels: input.labels,
  });
  return { version: versionLabel(published) };
});

const moveSchema = z.strictObject({
  ...ref,
  label: z.string().trim().min(1, "Choose a label").max(40),
  versionId: z.string().min(1, "Choose a version").max(100),
  reason: z.string().trim().max(500).optional(),
  force: z.boolean().optional(),
});

/**
 * What moving a label to a version means for its callers: the variables contract difference and
 * the recent calls the target would refuse (the move and rollback dialogs show it). Read-only.
 */
export const previewLabelMoveAction = defineAction(
  { role: "EDITOR", input: z.strictObject({ ...ref, label: z.string().trim().min(1).max(40), versionId: z.string().min(1).max(100) }) },
  async (input, { actor }) => previewLabelMove(actor, input),
);

/**
 * Points a label at a published version (a release). Protected labels need ADMIN (enforced in lib);
 * a breaking contract change needs `force` (the dialog sends it once it has shown the change).
 */
export const moveLabelAction = defineAction({ role: "EDITOR", input: moveSchema }, async (input, { actor }) => {
  await moveLabel(actor, { promptId: input.promptId, label: input.label, versionId: input.versionId, reason: input.reason || undefined, force: input.force });
  return undefined;
});

/** Moves a label back to the version it pointed at before its last move (`force` as for a move). */
export const rollbackLabelAction = defineAction(
  { role: "EDITOR", input: z.strictObject({ ...ref, label: z.string().min(1).max(40), force: z.boolean().optional() }) },
  async (input, { actor }) => {
    await rollbackLabel(actor, { promptId: input.promptId, label: input.label, force: input.force });
    return undefined;
  },
);

/** Starts the draft from a version (replacing the current draft only when `replace`). */
export const startDraftAction = defineAction(
  { role: "EDITOR", input: z.strictObject({ ...ref, versionId: z.string().min(1).max(100), replace: z.boolean().default(false) }) },
  async (input, { actor }) => {
    await startDraftFrom(actor, { promptId: input.promptId, versionId: input.versionId, replace: input.replace });
    return undefined;
  },
);

/** Deletes the prompt's draft. */
export const discardDraftAction = defineAction({ role: "EDITOR", input: z.strictObject(ref) }, async (input, { actor }) => {
  await discardDraft(actor, input.promptId);
  return undefined;
});

/** Archives the prompt: hidden from the lists, read-only, its labels keep serving. */
export const archivePromptAction = defineAction({ role: "EDITOR", input: z.strictObject(ref) }, async (input, { actor }) => {
  await archivePrompt(actor, input.promptId);
  return undefined;
});

/** Restores an archived prompt. */
export const restorePromptAction = defineAction({ role: "EDITOR", input: z.strictObject(ref) }, async (input, { actor }) => {
  await restorePrompt(actor, input.promptId);
  return undefined;
});

/** Deletes the prompt for good (ADMIN): `confirmName` is the name as typed; refused while a label serves it. */
export const deletePromptAction = defineAction(
  { role: "ADMIN", input: z.strictObject({ ...ref, confirmName: z.string().max(200) }) },
  async (input, { actor }) => deletePrompt(actor, { promptId: input.promptId, confirmName: input.confirmName }),
);

/**
 * After a snippet is published: opens a draft for each prompt (or snippet) whose latest version
 * pins it at another version, re-pinned to `versionId`; returns what happened per dependent.
 */
export const openDependentDraftsAction = defineAction(
  { role: "EDITOR", input: z.strictObject({ snippetPromptId: z.string().min(1).max(100), versionId: z.string().min(1).max(100) }) },
  async (input, { actor }) => openDependentDrafts(actor, input),
);

/**
 * Requests a release of a label under a release rule (EDITOR+): the request gathers the evidence
 * and waits for an approver; returns its id (the dialog opens the request page).
 */
export const requestReleaseAction = defineAction(
  {
    role: "EDITOR",
    input: z.strictObject({
      ...ref,
      label: z.string().trim().min(1, "Choose a label").max(40),
      versionId: z.string().min(1, "Choose a version").max(100),
      reason: z.string().max(1000, "At most 1000 characters"),
      force: z.boolean().optional(),
    }),
  },
  async (input, { actor, project }) => {
    const request = await createReleaseRequest(actor, input);
    revalidatePath(`/p/${project.slug}`, "layout");
    return { id: request.id };
  },
);

/** Adds a comment to a version (EDITOR+); the text is 1 to 4000 characters. */
export const addVersionCommentAction = defineAction(
  { role: "EDITOR", input: z.strictObject({ ...ref, versionId: z.string().min(1).max(100), body: z.string().max(4000, "At most 4000 characters") }) },
  async (input, { actor }) => addVersionComment(actor, input),
);

// ---------------------------------------------------------------- canary rollouts (lib/rollouts)

/**
 * Starts a canary rollout of a published version on a label: steps, step minimums (time and/or
 * calls) and guardrails as `startRolloutSchema` (lib refuses viewers, a protected label without
 * ADMIN, the served version, a label with an active experiment or rollout). Returns its id; on a
 * label under a release rule nothing starts: a release request in rollout mode is opened (`requestId`).
 */
export const startRolloutAction = defineAction({ role: "EDITOR", input: startRolloutSchema }, async (input, { actor }) => {
  const result = await startOrRequestRollout(actor, input);
  return "requested" in result ? { id: null, requestId: result.requested.id } : { id: result.started.id, requestId: null };
});

/** Pause, resume or abort a rollout (EDITOR+). */
export const rolloutAction = defineAction(
  {
    role: "EDITOR",
    input: z.strictObject({ rolloutId: z.string().min(1).max(100), action: rolloutActionSchema, reason: z.string().trim().max(500).default("") }),
  },
  async (input, { actor }) => {
    await actOnRollout(actor, input.rolloutId, input.action, input.reason);
    return undefined;
  },
);
