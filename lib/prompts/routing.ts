import safeRegex from "safe-regex2";
import { z } from "zod";
import { findModel, SEED_MODEL_CATALOG, type ModelSpec } from "@/lib/models/catalog";
import { BLOCK_OVERHEAD_TOKENS, estimateTokens, MESSAGE_OVERHEAD_TOKENS, TOOL_OVERHEAD_TOKENS } from "@/lib/models/tokens";
import { canonicalJson } from "@/lib/canonical-json";
import { DEFAULT_ROUTE, ROUTING_RULE_NAME_PATTERN } from "@/lib/models/routing-rule";

/**
 * Model routing by task complexity (part of a version: `modelConfig.routing`, the document's
 * top-level `routing`). Ordered rules over request signals — the rendered input's token count, a
 * variable's value, request metadata — each picking a catalog model; the first rule whose
 * conditions all hold decides, and a call no rule matches goes to the version's own model (the
 * default). Framework-free and importable by client components (zod and safe-regex2 only).
 *
 * Checks, in two layers like the rest of the version:
 * - shape (`makeRoutingSchema`, part of the model config schema): condition structure, operators,
 *   unique rule names, known models, valid and safe regular expressions;
 * - contract (`routingProblems`, run by `checkContract`): variables in the contract and of a
 *   testable type, values possible for enums and booleans, and rules that can never fire
 *   (contradictory conditions, or shadowed by earlier rules).
 */

export { DEFAULT_ROUTE, ROUTING_RULE_NAME_PATTERN } from "@/lib/models/routing-rule";
export const MAX_ROUTING_RULES = 50;
export const MAX_RULE_CONDITIONS = 10;
/** A `matches` condition tests at most this many characters of the value. */
export const ROUTING_MATCH_INPUT_LIMIT = 1_000;

export const TOKEN_OPS = ["<", "<=", ">", ">="] as const;
export const VALUE_OPS = ["equals", "in", "matches"] as const;
export type TokenOp = (typeof TOKEN_OPS)[number];
export type ValueOp = (typeof VALUE_OPS)[number];

const valueText = z.string().max(500, "at most 500 characters");
const valueField = z.union([valueText, z.array(valueText).min(1, "list at least one value").max(100, "at most 100 values")]);

const tokenConditionSchema = z.strictObject({
  signal: z.literal("input_tokens"),
  op: z.enum(TOKEN_OPS, { error: `op must be one of ${TOKEN_OPS.join(" ")}` }),
  value: z.number({ error: "value must be a number of tokens" }).int("value must be a whole number of tokens").min(0).max(10_000_000),
});
const variableConditionSchema = z.strictObject({
  signal: z.literal("variable"),
  name: z.string().min(1, "name the variable").max(64),
  op: z.enum(VALUE_OPS, { error: `op must be one of ${VALUE_OPS.join(", ")}` }),
  value: valueField,
});
const metadataConditionSchema = z.strictObject({
  signal: z.literal("metadata"),
  key: z.string().min(1, "name the metadata key").max(100),
  op: z.enum(VALUE_OPS, { error: `op must be one of ${VALUE_OPS.join(", ")}` }),
  value: valueField,
});

type ValueConditionShape = z.infer<typeof variableConditionSchema> | z.infer<typeof metadataConditionSchema>;
const checkValue = (c: ValueConditionShape, ctx: z.RefinementCtx): void => {
  for (const p of valueShapeProblems(c)) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
};
export const routingConditionSchema = z.discriminatedUnion(
  "signal",
  [tokenConditionSchema, variableConditionSchema.superRefine(checkValue), metadataConditionSchema.superRefine(checkValue)],
  { error: 'signal must be "input_tokens", "variable" or "metadata"' },
);
export type RoutingCondition = z.infer<typeof routingConditionSchema>;
export type ValueCondition = Extract<RoutingCondition, { signal: "variable" | "metadata" }>;

