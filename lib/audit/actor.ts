import type { Role } from "@/lib/projects/roles";

/**
 * Who is acting: a signed-in user (with their role in the project) or an API key. Domain
 * mutations take an Actor so that permission checks and audit entries are made in one place.
 */
export type Actor = { kind: "user"; userId: string; projectId: string; role: Role } | { kind: "api_key"; apiKeyId: string; projectId: string; role: Role };

export function actorUserId(actor: Actor): string | null {
  return actor.kind === "user" ? actor.userId : null;
}

/** "user:<id>" or "api_key:<id>", stored beside the user id so machine writes are attributable. */
export function actorLabel(actor: Actor): string {
  return actor.kind === "user" ? `user:${actor.userId}` : `api_key:${actor.apiKeyId}`;
}
