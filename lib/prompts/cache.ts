import { findModel, type ModelSpec } from "@/lib/models/catalog";
import type { CacheTtl, PromptVersionContent } from "@/lib/prompts/schemas";
import { expandIncludes, formatPosition, parseTemplate } from "@/lib/prompts/sections";
import { extractVariables } from "@/lib/prompts/templates";
import { describeLocation } from "@/lib/prompts/locations";
import { estimateTokens, BLOCK_OVERHEAD_TOKENS, MESSAGE_OVERHEAD_TOKENS, TOOL_OVERHEAD_TOKENS } from "@/lib/models/tokens";
import { canonicalJson } from "@/lib/canonical-json";
import type { ToolDef } from "@/lib/prompts/tools";

/** The API accepts at most this many cache_control breakpoints per request. */
export const MAX_CACHE_BREAKPOINTS = 4;
/** A cache lookup walks back at most this many blocks from a breakpoint. */
export const CACHE_LOOKBACK_BLOCKS = 20;

export interface CacheBlock {
  /** Position in prefix order (tools, then system blocks, then message blocks). */
  index: number;
  /** `tools.<i>`, `system.<i>` or `messages.<i>.content.<j>`. */
  location: string;
  tokens: number;
  /** Tokens from the start of the request up to and including this block (the sum of `tokens`). */
  prefixTokens: number;
  variables: string[];
  /** Optional sections opened in this block (`{{#name}}` / `{{^name}}`, sections.ts), with their place. */
  sections: { name: string; inverted: boolean; line: number; col: number }[];
  ttl?: CacheTtl;
}

export interface CacheBreakpoint {
  /** 0-based ordinal among breakpoints. */
  ordinal: number;
  blockIndex: number;
  location: string;
  ttl: CacheTtl;
  /** Tokens from the start of the request up to and including this block (counted when `counted`, else estimated). */
  prefixTokens: number;
  /** True when prefixTokens comes from `options.counted` (messages.countTokens), not the estimate. */
  counted: boolean;
  /** Tokens after the previous breakpoint up to and including this block (always from the per-block counts). */
  segmentTokens: number;
  /** Blocks from the previous breakpoint (or the start) to this one. */
  blocksSincePrevious: number;
  /** Variables used anywhere in this breakpoint's prefix: the prefix changes when they do. */
  variablesInPrefix: string[];
  acknowledged: boolean;
  /** prefixTokens >= the model's minimum cacheable prefix. */
  meetsMinimum: boolean;
}

export type CacheIssueCode =
  | "too_many_breakpoints"
  | "ttl_order"
  | "variable_in_cached_prefix"
  | "section_in_cached_prefix"
  | "below_min_cacheable"
  | "lookback_exceeded"
  | "unknown_model";

export interface CacheIssue {
  severity: "error" | "warning";
  code: CacheIssueCode;
  message: string;
  /** Breakpoint location (`system.1`, `messages.0.content.0`) or `modelConfig.model`. */
  location: string;
}

export interface CacheAnalysis {
  model: string;
  minCacheableTokens: number | null;
  /** True when the offline estimator was used (show the numbers as "~"); false with `countTokens` or `counted`. */
  tokensEstimated: boolean;
  totalTokens: number;
  blocks: CacheBlock[];
  breakpoints: CacheBreakpoint[];
  issues: CacheIssue[];
}

export interface CountedTokens {
  totalTokens: number;
  prefixTokens: Readonly<Record<string, number>>;
}

export interface AnalyzeCacheOptions {
  /** Exact token counter for a block's text; defaults to the offline estimate + block overhead. */
  countTokens?: (text: string) => number;
  /**
   * Breakpoint locations whose variable prefix the author accepts (e.g. a per-tenant document that
   * is cached per tenant): a variable before these breakpoints is a warning, not an error.
   */
  acknowledgedVariableBreakpoints?: readonly string[];
  /**
   * Counts from `messages.countTokens` (lib/claude/count-tokens.ts): the whole template and the
   * cached prefix per breakpoint location. They replace the estimate for `totalTokens` and for the
   * prefixes they cover (and so for the minimum cacheable check).
   */
  counted?: CountedTokens;
  /** Analyse for this model instead of the version's. */
  model?: string;
  catalog?: readonly ModelSpec[];
}

/** What the cache order reads of a version: its tools (in the model config), system blocks and turns. */
export type CacheContent = Pick<PromptVersionContent, "system" | "messages" | "snippets"> & { modelConfig?: { tools?: readonly ToolDef[] } };

/** A tool as the prefix holds it: its definition without the breakpoint, as canonical JSON. */
export function toolPrefixText(tool: ToolDef): string {
  const { cache_control: _cache, ...rest } = tool;
  return canonicalJson(rest);
}

/**
 * Flattens a version into Claude's cache prefix order: tools (their JSON plus framing), then
 * system blocks, then message content blocks. An include with a pin (`version.snippets`) counts
 * as the pinned text it becomes.
 */
