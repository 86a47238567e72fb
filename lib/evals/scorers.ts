import { Script, createContext } from "node:vm";
import { distance } from "fastest-levenshtein";
import { LRUCache } from "lru-cache";
import safeRegex from "safe-regex2";
import { canonicalJson } from "@/lib/canonical-json";
import { compileSchema } from "@/lib/claude/output";
import type { EvaluatorConfig, EvaluatorScore } from "./evaluator-config";

/**
 * The code scorers and the judge's answer parser: pure functions from one output (and the
 * item's expected value) to an `EvaluatorScore`. They never throw: a scorer that cannot score
 * (no expected value, an output too large to check, a value nested too deeply) answers
 * `{ score: null, pass: null, error }`, and an output that misses the expectation answers
 * `{ score: 0, pass: false, reason }`. Every text that goes into a score is NUL-free and bounded,
 * because scores are stored in a jsonb column (PostgreSQL refuses \u0000 in jsonb strings).
 */

export type CodeEvaluatorConfig = Exclude<EvaluatorConfig, { type: "llm_judge" }>;

export interface ScoreInput {
  output: string;
  /** The item's expected output: text, or any JSON value; null when the item has none. */
  expected: unknown;
  /** The version's JSON output schema (used by `json_schema` when its config has no schema). */
  outputSchema?: Record<string, unknown> | null;
}

/** The longest output the regex scorer runs on (a bound on the work one pattern can do). */
export const REGEX_INPUT_LIMIT = 200_000;
/** How long one regex match may run before it is abandoned (catastrophic backtracking). */
export const REGEX_TIMEOUT_MS = 250;
/** The longest text (each side) the similarity scorer compares: Levenshtein is O(n*m). */
export const SIMILARITY_INPUT_LIMIT = 20_000;
/** The longest reason or error text kept in a score. */
const REASON_LIMIT = 1_000;

/** A text safe for a jsonb string and short enough to show: NUL removed, cut with an ellipsis. */
export function cleanText(text: string, limit = REASON_LIMIT): string {
  const clean = text.replaceAll("\u0000", "");
  return clean.length > limit ? `${clean.slice(0, limit - 1)}…` : clean;
}

/** A value for a reason: JSON, cut short. */
function show(value: unknown, limit = 80): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  // JSON writes NUL as the escape \u0000: drop it as cleanText drops the raw character.
  return cleanText(text.replaceAll("\\u0000", ""), limit);
}

const passed = (reason?: string): EvaluatorScore => (reason ? { score: 1, pass: true, reason: cleanText(reason) } : { score: 1, pass: true });
const failed = (reason: string): EvaluatorScore => ({ score: 0, pass: false, reason: cleanText(reason) });
const unscored = (error: string): EvaluatorScore => ({ score: null, pass: null, error: cleanText(error) });

// ---------------------------------------------------------------- text helpers

/** The expected value as text (strings as they are, other JSON as JSON); null when absent. */
function expectedText(expected: unknown): string | null {
  if (expected === null || expected === undefined) return null;
  return typeof expected === "string" ? expected : JSON.stringify(expected);
}

export interface Normalization {
  trim: boolean;
  caseInsensitive: boolean;
  collapseWhitespace: boolean;
  stripPunctuation: boolean;
}

/**
 * Normalises a text for comparison. Always Unicode NFC first (a composed "é" and "e" + combining
 * accent are the same text); then the chosen options. Punctuation is Unicode category P (so "¿",
 * "«" and "。" count too); case folding is `toLowerCase` after NFC.
 */
export function normalizeText(text: string, options: Normalization): string {
  let out = text.normalize("NFC");
  if (options.stripPunctuation) out = out.replace(/\p{P}/gu, "");
  if (options.collapseWhitespace) out = out.replace(/\s+/gu, " ");
  if (options.trim) out = out.trim();
  if (options.caseInsensitive) out = out.toLowerCase();
  return out;
}

// ---------------------------------------------------------------- JSON helpers

type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * The output as JSON: the whole text (trimmed), or the body of a single ``` / ```json fence that
 * is the whole output. Prose around the JSON does not count: these scorers ask whether a program
 * could use the output as it is (a fence is the one wrapper models add that programs strip).
 */
