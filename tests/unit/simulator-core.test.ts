import { describe, expect, it } from "vitest";
import { findModel, type ModelSpec } from "@/lib/models/catalog";
import { FaultController, findMagicFault, parseFaultSpec } from "@/lib/claude-simulator/faults";
import { findLabels, generateOutput, jsonIntent } from "@/lib/claude-simulator/generate";
import { sampleFromSchema } from "@/lib/claude-simulator/json-schema";
import { computeTiming } from "@/lib/claude-simulator/messages";
import { PromptCache } from "@/lib/claude-simulator/prompt-cache";
import { createRng } from "@/lib/claude-simulator/random";
import type { MessagesRequest } from "@/lib/claude-simulator/request-schema";
import { flattenPrompt, tokenizerFactor } from "@/lib/claude-simulator/tokens";
import { estimateTokens } from "@/lib/models/tokens";
import { SimApiError } from "@/lib/claude-simulator/errors";

const spec = (id: string): ModelSpec => {
  const found = findModel(id);
  if (!found) throw new Error(`no model ${id}`);
  return found;
};
const sonnet55 = spec("claude-sonnet-5-5");
const text = (n: number) => "lorem ipsum dolor sit amet ".repeat(Math.ceil(n / 27)).slice(0, n);
const ephemeral = (ttl?: "5m" | "1h") => ({ type: "ephemeral" as const, ...(ttl ? { ttl } : {}) });
const req = (partial: Partial<MessagesRequest>): MessagesRequest => ({
  model: "claude-sonnet-5-5",
  max_tokens: 100,
  messages: [{ role: "user", content: "hello" }],
  ...partial,
});

describe("token estimator", () => {
  it("is chars / 3.5 times the tokenizer factor", () => {
    expect(estimateTokens("", 1)).toBe(0);
    expect(estimateTokens(text(350), 1)).toBe(100);
    expect(estimateTokens(text(350), 1.3)).toBe(130);
    expect(tokenizerFactor(sonnet55)).toBe(1.3);
    expect(tokenizerFactor(spec("claude-opus-4-7"))).toBe(1.3);
    expect(tokenizerFactor(spec("claude-sonnet-4-6"))).toBe(1);
    expect(tokenizerFactor(spec("claude-haiku-4-5"))).toBe(1);
  });

  it("lays out tools -> system -> messages with cumulative counts", () => {
    const flat = flattenPrompt(
      req({
        tools: [{ name: "t", input_schema: { type: "object" } }],
        system: [{ type: "text", text: "sys" }],
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "a" },
              { type: "text", text: "b" },
            ],
          },
        ],
      }),
      sonnet55,
    );
    expect(flat.blocks.map((b) => b.path)).toEqual(["tools.0", "system.0", "messages.0.content.0", "messages.0.content.1"]);
    expect(flat.totalTokens).toBe(flat.blocks[flat.blocks.length - 1]?.cumulativeTokens);
    expect(flat.breakpoints).toEqual([]);
  });

  it("rejects more than 4 breakpoints (top-level cache_control uses a slot) and 1h after 5m", () => {
    const blocks = (n: number) => Array.from({ length: n }, (_, i) => ({ type: "text" as const, text: `b${i}`, cache_control: ephemeral() }));
    expect(() => flattenPrompt(req({ system: blocks(4) }), sonnet55)).not.toThrow();
    expect(() => flattenPrompt(req({ system: blocks(4), cache_control: ephemeral() }), sonnet55)).toThrow(SimApiError);
    expect(() =>
      flattenPrompt(
        req({
          system: [
            { type: "text", text: "a", cache_control: ephemeral("5m") },
            { type: "text", text: "b", cache_control: ephemeral("1h") },
          ],
        }),
        sonnet55,
      ),
    ).toThrow(/ttl='1h'/);
  });
});

describe("prompt cache", () => {
  const clock = {
    t: 0,
    now(): number {
      return this.t;
    },
  };
  const twoBreakpoints = req({
    system: [
      { type: "text", text: text(3000), cache_control: ephemeral("1h") },
      { type: "text", text: text(3000), cache_control: ephemeral("5m") },
    ],
  });

  it("splits writes by TTL across breakpoints and reads the longest live prefix", () => {
    const cache = new PromptCache(clock);
    const flat = flattenPrompt(twoBreakpoints, sonnet55);
    const first = cache.plan(flat, sonnet55.minCacheableTokens);
    first.commit();
    const [a, b] = flat.breakpoints.map((i) => flat.blocks[i]?.cumulativeTokens ?? 0);
    expect(first.usage.cache_creation).toEqual({ ephemeral_1h_input_tokens: a, ephemeral_5m_input_tokens: (b ?? 0) - (a ?? 0) });
    expect(first.usage.input_tokens).toBe(flat.totalTokens - (b ?? 0));

    clock.t += 10 * 60_000; // the 5m entry is gone, the 1h one is not
    const second = cache.plan(flat, sonnet55.minCacheableTokens);
    expect(second.usage.cache_read_input_tokens).toBe(a);
    expect(second.usage.cache_creation).toEqual({ ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: (b ?? 0) - (a ?? 0) });
    expect(second.usage.input_tokens + second.usage.cache_read_input_tokens + second.usage.cache_creation_input_tokens).toBe(flat.totalTokens);
  });

  it("writes only on commit (an entry is usable once the response starts)", () => {
    const cache = new PromptCache(clock);
    const flat = flattenPrompt(twoBreakpoints, sonnet55);
    cache.plan(flat, sonnet55.minCacheableTokens);
    expect(cache.plan(flat, sonnet55.minCacheableTokens).usage.cache_read_input_tokens).toBe(0);
    expect(cache.size).toBe(0);
  });

  it("looks back at most 20 blocks from a breakpoint", () => {
    const cache = new PromptCache(clock);
    const base = [{ role: "user" as const, content: [{ type: "text" as const, text: text(3000), cache_control: ephemeral() }] }];
    cache.plan(flattenPrompt(req({ messages: base }), sonnet55), 512).commit();
    const grown = (extra: number) => [
      {
        role: "user" as const,
        content: [{ type: "text" as const, text: text(3000) }, ...Array.from({ length: extra }, (_, i) => ({ type: "text" as const, text: `note ${i}` }))],
      },
    ];
    const withBreakpointAtEnd = (extra: number) => {
      const messages = grown(extra);
      const last = messages[0]?.content[extra];
      if (last) Object.assign(last, { cache_control: ephemeral() });
      return flattenPrompt(req({ messages }), sonnet55);
    };
    expect(cache.plan(withBreakpointAtEnd(19), 512).usage.cache_read_input_tokens).toBeGreaterThan(0);
    expect(cache.plan(withBreakpointAtEnd(20), 512).usage.cache_read_input_tokens).toBe(0);
  });
});

