import { AppError } from "@/lib/errors";

export type ExperimentStatus = "DRAFT" | "RUNNING" | "PAUSED" | "COMPLETED";
export type ExperimentAction = "start" | "pause" | "resume" | "promote" | "complete";

/**
 * The status machine: DRAFT -start-> RUNNING -pause-> PAUSED -resume-> RUNNING;
 * RUNNING -promote-> COMPLETED (label moved to the winner); RUNNING|PAUSED -complete-> COMPLETED
 * (ended without moving the label). COMPLETED is final. Promoting a paused experiment is refused:
 * resume it first, so the decision is made on live data.
 */
const TRANSITIONS: Record<ExperimentAction, { from: readonly ExperimentStatus[]; to: ExperimentStatus }> = {
  start: { from: ["DRAFT"], to: "RUNNING" },
  pause: { from: ["RUNNING"], to: "PAUSED" },
  resume: { from: ["PAUSED"], to: "RUNNING" },
  promote: { from: ["RUNNING"], to: "COMPLETED" },
  complete: { from: ["RUNNING", "PAUSED"], to: "COMPLETED" },
};

/** The status after `action`, or a conflict AppError that says why it is not allowed now. */
export function nextStatus(current: ExperimentStatus, action: ExperimentAction): ExperimentStatus {
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(current)) {
    const hint =
      action === "promote" && current === "PAUSED"
        ? "resume it first so the decision is made on live traffic"
        : current === "COMPLETED"
          ? "it has ended"
          : `it is ${current.toLowerCase()}`;
    throw new AppError("conflict", `Cannot ${action} this experiment: ${hint}`);
  }
  return rule.to;
}

/** Actions allowed from a status (for showing controls). */
export function allowedActions(current: ExperimentStatus): ExperimentAction[] {
  return (Object.keys(TRANSITIONS) as ExperimentAction[]).filter((a) => TRANSITIONS[a].from.includes(current));
}

/** Statuses that hold a prompt's label (at most one experiment per prompt+label in these). */
export const ACTIVE_STATUSES: readonly ExperimentStatus[] = ["RUNNING", "PAUSED"];
