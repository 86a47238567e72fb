import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Actor } from "@/lib/audit/actor";
import { documentPath, fromParsedVersionDocument, toVersionDocument, type VersionDocument, type VersionDocumentBody } from "@/lib/prompts/document";
import { archivePrompt, createPrompt, deletePrompt, moveLabel, publishDraft, restorePrompt, saveDraft } from "@/lib/prompts/mutations";
import { versionLabel } from "@/lib/prompts/queries";
import { promptNameSchema } from "@/lib/prompts/schemas";
import { resolveVersionIncludes, storedPins } from "@/lib/prompts/snippets";
import { createReleaseRequest, type ReleaseRequestView } from "@/lib/prompts/release-requests";
import { getReleaseRules, releaseRuleFor } from "@/lib/prompts/release-rules";
import { formatVersion } from "@/lib/prompts/versioning";
import { buildServedVersion } from "./served-version";

export interface WriteVersionResult {
  document: VersionDocument & { etag?: string };
  status: "draft" | "published";
  created: boolean;
  warnings: { path: string; message: string }[];
}

/**
 * CI/CD write: a version document becomes the prompt's draft (the prompt is created on first
 * use), and with `"publish": true` the draft is published with the editor's bump rules (`version`
 * or `bump` requests, changelog required). Everything goes through lib/prompts/mutations, which
 * check the actor's role and write audit events. `doc` is the document's outer shape as the edge
 * parsed it (`versionDocumentBodySchema`); its deeper checks (catalog, variables contract, the name
 * matching `name`, every `{{> snippet@ref}}` resolving) run here, and a document that fails them
 * is rejected before anything is written (422 with every issue, paths like `request.system.0.text`).
 */
export async function writeVersion(actor: Actor, name: string, doc: VersionDocumentBody): Promise<WriteVersionResult> {
  const nameCheck = promptNameSchema.safeParse(name);
  if (!nameCheck.success) throw new AppError("bad_request", `Invalid prompt name: ${nameCheck.error.issues[0]?.message ?? "invalid"}`);
  const parsed = fromParsedVersionDocument(doc, { name });
  if (parsed.publish && !parsed.changelog.trim()) {
    throw new AppError("unprocessable", "A changelog is required to publish", { issues: [{ path: "changelog", message: "required when publish is true" }] });
  }
  // Includes must resolve (snippet, label or version exist; no cycle) before anything is written.
  const includes = await resolveVersionIncludes(actor.projectId, name, parsed.content);
  if (includes.issues.length > 0) {
    throw new AppError("unprocessable", "The document's snippet includes do not resolve", {
      issues: includes.issues.map((i) => ({ path: documentPath(i.path), message: i.message })),
    });
  }
  const existing = await getDb().prompt.findUnique({ where: { projectId_name: { projectId: actor.projectId, name } }, select: { id: true, kind: true } });
  if (existing && parsed.kind !== undefined && parsed.kind !== existing.kind) {
    throw new AppError("unprocessable", `"${name}" is a ${existing.kind.toLowerCase()}: its kind cannot change`, {
      issues: [{ path: "kind", message: `"${name}" already exists as a ${existing.kind.toLowerCase()}` }],
    });
  }
  const acknowledged = parsed.acknowledgedVariableBreakpoints !== undefined ? { acknowledgedVariableBreakpoints: parsed.acknowledgedVariableBreakpoints } : {};
  let promptId: string;
  if (existing) {
    promptId = existing.id;
    await saveDraft(actor, { promptId, content: parsed.content, changelog: parsed.changelog, ...acknowledged });
  } else {
    const created = await createPrompt(actor, { name, content: parsed.content, ...(parsed.kind ? { kind: parsed.kind } : {}) });
    promptId = created.id;
    if (parsed.changelog || parsed.acknowledgedVariableBreakpoints)
      await saveDraft(actor, { promptId, content: parsed.content, changelog: parsed.changelog, ...acknowledged });
  }
  const warnings = parsed.warnings.map((w) => ({ path: w.path, message: w.message }));
  if (!parsed.publish) {
    return {
      document: toVersionDocument({ name, version: "draft", changelog: parsed.changelog, content: parsed.content }),
      status: "draft",
      created: !existing,
      warnings,
    };
  }
  const published = await publishDraft(actor, {
    promptId,
    changelog: parsed.changelog,
    ...(parsed.requestedVersion !== undefined ? { version: parsed.requestedVersion } : {}),
    ...(parsed.bump !== undefined ? { bump: parsed.bump } : {}),
    ...acknowledged,
  });
  const served = buildServedVersion({
    projectId: actor.projectId,
    promptId,
    versionId: published.id,
    name,
    version: formatVersion(published),
    labels: [],
    changelog: published.changelog,
    content: { ...parsed.content, snippets: storedPins(published) },
  });
  return { document: served.document, status: "published", created: !existing, warnings };
}

