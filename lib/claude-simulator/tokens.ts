import type { ModelSpec } from "@/lib/models/catalog";
import { CHARS_PER_TOKEN, estimateTokens } from "@/lib/models/tokens";
import { invalidRequest } from "./errors";
import { canonicalJson } from "@/lib/canonical-json";
import { sha256 } from "./random";
import type { CacheControl, PromptRequest } from "./request-schema";

/**
 * The simulator's token counts. No accurate offline tokenizer exists for current Claude models,
 * so counts are estimates with a fixed, documented rule:
 *
 *   tokens(text) = estimateTokens(text, tokenizerFactor)   (lib/models/tokens.ts: ceil(code points / 3.5 x factor))
 *
 * The formula is the editor's (one estimator in the codebase). What the simulator adds on purpose
 * is Claude's tokenizer generations: tokenizerFactor is 1.3 for models on the newer tokenizer
 * (Opus 4.7 and later, Sonnet 5 and later, Haiku 5.5 and later: about 30% more tokens for the
 * same text) and 1.0 otherwise, so usage differs between models as it does on the real API.
 * Framing adds fixed overheads: 3 tokens per request, 4 per message, 3 for a system prompt,
 * 12 per tool plus its JSON; an image counts 1,600 tokens, a base64 PDF 1 token per 6 base64
 * characters. Output text is counted with the same rule (at least 1 token).
 */
export const REQUEST_OVERHEAD_TOKENS = 3;
export const MESSAGE_OVERHEAD_TOKENS = 4;
export const SYSTEM_OVERHEAD_TOKENS = 3;
export const TOOL_OVERHEAD_TOKENS = 12;
export const IMAGE_TOKENS = 1600;

/** 1.3 for models on the newer tokenizer, 1.0 for older ones. */
export function tokenizerFactor(spec: Pick<ModelSpec, "family" | "generation">): number {
  const generation = Number.parseFloat(spec.generation);
  if (!Number.isFinite(generation)) return 1;
  if (spec.family === "opus") return generation >= 4.7 ? 1.3 : 1;
  if (spec.family === "sonnet") return generation >= 5 ? 1.3 : 1;
  return generation >= 5.5 ? 1.3 : 1;
}

/** How many characters make `tokens` tokens (the inverse of estimateTokens, rounded down). */
export function charsForTokens(tokens: number, factor: number): number {
  return Math.floor((tokens * CHARS_PER_TOKEN) / factor);
}

/** One cacheable unit of the prompt, in cache order (tools -> system -> messages). */
export interface PromptBlock {
  /** Where it is, e.g. `tools.0`, `system.1`, `messages.2.content.0`. */
  path: string;
  tokens: number;
  /** Hash of everything up to and including this block (with the model): the cache key. */
  prefixHash: string;
  /** Tokens from the start of the prompt up to and including this block. */
  cumulativeTokens: number;
  cacheControl: CacheControl | null;
}

export interface FlatPrompt {
  blocks: PromptBlock[];
  totalTokens: number;
  /** Indexes into `blocks` of the cache breakpoints, ascending. */
  breakpoints: number[];
}

export const MAX_CACHE_BREAKPOINTS = 4;

function blockTokens(block: Record<string, unknown>, factor: number): number {
  const type = block.type;
  if (type === "text" && typeof block.text === "string") return estimateTokens(block.text, factor);
  if (type === "image") return IMAGE_TOKENS;
  if (type === "document") {
    const source = block.source as Record<string, unknown> | undefined;
    const data = typeof source?.data === "string" ? source.data : "";
    if (source?.type === "base64") return Math.ceil(data.length / 6);
    return estimateTokens(data || canonicalJson(source ?? {}), factor);
  }
  if (type === "tool_result" && typeof block.content === "string") return estimateTokens(block.content, factor) + 4;
  if (type === "tool_result" && Array.isArray(block.content)) {
    return (block.content as Record<string, unknown>[]).reduce((sum, b) => sum + blockTokens(b, factor), 4);
  }
  if (type === "thinking" && typeof block.thinking === "string") return estimateTokens(block.thinking, factor);
  return estimateTokens(contentKey(block), factor);
}

