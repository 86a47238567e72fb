import { z } from "zod";
import type { Actor } from "@/lib/audit/actor";
import { actorLabel, actorUserId } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/record";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { hasRole } from "@/lib/projects/roles";

/** A comment's text: 1 to 4000 characters after trimming. */
export const commentBodySchema = z.string().trim().min(1, "Write a comment first").max(4000, "At most 4000 characters");

export interface VersionCommentView {
  id: string;
  versionId: string;
  author: string;
  authorLabel: string;
  body: string;
  createdAt: string;
}

/**
 * Adds a comment to a version of a prompt in the actor's project (EDITOR+; drafts too: review notes
 * before publishing). Audited. Returns the comment.
 */
export async function addVersionComment(actor: Actor, input: { promptId: string; versionId: string; body: string }): Promise<VersionCommentView> {
  if (!hasRole(actor.role, "EDITOR")) throw new AppError("forbidden", "Commenting needs the editor role or higher");
  const body = commentBodySchema.safeParse(input.body);
  if (!body.success) {
    const message = body.error.issues[0]?.message ?? "Invalid comment";
    throw new AppError("bad_request", message, { issues: [{ path: "body", message }] });
  }
  return getDb().$transaction(async (tx) => {
    const version = await tx.promptVersion.findFirst({
      where: { id: input.versionId, promptId: input.promptId, prompt: { projectId: actor.projectId } },
      select: { id: true },
    });
    if (!version) throw new AppError("not_found", "That version does not exist for this prompt");
    let author = "an API key";
    if (actor.kind === "user") {
      const user = await tx.user.findUnique({ where: { id: actor.userId }, select: { name: true, email: true } });
      author = user?.name || user?.email || "a member";
    } else {
      const key = await tx.apiKey.findUnique({ where: { id: actor.apiKeyId }, select: { name: true } });
      if (key) author = `API key "${key.name}"`;
    }
    const comment = await tx.versionComment.create({
      data: { versionId: version.id, authorId: actorUserId(actor), authorLabel: actorLabel(actor), authorName: author, body: body.data },
    });
    await recordAudit(tx, actor, { action: "version.commented", targetType: "prompt_version", targetId: version.id, after: { commentId: comment.id } });
    return toView(comment);
  });
}

function toView(row: { id: string; versionId: string; authorName: string; authorLabel: string; body: string; createdAt: Date }): VersionCommentView {
  return { id: row.id, versionId: row.versionId, author: row.authorName, authorLabel: row.authorLabel, body: row.body, createdAt: row.createdAt.toISOString() };
}

/** Comments on the given versions of one prompt, oldest first (viewers read them). */
export async function listVersionComments(promptId: string, versionIds: readonly string[]): Promise<VersionCommentView[]> {
  if (versionIds.length === 0) return [];
  const rows = await getDb().versionComment.findMany({
    where: { versionId: { in: [...versionIds] }, version: { promptId } },
    orderBy: { createdAt: "asc" },
    take: 500,
  });
  return rows.map(toView);
}
