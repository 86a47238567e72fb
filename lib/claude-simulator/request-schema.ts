import { z } from "zod";
import { findModel, type ModelSpec } from "@/lib/models/catalog";
import { SimApiError, invalidRequest } from "./errors";

/**
 * Validation of Messages API bodies, modelled on what the real API (version 2026-10-21) accepts:
 * unknown top-level fields are rejected ("Extra inputs are not permitted"), `temperature`,
 * `top_p` and `top_k` are rejected for 2026-10-21 and later, block contents are loosely typed
 * (only text blocks are read closely).
 */
export const cacheControlSchema = z.strictObject({
  type: z.literal("ephemeral"),
  ttl: z.enum(["5m", "1h"]).optional(),
});
export type CacheControl = z.infer<typeof cacheControlSchema>;

const optionalCacheControl = cacheControlSchema.nullable().optional();

export const textBlockSchema = z.looseObject({
  type: z.literal("text"),
  text: z.string(),
  cache_control: optionalCacheControl,
});

export const contentBlockSchema = z.looseObject({
  type: z.string().min(1),
  cache_control: optionalCacheControl,
});
export type ContentBlock = z.infer<typeof contentBlockSchema>;

export const messageSchema = z.strictObject({
  role: z.enum(["user", "assistant", "system"]),
  content: z.union([z.string(), z.array(contentBlockSchema)]),
});
export type SimMessage = z.infer<typeof messageSchema>;

export const toolSchema = z.looseObject({
  name: z.string().min(1).optional(),
  type: z.string().optional(),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()).optional(),
  cache_control: optionalCacheControl,
});
export type SimTool = z.infer<typeof toolSchema>;

const jsonOutputFormatSchema = z.strictObject({
  type: z.literal("json_schema"),
  schema: z.record(z.string(), z.unknown()),
});

const commonShape = {
  model: z.string().min(1),
  messages: z.array(messageSchema),
  system: z.union([z.string(), z.array(textBlockSchema)]).optional(),
  tools: z.array(toolSchema).optional(),
  tool_choice: z.looseObject({ type: z.enum(["auto", "any", "tool", "none"]), name: z.string().optional() }).optional(),
  output_config: z
    .strictObject({
      effort: z.enum(["low", "medium", "high", "xhigh", "max"]).nullable().optional(),
      format: jsonOutputFormatSchema.nullable().optional(),
    })
    .optional(),
  cache_control: optionalCacheControl,
  thinking: z.looseObject({ type: z.string() }).optional(),
  speed: z.enum(["standard", "fast"]).nullable().optional(),
  // Removed in 2026-10-21, still accepted for older anthropic-version values.
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
};

export const messagesRequestSchema = z.strictObject({
  ...commonShape,
  max_tokens: z.number().int().min(0),
  stop_sequences: z.array(z.string()).optional(),
  stream: z.boolean().optional(),
  metadata: z.looseObject({ user_id: z.string().nullable().optional() }).optional(),
  container: z.unknown().optional(),
  diagnostics: z.looseObject({ previous_message_id: z.string().nullable().optional() }).nullable().optional(),
  inference_geo: z.string().nullable().optional(),
  service_tier: z.enum(["auto", "standard_only"]).optional(),
});
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

export const countTokensRequestSchema = z.strictObject(commonShape);
export type CountTokensRequest = z.infer<typeof countTokensRequestSchema>;

/** The fields both endpoints share (what token counting and caching look at). */
export type PromptRequest = CountTokensRequest & { max_tokens?: number };

const REMOVED_PARAMS = ["temperature", "top_p", "top_k"] as const;
export const CURRENT_API_VERSION = "2026-10-21";

function zodMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "Invalid request";
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    return `${path ? `${path}.` : ""}${key}: Extra inputs are not permitted`;
  }
  if (issue.code === "invalid_type" && issue.input === undefined) return `${path}: Field required`;
  return `${path}: ${issue.message}`;
}

function parseWith<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw invalidRequest("The request body must be a JSON object");
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw invalidRequest(zodMessage(parsed.error));
  return parsed.data;
}

/** Whether `version` (an anthropic-version header value) removes sampling parameters. */
function removesSamplingParams(version: string | undefined): boolean {
  return version === undefined || version >= CURRENT_API_VERSION;
}

function checkCommon(req: PromptRequest, version: string | undefined, catalog: readonly ModelSpec[]): ModelSpec {
  if (removesSamplingParams(version)) {
    for (const name of REMOVED_PARAMS) {
      if (req[name] !== undefined) {
        throw invalidRequest(`${name}: this parameter was removed in anthropic-version ${CURRENT_API_VERSION}`);
      }
    }
  }
  const spec = findModel(req.model, catalog);
  if (!spec) throw new SimApiError(404, `model: ${req.model}`);
  if (req.messages.length === 0) throw invalidRequest("messages: at least one message is required");
  req.messages.forEach((message, i) => {
    if (Array.isArray(message.content)) {
      message.content.forEach((block, j) => {
        if (block.type === "text") {
          const text = (block as { text?: unknown }).text;
          if (typeof text !== "string") throw invalidRequest(`messages.${i}.content.${j}.text: Field required`);
          if (text.length === 0) throw invalidRequest(`messages.${i}.content.${j}: text content blocks must be non-empty`);
        }
      });
    } else if (message.content.length === 0 && !(i === req.messages.length - 1 && message.role === "assistant")) {
      throw invalidRequest(`messages.${i}: all messages must have non-empty content except for the optional final assistant message`);
    }
  });
  const last = req.messages[req.messages.length - 1];
  if (last?.role === "assistant") {
    const text = typeof last.content === "string" ? last.content : "";
    if (text !== text.trimEnd()) throw invalidRequest("messages: final assistant content cannot end with trailing whitespace");
  }
  if (Array.isArray(req.system)) {
    req.system.forEach((block, i) => {
      if (block.text.length === 0) throw invalidRequest(`system.${i}: text content blocks must be non-empty`);
    });
  }
  return spec;
}

/** Parses and checks a `POST /v1/messages` body. Throws SimApiError (400, or 404 for an unknown model). */
export function parseMessagesRequest(body: unknown, version: string | undefined, catalog: readonly ModelSpec[]): { request: MessagesRequest; spec: ModelSpec } {
  const request = parseWith(messagesRequestSchema, body);
  const spec = checkCommon(request, version, catalog);
  if (request.max_tokens > spec.maxOutputTokens) {
    throw invalidRequest(`max_tokens: ${request.max_tokens} > ${spec.maxOutputTokens}, which is the maximum allowed number of output tokens for ${spec.model}`);
  }
  return { request, spec };
}

/** Parses and checks a `POST /v1/messages/count_tokens` body. */
export function parseCountTokensRequest(
  body: unknown,
  version: string | undefined,
  catalog: readonly ModelSpec[],
): { request: CountTokensRequest; spec: ModelSpec } {
  const request = parseWith(countTokensRequestSchema, body);
  return { request, spec: checkCommon(request, version, catalog) };
}
