import { describe, expect, it } from "vitest";
import { findModel } from "@/lib/models/catalog";
import type { PromptVersionContent } from "@/lib/prompts/schemas";
import { versionBreakdown } from "@/lib/length-audit/breakdown";
import { summarizeCalls, type AuditCall } from "@/lib/length-audit/calls";
import { auditFindings, AUDIT_THRESHOLDS, repeatedSentences, type FindingCode } from "@/lib/length-audit/findings";

const spec = findModel("claude-sonnet-5-5")!;

/** A prompt with nothing to find: short distinct instructions, one user turn with variables. */
function cleanContent(): PromptVersionContent {
  return {
    system: [
      { type: "text", role: "persona", text: "You are Ava, the support assistant of Acme Corp." },
      { type: "text", role: "instructions", text: "Answer in two short paragraphs. Quote the order number you are talking about." },
    ],
    messages: [{ role: "user", content: [{ type: "text", text: "<account>\n{{account_context}}\n</account>\n\n{{question}}" }] }],
    variables: {
      question: { type: "string", required: true },
      account_context: { type: "string", required: false, default: "" },
    },
    modelConfig: { model: "claude-sonnet-5-5", max_tokens: 400 },
    outputSchema: { format: "text" },
    policy: {},
  };
}

const T0 = Date.UTC(2026, 10, 1);

/** n calls one minute apart with distinct short variables, outputs around 150 tokens, no cache traffic. */
function calls(n: number, over: (i: number) => Partial<AuditCall> = () => ({})): AuditCall[] {
  return Array.from({ length: n }, (_, i) => ({
    createdAt: new Date(T0 + i * 60_000),
    inputTokens: 300,
    outputTokens: 120 + (i % 7) * 10,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: 0,
    variables: { question: `Where is order ${1000 + i}? It was due on day ${i}.`, account_context: `Customer ${i}, tier ${i % 3}` },
    ...over(i),
  }));
}

function audit(content: PromptVersionContent, sample: AuditCall[]) {
  const stats = summarizeCalls(sample, content.variables, { contextWindow: spec.contextWindow, maxTokens: content.modelConfig.max_tokens });
  const breakdown = versionBreakdown(content, spec, { stats });
  return { stats, breakdown, findings: auditFindings({ content, spec, breakdown, stats, calls: sample }) };
}

const codes = (findings: { code: FindingCode }[]) => findings.map((f) => f.code).sort();

const LONG_FACTS = Array.from(
  { length: 12 },
  (_, i) => `Fact ${i + 1}: standard shipping to region ${i + 1} takes ${i + 2} business days and costs ${i + 3} dollars for parcels under five kilograms.`,
).join("\n");

