import { analyzeCache, cacheBlocks, MAX_CACHE_BREAKPOINTS } from "@/lib/prompts/cache";
import { describeLocation } from "@/lib/prompts/locations";
import type { PromptVersionContent } from "@/lib/prompts/schemas";
import type { ModelSpec } from "@/lib/models/catalog";
import { estimateTokens } from "@/lib/models/tokens";
import type { CallStats } from "./calls";

/**
 * The token breakdown of a version: tools, each system block, each turn (template text, the
 * placeholders counted as written), each variable (its p50 over logged calls, else its default),
 * and which part sits in a cached prefix. Pure.
 */

export type BreakdownKind = "tool" | "system" | "turn" | "variable";

export interface BreakdownRow {
  kind: BreakdownKind;
  /** `tools.0`, `system.1`, `messages.0`, `variables.question`. */
  location: string;
  label: string;
  tokens: number;
  /** Inside the cached prefix (up to the last breakpoint that reaches the model's minimum). */
  cached: boolean;
  /** Share of the breakdown's total (0..1). */
  share: number;
}

export interface Breakdown {
  rows: BreakdownRow[];
  totalTokens: number;
  /** Tokens of the template alone (tools, system, turns). */
  templateTokens: number;
  /** Tokens a warm call reads from the cache, by the template (0 when nothing is cacheable). */
  cachedTokens: number;
  cachedShare: number;
  /** Where the cached prefix ends, or null. */
  cachedUntil: string | null;
  /** True when the counts are the offline estimate (shown with "~"). */
  estimated: boolean;
  /** Tokens of each block in cache order (`system.1`, `messages.0.content.1`; tools too). */
  blocks: { location: string; tokens: number }[];
}

export interface BreakdownOptions {
  /** Exact counts per block text (messages.countTokens); the estimate otherwise. */
  countTokens?: (text: string) => number;
  stats?: CallStats | null;
}

/** The location of the turn a cache location (`messages.2.content.0`) belongs to. */
function turnOf(location: string): string {
  return location.split(".").slice(0, 2).join(".");
}

/** The token breakdown of a version (see the module comment). */
export function versionBreakdown(content: PromptVersionContent, spec: ModelSpec | undefined, options: BreakdownOptions = {}): Breakdown {
  const blocks = cacheBlocks(content, options.countTokens);
  const analysis = analyzeCache(content, { ...(options.countTokens ? { countTokens: options.countTokens } : {}), ...(spec ? { catalog: [spec] } : {}) });
  const min = spec?.minCacheableTokens ?? Infinity;
  const usable = analysis.breakpoints.slice(0, MAX_CACHE_BREAKPOINTS).filter((b) => b.prefixTokens >= min);
  const last = usable.at(-1);
  const cachedIndex = last?.blockIndex ?? -1;

  const rows: Omit<BreakdownRow, "share">[] = [];
  for (const block of blocks) {
    const cached = block.index <= cachedIndex;
    if (block.location.startsWith("messages.")) {
      const turn = turnOf(block.location);
      const existing = rows.find((r) => r.location === turn);
      if (existing) {
        existing.tokens += block.tokens;
        existing.cached &&= cached;
        continue;
      }
      rows.push({
        kind: "turn",
        location: turn,
        label: `${describeLocation(turn)} (${content.messages[Number(turn.split(".")[1])]?.role ?? "user"})`,
        tokens: block.tokens,
        cached,
      });
      continue;
    }
    const kind = block.location.startsWith("tools.") ? "tool" : "system";
    const tool = kind === "tool" ? content.modelConfig.tools?.[Number(block.location.split(".")[1])] : undefined;
    const sys = kind === "system" ? content.system[Number(block.location.split(".")[1])] : undefined;
    const label = tool ? `Tool ${tool.name}` : `${describeLocation(block.location)}${sys ? ` (${sys.role})` : ""}`;
    rows.push({ kind, location: block.location, label, tokens: block.tokens, cached });
  }
  const templateTokens = rows.reduce((s, r) => s + r.tokens, 0);
  for (const [name, def] of Object.entries(content.variables)) {
    const observed = options.stats?.variables.find((v) => v.name === name);
    const fallback = "default" in def && typeof def.default === "string" ? def.default : "";
    const tokens = observed && observed.calls > 0 ? observed.p50Tokens : estimateTokens(fallback);
    rows.push({
      kind: "variable",
      location: `variables.${name}`,
      label: `{{${name}}}${observed && observed.calls > 0 ? " (p50 of calls)" : " (default)"}`,
      tokens,
      cached: false,
    });
  }
  const totalTokens = rows.reduce((s, r) => s + r.tokens, 0);
  const cachedTokens = last ? last.prefixTokens : 0;
  return {
    rows: rows.map((r) => ({ ...r, share: totalTokens === 0 ? 0 : r.tokens / totalTokens })),
    totalTokens,
    templateTokens,
    cachedTokens,
    cachedShare: totalTokens === 0 ? 0 : Math.min(1, cachedTokens / totalTokens),
    cachedUntil: last?.location ?? null,
    estimated: !options.countTokens,
    blocks: blocks.map((b) => ({ location: b.location, tokens: b.tokens })),
  };
}
