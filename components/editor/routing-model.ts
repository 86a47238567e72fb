import type { Routing, RoutingCondition } from "@/lib/prompts/routing";

// Not editor-model's newId: editor-model imports this file (no cycle).
let counter = 0;
const newId = (prefix: string): string => `${prefix}-routing-${++counter}-${Math.random().toString(36).slice(2, 7)}`;

/**
 * The Routing section's working copy (form-friendly: ids for React keys, values as typed text)
 * and its conversion to and from the stored `modelConfig.routing`. Pure; every rule about what
 * routing may contain lives in lib/prompts/routing.ts.
 */
export type RoutingSignal = RoutingCondition["signal"];

export interface ConditionState {
  id: string;
  signal: RoutingSignal;
  /** The variable name or metadata key (unused for input_tokens). */
  subject: string;
  op: string;
  /** A number for input_tokens, a comma-separated list for "in", else the text or pattern. */
  valueText: string;
}

export interface RuleState {
  id: string;
  name: string;
  model: string;
  conditions: ConditionState[];
}

/** The section's state from stored routing (missing or malformed parts become empty). */
export function rulesFromRouting(routing: Routing | undefined): RuleState[] {
  return (Array.isArray(routing?.rules) ? routing.rules : []).map((r) => ({
    id: newId("r"),
    name: r.name,
    model: r.model,
    conditions: (Array.isArray(r.when) ? r.when : []).map((c) => ({
      id: newId("c"),
      signal: c.signal,
      subject: c.signal === "variable" ? c.name : c.signal === "metadata" ? c.key : "",
      op: c.op,
      valueText: Array.isArray(c.value) ? c.value.join(", ") : String(c.value),
    })),
  }));
}

function conditionOf(c: ConditionState): unknown {
  if (c.signal === "input_tokens") {
    const n = Number(c.valueText);
    // Not a whole number: sent as typed, so the schema names the problem at this condition.
    return { signal: c.signal, op: c.op, value: c.valueText.trim() !== "" && Number.isInteger(n) ? n : c.valueText };
  }
  const value =
    c.op === "in"
      ? c.valueText
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean)
      : c.valueText;
  return c.signal === "variable" ? { signal: c.signal, name: c.subject, op: c.op, value } : { signal: c.signal, key: c.subject, op: c.op, value };
}

/** The stored routing for the section's rules; undefined when there are none (no routing). */
export function routingFromRules(rules: readonly RuleState[]): Routing | undefined {
  if (rules.length === 0) return undefined;
  return { rules: rules.map((r) => ({ name: r.name, model: r.model, when: r.conditions.map(conditionOf) })) } as Routing;
}

/** Operators per signal, first = the default for a new condition. */
export const OPS: Record<RoutingSignal, readonly string[]> = {
  input_tokens: ["<=", "<", ">", ">="],
  variable: ["equals", "in", "matches"],
  metadata: ["equals", "in", "matches"],
};

export function newCondition(signal: RoutingSignal, firstVariable = ""): ConditionState {
  return {
    id: newId("c"),
    signal,
    subject: signal === "variable" ? firstVariable : "",
    op: OPS[signal][0] ?? "equals",
    valueText: signal === "input_tokens" ? "2000" : "",
  };
}

/** A fresh rule named `rule-N` (the first free N), routed to `model`, with no conditions. */
export function newRule(rules: readonly RuleState[], model: string): RuleState {
  let n = rules.length + 1;
  while (rules.some((r) => r.name === `rule-${n}`)) n++;
  return { id: newId("r"), name: `rule-${n}`, model, conditions: [] };
}

/** The rules with the one at `from` moved to `to` (out of range: unchanged). */
export function moveRule(rules: readonly RuleState[], from: number, to: number): RuleState[] {
  if (from === to || from < 0 || to < 0 || from >= rules.length || to >= rules.length) return [...rules];
  const next = [...rules];
  const [rule] = next.splice(from, 1);
  if (rule) next.splice(to, 0, rule);
  return next;
}
