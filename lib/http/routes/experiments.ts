// Experiment routes of the public API (lib/experiments): create, read, weights, start/pause/resume/promote, results.
import { z } from "zod";
import { actorForKey, type ApiKeyPrincipal } from "@/lib/api-keys/authenticate";
import { createExperiment, promoteOrRequestRelease, setExperimentWeights, transitionExperiment } from "@/lib/experiments/mutations";
import { computeExperimentResults, getExperiment } from "@/lib/experiments/queries";
import { createExperimentSchema, promoteInputSchema, weightsInputSchema } from "@/lib/experiments/schemas";
import { json, type RouteResult } from "../route";
import { toApiReleaseRequest } from "./releases";
import * as s from "../api-schemas";
import { route } from "./context";

/**
 * experiments:write acts as an editor; with the admin scope as an admin, which a protected label
 * needs for start, resume, weights and promote (lib/experiments/mutations.ts checks).
 */
function experimentActor(principal: ApiKeyPrincipal): ReturnType<typeof actorForKey> {
  const actor = actorForKey(principal);
  return actor.role === "VIEWER" ? { ...actor, role: "EDITOR" as const } : actor;
}

const idParams = z.object({ id: z.string() });
const promotedResponseSchema = s.experimentResponseSchema.extend({ promoted: z.object({ key: z.string(), version: z.string() }) });

const transition = (action: "start" | "pause" | "resume") =>
  // POST /api/v1/experiments/{id}/start|pause|resume - the status machine (lib/experiments/state.ts)
  route({
    method: "POST",
    path: `/api/v1/experiments/{id}/${action}`,
    operationId: `${action}Experiment`,
    summary: `${action[0]!.toUpperCase()}${action.slice(1)} the experiment (scope experiments:write${
      action === "pause" ? "" : "; on a protected label also admin, as moving the label would need"
    })`,
    scope: "experiments:write",
    params: idParams,
    response: { status: 200, description: "The experiment", schema: s.experimentResponseSchema },
    errors: [404, 409, 422],
    async handler({ api, principal, params }) {
      const updated = await transitionExperiment(experimentActor(principal), params.id, action);
      api.experiments.invalidatePrompt(principal.projectId, updated.prompt.name);
      return json(200, updated);
    },
  });

export const experimentRoutes = [
  // POST /api/v1/experiments - create a draft
  route({
    method: "POST",
    path: "/api/v1/experiments",
    operationId: "createExperiment",
    summary: "Create a draft A/B experiment on a prompt's label (variants: published versions with integer weights summing to 100)",
    scope: "experiments:write",
    body: createExperimentSchema,
    bodyMessage: "Invalid experiment",
    response: { status: 201, description: "The draft experiment", schema: s.experimentResponseSchema },
    errors: [409],
    async handler({ principal, body }) {
      return json(201, await createExperiment(experimentActor(principal), body));
    },
  }),

  // GET /api/v1/experiments/{id} - an experiment with its variants and weights
  route({
    method: "GET",
    path: "/api/v1/experiments/{id}",
    operationId: "getExperiment",
    summary: "An experiment with its variants and weights (scope prompts:read)",
    scope: "prompts:read",
    params: idParams,
    response: { status: 200, description: "The experiment", schema: s.experimentResponseSchema },
    errors: [404],
    async handler({ principal, params }) {
      return json(200, await getExperiment(principal.projectId, params.id));
    },
  }),

  // PATCH /api/v1/experiments/{id} - new weights ({"weights":{"A":70,"B":30}})
  route({
    method: "PATCH",
    path: "/api/v1/experiments/{id}",
    operationId: "setExperimentWeights",
    summary:
      'Change the traffic split ({"weights":{"A":70,"B":30}}, the control A at least 1); moves the fewest subjects and records the change. A running or paused experiment on a protected label needs the admin scope',
    scope: "experiments:write",
    params: idParams,
    body: weightsInputSchema,
    bodyMessage: (issues) => issues[0]?.message ?? "Invalid weights",
    response: { status: 200, description: "The experiment", schema: s.experimentResponseSchema },
    errors: [404, 409],
    async handler({ api, principal, params, body }) {
      const updated = await setExperimentWeights(experimentActor(principal), params.id, body);
      api.experiments.invalidatePrompt(principal.projectId, updated.prompt.name);
      return json(200, updated);
    },
  }),

  transition("start"),
  transition("pause"),
  transition("resume"),

  // POST /api/v1/experiments/{id}/promote - end it and move its label to the winner (or {"variant":"B"})
  route({
    method: "POST",
    path: "/api/v1/experiments/{id}/promote",
    operationId: "promoteExperiment",
    summary:
      'End the experiment and move its label to the winner (or {"variant":"B"}), recorded as a release; protected labels need an admin key. On a label under a release rule it answers 202 with a release request instead (approving it promotes)',
    scope: "experiments:write",
    params: idParams,
    body: promoteInputSchema,
    bodyOptional: true,
    bodyMessage: "Invalid promote request",
    response: {
      status: 200,
      description: "The experiment",
      schema: promotedResponseSchema,
    },
    responses: {
      "202": {
        description:
          "The label is under a release rule: nothing ended or moved, a release request for the variant's version waits for approval; approving it ends the experiment and moves the label",
        schema: s.releaseRequestResponseSchema,
      },
    },
    errors: [404, 409],
    async handler({ api, principal, params, body }) {
      const result = await promoteOrRequestRelease(experimentActor(principal), params.id, body);
      if ("requested" in result) {
        // The 202 body is the release request (documented in `responses`), not the 200 schema.
        return json(202, toApiReleaseRequest(result.requested)) as unknown as RouteResult<z.input<typeof promotedResponseSchema>>;
      }
      const updated = result.promoted;
      api.invalidateServed(principal.projectId, updated.prompt.name);
      api.experiments.invalidatePrompt(principal.projectId, updated.prompt.name);
      return json(200, updated);
    },
  }),

  // GET /api/v1/experiments/{id}/results - the results page's numbers
  route({
    method: "GET",
    path: "/api/v1/experiments/{id}/results",
    operationId: "getExperimentResults",
    summary: "Exactly the numbers the results page shows: per variant n, means, 95% intervals, p-values, lift, planned sample, verdict",
    scope: "prompts:read",
    params: idParams,
    response: { status: 200, description: "Results", schema: s.experimentResultsResponseSchema },
    errors: [404],
    async handler({ principal, params }) {
      const experiment = await getExperiment(principal.projectId, params.id);
      return json(200, { experiment, results: await computeExperimentResults(experiment) }, { "Cache-Control": "private, no-cache" });
    },
  }),
];
