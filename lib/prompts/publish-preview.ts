import { analyzeCache } from "./cache";
import type { PromptVersionContent } from "./schemas";
import { AppError } from "@/lib/errors";
import { validateRequestedVersion, type Bump } from "./versioning";

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

/**
 * Why the exact version typed in the publish dialog cannot be published (not a plain
 * MAJOR.MINOR.PATCH, lower than the proposal, not above the latest published), or null when it
 * can or nothing is typed. The same check `publishDraft` makes, so the button is disabled before
 * the server would refuse.
 */
export function requestedVersionProblem(requested: string, preview: Pick<PublishPreview, "proposedVersion" | "latest">): string | null {
  if (requested === "") return null;
  try {
    validateRequestedVersion(preview.proposedVersion, requested, preview.latest ? [preview.latest] : []);
    return null;
  } catch (error) {
    if (error instanceof AppError) return error.message;
    throw error;
  }
}

/** The publish button's text: the version it will publish, never one that cannot be published. */
export function publishButtonLabel(s: {
  busy: boolean;
  version: string;
  bump: Bump | "";
  preview: Pick<PublishPreview, "proposedVersion" | "latest" | "bump">;
}): string {
  if (s.busy) return "Publishing…";
  if (s.version) return requestedVersionProblem(s.version, s.preview) === null ? `Publish v${s.version}` : "Publish";
  if (s.bump && s.bump !== s.preview.bump) return `Publish (${s.bump} bump)`;
  return `Publish v${s.preview.proposedVersion}`;
}
