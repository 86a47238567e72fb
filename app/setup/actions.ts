"use server";

import { submitFirstRun, type FirstRunResult } from "@/lib/users/first-run";

/**
 * First-run setup: creates the first user (ADMIN) and the first project, only while the
 * database has no users (see lib/users/first-run.ts). The client signs in afterwards.
 */
export async function setupAction(_prev: FirstRunResult | null, formData: FormData): Promise<FirstRunResult> {
  return submitFirstRun(formData);
}
