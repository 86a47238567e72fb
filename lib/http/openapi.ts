import { z } from "zod";
import { scoreInputSchema } from "@/lib/metrics/scores";
import { metricsApiQuerySchema, metricsApiResponseSchema } from "@/lib/metrics/api-schema";
import { ingestBodySchema, ingestCallSchema } from "@/lib/serving/call-ingest";
import * as s from "./api-schemas";

type Json = Record<string, unknown>;

function schema(zodSchema: z.ZodType, io: "input" | "output" = "output"): Json {
  const json = z.toJSONSchema(zodSchema, { io, unrepresentable: "any", target: "draft-2020-12" }) as Json;
  delete json.$schema;
  return json;
}

/** Query parameters from a zod object schema (one OpenAPI parameter per key). */
function queryParameters(zodSchema: z.ZodObject): Json[] {
  const json = schema(zodSchema, "input") as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, prop]) => ({
    name,
    in: "query",
    required: json.required?.includes(name) ?? false,
    ...(typeof prop.description === "string" ? { description: prop.description } : {}),
    schema: prop,
  }));
}

const jsonContent = (body: Json) => ({ "application/json": { schema: body } });
const errorRef = { $ref: "#/components/schemas/Error" };
const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      String(status),
      { description: errorDescriptions[status] ?? "Error", content: jsonContent(errorRef) },
    ]),
  );
const errorDescriptions: Record<number, string> = {
  400: "Bad request (e.g. both label and version)",
  401: "Missing, malformed, unknown, revoked or expired API key",
  403: "The key lacks the scope (or role) this needs",
  404: "Unknown prompt, label or version (the message names what was asked)",
  409: "Conflict (e.g. identical to the latest version)",
  422: "Invalid body or variables (one issue per problem)",
  429: "Rate limited; see Retry-After",
  503: "Database unreachable and nothing cached",
};
const experimentIdParam = { name: "id", in: "path", required: true, schema: { type: "string" } };
const nameParam = { name: "name", in: "path", required: true, description: "Prompt name (URL-encode '/' as %2F)", schema: { type: "string" } };

/**
 * The OpenAPI 3.1 document of the public API, generated from the zod schemas the handlers use
 * (lib/http/api-schemas.ts). Built once per process.
 */
