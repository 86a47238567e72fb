// Canary rollout routes of the public API (lib/rollouts): start, read, pause/resume/abort.
import { z } from "zod";
import { actorForKey, type ApiKeyPrincipal } from "@/lib/api-keys/authenticate";
import { actOnRollout, startOrRequestRollout } from "@/lib/rollouts/engine";
import { getRollout } from "@/lib/rollouts/queries";
import { startRolloutSchema } from "@/lib/rollouts/schemas";
import { json, type RouteResult } from "../route";
import { toApiReleaseRequest } from "./releases";
import * as s from "../api-schemas";
import { route } from "./context";

/** experiments:write acts as an editor; with the admin scope as an admin, which a protected label needs to start one. */
function rolloutActor(principal: ApiKeyPrincipal): ReturnType<typeof actorForKey> {
  const actor = actorForKey(principal);
  return actor.role === "VIEWER" ? { ...actor, role: "EDITOR" as const } : actor;
}

const idParams = z.object({ id: z.string() });
const actionBodySchema = z.strictObject({ reason: z.string().trim().max(500).default("") });

const action = (name: "pause" | "resume" | "abort", summary: string) =>
  // POST /api/v1/rollouts/{id}/pause|resume|abort - editors+ (scope experiments:write)
  route({
    method: "POST",
    path: `/api/v1/rollouts/{id}/${name}`,
    operationId: `${name}Rollout`,
    summary,
    scope: "experiments:write",
    params: idParams,
    body: actionBodySchema,
    bodyOptional: true,
    bodyMessage: "Invalid request",
    response: { status: 200, description: "The rollout", schema: s.rolloutResponseSchema },
    errors: [404, 409],
    async handler({ api, principal, params, body }) {
      const updated = await actOnRollout(rolloutActor(principal), params.id, name, body?.reason ?? "");
      api.experiments.invalidatePrompt(principal.projectId, updated.prompt.name);
      return json(200, updated);
    },
  });

export const rolloutRoutes = [
  // POST /api/v1/rollouts - start a canary rollout of a version on a label
  route({
    method: "POST",
    path: "/api/v1/rollouts",
    operationId: "startRollout",
    summary:
      "Roll a published version out to a label gradually (steps such as 5, 25, 50, 100 %, each after a minimum time and/or calls of the new version); guardrails against the current version roll it back on a breach, and the label moves when the last step has passed. Scope experiments:write; a protected label needs the admin scope. On a label under a release rule it answers 202 with a release request in rollout mode (reason required): approving it starts the rollout. Refused (409) on a label with an active experiment or rollout, or for the version the label already serves",
    scope: "experiments:write",
    body: startRolloutSchema,
    bodyMessage: (issues) => issues[0]?.message ?? "Invalid rollout",
    response: { status: 201, description: "The rollout, at its first step", schema: s.rolloutResponseSchema },
    responses: {
      "202": {
        description:
          "The label is under a release rule: nothing started, a release request in rollout mode waits for approval (reason required); approving it starts the rollout",
        schema: s.releaseRequestResponseSchema,
      },
    },
    errors: [403, 409],
    async handler({ api, principal, body }) {
      const result = await startOrRequestRollout(rolloutActor(principal), body);
      if ("requested" in result) {
        // The 202 body is the release request (documented in `responses`), not the 201 schema.
        return json(202, toApiReleaseRequest(result.requested)) as unknown as RouteResult<z.input<typeof s.rolloutResponseSchema>>;
      }
      api.experiments.invalidatePrompt(principal.projectId, result.started.prompt.name);
      return json(201, result.started);
    },
  }),

  // GET /api/v1/rollouts/{id} - a rollout: step, share, guardrails, history
  route({
    method: "GET",
    path: "/api/v1/rollouts/{id}",
    operationId: "getRollout",
    summary: "A rollout: its current step and share, the guardrails as they stand, why it ended, its history (scope prompts:read)",
    scope: "prompts:read",
    params: idParams,
    response: { status: 200, description: "The rollout", schema: s.rolloutResponseSchema },
    errors: [404],
    async handler({ principal, params }) {
      return json(200, await getRollout(principal.projectId, params.id), { "Cache-Control": "private, no-cache" });
    },
  }),

  action("pause", "Hold the rollout at its current share (guardrails still watched)"),
  action("resume", "Let a paused or held rollout advance again"),
  action("abort", "End the rollout: all traffic back to the version the label serves, the label unmoved"),
];
