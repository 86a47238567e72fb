import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { hasRole, type Role } from "@/lib/projects/roles";
import type { Actor } from "@/lib/audit/actor";
import { actorLabel, actorUserId } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/record";
import { DEFAULT_MODEL } from "@/lib/models/catalog";
import { notifyPromptChanged, recordProjectEvent } from "@/lib/prompts/notify";
import { analyzeCache, normalizeAcknowledgements } from "./cache";
import { hashVersionContent } from "./content-hash";
import { validateVersionContent } from "./contract";
import { assertMayDecideLabel, compareLabelNames, labelNamePattern } from "./labels";
import { DRAFT_MAJOR } from "./queries";
import { assertContractCompatibleMove } from "./label-move-check";
import { assertReleaseGate } from "./release-gate";
import {
  parseDraftContent,
  parseVersionContent,
  promptDescriptionSchema,
  promptNameSchema,
  promptTagsSchema,
  type PromptVersionContent,
  type SnippetPin,
} from "./schemas";
import { listSnippetDependents, repinContent, resolveVersionIncludes, snippetContent } from "./snippets";
import { describeReleaseRule, readReleaseRules, releaseRuleFor } from "./release-rules";
import { formatVersion, nextVersion, parseVersion, proposeBump, validateRequestedVersion, type Bump } from "./versioning";

