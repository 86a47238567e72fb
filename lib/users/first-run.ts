import { z } from "zod";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { hashPassword, newPasswordSchema } from "@/lib/users/password";
import { projectSlugSchema, slugify } from "@/lib/projects/slug";
import { projectNameSchema } from "@/lib/projects/mutations";
import { displayNameSchema } from "@/lib/users/account";

/** The first-run form: the first account and the first project. Slug is derived when empty. */
export const firstRunInputSchema = z
  .object({
    name: displayNameSchema,
    email: z.string().trim().toLowerCase().pipe(z.email("Enter a valid email address")),
    password: newPasswordSchema,
    projectName: projectNameSchema,
    projectSlug: z.string().trim().optional(),
  })
  .transform((v, ctx) => {
    const slug = v.projectSlug ? v.projectSlug.toLowerCase() : slugify(v.projectName);
    const checked = projectSlugSchema.safeParse(slug);
    if (!checked.success) {
      ctx.addIssue({
        code: "custom",
        path: ["projectSlug"],
        message: v.projectSlug ? (checked.error.issues[0]?.message ?? "Invalid slug") : "Choose a slug: the name has too few letters or digits",
      });
      return z.NEVER;
    }
    return { name: v.name, email: v.email, password: v.password, projectName: v.projectName, projectSlug: slug };
  });
export type FirstRunInput = z.input<typeof firstRunInputSchema>;
export type FirstRunData = z.output<typeof firstRunInputSchema>;

const FIRST_RUN_CLOSED_MESSAGE = "Promptdeck is already set up. Sign in instead.";

// Arbitrary constant: serialises concurrent first-run attempts across connections.
const FIRST_RUN_LOCK_KEY = 7_340_021;

/** True while the database has no users at all (the first-run flow is open). */
export async function isFirstRun(db: PrismaClient = getDb()): Promise<boolean> {
  return (await db.user.count()) === 0;
}

/**
 * Creates the first user (ADMIN) and the first project in one transaction. Throws
 * AppError("conflict") when any user already exists, so the flow closes for good after one
 * success, even under concurrent submissions (an advisory lock serialises them).
 */
export async function createFirstAdmin(data: FirstRunData, db: PrismaClient = getDb()): Promise<{ userId: string; projectId: string; projectSlug: string }> {
  const passwordHash = await hashPassword(data.password);
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${FIRST_RUN_LOCK_KEY})`;
    if ((await tx.user.count()) > 0) {
      throw new AppError("conflict", FIRST_RUN_CLOSED_MESSAGE);
    }
    const user = await tx.user.create({ data: { name: data.name, email: data.email, passwordHash } });
    const project = await tx.project.create({ data: { name: data.projectName, slug: data.projectSlug } });
    await tx.membership.create({ data: { userId: user.id, projectId: project.id, role: "ADMIN" } });
    await tx.auditEvent.create({
      data: {
        projectId: project.id,
        actorId: user.id,
        action: "project.create",
        targetType: "project",
        targetId: project.id,
        after: { name: project.name, slug: project.slug, via: "first-run" },
      },
    });
    return { userId: user.id, projectId: project.id, projectSlug: project.slug };
  });
}

/**
 * Opens Promptdeck: creates the first admin and project from a parsed first-run form and returns
 * what the client signs in with. Refuses with AppError("conflict") once any user exists (checked
 * first, so a closed setup costs no password hash; `createFirstAdmin` re-checks under its lock).
 */
export async function setUpFirstRun(data: FirstRunData, db: PrismaClient = getDb()): Promise<{ email: string; projectSlug: string }> {
  if (!(await isFirstRun(db))) throw new AppError("conflict", FIRST_RUN_CLOSED_MESSAGE);
  const created = await createFirstAdmin(data, db);
  return { email: data.email, projectSlug: created.projectSlug };
}
