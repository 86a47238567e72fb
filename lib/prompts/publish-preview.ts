import { analyzeCache } from "./cache";
import type { PromptVersionContent } from "./schemas";
import type { Bump } from "./versioning";

type Issue = { path: string; message: string };

/** What the publish dialog shows before publishing (built from `previewPublish`'s plan). */
export interface PublishPreview {
  latest: string | null;
  bump: Bump;
  reasons: string[];
  proposedVersion: string;
  identical: boolean;
  errors: Issue[];
  warnings: Issue[];
  /** Breakpoint locations with {{variables}} in their cached prefix: the author may acknowledge them. */
  variableBreakpoints: { location: string; variables: string[] }[];
  /** The acknowledgements this preview applied (the draft's stored ones unless others were sent). */
  acknowledged: string[];
}

/** The parts of a publish plan (lib/prompts/mutations.ts#previewPublish) the preview is made of. */
export type PublishPlanSummary = Omit<PublishPreview, "variableBreakpoints"> & { content: PromptVersionContent | null };

/**
 * The preview of a publish plan: the plan's verdict without the draft row, plus every cache
 * breakpoint whose cached prefix holds variables (none when the draft does not parse).
 */
export function toPublishPreview(plan: PublishPlanSummary): PublishPreview {
  const variableBreakpoints = plan.content
    ? analyzeCache(plan.content)
        .breakpoints.filter((b) => b.variablesInPrefix.length > 0)
        .map((b) => ({ location: b.location, variables: b.variablesInPrefix }))
    : [];
  return {
    latest: plan.latest,
    bump: plan.bump,
    reasons: plan.reasons,
    proposedVersion: plan.proposedVersion,
    identical: plan.identical,
    errors: plan.errors,
    warnings: plan.warnings,
    variableBreakpoints,
    acknowledged: plan.acknowledged,
  };
}
