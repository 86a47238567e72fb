import type { VariantAggregate } from "@/lib/experiments/results";
import { binomialUpperTail, formatPValue, welchTest, wilsonInterval, type Moments } from "@/lib/experiments/stats";
import type { RolloutGuardrailMetric, RolloutGuardrails, RolloutStatus } from "./schemas";

/**
 * The rollout's decisions, pure: when a step is over, what comes next, and whether the new
 * version breaches a guardrail against the current one. lib/rollouts/engine.ts applies them.
 */

export interface StepState {
  status: RolloutStatus;
  steps: readonly number[];
  stepIndex: number;
  stepStartedAt: Date;
  minStepSeconds: number | null;
  minStepCalls: number | null;
}

/** The new version's share now (percent): the current step's. */
export function currentPercent(state: Pick<StepState, "steps" | "stepIndex">): number {
  return state.steps[state.stepIndex] ?? 0;
}

/** What a step still waits for (empty: it is over): "4 min 10 s", "37 more calls". */
export function stepWaitingFor(state: StepState, now: Date, canaryCallsInStep: number): string[] {
  const waiting: string[] = [];
  if (state.minStepSeconds !== null) {
    const left = Math.ceil(state.minStepSeconds - (now.getTime() - state.stepStartedAt.getTime()) / 1000);
    if (left > 0) waiting.push(left >= 60 ? `${Math.floor(left / 60)} min ${left % 60} s` : `${left} s`);
  }
  if (state.minStepCalls !== null && canaryCallsInStep < state.minStepCalls) {
    const more = state.minStepCalls - canaryCallsInStep;
    waiting.push(`${more} more call${more === 1 ? "" : "s"} of the new version`);
  }
  return waiting;
}

export type StepDecision =
  | { kind: "rollback"; breach: GuardrailBreach }
  | { kind: "hold"; waitingFor: string[] }
  | { kind: "advance"; toIndex: number; percent: number }
  | { kind: "complete" };

/**
 * The next move of an active rollout. A breach rolls back whatever the status (a paused rollout
 * still guards its share); a paused one otherwise holds; a running one holds until its step is
 * over, then goes to the next step, or completes (the label moves) after the last step or when
 * the next step is 100 %.
 */
export function decideStep(state: StepState, now: Date, canaryCallsInStep: number, breaches: readonly GuardrailBreach[]): StepDecision {
  const breach = breaches[0];
  if (breach) return { kind: "rollback", breach };
  if (state.status !== "RUNNING") return { kind: "hold", waitingFor: ["resume"] };
  const waitingFor = stepWaitingFor(state, now, canaryCallsInStep);
  if (waitingFor.length > 0) return { kind: "hold", waitingFor };
  const next = state.stepIndex + 1;
  const percent = state.steps[next];
  if (percent === undefined || percent >= 100) return { kind: "complete" };
  return { kind: "advance", toIndex: next, percent };
}

// ------------------------------------------------------------------ guardrails

export interface ArmFigures {
  version: string;
  calls: number;
  /** Rates: the share of calls; means: over answered calls (null without any). */
  value: number | null;
  /** Rates: events; means: answered calls. */
  n: number;
}

export interface GuardrailFigures {
  metric: RolloutGuardrailMetric;
  maxIncrease: number;
  current: ArmFigures;
  candidate: ArmFigures;
  /** One-sided p of "the new version is worse than allowed"; null when not judged yet. */
  pValue: number | null;
  breached: boolean;
  /** Why it was not judged ("needs 10 calls of the new version"). */
  pending: string | null;
}

export interface GuardrailBreach {
  metric: RolloutGuardrailMetric;
  reason: string;
  figures: GuardrailFigures[];
}

const LABELS: Record<RolloutGuardrailMetric, string> = {
  error_rate: "Error rate",
  refusal_rate: "Refusal rate",
  latency: "Latency",
  cost_per_call: "Cost per call",
};

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

function formatMean(metric: RolloutGuardrailMetric, v: number | null): string {
  if (v === null) return "n/a";
  return metric === "latency" ? `${Math.round(v)} ms` : `$${(v / 1_000_000).toFixed(6)}`;
}

function mean(m: Moments): number | null {
  return m.n > 0 ? m.sum / m.n : null;
}

/**
 * Judges every rule of `guardrails` for the new version (the `candidate` arm) against the
 * current one (`current`), with the experiment statistics:
 * - rates (error_rate, refusal_rate): one-sided exact binomial test of the candidate's events
 *   against the current version's rate (its Wilson 95 % upper bound, so the current version's
 *   own noise does not count against the new one) plus `maxIncrease` points; with fewer than
 *   `minCalls` current calls, against `maxIncrease` alone;
 * - means (latency, cost_per_call over answered calls): one-sided Welch t-test of
 *   candidate > current x (1 + maxIncrease); needs `minCalls` answered calls on both sides.
 * A rule is judged once the candidate has `minCalls` calls; it breaches when p < `alpha`.
 */
