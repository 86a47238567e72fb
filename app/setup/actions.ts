"use server";

import { isAppError } from "@/lib/errors";
import { createFirstAdmin, firstRunInputSchema, isFirstRun } from "@/lib/users/first-run";

export type SetupFieldErrors = Partial<Record<"name" | "email" | "password" | "projectName" | "projectSlug", string>>;

export type SetupState =
  | { ok: true; email: string; projectSlug: string }
  | { ok: false; formError?: string; fieldErrors: SetupFieldErrors };

const FIELDS = new Set(["name", "email", "password", "projectName", "projectSlug"]);

function field(formData: FormData, name: string): string {
  const v = formData.get(name);
  return typeof v === "string" ? v : "";
}

/**
 * First-run setup: creates the first user (ADMIN) and the first project. Only works while the
 * database has no users. Returns field errors for bad input and a form error when setup is
 * already done; the client then signs in with the same credentials.
 */
export async function setupAction(_prev: SetupState | null, formData: FormData): Promise<SetupState> {
  const parsed = firstRunInputSchema.safeParse({
    name: field(formData, "name"),
    email: field(formData, "email"),
    password: field(formData, "password"),
    projectName: field(formData, "projectName"),
    projectSlug: field(formData, "projectSlug") || undefined,
  });
  if (!parsed.success) {
    const fieldErrors: SetupFieldErrors = {};
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? "");
      if (FIELDS.has(key) && !fieldErrors[key as keyof SetupFieldErrors]) {
        fieldErrors[key as keyof SetupFieldErrors] = issue.message;
      }
    }
    return { ok: false, formError: "Check the highlighted fields.", fieldErrors };
  }
  try {
    if (!(await isFirstRun())) {
      return { ok: false, formError: "Promptdeck is already set up. Sign in instead.", fieldErrors: {} };
    }
    const created = await createFirstAdmin(parsed.data);
    return { ok: true, email: parsed.data.email, projectSlug: created.projectSlug };
  } catch (error) {
    if (isAppError(error)) return { ok: false, formError: error.message, fieldErrors: {} };
    console.error("setupAction failed", error);
    return { ok: false, formError: "Something went wrong while creating your account. Try again.", fieldErrors: {} };
  }
}
