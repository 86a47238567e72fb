import { AppError } from "@/lib/errors";
import { getCostMetrics, getOverviewMetrics, getPromptMetrics, type CostMetrics, type OverviewMetrics, type PromptMetrics } from "@/lib/metrics/queries";
import { parseMetricsFilter } from "@/lib/metrics/window";

export type MetricsView = "overview" | "prompt" | "cost";

export type MetricsApiResult =
  | ({ view: "prompt" } & PromptMetrics)
  | ({ view: "overview" } & OverviewMetrics)
  | ({ view: "cost" } & CostMetrics);

/**
 * GET /api/v1/metrics: the same figures the pages chart. Query: the metrics filters (prompt,
 * version, label, model, source, range, from, to, bucket) plus `view` = overview | prompt | cost
 * (default: prompt when `prompt` is given, else overview). Throws bad_request / not_found.
 */
export async function getMetricsForApi(projectId: string, query: Record<string, string>): Promise<MetricsApiResult> {
  const { view: rawView, ...rest } = query;
  const view = (rawView ?? (rest.prompt ? "prompt" : "overview")) as MetricsView;
  if (!["overview", "prompt", "cost"].includes(view)) throw new AppError("bad_request", "`view` must be overview, prompt or cost");
  const filter = parseMetricsFilter(rest);
  if (view === "prompt") return { view, ...(await getPromptMetrics(projectId, filter)) };
  if (view === "cost") return { view, ...(await getCostMetrics(projectId, filter)) };
  return { view, ...(await getOverviewMetrics(projectId, filter)) };
}
