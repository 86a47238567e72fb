import { LRUCache } from "lru-cache";
import { canonicalJson } from "@/lib/canonical-json";
import type { ModelSpec } from "@/lib/models/catalog";
import { CHARS_PER_TOKEN, estimateTokens } from "@/lib/models/tokens";
import { SimApiError, invalidRequest } from "./errors";
import type { FaultSpec } from "./faults";
import { breakToolInput, corruptJson, generateOutput } from "./generate";
import type { CachePlan, PromptCache } from "./prompt-cache";
import { randomId, sha256 } from "./random";
import type { MessagesRequest } from "./request-schema";
import { charsForTokens, flattenPrompt, tokenizerFactor, type FlatPrompt } from "./tokens";

export type StopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "refusal" | "model_context_window_exceeded";
export type RefusalCategory = "cyber" | "bio" | "frontier_llm" | "reasoning_extraction" | "general_harms";

export type SimContentBlock =
  { type: "text"; text: string; citations: null } | { type: "tool_use"; id: string; name: string; input: unknown; caller: { type: "direct" } };

export interface SimUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  output_tokens: number;
  output_tokens_details: { thinking_tokens: number };
  server_tool_use: null;
  service_tier: "standard" | "priority" | "batch";
  inference_geo: string | null;
  speed: "standard" | "fast" | null;
}

/** A Messages API `Message` as the simulator returns it. */
export interface SimMessage {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: SimContentBlock[];
  stop_reason: StopReason;
  stop_sequence: string | null;
  stop_details: { type: "refusal"; category: RefusalCategory | null; explanation: string | null } | null;
  container: null;
  diagnostics: { cache_miss_reason: Record<string, unknown> | null } | null;
  usage: SimUsage;
}

/** How long the simulated model takes: time to first token, then per output token. */
export interface Timing {
  ttftMs: number;
  perTokenMs: number;
}

export interface SimulationResult {
  message: SimMessage;
  timing: Timing;
  /** Write the cache entries (call when the response starts: entries are usable from then). */
  commitCache: CachePlan["commit"];
}

/** Base latency per tier (ms to first token, output tokens per second) at speed 1. */
const LATENCY: Record<ModelSpec["tier"], { ttftMs: number; tokensPerSecond: number }> = {
  fast: { ttftMs: 250, tokensPerSecond: 180 },
  standard: { ttftMs: 450, tokensPerSecond: 90 },
  complex: { ttftMs: 800, tokensPerSecond: 50 },
};

/** The latency model, divided by `speed` (Infinity makes it instant). Uncached input slows TTFT. */
export function computeTiming(
  spec: ModelSpec,
  usage: Pick<SimUsage, "input_tokens" | "cache_creation_input_tokens" | "cache_read_input_tokens">,
  speed: number,
): Timing {
  if (!(speed > 0) || speed === Infinity) return { ttftMs: 0, perTokenMs: 0 };
  const base = LATENCY[spec.tier];
  const uncached = usage.input_tokens + usage.cache_creation_input_tokens;
  const ttft = base.ttftMs + uncached * 0.02 + usage.cache_read_input_tokens * 0.002;
  return { ttftMs: ttft / speed, perTokenMs: 1000 / base.tokensPerSecond / speed };
}

/** Diagnostics fingerprints of recent responses, for `diagnostics.previous_message_id`. */
export class FingerprintStore extends LRUCache<string, Fingerprint> {
  constructor(max = 10_000) {
    super({ max });
  }
}

interface Fingerprint {
  model: string;
  tools: string;
  system: string;
  messages: string[];
}

function fingerprint(req: MessagesRequest): Fingerprint {
  const strip = (v: unknown) => canonicalJson(v).replace(/"cache_control":\{[^}]*\},?/g, "");
  return {
    model: req.model,
    tools: sha256(strip(req.tools ?? [])),
    system: sha256(strip(req.system ?? "")),
    messages: req.messages.map((m) => sha256(strip(m))),
  };
}

function missReason(prev: Fingerprint | undefined, cur: Fingerprint, missed: number): Record<string, unknown> | null {
  if (!prev) return { type: "previous_message_not_found" };
  if (prev.model !== cur.model) return { type: "model_changed", cache_missed_input_tokens: missed };
  if (prev.tools !== cur.tools) return { type: "tools_changed", cache_missed_input_tokens: missed };
  if (prev.system !== cur.system) return { type: "system_changed", cache_missed_input_tokens: missed };
  const prefix = prev.messages.every((h, i) => cur.messages[i] === h);
  return prefix ? null : { type: "messages_changed", cache_missed_input_tokens: missed };
}

export interface SimulateOptions {
  request: MessagesRequest;
  spec: ModelSpec;
  cache: PromptCache;
  fault: FaultSpec | null;
  serviceTier: SimUsage["service_tier"];
  speed: number;
  fingerprints?: FingerprintStore;
}

function promptTooLong(tokens: number, max: number): SimApiError {
  return invalidRequest(`prompt is too long: ${tokens} tokens > ${max} maximum`);
}

