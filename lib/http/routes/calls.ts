// Call routes of the public API: ingest calls an app made itself, score a logged call.
import { z } from "zod";
import { recordScore, scoreInputSchema } from "@/lib/metrics/scores";
import { ingestBodySchema, ingestCallSchema, ingestCalls, MAX_INGEST_BATCH } from "@/lib/serving/call-ingest";
import { json } from "../route";
import * as s from "../api-schemas";
import { route } from "./context";

export const callRoutes = [
  // POST /api/v1/calls - ingest up to 1000 call records (per-record results)
  route({
    method: "POST",
    path: "/api/v1/calls",
    operationId: "ingestCalls",
    summary: "Log up to 1000 calls your app made to Claude itself (each record accepted or rejected on its own)",
    scope: "calls:write",
    // The batch shape is checked here; each record is judged on its own in lib (per-record results).
    body: ingestBodySchema,
    bodyMessage: "Invalid call batch",
    bodyDoc: z.strictObject({ calls: z.array(ingestCallSchema).min(1).max(MAX_INGEST_BATCH) }),
    // A batch of 1000 records with request/response bodies is larger than a prompt document.
    bodySizeFactor: 16,
    response: { status: 202, description: "Per-record results", schema: s.ingestResponseSchema },
    responses: {
      "503": {
        description:
          "Not acknowledged, nothing stored; send the batch again after Retry-After: the call log's buffer is full (PROMPTDECK_CALL_BUFFER_MB), its durable journal cannot be written, or the database is unreachable (a record names a prompt, or the key cannot be verified)",
        schema: s.errorResponseSchema,
      },
    },
    async handler({ principal, body }) {
      return json(202, await ingestCalls(principal.projectId, body));
    },
  }),

  // POST /api/v1/calls/{id}/score - ground truth for a logged call
  route({
    method: "POST",
    path: "/api/v1/calls/{id}/score",
    operationId: "scoreCall",
    summary: "Record ground truth for a logged call: score 0..1 or correct true/false, optional expected output",
    scope: "calls:write",
    params: z.object({ id: z.string() }),
    body: scoreInputSchema,
    bodyMessage: "Invalid score",
    response: { status: 200, description: "Stored", schema: s.scoreResponseSchema },
    errors: [404],
    async handler({ principal, params, body }) {
      return json(200, await recordScore(params.id, body, { projectId: principal.projectId }));
    },
  }),
];
