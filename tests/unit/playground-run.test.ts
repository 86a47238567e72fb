import { describe, expect, it } from "vitest";
import type { CallContext } from "@/lib/calls/record";
import { computeCallCost, findModel } from "@/lib/models/catalog";
import { createPriceBook } from "@/lib/models/pricing";
import type { RunInput, RunResult } from "@/lib/claude/runner";
import { AppError } from "@/lib/errors";
import { encodeNdjsonLine, readNdjson } from "@/lib/playground/ndjson";
import { executePlaygroundRun, formValuesToVariables, planFault, preparePlaygroundRun, type PlaygroundDeps } from "@/lib/playground/run";
import { orderVariables, runnableVersionLabel } from "@/lib/playground/queries";
import type { PlaygroundEvent } from "@/lib/playground/schemas";
import { contract, store, versionRow } from "@/tests/fixtures/playground";
import { supportAgentToolsContent } from "@/lib/prompts/fixtures/support-agent-tools";

const prices = createPriceBook(() => Promise.resolve([]));

async function prepareError(body: unknown, deps: PlaygroundDeps = {}): Promise<AppError> {
  try {
    await preparePlaygroundRun({ projectId: "proj", promptName: "support", userId: "u1", body }, { store: store(), simulated: () => true, ...deps });
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected preparePlaygroundRun to throw");
}

describe("formValuesToVariables", () => {
  it("treats empty fields as not given, keeps checkboxes, and sets aside undeclared names", () => {
    const { variables, ignored } = formValuesToVariables(contract, {
      question: "Where is my order?",
      context: "",
      limit: "  ",
      verbose: false,
      tier: "plus",
      filters: "",
      customer_tier: "business",
      another: "x",
    });
    expect(variables).toEqual({ question: "Where is my order?", verbose: false, tier: "plus" });
    expect(ignored).toEqual(["another", "customer_tier"]);
  });

  it("keeps whitespace-only text for string variables (it is a value), not for numbers", () => {
    expect(formValuesToVariables(contract, { question: " ", limit: " 4 " }).variables).toEqual({ question: " ", limit: " 4 " });
  });
});

describe("planFault", () => {
  it("fails every attempt on the version's model for 529, so the fallback answers", () => {
    const plan = planFault("529", "k1", { maxRetries: 3 });
    expect(plan.headers).toEqual({ "x-sim-fault": "529;count=4", "x-sim-fault-key": "k1" });
    expect(plan.policy).toEqual({});
  });

  it("shortens the per-attempt timeout only for the timeout fault", () => {
    expect(planFault("timeout", "k", { maxRetries: 4 })).toEqual({
      headers: { "x-sim-fault": "timeout;count=1", "x-sim-fault-key": "k" },
      policy: { timeoutMs: 3_000 },
    });
    expect(planFault("429", "k", { maxRetries: 4 }).headers["x-sim-fault"]).toBe("429;count=2;retry_after=1");
    expect(planFault("refusal", "k", { maxRetries: 4 }).headers["x-sim-fault"]).toBe("refusal");
    expect(planFault("invalid_json", "k", { maxRetries: 4 }).headers["x-sim-fault"]).toBe("invalid_json");
  });
});

describe("preparePlaygroundRun", () => {
  it("loads the version and resolves form values (coerced later by the runner)", async () => {
    const s = store(versionRow, { runner: { max_retries: 1 }, calls: { store_bodies: false } });
    const run = await preparePlaygroundRun(
      { projectId: "proj", promptName: "support", userId: "u1", body: { versionId: "v1", variables: { question: "Hi", limit: "7", other: "x" } } },
      { store: s, simulated: () => true },
    );
    expect(s.calls).toEqual(["proj/support/v1"]);
    expect(run.variables).toEqual({ question: "Hi", limit: "7" });
    expect(run.ignoredVariables).toEqual(["other"]);
    expect(run.fault).toBeNull();
    expect(run.headers).toBeUndefined();
    expect(run.settings.runner).toEqual({ max_retries: 1 });
    expect(run.settings.bodies).toEqual({ storeBodies: false, maxBodyBytes: 32 * 1024 });
    expect(run.versionLabel).toBe("1.2.0");
  });

  it("reports every variable problem per field as unprocessable", async () => {
    const error = await prepareError({ versionId: "v1", variables: { limit: "many", filters: "{oops", tier: "gold" } });
    expect(error.code).toBe("unprocessable");
    expect(error.issues?.map((i) => i.path).sort()).toEqual(["variables.filters", "variables.limit", "variables.question", "variables.tier"]);
    expect(error.issues?.find((i) => i.path === "variables.question")?.message).toMatch(/missing required variable "question"/);
  });

  it("rejects a malformed body and an unknown version", async () => {
    expect((await prepareError({ variables: {} })).code).toBe("bad_request");
    expect((await prepareError({ versionId: "v1", variables: { question: 3 } })).code).toBe("bad_request");
    expect((await prepareError({ versionId: "v1", extra: true })).code).toBe("bad_request");
    expect((await prepareError({ versionId: "nope", variables: { question: "Hi" } })).code).toBe("not_found");
  });

  it("allows faults only against the simulator, with the retry budget of the resolved policy", async () => {
    const live = await prepareError({ versionId: "v1", variables: { question: "Hi" }, fault: "529" }, { simulated: () => false });
    expect(live.code).toBe("bad_request");
    expect(live.issues?.[0]?.path).toBe("fault");

    const run = await preparePlaygroundRun(
      { projectId: "proj", promptName: "support", userId: "u1", body: { versionId: "v1", variables: { question: "Hi" }, fault: "529" } },
      { store: store(), simulated: () => true, newKey: () => "key-1" },
    );
    // The version's max_retries (3) wins over the default (4): 4 failures, then the fallback.
    expect(run.headers).toEqual({ "x-sim-fault": "529;count=4", "x-sim-fault-key": "key-1" });
    expect(run.fault).toBe("529");
  });
});

function fakeResult(overrides: Partial<RunResult> = {}): RunResult {
  const usage = { inputTokens: 1200, outputTokens: 80, cacheWriteTokens: 3000, cacheWrite1hTokens: 3000, cacheReadTokens: 0 };
  const spec = findModel("claude-sonnet-5-5")!;
  return {
    status: "ok",
    error: null,
    output: "Hello there",
    usage,
    costMicros: computeCallCost(usage, spec).totalMicros,
    latencyMs: 900,
    ttftMs: 450,
    attempts: [{ model: "claude-sonnet-5-5", kind: "initial", status: "ok", durationMs: 900 }],
    fallbacks: [],
    fallbackUsed: null,
    model: "claude-sonnet-5-5",
    requestedModel: "claude-sonnet-5-5",
    stopReason: "end_turn",
    refusalCategory: null,
    simulated: true,
    request: { model: "claude-sonnet-5-5", max_tokens: 256, messages: [] },
    response: null,
    source: "playground",
    metadata: {},
    subject: null,
    chunks: null,
    ...overrides,
  } as RunResult;
}

describe("executePlaygroundRun with a fake runner", () => {
  it("streams start, attempt and text events, logs the call as playground and returns exact facts", async () => {
    const prepared = await preparePlaygroundRun(
      { projectId: "proj", promptName: "support", userId: "u1", body: { versionId: "v1", variables: { question: "Hi" }, fault: "429" } },
      { store: store(), simulated: () => true, newKey: () => "k" },
    );
    const seen: RunInput[] = [];
    const logged: CallContext[] = [];
    const events: PlaygroundEvent[] = [];
    const facts = await executePlaygroundRun(
      prepared,
      { onEvent: (e) => events.push(e) },
      {
        prices,
        run: (input) => {
          seen.push(input);
          input.options.onAttempt?.({ model: "claude-sonnet-5-5", kind: "initial", index: 0 });
          input.options.onText?.("Hello ");
          input.options.onText?.("there");
          return Promise.resolve(fakeResult());
        },
        log: (_result, context) => {
          logged.push(context);
          return "call_123";
        },
      },
    );

    expect(events.map((e) => e.type)).toEqual(["start", "attempt", "text", "text", "done"]);
    expect(events[0]).toMatchObject({ type: "start", versionLabel: "1.2.0", model: "claude-sonnet-5-5", simulated: true, fault: "429" });
    const options = seen[0]!.options;
    expect(options).toMatchObject({ source: "playground", stream: true, coerceStrings: true, metadata: { userId: "u1", fault: "429" } });
    expect(options.headers).toEqual({ "x-sim-fault": "429;count=2;retry_after=1", "x-sim-fault-key": "k" });
    // The variables are kept with the call (bodies are stored), so it can become a dataset item.
    expect(logged).toEqual([{ projectId: "proj", promptId: "p1", versionId: "v1", source: "playground", metadata: { variables: { question: "Hi" } } }]);
    expect(facts.callId).toBe("call_123");
    expect(facts.cost?.exact).toBe(true);
    expect(facts.cost?.pricedModel).toBe("claude-sonnet-5-5");
    expect(facts.cost?.totalMicros).toBe(facts.costMicros);
    // 3000 tokens written with the 1h TTL, at the 1h write price per million tokens.
    const spec = findModel("claude-sonnet-5-5")!;
    expect(facts.cost?.cacheWrite1hMicros).toBe((3000 * spec.cacheWrite1hPerMTok) / 1_000_000);
    expect(facts.cost?.cacheWrite1hMicros).toBe(2 * facts.cost!.inputMicros * (3000 / 1200));
    expect(facts.message).toBeNull();
    expect(events.at(-1)).toEqual({ type: "done", facts });
  });

  it("describes failures: error message, refusal category, invalid output, inexact breakdown for mixed models", async () => {
    const prepared = await preparePlaygroundRun(
      { projectId: "proj", promptName: "support", userId: "u1", body: { versionId: "v1", variables: { question: "Hi" } } },
      { store: store(), simulated: () => true },
    );
    const runWith = (result: RunResult) =>
      executePlaygroundRun(prepared, { onEvent: () => {} }, { prices, run: () => Promise.resolve(result), log: () => null });

    const error = await runWith(
      fakeResult({
        status: "error",
        error: { type: "overloaded", message: "Overloaded", httpStatus: 529, requestId: null },
        costMicros: 1,
      } as Partial<RunResult>),
    );
    expect(error).toMatchObject({ status: "error", message: "Overloaded", errorType: "overloaded", httpStatus: 529, callId: null });
    expect(error.cost?.exact).toBe(false);

    const refusal = await runWith(fakeResult({ status: "refusal", refusalCategory: "cyber" } as Partial<RunResult>));
    expect(refusal.message).toBe("Claude declined to answer (category: cyber).");

    const invalid = await runWith(fakeResult({ status: "invalid_output", validationError: "/total must be integer" } as Partial<RunResult>));
    expect(invalid.message).toBe("/total must be integer");
  });
});

describe("NDJSON", () => {
  it("reassembles lines and multi-byte characters split across chunks", async () => {
    const bytes = new Uint8Array([...encodeNdjsonLine({ type: "text", delta: "héllo ✓" }), ...encodeNdjsonLine({ n: 2 })]);
    const cuts = [3, 17, 18, bytes.length - 1];
    const chunks: Uint8Array[] = [];
    let from = 0;
    for (const cut of cuts) {
      chunks.push(bytes.slice(from, cut));
      from = cut;
    }
    chunks.push(bytes.slice(from));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(c);
        controller.close();
      },
    });
    const values: unknown[] = [];
    for await (const v of readNdjson(stream)) values.push(v);
    expect(values).toEqual([{ type: "text", delta: "héllo ✓" }, { n: 2 }]);
  });

  it("yields a last line without a newline and rejects a malformed one", async () => {
    const make = (text: string) =>
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode(text));
          c.close();
        },
      });
    const values: unknown[] = [];
    for await (const v of readNdjson(make('{"a":1}\n\n{"b":2}'))) values.push(v);
    expect(values).toEqual([{ a: 1 }, { b: 2 }]);
    await expect(async () => {
      for await (const _v of readNdjson(make("{bad}\n"))) void _v;
    }).rejects.toThrow();
  });
});

