"use server";

import { z } from "zod";
import { requireActor } from "@/lib/auth/session";
import type { Actor } from "@/lib/audit/actor";
import { AppError } from "@/lib/errors";
import { analyzeCache } from "@/lib/prompts/cache";
import { discardDraft, moveLabel, previewPublish, publishDraft, rollbackLabel, startDraftFrom } from "@/lib/prompts/mutations";
import { versionLabel } from "@/lib/prompts/queries";
import { runAction, type ActionResult } from "@/lib/http/action-result";

const ref = { project: z.string().min(1).max(100), promptId: z.string().min(1).max(100) };

function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new AppError("bad_request", parsed.error.issues[0]?.message ?? "Invalid input", {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  return parsed.data;
}

async function actorFor(project: string): Promise<Actor> {
  return (await requireActor(project, "EDITOR")).actor;
}

export interface PublishPreview {
  latest: string | null;
  bump: "major" | "minor" | "patch";
  reasons: string[];
  proposedVersion: string;
  identical: boolean;
  errors: { path: string; message: string }[];
  warnings: { path: string; message: string }[];
  /** Breakpoint locations with {{variables}} in their cached prefix: the author may acknowledge them. */
  variableBreakpoints: { location: string; variables: string[] }[];
  /** The acknowledgements this preview applied (the draft's stored ones unless others were sent). */
  acknowledged: string[];
}

const acknowledgedSchema = z.array(z.string().max(100)).max(10).optional();
const previewSchema = z.object({ ...ref, acknowledged: acknowledgedSchema });

/** What publishing the draft would do (bump, reasons, errors, warnings); `acknowledged` omitted = the draft's stored ones. Read-only; EDITOR+. */
export async function previewPublishAction(input: z.input<typeof previewSchema>): Promise<ActionResult<PublishPreview>> {
  return runAction(async () => {
    const data = parse(previewSchema, input);
    const actor = await actorFor(data.project);
    const plan = await previewPublish(actor, data.promptId, data.acknowledged);
    const variableBreakpoints = plan.content
      ? analyzeCache(plan.content)
          .breakpoints.filter((b) => b.variablesInPrefix.length > 0)
          .map((b) => ({ location: b.location, variables: b.variablesInPrefix }))
      : [];
    return {
      latest: plan.latest,
      bump: plan.bump,
      reasons: plan.reasons,
      proposedVersion: plan.proposedVersion,
      identical: plan.identical,
      errors: plan.errors,
      warnings: plan.warnings,
      variableBreakpoints,
      acknowledged: plan.acknowledged,
    };
  });
}

const publishSchema = z.object({
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
export async function publishDraftAction(input: z.input<typeof publishSchema>): Promise<ActionResult<{ version: string }>> {
  return runAction(async () => {
    const data = parse(publishSchema, input);
    const actor = await actorFor(data.project);
    const published = await publishDraft(actor, {
      promptId: data.promptId,
      changelog: data.changelog,
      bump: data.bump,
      version: data.version,
      acknowledgedVariableBreakpoints: data.acknowledged,
      labels: data.labels,
    });
    return { version: versionLabel(published) };
  });
}

const moveSchema = z.object({
  ...ref,
  label: z.string().trim().min(1, "Choose a label").max(40),
  versionId: z.string().min(1, "Choose a version").max(100),
  reason: z.string().trim().max(500).optional(),
});

/** Points a label at a published version (a release). Protected labels need ADMIN (enforced in lib). */
export async function moveLabelAction(input: z.input<typeof moveSchema>): Promise<ActionResult> {
  return runAction(async () => {
    const data = parse(moveSchema, input);
    const actor = await actorFor(data.project);
    await moveLabel(actor, { promptId: data.promptId, label: data.label, versionId: data.versionId, reason: data.reason || undefined });
    return undefined;
  });
}

const rollbackSchema = z.object({ ...ref, label: z.string().min(1).max(40) });

/** Moves a label back to the version it pointed at before its last move. */
export async function rollbackLabelAction(input: z.input<typeof rollbackSchema>): Promise<ActionResult> {
  return runAction(async () => {
    const data = parse(rollbackSchema, input);
    const actor = await actorFor(data.project);
    await rollbackLabel(actor, { promptId: data.promptId, label: data.label });
    return undefined;
  });
}

const startSchema = z.object({ ...ref, versionId: z.string().min(1).max(100), replace: z.boolean().default(false) });

/** Starts the draft from a version (replacing the current draft only when `replace`). */
export async function startDraftAction(input: z.input<typeof startSchema>): Promise<ActionResult> {
  return runAction(async () => {
    const data = parse(startSchema, input);
    const actor = await actorFor(data.project);
    await startDraftFrom(actor, { promptId: data.promptId, versionId: data.versionId, replace: data.replace });
    return undefined;
  });
}

const discardSchema = z.object(ref);

/** Deletes the prompt's draft. */
export async function discardDraftAction(input: z.input<typeof discardSchema>): Promise<ActionResult> {
  return runAction(async () => {
    const data = parse(discardSchema, input);
    const actor = await actorFor(data.project);
    await discardDraft(actor, data.promptId);
    return undefined;
  });
}
