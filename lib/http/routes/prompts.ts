// Prompt routes of the public API: list, get (the hot path), render, run, write a version, move a label, archive, restore, delete.
import type { IncomingMessage } from "node:http";
import { z } from "zod";
import { actorForKey, type ApiKeyPrincipal } from "@/lib/api-keys/authenticate";
import { AppError } from "@/lib/errors";
import { versionDocumentBodySchema } from "@/lib/prompts/document";
import { listPrompts } from "@/lib/prompts/queries";
import { renderVersion } from "@/lib/prompts/render";
import { renderRouted } from "@/lib/prompts/route-call";
import { timeLimitedPatternTest } from "@/lib/claude/routing-regex";
import { runAndLog } from "@/lib/runs/run-and-log";
import { answerContent, assertContinuation, toolCallReports } from "@/lib/runs/conversation";
import { ServiceUnavailableError } from "@/lib/errors/unavailable";
import { promptNameSchema } from "@/lib/prompts/schemas";
import type { CacheResult } from "@/lib/serving/prompt-cache";
import type { Selector } from "@/lib/serving/served-version";
import { deletePromptByName, moveLabelToVersion, setPromptArchived, writeVersion } from "@/lib/serving/writes";
import { json, raw, empty, type RouteResult } from "../route";
import { toApiReleaseRequest } from "./releases";
import * as s from "../api-schemas";
import { LIST_KEY, route, servedNameParamsSchema, unknownPromptError, type ApiServices } from "./context";

const PRODUCTION: Selector = { label: "production" };

export function selectorOf(query: { label?: string; version?: string }): Selector {
  if (query.label !== undefined && query.version !== undefined) throw new AppError("bad_request", "Give either label or version, not both");
  if (query.version !== undefined) return { version: query.version };
  return query.label === undefined || query.label === "production" ? PRODUCTION : { label: query.label };
}

/** GET's answer: the version document (or 304 when the caller's ETag matches). */
function servedResponse(req: IncomingMessage, { value, cache }: CacheResult): RouteResult<never> {
  const headers = {
    ETag: `"${value.etag}"`,
    "Cache-Control": "private, no-cache",
    "X-Promptdeck-Cache": cache,
    "X-Promptdeck-Version": value.version,
  };
  if (etagMatches(req.headers["if-none-match"], value.etag)) return empty(304, headers);
  return raw(200, value.body, headers);
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  for (const part of header.split(",")) {
    const t = part.trim();
    const v = t.startsWith("W/") ? t.slice(2) : t;
    if (v === `"${etag}"`) return true;
  }
  return false;
}

/** The serialized `GET /api/v1/prompts` answer for one query (the list cache's loader). */
export async function loadPromptList(projectId: string, query: s.ListPromptsQuery): Promise<Buffer> {
  const { items, total } = await listPrompts(projectId, { search: query.search, skip: (query.page - 1) * query.limit, take: query.limit });
  const body: z.input<typeof s.promptListResponseSchema> = {
    data: items.map((p) => ({
      name: p.name,
      description: p.description,
      tags: p.tags,
      latestVersion: p.latestVersion,
      versionCount: p.versionCount,
      hasDraft: p.hasDraft,
      updatedAt: p.updatedAt.toISOString(),
      labels: p.labels,
    })),
    pagination: { page: query.page, limit: query.limit, total, totalPages: Math.ceil(total / query.limit) },
  };
  return Buffer.from(JSON.stringify(body));
}

/**
 * The body of POST .../run: picks the served (or A/B-routed) version, runs and logs it through
 * the one run-and-log path under the project's settings, and shapes the answer.
 */