describe("orderVariables", () => {
  it("puts must-give variables first, then template order, then unused ones by name", () => {
    const system = [{ type: "text", role: "instructions", text: "Tier {{tier}}." }];
    const messages = [{ role: "user", content: [{ type: "text", text: "{{context}}\n{{question}} {{limit}}" }] }];
    expect(Object.keys(orderVariables(contract, system, messages))).toEqual(["question", "tier", "context", "limit", "filters", "verbose"]);
    expect(Object.keys(orderVariables(contract, "broken", null))).toEqual(["question", "context", "filters", "limit", "tier", "verbose"]);
  });
});

describe("runnableVersionLabel", () => {
  it("calls the draft a draft whatever number it is stored under", () => {
    expect(runnableVersionLabel({ status: "DRAFT", major: 1, minor: 3, patch: 0 })).toBe("draft");
    expect(runnableVersionLabel({ status: "DRAFT", major: -1, minor: 0, patch: 0 })).toBe("draft");
    expect(runnableVersionLabel({ status: "PUBLISHED", major: 1, minor: 2, patch: 0 })).toBe("1.2.0");
  });
});

describe("playground continuation (tool results)", () => {
  const agentStore = () => store(supportAgentToolsContent);
  const call = { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "lookup_order", input: { order_id: "A-1" } }] };

  it("accepts the tool call and a typed tool result, and passes them to the run", async () => {
    const continuation = [call, { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "shipped" }] }];
    const run = await preparePlaygroundRun(
      { projectId: "proj", promptName: "support", userId: "u1", body: { versionId: "v1", variables: { question: "Where is A-1?" }, continuation } },
      { store: agentStore(), simulated: () => true },
    );
    expect(run.continuation).toEqual(continuation);
  });

  it("names a tool result that answers no call, and a call left unanswered", async () => {
    const error = await prepareError(
      {
        versionId: "v1",
        variables: { question: "Where is A-1?" },
        continuation: [call, { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_9", content: "x" }] }],
      },
      { store: agentStore() },
    );
    expect(error.status).toBe(422);
    expect(error.issues?.map((i) => i.path)).toEqual(["continuation.1.content.0.tool_use_id", "continuation.1"]);
    const twoUsers = await prepareError(
      { versionId: "v1", variables: { question: "Hi" }, continuation: [{ role: "user", content: "again" }] },
      { store: agentStore() },
    );
    expect(twoUsers.issues?.[0]?.path).toBe("continuation.0.role");
  });
});

