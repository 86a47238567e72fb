import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@/lib/claude-simulator";
import { callLogRowFromResult } from "@/lib/calls/record";
import { CallLogWriter, sqlCallLogSink } from "@/lib/calls/writer";
import { recordScore } from "@/lib/metrics/scores";
import { rollupCallLogSink } from "@/lib/metrics/rollup-sql";
import { fetchBatchResults, runBatch } from "@/lib/claude/batches";
import { computeCallCost, findModel, SEED_MODEL_CATALOG, type ModelSpec } from "@/lib/models/catalog";
import { createClaudeTransport, type ClaudeTransport } from "@/lib/claude/client";
import { createPriceBook } from "@/lib/models/pricing";
import { ResponseCache } from "@/lib/claude/response-cache";
import { runPrompt, type RunOptions, type RunResult, type RunnableVersion } from "@/lib/claude/runner";
import { getDb } from "@/lib/db/client";
import { renderVersion } from "@/lib/prompts/render";
import pino from "pino";

// Every call goes through the real SDK (@anthropic-ai/sdk) to a simulator on a loopback port.
let sim: Simulator;
let transport: ClaudeTransport;
let projectId: string;
let writer: CallLogWriter;
const prices = createPriceBook(async () => []);
const responseCache = new ResponseCache();

const schema = {
  type: "object",
  properties: { category: { type: "string", enum: ["billing", "bug", "other"] }, summary: { type: "string" } },
  required: ["category", "summary"],
};

const textVersion: RunnableVersion = {
  system: [{ type: "text", text: "You are a concise support assistant for Acme.", role: "instructions" }],
  messages: [{ role: "user", content: [{ type: "text", text: "{{question}}" }] }],
  variables: { question: { type: "string", required: true } },
  modelConfig: { model: "claude-sonnet-5-5", max_tokens: 256 },
  outputSchema: { format: "text" },
  policy: { fallback_model: "claude-haiku-5-5" },
};

const jsonVersion: RunnableVersion = {
  ...textVersion,
  system: [{ type: "text", text: `Classify the ticket. Reply with JSON matching this JSON Schema: ${JSON.stringify(schema)}`, role: "instructions" }],
  outputSchema: { format: "json", schema },
};

/** Clamp every wait so the suite stays fast; timeouts short enough to trip the `timeout` fault. */
const fastPolicy = { baseDelayMs: 5, maxDelayMs: 50, timeoutMs: 2_000, deadlineMs: 20_000 };

function faultHeaders(fault: string): Record<string, string> {
  return { "x-sim-fault": fault, "x-sim-fault-key": randomUUID() };
}

async function run(version: RunnableVersion, question: string, options: Partial<RunOptions> = {}): Promise<RunResult> {
  return runPrompt({
    version,
    variables: { question },
    options: { source: "playground", ...options, policy: { ...fastPolicy, ...options.policy } },
    deps: { transport, prices, responseCache },
  });
}

/** Logs through the real writer into PostgreSQL and returns the stored row. */
async function logAndFetch(result: RunResult) {
  const row = callLogRowFromResult(result, { projectId, metadata: { test: true } });
  expect(writer.enqueue(row)).toBe(true);
  await writer.flush();
  return getDb().callLog.findUniqueOrThrow({ where: { id: row.id } });
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, speed: 50 });
  transport = createClaudeTransport({ baseURL: sim.url });
  const suffix = randomUUID().slice(0, 8);
  const project = await getDb().project.create({ data: { slug: `runner-${suffix}`, name: `Runner ${suffix}` } });
  projectId = project.id;
  writer = new CallLogWriter({ sink: sqlCallLogSink(getDb()), flushIntervalMs: 50, logger: pino({ level: "silent" }) });
});

afterAll(async () => {
  await writer?.close();
  await sim?.close();
});

