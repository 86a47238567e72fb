import { createContext, Script } from "node:vm";
import type { PatternTester } from "@/lib/prompts/routing";

/**
 * The runner's pattern test for routing `matches` conditions. Patterns are refused at save when
 * safe-regex2 finds them catastrophic (lib/prompts/routing.ts `patternProblem`) and the value is
 * cut to ROUTING_MATCH_INPUT_LIMIT characters; this adds a hard time limit (node:vm interrupts
 * V8's regex engine) for what the heuristic misses, e.g. (a|a)*b on a caller's value. A pattern
 * that runs out of time does not match (the call goes on to the next rule).
 */
const TIMEOUT_MS = 50;
const context = createContext({ pattern: /(?:)/u, input: "" });
const script = new Script("pattern.lastIndex = 0; pattern.test(input)");
const compiled = new Map<string, RegExp | null>();

export const timeLimitedPatternTest: PatternTester = (pattern, text) => {
  let re = compiled.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, "u");
    } catch {
      re = null;
    }
    if (compiled.size > 500) compiled.clear();
    compiled.set(pattern, re);
  }
  if (re === null) return false;
  context.pattern = re;
  context.input = text;
  try {
    return script.runInContext(context, { timeout: TIMEOUT_MS }) === true;
  } catch {
    return false;
  } finally {
    context.input = "";
  }
};