export function parseOutputJson(text: string): Parsed {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, error: "the output is empty" };
  const fence = /^```(?:json)?[ \t]*\r?\n([\s\S]*?)\r?\n?```$/i.exec(trimmed);
  const candidate = fence?.[1] !== undefined ? fence[1].trim() : trimmed;
  try {
    return { ok: true, value: JSON.parse(candidate) as unknown };
  } catch (error) {
    return { ok: false, error: `the output is not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
}

/** The expected value as JSON: JSON values as they are, strings parsed as JSON when they are JSON. */
function expectedJson(expected: unknown): Parsed {
  if (expected === null || expected === undefined) return { ok: false, error: "the item has no expected output" };
  if (typeof expected !== "string") return { ok: true, value: expected };
  const parsed = parseOutputJson(expected);
  return parsed.ok ? parsed : { ok: false, error: "the item's expected output is not JSON" };
}

type PathStep = string | number;

/** `$.a.b[0]` -> ["a", "b", 0] (the syntax evaluatorConfigSchema accepts). */
export function parseJsonPath(path: string): PathStep[] | null {
  if (!path.startsWith("$")) return null;
  const steps: PathStep[] = [];
  const step = /\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]/y;
  step.lastIndex = 1;
  while (step.lastIndex < path.length) {
    const m = step.exec(path);
    if (!m) return null;
    steps.push(m[1] !== undefined ? m[1] : Number(m[2]));
  }
  return steps;
}

/** The value at a path, or `{ found: false }` when a step is missing. */
export function getJsonPath(value: unknown, path: string): { found: true; value: unknown } | { found: false } {
  const steps = parseJsonPath(path);
  if (!steps) return { found: false };
  let current: unknown = value;
  for (const s of steps) {
    if (typeof s === "number") {
      if (!Array.isArray(current) || s >= current.length) return { found: false };
      current = current[s];
    } else {
      if (current === null || typeof current !== "object" || Array.isArray(current) || !Object.hasOwn(current, s)) return { found: false };
      current = (current as Record<string, unknown>)[s];
    }
  }
  return { found: true, value: current };
}

/** JSON equality (object key order ignored). */
function jsonEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

// ---------------------------------------------------------------- regex

/*
 * Regex safety. JavaScript's engine backtracks, so a pattern such as (a+)+b can take exponential
 * time. Three guards: evaluatorConfigProblem refuses patterns safe-regex2 finds catastrophic
 * (star height > 1) before a run starts; the input is capped at REGEX_INPUT_LIMIT characters; and
 * each match runs in a node:vm context with a REGEX_TIMEOUT_MS timeout, which interrupts V8's
 * regex engine (this catches what the heuristic misses, e.g. (a|a)*b). The vm call costs about
 * 0.15 ms, small beside a model call.
 */
const regexContext = createContext({ pattern: /(?:)/, input: "" });
const regexTest = new Script("pattern.lastIndex = 0; pattern.test(input)");
const compiledRegex = new LRUCache<string, RegExp | Error>({ max: 200 });

function compileRegex(pattern: string, flags: string): RegExp | Error {
  const key = `${flags}/${pattern}`;
  let re = compiledRegex.get(key);
  if (!re) {
    try {
      re = new RegExp(pattern, flags);
    } catch (error) {
      re = error instanceof Error ? error : new Error(String(error));
    }
    compiledRegex.set(key, re);
  }
  return re;
}

function regexMatches(re: RegExp, input: string): boolean | "timeout" {
  regexContext.pattern = re;
  regexContext.input = input;
  try {
    return regexTest.runInContext(regexContext, { timeout: REGEX_TIMEOUT_MS }) === true;
  } catch (error) {
    // The vm's error comes from another realm: not `instanceof Error` here.
    if (/timed out/i.test(String((error as { message?: unknown } | null)?.message ?? error))) return "timeout";
    throw error;
  } finally {
    regexContext.input = "";
  }
}

// ---------------------------------------------------------------- numbers

const NUMBER_IN_TEXT = /[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|[-+−]?\.\d+(?:[eE][-+]?\d+)?/gu;

function toNumber(text: string): number | null {
  const n = Number(text.replace(/,/g, "").replace("−", "-"));
  return Number.isFinite(n) ? n : null;
}

/**
 * A number from a value: a JSON number, or a text that is one number (thousands separators and a
 * Unicode minus allowed), or a text with exactly one number in it ("The total is 42.").
 */
function numberFrom(value: unknown): { ok: true; value: number } | { ok: false; why: string } {
  if (typeof value === "number") return Number.isFinite(value) ? { ok: true, value } : { ok: false, why: "is not a finite number" };
  if (typeof value !== "string") return { ok: false, why: `is ${show(value)}, not a number` };
  const whole = value.trim();
  if (whole !== "" && /^[-+−]?[\d,.]+(?:[eE][-+]?\d+)?$/u.test(whole)) {
    const n = toNumber(whole);
    if (n !== null) return { ok: true, value: n };
  }
  const found = whole.slice(0, 100_000).match(NUMBER_IN_TEXT) ?? [];
  if (found.length === 0) return { ok: false, why: "has no number" };
  if (found.length > 1) return { ok: false, why: `has ${found.length} numbers (give a JSON path, or ask for the number alone)` };
  const n = toNumber(found[0]!);
  return n === null ? { ok: false, why: "has a number too large to compare" } : { ok: true, value: n };
}

// ---------------------------------------------------------------- the scorers

function scoreUnsafe(config: CodeEvaluatorConfig, input: ScoreInput): EvaluatorScore {
  const { output, expected } = input;
  switch (config.type) {
    case "exact_match": {
      if (expected === null || expected === undefined) return unscored("the item has no expected output");
      if (typeof expected !== "string") {
        // Expected JSON: equal as JSON (key order and spacing ignored).
        const parsed = parseOutputJson(output);
        if (parsed.ok && jsonEqual(parsed.value, expected)) return passed();
      }
      const want = normalizeText(expectedText(expected)!, config.normalize);
      const got = normalizeText(output, config.normalize);
      return got === want ? passed() : failed(`expected ${show(want)}, got ${show(got)}`);
    }
    case "contains": {
      const needle = config.value ?? expectedText(expected);
      if (needle === null || needle === "") return unscored("nothing to look for: set a value or give the item an expected output");
      const hay = config.caseInsensitive ? output.normalize("NFC").toLowerCase() : output.normalize("NFC");
      const want = config.caseInsensitive ? needle.normalize("NFC").toLowerCase() : needle.normalize("NFC");
      return hay.includes(want) ? passed() : failed(`the output does not contain ${show(needle)}`);
    }
    case "regex": {
      const re = compileRegex(config.pattern, config.flags);
      if (re instanceof Error) return unscored(`the pattern is not a valid regular expression: ${re.message}`);
      if (output.length > REGEX_INPUT_LIMIT) {
        return unscored(`the output has ${output.length} characters; the regex scorer checks at most ${REGEX_INPUT_LIMIT}`);
      }
      const matched = regexMatches(re, output);
      if (matched === "timeout") return unscored(`the pattern took longer than ${REGEX_TIMEOUT_MS} ms on this output (catastrophic backtracking)`);
      return matched ? passed() : failed(`the output does not match /${config.pattern}/${config.flags}`);
    }
    case "valid_json": {
      const parsed = parseOutputJson(output);
      return parsed.ok ? passed() : failed(parsed.error);
    }
    case "json_schema": {
      const schema = config.schema ?? input.outputSchema ?? null;
      if (!schema) return unscored("no schema: give the evaluator a schema or use a version with a JSON output schema");
      const validate = compileSchema(schema);
      if (validate instanceof Error) return unscored(`the schema is not a valid JSON Schema: ${validate.message}`);
      const parsed = parseOutputJson(output);
      if (!parsed.ok) return failed(parsed.error);
      if (validate(parsed.value)) return passed();
      const issues = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || "the document"} ${e.message ?? "is invalid"}`);
      return failed(`the JSON does not match the schema: ${issues.join("; ")}`);
    }
    case "json_field": {
      let want: unknown;
      if (config.value !== undefined) {
        want = config.value;
      } else {
        const exp = expectedJson(expected);
        if (!exp.ok) return unscored(exp.error);
        const at = getJsonPath(exp.value, config.path);
        if (!at.found) return unscored(`the item's expected output has no ${config.path}`);
        want = at.value;
      }
      const parsed = parseOutputJson(output);
      if (!parsed.ok) return failed(parsed.error);
      const got = getJsonPath(parsed.value, config.path);
      if (!got.found) return failed(`the output has no ${config.path}`);
      return jsonEqual(got.value, want) ? passed() : failed(`${config.path}: expected ${show(want)}, got ${show(got.value)}`);
    }
    case "numeric": {
      let wantRaw: unknown = expected;
      let gotRaw: unknown = output;
      if (expected === null || expected === undefined) return unscored("the item has no expected output");
      if (config.path) {
        const exp = expectedJson(expected);
        if (exp.ok) {
          const at = getJsonPath(exp.value, config.path);
          // An expected value that is a bare number applies to the output's field directly.
          if (at.found) wantRaw = at.value;
          else if (typeof exp.value !== "number") return unscored(`the item's expected output has no ${config.path}`);
          else wantRaw = exp.value;
        }
        const parsed = parseOutputJson(output);
        if (!parsed.ok) return failed(parsed.error);
        const at = getJsonPath(parsed.value, config.path);
        if (!at.found) return failed(`the output has no ${config.path}`);
        gotRaw = at.value;
      }
      const want = numberFrom(wantRaw);
      if (!want.ok) return unscored(`the expected value ${want.why}`);
      const got = numberFrom(gotRaw);
      if (!got.ok) return failed(`the output ${got.why}`);
      const diff = Math.abs(got.value - want.value);
      const allowed = config.relative ? config.tolerance * Math.abs(want.value) : config.tolerance;
      const within = diff <= allowed || got.value === want.value;
      const tol = config.relative ? `${config.tolerance * 100}%` : String(config.tolerance);
      return within ? passed() : failed(`expected ${want.value} ± ${tol}, got ${got.value}`);
    }
    case "similarity": {
      const want = expectedText(expected);
      if (want === null) return unscored("the item has no expected output");
      const a = output.normalize("NFC").trim();
      const b = want.normalize("NFC").trim();
      if (a.length > SIMILARITY_INPUT_LIMIT || b.length > SIMILARITY_INPUT_LIMIT) {
        return unscored(`similarity compares texts of at most ${SIMILARITY_INPUT_LIMIT} characters`);
      }
      const longest = Math.max(a.length, b.length);
      const score = longest === 0 ? 1 : 1 - distance(a, b) / longest;
      const rounded = Math.round(score * 10_000) / 10_000;
      return { score: rounded, pass: rounded >= config.threshold, reason: `similarity ${rounded.toFixed(3)} (threshold ${config.threshold})` };
    }
  }
}

