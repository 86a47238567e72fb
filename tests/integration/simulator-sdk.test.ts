import Anthropic, {
  APIConnectionTimeoutError,
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  OverloadedError,
  RateLimitError,
} from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@/lib/claude-simulator";

// The simulator driven by the real SDK, exactly as the runner will use it.
const clock = {
  t: Date.parse("2026-11-20T10:00:00Z"),
  now(): number {
    return this.t;
  },
};
let sim: Simulator;
let client: Anthropic;

beforeAll(async () => {
  sim = await startSimulator({ speed: Infinity, clock, batchProcessingMs: 60_000 });
  client = new Anthropic({ apiKey: "sim", baseURL: sim.url, maxRetries: 0 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.state.reset();
});

const MODEL = "claude-sonnet-5-5";
const user = (text: string) => [{ role: "user" as const, content: text }];
const textOf = (message: Anthropic.Message): string => message.content.map((b) => (b.type === "text" ? b.text : "")).join("");
const policy = Array.from(
  { length: 40 },
  (_, i) => `Clause ${i + 1}: refunds for order type ${i} are handled within ${i + 3} business days by the support team.`,
).join("\n");

describe("messages.create", () => {
  it("returns a deterministic, well-formed message with usage and a request id", async () => {
    const params = { model: MODEL, max_tokens: 400, messages: user("How do I rotate API keys for my billing service?") };
    const { data, response, request_id } = await client.messages.create(params).withResponse();
    expect(data.type).toBe("message");
    expect(data.role).toBe("assistant");
    expect(data.id).toMatch(/^msg_/);
    expect(data.stop_reason).toBe("end_turn");
    expect(textOf(data).length).toBeGreaterThan(40);
    expect(request_id).toMatch(/^req_/);
    expect(response.headers.get("request-id")).toBe(request_id);
    expect(data.usage.input_tokens).toBeGreaterThan(5);
    expect(data.usage.output_tokens).toBeGreaterThan(5);
    expect(data.usage.service_tier).toBe("standard");
    expect(data.usage.cache_creation).toEqual({ ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 });

    const again = await client.messages.create(params);
    expect(textOf(again)).toBe(textOf(data));
    expect(again.id).not.toBe(data.id);
    const other = await client.messages.create({ ...params, messages: user("Explain vector databases to a product manager.") });
    expect(textOf(other)).not.toBe(textOf(data));
  });

  it("stops at max_tokens and at stop sequences", async () => {
    const params = { model: MODEL, max_tokens: 400, messages: user("Describe a good onboarding checklist for new engineers.") };
    const full = await client.messages.create(params);
    const cut = await client.messages.create({ ...params, max_tokens: 7 });
    expect(cut.stop_reason).toBe("max_tokens");
    expect(cut.usage.output_tokens).toBe(7);
    expect(textOf(full).startsWith(textOf(cut))).toBe(true);

    const word = textOf(full).split(" ")[4] ?? "";
    const stopped = await client.messages.create({ ...params, stop_sequences: [word] });
    expect(stopped.stop_reason).toBe("stop_sequence");
    expect(stopped.stop_sequence).toBe(word);
    expect(textOf(stopped)).toBe(textOf(full).slice(0, textOf(full).indexOf(word)));
  });

  it("produces JSON conforming to output_config.format", async () => {
    const schema = {
      type: "object",
      properties: {
        sentiment: { type: "string", enum: ["positive", "negative", "neutral"] },
        score: { type: "integer", minimum: 1, maximum: 5 },
        tags: { type: "array", items: { type: "string" }, minItems: 1 },
      },
      required: ["sentiment", "score", "tags"],
      additionalProperties: false,
    };
    const msg = await client.messages.create({
      model: MODEL,
      max_tokens: 500,
      messages: user("Review: the checkout flow was quick and the support team was friendly."),
      output_config: { format: { type: "json_schema", schema } },
    });
    const value = JSON.parse(textOf(msg)) as { sentiment: string; score: number; tags: unknown[] };
    expect(["positive", "negative", "neutral"]).toContain(value.sentiment);
    expect(Number.isInteger(value.score) && value.score >= 1 && value.score <= 5).toBe(true);
    expect(value.tags.length).toBeGreaterThanOrEqual(1);
  });

  it("produces JSON following a schema or example found in the prompt, and picks classifier labels", async () => {
    const system = 'Extract the contact. Respond only with JSON matching this example:\n{"name": "Ada Lovelace", "email": "ada@example.com", "priority": 2}';
    const msg = await client.messages.create({
      model: MODEL,
      max_tokens: 300,
      system,
      messages: user("Hi, this is Grace Hopper, grace@navy.mil, please call me back."),
    });
    const value = JSON.parse(textOf(msg)) as Record<string, unknown>;
    expect(Object.keys(value).sort()).toEqual(["email", "name", "priority"]);
    expect(typeof value.priority).toBe("number");

    const labels = ["billing", "technical", "account", "other"];
    const classify = (text: string) =>
      client.messages.create({
        model: "claude-haiku-5-5",
        max_tokens: 20,
        system: `Classify the support ticket. Answer with exactly one of: ${labels.join(", ")}.`,
        messages: user(text),
      });
    const picked = await classify("My invoice shows a double charge.");
    expect(labels).toContain(textOf(picked));
    expect(textOf(await classify("I have a billing question about my last invoice"))).toBe("billing");
  });

  it("returns a forced tool_use whose input fits the input_schema", async () => {
    const msg = await client.messages.create({
      model: MODEL,
      max_tokens: 300,
      tools: [
        {
          name: "get_weather",
          description: "Weather",
          input_schema: {
            type: "object",
            properties: { city: { type: "string" }, days: { type: "integer", minimum: 1, maximum: 7 } },
            required: ["city", "days"],
          },
        },
      ],
      tool_choice: { type: "tool", name: "get_weather" },
      messages: user("Weather in Lisbon for the weekend?"),
    });
    expect(msg.stop_reason).toBe("tool_use");
    const block = msg.content[0];
    expect(block?.type).toBe("tool_use");
    if (block?.type !== "tool_use") return;
    expect(block.name).toBe("get_weather");
    const input = block.input as { city: unknown; days: number };
    expect(typeof input.city).toBe("string");
    expect(input.days >= 1 && input.days <= 7).toBe(true);
  });
});

describe("streaming", () => {
  it("streams the same message as create, with events in API order and cumulative usage", async () => {
    const params = { model: MODEL, max_tokens: 300, messages: user("What makes a good incident postmortem?") };
    const created = await client.messages.create(params);
    const raw = await client.messages.create({ ...params, stream: true });
    const types: string[] = [];
    let text = "";
    let finalUsage: Anthropic.MessageDeltaUsage | undefined;
    for await (const event of raw) {
      types.push(event.type);
      if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
      if (event.type === "message_delta") finalUsage = event.usage;
    }
    expect(types[0]).toBe("message_start");
    expect(types[1]).toBe("content_block_start");
    expect(types.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(types.filter((t) => t === "content_block_delta").length).toBeGreaterThan(2);
    expect(text).toBe(textOf(created));
    expect(finalUsage?.output_tokens).toBe(created.usage.output_tokens);
    expect(finalUsage?.input_tokens).toBe(created.usage.input_tokens);

    const final = await client.messages.stream(params).finalMessage();
    expect(textOf(final)).toBe(textOf(created));
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage.output_tokens).toBe(created.usage.output_tokens);
  });
});

describe("countTokens", () => {
  it("counts like create's total input and grows with the prompt and the tokenizer", async () => {
    const params = { model: MODEL, messages: user("Summarize the attached policy."), system: policy };
    const { input_tokens } = await client.messages.countTokens(params);
    const created = await client.messages.create({ ...params, max_tokens: 50 });
    expect(input_tokens).toBe(created.usage.input_tokens);
    const shorter = await client.messages.countTokens({ model: MODEL, messages: user("Summarize the attached policy.") });
    expect(shorter.input_tokens).toBeLessThan(input_tokens);
    const older = await client.messages.countTokens({ ...params, model: "claude-sonnet-4-6" });
    expect(input_tokens / older.input_tokens).toBeGreaterThan(1.2);
  });
});

describe("prompt caching", () => {
  const cached = (ttl?: "1h") => ({
    model: MODEL,
    max_tokens: 100,
    system: [
      { type: "text" as const, text: "You answer questions about the refund policy." },
      { type: "text" as const, text: policy, cache_control: { type: "ephemeral" as const, ...(ttl ? { ttl } : {}) } },
    ],
    messages: user("How long do refunds for order type 7 take?"),
  });

  it("writes on the first call and reads on the second; expires after 5 minutes unless refreshed", async () => {
    const total = (await client.messages.countTokens({ model: MODEL, system: cached().system, messages: cached().messages })).input_tokens;
    const first = await client.messages.create(cached());
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(512);
    expect(first.usage.cache_creation?.ephemeral_5m_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    expect(first.usage.input_tokens + (first.usage.cache_creation_input_tokens ?? 0)).toBe(total);

    const second = await client.messages.create(cached());
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    expect(second.usage.input_tokens).toBe(first.usage.input_tokens);

    clock.t += 4 * 60_000; // a hit refreshes the 5 minute lifetime...
    expect((await client.messages.create(cached())).usage.cache_read_input_tokens).toBeGreaterThan(0);
    clock.t += 4 * 60_000;
    expect((await client.messages.create(cached())).usage.cache_read_input_tokens).toBeGreaterThan(0);
    clock.t += 6 * 60_000; // ...but 6 idle minutes expire it.
    const expired = await client.messages.create(cached());
    expect(expired.usage.cache_read_input_tokens).toBe(0);
    expect(expired.usage.cache_creation_input_tokens).toBe(first.usage.cache_creation_input_tokens);
  });

  it("accounts 1h writes separately and keeps them for an hour", async () => {
    const first = await client.messages.create(cached("1h"));
    expect(first.usage.cache_creation?.ephemeral_1h_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(first.usage.cache_creation?.ephemeral_5m_input_tokens).toBe(0);
    clock.t += 50 * 60_000;
    expect((await client.messages.create(cached("1h"))).usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
  });

  it("caches nothing below the model's minimum cacheable length", async () => {
    const params = {
      model: MODEL,
      max_tokens: 50,
      system: [{ type: "text" as const, text: "You are terse.", cache_control: { type: "ephemeral" as const } }],
      messages: user("Hello there"),
    };
    for (let i = 0; i < 2; i++) {
      const msg = await client.messages.create(params);
      expect(msg.usage.cache_creation_input_tokens).toBe(0);
      expect(msg.usage.cache_read_input_tokens).toBe(0);
    }
  });

  it("finds an earlier cached prefix within the 20-block lookback (conversation growth)", async () => {
    const turn1 = [{ role: "user" as const, content: [{ type: "text" as const, text: policy, cache_control: { type: "ephemeral" as const } }] }];
    const first = await client.messages.create({ model: MODEL, max_tokens: 50, messages: turn1 });
    const written = first.usage.cache_creation_input_tokens ?? 0;
    expect(written).toBeGreaterThan(0);
    const turn2 = [
      { role: "user" as const, content: [{ type: "text" as const, text: policy }] },
      { role: "assistant" as const, content: "Noted." },
      { role: "user" as const, content: [{ type: "text" as const, text: "And type 3?", cache_control: { type: "ephemeral" as const } }] },
    ];
    const second = await client.messages.create({ model: MODEL, max_tokens: 50, messages: turn2 });
    expect(second.usage.cache_read_input_tokens).toBe(written);
    expect(second.usage.cache_creation_input_tokens).toBeGreaterThan(0);
  });
});

describe("faults", () => {
  const params = { model: MODEL, max_tokens: 100, messages: user("Say hello") };
  const withFault = (fault: string, key?: string) => ({ headers: { "x-sim-fault": fault, ...(key ? { "x-sim-fault-key": key } : {}) } });

  it("429 carries retry-after and rate-limit headers", async () => {
    const error = await client.messages.create(params, withFault("429;retry_after=3")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    const e = error as RateLimitError;
    expect(e.headers.get("retry-after")).toBe("3");
    expect(e.headers.get("anthropic-ratelimit-requests-remaining")).toBe("0");
    expect(e.headers.get("anthropic-ratelimit-tokens-reset")).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(e.type).toBe("rate_limit_error");
    expect(e.requestID).toMatch(/^req_/);
  });

  it("529 and 500 map to OverloadedError and InternalServerError", async () => {
    await expect(client.messages.create(params, withFault("529"))).rejects.toBeInstanceOf(OverloadedError);
    await expect(client.messages.create(params, withFault("500"))).rejects.toBeInstanceOf(InternalServerError);
  });

  it("count=N fails the first N requests per key, then succeeds (SDK retries recover)", async () => {
    await expect(client.messages.create(params, withFault("529;count=1", "a"))).rejects.toBeInstanceOf(OverloadedError);
    await expect(client.messages.create(params, withFault("529;count=1", "b"))).rejects.toBeInstanceOf(OverloadedError);
    await expect(client.messages.create(params, withFault("529;count=1", "a"))).resolves.toMatchObject({ type: "message" });

    const retrying = new Anthropic({ apiKey: "sim", baseURL: sim.url, maxRetries: 2 });
    const msg = await retrying.messages.create(params, withFault("429;count=2;retry_after_ms=5", "retry"));
    expect(msg.type).toBe("message");
    expect(sim.state.requests.filter((r) => r.faultKey === "retry").map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it("timeout hangs past the client's timeout", async () => {
    const started = Date.now();
    await expect(client.messages.create(params, { ...withFault("timeout"), timeout: 300 })).rejects.toBeInstanceOf(APIConnectionTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it("refusal, invalid_json and overflow", async () => {
    const refused = await client.messages.create(params, withFault("refusal;category=cyber"));
    expect(refused.stop_reason).toBe("refusal");
    expect(refused.stop_details).toMatchObject({ type: "refusal", category: "cyber" });

    const json = { ...params, system: "Respond in JSON." };
    const fine = await client.messages.create(json);
    expect(() => JSON.parse(textOf(fine)) as unknown).not.toThrow();
    const broken = await client.messages.create(json, withFault("invalid_json"));
    expect(() => JSON.parse(textOf(broken)) as unknown).toThrow();

    const overflow = await client.messages.create(params, withFault("overflow")).catch((e: unknown) => e);
    expect(overflow).toBeInstanceOf(BadRequestError);
    expect((overflow as BadRequestError).apiMessage).toMatch(/^prompt is too long: \d+ tokens > 1000000 maximum$/);
  });

  it("stream_error sends an SSE error event mid-stream", async () => {
    const stream = await client.messages.create({ ...params, max_tokens: 300, stream: true }, withFault("stream_error;after=2"));
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of stream) seen.push(event.type);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).type).toBe("overloaded_error");
    expect(seen.filter((t) => t === "content_block_delta")).toHaveLength(2);
    expect(seen).not.toContain("message_stop");
  });

  it("magic tokens in the prompt text and programmed rules inject faults too", async () => {
    const magic = { ...params, messages: user("Question: [[sim:refusal;category=bio]] what now?") };
    expect((await client.messages.create(magic)).stop_details?.category).toBe("bio");

    const counted = { ...params, messages: user("Hello [[sim:500;count=1;key=magic-test]]") };
    await expect(client.messages.create(counted)).rejects.toBeInstanceOf(InternalServerError);
    await expect(client.messages.create(counted)).resolves.toMatchObject({ type: "message" });

    sim.faults.add({ fault: "529", count: 1, match: (r) => r.model === "claude-haiku-5-5" });
    await expect(client.messages.create(params)).resolves.toMatchObject({ type: "message" });
    await expect(client.messages.create({ ...params, model: "claude-haiku-5-5" })).rejects.toBeInstanceOf(OverloadedError);
    await expect(client.messages.create({ ...params, model: "claude-haiku-5-5" })).resolves.toMatchObject({ type: "message" });
  });
});

describe("validation", () => {
  it("maps invalid requests to the SDK's error classes with the API's error body", async () => {
    const missing = await client.messages
      .create({ model: MODEL, messages: user("x") } as unknown as Anthropic.MessageCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(BadRequestError);
    expect((missing as BadRequestError).apiMessage).toBe("max_tokens: Field required");
    expect((missing as BadRequestError).type).toBe("invalid_request_error");

    await expect(client.messages.create({ model: MODEL, max_tokens: 10, messages: [] })).rejects.toBeInstanceOf(BadRequestError);
    await expect(client.messages.create({ model: "claude-nonexistent-9", max_tokens: 10, messages: user("x") })).rejects.toBeInstanceOf(NotFoundError);

    const withTemperature = { model: MODEL, max_tokens: 10, messages: user("x"), temperature: 0.2 } as unknown as Anthropic.MessageCreateParamsNonStreaming;
    const removed = await client.messages.create(withTemperature).catch((e: unknown) => e);
    expect(removed).toBeInstanceOf(BadRequestError);
    expect((removed as BadRequestError).apiMessage).toMatch(/^temperature:/);

    const block = (text: string) => ({ type: "text" as const, text, cache_control: { type: "ephemeral" as const } });
    const tooMany = await client.messages
      .create({ model: MODEL, max_tokens: 10, system: [block("a"), block("b"), block("c")], messages: [{ role: "user", content: [block("d"), block("e")] }] })
      .catch((e: unknown) => e);
    expect(tooMany).toBeInstanceOf(BadRequestError);
    expect((tooMany as BadRequestError).apiMessage).toMatch(/maximum of 4 blocks with cache_control/);

    const tooLong = await client.messages.create({ model: MODEL, max_tokens: 200_000, messages: user("x") }, { timeout: 1000 }).catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(BadRequestError);
  });

  it("requires an API key header and answers the error shape with a request-id header", async () => {
    const res = await fetch(`${sim.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { type: string; error: { type: string; message: string }; request_id: string };
    expect(body.type).toBe("error");
    expect(body.error.type).toBe("authentication_error");
    expect(body.request_id).toBe(res.headers.get("request-id"));

    const xApiKey = await fetch(`${sim.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "k", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: MODEL, max_tokens: 10, temperature: 0.5, messages: user("hi") }),
    });
    expect(xApiKey.status).toBe(200); // the old API version still accepts temperature

    const strict = await startSimulator({ speed: Infinity, apiKey: "right" });
    try {
      const wrong = new Anthropic({ apiKey: "wrong", baseURL: strict.url, maxRetries: 0 });
      await expect(wrong.messages.create({ model: MODEL, max_tokens: 10, messages: user("x") })).rejects.toBeInstanceOf(AuthenticationError);
    } finally {
      await strict.close();
    }
  });
});

describe("models", () => {
  it("lists the catalog", async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain("claude-sonnet-5-5");
    expect(ids).toContain("claude-haiku-4-5-20251001");
    const info = await client.models.retrieve("claude-opus-5-5");
    expect(info.max_input_tokens).toBe(1_000_000);
  });
});

describe("message batches", () => {
  it("processes a batch end to end; results come back out of request order, matched by custom_id", async () => {
    const ids = ["q-1", "q-2", "q-3", "q-4", "q-5"];
    const batch = await client.messages.batches.create({
      requests: [
        ...ids.map((id) => ({ custom_id: id, params: { model: MODEL, max_tokens: 100, messages: user(`Question ${id}: what is a good name for a cat?`) } })),
        { custom_id: "bad-model", params: { model: "claude-nope", max_tokens: 10, messages: user("x") } },
        { custom_id: "fails", params: { model: MODEL, max_tokens: 10, messages: user("x [[sim:529]]") } },
      ],
    });
    expect(batch.processing_status).toBe("in_progress");
    expect(batch.request_counts.processing).toBe(7);
    expect(batch.results_url).toBeNull();

    clock.t += 30_000;
    const half = await client.messages.batches.retrieve(batch.id);
    expect(half.processing_status).toBe("in_progress");
    expect(half.request_counts.processing).toBeGreaterThan(0);
    expect(half.request_counts.processing).toBeLessThan(7);

    clock.t += 31_000;
    const done = await client.messages.batches.retrieve(batch.id);
    expect(done.processing_status).toBe("ended");
    expect(done.request_counts).toEqual({ processing: 0, succeeded: 5, errored: 2, canceled: 0, expired: 0 });

    const results: Anthropic.Messages.MessageBatchIndividualResponse[] = [];
    for await (const line of await client.messages.batches.results(batch.id)) results.push(line);
    const order = results.map((r) => r.custom_id);
    expect([...order].sort()).toEqual([...ids, "bad-model", "fails"].sort());
    expect(order).not.toEqual([...ids, "bad-model", "fails"]);
    const byId = new Map(results.map((r) => [r.custom_id, r.result]));
    const ok = byId.get("q-3");
    expect(ok?.type).toBe("succeeded");
    if (ok?.type === "succeeded") {
      expect(ok.message.usage.service_tier).toBe("batch");
      const direct = await client.messages.create({ model: MODEL, max_tokens: 100, messages: user("Question q-3: what is a good name for a cat?") });
      expect(textOf(ok.message)).toBe(textOf(direct));
    }
    expect(byId.get("bad-model")).toMatchObject({ type: "errored", error: { error: { type: "not_found_error" } } });
    expect(byId.get("fails")).toMatchObject({ type: "errored", error: { error: { type: "overloaded_error" } } });

    const listed: string[] = [];
    for await (const b of client.messages.batches.list()) listed.push(b.id);
    expect(listed).toContain(batch.id);
    await expect(client.messages.batches.delete(batch.id)).resolves.toMatchObject({ id: batch.id, type: "message_batch_deleted" });
    await expect(client.messages.batches.retrieve(batch.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("cancels the unfinished part of a batch and validates custom ids", async () => {
    const batch = await client.messages.batches.create({
      requests: ["a", "b", "c", "d"].map((id) => ({ custom_id: id, params: { model: MODEL, max_tokens: 10, messages: user(id) } })),
    });
    clock.t += 20_000;
    const canceling = await client.messages.batches.cancel(batch.id);
    expect(canceling.processing_status).toBe("canceling");
    expect(canceling.cancel_initiated_at).not.toBeNull();
    const ended = await client.messages.batches.retrieve(batch.id);
    expect(ended.processing_status).toBe("ended");
    expect(ended.request_counts.processing).toBe(0);
    expect(ended.request_counts.succeeded).toBe(1); // 20 of 60 seconds: 1 of 4 items had finished
    expect(ended.request_counts.canceled).toBe(3);
    const results: Anthropic.Messages.MessageBatchIndividualResponse[] = [];
    for await (const line of await client.messages.batches.results(batch.id)) results.push(line);
    expect(results.filter((r) => r.result.type === "canceled")).toHaveLength(3);

    await expect(
      client.messages.batches.create({ requests: [{ custom_id: "bad id!", params: { model: MODEL, max_tokens: 10, messages: user("x") } }] }),
    ).rejects.toBeInstanceOf(BadRequestError);
    await expect(
      client.messages.batches.create({
        requests: [
          { custom_id: "dup", params: { model: MODEL, max_tokens: 10, messages: user("x") } },
          { custom_id: "dup", params: { model: MODEL, max_tokens: 10, messages: user("y") } },
        ],
      }),
    ).rejects.toBeInstanceOf(BadRequestError);
  });
});

describe("simulated latency", () => {
  it("waits time-to-first-token, then paces the stream by output tokens", async () => {
    const slow = await startSimulator({ speed: 5 }); // sonnet: 450 ms / 5 = 90 ms to first token
    try {
      const c = new Anthropic({ apiKey: "sim", baseURL: slow.url, maxRetries: 0 });
      const started = performance.now();
      const stream = await c.messages.create({ model: MODEL, max_tokens: 200, stream: true, messages: user("Tell me about release checklists.") });
      let firstAt = 0;
      let output = 0;
      for await (const event of stream) {
        if (event.type === "content_block_delta" && firstAt === 0) firstAt = performance.now() - started;
        if (event.type === "message_delta") output = event.usage.output_tokens;
      }
      const total = performance.now() - started;
      expect(firstAt).toBeGreaterThanOrEqual(85);
      // 90 tokens/s x 5 = 450 tokens/s: the body takes output/450 seconds.
      expect(total - firstAt).toBeGreaterThanOrEqual((output / 450) * 1000 * 0.8);
    } finally {
      await slow.close();
    }
  });
});
