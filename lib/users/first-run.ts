import { z } from "zod";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { getDb } from "@/lib/db/client";
import { AppError, isAppError } from "@/lib/errors";
import { childLogger } from "@/lib/logger";
import { hashPassword, newPasswordSchema } from "@/lib/users/password";
import { projectSlugSchema, slugify } from "@/lib/projects/slug";

const log = childLogger({ component: "first-run" });

/** The first-run form: the first account and the first project. Slug is derived when empty. */
export const firstRunInputSchema = z
  .object({
    name: z.string().trim().min(1, "Enter your name").max(100, "Name is too long"),
    email: z.string().trim().toLowerCase().pipe(z.email("Enter a valid email address")),
    password: newPasswordSchema,
    projectName: z.string().trim().min(1, "Enter a project name").max(100, "Project name is too long"),
    projectSlug: z.string().trim().optional(),
  })
  .transform((v, ctx) => {
    const slug = v.projectSlug ? v.projectSlug.toLowerCase() : slugify(v.projectName);
    const checked = projectSlugSchema.safeParse(slug);
    if (!checked.success) {
      ctx.addIssue({
        code: "custom",
        path: ["projectSlug"],
        message: v.projectSlug
          ? (checked.error.issues[0]?.message ?? "Invalid slug")
          : "Choose a slug: the name has too few letters or digits",
      });
      return z.NEVER;
    }
    return { name: v.name, email: v.email, password: v.password, projectName: v.projectName, projectSlug: slug };
  });
export type FirstRunInput = z.input<typeof firstRunInputSchema>;
export type FirstRunData = z.output<typeof firstRunInputSchema>;

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
export async function createFirstAdmin(
  data: FirstRunData,
  db: PrismaClient = getDb(),
): Promise<{ userId: string; projectId: string; projectSlug: string }> {
  const passwordHash = await hashPassword(data.password);
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${FIRST_RUN_LOCK_KEY})`;
    if ((await tx.user.count()) > 0) {
      throw new AppError("conflict", "Promptdeck is already set up. Sign in instead.");
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

export type FirstRunField = "name" | "email" | "password" | "projectName" | "projectSlug";
export type FirstRunFieldErrors = Partial<Record<FirstRunField, string>>;

/** What the setup form gets back: success, or errors to show (never raw exception text). */
export type FirstRunResult =
  | { ok: true; email: string; projectSlug: string }
  | { ok: false; formError?: string; fieldErrors: FirstRunFieldErrors };

const FIRST_RUN_FIELDS: readonly FirstRunField[] = ["name", "email", "password", "projectName", "projectSlug"];

/**
 * Handles a submitted first-run form (FormData, values are strings): validates it, refuses when
 * any user exists, creates the admin and the project. Returns field errors for bad input and a
 * form error when setup is closed; unexpected errors are logged and reported generically.
 */
export async function submitFirstRun(formData: FormData, db: PrismaClient = getDb()): Promise<FirstRunResult> {
  const text = (name: string): string => {
    const v = formData.get(name);
    return typeof v === "string" ? v : "";
  };
  const parsed = firstRunInputSchema.safeParse({
    name: text("name"),
    email: text("email"),
    password: text("password"),
    projectName: text("projectName"),
    projectSlug: text("projectSlug").trim() || undefined,
  });
  if (!parsed.success) {
    const fieldErrors: FirstRunFieldErrors = {};
    for (const issue of parsed.error.issues) {
      const key = FIRST_RUN_FIELDS.find((f) => f === issue.path[0]);
      if (key && !fieldErrors[key]) fieldErrors[key] = issue.message;
    }
    return { ok: false, formError: "Check the highlighted fields.", fieldErrors };
  }
  try {
    if (!(await isFirstRun(db))) {
      return { ok: false, formError: "Promptdeck is already set up. Sign in instead.", fieldErrors: {} };
    }
    const created = await createFirstAdmin(parsed.data, db);
    return { ok: true, email: parsed.data.email, projectSlug: created.projectSlug };
  } catch (error) {
    if (isAppError(error)) return { ok: false, formError: error.message, fieldErrors: {} };
    log.error({ err: error }, "first-run setup failed");
    return { ok: false, formError: "Something went wrong while creating your account. Try again.", fieldErrors: {} };
  }
}
