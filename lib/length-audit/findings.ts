import { computeCallCost, type ModelSpec, type TokenUsage } from "@/lib/models/catalog";
import { estimateTokens } from "@/lib/models/tokens";
import { analyzeCache, cacheBlocks } from "@/lib/prompts/cache";
import { describeLocation } from "@/lib/prompts/locations";
import type { PromptVersionContent } from "@/lib/prompts/schemas";
import type { Breakdown } from "./breakdown";
import { variableText, type AuditCall, type CallStats } from "./calls";

/**
 * The length audit's findings, each with what fixing it saves per 1,000 calls at the model's
 * current prices (and per 30 days at the observed call rate when there are calls). Pure: every
 * figure comes from the version, the price row and the sampled calls given.
 */

export type FindingCode =
  "repeated_variable_text" | "uncached_stable_prefix" | "breakpoint_prefix_changes" | "repeated_sentences" | "long_examples" | "max_tokens_headroom";

export interface Finding {
  code: FindingCode;
  title: string;
  /** What was measured and what to do, in one or two sentences. */
  detail: string;
  /** Where (`system.2`, `variables.account_context`, `modelConfig.max_tokens`). */
  location: string;
  /** Tokens per call the fix removes or moves (0 when it saves no tokens). */
  tokensPerCall: number;
  /** What the fix saves per 1,000 calls, integer micro-dollars (>= 0). */
  savingMicrosPer1k: number;
  /** The same at the observed call rate over 30 days; null without calls. */
  savingMicrosPer30Days: number | null;
  /** How the saving was computed ("from 412 calls", "if every call finds the cache warm"). */
  basis: string;
  /** Examples that make the finding concrete (repeated sentences, the repeated text). */
  evidence: string[];
}

export interface AuditInput {
  content: PromptVersionContent;
  spec: ModelSpec;
  breakdown: Breakdown;
  stats: CallStats | null;
  /** The sampled calls the stats came from (their variables are read for repeated text). */
  calls: readonly AuditCall[];
  countTokens?: (text: string) => number;
}

/** Thresholds, exported so tests and the page name them. */
export const AUDIT_THRESHOLDS = Object.freeze({
  /** A variable's text repeated in at least this share of calls... */
  repeatedShare: 0.5,
  /** ...amounting to at least this many tokens per call. */
  repeatedMinTokens: 100,
  /** Calls needed before call-based findings fire. */
  minCalls: 10,
  /** A breakpoint whose cache writes are at least this share of its cache traffic (tokens). */
  writeShare: 0.5,
  /** Sentences of at least this many words count as repeated instructions. */
  sentenceMinWords: 6,
  /** Examples at least this many times the rest of the static prompt... */
  examplesRatio: 2,
  /** ...and at least this many tokens. */
  examplesMinTokens: 300,
  /** max_tokens at least this many times the largest observed output. */
  maxTokensRatio: 4,
});

const PER_1K = 1000;

/** Micro-dollars of a usage (1,000 calls' worth of tokens at once, so nothing rounds away). */
function cost(usage: Partial<TokenUsage>, spec: ModelSpec): number {
  return computeCallCost({ inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, ...usage }, spec).totalMicros;
}

function per30Days(savingPer1k: number, stats: CallStats | null): number | null {
  if (!stats?.callsPerDay) return null;
  return Math.round((savingPer1k * stats.callsPerDay * 30) / PER_1K);
}

const count = (text: string, countTokens?: (t: string) => number) => (countTokens ? countTokens(text) : estimateTokens(text));

