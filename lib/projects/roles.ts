import { z } from "zod";

/** Project roles, weakest first. Each role can do everything the roles before it can. */
export const ROLES = ["VIEWER", "EDITOR", "ADMIN"] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

const rank: Record<Role, number> = { VIEWER: 0, EDITOR: 1, ADMIN: 2 };

/** True when `role` is at least `minRole` (VIEWER < EDITOR < ADMIN). */
export function hasRole(role: Role, minRole: Role): boolean {
  return rank[role] >= rank[minRole];
}

/** Compares two roles for sorting: negative when `a` is weaker than `b`. */
export function compareRoles(a: Role, b: Role): number {
  return rank[a] - rank[b];
}

/** Human label for a role ("Admin", "Editor", "Viewer"). */
export function roleLabel(role: Role): string {
  return role.charAt(0) + role.slice(1).toLowerCase();
}
