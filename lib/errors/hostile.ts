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

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** C0 controls and DEL: never part of a name, id or query value. */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Why `text` cannot be stored (NUL, unpaired surrogate), or null. */
export function textProblem(text: string): string | null {
  if (text.includes("\u0000")) return "must not contain NUL characters";
  if (LONE_SURROGATE.test(text)) return "is not valid Unicode text (unpaired surrogate)";
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

/**
 * The first problem of `value` as input that is stored or sent on (path + message), or null:
 * values that are not JSON-like (Dates, Maps, files, bigints, NaN/Infinity, class instances),
 * text or keys with NUL characters or unpaired surrogates, nesting deeper than `maxDepth`, more
 * than `maxNodes` values. Iterative, so deep input cannot overflow the stack.
 */
export function inspectJsonInput(value: unknown, limits: JsonInputLimits): ErrorIssue | null {
  const stack: Array<{ value: unknown; path: string[] }> = [{ value, path: [] }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    const at = (message: string): ErrorIssue => ({ path: path.join("."), message });
    if (++nodes > limits.maxNodes) return at("the input is too large");
    switch (typeof v) {
      case "string": {
        const problem = textProblem(v);
        if (problem) return at(problem);
        break;
      }
      case "number":
        if (!Number.isFinite(v)) return at("must be a finite number");
        break;
      case "boolean":
      case "undefined":
        break;
      case "object": {
        if (v === null) break;
        if (path.length >= limits.maxDepth) return at(`is nested too deeply (at most ${limits.maxDepth} levels)`);
        if (Array.isArray(v)) {
          if (nodes + v.length > limits.maxNodes) return at("the input is too large");
          for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...path, String(i)] });
          break;
        }
        if (!isPlainObject(v)) return at("is not a supported value");
        const keys = Object.keys(v);
        if (nodes + keys.length > limits.maxNodes) return at("the input is too large");
        for (const key of keys) {
          const problem = textProblem(key);
          if (problem) return at(`has a key that ${problem}`);
          stack.push({ value: v[key], path: [...path, key] });
        }
        break;
      }
      default:
        return at("is not a supported value");
    }
  }
  return null;
}

/** `issue` as one readable sentence: "metadata.a.b: must not contain NUL characters" (long paths cut). */
export function describeIssue(issue: ErrorIssue, subject = "The input"): string {
  const segments = issue.path ? issue.path.split(".") : [];
  const where = segments.length > 6 ? `${segments.slice(0, 5).join(".")}…` : segments.join(".");
  return where ? `${where}: ${issue.message}` : `${subject} ${issue.message}`;
}
