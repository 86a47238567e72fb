// The call log's buffer is bounded in bytes (issue 17, item 1): while the database does not take
// rows, ingest fills it and then answers 503 + Retry-After for the whole batch (nothing of it is
// stored); /run answers 503 before calling Claude (a paid call is never made and then dropped).
// Once the writer drains, both are accepted again and every acknowledged id is stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CallLogWriter, createCallLogPool, pgRawExecutor } from "@/lib/calls/writer";
import { createClaudeTransport, registerClaudeTransport, type ClaudeTransport } from "@/lib/claude/client";
import { startSimulator, type Simulator } from "@/lib/claude-simulator";
import { getDb } from "@/lib/db/client";
import { registerCallLogWriter } from "@/lib/metrics/call-log-writer";
import { rollupCallLogSink } from "@/lib/metrics/rollup-sql";
import { bearer, makeTestProject, publishPrompt, sendJson, simpleContent, startApiServer, type ApiError, type RunningServer } from "./serving-helpers";

let server: RunningServer;
let sim: Simulator;
let key: string;
let claudeCalls = 0;
/** While true the writer's sink fails like a database that is down. */
let databaseDown = false;
const pool = createCallLogPool(process.env.DATABASE_URL ?? "", 2);
const realSink = rollupCallLogSink(pgRawExecutor(pool));
const writer = new CallLogWriter({
  sink: async (rows) => {
    if (databaseDown) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    await realSink(rows);
  },
  maxBufferedBytes: 256 * 1024,
  retryBaseMs: 10,
  retryMaxMs: 50,
  flushIntervalMs: 20,
});
registerCallLogWriter(writer);

beforeAll(async () => {
  sim = await startSimulator({ port: 0, host: "127.0.0.1", speed: 50 });
  const base = createClaudeTransport({ baseURL: sim.url, simulated: true });
  const counting: ClaudeTransport = Object.assign(Object.create(base) as ClaudeTransport, {
    createMessage: (...args: Parameters<ClaudeTransport["createMessage"]>) => {
      claudeCalls++;
      return base.createMessage(...args);
    },
    streamMessage: (...args: Parameters<ClaudeTransport["streamMessage"]>) => {
      claudeCalls++;
      return base.streamMessage(...args);
    },
  });
  registerClaudeTransport({ transport: counting, description: "counting simulator", close: async () => {} });
  server = await startApiServer();
  const ctx = await makeTestProject();
  key = (await ctx.key(["prompts:read", "prompts:run", "calls:write"])).key;
  await publishPrompt(ctx.admin, "buffer-answerer", [simpleContent("You answer in one sentence.")]);
});

afterAll(async () => {
  databaseDown = false;
  await writer.close({ timeoutMs: 10_000 });
  await server.close();
  await sim.close();
  await pool.end();
});

const record = (i: number) => ({
  model: "claude-haiku-5-5",
  inputTokens: 10,
  outputTokens: 5,
  costMicros: 7,
  metadata: { i },
  response: { text: "z".repeat(8_000) },
});

describe("call log buffer bounded in bytes", () => {
  it("ingest and /run answer 503 + Retry-After while the buffer is full, and are accepted again once it drains", async () => {
    // A /run while the buffer has room works and is logged.
    const first = await sendJson<{ callId: string }>(
      "POST",
      `${server.url}/api/v1/prompts/buffer-answerer/run`,
      { variables: { question: "hi" } },
      bearer(key),
    );
    expect(first.status).toBe(200);
    expect(claudeCalls).toBe(1);

    databaseDown = true;
    const acknowledged: string[] = [first.body.callId];
    let refused: Awaited<ReturnType<typeof sendJson<ApiError>>> | undefined;
    for (let batch = 0; batch < 100 && !refused; batch++) {
      const res = await sendJson<{ results: Array<{ id?: string }> }>(
        "POST",
        `${server.url}/api/v1/calls`,
        { calls: Array.from({ length: 5 }, (_, i) => record(batch * 5 + i)) },
        bearer(key),
      );
      if (res.status === 202) acknowledged.push(...res.body.results.map((r) => r.id ?? ""));
      else refused = res as unknown as Awaited<ReturnType<typeof sendJson<ApiError>>>;
    }
    // 256 KiB of ~8 KiB records: full after about 30 records, and the refusal says why.
    expect(refused?.status).toBe(503);
    expect(refused?.headers.get("retry-after")).toBe("2");
    expect(refused?.body.error).toMatchObject({ code: "unavailable" });
    expect(refused?.body.error.message).toMatch(/call log buffer is full/);
    expect(acknowledged.length).toBeGreaterThan(10);
    expect(writer.stats().bufferedBytes).toBeLessThanOrEqual(256 * 1024);

    // /run is refused before Claude is called.
    const run = await sendJson<ApiError>("POST", `${server.url}/api/v1/prompts/buffer-answerer/run`, { variables: { question: "full?" } }, bearer(key));
    expect(run.status).toBe(503);
    expect(run.headers.get("retry-after")).toBe("2");
    expect(run.body.error.code).toBe("unavailable");
    expect(claudeCalls).toBe(1);

    // The database is back: the buffer drains, calls are accepted again, and every acknowledged id is stored.
    databaseDown = false;
    expect(await writer.flush({ timeoutMs: 20_000 })).toBe(true);
    const again = await sendJson<{ callId: string }>(
      "POST",
      `${server.url}/api/v1/prompts/buffer-answerer/run`,
      { variables: { question: "back" } },
      bearer(key),
    );
    expect(again.status).toBe(200);
    acknowledged.push(again.body.callId);
    await writer.flush({ timeoutMs: 20_000 });
    expect(await getDb().callLog.count({ where: { id: { in: acknowledged } } })).toBe(acknowledged.length);
    expect(writer.stats().bufferedBytes).toBe(0);
  });
});
