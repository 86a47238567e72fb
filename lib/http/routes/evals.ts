// Eval run routes of the public API (lib/evals): start a run, read it, page its results, cancel it.
import { z } from "zod";
import { queryIntSchema } from "@/lib/errors/query-int";
import { actorForKey, requireScope, type ApiKeyPrincipal } from "@/lib/api-keys/authenticate";
import { compareToBaseline, getRunResults, resultsFilterSchema, MAX_RESULTS_PAGE } from "@/lib/evals/results";
import { cancelEvalRun, createEvalRun, evalRunInputSchema, getEvalRun } from "@/lib/evals/runs";
import { AppError } from "@/lib/errors";
import { json } from "../route";
import * as s from "../api-schemas";
import { route } from "./context";

/** evals:run starts and cancels runs as an editor would (the key's own role otherwise). */
function evalActor(principal: ApiKeyPrincipal): ReturnType<typeof actorForKey> {
  const actor = actorForKey(principal);
  return actor.role === "VIEWER" ? { ...actor, role: "EDITOR" as const } : actor;
}

const runIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_-]+$/, "not an eval run id"),
});
const notFound = { code: "not_found" as const, message: (_issues: unknown, raw: Record<string, string>) => `Eval run ${raw.id ?? ""} does not exist` };

const resultsQuerySchema = z.strictObject({
  after: z.string().min(1).max(500).optional(),
  limit: queryIntSchema(z.number().int().min(1).max(MAX_RESULTS_PAGE).optional()),
  filter: resultsFilterSchema.optional(),
});

export const evalRoutes = [
  // POST /api/v1/eval-runs - start an eval run (202: queued; poll GET /api/v1/eval-runs/{id})
  route({
    method: "POST",
    path: "/api/v1/eval-runs",
    operationId: "createEvalRun",
    summary:
      'Start an eval run: a dataset version x prompt versions ("1.2.0", "draft" or a label) x evaluators, in batch (Message Batches, 50% off) or realtime mode (scopes evals:run and prompts:read)',
    scope: "evals:run",
    body: evalRunInputSchema,
    bodyMessage: (issues) => `Invalid eval run: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ")}`,
    response: { status: 202, description: "The queued run, with its cost estimate in both modes", schema: s.evalRunResponseSchema },
    errors: [422],
    async handler({ principal, body }) {
      requireScope(principal, "prompts:read");
      return json(202, await createEvalRun(body, { projectId: principal.projectId, actor: evalActor(principal) }));
    },
  }),

  // GET /api/v1/eval-runs/{id} - status, phase, progress, per-version counts and summary
  route({
    method: "GET",
    path: "/api/v1/eval-runs/{id}",
    operationId: "getEvalRun",
    summary: "An eval run: status, phase, progress, per-version counts and summary (scope prompts:read)",
    scope: "prompts:read",
    params: runIdParams,
    paramsError: notFound,
    response: { status: 200, description: "The run", schema: s.evalRunResponseSchema },
    errors: [404],
    async handler({ principal, params }) {
      const run = await getEvalRun(params.id, principal.projectId);
      if (!run) throw new AppError("not_found", `Eval run ${params.id} does not exist`);
      return json(200, run);
    },
  }),

  // GET /api/v1/eval-runs/{id}/results - per item, each version's output and scores (keyset pages)
  route({
    method: "GET",
    path: "/api/v1/eval-runs/{id}/results",
    operationId: "getEvalRunResults",
    summary:
      "Per-item results of an eval run, each version side by side, paged (after=nextCursor; filter all|regressions|failed|unreviewed) (scope prompts:read)",
    scope: "prompts:read",
    params: runIdParams,
    paramsError: notFound,
    query: resultsQuerySchema,
    response: { status: 200, description: "One page of items", schema: s.evalResultsResponseSchema },
    errors: [404],
    async handler({ principal, params, query }) {
      return json(200, await getRunResults(params.id, principal.projectId, query));
    },
  }),

  // POST /api/v1/eval-runs/{id}/cancel - stop a run (its Message Batches are canceled; finished results are kept)
  route({
    method: "POST",
    path: "/api/v1/eval-runs/{id}/cancel",
    operationId: "cancelEvalRun",
    summary: "Cancel an eval run: queued ends at once; running stops at its next step, cancelling its Message Batches (scope evals:run)",
    scope: "evals:run",
    params: runIdParams,
    paramsError: notFound,
    bodyOptional: true,
    body: z.strictObject({}),
    response: { status: 200, description: "The run", schema: s.evalRunResponseSchema },
    errors: [404, 409],
    async handler({ principal, params }) {
      return json(200, await cancelEvalRun(params.id, { projectId: principal.projectId, actor: evalActor(principal) }));
    },
  }),

  // GET /api/v1/eval-runs/{id}/comparison - each version against the baseline on the same items
  route({
    method: "GET",
    path: "/api/v1/eval-runs/{id}/comparison",
    operationId: "compareEvalRun",
    summary:
      "Paired comparison of each version with the run's baseline on the same items (McNemar's exact test for pass/fail, paired t and Wilcoxon for scores), the verdict in words and the regressions (scope prompts:read)",
    scope: "prompts:read",
    params: runIdParams,
    paramsError: notFound,
    response: { status: 200, description: "One comparison per non-baseline version (empty without a baseline)", schema: s.evalComparisonResponseSchema },
    errors: [404],
    async handler({ principal, params }) {
      return json(200, { comparisons: await compareToBaseline(params.id, principal.projectId) });
    },
  }),
];
