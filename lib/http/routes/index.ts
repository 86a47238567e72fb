// The route table of the public API (/api/v1/** and the Langfuse-compatible /api/public/v2/prompts**).
// lib/http/api-v1.ts serves it; lib/http/openapi.ts documents it. Add a route to an area's list.
import type { ApiRoute } from "../route";
import { callRoutes } from "./calls";
import { datasetRoutes } from "./datasets";
import { route, type ApiServices } from "./context";
import { evalRoutes } from "./evals";
import { experimentRoutes } from "./experiments";
import { langfuseRoutes } from "./langfuse";
import { metricsRoutes } from "./metrics";
import { promptRoutes } from "./prompts";
import { streamRoutes } from "./stream";
import { raw } from "../route";

const metaRoutes = [
  // GET /api/v1/openapi.json - this API's OpenAPI 3.1 document, generated from this table
  route({
    method: "GET",
    path: "/api/v1/openapi.json",
    operationId: "openapi",
    summary: "This document",
    scope: null,
    response: { status: 200, description: "OpenAPI 3.1" },
    async handler({ api }) {
      return raw(200, api.openapiJson(), { "Cache-Control": "public, max-age=300" });
    },
  }),
];

export const apiRoutes: readonly ApiRoute<ApiServices>[] = [
  ...promptRoutes,
  ...callRoutes,
  ...experimentRoutes,
  ...datasetRoutes,
  ...evalRoutes,
  ...metricsRoutes,
  ...streamRoutes,
  ...metaRoutes,
  ...langfuseRoutes,
];
