import { childLogger } from "@/lib/logger";
import { NextResponse } from "next/server";
import { checkDatabase } from "@/lib/health/database";
import packageJson from "@/package.json";

const log = childLogger({ component: "health" });

export const dynamic = "force-dynamic";

// GET /api/health - liveness + database check for load balancers and the demo launcher (no auth).
export async function GET() {
  const database = await checkDatabase();
  if (!database.ok) log.error({ reason: database.error ?? "unknown error" }, "database check failed");
  return NextResponse.json(
    {
      status: database.ok ? "ok" : "degraded",
      database: database.ok ? "ok" : "error",
      version: packageJson.version,
    },
    { status: database.ok ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
}
