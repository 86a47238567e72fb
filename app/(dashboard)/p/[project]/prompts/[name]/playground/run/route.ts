import { getMembership, getSessionUser } from "@/lib/auth/session";
import { childLogger } from "@/lib/logger";
import { hasRole } from "@/lib/projects/roles";
import { decodePromptName } from "@/lib/prompts/paths";
import { AppError, errorBody, isAppError } from "@/lib/errors";
import { encodeNdjsonLine } from "@/lib/playground/ndjson";
import { executePlaygroundRun, preparePlaygroundRun } from "@/lib/playground/run";
import type { PlaygroundEvent } from "@/lib/playground/schemas";

const log = childLogger({ component: "playground" });

export const dynamic = "force-dynamic";

// Why a route handler and not a server action: Next's client router runs server actions one at
// a time, so compare mode's two runs would not stream concurrently; a fetch per run does, and
// the browser can cancel it (AbortController -> request.signal -> the runner's signal).

function errorResponse(error: AppError): Response {
  return Response.json(errorBody(error), { status: error.status, headers: { "cache-control": "no-store" } });
}

// POST /p/:project/prompts/:name/playground/run - run one version with form variables (EDITOR+); streams NDJSON PlaygroundEvents
export async function POST(request: Request, { params }: { params: Promise<{ project: string; name: string }> }): Promise<Response> {
  const { project, name } = await params;
  try {
    // A JSON body cannot be sent cross-site without a CORS preflight; together with the session
    // cookie's SameSite=Lax this keeps other sites from spending the project's tokens.
    if (!(request.headers.get("content-type") ?? "").toLowerCase().startsWith("application/json")) {
      throw new AppError("bad_request", "Send the run as application/json");
    }
    const user = await getSessionUser();
    if (!user) throw new AppError("unauthorized", "Sign in to run prompts");
    const access = await getMembership(project);
    if (!access) throw new AppError("not_found", "Project not found");
    if (!hasRole(access.role, "EDITOR")) throw new AppError("forbidden", "Running prompts needs the editor role or higher in this project");
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      throw new AppError("bad_request", "The body is not valid JSON");
    }
    const prepared = await preparePlaygroundRun({ projectId: access.project.id, promptName: decodePromptName(name), userId: user.id, body });

    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        let open = true;
        const send = (event: PlaygroundEvent) => {
          if (!open) return;
          try {
            controller.enqueue(encodeNdjsonLine(event));
          } catch {
            open = false; // the client went away; the run still finishes and is logged
          }
        };
        try {
          await executePlaygroundRun(prepared, { onEvent: send, signal: request.signal });
        } catch (error) {
          log.error({ err: error }, "run failed");
          send({ type: "error", error: { code: "internal", message: "The run failed unexpectedly; see the server log." } });
        } finally {
          if (open) {
            open = false;
            try {
              controller.close();
            } catch {
              /* already closed by a disconnect */
            }
          }
        }
      },
    });
    return new Response(stream, {
      headers: {
        "content-type": "application/x-ndjson; charset=utf-8",
        "cache-control": "no-store, no-transform",
        "x-accel-buffering": "no",
      },
    });
  } catch (error) {
    if (isAppError(error)) return errorResponse(error);
    log.error({ err: error }, "request failed");
    return Response.json({ error: { code: "internal", message: "Something went wrong" } }, { status: 500 });
  }
}
