"use server";

import { revalidatePath } from "next/cache";
import { childLogger } from "@/lib/logger";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { defineAction } from "@/lib/http/server-action";
import { createExperiment, promoteOrRequestRelease, resumeVariant, setExperimentWeights, transitionExperiment } from "@/lib/experiments/mutations";
import { createExperimentSchema, promoteInputSchema, sendTrafficSchema, weightsInputSchema } from "@/lib/experiments/schemas";
import { startTraffic, type TrafficProgress } from "@/lib/experiments/traffic";
import { getExperiment } from "@/lib/experiments/queries";
import { previewLabelMove } from "@/lib/prompts/label-move-check";

const log = childLogger({ component: "experiments" });

// Every action: EDITOR+ (lib re-checks, e.g. ADMIN for a protected label on promote), one lib call.

const experimentId = z.string().min(1).max(100);
const variantKey = z.string().regex(/^[A-Z]$/, "variant keys are A, B, C...");

/** Creates a draft experiment from the new-experiment form. */
export const createExperimentAction = defineAction(
  { role: "EDITOR", input: createExperimentSchema, invalidMessage: "Invalid experiment" },
  async (input, { actor }) => ({ id: (await createExperiment(actor, input)).id }),
);

/** start | pause | resume | complete. */
export const transitionExperimentAction = defineAction(
  { role: "EDITOR", input: z.strictObject({ id: experimentId, action: z.enum(["start", "pause", "resume", "complete"]) }) },
  async (input, { actor }) => ({ status: (await transitionExperiment(actor, input.id, input.action)).status }),
);

export const setWeightsAction = defineAction({ role: "EDITOR", input: weightsInputSchema.safeExtend({ id: experimentId }) }, async (input, { actor }) => {
  await setExperimentWeights(actor, input.id, { weights: input.weights });
  return { ok: true as const };
});

/** What promoting a variant does to the label's callers (variables contract difference, recent calls it would refuse). Read-only. */
export const previewPromoteAction = defineAction(
  { role: "EDITOR", input: z.strictObject({ id: experimentId, variant: variantKey }) },
  async (input, { actor }) => {
    const experiment = await getExperiment(actor.projectId, input.id);
    const variant = experiment.variants.find((v) => v.key === input.variant);
    if (!variant) throw new AppError("not_found", `There is no variant ${input.variant}`);
    return previewLabelMove(actor, { promptId: experiment.prompt.id, label: experiment.label, versionId: variant.versionId });
  },
);

/** Promotes (or, on a label under a release rule, requests the release: `requestId` set, nothing moved yet). */
export const promoteAction = defineAction({ role: "EDITOR", input: promoteInputSchema.safeExtend({ id: experimentId }) }, async (input, { actor, project }) => {
  const result = await promoteOrRequestRelease(actor, input.id, {
    ...(input.variant === undefined ? {} : { variant: input.variant }),
    ...(input.force ? { force: true } : {}),
    ...(input.reason ? { reason: input.reason } : {}),
  });
  if ("requested" in result) {
    revalidatePath(`/p/${project.slug}`, "layout");
    return {
      key: result.requested.plan?.kind === "promote" ? result.requested.plan.variant : "",
      version: result.requested.version,
      requestId: result.requested.id,
    };
  }
  return { ...result.promoted.promoted, requestId: null };
});

export const resumeVariantAction = defineAction({ role: "EDITOR", input: z.strictObject({ id: experimentId, key: variantKey }) }, async (input, { actor }) => {
  await resumeVariant(actor, input.id, input.key);
  return { ok: true as const };
});

/** Starts a traffic run in the background (at the default concurrency); the page polls its progress. */
export const sendTrafficAction = defineAction(
  { role: "EDITOR", input: sendTrafficSchema.omit({ concurrency: true }).safeExtend({ id: experimentId }) },
  async ({ id, ...body }, { actor }): Promise<TrafficProgress> => {
    const { progress, done } = await startTraffic(actor, id, body);
    done.catch((error: unknown) => log.error({ err: error }, "traffic run failed"));
    return progress;
  },
);