describe("runner against the simulator through the real SDK", () => {
  it("plain call: ok, exact cost from usage, logged row matches", async () => {
    const r = await run(textVersion, "How do I reset my password?");
    expect(r.status).toBe("ok");
    expect(r.output.length).toBeGreaterThan(0);
    expect(r.simulated).toBe(true);
    const spec = findModel("claude-sonnet-5-5") as ModelSpec;
    expect(r.costMicros).toBe(computeCallCost(r.usage, spec).totalMicros);
    const row = await logAndFetch(r);
    expect(row).toMatchObject({
      status: "ok",
      model: "claude-sonnet-5-5",
      requestedModel: "claude-sonnet-5-5",
      attempts: 1,
      fallbackUsed: null,
      simulated: true,
      source: "playground",
    });
    expect(row.costMicros).toBe(BigInt(r.costMicros));
    expect(row.inputTokens).toBe(r.usage.inputTokens);
    expect(row.outputChars).toBe(r.output.length);
    expect(row.request).toMatchObject({ model: "claude-sonnet-5-5", max_tokens: 256 });
  });

  it("streaming: deltas add up to the output and time to first token is recorded", async () => {
    const deltas: string[] = [];
    const r = await run(textVersion, "Explain streaming in two sentences.", { stream: true, onText: (d) => deltas.push(d) });
    expect(r.status).toBe("ok");
    expect(deltas.join("")).toBe(r.output);
    expect(r.ttftMs).not.toBeNull();
    expect(r.ttftMs!).toBeLessThanOrEqual(r.latencyMs);
    const row = await logAndFetch(r);
    expect(row.ttftMs).toBe(Math.round(r.ttftMs!));
  });

  it("a stream the caller aborts is cancelled, not an error: billed for its input and the output streamed, priced, outside the error rate", async () => {
    const controller = new AbortController();
    const deltas: string[] = [];
    const r = await run(textVersion, "Explain, in ten long sentences, how refunds, exchanges and store credit work.", {
      stream: true,
      signal: controller.signal,
      onText: (d) => {
        deltas.push(d);
        if (deltas.length === 2) controller.abort();
      },
    });
    expect(r.status).toBe("cancelled");
    if (r.status !== "cancelled") return;
    expect(r.error.type).toBe("aborted");
    expect(r.output).toBe(deltas.join(""));
    // message_start's input usage, and output estimated from the streamed text (3.5 characters a token).
    expect(r.usage.inputTokens).toBeGreaterThan(10);
    expect(r.usage.outputTokens).toBe(Math.max(1, Math.ceil(r.output.length / 3.5)));
    const spec = findModel("claude-sonnet-5-5") as ModelSpec;
    expect(r.costMicros).toBe(computeCallCost(r.usage, spec).totalMicros);
    expect(r.costMicros).toBeGreaterThan(0);

    // Logged with its usage and cost, under a version so the rollup counts it: a call, not an error.
    const prompt = await getDb().prompt.create({ data: { projectId, name: `cancelled-${randomUUID().slice(0, 8)}` } });
    const version = await getDb().promptVersion.create({
      data: {
        promptId: prompt.id,
        major: 1,
        minor: 0,
        patch: 0,
        status: "PUBLISHED",
        system: [],
        messages: [],
        variables: {},
        modelConfig: { model: "claude-sonnet-5-5", max_tokens: 256 },
        contentHash: randomUUID(),
      },
    });
    const row = callLogRowFromResult(r, { projectId, promptId: prompt.id, versionId: version.id });
    const rollupWriter = new CallLogWriter({ sink: rollupCallLogSink(getDb()), flushIntervalMs: 50, logger: pino({ level: "silent" }) });
    expect(rollupWriter.enqueue(row)).toBe(true);
    await rollupWriter.close();
    const stored = await getDb().callLog.findUniqueOrThrow({ where: { id: row.id } });
    expect(stored).toMatchObject({
      status: "cancelled",
      errorType: "aborted",
      inputTokens: r.usage.inputTokens,
      outputTokens: r.usage.outputTokens,
      costMicros: BigInt(r.costMicros),
    });
    const rollup = await getDb().metricRollup.findFirstOrThrow({ where: { versionId: version.id, grainMinutes: 1440 } });
    expect(rollup).toMatchObject({ calls: 1n, errors: 0n, costMicros: BigInt(r.costMicros) });
  });

  it("429 then success: two attempts, retry-after honoured (clamped by policy)", async () => {
    const started = Date.now();
    const r = await run(textVersion, "rate limited once", { headers: faultHeaders("429;count=1;retry_after=1"), policy: { maxDelayMs: 200 } });
    expect(r.status).toBe("ok");
    expect(r.attempts.map((a) => [a.status, a.error?.type, a.error?.httpStatus])).toEqual([
      ["error", "rate_limited", 429],
      ["ok", undefined, undefined],
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200); // waited the clamped retry-after, not 1 s of jitter
    const row = await logAndFetch(r);
    expect(row).toMatchObject({ status: "ok", attempts: 2, fallbackUsed: null });
  });

  it("529 overloaded twice then success", async () => {
    const r = await run(textVersion, "overloaded", { headers: faultHeaders("529;count=2") });
    expect(r.status).toBe("ok");
    expect(r.attempts.map((a) => a.error?.type ?? "ok")).toEqual(["overloaded", "overloaded", "ok"]);
    expect((await logAndFetch(r)).attempts).toBe(3);
  });

  it("500 on every attempt: retries exhausted, then the fallback model answers", async () => {
    const r = await run(textVersion, "server errors", { headers: faultHeaders("500;count=3"), policy: { maxRetries: 2 } });
    expect(r.status).toBe("ok");
    expect(r.model).toBe("claude-haiku-5-5");
    expect(r.attempts.map((a) => [a.model, a.kind, a.error?.type ?? "ok"])).toEqual([
      ["claude-sonnet-5-5", "initial", "server_error"],
      ["claude-sonnet-5-5", "retry", "server_error"],
      ["claude-sonnet-5-5", "retry", "server_error"],
      ["claude-haiku-5-5", "fallback", "ok"],
    ]);
    const haiku = findModel("claude-haiku-5-5") as ModelSpec;
    expect(r.costMicros).toBe(computeCallCost(r.usage, haiku).totalMicros);
    const row = await logAndFetch(r);
    expect(row).toMatchObject({
      status: "ok",
      model: "claude-haiku-5-5",
      requestedModel: "claude-sonnet-5-5",
      attempts: 4,
      fallbackUsed: "model:claude-haiku-5-5",
    });
  });

  it("timeout: the per-attempt timeout trips, retries, then the fallback model", async () => {
    const r = await run(textVersion, "slow", { headers: faultHeaders("timeout;count=2;ms=5000"), policy: { timeoutMs: 300, maxRetries: 1 } });
    expect(r.status).toBe("ok");
    expect(r.attempts.map((a) => a.error?.type ?? "ok")).toEqual(["timeout", "timeout", "ok"]);
    expect(r.attempts[0]!.durationMs).toBeGreaterThanOrEqual(290);
    expect(r.attempts[0]!.durationMs).toBeLessThan(2000);
    expect(r.fallbackUsed).toBe("model:claude-haiku-5-5");
    expect((await logAndFetch(r)).fallbackUsed).toBe("model:claude-haiku-5-5");
  });

  it("everything down: a graceful error record, and the cached response when allowed", async () => {
    const fail = await run(textVersion, "always down", { headers: faultHeaders("503"), policy: { maxRetries: 1 } });
    expect(fail.status).toBe("error");
    if (fail.status === "error") expect(fail.error).toMatchObject({ type: "server_error", httpStatus: 503 });
    const failRow = await logAndFetch(fail);
    expect(failRow).toMatchObject({ status: "error", errorType: "server_error", httpStatus: 503, attempts: 4, costMicros: 0n });

    const cachedVersion = { ...textVersion, policy: { ...textVersion.policy, allow_cached_fallback: true } };
    const good = await run(cachedVersion, "cache me");
    expect(good.status).toBe("ok");
    const down = await run(cachedVersion, "cache me", { headers: faultHeaders("529"), policy: { maxRetries: 0 } });
    expect(down.status).toBe("ok");
    expect(down.output).toBe(good.output);
    expect(down.fallbackUsed).toBe("model:claude-haiku-5-5,cached_response");
    expect(down.costMicros).toBe(0);
    expect((await logAndFetch(down)).fallbackUsed).toBe("model:claude-haiku-5-5,cached_response");
  });

  it("refusal: its own status with the category", async () => {
    const r = await run(textVersion, "refuse this", { headers: faultHeaders("refusal;category=cyber") });
    expect(r.status).toBe("refusal");
    expect(r.refusalCategory).toBe("cyber");
    expect(r.costMicros).toBeGreaterThan(0);
    const row = await logAndFetch(r);
    expect(row).toMatchObject({ status: "refusal", refusalCategory: "cyber", stopReason: "refusal" });
  });

  it("refusal retried on the fallback model when the project allows it", async () => {
    const r = await run(textVersion, "refuse once", { headers: faultHeaders("refusal;count=1;category=bio"), policy: { refusalFallback: true } });
    expect(r.status).toBe("ok");
    expect(r.fallbacks).toEqual([{ type: "model", model: "claude-haiku-5-5", reason: "refusal" }]);
  });

  it("invalid JSON -> repair -> ok", async () => {
    const r = await run(jsonVersion, "I was charged twice", { headers: faultHeaders("invalid_json;count=1") });
    expect(r.status).toBe("ok");
    if (r.status === "ok") expect(r.parsed).toMatchObject({ category: expect.any(String), summary: expect.any(String) });
    expect(r.attempts.map((a) => a.kind)).toEqual(["initial", "repair"]);
    const row = await logAndFetch(r);
    expect(row).toMatchObject({ status: "ok", attempts: 2 });
  });

  it("invalid JSON twice -> invalid_output", async () => {
    const r = await run(jsonVersion, "broken twice", { headers: faultHeaders("invalid_json") });
    expect(r.status).toBe("invalid_output");
    const row = await logAndFetch(r);
    expect(row).toMatchObject({ status: "invalid_output", errorType: "invalid_output", attempts: 2 });
    expect(row.errorMessage).toContain("not valid JSON");
  });

  it("context overflow: fail strategy, and chunking against a small-context model", async () => {
    const small: ModelSpec[] = SEED_MODEL_CATALOG.map((m) => (m.model === "claude-haiku-5-5" ? { ...m, contextWindow: 1500 } : m));
    const smallSim = await startSimulator({ port: 0, speed: Infinity, catalog: small });
    try {
      const smallTransport = createClaudeTransport({ baseURL: smallSim.url });
      const document = Array.from({ length: 60 }, (_, i) => `Section ${i}: the warranty covers parts and labour for item ${i}.`).join("\n\n");
      const base: RunnableVersion = {
        ...textVersion,
        messages: [{ role: "user", content: [{ type: "text", text: "Summarise this document:\n{{question}}" }] }],
        modelConfig: { model: "claude-haiku-5-5", max_tokens: 200 },
        policy: {},
      };
      const go = (policy: RunnableVersion["policy"]) =>
        runPrompt({
          version: { ...base, policy },
          variables: { question: document },
          options: { source: "api", policy: fastPolicy },
          deps: { transport: smallTransport, prices, responseCache },
        });

      const failed = await go({ context_strategy: "fail" });
      expect(failed.status).toBe("error");
      if (failed.status === "error") expect(failed.error.type).toBe("context_overflow");
      expect((await logAndFetch(failed)).errorType).toBe("context_overflow");

      const concat = await go({ context_strategy: "chunk_concat" });
      expect(concat.status).toBe("ok");
      expect(concat.chunks).toBeGreaterThanOrEqual(2);
      expect(concat.attempts.filter((a) => a.kind === "chunk")).toHaveLength(concat.chunks!);
      expect(concat.output.split("\n\n").length).toBeGreaterThanOrEqual(concat.chunks!);
      expect((await logAndFetch(concat)).metadata).toMatchObject({ chunks: concat.chunks });

      const summarize = await go({ context_strategy: "chunk_summarize" });
      expect(summarize.status).toBe("ok");
      expect(summarize.attempts.at(-1)?.kind).toBe("summary");
    } finally {
      await smallSim.close();
    }
  });

  it("model_context_window_exceeded mid-generation (fault): fail strategy gives a clear error, billed and logged with the stop reason", async () => {
    const r = await run({ ...textVersion, policy: { context_strategy: "fail", fallback_model: "claude-haiku-5-5" } }, "Explain the refund policy in detail.", {
      headers: faultHeaders("window_exceeded"),
    });
    expect(r.status).toBe("error");
    if (r.status !== "error") return;
    expect(r.error.type).toBe("context_overflow");
    expect(r.error.message).toContain("model_context_window_exceeded");
    expect(r.stopReason).toBe("model_context_window_exceeded");
    // Not retried and no fallback model: a bigger context is not what a fallback gives.
    expect(r.attempts).toHaveLength(1);
    expect(r.fallbackUsed).toBeNull();
    // The cut-off answer was generated and billed: its tokens and exact cost are on the record.
    expect(r.output.length).toBeGreaterThan(0);
    expect(r.usage.outputTokens).toBeGreaterThan(0);
    expect(r.costMicros).toBe(computeCallCost(r.usage, findModel("claude-sonnet-5-5") as ModelSpec).totalMicros);
    const row = await logAndFetch(r);
    expect(row).toMatchObject({
      status: "error",
      errorType: "context_overflow",
      httpStatus: null,
      stopReason: "model_context_window_exceeded",
      attempts: 1,
      fallbackUsed: null,
      outputTokens: r.usage.outputTokens,
      outputChars: r.output.length,
    });
    expect(row.costMicros).toBe(BigInt(r.costMicros));
    expect(row.errorMessage).toContain("model_context_window_exceeded");
    expect(row.response).toMatchObject({ stop_reason: "model_context_window_exceeded" });

    // Streaming: the stop reason arrives in the final message_delta; the partial text was streamed.
    const deltas: string[] = [];
    const streamed = await run({ ...textVersion, policy: { context_strategy: "fail" } }, "Explain the refund policy in detail.", {
      stream: true,
      onText: (d) => deltas.push(d),
      headers: faultHeaders("window_exceeded"),
    });
    expect(streamed).toMatchObject({ status: "error", stopReason: "model_context_window_exceeded", error: { type: "context_overflow" } });
    expect(deltas.join("")).toBe(streamed.output);
    expect(streamed.output.length).toBeGreaterThan(0);
    // Tokens were streamed before the overflow: the time to the first one is kept.
    expect(streamed.ttftMs).not.toBeNull();
    expect(streamed.ttftMs!).toBeLessThanOrEqual(streamed.latencyMs);
    const streamedRow = await logAndFetch(streamed);
    expect(streamedRow).toMatchObject({
      status: "error",
      errorType: "context_overflow",
      stopReason: "model_context_window_exceeded",
      outputChars: streamed.output.length,
    });
    expect(streamedRow.ttftMs).toBe(Math.round(streamed.ttftMs!));
  });

  it("model_context_window_exceeded mid-generation: chunk strategies split the longest variable, every response billed, logged with the chunk count", async () => {
    // Natural overflow: the prompt fits the (shrunk) window but prompt + answer does not.
    const small: ModelSpec[] = SEED_MODEL_CATALOG.map((m) => (m.model === "claude-haiku-5-5" ? { ...m, contextWindow: 1300 } : m));
    const smallSim = await startSimulator({ port: 0, speed: Infinity, catalog: small });
    try {
      const smallTransport = createClaudeTransport({ baseURL: smallSim.url });
      const document = Array.from({ length: 48 }, (_, i) => `Section ${i}: the warranty covers parts and labour for item ${i}.`).join("\n\n");
      const base: RunnableVersion = {
        ...textVersion,
        messages: [{ role: "user", content: [{ type: "text", text: "Summarise this document:\n{{question}}" }] }],
        modelConfig: { model: "claude-haiku-5-5", max_tokens: 400 },
        policy: {},
      };
      const go = (policy: RunnableVersion["policy"]) =>
        runPrompt({
          version: { ...base, policy },
          variables: { question: document },
          options: { source: "api", policy: fastPolicy },
          deps: { transport: smallTransport, prices, responseCache },
        });
      const haiku = findModel("claude-haiku-5-5") as ModelSpec;

      const failed = await go({ context_strategy: "fail" });
      expect(failed.status).toBe("error");
      expect(failed.stopReason).toBe("model_context_window_exceeded");
      // The prompt itself fit: this is the mid-generation case, not the 400 "prompt is too long".
      expect(failed.usage.inputTokens).toBeLessThan(1300);
      expect(failed.usage.inputTokens + failed.usage.outputTokens).toBe(1300);
      expect(await logAndFetch(failed)).toMatchObject({
        status: "error",
        errorType: "context_overflow",
        stopReason: "model_context_window_exceeded",
        httpStatus: null,
      });

      for (const strategy of ["chunk_concat", "chunk_summarize"] as const) {
        const r = await go({ context_strategy: strategy });
        expect(r.status, strategy).toBe("ok");
        expect(r.chunks).toBeGreaterThanOrEqual(2);
        expect(r.stopReason).not.toBe("model_context_window_exceeded");
        const kinds = r.attempts.map((a) => a.kind);
        expect(kinds[0]).toBe("initial");
        expect(kinds.filter((k) => k === "chunk")).toHaveLength(r.chunks!);
        if (strategy === "chunk_summarize") expect(kinds.at(-1)).toBe("summary");
        // The cut-off first response is billed too: cost covers every response at the exact price.
        expect(r.usage.outputTokens).toBeGreaterThan(failed.usage.outputTokens);
        expect(r.costMicros).toBe(computeCallCost(r.usage, haiku).totalMicros);
        const row = await logAndFetch(r);
        expect(row, strategy).toMatchObject({ status: "ok", errorType: null, attempts: r.attempts.length, outputTokens: r.usage.outputTokens });
        expect(row.costMicros).toBe(BigInt(r.costMicros));
        expect(row.metadata).toMatchObject({ chunks: r.chunks });
      }
    } finally {
      await smallSim.close();
    }
  });

  it("prompt cache: the second identical call reads the prefix and costs less by exactly the computed amount", async () => {
    const policyDoc = Array.from({ length: 80 }, (_, i) => `Policy clause ${i}: refunds within 30 days, exchanges within 60 days.`).join("\n");
    const cached: RunnableVersion = {
      ...textVersion,
      system: [
        { type: "text", text: "You are a support assistant.", role: "instructions" },
        { type: "text", text: `<policy>${policyDoc}</policy>`, role: "reference", cache_control: { type: "ephemeral" } },
      ],
      policy: {},
    };
    const first = await run(cached, "Can I return shoes after 40 days?");
    const second = await run(cached, "Can I return shoes after 40 days?");
    expect(first.status).toBe("ok");
    expect(second.status).toBe("ok");
    const written = first.usage.cacheWriteTokens;
    expect(written).toBeGreaterThan(1000);
    expect(first.usage.cacheReadTokens).toBe(0);
    expect(second.usage.cacheReadTokens).toBe(written);
    expect(second.usage.cacheWriteTokens).toBe(0);
    expect(second.usage.inputTokens).toBe(first.usage.inputTokens);
    expect(second.usage.outputTokens).toBe(first.usage.outputTokens);
    const spec = findModel("claude-sonnet-5-5") as ModelSpec; // write 2.50, read 0.20 $/MTok
    const expectedSaving = Math.round((written * spec.cacheWrite5mPerMTok) / 1e6) - Math.round((written * spec.cacheReadPerMTok) / 1e6);
    expect(expectedSaving).toBeGreaterThan(0);
    expect(first.costMicros - second.costMicros).toBe(expectedSaving);
    const [row1, row2] = [await logAndFetch(first), await logAndFetch(second)];
    expect(row1.cacheWriteTokens).toBe(written);
    expect(row2.cacheReadTokens).toBe(written);
    expect(row1.costMicros - row2.costMicros).toBe(BigInt(expectedSaving));
  });

  it("scores: recordScore sets score and expected output on the logged call", async () => {
    const r = await run(textVersion, "score me");
    const row = await logAndFetch(r);
    await expect(recordScore(row.id, { correct: true, expected: "yes" }, { projectId, writer })).resolves.toEqual({ callId: row.id, score: 1 });
    const stored = await getDb().callLog.findUniqueOrThrow({ where: { id: row.id } });
    expect(stored).toMatchObject({ score: 1, expectedOutput: "yes" });
    await expect(recordScore(row.id, { score: 0.25 }, { projectId: "another-project", writer })).rejects.toMatchObject({ code: "not_found" });
    await expect(recordScore(row.id, { score: 2 }, { projectId, writer })).rejects.toMatchObject({ code: "unprocessable" });
  });

  it("Message Batches: results matched by custom_id and priced at the batch discount", async () => {
    sim.state.speed = Infinity;
    try {
      const questions = ["alpha question", "beta question", "gamma question", "delta question"];
      const items = questions.map((q, i) => ({ customId: `item-${i}`, params: renderVersion(textVersion, { question: q }) as never }));
      const { batch, results } = await runBatch(items, { intervalMs: 20, timeoutMs: 10_000 }, { transport, catalog: SEED_MODEL_CATALOG });
      expect(batch.processing_status).toBe("ended");
      expect([...results.keys()].sort()).toEqual(items.map((i) => i.customId).sort());
      const spec = findModel("claude-sonnet-5-5") as ModelSpec;
      for (const [i, q] of questions.entries()) {
        const outcome = results.get(`item-${i}`);
        expect(outcome?.status).toBe("succeeded");
        if (outcome?.status !== "succeeded") continue;
        expect(outcome.costMicros).toBe(computeCallCost(outcome.usage, spec, { batch: true }).totalMicros);
        expect(outcome.costMicros).toBeLessThan(computeCallCost(outcome.usage, spec).totalMicros);
        // The same request outside the batch gives the same (deterministic) output.
        const direct = await run(textVersion, q, { policy: { maxRetries: 0 } });
        expect(outcome.output).toBe(direct.output);
      }
      const again = await fetchBatchResults(batch.id, { transport, catalog: SEED_MODEL_CATALOG });
      expect(again.size).toBe(questions.length);
    } finally {
      sim.state.speed = 50;
    }
  });
});