function assertRole(actor: Actor, min: Role): void {
  if (!hasRole(actor.role, min)) {
    throw new AppError("forbidden", `This needs the ${min.toLowerCase()} role or higher`);
  }
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

function toJson(value: unknown): Prisma.InputJsonValue {
  return value as Prisma.InputJsonValue;
}

/** The content columns of a draft: includes are pinned only at publish, so a draft never stores pins. */
function contentColumns(content: PromptVersionContent) {
  const { snippets: _pins, ...unpinned } = content;
  return {
    system: toJson(unpinned.system),
    messages: toJson(unpinned.messages),
    variables: toJson(unpinned.variables),
    modelConfig: toJson(unpinned.modelConfig),
    outputSchema: toJson(unpinned.outputSchema),
    policy: toJson(unpinned.policy),
    snippetPins: toJson([]),
    contentHash: hashVersionContent(unpinned),
  };
}

/** The content a new prompt's first draft starts from. */
export function starterContent(): PromptVersionContent {
  return {
    system: [{ type: "text", role: "instructions", text: "You are a helpful assistant. Answer concisely." }],
    messages: [{ role: "user", content: [{ type: "text", text: "{{input}}" }] }],
    variables: { input: { type: "string", required: true, description: "The user's message" } },
    modelConfig: { model: DEFAULT_MODEL, max_tokens: 1024 },
    outputSchema: { format: "text" },
    policy: {},
  };
}

/**
 * The prompt a write is about, in the actor's project. An archived prompt is read-only (its
 * history and what its labels serve stay as they are): every write but discarding the draft is a
 * conflict naming the way back (restore).
 */
async function loadPrompt(tx: Prisma.TransactionClient, actor: Actor, promptId: string, options: { archived?: "allow" } = {}) {
  const prompt = await tx.prompt.findFirst({ where: { id: promptId, projectId: actor.projectId } });
  if (!prompt) throw new AppError("not_found", "This prompt does not exist in the project");
  if (prompt.archivedAt && options.archived !== "allow") throw archivedError(prompt.name);
  return prompt;
}

/** The refusal of a write to an archived prompt. */
export function archivedError(name: string): AppError {
  return new AppError("conflict", `Prompt "${name}" is archived: restore it before saving, publishing or moving its labels`);
}

/**
 * Creates a prompt with a starter draft (or the given content). Needs EDITOR. A name already
 * used in the project is a conflict. `kind: "SNIPPET"` creates a snippet (snippets.ts), whose
 * starter draft is one text block.
 */
export async function createPrompt(
  actor: Actor,
  input: { name: string; description?: string; tags?: string[]; content?: unknown; kind?: "PROMPT" | "SNIPPET" },
) {
  assertRole(actor, "EDITOR");
  const name = promptNameSchema.safeParse(input.name);
  if (!name.success) throw new AppError("bad_request", `Invalid prompt name: ${name.error.issues[0]?.message ?? "invalid"}`);
  const description = promptDescriptionSchema.parse(input.description ?? "");
  const tags = promptTagsSchema.parse(input.tags ?? []);
  const kind = input.kind ?? "PROMPT";
  const content =
    input.content !== undefined
      ? parseVersionContent(input.content)
      : kind === "SNIPPET"
        ? snippetContent(["Shared text for your prompts."])
        : starterContent();
  try {
    return await getDb().$transaction(async (tx) => {
      const prompt = await tx.prompt.create({
        data: { projectId: actor.projectId, name: name.data, description, tags, kind },
      });
      await tx.promptVersion.create({
        data: {
          promptId: prompt.id,
          major: DRAFT_MAJOR,
          minor: 0,
          patch: 0,
          status: "DRAFT",
          authorId: actorUserId(actor),
          ...contentColumns(content),
        },
      });
      await recordAudit(tx, actor, { action: "prompt.created", targetType: "prompt", targetId: prompt.id, after: { name: prompt.name } });
      return prompt;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict", `A prompt named "${name.data}" already exists`);
    throw error;
  }
}

/**
 * Saves the prompt's draft (creating it when there is none). A draft is work in progress: content
 * with problems (shape, contract, cache) is saved as long as it has the draft structure
 * (`parseDraftContent`), so an autosave never loses an edit; publishing enforces every rule.
 * `lockVersion` is the draft's lock version the editor loaded: a stale one is a conflict, so two
 * editors never overwrite each other silently. `acknowledgedVariableBreakpoints` replaces the
 * draft's acknowledgements (omitted: the stored ones are kept where they still apply); either
 * way they are normalized (`normalizeAcknowledgements`). Returns the saved draft.
 */
export async function saveDraft(
  actor: Actor,
  input: { promptId: string; content: unknown; changelog?: string; lockVersion?: number; acknowledgedVariableBreakpoints?: string[] },
) {
  assertRole(actor, "EDITOR");
  const { content, issues } = parseDraftContent(input.content);
  const columns = contentColumns(content);
  // A draft with problems keeps the acknowledgements as given: they are normalized once it parses.
  const acknowledgements = (stored: readonly string[]) =>
    issues.length === 0
      ? normalizeAcknowledgements(content, input.acknowledgedVariableBreakpoints ?? stored)
      : [...new Set(input.acknowledgedVariableBreakpoints ?? stored)];
  return getDb().$transaction(async (tx) => {
    await loadPrompt(tx, actor, input.promptId);
    const draft = await tx.promptVersion.findFirst({ where: { promptId: input.promptId, status: "DRAFT" } });
    if (!draft) {
      try {
        return await tx.promptVersion.create({
          data: {
            promptId: input.promptId,
            major: DRAFT_MAJOR,
            minor: 0,
            patch: 0,
            status: "DRAFT",
            changelog: input.changelog ?? "",
            authorId: actorUserId(actor),
            ...columns,
            cacheAcknowledgements: acknowledgements([]),
          },
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new AppError("conflict", "Someone else just started a draft; reload to see it");
        throw error;
      }
    }
    const expected = input.lockVersion ?? draft.lockVersion;
    const updated = await tx.promptVersion.updateMany({
      where: { id: draft.id, status: "DRAFT", lockVersion: expected },
      data: {
        ...columns,
        cacheAcknowledgements: acknowledgements(draft.cacheAcknowledgements),
        ...(input.changelog !== undefined ? { changelog: input.changelog } : {}),
        authorId: actorUserId(actor) ?? draft.authorId,
        lockVersion: { increment: 1 },
      },
    });
    if (updated.count === 0) {
      throw new AppError("conflict", "The draft was changed by someone else since you loaded it; reload to see their changes");
    }
    await tx.prompt.update({ where: { id: input.promptId }, data: { updatedAt: new Date() } });
    await recordAudit(tx, actor, { action: "draft.saved", targetType: "prompt_version", targetId: draft.id, after: { contentHash: columns.contentHash } });
    return tx.promptVersion.findUniqueOrThrow({ where: { id: draft.id } });
  });
}

/**
 * Starts the draft from an existing version (e.g. to edit 1.2.0 further). Fails with conflict
 * when a draft exists, unless `replace` is set.
 */
export async function startDraftFrom(actor: Actor, input: { promptId: string; versionId: string; replace?: boolean }) {
  assertRole(actor, "EDITOR");
  return getDb().$transaction(async (tx) => {
    await loadPrompt(tx, actor, input.promptId);
    const source = await tx.promptVersion.findFirst({ where: { id: input.versionId, promptId: input.promptId } });
    if (!source) throw new AppError("not_found", "That version does not exist");
    const existing = await tx.promptVersion.findFirst({ where: { promptId: input.promptId, status: "DRAFT" } });
    if (existing) {
      if (!input.replace) throw new AppError("conflict", "This prompt already has a draft; discard it or edit it");
      await tx.promptVersion.delete({ where: { id: existing.id } });
    }
    const content = parseVersionContent(source);
    return tx.promptVersion.create({
      data: {
        promptId: input.promptId,
        major: DRAFT_MAJOR,
        minor: 0,
        patch: 0,
        status: "DRAFT",
        authorId: actorUserId(actor),
        ...contentColumns(content),
        cacheAcknowledgements: normalizeAcknowledgements(content, source.cacheAcknowledgements),
      },
    });
  });
}

/** Deletes the prompt's draft. */
export async function discardDraft(actor: Actor, promptId: string): Promise<void> {
  assertRole(actor, "EDITOR");
  await getDb().$transaction(async (tx) => {
    await loadPrompt(tx, actor, promptId, { archived: "allow" });
    const deleted = await tx.promptVersion.deleteMany({ where: { promptId, status: "DRAFT" } });
    if (deleted.count === 0) throw new AppError("not_found", "This prompt has no draft");
    await recordAudit(tx, actor, { action: "draft.discarded", targetType: "prompt", targetId: promptId });
  });
}

export interface PublishInput {
  promptId: string;
  changelog: string;
  /** Exact version to publish as; must be >= the proposal and above every published version. */
  version?: string;
  /** Raise the proposed bump (never lower it). */
  bump?: Bump;
  /**
   * Cache breakpoints (locations like "system.1") whose variable prefix the author accepts;
   * omitted: the draft's stored acknowledgements. Stored on the published version.
   */
  acknowledgedVariableBreakpoints?: string[];
  /** Labels to move to the new version in the same transaction. */
  labels?: string[];
}

const bumpRank: Record<Bump, number> = { patch: 0, minor: 1, major: 2 };

/**
 * What publishing the draft would do: the proposed bump with its reasons, the resulting version,
 * and every blocking problem (contract errors, cache errors) and warning, with the given
 * acknowledgements or, when omitted, the draft's stored ones (`acknowledged` in the result is the
 * normalized list that applies). Read-only.
 */
export async function previewPublish(actor: Actor, promptId: string, acknowledged?: string[]) {
  const db = getDb();
  const draft = await db.promptVersion.findFirst({ where: { promptId, status: "DRAFT", prompt: { projectId: actor.projectId } } });
  if (!draft) throw new AppError("not_found", "This prompt has no draft to publish");
  const latest = await db.promptVersion.findFirst({
    where: { promptId, status: "PUBLISHED" },
    orderBy: [{ major: "desc" }, { minor: "desc" }, { patch: "desc" }],
  });
  const prompt = await db.prompt.findUniqueOrThrow({ where: { id: promptId }, select: { name: true } });
  const includes = await resolveVersionIncludes(actor.projectId, prompt.name, readDraftTemplates(draft), db);
  return planPublish(draft, latest, acknowledged, includes);
}

/** The template parts of a stored draft, for include resolution (its problems are reported by planPublish). */
function readDraftTemplates(draft: VersionRow): Pick<PromptVersionContent, "system" | "messages" | "variables"> {
  const asArray = (v: unknown) => (Array.isArray(v) ? v : []);
  const variables = draft.variables !== null && typeof draft.variables === "object" && !Array.isArray(draft.variables) ? draft.variables : {};
  return {
    system: asArray(draft.system) as PromptVersionContent["system"],
    messages: asArray(draft.messages) as PromptVersionContent["messages"],
    variables: variables as PromptVersionContent["variables"],
  };
}

type VersionRow = Prisma.PromptVersionGetPayload<object>;

function planPublish(
  draft: VersionRow,
  latest: VersionRow | null,
  requested: string[] | undefined,
  includes: { pins: SnippetPin[]; issues: { path: string; message: string }[] },
) {
  const errors: { path: string; message: string }[] = [...includes.issues];
  const warnings: { path: string; message: string }[] = [];
  let content: PromptVersionContent | null = null;
  try {
    // The draft with its includes pinned as they resolve now: what publishing stores.
    const validated = validateVersionContent({ ...draft, snippetPins: includes.pins });
    content = validated.content;
    warnings.push(...validated.warnings.map((w) => ({ path: w.path, message: w.message })));
  } catch (error) {
    if (error instanceof AppError) errors.push(...(error.issues ?? [{ path: "", message: error.message }]));
    else throw error;
  }
  const acknowledged = content ? normalizeAcknowledgements(content, requested ?? draft.cacheAcknowledgements) : [];
  if (content) {
    const cache = analyzeCache(content, { acknowledgedVariableBreakpoints: acknowledged });
    for (const issue of cache.issues) {
      (issue.severity === "error" ? errors : warnings).push({ path: issue.location, message: issue.message });
    }
  }
  const previous = latest ? parseVersionContent(latest) : null;
  const proposal = content && previous ? proposeBump(previous, content) : { bump: "major" as Bump, reasons: ["first version"] };
  const latestVersion = latest ? formatVersion(latest) : null;
  const proposedVersion = nextVersion(latestVersion, proposal.bump);
  const contentHash = content ? hashVersionContent(content) : draft.contentHash;
  const identical = latest !== null && latest.contentHash === contentHash;
  return {
    draft,
    content,
    latest: latestVersion,
    bump: proposal.bump,
    reasons: proposal.reasons,
    proposedVersion,
    identical,
    errors,
    warnings,
    acknowledged,
    pins: includes.pins,
    contentHash,
  };
}

/**
 * Publishes the draft: validates it (contract, cache breakpoints), assigns the version number
 * (the proposal, a raised bump, or an explicit version at or above the proposal), freezes it,
 * and optionally moves labels, all in one transaction. A concurrent publish of the same number
 * is a conflict.
 */
export async function publishDraft(actor: Actor, input: PublishInput) {
  assertRole(actor, "EDITOR");
  const changelog = input.changelog.trim();
  if (!changelog) throw new AppError("bad_request", "A changelog message is required to publish");
  if (changelog.length > 2000) throw new AppError("bad_request", "The changelog is limited to 2000 characters");
  try {
    return await getDb().$transaction(async (tx) => {
      const prompt = await loadPrompt(tx, actor, input.promptId);
      const draft = await tx.promptVersion.findFirst({ where: { promptId: input.promptId, status: "DRAFT" } });
      if (!draft) throw new AppError("not_found", "This prompt has no draft to publish");
      const latest = await tx.promptVersion.findFirst({
        where: { promptId: input.promptId, status: "PUBLISHED" },
        orderBy: [{ major: "desc" }, { minor: "desc" }, { patch: "desc" }],
      });
      // Every include resolves to an exact snippet version now, inside the transaction, and is stored.
      const includes = await resolveVersionIncludes(actor.projectId, prompt.name, readDraftTemplates(draft), tx);
      const plan = planPublish(draft, latest, input.acknowledgedVariableBreakpoints, includes);
      if (plan.errors.length > 0) {
        throw new AppError("unprocessable", "The draft cannot be published until these problems are fixed", { issues: plan.errors });
      }
      if (plan.identical && latest) {
        throw new AppError("conflict", `The draft is identical to ${formatVersion(latest)}; nothing to publish`);
      }
      let target = plan.proposedVersion;
      if (input.bump) {
        if (bumpRank[input.bump] < bumpRank[plan.bump]) {
          throw new AppError("unprocessable", `This change needs at least a ${plan.bump} bump (${plan.reasons.join("; ")})`);
        }
        target = nextVersion(plan.latest, input.bump);
      }
      if (input.version) {
        const publishedVersions = await tx.promptVersion.findMany({
          where: { promptId: input.promptId, status: "PUBLISHED" },
          select: { major: true, minor: true, patch: true },
        });
        target = validateRequestedVersion(target, input.version, publishedVersions.map(formatVersion));
      }
      const published = await tx.promptVersion.update({
        where: { id: draft.id },
        data: {
          ...parseVersion(target),
          status: "PUBLISHED",
          publishedAt: new Date(),
          changelog,
          cacheAcknowledgements: plan.acknowledged,
          snippetPins: toJson(plan.pins),
          contentHash: plan.contentHash,
          authorId: actorUserId(actor) ?? draft.authorId,
        },
      });
      await tx.prompt.update({ where: { id: input.promptId }, data: { updatedAt: new Date() } });
      await recordAudit(tx, actor, {
        action: "version.published",
        targetType: "prompt_version",
        targetId: published.id,
        after: { version: formatVersion(published), bump: plan.bump, changelog },
      });
      await recordProjectEvent(tx, actor.projectId, "version.published", {
        prompt: prompt.name,
        promptId: prompt.id,
        version: formatVersion(published),
        versionId: published.id,
        bump: plan.bump,
        changelog,
        actor: actorLabel(actor),
      });
      for (const label of input.labels ?? []) {
        // The publish dialog shows the contract change as the bump's reasons (a breaking one is major).
        await moveLabelInTx(
          tx,
          actor,
          {
            promptId: input.promptId,
            label,
            versionId: published.id,
            reason: `published ${formatVersion(published)}`,
            force: true,
          },
          prompt.name,
        );
      }
      // Served caches on every instance drop this prompt when the transaction commits.
      await notifyPromptChanged(tx, actor.projectId, prompt.name);
      return published;
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError("conflict", "That version number was just published by someone else; reload and publish again");
    }
    throw error;
  }
}

// Re-exported: callers have imported it from here.
export { labelNamePattern };

/** The approved release request a label move carries out (release-requests.ts): the rule's approval replaces the move's own rights check. */
export interface ReleaseApproval {
  requestId: string;
}

async function moveLabelInTx(
  tx: Prisma.TransactionClient,
  actor: Actor,
  input: {
    promptId: string;
    label: string;
    versionId: string;
    reason?: string;
    protect?: boolean;
    force?: boolean;
    approval?: ReleaseApproval;
    rollback?: boolean;
  },
  promptName: string,
) {
  if (!labelNamePattern.test(input.label)) {
    throw new AppError("bad_request", `Invalid label "${input.label}": use 1 to 36 lowercase letters, digits, ".", "_" or "-"`);
  }
  const version = await tx.promptVersion.findFirst({ where: { id: input.versionId, promptId: input.promptId } });
  if (!version) throw new AppError("not_found", "That version does not exist for this prompt");
  if (version.status !== "PUBLISHED") throw new AppError("unprocessable", "Only published versions can carry a label");
  const existing = await tx.label.findUnique({ where: { promptId_name: { promptId: input.promptId, name: input.label } } });
  if (existing && existing.versionId === version.id) {
    assertMayDecideLabel(actor, existing);
    return existing;
  }
  // The project's release rules (settings.releases): such a label moves only through an approved
  // release request (release-requests.ts), whose rule also decided who may approve; a rollback is exempt.
  if (!input.approval && !input.rollback) {
    const rule = releaseRuleFor(await readReleaseRules(tx, actor.projectId), input.label);
    if (rule) {
      throw new AppError("conflict", `Moving "${input.label}" needs an approved release request (${describeReleaseRule(rule)}): request the release instead`, {
        details: { needsApproval: true, label: input.label },
      });
    }
  }
  if (!input.approval) assertMayDecideLabel(actor, existing);
  // A move across a breaking variables-contract change would turn callers' calls into 422s.
  await assertContractCompatibleMove(tx, actor, { promptId: input.promptId, label: input.label, versionId: version.id, force: input.force });
  // The project's release gate (settings.evals.gate): a gated label needs a passing eval of this
  // exact content, unless it served this version before (a rollback).
  await assertReleaseGate(tx, {
    projectId: actor.projectId,
    promptId: input.promptId,
    label: input.label,
    version: { id: version.id, contentHash: version.contentHash, display: formatVersion(version) },
  });
  const label = existing
    ? await tx.label.update({ where: { id: existing.id }, data: { versionId: version.id } })
    : await tx.label.create({
        data: { promptId: input.promptId, name: input.label, versionId: version.id, protected: input.protect ?? input.label === "production" },
      });
  await tx.labelEvent.create({
    data: {
      labelId: label.id,
      fromVersionId: existing?.versionId ?? null,
      toVersionId: version.id,
      actorId: actorUserId(actor),
      actorLabel: actorLabel(actor),
      reason: input.reason ?? null,
    },
  });
  await recordAudit(tx, actor, {
    action: "label.moved",
    targetType: "label",
    targetId: label.id,
    before: existing ? { version: existing.versionId } : null,
    after: {
      label: input.label,
      version: formatVersion(version),
      versionId: version.id,
      ...(input.approval ? { releaseRequestId: input.approval.requestId } : {}),
    },
  });
  const from = existing ? await tx.promptVersion.findUnique({ where: { id: existing.versionId }, select: { major: true, minor: true, patch: true } }) : null;
  await recordProjectEvent(tx, actor.projectId, "label.moved", {
    prompt: promptName,
    promptId: input.promptId,
    label: input.label,
    version: formatVersion(version),
    versionId: version.id,
    previousVersion: from ? formatVersion(from) : null,
    previousVersionId: existing?.versionId ?? null,
    reason: input.reason ?? null,
    actor: actorLabel(actor),
  });
  return label;
}

/**
 * Points a label at a published version (creating the label). Protected labels need ADMIN. A
 * label under a release rule (release-rules.ts) is a conflict naming the way (request a release);
 * `approval` names the approved release request the move carries out (set by `approveReleaseRequest`,
 * and by a canary rollout started by one when it completes); its rule decided who may approve. A
 * target whose variables contract can refuse the label's callers (see label-move-check.ts) is a
 * conflict unless `force`.
 * With `options.tx` the move joins the caller's transaction (e.g. promoting an experiment ends it
 * and moves the label atomically); otherwise it runs in its own.
 */
export async function moveLabel(
  actor: Actor,
  input: { promptId: string; label: string; versionId: string; reason?: string; force?: boolean; approval?: ReleaseApproval },
  options: { tx?: Prisma.TransactionClient } = {},
) {
  assertRole(actor, "EDITOR");
  const move = async (tx: Prisma.TransactionClient) => {
    const prompt = await loadPrompt(tx, actor, input.promptId);
    const label = await moveLabelInTx(tx, actor, input, prompt.name);
    await notifyPromptChanged(tx, actor.projectId, prompt.name);
    return label;
  };
  if (options.tx) return move(options.tx);
  try {
    return await getDb().$transaction(move);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
  // Two first moves of a new label at once: the other one created it between this one's read and
  // insert. Once more, the label exists and is moved like any other.
  try {
    return await getDb().$transaction(move);
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict", `The "${input.label}" label was just changed by someone else; retry`);
    throw error;
  }
}

/**
 * One-click rollback: moves the label back to the version it pointed at before its last move
 * (a conflict across a breaking variables-contract change unless `force`, as for any move).
 */
export async function rollbackLabel(actor: Actor, input: { promptId: string; label: string; force?: boolean }) {
  assertRole(actor, "EDITOR");
  return getDb().$transaction(async (tx) => {
    const prompt = await loadPrompt(tx, actor, input.promptId);
    const label = await tx.label.findUnique({ where: { promptId_name: { promptId: input.promptId, name: input.label } } });
    if (!label) throw new AppError("not_found", `There is no "${input.label}" label`);
    const last = await tx.labelEvent.findFirst({ where: { labelId: label.id }, orderBy: { at: "desc" } });
    if (!last?.fromVersionId) throw new AppError("conflict", `The "${input.label}" label has no earlier version to roll back to`);
    const moved = await moveLabelInTx(
      tx,
      actor,
      {
        promptId: input.promptId,
        label: input.label,
        versionId: last.fromVersionId,
        reason: "rollback",
        force: input.force,
        rollback: true,
      },
      prompt.name,
    );
    await notifyPromptChanged(tx, actor.projectId, prompt.name);
    return moved;
  });
}

/**
 * Archives a prompt (EDITOR+): it leaves the prompt lists (dashboard, API, Langfuse reads) and
 * becomes read-only (no saves, publishes or label moves until restored), while its versions,
 * label history and calls are kept and its labels keep serving (`GET /api/v1/prompts/{name}`
 * answers as before, so apps still calling it do not break). Refused while an experiment on it
 * is running. Archiving an archived prompt changes nothing.
 */
export async function archivePrompt(actor: Actor, promptId: string) {
  assertRole(actor, "EDITOR");
  return getDb().$transaction(async (tx) => {
    const prompt = await loadPrompt(tx, actor, promptId, { archived: "allow" });
    if (prompt.archivedAt) return prompt;
    const running = await tx.experiment.findFirst({ where: { promptId, status: "RUNNING" }, select: { name: true } });
    if (running) throw new AppError("conflict", `Experiment "${running.name}" is running on this prompt: pause or complete it before archiving`);
    const archived = await tx.prompt.update({ where: { id: promptId }, data: { archivedAt: new Date() } });
    await recordAudit(tx, actor, { action: "prompt.archived", targetType: "prompt", targetId: promptId, after: { name: prompt.name } });
    await notifyPromptChanged(tx, actor.projectId, prompt.name);
    return archived;
  });
}

/** Restores an archived prompt (EDITOR+): back in the lists and writable. Restoring a live prompt changes nothing. */
export async function restorePrompt(actor: Actor, promptId: string) {
  assertRole(actor, "EDITOR");
  return getDb().$transaction(async (tx) => {
    const prompt = await loadPrompt(tx, actor, promptId, { archived: "allow" });
    if (!prompt.archivedAt) return prompt;
    const restored = await tx.prompt.update({ where: { id: promptId }, data: { archivedAt: null } });
    await recordAudit(tx, actor, { action: "prompt.restored", targetType: "prompt", targetId: promptId, after: { name: prompt.name } });
    await notifyPromptChanged(tx, actor.projectId, prompt.name);
    return restored;
  });
}

/**
 * Deletes a prompt for good (ADMIN): its versions, drafts, experiments and eval runs go; logged
 * calls stay (unlinked from it) and the audit log keeps the event. `confirmName` must be the
 * prompt's name, typed by the person deleting (bad_request otherwise). Refused (conflict) while
 * any label still serves it, naming the labels: apps calling it would start getting 404s.
 */
export async function deletePrompt(actor: Actor, input: { promptId: string; confirmName: string }) {
  assertRole(actor, "ADMIN");
  return getDb().$transaction(async (tx) => {
    const prompt = await loadPrompt(tx, actor, input.promptId, { archived: "allow" });
    if (input.confirmName.trim() !== prompt.name) {
      throw new AppError("bad_request", `Type the prompt's name, "${prompt.name}", to confirm the deletion`);
    }
    const labels = await tx.label.findMany({ where: { promptId: prompt.id }, include: { version: true }, orderBy: { name: "asc" } });
    if (labels.length > 0) {
      const named = labels
        .sort((a, b) => compareLabelNames(a.name, b.name))
        .map((l) => `${l.name} (v${formatVersion(l.version)})`)
        .join(", ");
      throw new AppError(
        "conflict",
        `Prompt "${prompt.name}" is still served by ${labels.length === 1 ? "its label" : "its labels"} ${named}: apps fetching ${labels.length === 1 ? "it" : "them"} would get 404s. Archive the prompt instead: it leaves the lists and its labels keep serving`,
      );
    }
    // Variants restrict deleting the versions they test: experiments go first, then the prompt
    // (its versions, eval runs and rollups cascade; calls keep their rows, unlinked).
    await tx.experiment.deleteMany({ where: { promptId: prompt.id } });
    await tx.prompt.delete({ where: { id: prompt.id } });
    await recordAudit(tx, actor, { action: "prompt.deleted", targetType: "prompt", targetId: prompt.id, before: { name: prompt.name } });
    await notifyPromptChanged(tx, actor.projectId, prompt.name);
    return { name: prompt.name };
  });
}

/**
 * After publishing snippet version `versionId`: opens a draft for each dependent (a prompt or
 * snippet whose latest published version pins this snippet at another version) from that latest
 * version, with exact-version includes re-pinned to the new version (label includes resolve when
 * the draft is published). A dependent that already has a draft, or is archived, is skipped and
 * reported. Needs EDITOR. Returns what was done per dependent.
 */
export async function openDependentDrafts(actor: Actor, input: { snippetPromptId: string; versionId: string }) {
  assertRole(actor, "EDITOR");
  const db = getDb();
  const snippet = await db.prompt.findFirst({ where: { id: input.snippetPromptId, projectId: actor.projectId, kind: "SNIPPET" } });
  if (!snippet) throw new AppError("not_found", "This snippet does not exist in the project");
  const version = await db.promptVersion.findFirst({ where: { id: input.versionId, promptId: snippet.id, status: "PUBLISHED" } });
  if (!version) throw new AppError("not_found", "That snippet version does not exist or is not published");
  const target = formatVersion(version);
  const dependents = await listSnippetDependents(actor.projectId, snippet.name, db);
  const results: { prompt: string; outcome: "opened" | "has_draft" | "up_to_date" | "archived"; repinned: number }[] = [];
  for (const dependent of dependents) {
    const prompt = await db.prompt.findUnique({ where: { projectId_name: { projectId: actor.projectId, name: dependent.prompt } } });
    if (!prompt) continue;
    const latest = await db.promptVersion.findFirst({
      where: { promptId: prompt.id, status: "PUBLISHED" },
      orderBy: [{ major: "desc" }, { minor: "desc" }, { patch: "desc" }],
    });
    const latestPin = latest ? dependent.pins.find((p) => p.versionId === latest.id) : undefined;
    if (!latest || !latestPin) continue;
    if (prompt.archivedAt) {
      results.push({ prompt: prompt.name, outcome: "archived", repinned: 0 });
      continue;
    }
    if (latestPin.snippetVersion === target) {
      results.push({ prompt: prompt.name, outcome: "up_to_date", repinned: 0 });
      continue;
    }
    const { content, changed } = repinContent(parseVersionContent(latest), snippet.name, target);
    try {
      await db.$transaction(async (tx) => {
        const existing = await tx.promptVersion.findFirst({ where: { promptId: prompt.id, status: "DRAFT" }, select: { id: true } });
        if (existing) throw new AppError("conflict", "has a draft");
        const draft = await tx.promptVersion.create({
          data: {
            promptId: prompt.id,
            major: DRAFT_MAJOR,
            minor: 0,
            patch: 0,
            status: "DRAFT",
            changelog: `Snippet ${snippet.name} ${latestPin.snippetVersion} -> ${target}`,
            authorId: actorUserId(actor),
            ...contentColumns(content),
            cacheAcknowledgements: latest.cacheAcknowledgements,
          },
        });
        await recordAudit(tx, actor, {
          action: "draft.opened_for_snippet",
          targetType: "prompt_version",
          targetId: draft.id,
          after: { snippet: snippet.name, version: target },
        });
      });
      results.push({ prompt: prompt.name, outcome: "opened", repinned: changed });
    } catch (error) {
      if ((error instanceof AppError && error.code === "conflict") || isUniqueViolation(error)) {
        results.push({ prompt: prompt.name, outcome: "has_draft", repinned: 0 });
      } else throw error;
    }
  }
  return { snippet: snippet.name, version: target, results };
}
