import type { Prisma } from "@/lib/generated/prisma/client";
import { actorLabel, actorUserId, type Actor } from "./actor";

export interface AuditInput {
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: Prisma.InputJsonValue | null;
  after?: Prisma.InputJsonValue | null;
}

/** Writes one audit event inside the caller's transaction, so the event exists iff the change does. */
export async function recordAudit(tx: Prisma.TransactionClient, actor: Actor, input: AuditInput): Promise<void> {
  await tx.auditEvent.create({
    data: {
      projectId: actor.projectId,
      actorId: actorUserId(actor),
      actorLabel: actorLabel(actor),
      action: input.action,
      targetType: input.targetType,
      targetId: input.targetId ?? null,
      ...(input.before != null ? { before: input.before } : {}),
      ...(input.after != null ? { after: input.after } : {}),
    },
  });
}
