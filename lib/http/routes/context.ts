// What the route handlers share: the services of one ApiV1Handler instance and the path
// parameter schemas several areas use.
import { z } from "zod";
import type { GuardrailMonitor } from "@/lib/experiments/guardrails";
import type { ExperimentRouter } from "@/lib/experiments/serving";
import type { ProjectSettingsCache } from "@/lib/runs/settings";
import { promptNameSchema, promptNameSegmentProblem } from "@/lib/prompts/schemas";
import type { PromptServingCache, ServingCache } from "@/lib/serving/prompt-cache";
import type { StreamHub } from "@/lib/serving/stream-hub";
import { defineRoute } from "../route";
import type { langfuseListQuerySchema, listPromptsQuerySchema } from "../api-schemas";

export type LangfuseSelector = { label?: string; version?: number };
export type ListSelector = { kind: "v1"; query: z.infer<typeof listPromptsQuerySchema> } | { kind: "langfuse"; query: z.infer<typeof langfuseListQuerySchema> };

/** The list caches' "prompt name": never a real name (names are non-empty), invalidated by any change in the project. */
export const LIST_KEY = "";

/** One handler instance's state the routes use (its own caches, feed-driven routers and monitors). */
export interface ApiServices {
  /** Served version documents per (project, name, selector). */
  cache: PromptServingCache;
  /** Langfuse-shaped prompts (serialized), per (project, name, label | integer version). */
  langfuseCache: ServingCache<LangfuseSelector, Buffer>;
  /** Serialized prompt lists (v1 and Langfuse) per (project, query). */
  listCache: ServingCache<ListSelector, Buffer>;
  /** Which experiment runs on a prompt+label (A/B routing for /run). */
  experiments: ExperimentRouter;
  guardrails: GuardrailMonitor;
  /** Each project's runner and call-log policy (short-lived cache, stale through an outage). */
  projectSettings: ProjectSettingsCache;
  /** The live streams of this instance (GET /api/v1/stream), fed by the change feed. */
  streams: StreamHub;
  /** Drops everything this instance serves about a prompt (after a write through this instance). */
  invalidateServed(projectId: string, name: string): void;
  /** The OpenAPI document (serialized once). */
  openapiJson(): string;
}

/** Declares a route of the public API (see lib/http/route.ts). */
export const route = defineRoute<ApiServices>();

/**
 * `{name}` of the read, render, run and label routes. A name no prompt can have is answered like
 * an unknown one (404), without asking the database; except a name with an empty, `.` or `..`
 * segment (`a/../a`, `a//b`, `a%2F`): a normalising proxy would have sent that to another prompt,
 * so it is refused (400) rather than reported missing.
 */
export const servedNameParamsSchema = z.object({
  name: promptNameSchema.meta({ description: "Prompt name (URL-encode '/' as %2F, or give it as path segments)" }),
});
export const unknownPromptError = {
  code: "not_found" as const,
  message: (_issues: unknown, raw: Record<string, string>) => `Prompt "${raw.name ?? ""}" does not exist`,
  badRequest: (raw: Record<string, string>) => {
    const problem = promptNameSegmentProblem(raw.name ?? "");
    return problem ? `Invalid prompt name "${raw.name ?? ""}": ${problem}` : null;
  },
};
