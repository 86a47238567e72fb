/**
 * Context-overflow helpers (pure): find the variable to split, work out how many chunks make the
 * prompt fit, and split text at natural boundaries (paragraph, line, sentence, word).
 */

/** The variable with the longest string value (the one to split), or null when none has text. */
export function longestVariable(variables: Readonly<Record<string, unknown>>): { name: string; value: string } | null {
  let best: { name: string; value: string } | null = null;
  for (const [name, value] of Object.entries(variables)) {
    if (typeof value !== "string") continue;
    if (!best || value.length > best.value.length) best = { name, value };
  }
  return best && best.value.length > 0 ? best : null;
}

/** Reads "prompt is too long: 200251 tokens > 200000 maximum" into its two numbers. */
export function parseOverflowMessage(message: string): { promptTokens: number; maxTokens: number } | null {
  const m = /(\d[\d,]*)\s*tokens?\s*>\s*(\d[\d,]*)/i.exec(message);
  if (!m?.[1] || !m[2]) return null;
  const promptTokens = Number(m[1].replace(/,/g, ""));
  const maxTokens = Number(m[2].replace(/,/g, ""));
  return promptTokens > 0 && maxTokens > 0 ? { promptTokens, maxTokens } : null;
}

export interface ChunkPlanInput {
  /** Tokens of the whole prompt as the API counted it (or an estimate). */
  promptTokens: number;
  /** The budget the prompt must fit in (context window, minus room for output when relevant). */
  budgetTokens: number;
  /** Characters of the whole rendered prompt. */
  promptChars: number;
  /** Characters of the variable being split. */
  variableChars: number;
  /** Keep this share of the budget free for estimation error (default 0.1). */
  safety?: number;
}

/**
 * How many chunks the variable must be split into so that each run fits: tokens are spread over
 * characters proportionally, the rest of the prompt is fixed. Returns null when even an empty
 * variable would not fit (splitting cannot help).
 */
export function planChunkCount(input: ChunkPlanInput): number | null {
  const safety = input.safety ?? 0.1;
  const tokensPerChar = input.promptTokens / Math.max(1, input.promptChars);
  const variableTokens = input.variableChars * tokensPerChar;
  const fixedTokens = input.promptTokens - variableTokens;
  const room = input.budgetTokens * (1 - safety) - fixedTokens;
  if (room <= 0) return null;
  return Math.max(2, Math.ceil(variableTokens / room));
}

const BOUNDARIES = [/\n\s*\n/g, /\n/g, /(?<=[.!?])\s+/g, /\s+/g];

/**
 * Splits `text` into `count` pieces of roughly equal length, cutting at the strongest natural
 * boundary (blank line, line break, sentence end, whitespace) within the last 30% of each
 * target piece, else hard at the target length. Pieces are trimmed; empty pieces are dropped;
 * joined with single spaces they contain every non-whitespace character of the input in order.
 */
export function splitText(text: string, count: number): string[] {
  if (count <= 1 || text.length === 0) return text.trim() ? [text.trim()] : [];
  const target = Math.ceil(text.length / count);
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    if (text.length - start <= target * 1.15 || pieces.length === count - 1) {
      pieces.push(text.slice(start));
      break;
    }
    const ideal = start + target;
    const windowStart = start + Math.floor(target * 0.7);
    let cut = -1;
    for (const boundary of BOUNDARIES) {
      boundary.lastIndex = 0;
      const region = text.slice(windowStart, ideal);
      let last = -1;
      for (const m of region.matchAll(boundary)) last = windowStart + m.index + m[0].length;
      if (last > start) {
        cut = last;
        break;
      }
    }
    if (cut <= start) cut = ideal;
    pieces.push(text.slice(start, cut));
    start = cut;
  }
  return pieces.map((p) => p.trim()).filter((p) => p.length > 0);
}
