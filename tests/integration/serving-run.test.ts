// run, call ingest and scores through the API. Claude is the built-in simulator (no
// ANTHROPIC_API_KEY), reached by the runner through the real SDK; faults travel in variables.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { getDb } from "@/lib/db/client";
import {
  bearer,
  makeTestProject,
  publishPrompt,
  sendJson,
  simpleContent,
  startApiServer,
  type ApiError,
  type RunningServer,
  type TestProject,
} from "./serving-helpers";

let server: RunningServer;
let ctx: TestProject;
let runKey: string;
let readKey: string;

beforeAll(async () => {
  if (process.env.ANTHROPIC_API_KEY) throw new Error("these tests expect the simulator: unset ANTHROPIC_API_KEY");
  server = await startApiServer();
  ctx = await makeTestProject();
  runKey = (await ctx.key(["prompts:read", "prompts:run", "calls:write"])).key;
  readKey = (await ctx.key(["prompts:read"])).key;
  await publishPrompt(ctx.admin, "answerer", [simpleContent("You answer questions in one sentence.")]);
});

afterAll(async () => {
  await getCallLogWriter().flush({ timeoutMs: 10_000 });
  await server.close();
});

interface RunResponse {
  callId: string;
  version: string;
  status: string;
  output: string;
  usage: { inputTokens: number; outputTokens: number };
  costMicros: number;
  latencyMs: number;
  simulated: boolean;
}

describe("POST /api/v1/prompts/{name}/run", () => {
  it("calls Claude with the served version, logs the call, and the call can be scored", async () => {
    const res = await sendJson<RunResponse>(
      "POST",
      `${server.url}/api/v1/prompts/answerer/run`,
      { variables: { question: "What is 2+2?" }, subject: "user-42", metadata: { feature: "faq" } },
      bearer(runKey),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: "1.0.0", status: "ok", simulated: true });
    expect(res.body.output.length).toBeGreaterThan(0);
    expect(res.body.usage.inputTokens).toBeGreaterThan(0);
    expect(res.body.costMicros).toBeGreaterThan(0);
    expect(res.headers.get("x-promptdeck-call-id")).toBe(res.body.callId);

    await getCallLogWriter().flush({ timeoutMs: 10_000 });
    const row = await getDb().callLog.findUniqueOrThrow({ where: { id: res.body.callId } });
    expect(row).toMatchObject({ projectId: ctx.projectId, source: "api", status: "ok" });
    expect(row.subjectHash).toMatch(/^[0-9a-f]{64}$/);

    const scored = await sendJson<{ score: number }>(
      "POST",
      `${server.url}/api/v1/calls/${res.body.callId}/score`,
      { correct: true, expected: "4" },
      bearer(runKey),
    );
    expect(scored.status).toBe(200);
    expect(scored.body.score).toBe(1);
    expect((await getDb().callLog.findUniqueOrThrow({ where: { id: res.body.callId } })).score).toBe(1);

    const badScore = await sendJson<ApiError>("POST", `${server.url}/api/v1/calls/${res.body.callId}/score`, { score: 2 }, bearer(runKey));
    expect(badScore.status).toBe(422);
    const unknown = await sendJson<ApiError>("POST", `${server.url}/api/v1/calls/nope/score`, { score: 0.5 }, bearer(runKey));
    expect(unknown.status).toBe(404);
  });

  it("answers 422 for bad variables, 403 without prompts:run, 502 when Claude fails", async () => {
    const bad = await sendJson<ApiError>("POST", `${server.url}/api/v1/prompts/answerer/run`, { variables: {} }, bearer(runKey));
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues?.map((i) => i.path)).toEqual(["variables.question"]);
    const forbidden = await sendJson<ApiError>("POST", `${server.url}/api/v1/prompts/answerer/run`, { variables: { question: "hi" } }, bearer(readKey));
    expect(forbidden.status).toBe(403);
    const failed = await sendJson<ApiError>("POST", `${server.url}/api/v1/prompts/answerer/run`, { variables: { question: "[[sim:400]] hi" } }, bearer(runKey));
    expect(failed.status).toBe(502);
    expect(failed.body.error.code).toBe("upstream");
    expect(failed.headers.get("x-promptdeck-call-id")).toBeTruthy();
  });
});

