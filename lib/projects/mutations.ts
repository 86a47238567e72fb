import { z } from "zod";
import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { displayTextSchema } from "@/lib/errors/display-text";
import { childLogger } from "@/lib/logger";
import type { ProjectRef } from "@/lib/projects/queries";
import { projectSlugSchema, slugify } from "@/lib/projects/slug";

const log = childLogger({ component: "projects" });

export const PROJECT_NAME_MAX_LENGTH = 100;

/** A project's name: trimmed, 1-100 characters, something visible, no control or text-direction characters. */
export const projectNameSchema = displayTextSchema({
  label: "Project name",
  max: PROJECT_NAME_MAX_LENGTH,
  empty: "Enter a project name",
  tooLong: `Project name must be at most ${PROJECT_NAME_MAX_LENGTH} characters`,
});

/**
 * The new-project form: a name and an optional slug (derived from the name when empty, as in the
 * first-run form). The output always has a valid slug.
 */
export const createProjectInputSchema = z
  .strictObject({
    name: projectNameSchema,
    slug: z.string().trim().max(200, "Slug is too long").optional(),
  })
  .transform((v, ctx) => {
    const slug = v.slug ? v.slug.toLowerCase() : slugify(v.name);
    const checked = projectSlugSchema.safeParse(slug);
    if (!checked.success) {
      ctx.addIssue({
        code: "custom",
        path: ["slug"],
        message: v.slug ? (checked.error.issues[0]?.message ?? "Invalid slug") : "Choose a slug: the name has too few letters or digits",
      });
      return z.NEVER;
    }
    return { name: v.name, slug };
  });
export type CreateProjectInput = z.output<typeof createProjectInputSchema>;

export const renameProjectInputSchema = z.strictObject({ name: projectNameSchema });

/** The delete form: the project's slug typed again, exactly. */
export const deleteProjectInputSchema = z.strictObject({ confirm: z.string().max(200, "That is not the project's slug") });

/** The project fields an audit event of the project itself records. */
function projectSnapshot(p: { name: string; slug: string }): { name: string; slug: string } {
  return { name: p.name, slug: p.slug };
}

/**
 * Creates a project with `userId` as its ADMIN (any signed-in user may). A slug already taken
 * (also by a project being deleted) is AppError("conflict") on the slug field.
 */
export async function createProject(userId: string, input: CreateProjectInput, db: PrismaClient = getDb()): Promise<ProjectRef> {
  try {
    return await db.$transaction(async (tx) => {
      const project = await tx.project.create({ data: { name: input.name, slug: input.slug }, select: { id: true, slug: true, name: true } });
      await tx.membership.create({ data: { userId, projectId: project.id, role: "ADMIN" } });
      await tx.auditEvent.create({
        data: {
          projectId: project.id,
          actorId: userId,
          actorLabel: `user:${userId}`,
          action: "project.create",
          targetType: "project",
          targetId: project.id,
          after: projectSnapshot(project),
        },
      });
      return project;
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new AppError("conflict", `The slug "${input.slug}" is taken: choose another`, { issues: [{ path: "slug", message: "This slug is taken" }] });
    }
    throw error;
  }
}

/** Renames a project (the slug, and so every URL and API path, stays). Recorded as an audit event. */
export async function renameProject(actor: { userId: string; projectId: string }, name: string, db: PrismaClient = getDb()): Promise<ProjectRef> {
  const parsed = projectNameSchema.parse(name);
  return db.$transaction(async (tx) => {
    const before = await tx.project.findFirst({ where: { id: actor.projectId, deletedAt: null }, select: { name: true, slug: true } });
    if (!before) throw new AppError("not_found", "Project not found");
    const project = await tx.project.update({ where: { id: actor.projectId }, data: { name: parsed }, select: { id: true, slug: true, name: true } });
    if (before.name !== project.name) {
      await tx.auditEvent.create({
        data: {
          projectId: project.id,
          actorId: actor.userId,
          actorLabel: `user:${actor.userId}`,
          action: "project.rename",
          targetType: "project",
          targetId: project.id,
          before: projectSnapshot(before),
          after: projectSnapshot(project),
        },
      });
    }
    return project;
  });
}

/** The slug a deleted project holds until it is purged (frees the real one at once). */
export function deletedSlug(projectId: string): string {
  return `deleted-${projectId.toLowerCase().replace(/[^a-z0-9]/g, "")}`;
}

/**
 * Deletes a project once `confirm` is exactly its slug. In one short transaction: the project is
 * marked deleted and its slug freed, and its memberships, API keys and webhook endpoints are
 * removed, so from the commit on no member, key or delivery reaches it (its pages answer 404 to
 * everybody). Its data (prompts, calls, rollups, datasets, evals, experiments, audit events) is
 * purged afterwards in small batches by `ProjectPurger` (purge.ts), which also deletes the row:
 * a project with millions of calls is deleted without a long transaction or a timed-out request.
 */
export async function deleteProject(
  actor: { userId: string; projectId: string },
  confirm: string,
  db: PrismaClient = getDb(),
): Promise<{ id: string; slug: string; name: string }> {
  return db.$transaction(async (tx) => {
    const project = await tx.project.findFirst({ where: { id: actor.projectId, deletedAt: null }, select: { id: true, slug: true, name: true } });
    if (!project) throw new AppError("not_found", "Project not found");
    if (confirm.trim() !== project.slug) {
      throw new AppError("bad_request", `Type the project's slug, ${project.slug}, to confirm`, {
        issues: [{ path: "confirm", message: `Type ${project.slug} to confirm` }],
      });
    }
    await tx.project.update({ where: { id: project.id }, data: { deletedAt: new Date(), slug: deletedSlug(project.id) } });
    await tx.membership.deleteMany({ where: { projectId: project.id } });
    await tx.apiKey.deleteMany({ where: { projectId: project.id } });
    await tx.webhookEndpoint.deleteMany({ where: { projectId: project.id } });
    // The project's own audit log goes with it; the deletion is logged by the process instead.
    log.info({ projectId: project.id, slug: project.slug, name: project.name, actorId: actor.userId }, "project deleted; its data will be purged");
    return project;
  });
}
