import { getEvalRun } from "@/lib/evals/runs";
import { compareToBaseline, judgeCalibration, routingBreakdown } from "@/lib/evals/results";
import type { EvalRunData } from "@/components/evals/run-client";

/**
 * What the run page shows and polls: the run, and once it has results the paired comparison
 * with the baseline, the judge's calibration against people's reviews, and per routing rule the
 * score and cost of a routed version beside the baseline. Null when the run is
 * not in the project.
 */
export async function loadEvalRunData(runId: string, projectId: string): Promise<EvalRunData | null> {
  const run = await getEvalRun(runId, projectId);
  if (!run) return null;
  const finished = run.status === "completed" || run.status === "canceled";
  const judge = run.evaluators.find((e) => e.type === "llm_judge");
  const [comparisons, calibration, routing] = await Promise.all([
    finished && run.versions.length > 1 ? compareToBaseline(runId, projectId) : Promise.resolve([]),
    finished && judge ? judgeCalibration(projectId, { runId, evaluatorId: judge.id }) : Promise.resolve(null),
    finished ? routingBreakdown(runId, projectId) : Promise.resolve([]),
  ]);
  return { run, comparisons, calibration, routing };
}