export function cacheBlocks(version: CacheContent, countTokens?: (text: string) => number): CacheBlock[] {
  const blocks: CacheBlock[] = [];
  let prefixTokens = 0;
  const pins = new Map((version.snippets ?? []).map((p) => [p.key, p.text]));
  const push = (location: string, template: string, ttl: CacheTtl | undefined, extra: number) => {
    const text = pins.size > 0 ? expandIncludes(template, (ref) => pins.get(ref.key)).text : template;
    const tokens = countTokens ? countTokens(text) : estimateTokens(text) + BLOCK_OVERHEAD_TOKENS + extra;
    prefixTokens += tokens;
    const sections = parseTemplate(text).sections.map((x) => ({ name: x.name, inverted: x.inverted, line: x.line, col: x.col }));
    blocks.push({ index: blocks.length, location, tokens, prefixTokens, variables: extractVariables(text), sections, ...(ttl ? { ttl } : {}) });
  };
  (version.modelConfig?.tools ?? []).forEach((t, i) => {
    const text = toolPrefixText(t);
    const tokens = countTokens ? countTokens(text) : estimateTokens(text) + TOOL_OVERHEAD_TOKENS;
    prefixTokens += tokens;
    blocks.push({
      index: blocks.length,
      location: `tools.${i}`,
      tokens,
      prefixTokens,
      variables: [],
      sections: [],
      ...(t.cache_control ? { ttl: t.cache_control.ttl ?? "5m" } : {}),
    });
  });
  version.system.forEach((b, i) => push(`system.${i}`, b.text, b.cache_control ? (b.cache_control.ttl ?? "5m") : undefined, 0));
  version.messages.forEach((m, i) =>
    m.content.forEach((b, j) =>
      push(`messages.${i}.content.${j}`, b.text, b.cache_control ? (b.cache_control.ttl ?? "5m") : undefined, j === 0 ? MESSAGE_OVERHEAD_TOKENS : 0),
    ),
  );
  return blocks;
}

/**
 * Analyses the cache_control breakpoints of a version (prefix order: tools, system blocks, then
 * message blocks; placeholders count as their template text). Issues:
 * - error `too_many_breakpoints`: more than 4, counting a chat history's breakpoint (the API
 *   rejects the request);
 * - error `ttl_order`: a 1h breakpoint after a 5m one (1h entries must come first);
 * - error `variable_in_cached_prefix` (warning if the location is acknowledged): a `{{variable}}`
 *   at or before a breakpoint, so the cached prefix changes whenever the variable does;
 * - error `section_in_cached_prefix`: an optional section (`{{#var}}`, sections.ts) in a block at
 *   or before a breakpoint: the cached prefix would differ with the variable (never acknowledgeable;
 *   the message names the block, line and column of the first such section);
 * - warning `below_min_cacheable`: the prefix is shorter than the model's minimum cacheable
 *   prefix (`minCacheableTokens`), so nothing is cached there and no error is raised by the API;
 * - warning `lookback_exceeded`: more than 20 blocks after the previous breakpoint (the cache
 *   lookup walks back only 20 blocks);
 * - warning `unknown_model`: the model is not in the catalog (no minimum check).
 * Never throws.
 */
