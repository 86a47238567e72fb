// Batch job routes of the public API (lib/batch-jobs): submit many variable sets of a prompt to the
// Message Batches API at half price, follow the job, stream its results as JSON lines, cancel it.
import { z } from "zod";
import { createBatchJob, cancelBatchJob, getBatchJob, listBatchJobs, openBatchResults } from "@/lib/batch-jobs/jobs";
import { batchJobIdSchema, batchJobInputSchema, resultsQuerySchema } from "@/lib/batch-jobs/schemas";
import { AppError } from "@/lib/errors";
import { queryIntSchema } from "@/lib/errors/query-int";
import { json, streamed } from "../route";
import * as s from "../api-schemas";
import { route, servedNameParamsSchema, unknownPromptError } from "./context";
import { selectorOf } from "./prompts";

const notFound = { code: "not_found" as const, message: (_issues: unknown, raw: Record<string, string>) => `Batch job ${raw.id ?? ""} does not exist` };

/** Items of a job fit in a body this many times the API's usual limit (1 MiB by default): 250,000 small items. */
const BODY_SIZE_FACTOR = 64;

export const batchRoutes = [
  // POST /api/v1/prompts/{name}/batches - render many variable sets, run them through Message Batches (202: queued)
  route({
    method: "POST",
    path: "/api/v1/prompts/{name+}/batches",
    operationId: "createBatchJob",
    summary:
      "Start a batch job: many variable sets rendered with the label's (or version's) prompt, sent through the Message Batches API at half price; results matched to your ids (scope prompts:run)",
    scope: "prompts:run",
    params: servedNameParamsSchema,
    paramsError: unknownPromptError,
    body: batchJobInputSchema,
    bodySizeFactor: BODY_SIZE_FACTOR,
    bodyMessage: (issues) =>
      `Invalid batch job: ${issues
        .slice(0, 5)
        .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
        .join("; ")}${issues.length > 5 ? ` (and ${issues.length - 5} more)` : ""}`,
    response: {
      status: 202,
      description: "The queued job (poll GET /api/v1/batches/{id}); invalidItems lists refused items with skipInvalid",
      schema: s.batchJobResponseSchema,
    },
    errors: [404, 413, 422],
    async handler({ api, principal, params, body }) {
      const { value } = await api.cache.get(principal.projectId, params.name, selectorOf(body));
      const job = await createBatchJob(body, {
        projectId: principal.projectId,
        apiKeyId: principal.apiKeyId,
        version: {
          promptId: value.promptId,
          versionId: value.versionId,
          name: value.name,
          version: value.version,
          label: body.version === undefined ? (body.label ?? "production") : null,
          content: value.content,
        },
      });
      return json(202, job, { Location: `/api/v1/batches/${job.id}` });
    },
  }),

  // GET /api/v1/batches - the project's recent batch jobs
  route({
    method: "GET",
    path: "/api/v1/batches",
    operationId: "listBatchJobs",
    summary: "The project's recent batch jobs, newest first (scope prompts:run)",
    scope: "prompts:run",
    query: z.strictObject({ limit: queryIntSchema(z.number().int().min(1).max(200).optional()) }),
    response: { status: 200, description: "Jobs", schema: s.batchJobListResponseSchema },
    async handler({ principal, query }) {
      return json(200, { data: await listBatchJobs(principal.projectId, { limit: query.limit }) });
    },
  }),

  // GET /api/v1/batches/{id} - status and counts
  route({
    method: "GET",
    path: "/api/v1/batches/{id}",
    operationId: "getBatchJob",
    summary: "A batch job: status, items per outcome, cost at the batch price and what it saved (scope prompts:run)",
    scope: "prompts:run",
    params: batchJobIdSchema,
    paramsError: notFound,
    response: { status: 200, description: "The job", schema: s.batchJobResponseSchema },
    errors: [404],
    async handler({ principal, params }) {
      const job = await getBatchJob(params.id, principal.projectId);
      if (!job) throw new AppError("not_found", `Batch job ${params.id} does not exist`);
      return json(200, job);
    },
  }),

  // GET /api/v1/batches/{id}/results - JSON lines, one per item in your order
  route({
    method: "GET",
    path: "/api/v1/batches/{id}/results",
    operationId: "getBatchJobResults",
    summary:
      "The job's results as JSON lines (application/x-ndjson), one per item in the order given, matched by your id; pending items included until the job ends (status= filters) (scope prompts:run)",
    scope: "prompts:run",
    params: batchJobIdSchema,
    paramsError: notFound,
    query: resultsQuerySchema,
    response: { status: 200, description: "One BatchResultLine per line", schema: s.batchResultLineSchema, contentType: "application/x-ndjson" },
    errors: [404],
    async handler({ principal, params, query }) {
      const { job, lines } = await openBatchResults(params.id, principal.projectId, { status: query.status });
      return streamed(200, "application/x-ndjson; charset=utf-8", lines, { "X-Promptdeck-Batch-Status": job.status });
    },
  }),

  // POST /api/v1/batches/{id}/cancel - cancel (finished items are kept)
  route({
    method: "POST",
    path: "/api/v1/batches/{id}/cancel",
    operationId: "cancelBatchJob",
    summary: "Cancel a batch job: submitted batches are canceled; finished items are kept (scope prompts:run)",
    scope: "prompts:run",
    params: batchJobIdSchema,
    paramsError: notFound,
    response: { status: 202, description: "The job, cancel requested", schema: s.batchJobResponseSchema },
    errors: [404, 409],
    async handler({ principal, params }) {
      return json(202, await cancelBatchJob(params.id, principal.projectId));
    },
  }),
];
