import { AppError } from "@/lib/errors";
import { cacheBlocks, MAX_CACHE_BREAKPOINTS } from "@/lib/prompts/cache";
import type { PromptVersionContent } from "@/lib/prompts/schemas";
import { getClaudeTransport, isSimulated, type ClaudeTransport } from "./client";

/**
 * Exact token counts of a version's template through `messages.countTokens` (the API's own
 * tokenizer for the version's model), for the editor's cached-prefix figures. Placeholders are
 * counted as their template text, like the offline estimate in lib/models/tokens.ts.
 */

type CountTokensParams = Parameters<ClaudeTransport["countTokens"]>[0];

/** One-character turns: count_tokens needs a message, and a prefix that ends in `system` has none. */
const PLACEHOLDER_TURN = { role: "user" as const, content: [{ type: "text" as const, text: "." }] };
const PLACEHOLDER_REPLY = { role: "assistant" as const, content: [{ type: "text" as const, text: "." }] };

export interface CountTokensPlan {
  /** The whole template. */
  total: CountTokensParams;
  /** The template cut after each breakpoint (the first 4, in prefix order). */
  prefixes: { location: string; params: CountTokensParams; placeholder: boolean }[];
  /**
   * Measures what the placeholder turn adds to a request: `three` (turn, reply, turn) minus `one`
   * (the turn alone) is two one-character turns. Absent when no prefix ends in `system`.
   */
  baseline?: { one: CountTokensParams; three: CountTokensParams };
}

/**
 * The count_tokens requests for a version: the whole template, and for each of the first 4
 * breakpoints the template cut right after its block. Roles and cache_control are left out (the
 * counts do not depend on them, and more than 4 breakpoints would be a 400). A prefix ending in
 * `system` or in `tools` gets a one-character user turn (the API needs a message); what that turn adds is
 * measured with `baseline` (half the difference between three such turns and one) and subtracted.
 */
export function planCountTokens(content: Pick<PromptVersionContent, "system" | "messages" | "modelConfig">): CountTokensPlan {
  const model = content.modelConfig.model;
  // Tools come first in the prefix; counted without their cache_control like every block.
  const tools = (content.modelConfig.tools ?? []).map(({ cache_control: _cache, ...t }) => ({ ...t, input_schema: { ...t.input_schema } }));
  const system = content.system.map((b) => ({ type: "text" as const, text: b.text }));
  const messages = content.messages.map((m) => ({ role: m.role, content: m.content.map((b) => ({ type: "text" as const, text: b.text })) }));
  const withSystem = (s: typeof system, t: typeof tools = tools) => ({ ...(t.length > 0 ? { tools: t } : {}), ...(s.length > 0 ? { system: s } : {}) });

  const breakpoints = cacheBlocks(content)
    .filter((b) => b.ttl !== undefined)
    .slice(0, MAX_CACHE_BREAKPOINTS);
  const prefixes = breakpoints.map(({ location }) => {
    const tool = /^tools\.(\d+)$/.exec(location);
    if (tool) {
      return { location, placeholder: true, params: { model, ...withSystem([], tools.slice(0, Number(tool[1]) + 1)), messages: [PLACEHOLDER_TURN] } };
    }
    const sys = /^system\.(\d+)$/.exec(location);
    if (sys) {
      const end = Number(sys[1]) + 1;
      return { location, placeholder: true, params: { model, ...withSystem(system.slice(0, end)), messages: [PLACEHOLDER_TURN] } };
    }
    const msg = /^messages\.(\d+)\.content\.(\d+)$/.exec(location);
    const turn = Number(msg?.[1]);
    const block = Number(msg?.[2]);
    const cut = messages.slice(0, turn + 1).map((m, i) => (i === turn ? { ...m, content: m.content.slice(0, block + 1) } : m));
    return { location, placeholder: false, params: { model, ...withSystem(system), messages: cut } };
  });
  return {
    total: { model, ...withSystem(system), messages },
    prefixes,
    ...(prefixes.some((p) => p.placeholder)
      ? { baseline: { one: { model, messages: [PLACEHOLDER_TURN] }, three: { model, messages: [PLACEHOLDER_TURN, PLACEHOLDER_REPLY, PLACEHOLDER_TURN] } } }
      : {}),
  };
}