/** Splits text into trimmed segments (lines, then sentences), dropping short ones. */
export function segments(text: string, minChars = 1): string[] {
  return text
    .split(/\n+/)
    .flatMap((line) => line.split(/(?<=[.!?])\s+(?=[A-Z0-9"'(<])/))
    .map((s) => s.trim())
    .filter((s) => s.length >= minChars);
}

/** Normalised sentence (lowercase, punctuation and spacing folded) for comparison. */
function normalizeSentence(s: string): string {
  return s
    .replace(/^\s*(?:[-*•]|\d+[.)])\s+/, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Text a string variable carries in many calls: segments (lines / sentences of 40+ characters)
 * that appear in at least `repeatedShare` of the calls with variables. Returns the segments and
 * their tokens per call (weighted by how often each appears).
 */
export function repeatedVariableText(
  calls: readonly AuditCall[],
  name: string,
  countTokens?: (t: string) => number,
): { segments: string[]; tokensPerCall: number; share: number } {
  const withVars = calls.filter((c) => c.variables !== null);
  if (withVars.length === 0) return { segments: [], tokensPerCall: 0, share: 0 };
  const seen = new Map<string, number>();
  for (const call of withVars) {
    const unique = new Set(segments(variableText(call.variables?.[name]), 40));
    for (const s of unique) seen.set(s, (seen.get(s) ?? 0) + 1);
  }
  const repeated = [...seen.entries()].filter(([, n]) => n / withVars.length >= AUDIT_THRESHOLDS.repeatedShare && n >= 2);
  const tokensPerCall = repeated.reduce((s, [text, n]) => s + (count(text, countTokens) * n) / withVars.length, 0);
  const share = repeated.length === 0 ? 0 : Math.min(...repeated.map(([, n]) => n / withVars.length));
  return { segments: repeated.map(([text]) => text), tokensPerCall: Math.round(tokensPerCall), share };
}

/** Sentences of the static prompt (system blocks and turn templates) that occur more than once. */
export function repeatedSentences(content: PromptVersionContent): { sentence: string; locations: string[]; copies: number }[] {
  const found = new Map<string, { sentence: string; locations: string[] }>();
  const scan = (location: string, text: string) => {
    for (const s of segments(text)) {
      const key = normalizeSentence(s);
      if (key.split(" ").length < AUDIT_THRESHOLDS.sentenceMinWords) continue;
      const entry = found.get(key) ?? { sentence: s, locations: [] };
      entry.locations.push(location);
      found.set(key, entry);
    }
  };
  content.system.forEach((b, i) => scan(`system.${i}`, b.text));
  content.messages.forEach((m, i) => m.content.forEach((b, j) => scan(`messages.${i}.content.${j}`, b.text)));
  return [...found.values()].filter((e) => e.locations.length > 1).map((e) => ({ ...e, copies: e.locations.length - 1 }));
}

/** The few-shot examples of a version: `<example>` elements anywhere, else whole `examples` blocks. */
export function exampleTexts(content: PromptVersionContent): { location: string; text: string }[] {
  const out: { location: string; text: string }[] = [];
  const scan = (location: string, text: string, role?: string) => {
    const tagged = [...text.matchAll(/<example\b[^>]*>[\s\S]*?<\/example>/gi)].map((m) => m[0]);
    if (tagged.length > 0) for (const t of tagged) out.push({ location, text: t });
    else if (role === "examples") out.push({ location, text });
  };
  content.system.forEach((b, i) => scan(`system.${i}`, b.text, b.role));
  content.messages.forEach((m, i) => m.content.forEach((b, j) => scan(`messages.${i}.content.${j}`, b.text)));
  return out;
}

/** Where a block's tokens are billed on a warm call: read from the cache or as input. */
function inCachedPrefix(breakdown: Breakdown, location: string): boolean {
  const turn = location.startsWith("messages.") ? location.split(".").slice(0, 2).join(".") : location;
  return breakdown.rows.find((r) => r.location === turn)?.cached ?? false;
}

/** Cost of `tokens` per call for 1,000 calls, at the input price or the cache-read price. */
function staticTokensCost(tokens: number, cached: boolean, spec: ModelSpec): number {
  return cached ? cost({ cacheReadTokens: tokens * PER_1K }, spec) : cost({ inputTokens: tokens * PER_1K }, spec);
}

const callsBasis = (stats: CallStats | null, extra = "") =>
  stats ? `from the last ${stats.calls} calls${extra}` : `no calls logged for this version: per 1,000 calls at current prices${extra}`;

/** All findings of a version, most valuable first. */
export function auditFindings(input: AuditInput): Finding[] {
  const { content, spec, breakdown, stats, calls } = input;
  const findings: Finding[] = [];
  const add = (f: Omit<Finding, "savingMicrosPer30Days">) => findings.push({ ...f, savingMicrosPer30Days: per30Days(f.savingMicrosPer1k, stats) });
  const enoughCalls = stats !== null && stats.calls >= AUDIT_THRESHOLDS.minCalls;

  // 1. Long text repeated across calls in a variable: belongs in a cached system block.
  if (stats && stats.callsWithVariables >= AUDIT_THRESHOLDS.minCalls) {
    for (const [name, def] of Object.entries(content.variables)) {
      if (def.type !== "string" && def.type !== "json") continue;
      const repeated = repeatedVariableText(calls, name, input.countTokens);
      if (repeated.tokensPerCall < AUDIT_THRESHOLDS.repeatedMinTokens) continue;
      const saving = cost({ inputTokens: repeated.tokensPerCall * PER_1K }, spec) - cost({ cacheReadTokens: repeated.tokensPerCall * PER_1K }, spec);
      add({
        code: "repeated_variable_text",
        title: `{{${name}}} repeats the same long text in most calls`,
        detail: `About ${repeated.tokensPerCall} tokens of {{${name}}} are the same text in ${repeated.share === 1 ? "every one" : `at least ${Math.round(repeated.share * 100)}%`} of ${stats.callsWithVariables} calls. Move that text into a system block before the cache breakpoint: it is then read from the cache at ${Math.round((spec.cacheReadPerMTok / spec.inputPerMTok) * 100)}% of the input price instead of sent as new input every call.`,
        location: `variables.${name}`,
        tokensPerCall: repeated.tokensPerCall,
        savingMicrosPer1k: Math.max(0, saving),
        basis: callsBasis(stats, ", warm cache"),
        evidence: repeated.segments.slice(0, 3),
      });
    }
  }

  // 2. A stable prefix over the model's minimum without a breakpoint.
  const blocks = cacheBlocks(content, input.countTokens);
  let stableEnd = -1;
  for (const b of blocks) {
    if (b.variables.length > 0 || b.sections.length > 0) break;
    stableEnd = b.index;
  }
  const stableTokens = stableEnd >= 0 ? (blocks[stableEnd]?.prefixTokens ?? 0) : 0;
  const uncovered = stableTokens - breakdown.cachedTokens;
  if (stableEnd >= 0 && stableTokens >= spec.minCacheableTokens && uncovered >= spec.minCacheableTokens / 2) {
    const location = blocks[stableEnd]?.location ?? "";
    // Warm calls read the prefix at the read price; the first call of each 5-minute window writes it at 1.25x.
    const hit = stats?.callsPerDay ? Math.min(1, stats.callsPerDay / 288 / (1 + stats.callsPerDay / 288)) : 1;
    const warm = cost({ inputTokens: uncovered * PER_1K }, spec) - cost({ cacheReadTokens: uncovered * PER_1K }, spec);
    const cold = cost({ cacheWriteTokens: uncovered * PER_1K }, spec) - cost({ inputTokens: uncovered * PER_1K }, spec);
    const saving = Math.round(hit * warm - (1 - hit) * cold);
    add({
      code: "uncached_stable_prefix",
      title: `${uncovered} tokens of unchanging prefix are never cached`,
      detail: `Everything up to ${describeLocation(location, content)} is the same in every call (${stableTokens} tokens, over ${spec.model}'s minimum of ${spec.minCacheableTokens}), but ${breakdown.cachedUntil ? `the last usable breakpoint is at ${describeLocation(breakdown.cachedUntil, content)}` : "there is no usable cache breakpoint"}. Add cache_control to ${describeLocation(location, content)}.`,
      location,
      tokensPerCall: uncovered,
      savingMicrosPer1k: Math.max(0, saving),
      basis: stats?.callsPerDay
        ? `at the observed ${Math.round(stats.callsPerDay)} calls/day: ${Math.round(hit * 100)}% of calls within 5 minutes of the previous one`
        : "if every call finds the cache warm (no call rate observed)",
      evidence: [],
    });
  }

  // 3. A breakpoint whose prefix changes often: cache writes without reads.
  if (enoughCalls && breakdown.cachedUntil) {
    const writes = stats.mean.cacheWriteTokens;
    const reads = stats.mean.cacheReadTokens;
    const writeShare = writes + reads === 0 ? 0 : writes / (writes + reads);
    if (writes > 0 && writeShare >= AUDIT_THRESHOLDS.writeShare) {
      const oneHour = stats.mean.cacheWrite1hTokens;
      const paid = cost({ cacheWriteTokens: writes * PER_1K, cacheWrite1hTokens: oneHour * PER_1K, cacheReadTokens: reads * PER_1K }, spec);
      const uncachedPrice = cost({ inputTokens: (writes + reads) * PER_1K }, spec);
      const analysis = analyzeCache(content, { catalog: [spec] });
      const changing = analysis.breakpoints.flatMap((b) => b.variablesInPrefix);
      add({
        code: "breakpoint_prefix_changes",
        title: "The cached prefix is written far more than it is read",
        detail: `${Math.round(writeShare * 100)}% of cache tokens are writes (${stats.writeCalls} of ${stats.calls} calls wrote, ${stats.readCalls} read): the prefix ${changing.length > 0 ? `changes with ${[...new Set(changing)].map((v) => `{{${v}}}`).join(", ")}` : "expires or changes between calls"}. Writes cost more than plain input; make the prefix stable, move the breakpoint earlier, or use the 5-minute TTL.`,
        location: breakdown.cachedUntil,
        tokensPerCall: 0,
        savingMicrosPer1k: Math.max(0, paid - uncachedPrice),
        basis: callsBasis(stats, ": cache writes and reads vs the same tokens as plain input"),
        evidence: [],
      });
    }
  }

  // 4. Repeated sentences and instructions within the prompt.
  const repeated = repeatedSentences(content);
  if (repeated.length > 0) {
    let tokens = 0;
    let micros = 0;
    for (const r of repeated) {
      const t = count(r.sentence, input.countTokens) * r.copies;
      tokens += t;
      micros += staticTokensCost(
        t,
        r.locations.slice(1).every((l) => inCachedPrefix(breakdown, l)),
        spec,
      );
    }
    add({
      code: "repeated_sentences",
      title: `${repeated.length} sentence${repeated.length === 1 ? "" : "s"} repeated within the prompt`,
      detail: `The same instruction appears more than once (${repeated
        .slice(0, 3)
        .map((r) => {
          const places = [...new Set(r.locations)].map((l) => describeLocation(l, content));
          return places.length === 1 ? `${r.locations.length} times in ${places[0]}` : places.join(" and ");
        })
        .join("; ")}). Keep one copy.`,
      location: repeated[0]?.locations[1] ?? "",
      tokensPerCall: tokens,
      savingMicrosPer1k: micros,
      basis: callsBasis(stats),
      evidence: repeated.slice(0, 3).map((r) => r.sentence),
    });
  }

  // 5. Few-shot examples far longer than the rest of the prompt.
  const examples = exampleTexts(content);
  if (examples.length > 0) {
    const exampleTokens = examples.reduce((s, e) => s + count(e.text, input.countTokens), 0);
    const rest = Math.max(0, breakdown.templateTokens - exampleTokens);
    if (exampleTokens >= AUDIT_THRESHOLDS.examplesMinTokens && exampleTokens >= AUDIT_THRESHOLDS.examplesRatio * rest) {
      const cut = exampleTokens - rest;
      const location = examples[0]?.location ?? "";
      const longest = [...examples].sort((a, b) => b.text.length - a.text.length)[0];
      add({
        code: "long_examples",
        title: `Few-shot examples are ${(exampleTokens / Math.max(1, rest)).toFixed(1)}x the rest of the prompt`,
        detail: `${examples.length} example${examples.length === 1 ? "" : "s"} take about ${exampleTokens} tokens against ${rest} for everything else. Shorter examples (or fewer) usually teach the format as well; cutting them to the size of the rest saves ${cut} tokens per call.`,
        location,
        tokensPerCall: cut,
        savingMicrosPer1k: staticTokensCost(cut, inCachedPrefix(breakdown, location), spec),
        basis: callsBasis(stats),
        evidence: longest ? [longest.text.length > 240 ? `${longest.text.slice(0, 240)}…` : longest.text] : [],
      });
    }
  }

  // 6. max_tokens far above the observed outputs.
  if (enoughCalls && content.modelConfig.max_tokens >= AUDIT_THRESHOLDS.maxTokensRatio * Math.max(1, stats.output.max)) {
    const suggested = Math.max(64, Math.ceil((stats.output.max * 2) / 64) * 64);
    const worstNow = cost({ outputTokens: content.modelConfig.max_tokens }, spec);
    const worstAfter = cost({ outputTokens: suggested }, spec);
    add({
      code: "max_tokens_headroom",
      title: `max_tokens is ${Math.floor(content.modelConfig.max_tokens / Math.max(1, stats.output.max))}x the longest observed answer`,
      detail: `The longest of ${stats.calls} answers was ${stats.output.max} tokens (p95 ${stats.output.p95}), max_tokens is ${content.modelConfig.max_tokens}. Output is billed as generated, so lowering it to about ${suggested} saves nothing on these calls; it caps a runaway answer at ${(worstAfter / 1e6).toFixed(4)} USD instead of ${(worstNow / 1e6).toFixed(4)} USD.`,
      location: "modelConfig.max_tokens",
      tokensPerCall: 0,
      savingMicrosPer1k: 0,
      basis: callsBasis(stats, ": output is billed as generated"),
      evidence: [],
    });
  }

  return findings.sort((a, b) => b.savingMicrosPer1k - a.savingMicrosPer1k);
}
