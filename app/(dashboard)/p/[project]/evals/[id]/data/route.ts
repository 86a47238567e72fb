import { NextResponse, type NextRequest } from "next/server";
import { AppError } from "@/lib/errors";
import { routeErrorResponse } from "@/lib/http/route-error";
import { requireRole } from "@/lib/auth/session";
import { loadEvalRunData } from "../load";

export const dynamic = "force-dynamic";

// GET /p/:project/evals/:id/data - the run's status, progress, summaries, baseline comparison and judge calibration (session auth, polled)
export async function GET(_request: NextRequest, { params }: { params: Promise<{ project: string; id: string }> }) {
  try {
    const { project, id } = await params;
    const access = await requireRole(project, "VIEWER");
    const data = await loadEvalRunData(id, access.project.id);
    if (!data) throw new AppError("not_found", "Evaluation not found");
    return NextResponse.json(data, { headers: { "Cache-Control": "private, no-store" } });
  } catch (error) {
    const response = routeErrorResponse(error);
    if (response) return response;
    throw error;
  }
}