describe("playground tool results (typed by the user)", () => {
  const agentStore = () => store(supportAgentToolsContent);
  const answer = {
    role: "assistant",
    content: [
      { type: "text", text: "Let me check." },
      { type: "tool_use", id: "toolu_1", name: "lookup_order", input: { order_id: "A-1" } },
      { type: "tool_use", id: "toolu_2", name: "issue_refund", input: { order_id: "A-1", amount_cents: 100, reason: "late" } },
    ],
  };
  const prepare = (body: Record<string, unknown>) =>
    preparePlaygroundRun(
      { projectId: "proj", promptName: "support", userId: "u1", body: { versionId: "v1", variables: { question: "Where is A-1?" }, ...body } },
      { store: agentStore(), simulated: () => true },
    );

  it("appends a user turn with one tool_result per typed result (JSON as typed, is_error when ticked)", async () => {
    const run = await prepare({
      continuation: [answer],
      toolResults: [
        { toolUseId: "toolu_1", format: "json", content: '{"status":"shipped"}' },
        { toolUseId: "toolu_2", content: "refund service down", isError: true },
      ],
    });
    expect(run.continuation).toEqual([
      answer,
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: '{"status":"shipped"}' },
          { type: "tool_result", tool_use_id: "toolu_2", content: "refund service down", is_error: true },
        ],
      },
    ]);
  });

  it("refuses results that are not valid JSON, empty, or given twice, naming each (400, zod)", async () => {
    const error = await prepareError(
      {
        versionId: "v1",
        variables: { question: "Hi" },
        continuation: [answer],
        toolResults: [
          { toolUseId: "toolu_1", format: "json", content: "{status: shipped}" },
          { toolUseId: "toolu_2", content: "  " },
          { toolUseId: "toolu_2", content: "ok" },
        ],
      },
      { store: agentStore() },
    );
    expect(error.status).toBe(400);
    const byPath = Object.fromEntries((error.issues ?? []).map((i) => [i.path, i.message]));
    expect(byPath["toolResults.0.content"]).toMatch(/^is not valid JSON: /);
    expect(byPath["toolResults.1.content"]).toBe("is empty: type what the tool returned");
    expect(byPath["toolResults.2.toolUseId"]).toBe('tool call "toolu_2" already has a result');
  });

  it("refuses a NUL character or an unpaired surrogate in a typed result before anything else (400 with its path)", async () => {
    const nul = await prepareError(
      { versionId: "v1", variables: { question: "Hi" }, continuation: [answer], toolResults: [{ toolUseId: "toolu_1", content: "a\u0000b" }] },
      { store: agentStore() },
    );
    expect(nul.status).toBe(400);
    expect(nul.issues).toEqual([{ path: "toolResults.0.content", message: "must not contain NUL characters" }]);
    const lone = await prepareError(
      { versionId: "v1", variables: { question: "Hi" }, continuation: [answer], toolResults: [{ toolUseId: "toolu_1", content: "\ud800" }] },
      { store: agentStore() },
    );
    expect(lone.issues?.[0]?.path).toBe("toolResults.0.content");
  });

  it("refuses a result for a call the answer did not make and a call left without a result (422)", async () => {
    const error = await prepareError(
      { versionId: "v1", variables: { question: "Hi" }, continuation: [answer], toolResults: [{ toolUseId: "toolu_9", content: "x" }] },
      { store: agentStore() },
    );
    expect(error.status).toBe(422);
    expect(error.issues).toEqual([
      {
        path: "toolResults.0.toolUseId",
        message: 'tool result 1 answers "toolu_9", which is not a tool call of the last answer ("lookup_order" (toolu_1), "issue_refund" (toolu_2))',
      },
      { path: "toolResults", message: 'the tool call "lookup_order" (toolu_1) has no result: type one' },
      { path: "toolResults", message: 'the tool call "issue_refund" (toolu_2) has no result: type one' },
    ]);
    const nothingToAnswer = await prepareError(
      { versionId: "v1", variables: { question: "Hi" }, toolResults: [{ toolUseId: "toolu_1", content: "x" }] },
      { store: agentStore() },
    );
    expect(nothingToAnswer.issues?.[0]?.path).toBe("toolResults");
  });
});