function makeRuleShape(catalog: readonly ModelSpec[]) {
  return {
    name: z
      .string()
      .regex(ROUTING_RULE_NAME_PATTERN, "rule names are 1-64 characters of a-z, 0-9, '_' and '-', starting with a letter or digit")
      .refine((n) => n !== DEFAULT_ROUTE, `"${DEFAULT_ROUTE}" is reserved for calls no rule matches`),
    when: z.array(routingConditionSchema).max(MAX_RULE_CONDITIONS, `at most ${MAX_RULE_CONDITIONS} conditions per rule`),
    model: z
      .string()
      .min(1, "pick a model")
      .refine((m) => findModel(m, catalog) !== undefined, { error: (issue) => `unknown model "${String(issue.input)}"` }),
  };
}
export const routingRuleSchema = z.strictObject(makeRuleShape(SEED_MODEL_CATALOG));
export type RoutingRule = z.infer<typeof routingRuleSchema>;

/** Why a `matches` pattern cannot be used, or null. */
export function patternProblem(pattern: string): string | null {
  let re: RegExp;
  try {
    re = new RegExp(pattern, "u");
  } catch (error) {
    return `not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`;
  }
  // safe-regex2 cannot parse lookbehind and calls it unsafe: read it as a plain group (same star height).
  let analysed: RegExp = re;
  try {
    analysed = new RegExp(pattern.replace(/\(\?<([=!])/g, "(?:"), "u");
  } catch {
    // keep the original
  }
  if (!safeRegex(analysed))
    return `the pattern /${pattern}/ can take exponential time (a repeated group inside a repetition); rewrite it without nested quantifiers`;
  return null;
}

/** Shape problems of one value condition's `value` for its op (equals/matches take one text, in a list). */
function valueShapeProblems(c: ValueConditionShape): { path: (string | number)[]; message: string }[] {
  if (c.op === "in") return Array.isArray(c.value) ? [] : [{ path: ["value"], message: 'op "in" takes a list of values' }];
  if (Array.isArray(c.value)) return [{ path: ["value"], message: `op "${c.op}" takes one value (use "in" for a list)` }];
  if (c.op === "matches") {
    const problem = patternProblem(c.value);
    return problem ? [{ path: ["value"], message: problem }] : [];
  }
  return [];
}

/**
 * `{ rules: [{ name, when: [conditions], model }] }`: conditions well formed, names unique (and
 * not "default"), every model in `catalog`, `matches` patterns valid and without nested
 * quantifiers. The contract checks (variables, rules that never fire) are `routingProblems`.
 */
export function makeRoutingSchema(catalog: readonly ModelSpec[] = SEED_MODEL_CATALOG) {
  return z
    .strictObject({
      rules: z.array(z.strictObject(makeRuleShape(catalog))).max(MAX_ROUTING_RULES, `at most ${MAX_ROUTING_RULES} rules`),
    })
    .superRefine((routing, ctx) => {
      const seen = new Map<string, number>();
      routing.rules.forEach((rule, i) => {
        const first = seen.get(rule.name);
        if (first !== undefined)
          ctx.addIssue({ code: "custom", path: ["rules", i, "name"], message: `rule name "${rule.name}" is already used by rule ${first + 1}` });
        else seen.set(rule.name, i);
      });
    });
}
export const routingSchema = makeRoutingSchema();
export type Routing = z.infer<typeof routingSchema>;

// ---------------------------------------------------------------------------------------------
// Evaluation

/** What a call is routed on. Variable values are the rendered strings (`resolveVariables`). */
export interface RoutingSignals {
  inputTokens: number;
  variables: Readonly<Record<string, string | undefined>>;
  metadata: Readonly<Record<string, unknown>>;
}

export interface RouteDecision {
  model: string;
  /** The rule that fired, or `DEFAULT_ROUTE` when none did. */
  rule: string;
  /** Index of the rule that fired; null for the default. */
  index: number | null;
}

/** Tests a pattern against a text; the server passes one with a time limit (lib/claude/routing-regex.ts). */
export type PatternTester = (pattern: string, text: string) => boolean;

const compiled = new Map<string, RegExp | null>();
/** Plain RegExp test (patterns are checked by `patternProblem`; invalid ones never match). */
export const plainPatternTest: PatternTester = (pattern, text) => {
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
  return re !== null && re.test(text);
};

/** A metadata value as the text conditions compare: strings as is, numbers/booleans as text, anything else as canonical JSON; absent = undefined. */
export function signalText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return canonicalJson(value);
}