describe("POST /api/v1/prompts/{name}/run under the project's policy", () => {
  // Project.settings is the one policy for every run path (lib/runs/run-and-log.ts). Before the
  // API went through runAndLog it ran with the built-in retry policy (5 attempts with 1 s
  // backoff) and stored bodies whatever the project said.
  it("obeys the project's retry policy and store_bodies: false", async () => {
    const strict = await makeTestProject();
    await getDb().project.update({
      where: { id: strict.projectId },
      data: { settings: { runner: { max_retries: 1, base_delay_ms: 0, max_delay_ms: 0 }, calls: { store_bodies: false } } },
    });
    const key = (await strict.key(["prompts:read", "prompts:run"])).key;
    await publishPrompt(strict.admin, "strict-answerer", [simpleContent("You answer questions in one sentence.")]);

    const ok = await sendJson<RunResponse>(
      "POST",
      `${server.url}/api/v1/prompts/strict-answerer/run`,
      { variables: { question: "What is 2+2?" } },
      bearer(key),
    );
    expect(ok.status).toBe(200);
    const overloaded = await sendJson<ApiError>(
      "POST",
      `${server.url}/api/v1/prompts/strict-answerer/run`,
      { variables: { question: "[[sim:529]] always overloaded" } },
      bearer(key),
    );
    expect(overloaded.status).toBe(502);
    const failedId = overloaded.headers.get("x-promptdeck-call-id");
    expect(failedId).toBeTruthy();

    await getCallLogWriter().flush({ timeoutMs: 10_000 });
    const okRow = await getDb().callLog.findUniqueOrThrow({ where: { id: ok.body.callId } });
    expect(okRow).toMatchObject({ status: "ok", request: null, response: null });
    const failedRow = await getDb().callLog.findUniqueOrThrow({ where: { id: failedId ?? "" } });
    // max_retries 1: the first attempt and one retry, no more.
    expect(failedRow).toMatchObject({ status: "error", attempts: 2, request: null, response: null });

    // The default project keeps bodies: the policy is per project, not global.
    const stored = await sendJson<RunResponse>("POST", `${server.url}/api/v1/prompts/answerer/run`, { variables: { question: "Bodies?" } }, bearer(runKey));
    await getCallLogWriter().flush({ timeoutMs: 10_000 });
    const storedRow = await getDb().callLog.findUniqueOrThrow({ where: { id: stored.body.callId } });
    expect(storedRow.request).not.toBeNull();
  });
});

describe("POST /api/v1/calls", () => {
  it("accepts valid records and reports every invalid one by index", async () => {
    const res = await sendJson<{
      accepted: number;
      rejected: number;
      results: ({ index: number; id: string } | { index: number; error: { code: string; message: string } })[];
    }>(
      "POST",
      `${server.url}/api/v1/calls`,
      {
        calls: [
          { prompt: "answerer", version: "1.0.0", model: "claude-sonnet-5-5", inputTokens: 1000, outputTokens: 200, latencyMs: 850, subject: "u1" },
          { model: "claude-haiku-5-5", status: "error", errorType: "overloaded", httpStatus: 529 },
          { prompt: "ghost", model: "claude-sonnet-5-5" },
          { prompt: "answerer", version: "9.0.0", model: "claude-sonnet-5-5" },
          { model: "gpt-nope", inputTokens: 10 },
          { model: "claude-sonnet-5-5", inputTokens: -1, colour: "red" },
        ],
      },
      bearer(runKey),
    );
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(2);
    expect(res.body.rejected).toBe(4);
    const errors = res.body.results.filter((r): r is { index: number; error: { code: string; message: string } } => "error" in r);
    expect(errors.map((e) => [e.index, e.error.code])).toEqual([
      [2, "not_found"],
      [3, "not_found"],
      [4, "unprocessable"],
      [5, "unprocessable"],
    ]);
    const first = res.body.results[0];
    if (!first || !("id" in first)) throw new Error("first record should be accepted");
    await getCallLogWriter().flush({ timeoutMs: 10_000 });
    const row = await getDb().callLog.findUniqueOrThrow({ where: { id: first.id } });
    expect(row).toMatchObject({ source: "ingest", inputTokens: 1000, outputTokens: 200, latencyMs: 850 });
    expect(row.costMicros).toBeGreaterThan(0n);
    expect(row.versionId).not.toBeNull();
  });

  it("refuses values its columns cannot hold or no real call has, so nothing acknowledged is lost", async () => {
    const res = await sendJson<{
      accepted: number;
      rejected: number;
      results: ({ index: number; id: string } | { index: number; error: { code: string; issues?: { path: string }[] } })[];
    }>(
      "POST",
      `${server.url}/api/v1/calls`,
      {
        calls: [
          { model: "claude-sonnet-5-5", outputChars: 2 ** 31 },
          { model: "claude-sonnet-5-5", createdAt: "0000-01-01T00:00:00Z" },
          { model: "claude-sonnet-5-5", costMicros: Number.MAX_SAFE_INTEGER },
          { model: "claude-sonnet-5-5", outputChars: 1234, costMicros: 1_000_000_000, createdAt: "2026-01-02T03:04:05Z" },
        ],
      },
      bearer(runKey),
    );
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 1, rejected: 3 });
    const issuePaths = res.body.results.flatMap((r) => ("error" in r ? [r.error.issues?.[0]?.path] : []));
    expect(issuePaths).toEqual(["outputChars", "createdAt", "costMicros"]);
    const stored = res.body.results[3];
    if (!stored || !("id" in stored)) throw new Error("the last record should be accepted");
    await getCallLogWriter().flush({ timeoutMs: 10_000 });
    const row = await getDb().callLog.findUniqueOrThrow({ where: { id: stored.id } });
    expect(row).toMatchObject({ outputChars: 1234, costMicros: 1_000_000_000n });
  });

  it("rejects an empty or oversized batch and keys without calls:write", async () => {
    const empty = await sendJson<ApiError>("POST", `${server.url}/api/v1/calls`, { calls: [] }, bearer(runKey));
    expect(empty.status).toBe(422);
    const big = await sendJson<ApiError>(
      "POST",
      `${server.url}/api/v1/calls`,
      { calls: Array.from({ length: 1001 }, () => ({ model: "claude-sonnet-5-5" })) },
      bearer(runKey),
    );
    expect(big.status).toBe(422);
    expect(big.body.error.issues?.[0]?.message).toMatch(/1000/);
    const forbidden = await sendJson<ApiError>("POST", `${server.url}/api/v1/calls`, { calls: [{ model: "claude-sonnet-5-5" }] }, bearer(readKey));
    expect(forbidden.status).toBe(403);
  });
});
