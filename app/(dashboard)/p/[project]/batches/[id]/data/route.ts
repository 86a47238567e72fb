import { NextResponse, type NextRequest } from "next/server";
import { AppError } from "@/lib/errors";
import { routeErrorResponse } from "@/lib/http/route-error";
import { requireRole } from "@/lib/auth/session";
import { getBatchJob } from "@/lib/batch-jobs/jobs";
import { batchJobIdSchema } from "@/lib/batch-jobs/schemas";

export const dynamic = "force-dynamic";

// GET /p/:project/batches/:id/data - the job's status, counts per outcome and cost (session auth, polled while it runs)
export async function GET(_request: NextRequest, { params }: { params: Promise<{ project: string; id: string }> }) {
  try {
    const { project, id } = await params;
    const access = await requireRole(project, "VIEWER");
    const job = batchJobIdSchema.safeParse({ id }).success ? await getBatchJob(id, access.project.id) : null;
    if (!job) throw new AppError("not_found", "Batch job not found");
    return NextResponse.json(job, { headers: { "Cache-Control": "private, no-store" } });
  } catch (error) {
    const response = routeErrorResponse(error);
    if (response) return response;
    throw error;
  }
}