function valueHolds(c: ValueCondition, text: string | undefined, test: PatternTester): boolean {
  if (text === undefined) return false;
  switch (c.op) {
    case "equals":
      return typeof c.value === "string" && text === c.value;
    case "in":
      return Array.isArray(c.value) && c.value.includes(text);
    case "matches":
      return typeof c.value === "string" && test(c.value, text.slice(0, ROUTING_MATCH_INPUT_LIMIT));
  }
}

function tokenHolds(op: TokenOp, value: number, tokens: number): boolean {
  switch (op) {
    case "<":
      return tokens < value;
    case "<=":
      return tokens <= value;
    case ">":
      return tokens > value;
    case ">=":
      return tokens >= value;
  }
}

/** Whether every condition of `rule` holds for `signals` (a rule without conditions matches every call). */
export function ruleMatches(rule: Pick<RoutingRule, "when">, signals: RoutingSignals, test: PatternTester = plainPatternTest): boolean {
  return rule.when.every((c) => {
    if (c.signal === "input_tokens") return tokenHolds(c.op, c.value, signals.inputTokens);
    if (c.signal === "variable") return valueHolds(c, Object.hasOwn(signals.variables, c.name) ? signals.variables[c.name] : undefined, test);
    return valueHolds(c, Object.hasOwn(signals.metadata, c.key) ? signalText(signals.metadata[c.key]) : undefined, test);
  });
}

/**
 * The model for one call: the first rule (in order) whose conditions all hold, else
 * `defaultModel` under the rule name `DEFAULT_ROUTE`. Pure and deterministic.
 */
export function evaluateRouting(
  routing: Pick<Routing, "rules">,
  signals: RoutingSignals,
  defaultModel: string,
  test: PatternTester = plainPatternTest,
): RouteDecision {
  for (let i = 0; i < routing.rules.length; i++) {
    const rule = routing.rules[i];
    if (rule && ruleMatches(rule, signals, test)) return { model: rule.model, rule: rule.name, index: i };
  }
  return { model: defaultModel, rule: DEFAULT_ROUTE, index: null };
}

/** A version routes when it has at least one rule. */
export function hasRouting(config: { routing?: { rules?: readonly unknown[] } | undefined }): boolean {
  return Array.isArray(config.routing?.rules) && config.routing.rules.length > 0;
}

/** The parts of a rendered Messages request the estimate reads. */
export interface RenderedForEstimate {
  system?: ReadonlyArray<{ text: string }>;
  messages: ReadonlyArray<{ content: string | ReadonlyArray<unknown> }>;
  tools?: ReadonlyArray<unknown>;
}

/**
 * The offline ESTIMATE of a rendered request's input tokens (lib/models/tokens.ts: the same
 * formula as the editor's figures): text blocks + per-block and per-message framing + tools as
 * canonical JSON. Routing uses it at run time (no extra API call on the request path).
 */
export function estimateRequestTokens(request: RenderedForEstimate): number {
  let total = 0;
  for (const b of request.system ?? []) total += estimateTokens(b.text) + BLOCK_OVERHEAD_TOKENS;
  for (const m of request.messages) {
    total += MESSAGE_OVERHEAD_TOKENS;
    if (typeof m.content === "string") total += estimateTokens(m.content) + BLOCK_OVERHEAD_TOKENS;
    else
      for (const b of m.content) {
        const text = b && typeof b === "object" && typeof (b as { text?: unknown }).text === "string" ? (b as { text: string }).text : canonicalJson(b);
        total += estimateTokens(text) + BLOCK_OVERHEAD_TOKENS;
      }
  }
  for (const t of request.tools ?? []) total += estimateTokens(canonicalJson(t)) + TOOL_OVERHEAD_TOKENS;
  return total;
}

// ---------------------------------------------------------------------------------------------
// Contract checks and rules that never fire

/** The variable contract as the routing check needs it (type and enum values). */
export type RoutingContract = Readonly<Record<string, { type: string; values?: readonly string[]; required?: boolean; default?: unknown }>>;

export interface RoutingProblem {
  /** Path under the routing object, e.g. `rules.1.when.0.name` (callers prefix `modelConfig.routing.`). */
  path: string;
  message: string;
  code: "unknown_variable" | "untestable_variable" | "impossible_value" | "never_fires";
}

const INF = Number.POSITIVE_INFINITY;

