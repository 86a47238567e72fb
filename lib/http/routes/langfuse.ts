// Langfuse-compatible reads (Basic auth: secret key = a Promptdeck API key; Bearer works too).
import { listLangfusePrompts } from "@/lib/serving/langfuse";
import { raw } from "../route";
import * as s from "../api-schemas";
import { LIST_KEY, route, servedNameParamsSchema, unknownPromptError } from "./context";

/** The serialized `GET /api/public/v2/prompts` answer for one query (the list cache's loader). */
export async function loadLangfuseList(projectId: string, query: s.LangfuseListQuery): Promise<Buffer> {
  return Buffer.from(JSON.stringify(await listLangfusePrompts(projectId, query)));
}

export const langfuseRoutes = [
  // GET /api/public/v2/prompts - Langfuse-compatible prompt list
  route({
    method: "GET",
    path: "/api/public/v2/prompts",
    operationId: "langfuseListPrompts",
    summary: "Langfuse-compatible prompt list",
    scope: "prompts:read",
    auth: "basic",
    query: s.langfuseListQuerySchema,
    response: { status: 200, description: "Prompt metadata", schema: s.langfuseListResponseSchema },
    async handler({ api, principal, query }) {
      const { value, cache } = await api.listCache.get(principal.projectId, LIST_KEY, { kind: "langfuse", query });
      return raw(200, value, { "X-Promptdeck-Cache": cache });
    },
  }),

  // GET /api/public/v2/prompts/{name}?label=|version=N - one prompt in Langfuse's chat-prompt shape
  route({
    method: "GET",
    path: "/api/public/v2/prompts/{name+}",
    operationId: "langfuseGetPrompt",
    summary: "Langfuse-compatible: a prompt in Langfuse's chat-prompt shape (integer versions = published versions in order)",
    scope: "prompts:read",
    auth: "basic",
    params: servedNameParamsSchema,
    paramsError: unknownPromptError,
    query: s.langfuseGetQuerySchema,
    response: { status: 200, description: "Chat prompt", schema: s.langfuseChatPromptSchema },
    errors: [404],
    async handler({ api, principal, params, query }) {
      const { value, cache } = await api.langfuseCache.get(principal.projectId, params.name, { label: query.label, version: query.version });
      return raw(200, value, { "X-Promptdeck-Cache": cache });
    },
  }),
];
