import type { Prisma } from "@/lib/generated/prisma/client";

/** The PostgreSQL NOTIFY channel on which prompt changes (publish, label move) are announced. */
export const PROMPT_CHANGED_CHANNEL = "promptdeck_prompt_changed";

/** Payload of one notification: which prompt changed. */
export interface PromptChangedPayload {
  projectId: string;
  name: string;
}

/**
 * Announces, inside the caller's transaction, that what a prompt serves may have changed (a
 * version was published or a label moved). PostgreSQL delivers the notification on commit only,
 * so listeners never see a change that was rolled back. Every app instance LISTENing on
 * `PROMPT_CHANGED_CHANNEL` drops its cached copies of that prompt (lib/serving/change-feed.ts).
 */
export async function notifyPromptChanged(tx: Pick<Prisma.TransactionClient, "$executeRaw">, projectId: string, promptName: string): Promise<void> {
  const payload: PromptChangedPayload = { projectId, name: promptName };
  await tx.$executeRaw`SELECT pg_notify(${PROMPT_CHANGED_CHANNEL}, ${JSON.stringify(payload)})`;
}

/** Parses a notification payload; null when it is not ours. */
export function parsePromptChangedPayload(payload: string | undefined): PromptChangedPayload | null {
  if (!payload) return null;
  try {
    const value = JSON.parse(payload) as unknown;
    if (value && typeof value === "object" && "projectId" in value && "name" in value) {
      const { projectId, name } = value as Record<string, unknown>;
      if (typeof projectId === "string" && typeof name === "string") return { projectId, name };
    }
  } catch {
    // not JSON: not ours
  }
  return null;
}