/**
 * Moves `label` of prompt `name` to the published version `version` (exact). Protected labels
 * need an ADMIN actor (the mutation checks). Unknown prompt or version: not_found. A label under a
 * release rule is not moved: a release request is opened instead (`reason` required then) and
 * returned as `{ requested }` (the API answers 202 with it).
 */
export async function moveLabelToVersion(
  actor: Actor,
  input: { name: string; label: string; version: string; reason?: string; force?: boolean },
): Promise<{ moved: { name: string; label: string; version: string; protected: boolean } } | { requested: ReleaseRequestView }> {
  const db = getDb();
  const prompt = await db.prompt.findUnique({ where: { projectId_name: { projectId: actor.projectId, name: input.name } }, select: { id: true } });
  if (!prompt) throw new AppError("not_found", `Prompt "${input.name}" does not exist`);
  const [major, minor, patch] = input.version.split(".").map(Number);
  const version = await db.promptVersion.findFirst({
    where: { promptId: prompt.id, major, minor, patch, status: "PUBLISHED" },
    select: { id: true, major: true, minor: true, patch: true },
  });
  if (!version) throw new AppError("not_found", `Prompt "${input.name}" has no published version ${input.version}`);
  if (releaseRuleFor(await getReleaseRules(actor.projectId), input.label)) {
    if (!input.reason?.trim()) {
      throw new AppError("unprocessable", `Moving "${input.label}" needs approval: give a "reason" and the move becomes a release request`, {
        issues: [{ path: "reason", message: "required when the label needs approval" }],
      });
    }
    const label = await db.label.findUnique({ where: { promptId_name: { promptId: prompt.id, name: input.label } }, select: { versionId: true } });
    if (label?.versionId !== version.id) {
      return {
        requested: await createReleaseRequest(actor, {
          promptId: prompt.id,
          label: input.label,
          versionId: version.id,
          reason: input.reason,
          force: input.force,
        }),
      };
    }
  }
  const label = await moveLabel(actor, {
    promptId: prompt.id,
    label: input.label,
    versionId: version.id,
    reason: input.reason ?? "moved through the API",
    force: input.force,
  });
  return { moved: { name: input.name, label: label.name, version: versionLabel(version), protected: label.protected } };
}

async function promptIdByName(actor: Actor, name: string): Promise<string> {
  const prompt = await getDb().prompt.findUnique({ where: { projectId_name: { projectId: actor.projectId, name } }, select: { id: true } });
  if (!prompt) throw new AppError("not_found", `Prompt "${name}" does not exist`);
  return prompt.id;
}

/**
 * Archives (`archived: true`) or restores prompt `name` through lib/prompts/mutations (same rules
 * and audit events as the dashboard): archived, it leaves the lists and refuses writes while its
 * labels keep serving. Returns the prompt's state.
 */
export async function setPromptArchived(actor: Actor, input: { name: string; archived: boolean }) {
  const promptId = await promptIdByName(actor, input.name);
  const prompt = input.archived ? await archivePrompt(actor, promptId) : await restorePrompt(actor, promptId);
  return { name: prompt.name, archived: prompt.archivedAt !== null, archivedAt: prompt.archivedAt?.toISOString() ?? null };
}

/** Deletes prompt `name` (ADMIN key; `confirm` must repeat the name; refused while a label serves it). */
export async function deletePromptByName(actor: Actor, input: { name: string; confirm: string }) {
  const promptId = await promptIdByName(actor, input.name);
  return deletePrompt(actor, { promptId, confirmName: input.confirm });
}
