import { describe, expect, it } from "vitest";
import type { ClaudeMessage, ClaudeRequest, ClaudeTransport, TransportCallOptions } from "@/lib/claude/client";
import { longestVariable, parseOverflowMessage, planChunkCount, splitText } from "@/lib/claude/chunking";
import { compiledSchemaCount, extractJson, validateJsonOutput } from "@/lib/claude/output";
import { createPriceBook } from "@/lib/models/pricing";
import { ResponseCache } from "@/lib/claude/response-cache";
import { CallerAbortError } from "@/lib/claude/retry";
import { abortableSleep, runPrompt, type RunnableVersion } from "@/lib/claude/runner";

const schema = { type: "object", properties: { label: { type: "string", enum: ["bug", "feature"] } }, required: ["label"], additionalProperties: false };

function version(overrides: Partial<RunnableVersion> = {}): RunnableVersion {
  return {
    system: [{ type: "text", text: "Classify the ticket. Answer in JSON.", role: "instructions" }],
    messages: [{ role: "user", content: [{ type: "text", text: "{{ticket}}" }] }],
    variables: { ticket: { type: "string", required: true } },
    modelConfig: { model: "claude-sonnet-5-5", max_tokens: 200 },
    outputSchema: { format: "json", schema },
    policy: {},
    ...overrides,
  };
}

type Reply =
  { text?: string; stop?: string; category?: string; error?: Error; usage?: Partial<{ input: number; output: number }> } | ((req: ClaudeRequest) => Reply);

function message(model: string, r: Exclude<Reply, (req: ClaudeRequest) => Reply>): ClaudeMessage {
  return {
    id: "msg_1",
    type: "message",
    role: "assistant",
    model,
    content: r.text === undefined ? [] : [{ type: "text", text: r.text, citations: null }],
    stop_reason: r.stop ?? "end_turn",
    stop_sequence: null,
    stop_details: r.stop === "refusal" ? { type: "refusal", category: r.category ?? null, explanation: null } : null,
    usage: {
      input_tokens: r.usage?.input ?? 100,
      output_tokens: r.usage?.output ?? 10,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: null,
    },
  } as unknown as ClaudeMessage;
}

function apiError(status: number, message: string, headers: Record<string, string> = {}): Error {
  const e = new Error(message) as Error & { status: number; headers: Headers; error: unknown };
  e.name = status === 429 ? "RateLimitError" : status >= 500 ? "InternalServerError" : "BadRequestError";
  e.status = status;
  e.headers = new Headers(headers);
  e.error = { type: "error", error: { type: status === 400 ? "invalid_request_error" : "api_error", message } };
  return e;
}

/** A scripted transport: replies are consumed in order; requests are recorded. */
function fakeTransport(replies: Reply[]) {
  const requests: ClaudeRequest[] = [];
  const transport: ClaudeTransport = {
    simulated: true,
    baseURL: "http://fake",
    async createMessage(params: ClaudeRequest, _options: TransportCallOptions) {
      requests.push(params);
      let reply = replies.shift();
      if (reply === undefined) throw new Error("no scripted reply left");
      if (typeof reply === "function") reply = reply(params);
      if (typeof reply === "function") throw new Error("nested reply");
      if (reply.error) throw reply.error;
      return message(params.model, reply);
    },
    streamMessage() {
      throw new Error("not used");
    },
    countTokens: () => Promise.resolve(0),
    createBatch: () => Promise.reject(new Error("not used")),
    retrieveBatch: () => Promise.reject(new Error("not used")),
    cancelBatch: () => Promise.reject(new Error("not used")),
    batchResults: async function* () {
      throw new Error("not used");
    },
  };
  return { transport, requests };
}

function deps(transport: ClaudeTransport, sleeps: number[] = []) {
  return {
    transport,
    prices: createPriceBook(async () => []),
    responseCache: new ResponseCache(),
    sleep: (ms: number) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
  };
}

describe("JSON output validation", () => {
  it("extracts JSON from plain text, fences and surrounding prose", () => {
    expect(extractJson('{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(extractJson('Sure:\n```json\n{"a":2}\n```')).toEqual({ ok: true, value: { a: 2 } });
    expect(extractJson('Result: {"a":3} done')).toEqual({ ok: true, value: { a: 3 } });
    expect(extractJson('{"a":')).toMatchObject({ ok: false });
  });

  it("validates with ajv, reports readable errors, compiles each schema once", () => {
    const before = compiledSchemaCount();
    expect(validateJsonOutput('{"label":"bug"}', schema)).toEqual({ ok: true, value: { label: "bug" } });
    const bad = validateJsonOutput('{"label":"other","x":1}', schema);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error).toContain("must be one of");
      expect(bad.error).toContain('unexpected property "x"');
    }
    validateJsonOutput('{"label":"feature"}', { ...schema });
    expect(compiledSchemaCount()).toBe(before + 1);
    expect(validateJsonOutput("{}", { type: "nonsense-type" }).ok).toBe(false);
  });
});

