import { describe, expect, it } from "vitest";
import { checkContract, validateVersionContent } from "@/lib/prompts/contract";
import { diffVersions } from "@/lib/prompts/diff";
import { fromVersionDocument, toVersionDocument } from "@/lib/prompts/document";
import { supportAssistantContent as base } from "@/lib/prompts/fixtures/support-assistant";
import {
  DEFAULT_ROUTE,
  diffRouting,
  estimateRequestTokens,
  evaluateRouting,
  patternProblem,
  routingProblems,
  routingSchema,
  type Routing,
  type RoutingContract,
  type RoutingRule,
} from "@/lib/prompts/routing";
import { versionContentIssues, type PromptVersionContent } from "@/lib/prompts/schemas";
import { proposeBump } from "@/lib/prompts/versioning";
import { isAppError } from "@/lib/errors";

const contract: RoutingContract = {
  task: { type: "enum", values: ["classify", "write", "reason"], required: true },
  tier: { type: "string", required: false },
  urgent: { type: "boolean", required: true },
  count: { type: "number", required: false },
  history: { type: "messages", required: false },
};

const rule = (name: string, when: RoutingRule["when"], model = "claude-haiku-5-5"): RoutingRule => ({ name, when, model });
const demo: Routing = {
  rules: [
    rule("simple-classification", [{ signal: "variable", name: "task", op: "equals", value: "classify" }], "claude-haiku-5-5"),
    rule("complex-reasoning", [{ signal: "variable", name: "task", op: "equals", value: "reason" }], "claude-opus-5-5"),
    rule("long-input", [{ signal: "input_tokens", op: ">", value: 8000 }], "claude-opus-5-5"),
  ],
};
const signals = (variables: Record<string, string>, inputTokens = 100, metadata: Record<string, unknown> = {}) => ({ variables, inputTokens, metadata });

describe("evaluateRouting", () => {
  it("takes the first rule whose conditions all hold, else the default", () => {
    expect(evaluateRouting(demo, signals({ task: "classify" }), "claude-sonnet-5-5")).toEqual({
      model: "claude-haiku-5-5",
      rule: "simple-classification",
      index: 0,
    });
    expect(evaluateRouting(demo, signals({ task: "reason" }, 20_000), "claude-sonnet-5-5")).toMatchObject({ rule: "complex-reasoning", index: 1 });
    expect(evaluateRouting(demo, signals({ task: "write" }, 8001), "claude-sonnet-5-5")).toMatchObject({ rule: "long-input", model: "claude-opus-5-5" });
    expect(evaluateRouting(demo, signals({ task: "write" }, 8000), "claude-sonnet-5-5")).toEqual({
      model: "claude-sonnet-5-5",
      rule: DEFAULT_ROUTE,
      index: null,
    });
  });

  it("compares input tokens with each operator at the boundary", () => {
    const at = (op: "<" | "<=" | ">" | ">=", tokens: number) =>
      evaluateRouting({ rules: [rule("r", [{ signal: "input_tokens", op, value: 100 }])] }, signals({}, tokens), "d").rule;
    expect([at("<", 99), at("<", 100), at("<=", 100), at("<=", 101), at(">", 101), at(">", 100), at(">=", 100), at(">=", 99)]).toEqual([
      "r",
      "default",
      "r",
      "default",
      "r",
      "default",
      "r",
      "default",
    ]);
  });

  it("tests variables and metadata with equals, in and matches; an absent key never matches", () => {
    const routing: Routing = {
      rules: [
        rule("pro", [
          { signal: "metadata", key: "tier", op: "in", value: ["pro", "enterprise"] },
          { signal: "variable", name: "tier", op: "matches", value: "^acme-" },
        ]),
        rule("flag", [{ signal: "metadata", key: "beta", op: "equals", value: "true" }]),
      ],
    };
    expect(evaluateRouting(routing, signals({ tier: "acme-eu" }, 1, { tier: "pro" }), "d").rule).toBe("pro");
    expect(evaluateRouting(routing, signals({ tier: "other" }, 1, { tier: "pro" }), "d").rule).toBe("default");
    expect(evaluateRouting(routing, signals({ tier: "acme-eu" }, 1, {}), "d").rule).toBe("default");
    // Metadata values are compared as text: a boolean true equals "true".
    expect(evaluateRouting(routing, signals({}, 1, { beta: true }), "d").rule).toBe("flag");
    // Prototype keys are not metadata.
    expect(evaluateRouting({ rules: [rule("p", [{ signal: "metadata", key: "toString", op: "matches", value: "." }])] }, signals({}, 1, {}), "d").rule).toBe(
      "default",
    );
  });

  it("a rule without conditions matches every call", () => {
    expect(evaluateRouting({ rules: [rule("all", [], "claude-opus-5-5")] }, signals({}), "d")).toMatchObject({ rule: "all", model: "claude-opus-5-5" });
  });
});

