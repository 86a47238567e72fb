import type { ErrorIssue } from "./index";

/**
 * The one check of input that no edge accepts, whatever the route's schema says: text that
 * PostgreSQL cannot store (NUL; an unpaired UTF-16 surrogate, which a jsonb column refuses and a
 * text column silently turns into U+FFFD), control characters where a name or id is expected,
 * numbers that are not finite, values that are not JSON, nesting and size beyond a limit. Server
 * actions (lib/http/action-result.ts), the public API's bodies, paths and queries
 * (lib/http/route.ts), the dashboard's URLs (lib/http/edge.ts) and the run-and-log path
 * (lib/runs/run-and-log.ts, metadata and variables before Claude is called) all use it.
 */

/** C0 controls and DEL: never part of a name, id or query value. */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** No unpaired surrogate: String.prototype.isWellFormed (Node 20+, native) or the same test as a regex. */
const isWellFormed: (text: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === "function"
    ? (text) => (text as string & { isWellFormed(): boolean }).isWellFormed()
    : (text) => !LONE_SURROGATE.test(text);

/** Why `text` cannot be stored (NUL, unpaired surrogate), or null. */
export function textProblem(text: string): string | null {
  if (text.includes("\u0000")) return "must not contain NUL characters";
  if (!isWellFormed(text)) return "is not valid Unicode text (unpaired surrogate)";
  return null;
}

export function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

export interface JsonInputLimits {
  /** Deepest nesting of arrays/objects (the top level is 0). */
  maxDepth: number;
  /** Most values in all (stops huge inputs and reference cycles). */
  maxNodes: number;
}

/** Limits every server action's input is held to (lib/http/action-result.ts); the editor checks a draft against them before saving. */
export const ACTION_INPUT_LIMITS: JsonInputLimits = { maxDepth: 64, maxNodes: 200_000 };

/**
 * The first problem of `value` as input that is stored or sent on (path + message), or null:
 * values that are not JSON-like (Dates, Maps, files, bigints, NaN/Infinity, class instances),
 * text or keys with NUL characters or unpaired surrogates, nesting deeper than `maxDepth`, more
 * than `maxNodes` values. Recursion never goes deeper than `maxDepth` (checked before descending),
 * and the path is only built for a problem, so a clean value costs one visit per node.
 */
export function inspectJsonInput(value: unknown, limits: JsonInputLimits): ErrorIssue | null {
  const state = { nodes: 0, limits };
  const found = visitJson(value, 0, state);
  return found ? { path: found.path.reverse().join("."), message: found.message } : null;
}

type Found = { path: string[]; message: string };
const problemAt = (message: string): Found => ({ path: [], message });

/** The problem at `v` (its path filled in by the callers on the way back), or null. */
function visitJson(v: unknown, depth: number, state: { nodes: number; limits: JsonInputLimits }): Found | null {
  const { limits } = state;
  if (++state.nodes > limits.maxNodes) return problemAt("the input is too large");
  switch (typeof v) {
    case "string": {
      const problem = textProblem(v);
      return problem ? problemAt(problem) : null;
    }
    case "number":
      return Number.isFinite(v) ? null : problemAt("must be a finite number");
    case "boolean":
    case "undefined":
      return null;
    case "object": {
      if (v === null) return null;
      if (depth >= limits.maxDepth) return problemAt(`is nested too deeply (at most ${limits.maxDepth} levels)`);
      if (Array.isArray(v)) {
        if (state.nodes + v.length > limits.maxNodes) return problemAt("the input is too large");
        for (let i = 0; i < v.length; i++) {
          const found = visitJson(v[i], depth + 1, state);
          if (found) {
            found.path.push(String(i));
            return found;
          }
        }
        return null;
      }
      if (!isPlainObject(v)) return problemAt("is not a supported value");
      const keys = Object.keys(v);
      if (state.nodes + keys.length > limits.maxNodes) return problemAt("the input is too large");
      for (const key of keys) {
        const problem = textProblem(key);
        if (problem) return problemAt(`has a key that ${problem}`);
        const found = visitJson(v[key], depth + 1, state);
        if (found) {
          found.path.push(key);
          return found;
        }
      }
      return null;
    }
    default:
      return problemAt("is not a supported value");
  }
}

/** `issue` as one readable sentence: "metadata.a.b: must not contain NUL characters" (long paths cut). */
export function describeIssue(issue: ErrorIssue, subject = "The input"): string {
  const segments = issue.path ? issue.path.split(".") : [];
  const where = segments.length > 6 ? `${segments.slice(0, 5).join(".")}…` : segments.join(".");
  return where ? `${where}: ${issue.message}` : `${subject} ${issue.message}`;
}
