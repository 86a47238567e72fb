import { z } from "zod";

/**
 * A logged call read as a conversation: the variables it was run with, the rendered system
 * prompt, the turns sent, and Claude's answer. Built from the stored bodies (the Messages API
 * request and response, `metadata.variables`); bodies are whatever the project kept (they may be
 * cut to a preview, missing, or, for ingested calls, any JSON an app sent), so every part is
 * optional and `readable` says whether the request had the Messages shape at all.
 */
export type ConversationPart =
  | { kind: "text"; text: string }
  | { kind: "thinking"; text: string }
  | { kind: "tool_use"; name: string; input: unknown }
  | { kind: "tool_result"; text: string }
  | { kind: "other"; type: string };

export interface ConversationTurn {
  role: "user" | "assistant";
  parts: ConversationPart[];
}

export interface CallConversation {
  /** The variables the call was run with (null when the log did not keep them). */
  variables: Record<string, unknown> | null;
  /** The rendered system prompt, one entry per block. */
  system: string[];
  turns: ConversationTurn[];
  /** Claude's answer (null for a call without a stored or successful response). */
  answer: ConversationPart[] | null;
  /** The request had the Messages API shape (otherwise only the raw JSON can be shown). */
  readable: boolean;
  /** A body was cut to a preview by the project's body limit. */
  truncated: { request: boolean; response: boolean };
}

const block = z.looseObject({ type: z.string() });
const content = z.union([z.string(), z.array(block)]);
const requestSchema = z.looseObject({
  system: z.union([z.string(), z.array(block)]).optional(),
  messages: z.array(z.looseObject({ role: z.enum(["user", "assistant"]), content })),
});
const responseSchema = z.looseObject({ content: z.array(block) });
const truncatedSchema = z.looseObject({ truncated: z.literal(true), preview: z.string() });
const metadataSchema = z.looseObject({ variables: z.record(z.string(), z.unknown()) });

function text(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value ?? null);
}

/** One content block as a part (unknown block types keep their type name). */
function part(b: z.infer<typeof block>): ConversationPart {
  switch (b.type) {
    case "text":
      return { kind: "text", text: text(b.text) };
    case "thinking":
      return { kind: "thinking", text: text(b.thinking) };
    case "redacted_thinking":
      return { kind: "thinking", text: "(redacted)" };
    case "tool_use":
      return { kind: "tool_use", name: text(b.name), input: b.input };
    case "tool_result": {
      const c = b.content;
      const body = Array.isArray(c) ? c.map((x) => (x && typeof x === "object" && "text" in x ? text(x.text) : text(x))).join("\n") : text(c);
      return { kind: "tool_result", text: body };
    }
    default:
      return { kind: "other", type: b.type };
  }
}

function parts(c: z.infer<typeof content>): ConversationPart[] {
  return typeof c === "string" ? [{ kind: "text", text: c }] : c.map(part);
}

/** Reads a call's stored request, response and metadata as a conversation (never throws). */
export function callConversation(input: { request: unknown; response: unknown; metadata: unknown; status?: string }): CallConversation {
  const truncated = { request: truncatedSchema.safeParse(input.request).success, response: truncatedSchema.safeParse(input.response).success };
  const vars = metadataSchema.safeParse(input.metadata);
  const request = requestSchema.safeParse(input.request);
  const response = responseSchema.safeParse(input.response);
  const system = request.success
    ? typeof request.data.system === "string"
      ? [request.data.system]
      : (request.data.system ?? []).filter((b) => b.type === "text").map((b) => text(b.text))
    : [];
  return {
    variables: vars.success ? vars.data.variables : null,
    system: system.filter((s) => s.length > 0),
    turns: request.success ? request.data.messages.map((m) => ({ role: m.role, parts: parts(m.content) })) : [],
    answer: response.success ? response.data.content.map(part) : null,
    readable: request.success,
    truncated,
  };
}
