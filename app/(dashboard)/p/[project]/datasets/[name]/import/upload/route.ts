import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { AppError, errorBody, isAppError } from "@/lib/errors";
import { actorAccess, requireUser } from "@/lib/auth/session";
import { loadPromptContract } from "@/lib/datasets/contract";
import { importFormatSchema, importItems, importMappingSchema, previewImport } from "@/lib/datasets/import";
import { getDatasetByName } from "@/lib/datasets/queries";
import { decodeRouteParam } from "@/lib/http/edge";

export const dynamic = "force-dynamic";

/** The largest upload the dashboard takes (streamed: memory stays bounded whatever the size). */
const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

const querySchema = z.strictObject({
  phase: z.enum(["preview", "import"]),
  format: importFormatSchema,
  mode: z.enum(["append", "replace"]).default("append"),
  /** The head of a larger file (preview only): its last row may be cut. */
  truncated: z.enum(["0", "1"]).default("0"),
  mapping: z.string().max(100_000).optional(),
  prompt: z.string().max(128).optional(),
  promptVersion: z.string().max(64).optional(),
  fileName: z.string().max(200).optional(),
});

/** The request body as a byte stream, refused past MAX_UPLOAD_BYTES. */
async function* limitedBody(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  let size = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      size += value.byteLength;
      if (size > MAX_UPLOAD_BYTES) throw new AppError("bad_request", `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`);
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

// POST /p/:project/datasets/:name/import/upload?phase=preview|import&format=csv|jsonl&mapping=&prompt= - the file as the raw body, streamed (session auth; import: EDITOR+)
export async function POST(request: NextRequest, { params }: { params: Promise<{ project: string; name: string }> }) {
  try {
    const { project, name } = await params;
    const parsed = querySchema.safeParse(Object.fromEntries(request.nextUrl.searchParams));
    if (!parsed.success)
      throw new AppError("bad_request", "Invalid upload parameters", {
        issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      });
    const q = parsed.data;
    const access = await actorAccess(await requireUser(), project, q.phase === "import" ? "EDITOR" : "VIEWER");
    const dataset = await getDatasetByName(access.project.id, decodeRouteParam(name));
    if (!dataset) throw new AppError("not_found", "Dataset not found");
    if (!request.body) throw new AppError("bad_request", "Send the file as the request body");
    const declared = Number(request.headers.get("content-length") ?? "0");
    if (declared > MAX_UPLOAD_BYTES) throw new AppError("bad_request", `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`);
    const source = limitedBody(request.body);
    if (q.phase === "preview") {
      const preview = await previewImport(source, q.format, { limit: 20, truncated: q.truncated === "1" });
      return NextResponse.json(preview, { headers: { "Cache-Control": "private, no-store" } });
    }
    let mapping: z.output<typeof importMappingSchema> | undefined;
    if (q.mapping) {
      let raw: unknown;
      try {
        raw = JSON.parse(q.mapping);
      } catch {
        throw new AppError("bad_request", "mapping is not valid JSON");
      }
      const m = importMappingSchema.safeParse(raw);
      if (!m.success)
        throw new AppError("unprocessable", `Invalid column mapping: ${m.error.issues[0]?.message ?? ""}`, {
          issues: m.error.issues.map((i) => ({ path: `mapping.${i.path.join(".")}`, message: i.message })),
        });
      mapping = m.data;
    }
    const contract = q.prompt ? await loadPromptContract(access.project.id, q.prompt, q.promptVersion || undefined) : undefined;
    const result = await importItems(dataset.id, source, { format: q.format, mapping, mode: q.mode, contract, fileName: q.fileName }, access.actor);
    return NextResponse.json(result);
  } catch (error) {
    if (isAppError(error)) {
      const body = errorBody(error);
      const rowErrors = (error.details as { rowErrors?: unknown } | undefined)?.rowErrors;
      return NextResponse.json(rowErrors ? { error: { ...body.error, issues: undefined, rowErrors } } : body, { status: error.status });
    }
    throw error;
  }
}
