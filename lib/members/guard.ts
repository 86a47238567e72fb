import { AppError } from "@/lib/errors";
import type { Actor } from "@/lib/audit/actor";
import { hasRole } from "@/lib/projects/roles";

/** Member management is for project admins; edges check the role too, this keeps the rule in the domain. */
export function requireAdmin(actor: Actor): void {
  if (actor.kind !== "user" || !hasRole(actor.role, "ADMIN")) throw new AppError("forbidden", "Only project admins manage members and invitations");
}