/** The set of calls one rule matches, per signal (null `allowed` = any value; `patterns` all must match). */
interface ValueSpace {
  allowed: Set<string> | null;
  patterns: string[];
}
interface RuleSpace {
  lo: number;
  hi: number;
  values: Map<string, ValueSpace>;
}

const keyOf = (c: ValueCondition): string => (c.signal === "variable" ? `v:${c.name}` : `m:${c.key}`);

function domainOf(key: string, contract: RoutingContract): Set<string> | null {
  if (!key.startsWith("v:")) return null;
  const def = contract[key.slice(2)];
  if (!def) return null;
  // An optional variable without a default that is not sent renders as "".
  const unset = !def.required && def.default === undefined ? [""] : [];
  if (def.type === "enum" && def.values) return new Set([...def.values, ...unset]);
  if (def.type === "boolean") return new Set(["true", "false", ...unset]);
  return null;
}

function ruleSpace(rule: RoutingRule): RuleSpace {
  const space: RuleSpace = { lo: 0, hi: INF, values: new Map() };
  for (const c of rule.when) {
    if (c.signal === "input_tokens") {
      if (c.op === "<") space.hi = Math.min(space.hi, c.value - 1);
      else if (c.op === "<=") space.hi = Math.min(space.hi, c.value);
      else if (c.op === ">") space.lo = Math.max(space.lo, c.value + 1);
      else space.lo = Math.max(space.lo, c.value);
      continue;
    }
    const key = keyOf(c);
    const v = space.values.get(key) ?? { allowed: null, patterns: [] };
    if (c.op === "matches" && typeof c.value === "string") v.patterns.push(c.value);
    else {
      const set = new Set(typeof c.value === "string" ? [c.value] : c.value);
      v.allowed = v.allowed === null ? set : new Set([...v.allowed].filter((x) => set.has(x)));
    }
    space.values.set(key, v);
  }
  return space;
}

/** The finite set of values a constraint admits (within the signal's domain), or null when unbounded. */
function finiteValues(v: ValueSpace, domain: Set<string> | null, test: PatternTester): Set<string> | null {
  let base = v.allowed;
  if (domain) base = base === null ? new Set(domain) : new Set([...base].filter((x) => domain.has(x)));
  if (base === null) return null;
  return new Set([...base].filter((x) => v.patterns.every((p) => test(p, x))));
}

/** True when `a`'s constraint on a key admits every value `b`'s admits. */
function valueCovers(a: ValueSpace | undefined, b: ValueSpace | undefined, domain: Set<string> | null, test: PatternTester): boolean {
  if (!a || (a.allowed === null && a.patterns.length === 0)) return true;
  const bValues = finiteValues(b ?? { allowed: null, patterns: [] }, domain, test);
  if (bValues) return [...bValues].every((x) => (a.allowed === null || a.allowed.has(x)) && a.patterns.every((p) => test(p, x)));
  // b admits unboundedly many values: only the same patterns (and no value list) are known to cover them.
  return a.allowed === null && a.patterns.every((p) => (b?.patterns ?? []).includes(p));
}

/** True when every call `b` matches, `a` matches too, ignoring the token range. */
function coversOutsideTokens(a: RuleSpace, b: RuleSpace, contract: RoutingContract, test: PatternTester): boolean {
  for (const [key, va] of a.values) if (!valueCovers(va, b.values.get(key), domainOf(key, contract), test)) return false;
  return true;
}

/** Whether the union of integer ranges covers [lo, hi]. */
function rangesCover(ranges: Array<[number, number]>, lo: number, hi: number): boolean {
  let reach = lo;
  for (const [a, b] of [...ranges].sort((x, y) => x[0] - y[0])) {
    if (a > reach) break;
    if (b >= reach) reach = b === INF ? INF : b + 1;
    if (reach === INF || reach > hi) return true;
  }
  return false;
}

const describeRule = (rule: RoutingRule, i: number) => `rule ${i + 1} "${rule.name}"`;
const describeRange = (lo: number, hi: number) => (hi === INF ? `>= ${lo}` : `${lo}..${hi}`);

