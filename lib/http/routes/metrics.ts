// GET /api/v1/metrics: the figures behind the metrics pages.
import { getMetricsForApi } from "@/lib/metrics/api";
import { METRICS_QUERY_ERROR, metricsApiQuerySchema, metricsApiResponseSchema } from "@/lib/metrics/api-schema";
import { json } from "../route";
import { route } from "./context";

export const metricsRoutes = [
  // GET /api/v1/metrics - rollup figures (lib/metrics/api.ts): view, prompt, version, label, model, source, range, from, to, bucket
  route({
    method: "GET",
    path: "/api/v1/metrics",
    operationId: "getMetrics",
    summary:
      "The figures behind the metrics pages (rollups): overview, per-prompt series per version with releases and version table, or the cost view (scope metrics:read)",
    scope: "metrics:read",
    query: metricsApiQuerySchema,
    queryMessage: METRICS_QUERY_ERROR,
    response: { status: 200, description: "Metrics of the chosen view", schema: metricsApiResponseSchema },
    errors: [404],
    async handler({ principal, query }) {
      return json(200, await getMetricsForApi(principal.projectId, query), { "Cache-Control": "private, max-age=10" });
    },
  }),
];
