import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { AppError, errorBody, isAppError, toIssues } from "@/lib/errors";
import { requireRole } from "@/lib/auth/session";
import { getRunResults, MAX_RESULTS_PAGE, resultsFilterSchema } from "@/lib/evals/results";
import { RESULTS_PAGE_SIZE as RESULTS_PAGE_DEFAULT } from "@/components/evals/contract";

export const dynamic = "force-dynamic";

const querySchema = z.strictObject({
  filter: resultsFilterSchema.default("all"),
  // Opaque keyset cursor from the previous page.
  after: z
    .string()
    .min(1)
    .max(400)
    .regex(/^[A-Za-z0-9_-]+$/, "not a cursor from this page")
    .optional(),
  limit: z.coerce.number().int().min(1).max(MAX_RESULTS_PAGE).default(RESULTS_PAGE_DEFAULT),
});

// GET /p/:project/evals/:id/results?filter=&after=&limit= - one keyset page of the run's per-item results (session auth)
export async function GET(request: NextRequest, { params }: { params: Promise<{ project: string; id: string }> }) {
  try {
    const { project, id } = await params;
    const access = await requireRole(project, "VIEWER");
    const parsed = querySchema.safeParse(Object.fromEntries(request.nextUrl.searchParams));
    if (!parsed.success) throw new AppError("bad_request", "Invalid results query", { issues: toIssues(parsed.error.issues) });
    const page = await getRunResults(id, access.project.id, parsed.data);
    return NextResponse.json(page, { headers: { "Cache-Control": "private, no-store" } });
  } catch (error) {
    if (isAppError(error)) return NextResponse.json(errorBody(error), { status: error.status });
    throw error;
  }
}
