import type { Actor } from "@/lib/audit/actor";
import { getDb } from "@/lib/db/client";
import { hashPassword } from "@/lib/users/password";

export interface Person {
  email: string;
  password: string;
  name: string;
  role: "ADMIN" | "EDITOR" | "VIEWER";
}

/**
 * A project of a spec's own with its people (specs whose rules, e.g. a release rule on
 * production, must not touch the demo project other specs share). Returns the project id and an
 * admin actor (the first admin) for setting it up through lib/.
 */
export async function createProjectWithPeople(slug: string, name: string, people: readonly Person[]): Promise<{ projectId: string; admin: Actor }> {
  const db = getDb();
  const project = await db.project.create({ data: { slug, name } });
  let admin: Actor | null = null;
  for (const who of people) {
    const user = await db.user.create({ data: { email: who.email, name: who.name, passwordHash: await hashPassword(who.password) } });
    await db.membership.create({ data: { userId: user.id, projectId: project.id, role: who.role } });
    if (!admin && who.role === "ADMIN") admin = { kind: "user", userId: user.id, projectId: project.id, role: "ADMIN" };
  }
  if (!admin) throw new Error("createProjectWithPeople: give at least one admin");
  return { projectId: project.id, admin };
}