async function runAndRespond(
  api: ApiServices,
  principal: ApiKeyPrincipal,
  name: string,
  body: s.RunBody,
): Promise<RouteResult<z.input<typeof s.runResponseSchema>>> {
  // A/B split: a RUNNING experiment on the requested label (not on an explicit version) picks the variant.
  const routed = body.version === undefined ? await api.experiments.route(principal.projectId, name, body.label ?? "production", body.subject) : null;
  const { value } = await api.cache.get(principal.projectId, name, routed ? { version: routed.variant.version } : selectorOf(body));
  // The project's runner and body policy, read through a short-lived cache (stale through an outage).
  const settings = await api.projectSettings.get(principal.projectId);
  const continuation = body.continuation ?? [];
  // The turns must follow the rendered ones (422 naming each problem; bad variables are reported first).
  if (continuation.length > 0) assertContinuation(renderVersion(value.content, body.variables).messages, continuation, { path: "continuation" });
  const { result, callId, logRefusal } = await runAndLog({
    projectId: principal.projectId,
    settings,
    promptId: value.promptId,
    versionId: value.versionId,
    version: value.content,
    variables: body.variables,
    ...(continuation.length > 0 ? { continuation } : {}),
    source: "api",
    subject: body.subject ?? null,
    metadata: { ...(body.metadata ?? {}), apiKeyId: principal.apiKeyId },
    ...(routed ? { experiment: { experimentId: routed.experiment.id, variantId: routed.variant.id } } : {}),
  });
  if (routed) api.guardrails.observe(routed.experiment.id);
  // Made but not durably logged: not acknowledged (the row is kept in memory and stored if it can be).
  if (logRefusal) throw new ServiceUnavailableError(`The call was made but could not be logged durably: ${logRefusal.message}`, logRefusal.retryAfterSeconds);
  const headers: Record<string, string> = {
    "X-Promptdeck-Version": value.version,
    ...(callId ? { "X-Promptdeck-Call-Id": callId } : {}),
    ...(routed ? { "X-Promptdeck-Variant": routed.variant.key } : {}),
  };
  // A cancelled call (the caller went away) is answered like a failure; nobody is left to read it.
  if (result.status === "error" || result.status === "cancelled") {
    const message = `Claude call failed (${result.error.type}): ${result.error.message}`;
    return raw(502, JSON.stringify({ error: { code: "upstream", message } }), headers);
  }
  return json(
    200,
    {
      callId,
      name: value.name,
      version: value.version,
      variant: routed?.variant.key ?? null,
      status: result.status,
      output: result.output,
      ...(result.status === "ok" && result.parsed !== undefined ? { parsed: result.parsed } : {}),
      model: result.model,
      requestedModel: result.requestedModel,
      routedModel: result.routedModel ?? null,
      routingRule: result.routingRule ?? null,
      stopReason: result.stopReason,
      usage: result.usage,
      costMicros: result.costMicros,
      latencyMs: result.latencyMs,
      attempts: result.attempts.length,
      fallbackUsed: result.fallbackUsed,
      simulated: result.simulated,
      content: answerContent(result.response),
      toolCalls: toolCallReports(result, value.content.modelConfig.tools),
      toolRepairs: result.toolRepairs ?? [],
    },
    headers,
  );
}