export function judgeGuardrails(
  guardrails: RolloutGuardrails,
  current: VariantAggregate,
  candidate: VariantAggregate,
): { figures: GuardrailFigures[]; breaches: GuardrailBreach[] } {
  const figures: GuardrailFigures[] = [];
  const breached: Array<{ metric: RolloutGuardrailMetric; reason: string }> = [];
  for (const rule of guardrails.rules) {
    if (rule.metric === "error_rate" || rule.metric === "refusal_rate") {
      const events = (a: VariantAggregate) => (rule.metric === "error_rate" ? a.errors : a.refusals);
      const cur: ArmFigures = {
        version: current.versionLabel,
        calls: current.calls,
        n: events(current),
        value: current.calls > 0 ? events(current) / current.calls : null,
      };
      const cand: ArmFigures = {
        version: candidate.versionLabel,
        calls: candidate.calls,
        n: events(candidate),
        value: candidate.calls > 0 ? events(candidate) / candidate.calls : null,
      };
      if (candidate.calls < guardrails.minCalls) {
        figures.push({
          metric: rule.metric,
          maxIncrease: rule.maxIncrease,
          current: cur,
          candidate: cand,
          pValue: null,
          breached: false,
          pending: `needs ${guardrails.minCalls} calls of the new version`,
        });
        continue;
      }
      const baseline = current.calls >= guardrails.minCalls ? (wilsonInterval(events(current), current.calls)?.high ?? 0) : 0;
      const threshold = Math.min(1, baseline + rule.maxIncrease);
      const pValue = binomialUpperTail(events(candidate), candidate.calls, threshold);
      const isBreach = pValue < guardrails.alpha;
      figures.push({ metric: rule.metric, maxIncrease: rule.maxIncrease, current: cur, candidate: cand, pValue, breached: isBreach, pending: null });
      if (isBreach) {
        breached.push({
          metric: rule.metric,
          reason: `${LABELS[rule.metric]} ${pct(cand.value ?? 0)} (${cand.n} of ${cand.calls} calls) on ${cand.version} vs ${
            cur.value === null ? "no calls" : `${pct(cur.value)} (${cur.n} of ${cur.calls})`
          } on ${cur.version}: more than ${(rule.maxIncrease * 100).toFixed(1)} pts worse (one-sided ${formatPValue(pValue)})`,
        });
      }
      continue;
    }
    const moments = (a: VariantAggregate) => (rule.metric === "latency" ? a.latency : a.cost);
    const cm = moments(current);
    const vm = moments(candidate);
    const cur: ArmFigures = { version: current.versionLabel, calls: current.calls, n: cm.n, value: mean(cm) };
    const cand: ArmFigures = { version: candidate.versionLabel, calls: candidate.calls, n: vm.n, value: mean(vm) };
    if (vm.n < guardrails.minCalls || cm.n < guardrails.minCalls) {
      figures.push({
        metric: rule.metric,
        maxIncrease: rule.maxIncrease,
        current: cur,
        candidate: cand,
        pValue: null,
        breached: false,
        pending: `needs ${guardrails.minCalls} answered calls of each version`,
      });
      continue;
    }
    // H0: candidate mean <= (1 + maxIncrease) x current mean: Welch's test against the scaled current version.
    const k = 1 + rule.maxIncrease;
    const test = welchTest({ n: cm.n, sum: cm.sum * k, sumSq: cm.sumSq * k * k }, vm);
    const pValue = test === null ? ((cand.value ?? 0) > (cur.value ?? 0) * k ? 0 : 1) : test.statistic > 0 ? test.pValue / 2 : 1 - test.pValue / 2;
    const isBreach = pValue < guardrails.alpha;
    figures.push({ metric: rule.metric, maxIncrease: rule.maxIncrease, current: cur, candidate: cand, pValue, breached: isBreach, pending: null });
    if (isBreach) {
      breached.push({
        metric: rule.metric,
        reason: `${LABELS[rule.metric]} ${formatMean(rule.metric, cand.value)} on ${cand.version} (${cand.n} calls) vs ${formatMean(rule.metric, cur.value)} on ${
          cur.version
        } (${cur.n}): more than ${Math.round(rule.maxIncrease * 100)}% worse (one-sided ${formatPValue(pValue)})`,
      });
    }
  }
  return { figures, breaches: breached.map((b) => ({ ...b, figures })) };
}
