// GET /api/v1/stream: the live stream of prompt changes (Server-Sent Events) for apps' caches.
import { stream } from "../route";
import { streamQuerySchema, promptChangeEventSchema } from "../api-schemas";
import { route } from "./context";

export const streamRoutes = [
  // GET /api/v1/stream - Server-Sent Events: prompt changes (label moved, version published) of the key's project, heartbeat, Last-Event-ID resume
  route({
    method: "GET",
    path: "/api/v1/stream",
    operationId: "streamChanges",
    summary:
      "Live prompt changes as Server-Sent Events (scope prompts:read): each label move and publish as it commits, on any instance; resume with Last-Event-ID",
    scope: "prompts:read",
    query: streamQuerySchema,
    queryMessage: "Invalid stream query: prompt takes one prompt name or several separated by commas",
    response: {
      status: 200,
      description:
        "text/event-stream, never ending by itself (reconnect with Last-Event-ID when it drops): change events (`id: evt_...`, `event: label.moved | version.published`, `data:` the JSON below), a `: heartbeat` comment every 15 s, and `event: reset` (data `{ reason }`) when the Last-Event-ID cannot be resumed (unknown, pruned, or too far behind): drop everything cached. A resume may repeat the events of the few seconds before the given id. 429 when the key holds too many open streams.",
      schema: promptChangeEventSchema,
      contentType: "text/event-stream",
    },
    docParameters: [
      {
        name: "Last-Event-ID",
        in: "header",
        required: false,
        description: "The id of the last event received: the stream replays what came after it (or sends `event: reset` when it cannot)",
        schema: { type: "string" },
      },
    ],
    async handler({ req, principal, query, api }) {
      const header = req.headers["last-event-id"];
      const session = await api.streams.open({
        projectId: principal.projectId,
        apiKeyId: principal.apiKeyId,
        prompts: query.prompt ? new Set(query.prompt) : null,
        lastEventId: (Array.isArray(header) ? header[0] : header) ?? query.lastEventId,
      });
      // The client went away while the replay was read: give the slot back.
      if (req.destroyed || req.socket.destroyed) session.cancel();
      return stream(
        200,
        (res) => {
          res.socket?.setNoDelay(true);
          session.attach(res);
        },
        {
          "Content-Type": "text/event-stream; charset=utf-8",
          "Cache-Control": "no-cache, no-transform",
          Connection: "keep-alive",
          // nginx and similar proxies: pass events through at once.
          "X-Accel-Buffering": "no",
        },
      );
    },
  }),
];
