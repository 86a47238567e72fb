import { describe, expect, it } from "vitest";
import { compareRoles, hasRole, roleLabel, ROLES } from "@/lib/projects/roles";
import { checkPasswordPolicy, hashPassword, verifyPassword, BCRYPT_COST } from "@/lib/users/password";
import { credentialsSchema } from "@/lib/users/credentials";
import { projectSlugSchema, slugify } from "@/lib/projects/slug";

describe("roles", () => {
  it("orders VIEWER < EDITOR < ADMIN", () => {
    expect(hasRole("ADMIN", "VIEWER")).toBe(true);
    expect(hasRole("ADMIN", "EDITOR")).toBe(true);
    expect(hasRole("ADMIN", "ADMIN")).toBe(true);
    expect(hasRole("EDITOR", "VIEWER")).toBe(true);
    expect(hasRole("EDITOR", "EDITOR")).toBe(true);
    expect(hasRole("EDITOR", "ADMIN")).toBe(false);
    expect(hasRole("VIEWER", "VIEWER")).toBe(true);
    expect(hasRole("VIEWER", "EDITOR")).toBe(false);
    expect(hasRole("VIEWER", "ADMIN")).toBe(false);
  });

  it("sorts and labels roles", () => {
    expect([...ROLES].reverse().sort(compareRoles)).toEqual(["VIEWER", "EDITOR", "ADMIN"]);
    expect(roleLabel("EDITOR")).toBe("Editor");
  });
});

describe("slugify", () => {
  it.each([
    ["Acme Support", "acme-support"],
    ["  Billing -- Bot!! ", "billing-bot"],
    ["Crème Brûlée Café", "creme-brulee-cafe"],
    ["R&D", "r-and-d"],
    ["v2.0 / prod", "v2-0-prod"],
    ["🚀🚀", ""],
  ])("%j -> %j", (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it("caps the length without a trailing dash", () => {
    const slug = slugify(`${"a".repeat(47)} b`);
    expect(slug.length).toBeLessThanOrEqual(48);
    expect(slug.endsWith("-")).toBe(false);
  });

  it("produces slugs the slug schema accepts", () => {
    for (const name of ["Acme Support", "Team 42", "Über Prompts"]) {
      expect(projectSlugSchema.safeParse(slugify(name)).success).toBe(true);
    }
  });

  it("rejects malformed and reserved slugs", () => {
    for (const bad of ["A", "-abc", "abc-", "a--b", "has space", "UPPER", "api", "new"]) {
      expect(projectSlugSchema.safeParse(bad).success, bad).toBe(false);
    }
  });
});

describe("password policy", () => {
  it("requires at least 8 characters", () => {
    expect(checkPasswordPolicy("1234567")).toMatch(/at least 8/);
    expect(checkPasswordPolicy("12345678")).toBeNull();
  });

  it("rejects whitespace-only and over-long (bcrypt 72-byte) passwords", () => {
    expect(checkPasswordPolicy("        ")).toMatch(/spaces/);
    expect(checkPasswordPolicy("é".repeat(37))).toMatch(/72 bytes/); // 74 bytes
    expect(checkPasswordPolicy("é".repeat(36))).toBeNull(); // 72 bytes
  });

  it("hashes with bcrypt at cost >= 10 and verifies", async () => {
    expect(BCRYPT_COST).toBeGreaterThanOrEqual(10);
    const hash = await hashPassword("correct horse");
    expect(hash).toMatch(/^\$2[aby]\$10\$/);
    expect(await verifyPassword("correct horse", hash)).toBe(true);
    expect(await verifyPassword("wrong horse", hash)).toBe(false);
    expect(await verifyPassword("correct horse", null)).toBe(false);
  });
});

describe("credentials schema", () => {
  it("normalises the email and requires a password", () => {
    expect(credentialsSchema.parse({ email: "  Demo@PromptDeck.dev ", password: "x" })).toEqual({
      email: "demo@promptdeck.dev",
      password: "x",
    });
    const bad = credentialsSchema.safeParse({ email: "not-an-email", password: "" });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path[0]).sort()).toEqual(["email", "password"]);
  });
});