/**
 * One code evaluator's verdict on one output. Never throws: a value nested too deeply for the
 * checks (a stack overflow) or any other failure gives `{ score: null, pass: null, error }`.
 */
export function scoreOutput(config: CodeEvaluatorConfig, input: ScoreInput): EvaluatorScore {
  try {
    return scoreUnsafe(config, input);
  } catch (error) {
    if (error instanceof RangeError) return unscored("the value is nested too deeply to check");
    return unscored(`the scorer failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

// ---------------------------------------------------------------- the judge

/**
 * The rubric prompt's variables for one output: `input` (the item's variables as JSON text),
 * `output`, and `expected` (text as it is, JSON as JSON, "" when absent). NUL characters are
 * removed (they cannot be logged).
 */
export function judgeVariables(input: { variables: Record<string, unknown>; output: string; expected: unknown }): Record<string, string> {
  const strip = (s: string) => s.replaceAll("\u0000", "");
  return {
    input: strip(JSON.stringify(input.variables, null, 2)),
    output: strip(input.output),
    expected: strip(expectedText(input.expected) ?? ""),
  };
}

/**
 * The judge's answer -> score. The answer must be a JSON object `{ "score": 0..1, "reason": "..." }`,
 * alone or in one ```json fence. Prose, a missing or non-numeric score, or a score outside [0, 1]
 * give `{ score: null, pass: null, error }` (the answer is quoted, cut short, in the error).
 * pass = score >= threshold.
 */
export function parseJudgeAnswer(text: string, threshold: number): EvaluatorScore {
  const parsed = parseOutputJson(text);
  const quote = show(text.trim(), 120);
  if (!parsed.ok) return unscored(`the judge did not answer JSON: ${quote}`);
  const answer = parsed.value;
  if (answer === null || typeof answer !== "object" || Array.isArray(answer)) return unscored(`the judge's answer is not a JSON object: ${quote}`);
  const { score, reason } = answer as { score?: unknown; reason?: unknown };
  if (typeof score !== "number" || !Number.isFinite(score)) return unscored(`the judge's answer has no numeric "score": ${quote}`);
  if (score < 0 || score > 1) return unscored(`the judge's score ${score} is outside 0..1`);
  const result: EvaluatorScore = { score, pass: score >= threshold };
  if (typeof reason === "string" && reason.trim() !== "") result.reason = cleanText(reason.trim(), 2_000);
  return result;
}

/** Mean of the non-null scores, and pass = every non-null pass (null when none). */
export function combineScores(scores: Record<string, EvaluatorScore>): { score: number | null; passed: boolean | null } {
  let sum = 0;
  let n = 0;
  let passes: boolean | null = null;
  for (const s of Object.values(scores)) {
    if (typeof s.score === "number" && Number.isFinite(s.score)) {
      sum += s.score;
      n += 1;
    }
    if (typeof s.pass === "boolean") passes = (passes ?? true) && s.pass;
  }
  return { score: n === 0 ? null : sum / n, passed: passes };
}

// ---------------------------------------------------------------- before a run

/**
 * What is wrong with an evaluator's config before a run starts (the engine answers 422 with it),
 * or null. Checks what zod cannot: the regex compiles with its flags and is not catastrophic
 * (safe-regex2: star height > 1), a json_schema's schema (its own, else the version's output
 * schema) exists and is a valid JSON Schema per the meta-schema. `ctx.outputSchema` is the
 * version's output schema (null when the version has none); `ctx.version` names it in messages.
 */
export function evaluatorConfigProblem(config: EvaluatorConfig, ctx: { outputSchema?: Record<string, unknown> | null; version?: string } = {}): string | null {
  const name = `evaluator "${config.id}"`;
  switch (config.type) {
    case "regex": {
      const re = compileRegex(config.pattern, config.flags);
      if (re instanceof Error) return `${name}: the pattern is not a valid regular expression: ${re.message}`;
      // safe-regex2's parser does not know lookbehind and calls what it cannot parse unsafe: read
      // a lookbehind as a plain group for this check (it does not change the star height).
      const analysed = compileRegex(config.pattern.replace(/\(\?<([=!])/g, "(?:"), config.flags);
      if (!(analysed instanceof Error ? true : safeRegex(analysed)))
        return `${name}: the pattern /${config.pattern}/ can take exponential time (a repeated group inside a repetition); rewrite it without nested quantifiers`;
      return null;
    }
    case "json_schema": {
      const schema = config.schema ?? ctx.outputSchema ?? null;
      if (!schema) {
        const of = ctx.version ? `version ${ctx.version}` : "the version";
        return `${name}: no schema to check against: ${of} has no JSON output schema; give the evaluator a schema`;
      }
      let validate: ReturnType<typeof compileSchema>;
      try {
        validate = compileSchema(schema);
      } catch (error) {
        return `${name}: the schema could not be read: ${error instanceof Error ? error.message : String(error)}`;
      }
      return validate instanceof Error ? `${name}: the schema is not a valid JSON Schema: ${validate.message}` : null;
    }
    case "json_field":
      return parseJsonPath(config.path) ? null : `${name}: the path ${config.path} is not of the form $.a.b[0]`;
    case "numeric":
      return config.path && !parseJsonPath(config.path) ? `${name}: the path ${config.path} is not of the form $.a.b[0]` : null;
    default:
      return null;
  }
}
