import { cache } from "react";
import { getServerSession } from "next-auth";
import { notFound, redirect } from "next/navigation";
import { AppError, isAppError } from "@/lib/errors";
import { authOptions } from "@/lib/auth/options";
import { hasRole, type Role } from "@/lib/projects/roles";
import type { UserSummary } from "@/lib/users/queries";
import { getSessionUserById } from "@/lib/users/sessions";
import { findMembership, type ProjectRef } from "@/lib/projects/queries";
import type { Actor } from "@/lib/audit/actor";

export type SessionUser = UserSummary;

export interface ProjectAccess {
  user: SessionUser;
  project: ProjectRef;
  role: Role;
}

/** This request's signed-in identity from the JWT: user id and session row id, or null. Not yet checked against the database. */
const getSessionIdentity = cache(async (): Promise<{ userId: string; sid: string } | null> => {
  const session = await getServerSession(authOptions);
  const userId = session?.user?.id;
  const sid = session?.sid;
  return userId && sid ? { userId, sid } : null;
});

/**
 * The signed-in user for this request, or null. The JWT only proves who signed in; its session
 * row and the user are re-read from the database (once per request), so a deleted account or an
 * ended session (signed out elsewhere, password changed) loses access at once. A token from
 * before session rows existed (no `sid`) counts as signed out.
 */
export const getSessionUser = cache(async (): Promise<SessionUser | null> => {
  const identity = await getSessionIdentity();
  return identity ? getSessionUserById(identity.userId, identity.sid) : null;
});

/** The id of this request's session row (kept when a password change ends the user's other sessions), or null. */
export async function getCurrentSessionId(): Promise<string | null> {
  return (await getSessionIdentity())?.sid ?? null;
}

/** The signed-in user; in pages and actions without a session, redirects to /signin. */
export async function requireUser(): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) redirect("/signin");
  return user;
}

/**
 * The current user's membership in a project (by slug or id), or null when there is none.
 * Does not redirect; returns null when nobody is signed in.
 */
export async function getMembership(projectSlugOrId: string): Promise<ProjectAccess | null> {
  const user = await getSessionUser();
  if (!user) return null;
  const membership = await findMembership(user.id, projectSlugOrId);
  return membership ? { user, ...membership } : null;
}

/**
 * Requires the signed-in user to hold at least `minRole` (VIEWER < EDITOR < ADMIN) in the
 * project. Redirects to /signin without a session; throws AppError("not_found") when the
 * project does not exist or the user is not a member (so non-members cannot probe for project
 * slugs), and AppError("forbidden") when the role is too weak.
 */
export async function requireRole(projectSlugOrId: string, minRole: Role): Promise<ProjectAccess> {
  return projectAccessFor(await requireUser(), projectSlugOrId, minRole);
}

/** `requireRole` for a user already known (no redirect): the same not_found / forbidden errors. */
async function projectAccessFor(user: SessionUser, projectSlugOrId: string, minRole: Role): Promise<ProjectAccess> {
  const membership = await findMembership(user.id, projectSlugOrId);
  if (!membership) throw new AppError("not_found", "Project not found");
  if (!hasRole(membership.role, minRole)) {
    throw new AppError("forbidden", `This needs the ${minRole.toLowerCase()} role or higher in this project`);
  }
  return { user, ...membership };
}

/**
 * `requireRole` for pages and layouts: a missing project or membership renders the 404 page
 * and a too-weak role the forbidden page (/forbidden is a normal route, see app/forbidden).
 */
export async function requirePageRole(projectSlug: string, minRole: Role = "VIEWER"): Promise<ProjectAccess> {
  try {
    return await requireRole(projectSlug, minRole);
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") notFound();
    if (isAppError(error) && error.code === "forbidden") redirect(`/forbidden?project=${encodeURIComponent(projectSlug)}`);
    throw error;
  }
}

/** A project access plus the Actor that domain mutations take (permission checks and audit entries use it). */
export interface ActorAccess extends ProjectAccess {
  actor: Actor;
}

/**
 * The access of `user` (the signed-in user, see getSessionUser) to a project with at least
 * `minRole`, with its Actor: what server actions run as (lib/http/server-action.ts). Throws
 * AppError("not_found") for a missing project or membership, AppError("forbidden") for a weak role.
 */
export async function actorAccess(user: SessionUser, projectSlugOrId: string, minRole: Role): Promise<ActorAccess> {
  const access = await projectAccessFor(user, projectSlugOrId, minRole);
  return { ...access, actor: { kind: "user", userId: access.user.id, projectId: access.project.id, role: access.role } };
}
