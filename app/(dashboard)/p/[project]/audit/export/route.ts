import type { NextRequest } from "next/server";
import { requireRole } from "@/lib/auth/session";
import { auditCsvChunks } from "@/lib/audit/csv";
import { iterateAuditEvents, parseAuditFilter } from "@/lib/audit/queries";
import { routeErrorResponse } from "@/lib/http/route-error";

export const dynamic = "force-dynamic";

// GET /p/:project/audit/export?actor=&action=&targetType=&target=&from=&to= - the filtered audit log as CSV, streamed (admins)
export async function GET(request: NextRequest, { params }: { params: Promise<{ project: string }> }) {
  try {
    const { project } = await params;
    const access = await requireRole(project, "ADMIN");
    const raw: Record<string, string> = {};
    for (const [k, v] of request.nextUrl.searchParams) raw[k] ??= v;
    // The whole filtered log, whatever page the link was on.
    const filter = { ...parseAuditFilter(raw), cursor: undefined };
    const chunks = auditCsvChunks(iterateAuditEvents(access.project.id, filter));
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      },
      async cancel() {
        await chunks.return(undefined);
      },
    });
    const day = new Date().toISOString().slice(0, 10);
    return new Response(body, {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="audit-log-${access.project.slug}-${day}.csv"`,
        "Cache-Control": "private, no-store",
      },
    });
  } catch (error) {
    const response = routeErrorResponse(error);
    if (response) return response;
    throw error;
  }
}