describe("routingSchema (shape)", () => {
  const issues = (routing: unknown) => versionContentIssues({ ...base, modelConfig: { ...base.modelConfig, routing } }).map((i) => `${i.path}: ${i.message}`);

  it("accepts the demo rules", () => {
    expect(routingSchema.safeParse(demo).success).toBe(true);
    expect(issues(demo)).toEqual([]);
  });

  it("names unknown models, malformed conditions, duplicate or reserved names and bad patterns by path", () => {
    const found = issues({
      rules: [
        { name: "a", when: [{ signal: "input_tokens", op: "=<", value: 10 }], model: "claude-nope" },
        { name: "a", when: [{ signal: "tokens", op: "<", value: 1 }], model: "claude-haiku-5-5" },
        { name: "default", when: [], model: "claude-haiku-5-5" },
        { name: "b", when: [{ signal: "variable", name: "task", op: "in", value: "classify" }], model: "claude-haiku-5-5" },
        { name: "c", when: [{ signal: "variable", name: "task", op: "matches", value: "(a+" }], model: "claude-haiku-5-5" },
        { name: "d", when: [{ signal: "variable", name: "task", op: "matches", value: "(a+)+$" }], model: "claude-haiku-5-5" },
        { name: "e", when: [{ signal: "input_tokens", op: "<", value: 1.5 }], model: "claude-haiku-5-5", extra: 1 },
      ],
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^modelConfig\.routing\.rules\.0\.when\.0\.op: op must be one of < <= > >=/),
        'modelConfig.routing.rules.0.model: unknown model "claude-nope"',
        expect.stringMatching(/^modelConfig\.routing\.rules\.1\.when\.0(\.signal)?: signal must be/),
        expect.stringMatching(/^modelConfig\.routing\.rules\.2\.name: "default" is reserved/),
        'modelConfig.routing.rules.3.when.0.value: op "in" takes a list of values',
        expect.stringMatching(/^modelConfig\.routing\.rules\.4\.when\.0\.value: not a valid regular expression/),
        expect.stringMatching(/^modelConfig\.routing\.rules\.5\.when\.0\.value: the pattern \/\(a\+\)\+\$\/ can take exponential time/),
        expect.stringMatching(/^modelConfig\.routing\.rules\.6\.when\.0\.value: value must be a whole number/),
        expect.stringMatching(/^modelConfig\.routing\.rules\.6(\.extra)?: /),
      ]),
    );
  });

  it("names a duplicate rule name (once the rules parse)", () => {
    expect(issues({ rules: [rule("a", []), rule("a", [{ signal: "input_tokens", op: "<", value: 5 }])] })).toEqual([
      'modelConfig.routing.rules.1.name: rule name "a" is already used by rule 1',
    ]);
  });

  it("patternProblem allows lookbehind and plain patterns", () => {
    expect(patternProblem("(?<=x)y")).toBeNull();
    expect(patternProblem("^(classify|tag)$")).toBeNull();
  });
});

