"use server";

import { z } from "zod";
import { requireActor } from "@/lib/auth/session";
import { parseOrThrow } from "@/lib/errors";
import { runAction, type ActionResult } from "@/lib/http/action-result";
import { createExperiment, promoteExperiment, resumeVariant, setExperimentWeights, transitionExperiment } from "@/lib/experiments/mutations";
import { createExperimentSchema, promoteInputSchema, weightsInputSchema } from "@/lib/experiments/schemas";
import { startTraffic, type TrafficProgress } from "@/lib/experiments/traffic";

const idSchema = z.object({ project: z.string().min(1), id: z.string().min(1) });

// Every action: session + role (EDITOR+; lib re-checks, e.g. ADMIN for a protected label on promote), one lib call.

/** Creates a draft experiment from the new-experiment form's JSON. */
export async function createExperimentAction(project: string, body: unknown): Promise<ActionResult<{ id: string }>> {
  return runAction(async () => {
    const { actor } = await requireActor(project, "EDITOR");
    const created = await createExperiment(actor, parseOrThrow(createExperimentSchema, body, "unprocessable", "Invalid experiment"));
    return { id: created.id };
  });
}

/** start | pause | resume | complete. */
export async function transitionExperimentAction(input: { project: string; id: string; action: "start" | "pause" | "resume" | "complete" }): Promise<ActionResult<{ status: string }>> {
  return runAction(async () => {
    const { project, id } = idSchema.parse(input);
    const action = z.enum(["start", "pause", "resume", "complete"]).parse(input.action);
    const { actor } = await requireActor(project, "EDITOR");
    const updated = await transitionExperiment(actor, id, action);
    return { status: updated.status };
  });
}

export async function setWeightsAction(input: { project: string; id: string; weights: Record<string, number> }): Promise<ActionResult<{ ok: true }>> {
  return runAction(async () => {
    const { project, id } = idSchema.parse(input);
    const { actor } = await requireActor(project, "EDITOR");
    const weights = parseOrThrow(weightsInputSchema, { weights: input.weights }, "unprocessable", (issues) => issues[0]?.message ?? "Invalid weights");
    await setExperimentWeights(actor, id, weights);
    return { ok: true as const };
  });
}

export async function promoteAction(input: { project: string; id: string; variant: string }): Promise<ActionResult<{ key: string; version: string }>> {
  return runAction(async () => {
    const { project, id } = idSchema.parse(input);
    const { actor } = await requireActor(project, "EDITOR");
    const result = await promoteExperiment(actor, id, parseOrThrow(promoteInputSchema, { variant: input.variant }, "unprocessable", "Invalid promote request"));
    return result.promoted;
  });
}

export async function resumeVariantAction(input: { project: string; id: string; key: string }): Promise<ActionResult<{ ok: true }>> {
  return runAction(async () => {
    const { project, id } = idSchema.parse(input);
    const { actor } = await requireActor(project, "EDITOR");
    await resumeVariant(actor, id, input.key);
    return { ok: true as const };
  });
}

/** Starts a traffic run in the background; the page polls its progress. */
export async function sendTrafficAction(input: { project: string; id: string; mode: "generate" | "paste"; count: number; inputs: string }): Promise<ActionResult<TrafficProgress>> {
  return runAction(async () => {
    const { project, id } = idSchema.parse(input);
    const { actor } = await requireActor(project, "EDITOR");
    const { progress, done } = await startTraffic(actor, id, { mode: input.mode, count: input.count, inputs: input.inputs, concurrency: 4 });
    done.catch((error: unknown) => console.error("[experiments] traffic run failed", error));
    return progress;
  });
}