/** Why a rule's own conditions can never all hold, or null. */
function contradiction(rule: RoutingRule, space: RuleSpace, contract: RoutingContract, test: PatternTester): string | null {
  if (space.lo > space.hi) {
    const parts = rule.when.filter((c) => c.signal === "input_tokens").map((c) => `${c.op} ${c.value}`);
    return `input_tokens ${parts.join(" and ")} cannot all hold`;
  }
  for (const [key, v] of space.values) {
    const values = finiteValues(v, domainOf(key, contract), test);
    if (values && values.size === 0) {
      const what = key.startsWith("v:") ? `variable "${key.slice(2)}"` : `metadata "${key.slice(2)}"`;
      return `no value of ${what} satisfies all of its conditions`;
    }
  }
  return null;
}

/**
 * Problems of a version's routing against its variables contract (paths under the routing
 * object): an unknown variable, a chat-history or JSON variable (not testable), an enum or
 * boolean value the variable can never take, and rules that never fire — contradictory
 * conditions, or every call they match already taken by an earlier rule (one broader rule, or
 * earlier rules whose token ranges together cover this one's). The shadow check is exact for one
 * earlier rule and for token ranges; for patterns over open-ended values it only reports what it
 * can prove, so a rule it lets through may still be unreachable, never the reverse.
 */