/** The part of a block that identifies its content (cache_control never changes the prefix). */
function contentKey(block: Record<string, unknown>): string {
  const rest = { ...block };
  delete rest.cache_control;
  return canonicalJson(rest);
}

/**
 * Lays a request out as the ordered blocks the prompt cache sees: tools, then system blocks,
 * then each message's content blocks, with token counts and running prefix hashes. A top-level
 * `cache_control` (automatic caching) puts a breakpoint on the last block. Throws 400 for more
 * than 4 breakpoints or a 1h breakpoint after a 5m one.
 */
export function flattenPrompt(req: PromptRequest, spec: ModelSpec): FlatPrompt {
  const factor = tokenizerFactor(spec);
  const blocks: PromptBlock[] = [];
  let hash = sha256(`model:${spec.model}`);
  let total = REQUEST_OVERHEAD_TOKENS;
  const push = (path: string, key: string, tokens: number, cacheControl: CacheControl | null | undefined) => {
    hash = sha256(`${hash}\n${path.split(".")[0]}:${key}`);
    total += tokens;
    blocks.push({ path, tokens, prefixHash: hash, cumulativeTokens: total, cacheControl: cacheControl ?? null });
  };

  (req.tools ?? []).forEach((tool, i) => {
    const { cache_control, ...rest } = tool;
    push(`tools.${i}`, canonicalJson(rest), TOOL_OVERHEAD_TOKENS + estimateTokens(canonicalJson(rest), factor), cache_control);
  });
  if (typeof req.system === "string" && req.system.length > 0) {
    push("system.0", canonicalJson({ type: "text", text: req.system }), SYSTEM_OVERHEAD_TOKENS + estimateTokens(req.system, factor), null);
  } else if (Array.isArray(req.system)) {
    req.system.forEach((block, i) => {
      const overhead = i === 0 ? SYSTEM_OVERHEAD_TOKENS : 0;
      push(`system.${i}`, contentKey(block), overhead + estimateTokens(block.text, factor), block.cache_control);
    });
  }
  req.messages.forEach((message, i) => {
    const content = typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content;
    content.forEach((block, j) => {
      const overhead = j === 0 ? MESSAGE_OVERHEAD_TOKENS : 0;
      const raw = block as Record<string, unknown>;
      push(`messages.${i}.content.${j}`, `${message.role}:${contentKey(raw)}`, overhead + blockTokens(raw, factor), block.cache_control);
    });
  });

  const last = blocks[blocks.length - 1];
  if (req.cache_control && last) {
    // Automatic caching: the breakpoint moves to the last block (one slot).
    if (!last.cacheControl) last.cacheControl = req.cache_control;
  }
  const explicit = countExplicitBreakpoints(req);
  const slots = explicit + (req.cache_control ? 1 : 0);
  if (slots > MAX_CACHE_BREAKPOINTS) {
    throw invalidRequest(`A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${slots}.`);
  }
  const breakpoints = blocks.flatMap((b, i) => (b.cacheControl ? [i] : []));
  let seen5m = false;
  for (const index of breakpoints) {
    const ttl = blocks[index]?.cacheControl?.ttl ?? "5m";
    if (ttl === "5m") seen5m = true;
    else if (seen5m) {
      throw invalidRequest("cache_control: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block");
    }
  }
  return { blocks, totalTokens: total, breakpoints };
}

function countExplicitBreakpoints(req: PromptRequest): number {
  let count = (req.tools ?? []).filter((t) => t.cache_control).length;
  if (Array.isArray(req.system)) count += req.system.filter((b) => b.cache_control).length;
  for (const message of req.messages) {
    if (Array.isArray(message.content)) count += message.content.filter((b) => b.cache_control).length;
  }
  return count;
}
