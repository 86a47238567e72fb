import { getEvalRun } from "@/lib/evals/runs";
import { compareToBaseline, judgeCalibration } from "@/lib/evals/results";
import type { EvalRunData } from "@/components/evals/run-client";

/**
 * What the run page shows and polls: the run, and once it has results the paired comparison
 * with the baseline and the judge's calibration against people's reviews. Null when the run is
 * not in the project.
 */
export async function loadEvalRunData(runId: string, projectId: string): Promise<EvalRunData | null> {
  const run = await getEvalRun(runId, projectId);
  if (!run) return null;
  const finished = run.status === "completed" || run.status === "canceled";
  const judge = run.evaluators.find((e) => e.type === "llm_judge");
  const [comparisons, calibration] = await Promise.all([
    finished && run.versions.length > 1 ? compareToBaseline(runId, projectId) : Promise.resolve([]),
    finished && judge ? judgeCalibration(projectId, { runId, evaluatorId: judge.id }) : Promise.resolve(null),
  ]);
  return { run, comparisons, calibration };
}
