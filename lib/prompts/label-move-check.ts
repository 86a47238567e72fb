import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { Actor } from "@/lib/audit/actor";
import { checkCallsAgainstContract, describeContractBreak, diffVariableContracts, recordedVariables, type LabelMoveContractCheck } from "./contract-diff";
import { variablesSchema } from "./schemas";
import { formatVersion } from "./versioning";

/** How far back the label-move check looks at the calls of the version a label serves. */
export const RECENT_CALL_DAYS = 7;
/** At most this many of those calls (the newest) are replayed against the target's contract. */
export const RECENT_CALL_LIMIT = 1000;

type Db = Prisma.TransactionClient;

const contractOf = (variables: unknown) => {
  const parsed = variablesSchema.safeParse(variables);
  return parsed.success ? parsed.data : {};
};

/**
 * What moving `label` of a prompt to `versionId` means for its callers: the variables contract
 * difference between the version the label serves and the target (`diffVariableContracts`), and
 * how many of the label version's recent API and experiment calls (last `RECENT_CALL_DAYS` days,
 * at most the newest `RECENT_CALL_LIMIT`) sent variables the target would refuse. A new label has
 * no callers: `from` is null and there are no changes. Read-only.
 */
export async function checkLabelMove(
  db: Db,
  actor: Pick<Actor, "projectId">,
  input: { promptId: string; label: string; versionId: string; now?: Date },
): Promise<LabelMoveContractCheck> {
  const target = await db.promptVersion.findFirst({
    where: { id: input.versionId, promptId: input.promptId, prompt: { projectId: actor.projectId } },
    select: { id: true, major: true, minor: true, patch: true, variables: true },
  });
  if (!target) throw new AppError("not_found", "That version does not exist for this prompt");
  const label = await db.label.findUnique({
    where: { promptId_name: { promptId: input.promptId, name: input.label } },
    select: { version: { select: { id: true, major: true, minor: true, patch: true, variables: true } } },
  });
  const empty = { checked: 0, incompatible: 0, unrecorded: 0, byVariable: [], days: RECENT_CALL_DAYS, limit: RECENT_CALL_LIMIT };
  const base = { label: input.label, to: formatVersion(target) };
  if (!label || label.version.id === target.id) {
    return { ...base, from: label ? formatVersion(label.version) : null, changes: [], breaking: [], recentCalls: empty };
  }
  const toContract = contractOf(target.variables);
  const changes = diffVariableContracts(contractOf(label.version.variables), toContract);
  const since = new Date((input.now ?? new Date()).getTime() - RECENT_CALL_DAYS * 86_400_000);
  const calls = await db.callLog.findMany({
    where: { versionId: label.version.id, createdAt: { gte: since }, source: { in: ["api", "experiment"] } },
    orderBy: { createdAt: "desc" },
    take: RECENT_CALL_LIMIT,
    select: { metadata: true },
  });
  const recent = checkCallsAgainstContract(
    toContract,
    calls.map((c) => recordedVariables(c.metadata)),
  );
  return {
    ...base,
    from: formatVersion(label.version),
    changes,
    breaking: changes.filter((c) => c.breaking),
    recentCalls: { ...recent, days: RECENT_CALL_DAYS, limit: RECENT_CALL_LIMIT },
  };
}

/** `checkLabelMove` outside a transaction (the dialogs' preview). */
export async function previewLabelMove(actor: Pick<Actor, "projectId">, input: { promptId: string; label: string; versionId: string }) {
  return checkLabelMove(getDb(), actor, input);
}

/**
 * Refuses (409 conflict, naming the difference and the recent calls it would fail; `details` is
 * the check) a label move whose target changes the variables contract in a way that can refuse
 * callers' calls (a variable removed, a type change, a newly required variable, enum values
 * removed), unless `force`. Also when no recent call would fail: callers not seen in the window
 * may still send them.
 */
export async function assertContractCompatibleMove(
  db: Db,
  actor: Pick<Actor, "projectId">,
  input: { promptId: string; label: string; versionId: string; force?: boolean },
): Promise<void> {
  if (input.force) return;
  const check = await checkLabelMove(db, actor, input);
  if (check.breaking.length === 0) return;
  throw new AppError("conflict", describeContractBreak(check), {
    issues: check.breaking.map((c) => ({ path: `variables.${c.variable}`, message: c.message })),
    details: check,
  });
}
