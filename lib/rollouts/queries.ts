import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { experimentInclude, loadVariantAggregates, toExperimentView } from "@/lib/experiments/queries";
import { versionLabel } from "@/lib/prompts/queries";
import { currentPercent, judgeGuardrails, stepWaitingFor, type GuardrailFigures } from "./decide";
import { rolloutGuardrailsSchema, type RolloutEventKind, type RolloutGuardrails, type RolloutStatus } from "./schemas";

export interface RolloutEventView {
  at: string;
  kind: RolloutEventKind;
  percent: number;
  reason: string | null;
  actor: string;
}

/** A rollout as the prompt page and the API show it (dates as ISO strings). */
export interface RolloutView {
  id: string;
  prompt: { id: string; name: string };
  label: string;
  experimentId: string;
  fromVersion: string;
  toVersion: string;
  status: RolloutStatus;
  steps: number[];
  /** 0-based index of the current step. */
  stepIndex: number;
  /** The new version's share of the label's traffic now (0 once rolled back or aborted, 100 once completed). */
  percent: number;
  stepStartedAt: string;
  minStepSeconds: number | null;
  minStepCalls: number | null;
  guardrails: RolloutGuardrails;
  /** Why it ended or is held (a breach, an abort, a refused label move). */
  reason: string | null;
  /** The guardrail figures of a rollback. */
  figures: GuardrailFigures[] | null;
  startedBy: string;
  createdAt: string;
  endedAt: string | null;
  events: RolloutEventView[];
  /** While active: the guardrails as they stand and what the step waits for. */
  live: { guardrails: GuardrailFigures[]; callsInStep: number; waitingFor: string[] } | null;
}

const rolloutInclude = {
  prompt: { select: { id: true, name: true, projectId: true } },
  fromVersion: { select: { major: true, minor: true, patch: true } },
  toVersion: { select: { major: true, minor: true, patch: true } },
  events: { orderBy: [{ at: "asc" as const }, { id: "asc" as const }] },
  experiment: { include: experimentInclude },
};

type RolloutRow = NonNullable<Awaited<ReturnType<typeof loadRow>>>;

function loadRow(id: string) {
  return getDb().rollout.findUnique({ where: { id }, include: rolloutInclude });
}

function percentOf(row: Pick<RolloutRow, "status" | "steps" | "stepIndex">): number {
  if (row.status === "COMPLETED") return 100;
  if (row.status === "ROLLED_BACK" || row.status === "ABORTED") return 0;
  return currentPercent(row);
}

async function toView(row: RolloutRow, now = new Date()): Promise<RolloutView> {
  const guardrails = rolloutGuardrailsSchema.parse(row.guardrails);
  const active = row.status === "RUNNING" || row.status === "PAUSED";
  let live: RolloutView["live"] = null;
  if (active) {
    const experiment = toExperimentView(row.experiment);
    const aggregates = await loadVariantAggregates(experiment);
    const current = aggregates.find((a) => a.key === "A");
    const candidate = aggregates.find((a) => a.key === "B");
    const callsInStep = candidate
      ? await getDb().callLog.count({ where: { experimentId: row.experimentId, variantId: candidate.variantId, createdAt: { gte: row.stepStartedAt } } })
      : 0;
    live = {
      guardrails: current && candidate ? judgeGuardrails(guardrails, current, candidate).figures : [],
      callsInStep,
      waitingFor: row.status === "PAUSED" ? [] : stepWaitingFor(row, now, callsInStep),
    };
  }
  const startedBy = row.events.find((e) => e.kind === "started")?.actorLabel ?? "unknown";
  return {
    id: row.id,
    prompt: { id: row.prompt.id, name: row.prompt.name },
    label: row.labelName,
    experimentId: row.experimentId,
    fromVersion: versionLabel(row.fromVersion),
    toVersion: versionLabel(row.toVersion),
    status: row.status,
    steps: row.steps,
    stepIndex: row.stepIndex,
    percent: percentOf(row),
    stepStartedAt: row.stepStartedAt.toISOString(),
    minStepSeconds: row.minStepSeconds,
    minStepCalls: row.minStepCalls,
    guardrails,
    reason: row.reason,
    figures: Array.isArray(row.figures) ? (row.figures as unknown as GuardrailFigures[]) : null,
    startedBy,
    createdAt: row.createdAt.toISOString(),
    endedAt: row.endedAt?.toISOString() ?? null,
    events: row.events.map((e) => ({ at: e.at.toISOString(), kind: e.kind as RolloutEventKind, percent: e.percent, reason: e.reason, actor: e.actorLabel })),
    live,
  };
}

/** One rollout of the project with its history and, while active, its live guardrail figures; not_found otherwise. */
export async function getRollout(projectId: string, id: string): Promise<RolloutView> {
  const row = await loadRow(id);
  if (!row || row.prompt.projectId !== projectId) throw new AppError("not_found", `Rollout ${id} does not exist`);
  return toView(row);
}

/** A prompt's rollouts, newest first (at most `limit`, default 10): the active one first when there is one. */
export async function listPromptRollouts(projectId: string, promptId: string, options: { limit?: number } = {}): Promise<RolloutView[]> {
  const rows = await getDb().rollout.findMany({
    where: { promptId, prompt: { projectId } },
    include: rolloutInclude,
    orderBy: { createdAt: "desc" },
    take: options.limit ?? 10,
  });
  const views = await Promise.all(rows.map((r) => toView(r)));
  return views.sort((a, b) => Number(b.live !== null) - Number(a.live !== null));
}
