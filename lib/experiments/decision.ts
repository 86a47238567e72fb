import { z } from "zod";
import { METRICS } from "./schemas";
import type { ExperimentResults } from "./results";

/**
 * The decision record of an ended experiment: the results exactly as they stood when it was
 * promoted or ended (stored on `Experiment.decision`), so calls scored or sent later never change
 * what was decided. Later data is shown apart ("since the decision", `sinceDecision`).
 */
export interface DecisionRecord {
  /** ISO time of the promotion or the end. */
  at: string;
  action: "promoted" | "completed";
  /** The variant promoted onto the label (null when ended without promoting). */
  promoted: { key: string; version: string } | null;
  label: string;
  /** One sentence in the past tense: what was decided and on which evidence. */
  verdict: string;
  /** The results shown at decision time (their `verdict` is the live one from then). */
  results: ExperimentResults;
}

const storedSchema = z.object({
  at: z.string(),
  action: z.enum(["promoted", "completed"]),
  promoted: z.object({ key: z.string(), version: z.string() }).nullable(),
  label: z.string(),
  verdict: z.string(),
  results: z.custom<ExperimentResults>((v) => v !== null && typeof v === "object" && Array.isArray((v as { variants?: unknown }).variants)),
});

/** The stored decision of an experiment row, or null (not ended, or ended before decisions were kept). */
export function parseDecision(value: unknown): DecisionRecord | null {
  const parsed = storedSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/**
 * Freezes the decision: the results as shown now, and the past-tense verdict for the page
 * ("Promoted B (1.1.0) to production: B won on accuracy." / "Ended without promoting: ...").
 */
export function buildDecisionRecord(input: {
  at: Date;
  action: DecisionRecord["action"];
  promoted: DecisionRecord["promoted"];
  label: string;
  results: ExperimentResults;
}): DecisionRecord {
  const { results } = input;
  const metric = METRICS[results.primaryMetric].label.toLowerCase();
  const evidence = results.winnerKey
    ? `${results.winnerKey} won on ${metric} with ${results.totalCalls.toLocaleString("en-US")} calls`
    : results.totalCalls === 0
      ? "no calls had been made"
      : `no variant had won on ${metric} yet (${results.totalCalls.toLocaleString("en-US")} calls)`;
  const verdict = input.promoted
    ? `Promoted ${input.promoted.key} (${input.promoted.version}) to ${input.label}: ${evidence}.`
    : `Ended without promoting: ${evidence}; ${input.label} kept its version.`;
  return { at: input.at.toISOString(), action: input.action, promoted: input.promoted, label: input.label, verdict, results };
}

/** Per variant, what arrived after the decision: calls made and calls scored since. */
export interface SinceDecision {
  calls: number;
  scored: number;
  variants: Array<{ key: string; calls: number; scored: number }>;
}

/** What `live` results hold beyond the frozen `decision` ones (never negative: pruned calls count as none). */
export function sinceDecision(decision: ExperimentResults, live: ExperimentResults): SinceDecision {
  const variants = live.variants.map((v) => {
    const then = decision.variants.find((d) => d.key === v.key);
    return {
      key: v.key,
      calls: Math.max(0, v.calls - (then?.calls ?? 0)),
      scored: Math.max(0, v.metrics.accuracy.n - (then?.metrics.accuracy.n ?? 0)),
    };
  });
  return { calls: variants.reduce((n, v) => n + v.calls, 0), scored: variants.reduce((n, v) => n + v.scored, 0), variants };
}