describe("faults", () => {
  it("parses specs and rejects unknown kinds", () => {
    expect(parseFaultSpec("429;count=2;retry_after=3")).toMatchObject({ kind: { type: "status", status: 429 }, count: 2, params: { retry_after: "3" } });
    expect(parseFaultSpec("refusal;category=cyber").kind).toEqual({ type: "refusal" });
    expect(() => parseFaultSpec("explode")).toThrow(SimApiError);
    expect(() => parseFaultSpec("500;count=-1")).toThrow(SimApiError);
    expect(findMagicFault("before [[sim:529;count=1]] after")).toBe("529;count=1");
    expect(findMagicFault("no token")).toBeNull();
  });

  it("counts per key", () => {
    const faults = new FaultController();
    const spec = parseFaultSpec("529;count=2");
    expect([faults.fires(spec, "a"), faults.fires(spec, "a"), faults.fires(spec, "a")]).toEqual([true, true, false]);
    expect(faults.fires(spec, "b")).toBe(true);
    expect(faults.fires(parseFaultSpec("529"), "a")).toBe(true);
  });
});

describe("output generation", () => {
  it("finds classifier labels inline and as bullets", () => {
    expect(findLabels("Answer with one of: positive, negative or neutral.")).toEqual(["positive", "negative", "neutral"]);
    expect(findLabels("Categories:\n- billing: money things\n- technical\n- other\n\nThanks")).toEqual(["billing", "technical", "other"]);
    expect(findLabels("Tell me a story about a dragon.")).toBeNull();
  });

  it("detects JSON intent and the schema to follow", () => {
    expect(jsonIntent(req({ system: "Write a poem." })).json).toBe(false);
    const schema = { type: "object", properties: { a: { type: "string" } }, required: ["a"] };
    expect(jsonIntent(req({ system: `Return JSON per this schema:\n\`\`\`json\n${JSON.stringify(schema)}\n\`\`\`` })).schema).toEqual(schema);
    expect(jsonIntent(req({ output_config: { format: { type: "json_schema", schema } } }))).toEqual({ json: true, schema });
  });

  it("samples values that conform to the schema", () => {
    const ctx = { rng: createRng(7), topicWords: ["invoice"], hintText: "" };
    const value = sampleFromSchema(
      {
        type: "object",
        properties: {
          id: { type: "integer", minimum: 10, maximum: 20 },
          kind: { $ref: "#/$defs/kind" },
          items: { type: "array", items: { type: "string", maxLength: 5 }, minItems: 2, maxItems: 2 },
          maybe: { type: ["string", "null"] },
        },
        required: ["id", "kind", "items", "maybe"],
        $defs: { kind: { enum: ["x", "y"] } },
      },
      ctx,
    ) as { id: number; kind: string; items: string[]; maybe: string };
    expect(value.id >= 10 && value.id <= 20 && Number.isInteger(value.id)).toBe(true);
    expect(["x", "y"]).toContain(value.kind);
    expect(value.items).toHaveLength(2);
    expect(value.items.every((s) => s.length <= 5)).toBe(true);
    expect(typeof value.maybe).toBe("string");
  });

  it("is deterministic and ignores cache_control when seeding", () => {
    const a = generateOutput(req({ system: [{ type: "text", text: "Be helpful." }] }), { inputTokens: 20, charsPerToken: 2.7 });
    const b = generateOutput(req({ system: [{ type: "text", text: "Be helpful.", cache_control: ephemeral() }] }), { inputTokens: 20, charsPerToken: 2.7 });
    expect(a).toEqual(b);
    const longer = generateOutput(req({ messages: [{ role: "user", content: text(40_000) }] }), { inputTokens: 15_000, charsPerToken: 2.7 });
    expect(longer.kind === "text" && a.kind === "text" && longer.text.length > a.text.length).toBe(true);
  });
});

describe("latency model", () => {
  it("scales with speed and is faster with cache reads", () => {
    const usage = { input_tokens: 10_000, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    const slow = computeTiming(sonnet55, usage, 1);
    expect(slow.ttftMs).toBeGreaterThan(400);
    expect(computeTiming(sonnet55, usage, 10).ttftMs).toBeCloseTo(slow.ttftMs / 10);
    expect(computeTiming(sonnet55, usage, Infinity)).toEqual({ ttftMs: 0, perTokenMs: 0 });
    const cached = computeTiming(sonnet55, { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 9_990 }, 1);
    expect(cached.ttftMs).toBeLessThan(slow.ttftMs);
  });
});
