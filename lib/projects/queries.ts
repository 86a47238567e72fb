import type { PrismaClient } from "@/lib/generated/prisma/client";
import { getDb } from "@/lib/db/client";
import type { Role } from "@/lib/projects/roles";

export interface ProjectRef {
  id: string;
  slug: string;
  name: string;
}

export interface ProjectWithRole extends ProjectRef {
  role: Role;
}

/** The projects a user is a member of, with their role, ordered by name. */
export async function listProjectsForUser(userId: string, db: PrismaClient = getDb()): Promise<ProjectWithRole[]> {
  const rows = await db.membership.findMany({
    where: { userId, project: { deletedAt: null } },
    select: { role: true, project: { select: { id: true, slug: true, name: true } } },
    orderBy: [{ project: { name: "asc" } }, { project: { slug: "asc" } }],
  });
  return rows.map((r) => ({ ...r.project, role: r.role }));
}

/**
 * A user's membership in a project given by slug or id, or null when the project does not exist
 * or the user is not a member (callers must not tell the two apart to non-members).
 */
export async function findMembership(userId: string, projectSlugOrId: string, db: PrismaClient = getDb()): Promise<{ project: ProjectRef; role: Role } | null> {
  const row = await db.membership.findFirst({
    where: { userId, project: { deletedAt: null, OR: [{ slug: projectSlugOrId }, { id: projectSlugOrId }] } },
    select: { role: true, project: { select: { id: true, slug: true, name: true } } },
  });
  return row ? { project: row.project, role: row.role } : null;
}

export interface MemberRow {
  userId: string;
  name: string | null;
  email: string;
  role: Role;
  joinedAt: Date;
}

/** Members of a project, strongest role first, then by email. */
export async function listMembers(projectId: string, db: PrismaClient = getDb()): Promise<MemberRow[]> {
  const rows = await db.membership.findMany({
    where: { projectId },
    select: { role: true, createdAt: true, user: { select: { id: true, name: true, email: true } } },
    orderBy: [{ role: "desc" }, { user: { email: "asc" } }],
  });
  return rows.map((r) => ({ userId: r.user.id, name: r.user.name, email: r.user.email, role: r.role, joinedAt: r.createdAt }));
}

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date | null;
  createdBy: string | null;
  /** The key's own rate limit; null = the server's default. */
  rateLimitPerSecond: number | null;
  rateLimitBurst: number | null;
}

/** API keys of a project for display: never the hash, newest first. */
export async function listApiKeys(projectId: string, db: PrismaClient = getDb()): Promise<ApiKeyRow[]> {
  const rows = await db.apiKey.findMany({
    where: { projectId },
    select: {
      id: true,
      name: true,
      prefix: true,
      scopes: true,
      createdAt: true,
      lastUsedAt: true,
      revokedAt: true,
      expiresAt: true,
      rateLimitPerSecond: true,
      rateLimitBurst: true,
      createdBy: { select: { email: true } },
    },
    orderBy: { createdAt: "desc" },
  });
  return rows.map(({ createdBy, ...r }) => ({ ...r, createdBy: createdBy?.email ?? null }));
}
