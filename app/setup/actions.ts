"use server";

import { defineFormAction } from "@/lib/http/server-action";
import { firstRunInputSchema, setUpFirstRun } from "@/lib/users/first-run";

/**
 * First-run setup: creates the first user (ADMIN) and the first project, only while the
 * database has no users (see lib/users/first-run.ts). Public: nobody can be signed in yet. Bad
 * fields come back as issues by field name; the client signs in afterwards.
 */
export const setupAction = defineFormAction({ public: true, input: firstRunInputSchema, invalidMessage: "Check the highlighted fields." }, async (input) =>
  setUpFirstRun(input),
);