export interface PrefixTokenCounts {
  model: string;
  /** Input tokens of the whole template. */
  totalTokens: number;
  /** Cached-prefix tokens at each of the first 4 breakpoints, in prefix order. */
  breakpoints: { location: string; prefixTokens: number }[];
  /** True when the counts came from the simulator (its estimator), not Anthropic. */
  simulated: boolean;
}

/**
 * Counts the template's tokens and the cached prefix at each breakpoint with
 * `messages.countTokens` (see `planCountTokens`; the requests run in parallel). Uses the
 * process-wide transport from `getClaudeTransport()` unless one is given. A failed request is
 * `AppError("upstream")` with the API's message.
 */
export async function countPrefixTokens(
  content: Pick<PromptVersionContent, "system" | "messages" | "modelConfig">,
  options: { transport?: ClaudeTransport; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<PrefixTokenCounts> {
  const transport = options.transport ?? (await getClaudeTransport());
  const call = { timeoutMs: options.timeoutMs ?? 10_000, ...(options.signal ? { signal: options.signal } : {}) };
  const plan = planCountTokens(content);
  const count = (params: CountTokensParams) => transport.countTokens(params, call);
  try {
    const [total, one, three, ...prefixes] = await Promise.all([
      count(plan.total),
      plan.baseline ? count(plan.baseline.one) : Promise.resolve(0),
      plan.baseline ? count(plan.baseline.three) : Promise.resolve(0),
      ...plan.prefixes.map((p) => count(p.params)),
    ]);
    const placeholderTokens = Math.round((three - one) / 2);
    return {
      model: content.modelConfig.model,
      totalTokens: total,
      breakpoints: plan.prefixes.map((p, i) => ({
        location: p.location,
        prefixTokens: Math.max(0, (prefixes[i] ?? 0) - (p.placeholder ? placeholderTokens : 0)),
      })),
      simulated: transport.simulated,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new AppError("upstream", `Counting tokens failed: ${message}`);
  }
}

/** Whether counts come from Anthropic's API (ANTHROPIC_API_KEY is set); otherwise the editor shows the offline estimate. */
export function tokenCountingAvailable(): boolean {
  return !isSimulated();
}

/** At most this many distinct block texts are counted for one version (one request each). */
export const MAX_COUNTED_BLOCKS = 64;

/**
 * Exact tokens of each block of a version (tools as their JSON, system blocks, message blocks,
 * in cache order; `cacheBlocks` in lib/prompts/cache.ts decides the texts) through
 * `messages.countTokens`: each text is counted as a one-block user turn, minus what an empty-ish
 * turn (".") costs beyond its one character, so the framing of a request is not counted in every
 * block. Returns text -> tokens, for `cacheBlocks(content, (t) => counts.get(t))`. Requests run in
 * parallel; a failure is `AppError("upstream")`.
 */
export async function countBlockTokens(
  content: Pick<PromptVersionContent, "system" | "messages" | "modelConfig" | "snippets">,
  options: { transport?: ClaudeTransport; timeoutMs?: number } = {},
): Promise<Map<string, number>> {
  const texts = new Set<string>();
  cacheBlocks(content, (text) => {
    texts.add(text);
    return 0;
  });
  const unique = [...texts].filter((t) => t.length > 0).slice(0, MAX_COUNTED_BLOCKS);
  return countTextTokens(content.modelConfig.model, unique, options);
}

/**
 * Exact tokens of each text for `model` through `messages.countTokens` (at most
 * `MAX_COUNTED_BLOCKS` texts; each counted as a one-block user turn minus what a "." turn costs
 * beyond its one character). Requests run in parallel; a failure is `AppError("upstream")`.
 */
export async function countTextTokens(
  model: string,
  texts: readonly string[],
  options: { transport?: ClaudeTransport; timeoutMs?: number } = {},
): Promise<Map<string, number>> {
  const unique = [...new Set(texts)].slice(0, MAX_COUNTED_BLOCKS);
  const transport = options.transport ?? (await getClaudeTransport());
  const call = { timeoutMs: options.timeoutMs ?? 10_000 };
  const count = (text: string) => transport.countTokens({ model, messages: [{ role: "user", content: [{ type: "text", text }] }] }, call);
  try {
    const [baseline, ...counts] = await Promise.all([count("."), ...unique.map(count)]);
    const framing = Math.max(0, baseline - 1);
    return new Map(unique.map((t, i) => [t, Math.max(0, (counts[i] ?? 0) - framing)]));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new AppError("upstream", `Counting tokens failed: ${message}`);
  }
}
