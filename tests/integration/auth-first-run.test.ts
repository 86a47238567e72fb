import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { verifyPassword } from "@/lib/users/password";
import { authenticateUser } from "@/lib/users/queries";
import { createActionDefiners, type ActionResult } from "@/lib/http/action-result";
import { firstRunInputSchema, isFirstRun, setUpFirstRun } from "@/lib/users/first-run";
import { freshPGliteDatabase } from "./fresh-pglite";

// First-run needs a database with no users at all, which the shared integration database is not:
// this file runs against its own in-memory PGlite with the real migrations applied.
const freshDatabase = freshPGliteDatabase;

function form(fields: Record<string, string>): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  return fd;
}

// app/setup/actions.ts's action (same wrapper, schema and message) on this file's database. A
// public action never reads the session.
const { defineFormAction } = createActionDefiners({
  currentUser: () => Promise.reject(new Error("a public action read the session")),
  projectAccess: () => Promise.reject(new Error("a public action checked a project")),
});
function submitFirstRun(formData: FormData, db: PrismaClient): Promise<ActionResult<{ email: string; projectSlug: string }>> {
  const action = defineFormAction({ public: true, input: firstRunInputSchema, invalidMessage: "Check the highlighted fields." }, (input) =>
    setUpFirstRun(input, db),
  );
  return action(null, formData);
}

/** The first message for a form field, as the setup form shows it. */
function fieldError(result: ActionResult<unknown>, field: string): string | undefined {
  return result.ok ? undefined : result.issues?.find((i) => i.path === field)?.message;
}

const valid = {
  name: "Ada Admin",
  email: "  Ada@Example.COM ",
  password: "s3cret-pass",
  projectName: "Acme Support Bots",
  projectSlug: "",
};

describe("first-run setup action", () => {
  let ctx: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    ctx = await freshDatabase();
  });
  afterAll(async () => {
    await ctx.close();
  });

  it("returns field errors for bad input and creates nothing", async () => {
    const result = await submitFirstRun(form({ ...valid, email: "nope", password: "short", name: " " }), ctx.db);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toBe("Check the highlighted fields.");
    expect(fieldError(result, "email")).toBe("Enter a valid email address");
    expect(fieldError(result, "password")).toMatch(/at least 8 characters/);
    expect(fieldError(result, "name")).toBe("Enter your name");
    expect(fieldError(result, "projectName")).toBeUndefined();
    expect(await ctx.db.user.count()).toBe(0);
  });

  it("rejects a project name with no usable slug unless a slug is given", async () => {
    const result = await submitFirstRun(form({ ...valid, projectName: "!!!" }), ctx.db);
    expect(result.ok).toBe(false);
    expect(fieldError(result, "projectSlug")).toMatch(/Choose a slug/);
    const bad = await submitFirstRun(form({ ...valid, projectSlug: "Bad Slug" }), ctx.db);
    expect(bad.ok).toBe(false);
    expect(fieldError(bad, "projectSlug")).toMatch(/lowercase letters/);
    expect(await isFirstRun(ctx.db)).toBe(true);
  });

  it("creates the first admin and project, then closes for good", async () => {
    const result = await submitFirstRun(form(valid), ctx.db);
    expect(result).toEqual({ ok: true, data: { email: "ada@example.com", projectSlug: "acme-support-bots" } });

    const user = await ctx.db.user.findUniqueOrThrow({ where: { email: "ada@example.com" } });
    expect(user.name).toBe("Ada Admin");
    expect(user.passwordHash).toMatch(/^\$2[aby]\$1\d\$/);
    expect(await verifyPassword("s3cret-pass", user.passwordHash)).toBe(true);
    const membership = await ctx.db.membership.findFirstOrThrow({ where: { userId: user.id }, include: { project: true } });
    expect(membership.role).toBe("ADMIN");
    expect(membership.project).toMatchObject({ slug: "acme-support-bots", name: "Acme Support Bots" });
    expect(await ctx.db.auditEvent.count({ where: { action: "project.create", actorId: user.id } })).toBe(1);

    // The new account can sign in with the normalised email.
    expect(await authenticateUser({ email: "ada@example.com", password: "s3cret-pass" }, ctx.db)).toMatchObject({ id: user.id });
    expect(await authenticateUser({ email: "ada@example.com", password: "wrong-pass" }, ctx.db)).toBeNull();
    expect(await authenticateUser({ email: "nobody@example.com", password: "s3cret-pass" }, ctx.db)).toBeNull();

    const again = await submitFirstRun(form({ ...valid, email: "eve@example.com", projectSlug: "eve" }), ctx.db);
    expect(again).toEqual({ ok: false, code: "conflict", message: "Promptdeck is already set up. Sign in instead." });
    expect(await ctx.db.user.count()).toBe(1);
    expect(await ctx.db.project.count()).toBe(1);
  });
});

describe("first-run setup under concurrency", () => {
  it("lets exactly one of several simultaneous submissions through", async () => {
    const ctx = await freshDatabase();
    try {
      const results = await Promise.all(
        ["a", "b", "c"].map((s) => submitFirstRun(form({ ...valid, email: `${s}@example.com`, projectSlug: `proj-${s}` }), ctx.db)),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(await ctx.db.user.count()).toBe(1);
      expect(await ctx.db.project.count()).toBe(1);
    } finally {
      await ctx.close();
    }
  });
});