describe("length audit findings", () => {
  it("finds nothing in a clean prompt with ordinary calls", () => {
    expect(audit(cleanContent(), calls(50)).findings).toEqual([]);
  });

  it("repeated_variable_text: the same long text in a variable across calls, priced as input vs cache read", () => {
    const sample = calls(40, (i) => ({ variables: { question: `Question ${i} about order ${i * 7}`, account_context: `Customer ${i}\n${LONG_FACTS}` } }));
    const { findings, stats } = audit(cleanContent(), sample);
    expect(codes(findings)).toEqual(["repeated_variable_text"]);
    const f = findings[0]!;
    expect(f.location).toBe("variables.account_context");
    expect(f.tokensPerCall).toBeGreaterThan(AUDIT_THRESHOLDS.repeatedMinTokens);
    // (input - cache read) x tokens x 1,000 calls.
    expect(f.savingMicrosPer1k).toBe(Math.round((f.tokensPerCall * 1000 * (spec.inputPerMTok - spec.cacheReadPerMTok)) / 1e6));
    // 40 calls one minute apart: 39 intervals over 39 minutes = 1,440 calls a day.
    expect(stats?.callsPerDay).toBeCloseTo(1440, 5);
    expect(f.savingMicrosPer30Days).toBe(Math.round((f.savingMicrosPer1k * 1440 * 30) / 1000));
    expect(f.evidence[0]).toContain("Fact");
  });

  it("repeated_variable_text does not fire on long text that differs per call, or below the call minimum", () => {
    const distinct = calls(40, (i) => ({ variables: { question: "q", account_context: LONG_FACTS.replace(/Fact/g, `Item${i}`) } }));
    expect(audit(cleanContent(), distinct).findings).toEqual([]);
    const few = calls(AUDIT_THRESHOLDS.minCalls - 1, () => ({ variables: { question: "q", account_context: LONG_FACTS } }));
    expect(codes(audit(cleanContent(), few).findings)).toEqual([]);
  });

  it("uncached_stable_prefix: a long unchanging prefix without a breakpoint; not with one, not when short", () => {
    const long = cleanContent();
    long.system.push({
      type: "text",
      role: "reference",
      text: Array.from({ length: 60 }, (_, i) => `Clause ${i}: parcels of class ${i} ship from depot ${i * 3} within ${i + 1} days.`).join("\n"),
    });
    const { findings, breakdown } = audit(long, calls(30));
    expect(codes(findings)).toEqual(["uncached_stable_prefix"]);
    expect(findings[0]!.tokensPerCall).toBe(breakdown.rows.filter((r) => r.kind === "system").reduce((s, r) => s + r.tokens, 0));
    expect(findings[0]!.savingMicrosPer1k).toBeGreaterThan(0);

    const cached = structuredClone(long);
    cached.system[2]!.cache_control = { type: "ephemeral" };
    expect(audit(cached, calls(30)).findings).toEqual([]);
    expect(audit(cleanContent(), calls(30)).findings).toEqual([]);
  });

  it("breakpoint_prefix_changes: writes outweigh reads on a cached prefix; not when reads dominate", () => {
    const content = cleanContent();
    content.system.push({
      type: "text",
      role: "reference",
      text: Array.from({ length: 60 }, (_, i) => `Clause ${i}: parcels of class ${i} ship from depot ${i * 3} within ${i + 1} days.`).join("\n"),
      cache_control: { type: "ephemeral" },
    });
    const writes = calls(30, (i) => ({ cacheWriteTokens: i % 4 === 0 ? 0 : 900, cacheReadTokens: i % 4 === 0 ? 900 : 0 }));
    const found = audit(content, writes).findings;
    expect(codes(found)).toEqual(["breakpoint_prefix_changes"]);
    // 22 writes, 8 reads of 900 tokens: writes at 1.25x and reads at 0.1x cost more than 30 x 900 tokens of input.
    const paid = (22 * 900 * spec.cacheWrite5mPerMTok + 8 * 900 * spec.cacheReadPerMTok) / 30;
    const plain = (30 * 900 * spec.inputPerMTok) / 30;
    expect(found[0]!.savingMicrosPer1k).toBe(Math.max(0, Math.round((paid * 1000) / 1e6) - Math.round((plain * 1000) / 1e6)));
    const reads = calls(30, (i) => ({ cacheWriteTokens: i === 0 ? 900 : 0, cacheReadTokens: i === 0 ? 0 : 900 }));
    expect(audit(content, reads).findings).toEqual([]);
  });

  it("repeated_sentences: the same instruction twice (list numbers and case ignored); not for distinct ones", () => {
    const content = cleanContent();
    content.system[1]!.text = "1. Never ask for full card numbers or passwords.\n2. Be brief.\n3. never ask for full card numbers or passwords";
    const { findings } = audit(content, []);
    expect(codes(findings)).toEqual(["repeated_sentences"]);
    expect(findings[0]!.evidence[0]).toContain("Never ask for full card numbers");
    expect(findings[0]!.savingMicrosPer1k).toBeGreaterThan(0);
    expect(findings[0]!.savingMicrosPer30Days).toBeNull();
    expect(repeatedSentences(cleanContent())).toEqual([]);
  });

  it("long_examples: examples far longer than the rest; not when they are in proportion", () => {
    const content = cleanContent();
    const example = (i: number) =>
      `<example>\nCustomer: my parcel ${i} is late and I am upset about it, what now?\nAssistant: I am sorry parcel ${i} is late. I checked the carrier page: it is at the depot in town ${i} and should arrive within ${i + 1} days. I will follow up on day ${i + 2}.\n</example>`;
    // Cached, so the long static block is not also an "uncached prefix" finding.
    content.system.push({
      type: "text",
      role: "examples",
      text: Array.from({ length: 8 }, (_, i) => example(i)).join("\n"),
      cache_control: { type: "ephemeral" },
    });
    const { findings } = audit(content, []);
    expect(codes(findings)).toEqual(["long_examples"]);
    expect(findings[0]!.location).toBe("system.2");
    expect(findings[0]!.tokensPerCall).toBeGreaterThan(0);
    const one = cleanContent();
    one.system.push({ type: "text", role: "examples", text: example(1) });
    expect(audit(one, []).findings).toEqual([]);
  });

  it("max_tokens_headroom: max_tokens far above every observed output, saving $0; not when close", () => {
    const content = cleanContent();
    content.modelConfig.max_tokens = 4096;
    const { findings } = audit(content, calls(30));
    expect(codes(findings)).toEqual(["max_tokens_headroom"]);
    expect(findings[0]!.savingMicrosPer1k).toBe(0);
    expect(findings[0]!.detail).toContain("180 tokens");
    expect(audit(cleanContent(), calls(30)).findings).toEqual([]);
  });

  it("without calls: stats are null, call-based findings stay silent, static ones still fire", () => {
    const content = cleanContent();
    content.modelConfig.max_tokens = 64_000;
    content.system[1]!.text = "Be brief and quote the order number.\nBe brief and quote the order number.";
    const { stats, findings } = audit(content, []);
    expect(stats).toBeNull();
    expect(codes(findings)).toEqual(["repeated_sentences"]);
    expect(findings[0]!.basis).toContain("no calls");
  });
});

