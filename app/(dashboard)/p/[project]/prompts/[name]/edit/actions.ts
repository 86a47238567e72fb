"use server";

import { z } from "zod";
import { AppError, toIssues } from "@/lib/errors";
import { countPrefixTokens, tokenCountingAvailable, type PrefixTokenCounts } from "@/lib/claude/count-tokens";
import { defineAction } from "@/lib/http/server-action";
import { saveDraft } from "@/lib/prompts/mutations";
import { parseVersionContent } from "@/lib/prompts/schemas";
import type { IncludeResolution } from "@/lib/prompts/includes";
import { resolveDraftIncludes } from "@/lib/prompts/snippets";
import { routingSchema } from "@/lib/prompts/routing";
import { loadRoutingWhatIf, MAX_WHAT_IF_CALLS, type WhatIfReport } from "@/lib/prompts/routing-what-if";

/**
 * The editor's template: a JSON object here (the wrapper refuses non-JSON values, NUL text and
 * deep nesting); its full shape is checked by parseVersionContent, whose issues (paths like
 * `messages.0.role`) the editor shows beside the fields.
 */
const contentSchema = z.record(z.string(), z.unknown());

const saveSchema = z.object({
  promptId: z.string().min(1).max(100),
  content: contentSchema,
  /** The draft's lock version the editor loaded; -1 when the editor expects no draft yet. */
  lockVersion: z.number().int().min(-1).max(2_147_483_647),
  /** Acknowledged variable-before-breakpoint locations (stored on the draft, normalized). */
  acknowledged: z.array(z.string().max(100)).max(100),
});

/**
 * Saves the draft with optimistic locking: a stale lockVersion (someone else saved meanwhile)
 * comes back as a conflict and nothing is overwritten. -1 means "there was no draft": if one
 * appeared meanwhile, that is a conflict as well. Returns the new lock version. EDITOR+.
 */
export const saveDraftAction = defineAction(
  { role: "EDITOR", input: saveSchema, invalidMessage: "The save request was malformed; reload the editor" },
  async (input, { actor }): Promise<{ lockVersion: number; savedAt: string }> => {
    const saved = await saveDraft(actor, {
      promptId: input.promptId,
      content: input.content,
      lockVersion: input.lockVersion,
      acknowledgedVariableBreakpoints: input.acknowledged,
    });
    return { lockVersion: saved.lockVersion, savedAt: saved.updatedAt.toISOString() };
  },
);

const countSchema = z.object({
  promptId: z.string().min(1).max(100),
  content: contentSchema,
});

/**
 * Counts the editor's template with messages.countTokens (total + cached prefix per breakpoint).
 * Only when ANTHROPIC_API_KEY is configured (otherwise the editor shows its estimate and never
 * calls this); the content must be well-formed (the same shape checks as a save). EDITOR+.
 */
export const countTokensAction = defineAction(
  { role: "EDITOR", input: countSchema, invalidMessage: "The token count request was malformed" },
  async (input): Promise<PrefixTokenCounts> => {
    if (!tokenCountingAvailable()) throw new AppError("unprocessable", "No Anthropic API key is configured: token counts are estimates");
    return countPrefixTokens(parseVersionContent(input.content));
  },
);

const includesSchema = z.object({
  promptId: z.string().min(1).max(100),
  content: contentSchema,
});

/**
 * The editor's snippet includes resolved as publishing would pin them now (pins with their text,
 * and every problem: a missing snippet, label or version, a cycle), so a new include previews
 * without a reload. The content must be well-formed (the shape checks of a save). EDITOR+.
 */
export const resolveIncludesAction = defineAction(
  { role: "EDITOR", input: includesSchema, invalidMessage: "The include request was malformed" },
  async (input, { project }): Promise<IncludeResolution> => resolveDraftIncludes(project.id, input.promptId, parseVersionContent(input.content)),
);

const whatIfSchema = z.object({
  promptId: z.string().min(1).max(100),
  /** The candidate rules as the editor holds them (checked with the routing schema). */
  routing: z.unknown(),
  defaultModel: z.string().min(1).max(200),
  limit: z.number().int().min(1).max(MAX_WHAT_IF_CALLS),
});

/**
 * "What if": the editor's candidate routing rules applied to the prompt's last `limit` logged
 * calls, priced per rule at current prices (lib/prompts/routing-what-if.ts). Rules that do not
 * parse are a 422 with their issues. VIEWER+ (it reads calls, changes nothing).
 */
export const routingWhatIfAction = defineAction(
  { role: "VIEWER", input: whatIfSchema, invalidMessage: "The what-if request was malformed" },
  async (input, { project }): Promise<WhatIfReport> => {
    const parsed = routingSchema.safeParse(input.routing);
    if (!parsed.success) throw new AppError("unprocessable", "Fix the routing rules first", { issues: toIssues(parsed.error.issues) });
    return loadRoutingWhatIf({ projectId: project.id, promptId: input.promptId, candidate: parsed.data, defaultModel: input.defaultModel, limit: input.limit });
  },
);