describe("routingProblems (contract and rules that never fire)", () => {
  const problems = (rules: RoutingRule[]) => routingProblems({ rules }, contract).map((p) => `${p.path}: ${p.message}`);

  it("reports unknown and untestable variables and impossible values", () => {
    expect(
      problems([
        rule("a", [{ signal: "variable", name: "nope", op: "equals", value: "x" }]),
        rule("b", [{ signal: "variable", name: "history", op: "equals", value: "x" }]),
        rule("c", [{ signal: "variable", name: "task", op: "in", value: ["classify", "summarise"] }]),
        rule("d", [{ signal: "variable", name: "urgent", op: "equals", value: "yes" }]),
        rule("e", [{ signal: "variable", name: "count", op: "equals", value: "03" }]),
      ]),
    ).toEqual([
      'rules.0.when.0.name: rule 1 "a": variable "nope" is not in the variables contract',
      'rules.1.when.0.name: rule 2 "b": variable "history" is a chat history; route on a string, enum, number or boolean variable, or on input_tokens',
      'rules.2.when.0.value: rule 3 "c": "task" is never "summarise" (its values: classify, write, reason)',
      'rules.3.when.0.value: rule 4 "d": "urgent" is never "yes" (its values: true, false)',
      'rules.4.when.0.value: rule 5 "e": "count" is a number, rendered as e.g. "3" or "2.5"; "03" never matches',
      // Rules 4 and 5 can never hold either: their only values are impossible.
      'rules.3.when: rule 4 "d" never fires: no value of variable "urgent" satisfies all of its conditions',
    ]);
  });

  it("finds contradictory conditions", () => {
    expect(
      problems([
        rule("range", [
          { signal: "input_tokens", op: "<", value: 100 },
          { signal: "input_tokens", op: ">", value: 500 },
        ]),
        rule("both", [
          { signal: "variable", name: "tier", op: "equals", value: "a" },
          { signal: "variable", name: "tier", op: "equals", value: "b" },
        ]),
        rule("pattern", [
          { signal: "variable", name: "task", op: "in", value: ["write", "reason"] },
          { signal: "variable", name: "task", op: "matches", value: "^c" },
        ]),
      ]),
    ).toEqual([
      'rules.0.when: rule 1 "range" never fires: input_tokens < 100 and > 500 cannot all hold',
      'rules.1.when: rule 2 "both" never fires: no value of variable "tier" satisfies all of its conditions',
      'rules.2.when: rule 3 "pattern" never fires: no value of variable "task" satisfies all of its conditions',
    ]);
  });

  it("finds rules shadowed by an earlier unconditional or broader rule", () => {
    expect(problems([rule("all", []), rule("later", [{ signal: "input_tokens", op: ">", value: 10 }])])).toEqual([
      'rules.1: rule 2 "later" never fires: rule 1 "all" before it matches every call (it has no conditions)',
    ]);
    expect(
      problems([
        rule("small", [{ signal: "input_tokens", op: "<=", value: 2000 }]),
        rule("tiny-classify", [
          { signal: "input_tokens", op: "<", value: 500 },
          { signal: "variable", name: "task", op: "equals", value: "classify" },
        ]),
      ]),
    ).toEqual(['rules.1: rule 2 "tiny-classify" never fires: rule 1 "small" before it matches every call this rule would']);
    // Every enum value listed is as broad as no condition (task is required, so it is never unset).
    expect(
      problems([
        rule("any-task", [{ signal: "variable", name: "task", op: "in", value: ["classify", "write", "reason"] }]),
        rule("write", [], "claude-opus-5-5"),
      ]),
    ).toEqual(['rules.1: rule 2 "write" never fires: rule 1 "any-task" before it matches every call this rule would']);
  });

  it("finds a rule covered by earlier token ranges together", () => {
    expect(
      problems([
        rule("short", [{ signal: "input_tokens", op: "<", value: 1000 }]),
        rule("long", [{ signal: "input_tokens", op: ">=", value: 1000 }], "claude-opus-5-5"),
        rule("pro", [{ signal: "metadata", key: "tier", op: "equals", value: "pro" }]),
      ]),
    ).toEqual(['rules.2: rule 3 "pro" never fires: rule 1 "short", rule 2 "long" before it together match every input_tokens value it covers (>= 0)']);
  });

  it("lets reachable rules through (narrower first, optional enum unset, open-ended patterns)", () => {
    expect(
      problems([
        rule("tiny-classify", [
          { signal: "input_tokens", op: "<", value: 500 },
          { signal: "variable", name: "task", op: "equals", value: "classify" },
        ]),
        rule("small", [{ signal: "input_tokens", op: "<=", value: 2000 }]),
        rule("acme", [{ signal: "variable", name: "tier", op: "matches", value: "^acme" }]),
        rule("acme-eu", [{ signal: "variable", name: "tier", op: "matches", value: "eu$" }]),
      ]),
    ).toEqual([]);
    const optionalEnum: RoutingContract = { task: { type: "enum", values: ["a", "b"], required: false } };
    expect(
      routingProblems({ rules: [rule("ab", [{ signal: "variable", name: "task", op: "in", value: ["a", "b"] }]), rule("rest", [])] }, optionalEnum),
    ).toEqual([]);
  });
});

