import type { EvalVersionSummary } from "@/lib/evals/results";

export type {
  Calibration,
  EvalItemRow,
  EvalResultCell as EvalItemResult,
  EvalVersionSummary,
  EvaluatorCalibration,
  EvaluatorComparison,
  PairedComparison,
  RoutingBreakdown,
  RoutingRuleRow,
} from "@/lib/evals/results";

// The eval types the screens read, from lib/evals (type-only imports: nothing of lib runs in the browser).
export type { EvalRunEstimate, EvalRunInput, EvalRunStatus as EvalStatus, EvalRunVersionView, EvalRunView } from "@/lib/evals/runs";

/** The stored summary JSON (written by summarizeRun) when it has the documented shape, else null. */
export function asRunSummary(value: unknown): EvalVersionSummary | null {
  if (typeof value !== "object" || value === null) return null;
  const v = value as Partial<EvalVersionSummary>;
  return typeof v.items === "number" && typeof v.costMicros === "number" && typeof v.evaluators === "object" && v.evaluators !== null
    ? (v as EvalVersionSummary)
    : null;
}

/** Rows per page of the results table (keyset paging on the server; the virtualiser asks for the next page near the end). */
export const RESULTS_PAGE_SIZE = 200;
