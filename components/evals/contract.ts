import type { EvaluatorConfig } from "@/lib/evals/evaluator-config";

// TEMPORARY mirror of lib/evals/README.md's contract until lib/evals/runs.ts and results.ts
// land on main; then these become re-exports of the lib types.

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

export interface EvaluatorSummary {
  n: number;
  mean: number | null;
  ci95: [number, number] | null;
  passRate: number | null;
  passCi95: [number, number] | null;
}

export interface RunVersionSummary {
  items: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
  costMicros: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  evaluators: Record<string, EvaluatorSummary>;
}

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

export interface EvalItemResult {
  resultId: string;
  runVersionId: string;
  outcome: "pending" | "succeeded" | "errored" | "canceled" | "expired";
  output: string | null;
  error: string | null;
  score: number | null;
  passed: boolean | null;
  scores: Record<string, { score: number | null; pass: boolean | null; reason?: string; error?: string }>;
  latencyMs: number | null;
  costMicros: number;
  review: { verdict: "correct" | "incorrect" | "skip"; note: string | null; reviewer: string | null } | null;
}

export interface EvalItemRow {
  itemId: string;
  key: string;
  ordinal: number;
  variables: Record<string, unknown>;
  expected: unknown;
  /** Baseline passed and a later version failed. */
  regression: boolean;
  /** In run version order. */
  results: EvalItemResult[];
}

export interface PairedComparison {
  runVersionId: string;
  display: string;
  baselineDisplay: string;
  evaluatorId: string;
  n: number;
  passRate: {
    baseline: number | null;
    candidate: number | null;
    diff: number | null;
    ci95: [number, number] | null;
    pValue: number | null;
    test: string;
  } | null;
  score: { baseline: number | null; candidate: number | null; diff: number | null; ci95: [number, number] | null; pValue: number | null; test: string } | null;
  regressions: number;
  improvements: number;
  verdict: "better" | "worse" | "no_difference" | "not_enough_data";
  summary: string;
}

export interface Calibration {
  evaluatorId: string | null;
  n: number;
  matrix: { judgePassHumanCorrect: number; judgePassHumanIncorrect: number; judgeFailHumanCorrect: number; judgeFailHumanIncorrect: number };
  agreement: number | null;
  kappa: number | null;
  kappaCi95: [number, number] | null;
}

/** The stored summary JSON (written by summarizeRun) when it has the documented shape, else null. */
export function asRunSummary(value: unknown): RunVersionSummary | null {
  if (typeof value !== "object" || value === null) return null;
  const v = value as Partial<RunVersionSummary>;
  return typeof v.items === "number" && typeof v.costMicros === "number" && typeof v.evaluators === "object" && v.evaluators !== null
    ? (v as RunVersionSummary)
    : null;
}