describe("call statistics", () => {
  it("p50/p95 per variable, empty share, calls near the context window", () => {
    const content = cleanContent();
    const sample = calls(20, (i) => ({
      variables: { question: "x".repeat(35 * (i + 1)), account_context: i % 4 === 0 ? "  " : "ctx" },
      inputTokens: i === 0 ? spec.contextWindow - 200 : 300,
    }));
    const stats = summarizeCalls(sample, content.variables, { contextWindow: spec.contextWindow, maxTokens: 400 })!;
    const q = stats.variables.find((v) => v.name === "question")!;
    expect(q.p50Tokens).toBe(100);
    expect(q.p95Tokens).toBe(190);
    expect(stats.variables.find((v) => v.name === "account_context")!.emptyShare).toBe(0.25);
    expect(stats.nearContextWindow).toBe(1);
    expect(stats.output.max).toBe(180);
  });

  it("calls without kept variables count in the totals but not in the variable statistics", () => {
    const sample = calls(4, (i) => ({ variables: i < 2 ? null : { question: "hello there" } }));
    const stats = summarizeCalls(sample, cleanContent().variables, { contextWindow: 1000, maxTokens: 10 })!;
    expect(stats.calls).toBe(4);
    expect(stats.callsWithVariables).toBe(2);
    expect(stats.variables.find((v) => v.name === "account_context")!.emptyShare).toBe(1);
  });
});

describe("token breakdown", () => {
  it("tools, system blocks, turns and variables; the cached share ends at the last usable breakpoint", () => {
    const content = cleanContent();
    content.system[1]!.text = Array.from({ length: 80 }, (_, i) => `Clause ${i}: parcels of class ${i} ship within ${i + 1} days.`).join("\n");
    content.system[1]!.cache_control = { type: "ephemeral" };
    const b = versionBreakdown(content, spec);
    expect(b.rows.map((r) => r.kind)).toEqual(["system", "system", "turn", "variable", "variable"]);
    expect(b.rows.slice(0, 2).every((r) => r.cached)).toBe(true);
    expect(b.rows[2]!.cached).toBe(false);
    expect(b.cachedUntil).toBe("system.1");
    expect(b.cachedTokens).toBe(b.rows[0]!.tokens + b.rows[1]!.tokens);
    expect(b.estimated).toBe(true);
    expect(b.rows.reduce((s, r) => s + r.share, 0)).toBeCloseTo(1, 6);
  });
});
