import { z } from "zod";
import { API_KEY_SCOPES } from "@/lib/auth/api-keys";
import type { ApiRoute } from "./route";
import { methodsOf } from "./route";
import * as s from "./api-schemas";
import { apiRoutes } from "./routes";

type Json = Record<string, unknown>;

function schema(zodSchema: z.ZodType, io: "input" | "output" = "output"): Json {
  const json = z.toJSONSchema(zodSchema, { io, unrepresentable: "any", target: "draft-2020-12" }) as Json;
  delete json.$schema;
  return json;
}

/** Schemas published once under components/schemas and referenced by the routes that use them. */
const COMPONENTS: readonly (readonly [string, z.ZodType, "input" | "output"])[] = [
  ["Error", s.errorResponseSchema, "output"],
  ["VersionDocument", s.versionDocumentSchema, "output"],
  ["VersionDocumentInput", s.versionDocumentInputSchema, "input"],
  ["Experiment", s.experimentResponseSchema, "output"],
];

function schemaOrRef(zodSchema: z.ZodType, io: "input" | "output"): Json {
  const component = COMPONENTS.find(([, c]) => c === zodSchema);
  return component ? { $ref: `#/components/schemas/${component[0]}` } : schema(zodSchema, io);
}

/** One OpenAPI parameter per key of a zod object schema. */
function parameters(zodSchema: z.ZodType, where: "query" | "path"): Json[] {
  const json = schema(zodSchema, "input") as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, prop]) => ({
    name,
    in: where,
    required: where === "path" || (json.required?.includes(name) ?? false),
    ...(typeof prop.description === "string" ? { description: prop.description } : {}),
    schema: prop,
  }));
}

const jsonContent = (body: Json) => ({ "application/json": { schema: body } });
const errorDescriptions: Record<number, string> = {
  400: "Bad request (malformed path, query or JSON; e.g. both label and version)",
  401: "Missing, malformed, unknown, revoked or expired API key",
  403: "The key lacks the scope (or role) this needs",
  404: "Unknown prompt, label, version, call or experiment (the message names what was asked)",
  409: "Conflict (e.g. identical to the latest version)",
  413: "The body is larger than the limit",
  422: "Invalid body or variables (one issue per problem)",
  429: "Rate limited; see Retry-After",
  503: "Database unreachable and nothing cached; see Retry-After",
};

/** The error statuses a route can answer: the wrapper's (auth, parsing, outage) plus the route's own. */
function errorStatuses(route: ApiRoute): number[] {
  const statuses = new Set<number>(route.errors ?? []);
  if (route.scope !== null) for (const status of [401, 403, 429, 503]) statuses.add(status);
  if (route.query || route.params) statuses.add(route.paramsError?.code === "not_found" && !route.query ? 404 : 400);
  if (route.paramsError?.code === "not_found") statuses.add(404);
  if (route.paramsError?.badRequest) statuses.add(400);
  if (route.body) for (const status of [400, 413, 422]) statuses.add(status);
  return [...statuses].sort((a, b) => a - b);
}

function operation(route: ApiRoute): Json {
  const pathParams = route.params ? parameters(route.params, "path") : [];
  for (const [, name] of route.path.matchAll(/\{(\w+)\+?\}/g)) {
    if (name && !pathParams.some((p) => p.name === name)) pathParams.push({ name, in: "path", required: true, schema: { type: "string" } });
  }
  const responses: Json = {};
  if (route.response) {
    const { status, description, schema: body, contentType } = route.response;
    const content = body ? (contentType ? { [contentType]: { schema: schemaOrRef(body, "output") } } : jsonContent(schemaOrRef(body, "output"))) : undefined;
    responses[String(status)] = { description, ...(content ? { content } : {}) };
  }
  for (const [status, { description, schema: body }] of Object.entries(route.responses ?? {})) {
    responses[status] = { description, ...(body ? { content: jsonContent(schemaOrRef(body, "output")) } : {}) };
  }
  for (const status of errorStatuses(route)) {
    responses[String(status)] ??= { description: errorDescriptions[status] ?? "Error", content: jsonContent({ $ref: "#/components/schemas/Error" }) };
  }
  const body = route.bodyDoc ?? route.body;
  return {
    operationId: route.operationId,
    summary: route.summary,
    security: route.scope === null ? [] : route.auth === "basic" ? [{ basic: [] }, { bearer: [] }] : [{ bearer: [] }],
    ...(route.scope !== null ? { "x-scope": route.scope } : {}),
    parameters: [...pathParams, ...(route.query ? parameters(route.query, "query") : []), ...(route.docParameters ?? [])],
    ...(body ? { requestBody: { required: !route.bodyOptional, content: jsonContent(schemaOrRef(body, "input")) } } : {}),
    responses,
  };
}

/**
 * The OpenAPI 3.1 document of the public API, generated from the route table (lib/http/routes):
 * every route's method, path, scope, parameters, body and responses come from the same zod
 * schemas the wrapper parses with, so the document cannot drift from the code. HEAD is implied
 * by GET and not listed.
 */
export function buildOpenApiDocument(routes: readonly ApiRoute[] = apiRoutes as readonly ApiRoute[]): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const path = route.path.replace(/\{(\w+)\+\}/g, "{$1}");
    const item = (paths[path] ??= {});
    for (const method of methodsOf(route)) {
      if (method === "HEAD" && methodsOf(route).includes("GET")) continue;
      item[method.toLowerCase()] = operation(route);
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Promptdeck API",
      version: "1.0.0",
      description: `Serve, render and manage Claude prompts. Authenticate with \`Authorization: Bearer pd_...\` (scopes: ${API_KEY_SCOPES.join(", ")}; each operation's \`x-scope\` names the one it needs). Responses carry \`X-Request-Id\` (yours when you send a plain one of at most 128 characters) and, for served prompts, \`X-Promptdeck-Cache: hit|miss|stale\`.`,
    },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "A Promptdeck API key (pd_...)" },
        basic: { type: "http", scheme: "basic", description: "Langfuse-style: public key (free text) : secret key (a Promptdeck API key)" },
      },
      schemas: Object.fromEntries(COMPONENTS.map(([name, zodSchema, io]) => [name, schema(zodSchema, io)])),
    },
    paths,
  };
}