export const promptRoutes = [
  // GET /api/v1/prompts - prompts with labels and latest versions, paginated (cached per query)
  route({
    method: "GET",
    path: "/api/v1/prompts",
    operationId: "listPrompts",
    summary: "List prompts with their labels and latest versions",
    scope: "prompts:read",
    query: s.listPromptsQuerySchema,
    response: { status: 200, description: "A page of prompts", schema: s.promptListResponseSchema },
    async handler({ api, principal, query }) {
      const { value, cache } = await api.listCache.get(principal.projectId, LIST_KEY, { kind: "v1", query });
      return raw(200, value, { "X-Promptdeck-Cache": cache });
    },
  }),

  // GET /api/v1/prompts/{name}?label=|version= - the served version document (hot path, cached)
  route({
    method: ["GET", "HEAD"],
    path: "/api/v1/prompts/{name+}",
    operationId: "getPrompt",
    summary: "The version a label (default production) or version/range resolves to",
    scope: "prompts:read",
    params: servedNameParamsSchema,
    paramsError: unknownPromptError,
    query: s.getPromptQuerySchema,
    docParameters: [{ name: "If-None-Match", in: "header", required: false, schema: { type: "string" } }],
    response: { status: 200, description: "The version document", schema: s.versionDocumentSchema },
    responses: { "304": { description: "Not modified (ETag matched)" } },
    errors: [404],
    // Not async: a cache hit is answered at once (the hot path; see createDispatcher).
    handler({ req, api, principal, params, query }) {
      const selector = selectorOf(query);
      const hit = api.cache.hit(principal.projectId, params.name, selector);
      if (hit) return servedResponse(req, hit);
      return api.cache.get(principal.projectId, params.name, selector).then((result) => servedResponse(req, result));
    },
  }),

  // POST /api/v1/prompts/{name}/render - Messages API params for the given variables (422 per bad variable)
  route({
    method: "POST",
    path: "/api/v1/prompts/{name+}/render",
    operationId: "renderPrompt",
    summary: "Fill in variables and return the Messages API parameters to send, on the model the version's routing rules pick",
    scope: "prompts:read",
    params: servedNameParamsSchema,
    paramsError: unknownPromptError,
    body: s.renderBodySchema,
    response: { status: 200, description: "Rendered request", schema: s.renderResponseSchema },
    errors: [404],
    async handler({ api, principal, params, body }) {
      const { value, cache } = await api.cache.get(principal.projectId, params.name, selectorOf(body));
      // The version's routing rules pick the model, as the runner would for the same variables and metadata.
      const { request, route } = renderRouted(value.content, body.variables, { metadata: body.metadata ?? {}, test: timeLimitedPatternTest });
      const routing = route ? { requestedModel: route.requestedModel, routedModel: route.model, rule: route.rule, inputTokens: route.inputTokens } : null;
      return json(
        200,
        { name: value.name, version: value.version, etag: value.etag, routing, request },
        { "X-Promptdeck-Cache": cache, "X-Promptdeck-Version": value.version },
      );
    },
  }),

  // POST /api/v1/prompts/{name}/run - render the served version, call Claude through the runner, log the call
  route({
    method: "POST",
    path: "/api/v1/prompts/{name+}/run",
    operationId: "runPrompt",
    summary: "Promptdeck renders the label's (or version's) prompt, calls Claude through the runner, logs the call",
    scope: "prompts:run",
    params: servedNameParamsSchema,
    paramsError: unknownPromptError,
    body: s.runBodySchema,
    response: { status: 200, description: "The model's answer (status ok, refusal or invalid_output)", schema: s.runResponseSchema },
    responses: {
      "502": { description: "Claude failed after retries and fallbacks; X-Promptdeck-Call-Id names the logged call", schema: s.errorResponseSchema },
      "503": {
        description:
          "Retry after Retry-After. Before Claude is called (nothing paid): the call log's buffer is full (PROMPTDECK_CALL_BUFFER_MB) or its durable journal cannot be written, or the database is unreachable and the prompt or key is not in the cache. After the call: it was made but could not be logged durably (not acknowledged; the row is kept in memory and stored when it can be)",
        schema: s.errorResponseSchema,
      },
    },
    errors: [404],
    handler: ({ api, principal, params, body }) => runAndRespond(api, principal, params.name, body),
  }),

  // POST /api/v1/prompts/{name}/versions - save the draft or publish from a version document
  route({
    method: "POST",
    path: "/api/v1/prompts/{name+}/versions",
    operationId: "createVersion",
    summary: "Save the draft or publish a version from a version document (creates the prompt on first use)",
    scope: "prompts:write",
    params: z.object({ name: promptNameSchema.meta({ description: "Prompt name (URL-encode '/' as %2F, or give it as path segments)" }) }),
    paramsError: { code: "bad_request", message: (issues) => `Invalid prompt name: ${issues[0]?.message ?? "invalid"}` },
    body: versionDocumentBodySchema,
    bodyMessage: "Invalid prompt version document",
    bodyDoc: s.versionDocumentInputSchema,
    response: { status: 201, description: "Saved draft or published version", schema: s.writeVersionResponseSchema },
    errors: [409],
    async handler({ api, principal, params, body }) {
      const result = await writeVersion(actorForKey(principal), params.name, body);
      api.invalidateServed(principal.projectId, params.name);
      return json(201, { ...result.document, status: result.status, created: result.created, warnings: result.warnings });
    },
  }),

  // PUT /api/v1/prompts/{name}/labels/{label} - move a label ({"version":"1.2.0"}; 409 across a breaking variables-contract change unless "force": true)
  route({
    method: "PUT",
    path: "/api/v1/prompts/{name+}/labels/{label}",
    operationId: "moveLabel",
    summary:
      "Point a label at a published version (protected labels need an admin key). A target whose variables contract can refuse the label's callers is a 409 naming the difference and the recent calls it would refuse, unless force is true. A label under a release rule answers 202 with the release request it opened (reason required); an approver moves the label",
    scope: "prompts:write",
    params: servedNameParamsSchema.extend({ label: z.string().meta({ pattern: "^[a-z0-9_.-]{1,36}$" }) }),
    paramsError: unknownPromptError,
    body: s.moveLabelBodySchema,
    response: { status: 200, description: "The label now points at the version", schema: s.moveLabelResponseSchema },
    responses: {
      "202": {
        description: "The label is under a release rule: nothing moved, a release request waits for approval (reason required)",
        schema: s.releaseRequestResponseSchema,
      },
    },
    errors: [404, 409],
    async handler({ api, principal, params, body }) {
      const result = await moveLabelToVersion(actorForKey(principal), {
        name: params.name,
        label: params.label,
        version: body.version,
        reason: body.reason,
        force: body.force,
      });
      if ("requested" in result) {
        // The 202 body is the release request (documented in `responses`), not the 200 schema.
        return json(202, toApiReleaseRequest(result.requested)) as unknown as RouteResult<z.input<typeof s.moveLabelResponseSchema>>;
      }
      api.invalidateServed(principal.projectId, params.name);
      return json(200, result.moved);
    },
  }),

  // POST /api/v1/prompts/{name}/archive - hide the prompt from lists and refuse writes; its labels keep serving
  ...(["archive", "restore"] as const).map((action) =>
    route({
      method: "POST",
      path: `/api/v1/prompts/{name+}/${action}`,
      operationId: action === "archive" ? "archivePrompt" : "restorePrompt",
      summary:
        action === "archive"
          ? "Archive a prompt: hidden from lists, no new versions or label moves; its labels keep serving and its history is kept"
          : "Restore an archived prompt",
      scope: "prompts:write",
      params: servedNameParamsSchema,
      paramsError: unknownPromptError,
      response: {
        status: 200,
        description: action === "archive" ? "The prompt is archived" : "The prompt is live again",
        schema: s.promptArchiveResponseSchema,
      },
      errors: [404, 409],
      async handler({ api, principal, params }) {
        const result = await setPromptArchived(actorForKey(principal), { name: params.name, archived: action === "archive" });
        api.invalidateServed(principal.projectId, params.name);
        return json(200, result);
      },
    }),
  ),

  // DELETE /api/v1/prompts/{name}?confirm={name} - delete a prompt no label serves (admin key)
  route({
    method: "DELETE",
    path: "/api/v1/prompts/{name+}",
    operationId: "deletePrompt",
    summary: "Delete a prompt for good (admin key; confirm=<name>); refused with 409 while a label serves it",
    scope: "prompts:write",
    params: servedNameParamsSchema,
    paramsError: unknownPromptError,
    query: s.deletePromptQuerySchema,
    response: { status: 200, description: "The prompt is deleted", schema: s.deletePromptResponseSchema },
    errors: [404, 409],
    async handler({ api, principal, params, query }) {
      const result = await deletePromptByName(actorForKey(principal), { name: params.name, confirm: query.confirm });
      api.invalidateServed(principal.projectId, params.name);
      return json(200, { name: result.name, deleted: true as const });
    },
  }),
];