describe("routing in the version (contract, document, bump, diff)", () => {
  const routed = (routing: Routing | undefined): PromptVersionContent => ({
    ...base,
    variables: { ...base.variables, task: { type: "enum", required: true, values: ["classify", "write", "reason"] } },
    system: [...base.system.slice(0, 1), { type: "text", role: "instructions", text: "Task: {{task}}" }, ...base.system.slice(1)],
    modelConfig: { ...base.modelConfig, ...(routing ? { routing } : {}) },
  });

  it("checkContract reports routing problems at modelConfig.routing paths; validateVersionContent refuses them", () => {
    const bad = routed({ rules: [rule("x", [{ signal: "variable", name: "missing", op: "equals", value: "1" }])] });
    expect(checkContract(bad).errors).toEqual([
      expect.objectContaining({
        code: "routing",
        path: "modelConfig.routing.rules.0.when.0.name",
        message: expect.stringContaining('"missing" is not in the variables contract'),
      }),
    ]);
    let caught: unknown;
    try {
      validateVersionContent(bad);
    } catch (error) {
      caught = error;
    }
    expect(isAppError(caught) && caught.message).toBe("The model routing rules are invalid");
    expect(checkContract(routed(demo)).errors).toEqual([]);
  });

  it("the document carries routing at the top level and names problems with document paths", () => {
    const doc = toVersionDocument({ name: "p", version: "1.0.0", content: routed(demo) });
    expect(doc.routing).toEqual(demo);
    expect(toVersionDocument({ name: "p", version: "1.0.0", content: routed(undefined) }).routing).toBeUndefined();
    const { labels: _labels, version: _version, ...body } = doc;
    expect(fromVersionDocument(body).content.modelConfig.routing).toEqual(demo);
    // An empty rule list is no routing (the content hash survives a round trip).
    expect(fromVersionDocument({ ...body, routing: { rules: [] } }).content.modelConfig.routing).toBeUndefined();
    const refused = (routing: unknown) => {
      try {
        fromVersionDocument({ ...body, routing });
      } catch (error) {
        return isAppError(error) ? error.issues?.map((i) => `${i.path}: ${i.message}`) : error;
      }
      return "accepted";
    };
    expect(refused({ rules: [rule("a", [], "claude-unknown")] })).toEqual(['routing.rules.0.model: unknown model "claude-unknown"']);
    expect(refused({ rules: [rule("a", [{ signal: "variable", name: "nope", op: "equals", value: "x" }])] })).toEqual([
      'routing.rules.0.when.0.name: rule 1 "a": variable "nope" is not in the variables contract',
    ]);
    expect(refused({ rules: [rule("a", []), rule("b", [])] })).toEqual([
      'routing.rules.1: rule 2 "b" never fires: rule 1 "a" before it matches every call (it has no conditions)',
    ]);
    expect(refused({ rules: "all" })).toEqual([expect.stringMatching(/^routing\.rules: /)]);
  });

  it("any routing change is a MINOR bump, with one reason per rule change", () => {
    const before = routed(demo);
    const after = routed({
      rules: [
        demo.rules[1]!,
        { ...demo.rules[0]!, model: "claude-haiku-4-5" },
        rule("pro-tier", [{ signal: "metadata", key: "tier", op: "equals", value: "pro" }], "claude-opus-5-5"),
      ],
    });
    const proposal = proposeBump(before, after);
    expect(proposal.bump).toBe("minor");
    expect(proposal.reasons).toEqual(
      expect.arrayContaining([
        'minor: routing rule "long-input" removed',
        'minor: routing rule "simple-classification" now routes to claude-haiku-4-5',
        'minor: routing rule "pro-tier" added (-> claude-opus-5-5)',
        'minor: routing rule "complex-reasoning" moved from position 2 to 1',
      ]),
    );
    expect(proposeBump(routed(undefined), before).bump).toBe("minor");
    expect(proposeBump(before, structuredClone(before)).bump).toBe("patch");
  });

  it("the diff lists rule changes in its own section, not as a model config field", () => {
    const d = diffVersions(routed(undefined), routed(demo));
    expect(d.identical).toBe(false);
    expect(d.modelConfig.changed).toBe(false);
    expect(d.routing.changes.map((c) => `${c.type} ${c.name}`)).toEqual(["added simple-classification", "added complex-reasoning", "added long-input"]);
    expect(diffRouting(demo, demo)).toEqual([]);
    expect(diffVersions(routed(demo), routed(demo)).identical).toBe(true);
  });
});

describe("estimateRequestTokens", () => {
  it("counts text, framing and tools with the offline estimate", () => {
    expect(estimateRequestTokens({ messages: [{ content: "" }] })).toBe(4 + 3);
    const one = estimateRequestTokens({ system: [{ text: "x".repeat(35) }], messages: [{ content: [{ type: "text", text: "y".repeat(70) }] }] });
    expect(one).toBe(10 + 3 + 4 + 20 + 3);
    expect(estimateRequestTokens({ messages: [{ content: "hi" }], tools: [{ name: "t" }] })).toBeGreaterThan(
      estimateRequestTokens({ messages: [{ content: "hi" }] }) + 12,
    );
  });
});
