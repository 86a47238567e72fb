import type { Actor } from "@/lib/audit/actor";
import { AppError } from "@/lib/errors";
import { hasRole } from "@/lib/projects/roles";

/** A label name: 1 to 36 lowercase letters, digits, ".", "_" or "-". */
export const labelNamePattern = /^[a-z0-9_.-]{1,36}$/;

/** The label apps get when they name none (GET /api/v1/prompts/:name serves it). */
export const DEFAULT_LABEL = "production";

const labelRank = (name: string): number => (name === DEFAULT_LABEL ? 0 : name === "staging" ? 1 : 2);

/** Conventional label order for lists: production, then staging, then the rest by name. */
export function compareLabelNames(a: string, b: string): number {
  return labelRank(a) - labelRank(b) || a.localeCompare(b);
}

/**
 * The version a prompt is shown with by default (the playground's first pick): the one apps are
 * served, the production label's, else the newest published version, else the draft; null
 * without versions. `versions` newest first.
 */
export function defaultVersionId(prompt: {
  labels: readonly { name: string; versionId: string }[];
  versions: readonly { id: string; status: string }[];
}): string | null {
  return (
    prompt.labels.find((l) => l.name === DEFAULT_LABEL)?.versionId ??
    prompt.versions.find((v) => v.status === "PUBLISHED")?.id ??
    prompt.versions.find((v) => v.status === "DRAFT")?.id ??
    null
  );
}

/** How a caller asks for a prompt version: `?label=` or `?version=` (GET query, render/run body). */
export type PromptSelector = { label: string } | { version: string };

/**
 * What the "use this prompt" snippets ask for, and the version that answers: a label the prompt
 * actually has (production if present, else the first in conventional order), else the newest
 * published version by number; null when nothing is published (a draft is never served).
 * `versions` newest first, as getPromptByName returns them.
 */
export function snippetTarget(prompt: {
  labels: readonly { name: string; versionId: string }[];
  versions: readonly { id: string; status: string; version: string }[];
}): { selector: PromptSelector; versionId: string } | null {
  const label = [...prompt.labels].sort((a, b) => compareLabelNames(a.name, b.name))[0];
  if (label) return { selector: { label: label.name }, versionId: label.versionId };
  const latest = prompt.versions.find((v) => v.status === "PUBLISHED");
  return latest ? { selector: { version: latest.version }, versionId: latest.id } : null;
}

/**
 * Who decides which version a label serves: EDITOR for an unprotected label, ADMIN (an API key
 * with the `admin` scope) for a protected one. Moving the label checks it, and so does everything
 * that sends the label's traffic to other versions without moving it (starting, resuming or
 * reweighting an experiment on it, promoting one onto it): otherwise an experiment with a 0 %
 * control would serve another version under the label's name. Throws forbidden (403) naming the
 * label; `doing` ends the sentence ("only admins can ${doing}").
 */
export function assertMayDecideLabel(actor: Actor, label: { name: string; protected: boolean } | null | undefined, doing = "move it"): void {
  if (label?.protected && !hasRole(actor.role, "ADMIN")) {
    throw new AppError("forbidden", `The "${label.name}" label is protected: only admins can ${doing}`);
  }
}