describe("abortableSleep", () => {
  it("waits, and rejects with CallerAbortError when the signal aborts before or during the wait", async () => {
    const started = Date.now();
    await abortableSleep(20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    await expect(abortableSleep(10_000, AbortSignal.abort())).rejects.toBeInstanceOf(CallerAbortError);
    const controller = new AbortController();
    const waiting = abortableSleep(10_000, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(CallerAbortError);
  });
});

describe("ResponseCache", () => {
  it("keeps the most recently used responses up to its size", () => {
    const cache = new ResponseCache(2);
    const response = (output: string) => ({ model: "claude-haiku-4-5", output, stopReason: "end_turn", at: 0 });
    cache.set("a", response("A"));
    cache.set("b", response("B"));
    expect(cache.get("a")?.output).toBe("A"); // a is now the most recently used
    cache.set("c", response("C")); // evicts b
    expect(cache.size).toBe(2);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")?.output).toBe("A");
    expect(cache.get("c")?.output).toBe("C");
  });
});

describe("runner flow with a fake client", () => {
  it("ok on valid JSON, with parsed value and exact cost", async () => {
    const { transport } = fakeTransport([{ text: '{"label":"bug"}', usage: { input: 1000, output: 100 } }]);
    const r = await runPrompt({ version: version(), variables: { ticket: "crash" }, options: { source: "api" }, deps: deps(transport) });
    expect(r.status).toBe("ok");
    if (r.status === "ok") expect(r.parsed).toEqual({ label: "bug" });
    expect(r.costMicros).toBe(1000 * 2 + 100 * 10); // sonnet 5.5: $2 in, $10 out per MTok
    expect(r.attempts).toHaveLength(1);
  });

  it("repairs invalid JSON once, quoting the validation error", async () => {
    const { transport, requests } = fakeTransport([{ text: '{"label":"question"}' }, { text: '{"label":"feature"}' }]);
    const r = await runPrompt({ version: version(), variables: { ticket: "add dark mode" }, options: { source: "api" }, deps: deps(transport) });
    expect(r.status).toBe("ok");
    expect(r.attempts.map((a) => a.kind)).toEqual(["initial", "repair"]);
    const repair = requests[1]!;
    expect(repair.messages).toHaveLength(3);
    expect(repair.messages[1]).toEqual({ role: "assistant", content: [{ type: "text", text: '{"label":"question"}' }] });
    const complaint = JSON.stringify(repair.messages[2]);
    expect(complaint).toContain("must be one of");
    expect(r.costMicros).toBe(2 * (100 * 2 + 10 * 10));
  });

  it("returns invalid_output when the repair fails too, never throws", async () => {
    const { transport } = fakeTransport([{ text: "not json" }, { text: '{"label": 5}' }]);
    const r = await runPrompt({ version: version(), variables: { ticket: "?" }, options: { source: "api" }, deps: deps(transport) });
    expect(r.status).toBe("invalid_output");
    if (r.status === "invalid_output") expect(r.validationError).toContain("/label");
    expect(r.output).toBe('{"label": 5}');
  });

  it("retries 429 honouring retry-after (clamped), then succeeds", async () => {
    const sleeps: number[] = [];
    const { transport } = fakeTransport([
      { error: apiError(429, "slow", { "retry-after": "30" }) },
      { error: apiError(500, "boom") },
      { text: '{"label":"bug"}' },
    ]);
    const r = await runPrompt({
      version: version(),
      variables: { ticket: "x" },
      options: { source: "api", policy: { maxDelayMs: 5000, baseDelayMs: 1000 } },
      deps: deps(transport, sleeps),
    });
    expect(r.status).toBe("ok");
    expect(sleeps).toEqual([5000, 1000]); // retry-after 30 s clamped to 5 s; then 0.5 x min(5000, 1000 x 2^1)
    expect(r.attempts.map((a) => [a.kind, a.status, a.error?.type])).toEqual([
      ["initial", "error", "rate_limited"],
      ["retry", "error", "server_error"],
      ["retry", "ok", undefined],
    ]);
  });

  it("never retries a 400; falls back to the fallback model after retries run out", async () => {
    const bad = fakeTransport([{ error: apiError(400, "max_tokens: bad") }]);
    const r1 = await runPrompt({
      version: version({ policy: { fallback_model: "claude-haiku-5-5" } }),
      variables: { ticket: "x" },
      options: { source: "api" },
      deps: deps(bad.transport),
    });
    expect(r1.status).toBe("error");
    expect(r1.attempts).toHaveLength(1);
    expect(r1.fallbacks).toEqual([]);

    const down = fakeTransport([{ error: apiError(529, "overloaded") }, { error: apiError(529, "overloaded") }, { text: '{"label":"bug"}' }]);
    const r2 = await runPrompt({
      version: version({ policy: { fallback_model: "claude-haiku-5-5", max_retries: 1 } }),
      variables: { ticket: "x" },
      options: { source: "api" },
      deps: deps(down.transport),
    });
    expect(r2.status).toBe("ok");
    expect(r2.model).toBe("claude-haiku-5-5");
    expect(r2.requestedModel).toBe("claude-sonnet-5-5");
    expect(r2.fallbackUsed).toBe("model:claude-haiku-5-5");
    expect(down.requests.map((q) => q.model)).toEqual(["claude-sonnet-5-5", "claude-sonnet-5-5", "claude-haiku-5-5"]);
  });

  it("uses the project's fallback model when the version names none; the version's own wins", async () => {
    const down = () => fakeTransport([{ error: apiError(529, "overloaded") }, { text: '{"label":"bug"}' }]);
    const project = down();
    const r1 = await runPrompt({
      version: version({ policy: { max_retries: 0 } }),
      variables: { ticket: "x" },
      options: { source: "api", projectSettings: { fallback_model: "claude-haiku-5-5" } },
      deps: deps(project.transport),
    });
    expect(r1.status).toBe("ok");
    expect(r1.fallbackUsed).toBe("model:claude-haiku-5-5");
    const own = down();
    const r2 = await runPrompt({
      version: version({ policy: { max_retries: 0, fallback_model: "claude-opus-5-5" } }),
      variables: { ticket: "x" },
      options: { source: "api", projectSettings: { fallback_model: "claude-haiku-5-5" } },
      deps: deps(own.transport),
    });
    expect(r2.fallbackUsed).toBe("model:claude-opus-5-5");
  });

  it("serves the last good response for identical inputs when allowed", async () => {
    const d = deps(fakeTransport([]).transport);
    const v = version({ policy: { allow_cached_fallback: true, max_retries: 0 } });
    const good = fakeTransport([{ text: '{"label":"feature"}' }]);
    await runPrompt({ version: v, variables: { ticket: "same" }, options: { source: "api" }, deps: { ...d, transport: good.transport } });
    const failing = fakeTransport([{ error: apiError(500, "down") }, { error: apiError(500, "down") }]);
    const r = await runPrompt({ version: v, variables: { ticket: "same" }, options: { source: "api" }, deps: { ...d, transport: failing.transport } });
    expect(r.status).toBe("ok");
    expect(r.output).toBe('{"label":"feature"}');
    expect(r.fallbackUsed).toBe("cached_response");
    const other = await runPrompt({ version: v, variables: { ticket: "different" }, options: { source: "api" }, deps: { ...d, transport: failing.transport } });
    expect(other.status).toBe("error");
  });

  it("refusal is its own status; retried on the fallback model only when the policy says so", async () => {
    const v = version({ policy: { fallback_model: "claude-opus-5-5" } });
    const a = fakeTransport([{ text: "I can't help with that.", stop: "refusal", category: "cyber" }]);
    const r1 = await runPrompt({ version: v, variables: { ticket: "x" }, options: { source: "api" }, deps: deps(a.transport) });
    expect(r1.status).toBe("refusal");
    expect(r1.refusalCategory).toBe("cyber");
    const b = fakeTransport([{ text: "no", stop: "refusal", category: "bio" }, { text: '{"label":"bug"}' }]);
    const r2 = await runPrompt({
      version: v,
      variables: { ticket: "x" },
      options: { source: "api", policy: { refusalFallback: true } },
      deps: deps(b.transport),
    });
    expect(r2.status).toBe("ok");
    expect(r2.fallbacks).toEqual([{ type: "model", model: "claude-opus-5-5", reason: "refusal" }]);
  });

  it("context overflow: fail clearly by default", async () => {
    const { transport } = fakeTransport([{ error: apiError(400, "prompt is too long: 300000 tokens > 200000 maximum") }]);
    const r = await runPrompt({ version: version(), variables: { ticket: "x" }, options: { source: "api" }, deps: deps(transport) });
    expect(r.status).toBe("error");
    if (r.status === "error") expect(r.error.type).toBe("context_overflow");
  });

  it("context overflow with chunk_concat: splits the longest variable and concatenates", async () => {
    const long = Array.from({ length: 40 }, (_, i) => `Paragraph ${i} about the product.`).join("\n\n");
    const answer = (req: ClaudeRequest): Reply => {
      const text = JSON.stringify(req.messages);
      return text.length > 1200
        ? { error: apiError(400, `prompt is too long: ${Math.round(text.length / 3)} tokens > 300 maximum`) }
        : { text: `part(${(text.match(/Paragraph/g) ?? []).length})` };
    };
    const { transport, requests } = fakeTransport(Array.from({ length: 20 }, () => answer));
    const v = version({
      outputSchema: { format: "text" },
      policy: { context_strategy: "chunk_concat" },
      variables: { ticket: { type: "string", required: true }, note: { type: "string", required: false } },
    });
    const r = await runPrompt({ version: v, variables: { ticket: long, note: "short" }, options: { source: "api" }, deps: deps(transport) });
    expect(r.status).toBe("ok");
    expect(r.chunks).toBeGreaterThanOrEqual(2);
    const counts = r.output.split("\n\n").map((p) => Number(/part\((\d+)\)/.exec(p)?.[1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(40);
    expect(requests.length).toBe(1 + (r.chunks ?? 0));
  });

  it("context overflow with chunk_summarize: one final call over the part answers", async () => {
    const long = "word ".repeat(2000);
    const { transport, requests } = fakeTransport([
      { error: apiError(400, "prompt is too long: 3000 tokens > 1000 maximum") },
      ...Array.from({ length: 10 }, () => ({ text: "partial" })),
    ]);
    const v = version({ outputSchema: { format: "text" }, policy: { context_strategy: "chunk_summarize" } });
    const r = await runPrompt({ version: v, variables: { ticket: long }, options: { source: "api" }, deps: { ...deps(transport) } });
    expect(r.status).toBe("ok");
    const last = requests[requests.length - 1]!;
    expect(JSON.stringify(last.messages)).toContain(`processed in ${r.chunks} parts`);
    expect(r.attempts.at(-1)?.kind).toBe("summary");
  });

  it("aborting via the caller's signal ends cancelled (type aborted), not a throw, and unbilled before any stream", async () => {
    const controller = new AbortController();
    controller.abort();
    const { transport } = fakeTransport([{ text: "{}" }]);
    const r = await runPrompt({ version: version(), variables: { ticket: "x" }, options: { source: "api", signal: controller.signal }, deps: deps(transport) });
    expect(r.status).toBe("cancelled");
    if (r.status === "cancelled") expect(r.error.type).toBe("aborted");
    expect(r.costMicros).toBe(0);
  });

  it("invalid variables are a caller error and throw", async () => {
    const { transport } = fakeTransport([]);
    await expect(runPrompt({ version: version(), variables: {}, options: { source: "api" }, deps: deps(transport) })).rejects.toMatchObject({
      code: "unprocessable",
    });
  });
});

describe("chunk splitting", () => {
  it("finds the longest string variable", () => {
    expect(longestVariable({ a: "xx", b: "xxxx", c: 5 })).toEqual({ name: "b", value: "xxxx" });
    expect(longestVariable({ a: 1 })).toBeNull();
  });

  it("parses the overflow message", () => {
    expect(parseOverflowMessage("prompt is too long: 200251 tokens > 200000 maximum")).toEqual({ promptTokens: 200251, maxTokens: 200000 });
    expect(parseOverflowMessage("something else")).toBeNull();
  });

  it("plans enough chunks to fit, or null when the fixed part alone overflows", () => {
    // 10,000 tokens over 10,000 chars, 9,000 of them in the variable, budget 4,000 at 10% safety:
    // room = 3,600 - 1,000 = 2,600 -> ceil(9,000 / 2,600) = 4
    expect(planChunkCount({ promptTokens: 10_000, budgetTokens: 4_000, promptChars: 10_000, variableChars: 9_000 })).toBe(4);
    expect(planChunkCount({ promptTokens: 10_000, budgetTokens: 4_000, promptChars: 10_000, variableChars: 100 })).toBeNull();
  });

  it("splits at paragraph boundaries into roughly equal pieces, losing nothing", () => {
    const text = Array.from({ length: 30 }, (_, i) => `Paragraph number ${i}. It has two sentences.`).join("\n\n");
    const pieces = splitText(text, 3);
    expect(pieces).toHaveLength(3);
    for (const p of pieces) {
      expect(p.startsWith("Paragraph")).toBe(true);
      expect(p.length).toBeLessThan((text.length / 3) * 1.3);
    }
    expect(pieces.join(" ").replace(/\s+/g, "")).toBe(text.replace(/\s+/g, ""));
  });

  it("falls back to hard cuts for text without boundaries", () => {
    const text = "x".repeat(1000);
    const pieces = splitText(text, 4);
    expect(pieces).toHaveLength(4);
    expect(pieces.join("")).toBe(text);
  });
});
