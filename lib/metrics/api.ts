import type { MetricsApiQuery } from "@/lib/metrics/api-schema";
import { getCostMetrics, getOverviewMetrics, getPromptMetrics, type CostMetrics, type OverviewMetrics, type PromptMetrics } from "@/lib/metrics/queries";

export type MetricsView = "overview" | "prompt" | "cost";

export type MetricsApiResult = ({ view: "prompt" } & PromptMetrics) | ({ view: "overview" } & OverviewMetrics) | ({ view: "cost" } & CostMetrics);

/**
 * GET /api/v1/metrics: the same figures the pages chart. Query (parsed by the edge with
 * `metricsApiQuerySchema`): the metrics filters (prompt, version, label, model, source, range,
 * from, to, bucket) plus `view` = overview | prompt | cost (default: prompt when `prompt` is given,
 * else overview). Throws bad_request (window) / not_found.
 */
export async function getMetricsForApi(projectId: string, query: MetricsApiQuery): Promise<MetricsApiResult> {
  const { view: requested, ...filter } = query;
  const view: MetricsView = requested ?? (filter.prompt ? "prompt" : "overview");
  if (view === "prompt") return { view, ...(await getPromptMetrics(projectId, filter)) };
  if (view === "cost") return { view, ...(await getCostMetrics(projectId, filter)) };
  return { view, ...(await getOverviewMetrics(projectId, filter)) };
}