export function analyzeCache(
  version: Pick<PromptVersionContent, "system" | "messages" | "modelConfig" | "snippets"> & { variables?: PromptVersionContent["variables"] },
  options: AnalyzeCacheOptions = {},
): CacheAnalysis {
  const model = options.model ?? version.modelConfig.model;
  const spec = findModel(model, options.catalog);
  const min = spec?.minCacheableTokens ?? null;
  const blocks = cacheBlocks(version, options.countTokens);
  const acknowledged = new Set(options.acknowledgedVariableBreakpoints ?? []);
  const issues: CacheIssue[] = [];
  const breakpoints: CacheBreakpoint[] = [];

  if (!spec) {
    issues.push({
      severity: "warning",
      code: "unknown_model",
      message: `model "${model}" is not in the catalog: the minimum cacheable prefix is unknown`,
      location: "modelConfig.model",
    });
  }

  let prefixTokens = 0;
  let segmentTokens = 0;
  let previousIndex = -1;
  const prefixVariables: string[] = [];
  const prefixSections: { block: CacheBlock; section: CacheBlock["sections"][number] }[] = [];
  for (const block of blocks) {
    prefixTokens += block.tokens;
    segmentTokens += block.tokens;
    for (const v of block.variables) if (!prefixVariables.includes(v)) prefixVariables.push(v);
    for (const section of block.sections) prefixSections.push({ block, section });
    if (!block.ttl) continue;
    const counted = options.counted ? options.counted.prefixTokens[block.location] : undefined;
    const bpPrefix = counted ?? prefixTokens;
    const bp: CacheBreakpoint = {
      ordinal: breakpoints.length,
      blockIndex: block.index,
      location: block.location,
      ttl: block.ttl,
      prefixTokens: bpPrefix,
      counted: counted !== undefined,
      segmentTokens,
      blocksSincePrevious: block.index - previousIndex,
      variablesInPrefix: [...prefixVariables],
      acknowledged: acknowledged.has(block.location),
      meetsMinimum: min === null ? true : bpPrefix >= min,
    };
    breakpoints.push(bp);
    segmentTokens = 0;

    if (bp.ttl === "1h" && breakpoints.some((b) => b.ttl === "5m")) {
      issues.push({
        severity: "error",
        code: "ttl_order",
        message: `1h breakpoint at ${describeLocation(bp.location, version)} comes after a 5m breakpoint: 1h cache entries must come before 5m ones`,
        location: bp.location,
      });
    }
    if (bp.variablesInPrefix.length > 0) {
      const names = bp.variablesInPrefix.map((v) => `{{${v}}}`).join(", ");
      issues.push({
        severity: bp.acknowledged ? "warning" : "error",
        code: "variable_in_cached_prefix",
        message: `${names} appear${bp.variablesInPrefix.length === 1 ? "s" : ""} before the breakpoint at ${describeLocation(bp.location, version)}: the cached prefix changes whenever ${bp.variablesInPrefix.length === 1 ? "it changes" : "they change"}${bp.acknowledged ? " (acknowledged)" : "; move the variable after the breakpoint or acknowledge it"}`,
        location: bp.location,
      });
    }
    const first = prefixSections[0];
    if (first) {
      const { block: at, section } = first;
      const tag = `{{${section.inverted ? "^" : "#"}${section.name}}}`;
      issues.push({
        severity: "error",
        code: "section_in_cached_prefix",
        message: `the section ${tag} at ${describeLocation(at.location, version)}, ${formatPosition(section)} sits inside the cached prefix of the breakpoint at ${describeLocation(bp.location, version)}: the prefix would change with "${section.name}"; move the section after the breakpoint${prefixSections.length > 1 ? ` (${prefixSections.length} sections in this prefix)` : ""}`,
        location: bp.location,
      });
    }
    if (!bp.meetsMinimum && min !== null) {
      issues.push({
        severity: "warning",
        code: "below_min_cacheable",
        message: `the prefix up to ${describeLocation(bp.location, version)} is ${bp.counted ? "" : "about "}${bp.prefixTokens} tokens${bp.counted ? " (counted)" : ""}, below ${model}'s minimum of ${min}: nothing will be cached there`,
        location: bp.location,
      });
    }
    if (previousIndex >= 0 && bp.blocksSincePrevious > CACHE_LOOKBACK_BLOCKS) {
      issues.push({
        severity: "warning",
        code: "lookback_exceeded",
        message: `the breakpoint at ${describeLocation(bp.location, version)} is ${bp.blocksSincePrevious} blocks after the previous one: the cache lookup only walks back ${CACHE_LOOKBACK_BLOCKS} blocks`,
        location: bp.location,
      });
    }
    previousIndex = block.index;
  }
  // A chat history's breakpoint sits on its last message at run time: it counts toward the limit.
  const historyBreakpoints = Object.entries(version.variables ?? {})
    .filter(([, def]) => def.type === "messages" && def.cache_control !== undefined)
    .map(([name]) => `variables.${name}`);
  const total = breakpoints.length + historyBreakpoints.length;
  if (total > MAX_CACHE_BREAKPOINTS) {
    const extra = breakpoints[MAX_CACHE_BREAKPOINTS];
    issues.unshift({
      severity: "error",
      code: "too_many_breakpoints",
      message: `${total} cache breakpoints${historyBreakpoints.length > 0 ? ` (${historyBreakpoints.length} on chat history)` : ""}: the API allows at most ${MAX_CACHE_BREAKPOINTS}`,
      location: extra?.location ?? historyBreakpoints.at(-1) ?? "",
    });
  }
  return {
    model,
    minCacheableTokens: min,
    tokensEstimated: !options.countTokens && !options.counted,
    totalTokens: options.counted?.totalTokens ?? prefixTokens,
    blocks,
    breakpoints,
    issues,
  };
}

/**
 * The acknowledgements worth keeping for a version: the given locations that are breakpoints with
 * a `{{variable}}` in their cached prefix, each once, in prefix order. Anything else (a location
 * whose breakpoint was removed, or whose prefix no longer has a variable) is dropped, so a stored
 * acknowledgement always refers to a warning the author actually saw. Stored on the version
 * (`PromptVersion.cacheAcknowledgements`), outside the content hash: it changes no request.
 */
export function normalizeAcknowledgements(
  version: Pick<PromptVersionContent, "system" | "messages" | "modelConfig">,
  acknowledged: readonly string[],
): string[] {
  const wanted = new Set(acknowledged);
  return analyzeCache(version)
    .breakpoints.filter((b) => b.variablesInPrefix.length > 0 && wanted.has(b.location))
    .map((b) => b.location);
}
