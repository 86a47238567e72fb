import { NextResponse, type NextRequest } from "next/server";
import { AppError, toIssues } from "@/lib/errors";
import { routeErrorResponse } from "@/lib/http/route-error";
import { requireRole } from "@/lib/auth/session";
import { callListFilterSchema, listCalls } from "@/lib/metrics/calls";

export const dynamic = "force-dynamic";

// GET /p/:project/calls/data?prompt=&model=&source=&status=&scored=&cursor=&limit= - one page of the call explorer (session auth)
export async function GET(request: NextRequest, { params }: { params: Promise<{ project: string }> }) {
  try {
    const { project } = await params;
    const access = await requireRole(project, "VIEWER");
    const raw: Record<string, string> = {};
    for (const [k, v] of request.nextUrl.searchParams) raw[k] = v;
    const parsed = callListFilterSchema.safeParse(raw);
    if (!parsed.success) throw new AppError("bad_request", "Invalid filters", { issues: toIssues(parsed.error.issues) });
    return NextResponse.json(await listCalls(access.project.id, parsed.data), { headers: { "Cache-Control": "private, no-store" } });
  } catch (error) {
    const response = routeErrorResponse(error);
    if (response) return response;
    throw error;
  }
}
