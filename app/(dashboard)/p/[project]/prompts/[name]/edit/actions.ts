"use server";

import { z } from "zod";
import { requireActor } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { countPrefixTokens, tokenCountingAvailable, type PrefixTokenCounts } from "@/lib/claude/count-tokens";
import { saveDraft } from "@/lib/prompts/mutations";
import { parseVersionContent } from "@/lib/prompts/schemas";
import { runAction, type ActionResult } from "@/lib/http/action-result";

const saveSchema = z.object({
  project: z.string().min(1).max(100),
  promptId: z.string().min(1).max(100),
  content: z.unknown(),
  /** The draft's lock version the editor loaded; -1 when the editor expects no draft yet. */
  lockVersion: z.number().int().min(-1),
  /** Acknowledged variable-before-breakpoint locations (stored on the draft, normalized). */
  acknowledged: z.array(z.string().max(100)).max(100),
});

/**
 * Saves the draft with optimistic locking: a stale lockVersion (someone else saved meanwhile)
 * comes back as a conflict and nothing is overwritten. -1 means "there was no draft": if one
 * appeared meanwhile, that is a conflict as well. Returns the new lock version.
 */
export async function saveDraftAction(input: z.input<typeof saveSchema>): Promise<ActionResult<{ lockVersion: number; savedAt: string }>> {
  return runAction(async () => {
    const parsed = saveSchema.safeParse(input);
    if (!parsed.success) throw new AppError("bad_request", "The save request was malformed; reload the editor");
    const { actor } = await requireActor(parsed.data.project, "EDITOR");
    const saved = await saveDraft(
      actor,
      {
        promptId: parsed.data.promptId,
        content: parsed.data.content,
        lockVersion: parsed.data.lockVersion,
        acknowledgedVariableBreakpoints: parsed.data.acknowledged,
      },
    );
    return { lockVersion: saved.lockVersion, savedAt: saved.updatedAt.toISOString() };
  });
}

const countSchema = z.object({
  project: z.string().min(1).max(100),
  promptId: z.string().min(1).max(100),
  content: z.unknown(),
});

/**
 * Counts the editor's template with messages.countTokens (total + cached prefix per breakpoint).
 * Only when ANTHROPIC_API_KEY is configured (otherwise the editor shows its estimate and never
 * calls this); the content must be well-formed (the same shape checks as a save). EDITOR+.
 */
export async function countTokensAction(input: z.input<typeof countSchema>): Promise<ActionResult<PrefixTokenCounts>> {
  return runAction(async () => {
    const parsed = countSchema.safeParse(input);
    if (!parsed.success) throw new AppError("bad_request", "The token count request was malformed");
    await requireActor(parsed.data.project, "EDITOR");
    if (!tokenCountingAvailable()) throw new AppError("unprocessable", "No Anthropic API key is configured: token counts are estimates");
    return countPrefixTokens(parseVersionContent(parsed.data.content));
  });
}
