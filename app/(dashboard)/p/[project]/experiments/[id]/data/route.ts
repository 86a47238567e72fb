import { NextResponse, type NextRequest } from "next/server";
import { routeErrorResponse } from "@/lib/http/route-error";
import { requireRole } from "@/lib/auth/session";
import { computeExperimentResults, getExperiment, listExperimentHistory, loadExperimentSeries } from "@/lib/experiments/queries";
import { getTrafficProgress, latestTrafficRun } from "@/lib/experiments/traffic-runs";

export const dynamic = "force-dynamic";

// GET /p/:project/experiments/:id/data?run= - results, series, history and traffic progress for the results page (session auth, polled)
export async function GET(request: NextRequest, { params }: { params: Promise<{ project: string; id: string }> }) {
  try {
    const { project, id } = await params;
    const access = await requireRole(project, "VIEWER");
    const experiment = await getExperiment(access.project.id, id);
    const run = request.nextUrl.searchParams.get("run");
    const [results, series, history, traffic] = await Promise.all([
      computeExperimentResults(experiment),
      loadExperimentSeries(experiment),
      listExperimentHistory(access.project.id, id),
      run ? getTrafficProgress(id, run) : latestTrafficRun(id),
    ]);
    return NextResponse.json({ experiment, results, series, history, traffic }, { headers: { "Cache-Control": "private, no-store" } });
  } catch (error) {
    const response = routeErrorResponse(error);
    if (response) return response;
    throw error;
  }
}
