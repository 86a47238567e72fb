import { NextResponse, type NextRequest } from "next/server";
import { routeErrorResponse } from "@/lib/http/route-error";
import { requireRole } from "@/lib/auth/session";
import { getMetricsForApi } from "@/lib/metrics/api";
import { parseMetricsApiQuery } from "@/lib/metrics/api-schema";
import { metricsCsv, parseCsvTable } from "@/lib/metrics/csv";

export const dynamic = "force-dynamic";

// GET /p/:project/metrics/data?view=&prompt=&...&format=json|csv - the dashboard's metrics data (session auth)
export async function GET(request: NextRequest, { params }: { params: Promise<{ project: string }> }) {
  try {
    const { project } = await params;
    const access = await requireRole(project, "VIEWER");
    const query: Record<string, string> = {};
    for (const [k, v] of request.nextUrl.searchParams) if (k !== "format" && k !== "table") query[k] = v;
    const result = await getMetricsForApi(access.project.id, parseMetricsApiQuery(query));
    if (request.nextUrl.searchParams.get("format") === "csv") {
      const table = parseCsvTable(request.nextUrl.searchParams.get("table"));
      return new NextResponse(metricsCsv(result, table), {
        headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="metrics-${result.view}-${table}.csv"` },
      });
    }
    return NextResponse.json(result, { headers: { "Cache-Control": "private, no-store" } });
  } catch (error) {
    const response = routeErrorResponse(error);
    if (response) return response;
    throw error;
  }
}