export function buildOpenApiDocument(): Json {
  const read = [{ bearer: [] }];
  return {
    openapi: "3.1.0",
    info: {
      title: "Promptdeck API",
      version: "1.0.0",
      description:
        "Serve, render and manage Claude prompts. Authenticate with `Authorization: Bearer pd_...` (scopes: prompts:read, prompts:write, prompts:run, calls:write, admin). Responses carry `X-Promptdeck-Cache: hit|miss|stale`.",
    },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "A Promptdeck API key (pd_...)" },
        basic: { type: "http", scheme: "basic", description: "Langfuse-style: public key (free text) : secret key (a Promptdeck API key)" },
      },
      schemas: {
        Error: schema(s.errorResponseSchema),
        VersionDocument: schema(s.versionDocumentSchema),
        VersionDocumentInput: schema(s.versionDocumentInputSchema, "input"),
        Experiment: schema(s.experimentResponseSchema),
      },
    },
    paths: {
      "/api/v1/prompts": {
        get: {
          operationId: "listPrompts",
          summary: "List prompts with their labels and latest versions",
          security: read,
          parameters: queryParameters(s.listPromptsQuerySchema),
          responses: { "200": { description: "A page of prompts", content: jsonContent(schema(s.promptListResponseSchema)) }, ...errors(400, 401, 403, 429, 503) },
        },
      },
      "/api/v1/prompts/{name}": {
        get: {
          operationId: "getPrompt",
          summary: "The version a label (default production) or version/range resolves to",
          security: read,
          parameters: [nameParam, ...queryParameters(s.getPromptQuerySchema), { name: "If-None-Match", in: "header", required: false, schema: { type: "string" } }],
          responses: {
            "200": { description: "The version document", content: jsonContent({ $ref: "#/components/schemas/VersionDocument" }) },
            "304": { description: "Not modified (ETag matched)" },
            ...errors(400, 401, 403, 404, 429, 503),
          },
        },
      },
      "/api/v1/prompts/{name}/render": {
        post: {
          operationId: "renderPrompt",
          summary: "Fill in variables and return the Messages API parameters to send",
          security: read,
          parameters: [nameParam],
          requestBody: { required: true, content: jsonContent(schema(s.renderBodySchema, "input")) },
          responses: { "200": { description: "Rendered request", content: jsonContent(schema(s.renderResponseSchema)) }, ...errors(400, 401, 403, 404, 422, 429, 503) },
        },
      },
      "/api/v1/prompts/{name}/run": {
        post: {
          operationId: "runPrompt",
          summary: "Promptdeck renders the label's (or version's) prompt, calls Claude through the runner, logs the call",
          security: [{ bearer: [] }],
          parameters: [nameParam],
          requestBody: { required: true, content: jsonContent(schema(s.runBodySchema, "input")) },
          responses: {
            "200": { description: "The model's answer (status ok, refusal or invalid_output)", content: jsonContent(schema(s.runResponseSchema)) },
            "502": { description: "Claude failed after retries and fallbacks; X-Promptdeck-Call-Id names the logged call", content: jsonContent(errorRef) },
            ...errors(400, 401, 403, 404, 422, 429, 503),
          },
        },
      },
      "/api/v1/calls": {
        post: {
          operationId: "ingestCalls",
          summary: "Log up to 1000 calls your app made to Claude itself (each record accepted or rejected on its own)",
          security: [{ bearer: [] }],
          requestBody: {
            required: true,
            content: jsonContent({ ...schema(ingestBodySchema, "input"), properties: { calls: { type: "array", minItems: 1, maxItems: 1000, items: schema(ingestCallSchema, "input") } } }),
          },
          responses: { "202": { description: "Per-record results", content: jsonContent(schema(s.ingestResponseSchema)) }, ...errors(400, 401, 403, 422, 429, 503) },
        },
      },
      "/api/v1/calls/{id}/score": {
        post: {
          operationId: "scoreCall",
          summary: "Record ground truth for a logged call: score 0..1 or correct true/false, optional expected output",
          security: [{ bearer: [] }],
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          requestBody: { required: true, content: jsonContent(schema(scoreInputSchema, "input")) },
          responses: { "200": { description: "Stored", content: jsonContent(schema(s.scoreResponseSchema)) }, ...errors(400, 401, 403, 404, 422, 429, 503) },
        },
      },
      "/api/v1/prompts/{name}/versions": {
        post: {
          operationId: "createVersion",
          summary: "Save the draft or publish a version from a version document (creates the prompt on first use)",
          security: [{ bearer: [] }],
          parameters: [nameParam],
          requestBody: { required: true, content: jsonContent({ $ref: "#/components/schemas/VersionDocumentInput" }) },
          responses: { "201": { description: "Saved draft or published version", content: jsonContent(schema(s.writeVersionResponseSchema)) }, ...errors(400, 401, 403, 409, 422, 429, 503) },
        },
      },
      "/api/v1/prompts/{name}/labels/{label}": {
        put: {
          operationId: "moveLabel",
          summary: "Point a label at a published version (protected labels need an admin key)",
          security: [{ bearer: [] }],
          parameters: [nameParam, { name: "label", in: "path", required: true, schema: { type: "string", pattern: "^[a-z0-9_.-]{1,36}$" } }],
          requestBody: { required: true, content: jsonContent(schema(s.moveLabelBodySchema, "input")) },
          responses: { "200": { description: "The label now points at the version", content: jsonContent(schema(s.moveLabelResponseSchema)) }, ...errors(400, 401, 403, 404, 422, 429, 503) },
        },
      },
      // ---- experiments (lib/experiments)
      "/api/v1/experiments": {
        post: {
          operationId: "createExperiment",
          summary: "Create a draft A/B experiment on a prompt's label (variants: published versions with integer weights summing to 100)",
          security: [{ bearer: [] }],
          requestBody: { required: true, content: jsonContent(schema(s.createExperimentBodySchema, "input")) },
          responses: { "201": { description: "The draft experiment", content: jsonContent({ $ref: "#/components/schemas/Experiment" }) }, ...errors(400, 401, 403, 409, 422, 429, 503) },
        },
      },
      "/api/v1/experiments/{id}": {
        get: {
          operationId: "getExperiment",
          summary: "An experiment with its variants and weights (scope prompts:read)",
          security: read,
          parameters: [experimentIdParam],
          responses: { "200": { description: "The experiment", content: jsonContent({ $ref: "#/components/schemas/Experiment" }) }, ...errors(401, 403, 404, 429, 503) },
        },
        patch: {
          operationId: "setExperimentWeights",
          summary: "Change the traffic split ({\"weights\":{\"A\":70,\"B\":30}}); moves the fewest subjects and records the change",
          security: [{ bearer: [] }],
          parameters: [experimentIdParam],
          requestBody: { required: true, content: jsonContent(schema(s.experimentWeightsBodySchema, "input")) },
          responses: { "200": { description: "The experiment", content: jsonContent({ $ref: "#/components/schemas/Experiment" }) }, ...errors(401, 403, 404, 409, 422, 429, 503) },
        },
      },
      ...Object.fromEntries(
        (["start", "pause", "resume", "promote"] as const).map((action) => [
          `/api/v1/experiments/{id}/${action}`,
          {
            post: {
              operationId: `${action}Experiment`,
              summary:
                action === "promote"
                  ? "End the experiment and move its label to the winner (or {\"variant\":\"B\"}), recorded as a release; protected labels need an admin key"
                  : `${action[0]!.toUpperCase()}${action.slice(1)} the experiment (scope experiments:write)`,
              security: [{ bearer: [] }],
              parameters: [experimentIdParam],
              ...(action === "promote" ? { requestBody: { required: false, content: jsonContent(schema(s.promoteExperimentBodySchema, "input")) } } : {}),
              responses: { "200": { description: "The experiment", content: jsonContent({ $ref: "#/components/schemas/Experiment" }) }, ...errors(401, 403, 404, 409, 422, 429, 503) },
            },
          },
        ]),
      ),
      "/api/v1/experiments/{id}/results": {
        get: {
          operationId: "getExperimentResults",
          summary: "Exactly the numbers the results page shows: per variant n, means, 95% intervals, p-values, lift, planned sample, verdict",
          security: read,
          parameters: [experimentIdParam],
          responses: { "200": { description: "Results", content: jsonContent(schema(s.experimentResultsResponseSchema)) }, ...errors(401, 403, 404, 429, 503) },
        },
      },
      "/api/v1/metrics": {
        get: {
          operationId: "getMetrics",
          summary: "The figures behind the metrics pages (rollups): overview, per-prompt series per version with releases and version table, or the cost view (scope metrics:read)",
          security: read,
          parameters: queryParameters(metricsApiQuerySchema),
          responses: { "200": { description: "Metrics of the chosen view", content: jsonContent(schema(metricsApiResponseSchema)) }, ...errors(400, 401, 403, 404, 429, 503) },
        },
      },
      "/api/v1/openapi.json": {
        get: { operationId: "openapi", summary: "This document", security: [], responses: { "200": { description: "OpenAPI 3.1" } } },
      },
      "/api/public/v2/prompts/{name}": {
        get: {
          operationId: "langfuseGetPrompt",
          summary: "Langfuse-compatible: a prompt in Langfuse's chat-prompt shape (integer versions = published versions in order)",
          security: [{ basic: [] }, { bearer: [] }],
          parameters: [nameParam, ...queryParameters(s.langfuseGetQuerySchema)],
          responses: { "200": { description: "Chat prompt", content: jsonContent(schema(s.langfuseChatPromptSchema)) }, ...errors(400, 401, 403, 404, 429, 503) },
        },
      },
      "/api/public/v2/prompts": {
        get: {
          operationId: "langfuseListPrompts",
          summary: "Langfuse-compatible prompt list",
          security: [{ basic: [] }, { bearer: [] }],
          parameters: queryParameters(s.langfuseListQuerySchema),
          responses: { "200": { description: "Prompt metadata", content: jsonContent(schema(s.langfuseListResponseSchema)) }, ...errors(400, 401, 403, 429, 503) },
        },
      },
    },
  };
}
