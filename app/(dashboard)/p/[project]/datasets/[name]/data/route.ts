import { NextResponse, type NextRequest } from "next/server";
import { AppError } from "@/lib/errors";
import { routeErrorResponse } from "@/lib/http/route-error";
import { requireRole } from "@/lib/auth/session";
import { getDatasetByName, listItems } from "@/lib/datasets/queries";
import { listItemsQuerySchema } from "@/lib/datasets/schemas";
import { decodeRouteParam } from "@/lib/http/edge";

export const dynamic = "force-dynamic";

// GET /p/:project/datasets/:name/data?version=&cursor=&limit=&search=&tag= - a keyset page of items for the items table (session auth)
export async function GET(request: NextRequest, { params }: { params: Promise<{ project: string; name: string }> }) {
  try {
    const { project, name } = await params;
    const access = await requireRole(project, "VIEWER");
    const parsed = listItemsQuerySchema.safeParse(Object.fromEntries(request.nextUrl.searchParams));
    if (!parsed.success)
      throw new AppError("bad_request", "Invalid query parameters", {
        issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      });
    const dataset = await getDatasetByName(access.project.id, decodeRouteParam(name));
    if (!dataset) throw new AppError("not_found", "Dataset not found");
    const q = parsed.data;
    const page = await listItems(dataset.id, { version: q.version, after: q.cursor, limit: q.limit, search: q.search, tag: q.tag });
    return NextResponse.json(page, { headers: { "Cache-Control": "private, no-store" } });
  } catch (error) {
    const response = routeErrorResponse(error);
    if (response) return response;
    throw error;
  }
}
