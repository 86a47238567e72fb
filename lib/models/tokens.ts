/**
 * OFFLINE TOKEN ESTIMATE — not a tokenizer. No accurate offline tokenizer exists for current
 * Claude models (and Opus 4.7+, Sonnet 5 and Haiku 5.5 use a newer one that yields ~30% more
 * tokens for the same text), so every number from here must be shown as an estimate ("~").
 * Prefer `messages.countTokens` or real usage when available.
 *
 * Method: ceil(characters / 3.5 x factor), where characters are Unicode code points (an emoji
 * is one character, not two UTF-16 units: pinned by tests/unit/prompts-cache.test.ts); plus a
 * fixed overhead per content block (BLOCK_OVERHEAD_TOKENS) and per message
 * (MESSAGE_OVERHEAD_TOKENS) for the structure around the text.
 *
 * This is the codebase's only text-to-tokens formula, in lib/models so that prompts and the
 * simulator can both use it. The editor's estimate (lib/prompts/cache.ts) uses factor 1. The
 * Claude simulator (lib/claude-simulator/tokens.ts) counts with the same function and adds only
 * what it models on purpose: a tokenizer factor per model generation (1.3 for the newer
 * tokenizer) and the API's framing overheads, so simulated usage differs between models the way
 * real usage does.
 */
export const CHARS_PER_TOKEN = 3.5;
export const BLOCK_OVERHEAD_TOKENS = 3;
export const MESSAGE_OVERHEAD_TOKENS = 4;
/** Framing of one tool definition (its canonical JSON is counted as text on top). */
export const TOOL_OVERHEAD_TOKENS = 12;

/** Estimated tokens of a text: ceil(code points / 3.5 x factor); 0 for "". */
export function estimateTokens(text: string, factor = 1): number {
  if (text.length === 0) return 0;
  let codePoints = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Count a surrogate pair once.
    if (c < 0xdc00 || c > 0xdfff) codePoints++;
  }
  return Math.ceil((codePoints / CHARS_PER_TOKEN) * factor);
}
