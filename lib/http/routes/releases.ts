// Release request routes of the public API: list, read (with the evidence), approve, reject. A
// request is opened by PUT /api/v1/prompts/{name}/labels/{label} on a label under a release rule (202).
import { z } from "zod";
import { actorForKey } from "@/lib/api-keys/authenticate";
import { AppError } from "@/lib/errors";
import { getReleaseRequest, listReleaseRequests, rejectReleaseRequest, type ReleaseRequestView } from "@/lib/prompts/release-requests";
import { approveRelease } from "@/lib/rollouts/release";
import { getDb } from "@/lib/db/client";
import { json } from "../route";
import * as s from "../api-schemas";
import { route } from "./context";

const idParams = z.object({ id: z.string().min(1).max(100) });

/** A request as the API shows it (ids of the prompt and versions stay inside). */
export function toApiReleaseRequest(view: ReleaseRequestView): z.input<typeof s.releaseRequestResponseSchema> {
  return {
    id: view.id,
    prompt: view.prompt,
    label: view.label,
    version: view.version,
    fromVersion: view.fromVersion,
    reason: view.reason,
    force: view.force,
    mode: view.plan?.kind ?? "move",
    rollout: view.plan?.kind === "rollout" ? { steps: view.plan.steps, minStepSeconds: view.plan.minStepSeconds, minStepCalls: view.plan.minStepCalls } : null,
    experiment: view.plan?.kind === "promote" ? { id: view.plan.experimentId, name: view.plan.experiment, variant: view.plan.variant } : null,
    status: view.status,
    requestedBy: view.requestedBy,
    createdAt: view.createdAt,
    decidedBy: view.decidedBy,
    decidedAt: view.decidedAt,
    decisionComment: view.decisionComment,
    evidence: view.evidence as unknown as z.input<typeof s.releaseEvidenceSchema>,
  };
}

export const releaseRoutes = [
  // GET /api/v1/release-requests?status=open&prompt=<name> - the project's release requests, newest first
  route({
    method: "GET",
    path: "/api/v1/release-requests",
    operationId: "listReleaseRequests",
    summary: "The project's release requests, newest first (status and prompt filter; without evidence)",
    scope: "prompts:read",
    query: s.releaseRequestListQuerySchema,
    response: { status: 200, description: "Release requests", schema: s.releaseRequestListResponseSchema },
    async handler({ principal, query }) {
      let promptId: string | undefined;
      if (query.prompt !== undefined) {
        const prompt = await getDb().prompt.findUnique({
          where: { projectId_name: { projectId: principal.projectId, name: query.prompt } },
          select: { id: true },
        });
        if (!prompt) throw new AppError("not_found", `Prompt "${query.prompt}" does not exist`);
        promptId = prompt.id;
      }
      const rows = await listReleaseRequests(principal.projectId, { status: query.status, promptId });
      return json(200, {
        data: rows.map((r) => {
          const { evidence: _evidence, ...rest } = toApiReleaseRequest(r);
          return rest;
        }),
      });
    },
  }),

  // GET /api/v1/release-requests/{id} - one request with the evidence gathered for the reviewer
  route({
    method: "GET",
    path: "/api/v1/release-requests/{id}",
    operationId: "getReleaseRequest",
    summary: "One release request with its evidence (diff, semver reasons, contract changes, latest eval, cost per call before/after)",
    scope: "prompts:read",
    params: idParams,
    response: { status: 200, description: "The release request", schema: s.releaseRequestResponseSchema },
    errors: [404],
    async handler({ principal, params }) {
      const view = await getReleaseRequest(principal.projectId, params.id);
      if (!view) throw new AppError("not_found", "This release request does not exist in the project");
      return json(200, toApiReleaseRequest(view));
    },
  }),

  // POST /api/v1/release-requests/{id}/approve - approve (the label moves in the same transaction)
  route({
    method: "POST",
    path: "/api/v1/release-requests/{id}/approve",
    operationId: "approveReleaseRequest",
    summary:
      "Approve a release request: in the same transaction the label moves (mode move), the canary rollout starts (mode rollout; its last step moves the label under this approval) or the experiment ends with its variant promoted (mode promote). Admin key, or prompts:write where the label's rule lets editors approve; under four eyes not the requesting key. 409 when already decided, stale (the label moved meanwhile), the version is gone, or the rollout's start is refused (an active experiment or rollout on the label)",
    scope: "prompts:write",
    params: idParams,
    body: s.approveReleaseBodySchema,
    bodyOptional: true,
    response: { status: 200, description: "The approved request", schema: s.approveReleaseResponseSchema },
    errors: [404, 409, 422],
    async handler({ api, principal, params, body }) {
      const { request, rolloutId } = await approveRelease(actorForKey(principal), { requestId: params.id, comment: body.comment });
      api.invalidateServed(principal.projectId, request.prompt);
      api.experiments.invalidatePrompt(principal.projectId, request.prompt);
      return json(200, { ...toApiReleaseRequest(request), rolloutId });
    },
  }),

  // POST /api/v1/release-requests/{id}/reject - reject with a comment; nothing moves
  route({
    method: "POST",
    path: "/api/v1/release-requests/{id}/reject",
    operationId: "rejectReleaseRequest",
    summary: "Reject a release request with a comment (approvers, or the requesting key withdrawing it); nothing moves",
    scope: "prompts:write",
    params: idParams,
    body: s.rejectReleaseBodySchema,
    response: { status: 200, description: "The rejected request", schema: s.releaseRequestResponseSchema },
    errors: [404, 409],
    async handler({ principal, params, body }) {
      return json(200, toApiReleaseRequest(await rejectReleaseRequest(actorForKey(principal), { requestId: params.id, comment: body.comment })));
    },
  }),
];
