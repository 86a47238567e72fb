import type { EvaluatorConfig } from "@/lib/evals/evaluator-config";
import type { EvalVersionSummary } from "@/lib/evals/results";

export type {
  Calibration,
  EvalItemRow,
  EvalResultCell as EvalItemResult,
  EvalVersionSummary,
  EvaluatorCalibration,
  EvaluatorComparison,
  PairedComparison,
} from "@/lib/evals/results";

// The eval types the screens read. Results come from lib/evals/results.ts; the run types mirror
// lib/evals/runs.ts (TEMPORARY until it lands on main, then re-exported from there).

export interface EvalRunInput {
  prompt: string;
  versions: string[];
  dataset: string;
  datasetVersion?: number;
  evaluators: EvaluatorConfig[];
  mode: "batch" | "realtime";
  baseline?: string;
}

export interface EvalRunEstimate {
  items: number;
  versions: number;
  requests: number;
  batchMicros: number;
  realtimeMicros: number;
  judgeMicros: number;
  judgeBatchMicros: number;
  tokensEstimated: true;
  perVersion: Array<{ display: string; inputTokens: number; outputTokens: number; realtimeMicros: number; batchMicros: number }>;
}

export type EvalStatus = "queued" | "running" | "completed" | "failed" | "canceled";

export interface EvalRunVersionView {
  id: string;
  requested: string;
  display: string;
  position: number;
  versionId: string | null;
  contentHash: string;
  baseline: boolean;
  counts: { pending: number; succeeded: number; errored: number; canceled: number; expired: number };
  summary: unknown;
  gatePassed: boolean | null;
}

export interface EvalRunView {
  id: string;
  projectId: string;
  prompt: { id: string; name: string };
  dataset: { id: string; name: string; version: number };
  mode: "batch" | "realtime";
  status: EvalStatus;
  phase: string;
  progress: { done: number; total: number };
  versions: EvalRunVersionView[];
  evaluators: EvaluatorConfig[];
  estimate: EvalRunEstimate | null;
  costMicros: number;
  error: string | null;
  cancelRequested: boolean;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

/** The stored summary JSON (written by summarizeRun) when it has the documented shape, else null. */
export function asRunSummary(value: unknown): EvalVersionSummary | null {
  if (typeof value !== "object" || value === null) return null;
  const v = value as Partial<EvalVersionSummary>;
  return typeof v.items === "number" && typeof v.costMicros === "number" && typeof v.evaluators === "object" && v.evaluators !== null
    ? (v as EvalVersionSummary)
    : null;
}