const REFUSAL_CATEGORIES = new Set<RefusalCategory>(["cyber", "bio", "frontier_llm", "reasoning_extraction", "general_harms"]);

/**
 * Runs one Messages request through the simulated model: validates the prompt layout, applies
 * prompt-cache accounting, generates the deterministic output, applies max_tokens,
 * stop_sequences, the context window and content faults. Throws SimApiError for 400s.
 */
export function simulateMessage(options: SimulateOptions): SimulationResult {
  const { request, spec, cache, fault } = options;
  const flat: FlatPrompt = flattenPrompt(request, spec);
  if (fault?.kind.type === "overflow") throw promptTooLong(spec.contextWindow + flat.totalTokens, spec.contextWindow);
  if (flat.totalTokens > spec.contextWindow) throw promptTooLong(flat.totalTokens, spec.contextWindow);

  const plan = cache.plan(flat, spec.minCacheableTokens);
  const factor = tokenizerFactor(spec);
  const id = randomId("msg");
  let content: SimContentBlock[] = [];
  let stopReason: StopReason = "end_turn";
  let stopSequence: string | null = null;
  let stopDetails: SimMessage["stop_details"] = null;
  let outputTokens = 0;

  const maxTokens = fault?.kind.type === "max_tokens" ? Math.min(request.max_tokens, Number(fault.params.tokens ?? 16)) : request.max_tokens;
  const room = spec.contextWindow - flat.totalTokens;

  if (fault?.kind.type === "refusal") {
    const category = (fault.params.category ?? "general_harms") as RefusalCategory;
    const text = fault.params.partial === "false" ? "" : "I can't help with that.";
    content = text ? [{ type: "text", text, citations: null }] : [];
    stopReason = "refusal";
    stopDetails = {
      type: "refusal",
      category: REFUSAL_CATEGORIES.has(category) ? category : null,
      explanation: fault.params.message ?? "This request was declined by the simulated safety classifier.",
    };
    outputTokens = Math.max(1, estimateTokens(text, factor));
  } else if (maxTokens === 0) {
    stopReason = "max_tokens";
  } else {
    const output = generateOutput(request, { inputTokens: flat.totalTokens, charsPerToken: CHARS_PER_TOKEN / factor });
    if (output.kind === "tool_use") {
      const input = fault?.kind.type === "invalid_tool_input" ? breakToolInput(output.input, output.schema) : output.input;
      content = [{ type: "tool_use", id: randomId("toolu"), name: output.name, input, caller: { type: "direct" } }];
      stopReason = "tool_use";
      outputTokens = Math.max(1, 10 + estimateTokens(JSON.stringify(input), factor));
    } else {
      let text = fault?.kind.type === "invalid_json" ? corruptJson(output.text) : output.text;
      const hit = (request.stop_sequences ?? [])
        .filter((s) => s.length > 0)
        .map((s) => ({ s, at: text.indexOf(s) }))
        .filter((h) => h.at >= 0)
        .sort((a, b) => a.at - b.at)[0];
      if (hit) {
        text = text.slice(0, hit.at);
        stopReason = "stop_sequence";
        stopSequence = hit.s;
      }
      outputTokens = Math.max(1, estimateTokens(text, factor));
      const windowLimited = fault?.kind.type === "window_exceeded" ? Math.min(room, Math.max(1, Math.floor(outputTokens / 2))) : room;
      if (outputTokens > maxTokens && maxTokens <= windowLimited) {
        text = text.slice(0, charsForTokens(maxTokens, factor));
        outputTokens = maxTokens;
        stopReason = "max_tokens";
        stopSequence = null;
      } else if (outputTokens > windowLimited) {
        text = text.slice(0, charsForTokens(windowLimited, factor));
        outputTokens = windowLimited;
        stopReason = "model_context_window_exceeded";
        stopSequence = null;
      }
      if (text.length > 0) content = [{ type: "text", text, citations: null }];
    }
  }

  let diagnostics: SimMessage["diagnostics"] = null;
  const current = options.fingerprints ? fingerprint(request) : null;
  if (options.fingerprints && current) {
    if (request.diagnostics) {
      const previousId = request.diagnostics.previous_message_id;
      const missed = plan.usage.input_tokens + plan.usage.cache_creation_input_tokens;
      const reason = previousId ? missReason(options.fingerprints.get(previousId), current, missed) : null;
      diagnostics = reason ? { cache_miss_reason: reason } : null;
    }
    options.fingerprints.set(id, current);
  }

  const usage: SimUsage = {
    ...plan.usage,
    output_tokens: outputTokens,
    output_tokens_details: { thinking_tokens: 0 },
    server_tool_use: null,
    service_tier: options.serviceTier,
    inference_geo: request.inference_geo ?? null,
    speed: request.speed ?? null,
  };
  return {
    message: {
      id,
      type: "message",
      role: "assistant",
      model: request.model,
      content,
      stop_reason: stopReason,
      stop_sequence: stopSequence,
      stop_details: stopDetails,
      container: null,
      diagnostics,
      usage,
    },
    timing: computeTiming(spec, plan.usage, options.speed),
    commitCache: plan.commit,
  };
}