export function routingProblems(routing: Pick<Routing, "rules">, contract: RoutingContract, test: PatternTester = plainPatternTest): RoutingProblem[] {
  const problems: RoutingProblem[] = [];
  const broken = new Set<number>();
  routing.rules.forEach((rule, i) => {
    rule.when.forEach((c, j) => {
      if (c.signal !== "variable") return;
      const def = contract[c.name];
      const at = `rules.${i}.when.${j}`;
      if (!def) {
        problems.push({
          path: `${at}.name`,
          code: "unknown_variable",
          message: `${describeRule(rule, i)}: variable "${c.name}" is not in the variables contract`,
        });
        broken.add(i);
        return;
      }
      if (def.type === "messages" || def.type === "json") {
        problems.push({
          path: `${at}.name`,
          code: "untestable_variable",
          message: `${describeRule(rule, i)}: variable "${c.name}" is ${def.type === "messages" ? "a chat history" : "JSON"}; route on a string, enum, number or boolean variable, or on input_tokens`,
        });
        broken.add(i);
        return;
      }
      const domain = domainOf(`v:${c.name}`, contract);
      if (domain && c.op !== "matches") {
        const given = typeof c.value === "string" ? [c.value] : c.value;
        const impossible = given.filter((x) => !domain.has(x));
        if (impossible.length > 0) {
          problems.push({
            path: `${at}.value`,
            code: "impossible_value",
            message: `${describeRule(rule, i)}: "${c.name}" is never ${impossible.map((x) => `"${x}"`).join(", ")} (its values: ${[...domain].join(", ")})`,
          });
        }
      }
      if (def.type === "number" && c.op !== "matches") {
        const given = typeof c.value === "string" ? [c.value] : c.value;
        const bad = given.filter((x) => x.trim() === "" || !Number.isFinite(Number(x)) || String(Number(x)) !== x);
        if (bad.length > 0) {
          problems.push({
            path: `${at}.value`,
            code: "impossible_value",
            message: `${describeRule(rule, i)}: "${c.name}" is a number, rendered as e.g. "3" or "2.5"; ${bad.map((x) => `"${x}"`).join(", ")} never matches`,
          });
        }
      }
    });
  });

  const spaces = routing.rules.map(ruleSpace);
  routing.rules.forEach((rule, i) => {
    if (broken.has(i)) return;
    const space = spaces[i];
    if (!space) return;
    const why = contradiction(rule, space, contract, test);
    if (why) {
      problems.push({ path: `rules.${i}.when`, code: "never_fires", message: `${describeRule(rule, i)} never fires: ${why}` });
      return;
    }
    const covering: number[] = [];
    for (let k = 0; k < i; k++) {
      const earlier = spaces[k];
      const earlierRule = routing.rules[k];
      if (!earlier || !earlierRule || broken.has(k) || !coversOutsideTokens(earlier, space, contract, test)) continue;
      if (earlier.lo <= space.lo && earlier.hi >= space.hi) {
        const broader = earlierRule.when.length === 0 ? "matches every call (it has no conditions)" : "matches every call this rule would";
        problems.push({
          path: `rules.${i}`,
          code: "never_fires",
          message: `${describeRule(rule, i)} never fires: ${describeRule(earlierRule, k)} before it ${broader}`,
        });
        return;
      }
      covering.push(k);
    }
    if (covering.length > 1) {
      const ranges = covering.map((k): [number, number] => [spaces[k]?.lo ?? 0, spaces[k]?.hi ?? -1]);
      if (rangesCover(ranges, space.lo, space.hi)) {
        const names = covering.map((k) => describeRule(routing.rules[k] as RoutingRule, k)).join(", ");
        problems.push({
          path: `rules.${i}`,
          code: "never_fires",
          message: `${describeRule(rule, i)} never fires: ${names} before it together match every input_tokens value it covers (${describeRange(space.lo, space.hi)})`,
        });
      }
    }
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Diff and semver

export type RoutingChange =
  | { type: "added"; name: string; index: number; after: RoutingRule }
  | { type: "removed"; name: string; index: number; before: RoutingRule }
  | { type: "changed"; name: string; index: number; before: RoutingRule; after: RoutingRule; fields: Array<"when" | "model"> }
  | { type: "moved"; name: string; from: number; to: number };

/**
 * Rule-by-rule changes between two routings, matched by rule name: added, removed, changed
 * (conditions or model), moved (the order of the rules both have changed). Empty when equal.
 */
export function diffRouting(a: Pick<Routing, "rules"> | undefined, b: Pick<Routing, "rules"> | undefined): RoutingChange[] {
  const before = a?.rules ?? [];
  const after = b?.rules ?? [];
  const out: RoutingChange[] = [];
  const beforeIdx = new Map(before.map((r, i) => [r.name, i]));
  const afterIdx = new Map(after.map((r, i) => [r.name, i]));
  before.forEach((r, i) => {
    if (!afterIdx.has(r.name)) out.push({ type: "removed", name: r.name, index: i, before: r });
  });
  after.forEach((r, i) => {
    const j = beforeIdx.get(r.name);
    const old = j === undefined ? undefined : before[j];
    if (!old) {
      out.push({ type: "added", name: r.name, index: i, after: r });
      return;
    }
    const fields: Array<"when" | "model"> = [];
    if (canonicalJson(old.when) !== canonicalJson(r.when)) fields.push("when");
    if (old.model !== r.model) fields.push("model");
    if (fields.length > 0) out.push({ type: "changed", name: r.name, index: i, before: old, after: r, fields });
  });
  const kept = (list: readonly RoutingRule[]) => list.map((r) => r.name).filter((n) => beforeIdx.has(n) && afterIdx.has(n));
  const orderBefore = kept(before);
  const orderAfter = kept(after);
  orderAfter.forEach((name, k) => {
    if (orderBefore[k] !== name) out.push({ type: "moved", name, from: beforeIdx.get(name) ?? 0, to: afterIdx.get(name) ?? 0 });
  });
  return out;
}

/** One line per routing change for the bump reasons (every routing change is MINOR: callers' requests stay valid, the model answering them changes). */
export function describeRoutingChange(c: RoutingChange): string {
  switch (c.type) {
    case "added":
      return `routing rule "${c.name}" added (-> ${c.after.model})`;
    case "removed":
      return `routing rule "${c.name}" removed`;
    case "changed":
      return `routing rule "${c.name}" ${c.fields.includes("model") ? `now routes to ${c.after.model}` : "changed its conditions"}${c.fields.length === 2 ? " and its conditions" : ""}`;
    case "moved":
      return `routing rule "${c.name}" moved from position ${c.from + 1} to ${c.to + 1}`;
  }
}

/** A condition as people read it: `input_tokens <= 2000`, `task_type in (a, b)`, `metadata.tier equals "pro"`. */
export function describeCondition(c: RoutingCondition): string {
  if (c.signal === "input_tokens") return `input_tokens ${c.op} ${c.value}`;
  const subject = c.signal === "variable" ? c.name : `metadata.${c.key}`;
  if (c.op === "in") return `${subject} in (${(Array.isArray(c.value) ? c.value : [c.value]).join(", ")})`;
  if (c.op === "matches") return `${subject} matches /${String(c.value)}/`;
  return `${subject} equals "${String(c.value)}"`;
}
