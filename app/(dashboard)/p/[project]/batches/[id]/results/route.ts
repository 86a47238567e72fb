import type { NextRequest } from "next/server";
import { AppError, toIssues } from "@/lib/errors";
import { routeErrorResponse } from "@/lib/http/route-error";
import { requireRole } from "@/lib/auth/session";
import { openBatchResults } from "@/lib/batch-jobs/jobs";
import { batchJobIdSchema, resultsQuerySchema } from "@/lib/batch-jobs/schemas";

export const dynamic = "force-dynamic";

// GET /p/:project/batches/:id/results?status= - the job's results as a JSON lines download, streamed in the caller's order (session auth)
export async function GET(request: NextRequest, { params }: { params: Promise<{ project: string; id: string }> }) {
  try {
    const { project, id } = await params;
    const access = await requireRole(project, "VIEWER");
    if (!batchJobIdSchema.safeParse({ id }).success) throw new AppError("not_found", "Batch job not found");
    const query = resultsQuerySchema.safeParse(Object.fromEntries(request.nextUrl.searchParams));
    if (!query.success) throw new AppError("bad_request", "Invalid results query", { issues: toIssues(query.error.issues) });
    const { lines } = await openBatchResults(id, access.project.id, query.data);
    const iterator = lines[Symbol.asyncIterator]();
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      },
      async cancel() {
        await iterator.return?.(undefined);
      },
    });
    return new Response(body, {
      headers: {
        "Content-Type": "application/x-ndjson; charset=utf-8",
        "Content-Disposition": `attachment; filename="batch-${id}${query.data.status ? `-${query.data.status}` : ""}.jsonl"`,
        "Cache-Control": "private, no-store",
      },
    });
  } catch (error) {
    const response = routeErrorResponse(error);
    if (response) return response;
    throw error;
  }
}
