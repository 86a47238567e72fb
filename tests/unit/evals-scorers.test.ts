import { describe, expect, it } from "vitest";
import { evaluatorConfigSchema, type EvaluatorConfig } from "@/lib/evals/evaluator-config";
import {
  REGEX_INPUT_LIMIT,
  SIMILARITY_INPUT_LIMIT,
  combineScores,
  evaluatorConfigProblem,
  getJsonPath,
  judgeVariables,
  normalizeText,
  parseJudgeAnswer,
  parseOutputJson,
  scoreOutput,
  type CodeEvaluatorConfig,
} from "@/lib/evals/scorers";

/** A config as the API would parse it (defaults filled in). */
function cfg(raw: Record<string, unknown>): CodeEvaluatorConfig {
  const parsed = evaluatorConfigSchema.parse({ id: "e", ...raw });
  if (parsed.type === "llm_judge") throw new Error("not a code evaluator");
  return parsed;
}
const score = (raw: Record<string, unknown>, output: string, expected: unknown = null, outputSchema: Record<string, unknown> | null = null) =>
  scoreOutput(cfg(raw), { output, expected, outputSchema });

/** Deeply nested JSON text: [[[...]]] */
const deepArray = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

describe("exact_match", () => {
  it("trims by default and is case sensitive", () => {
    expect(score({ type: "exact_match" }, "  Paris \n", "Paris")).toEqual({ score: 1, pass: true });
    const miss = score({ type: "exact_match" }, "paris", "Paris");
    expect(miss).toMatchObject({ score: 0, pass: false });
    expect(miss.reason).toBe('expected "Paris", got "paris"');
  });

  it("applies every normalisation option", () => {
    const normalize = { trim: true, caseInsensitive: true, collapseWhitespace: true, stripPunctuation: true };
    expect(score({ type: "exact_match", normalize }, "  HELLO,   world!! ", "hello world").pass).toBe(true);
    expect(score({ type: "exact_match", normalize: { trim: false } }, " a", "a").pass).toBe(false);
    expect(normalizeText("¿Qué?  «sí»", { trim: true, caseInsensitive: false, collapseWhitespace: true, stripPunctuation: true })).toBe("Qué sí");
  });

  it("treats canonically equivalent Unicode as equal (NFC)", () => {
    expect(score({ type: "exact_match" }, "Cafe\u0301", "Caf\u00e9").pass).toBe(true);
  });

  it("compares JSON expectations as JSON (key order and spacing ignored)", () => {
    expect(score({ type: "exact_match" }, '{ "b": 2, "a": [1, 2] }', { a: [1, 2], b: 2 }).pass).toBe(true);
    expect(score({ type: "exact_match" }, "42", 42).pass).toBe(true);
    expect(score({ type: "exact_match" }, '{"a": 1}', { a: 2 }).pass).toBe(false);
  });

  it("cannot score without an expected output", () => {
    expect(score({ type: "exact_match" }, "x", null)).toEqual({ score: null, pass: null, error: "the item has no expected output" });
  });

  it("keeps NUL bytes out of the stored reason", () => {
    const result = score({ type: "exact_match" }, "a\u0000b", "ab");
    expect(result.pass).toBe(false);
    expect(result.reason).not.toContain("\u0000");
    expect(JSON.stringify(result)).not.toContain("\\u0000");
  });

  it("bounds the reason for huge outputs", () => {
    const result = score({ type: "exact_match" }, "x".repeat(2_000_000), "y");
    expect(result.pass).toBe(false);
    expect(result.reason!.length).toBeLessThanOrEqual(1_000);
  });
});

describe("contains", () => {
  it("looks for the configured value, else the expected text", () => {
    expect(score({ type: "contains", value: "refund" }, "We will refund you", null).pass).toBe(true);
    expect(score({ type: "contains" }, "order #123 shipped", "#123").pass).toBe(true);
    expect(score({ type: "contains" }, "order shipped", "#123")).toMatchObject({ score: 0, pass: false, reason: 'the output does not contain "#123"' });
  });

  it("is case sensitive unless asked", () => {
    expect(score({ type: "contains", value: "Refund" }, "refund").pass).toBe(false);
    expect(score({ type: "contains", value: "Refund", caseInsensitive: true }, "REFUND now").pass).toBe(true);
  });

  it("has nothing to look for without a value or expected output", () => {
    expect(score({ type: "contains" }, "abc", null).error).toMatch(/nothing to look for/);
  });
});

describe("regex", () => {
  it("matches with flags i, m, s, u", () => {
    expect(score({ type: "regex", pattern: "^order \\d+$", flags: "im" }, "hello\nORDER 42\nbye").pass).toBe(true);
    expect(score({ type: "regex", pattern: "^order \\d+$" }, "hello\nORDER 42").pass).toBe(false);
    expect(score({ type: "regex", pattern: "a.b", flags: "s" }, "a\nb").pass).toBe(true);
    expect(score({ type: "regex", pattern: "^\\p{Lu}", flags: "u" }, "Émile").pass).toBe(true);
  });

  it("refuses flags other than i, m, s, u at the schema", () => {
    expect(evaluatorConfigSchema.safeParse({ type: "regex", id: "r", pattern: "a", flags: "g" }).success).toBe(false);
  });

  it("is not fooled by a previous match's lastIndex", () => {
    const config = cfg({ type: "regex", pattern: "x" });
    expect(scoreOutput(config, { output: "x", expected: null }).pass).toBe(true);
    expect(scoreOutput(config, { output: "x", expected: null }).pass).toBe(true);
  });

  it("gives up on catastrophic backtracking instead of hanging", () => {
    // (a|a)*b is exponential and passes the star-height heuristic; the timeout catches it.
    const started = Date.now();
    const result = score({ type: "regex", pattern: "^(a|a)*b$" }, "a".repeat(40));
    expect(result.score).toBeNull();
    expect(result.error).toMatch(/took longer than/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("refuses outputs longer than the input limit", () => {
    const result = score({ type: "regex", pattern: "a" }, "a".repeat(REGEX_INPUT_LIMIT + 1));
    expect(result).toMatchObject({ score: null, pass: null });
    expect(result.error).toMatch(/at most/);
  });

  it("reports an invalid pattern as unscorable, not a throw", () => {
    expect(score({ type: "regex", pattern: "(" }, "x").error).toMatch(/not a valid regular expression/);
  });
});

describe("valid_json", () => {
  it("accepts the whole output or one fenced block, not prose around JSON", () => {
    expect(score({ type: "valid_json" }, ' {"a": 1} ').pass).toBe(true);
    expect(score({ type: "valid_json" }, '```json\n{"a": 1}\n```').pass).toBe(true);
    expect(score({ type: "valid_json" }, "```\n[1,2]\n```").pass).toBe(true);
    expect(score({ type: "valid_json" }, 'Here you go: {"a": 1}').pass).toBe(false);
    expect(score({ type: "valid_json" }, "")).toMatchObject({ pass: false, reason: "the output is empty" });
  });

  it("survives deeply nested JSON", () => {
    const result = score({ type: "valid_json" }, deepArray(100_000));
    expect(result.score === 1 || result.score === null).toBe(true);
  });

  it("parses JSON with odd Unicode and NUL escapes", () => {
    expect(parseOutputJson('{"s": "\\u0000 \\ud83d\\ude00 \u202e"}')).toEqual({ ok: true, value: { s: "\u0000 😀 \u202e" } });
  });
});

describe("json_schema", () => {
  const schema = { type: "object", required: ["intent"], properties: { intent: { enum: ["refund", "other"] } } };

  it("validates against the evaluator's schema", () => {
    expect(score({ type: "json_schema", schema }, '{"intent":"refund"}').pass).toBe(true);
    const bad = score({ type: "json_schema", schema }, '{"intent":"cancel"}');
    expect(bad).toMatchObject({ score: 0, pass: false });
    expect(bad.reason).toMatch(/does not match the schema: \/intent must be equal to one of the allowed values/);
  });

  it("falls back to the version's output schema", () => {
    expect(score({ type: "json_schema" }, '{"intent":"other"}', null, schema).pass).toBe(true);
    expect(score({ type: "json_schema" }, '{"intent":"other"}', null, null).error).toMatch(/no schema/);
  });

  it("fails outputs that are not JSON", () => {
    expect(score({ type: "json_schema", schema }, "refund").reason).toMatch(/not valid JSON/);
  });

  it("does not crash on deeply nested documents", () => {
    const result = score({ type: "json_schema", schema: { type: "array", items: { $ref: "#" } } }, deepArray(50_000));
    expect(["number", "object"]).toContain(typeof result.score);
  });
});

describe("json_field", () => {
  it("compares the field at a path with the expected JSON's", () => {
    expect(
      score({ type: "json_field", path: "$.order.items[1].sku" }, '{"order":{"items":[{"sku":"a"},{"sku":"b"}]}}', { order: { items: [{}, { sku: "b" }] } })
        .pass,
    ).toBe(true);
    const miss = score({ type: "json_field", path: "$.intent" }, '{"intent":"cancel"}', '{"intent":"refund"}');
    expect(miss).toMatchObject({ pass: false, reason: '$.intent: expected "refund", got "cancel"' });
  });

  it("uses the configured value over the expected output", () => {
    expect(score({ type: "json_field", path: "$.ok", value: true }, '{"ok":true}', null).pass).toBe(true);
    expect(score({ type: "json_field", path: "$.tags", value: ["a", "b"] }, '{"tags":["b","a"]}', null).pass).toBe(false);
  });

  it("compares objects regardless of key order", () => {
    expect(score({ type: "json_field", path: "$.a", value: { x: 1, y: 2 } }, '{"a":{"y":2,"x":1}}').pass).toBe(true);
  });

  it("fails a missing field; cannot score when the expectation lacks it", () => {
    expect(score({ type: "json_field", path: "$.a" }, "{}", { a: 1 }).reason).toBe("the output has no $.a");
    expect(score({ type: "json_field", path: "$.a" }, '{"a":1}', { b: 1 }).error).toMatch(/expected output has no \$.a/);
    expect(score({ type: "json_field", path: "$.a" }, '{"a":1}', "not json").error).toMatch(/not JSON/);
  });

  it("does not read inherited properties through the path", () => {
    expect(getJsonPath({}, "$.constructor")).toEqual({ found: false });
    expect(getJsonPath([1], "$[5]")).toEqual({ found: false });
    expect(getJsonPath({ a: [{ b: null }] }, "$.a[0].b")).toEqual({ found: true, value: null });
  });
});

describe("numeric", () => {
  it("reads a number from the text and compares exactly by default", () => {
    expect(score({ type: "numeric" }, "42", 42).pass).toBe(true);
    expect(score({ type: "numeric" }, "The total is 1,234.50.", "1234.5").pass).toBe(true);
    expect(score({ type: "numeric" }, "43", 42)).toMatchObject({ pass: false, reason: "expected 42 ± 0, got 43" });
  });

  it("applies absolute and relative tolerance", () => {
    expect(score({ type: "numeric", tolerance: 0.5 }, "42.4", 42).pass).toBe(true);
    expect(score({ type: "numeric", tolerance: 0.5 }, "42.6", 42).pass).toBe(false);
    expect(score({ type: "numeric", tolerance: 0.01, relative: true }, "1009", 1000).pass).toBe(true);
    expect(score({ type: "numeric", tolerance: 0.01, relative: true }, "1011", 1000).pass).toBe(false);
  });

  it("reads from a JSON path", () => {
    expect(score({ type: "numeric", path: "$.total" }, '{"total": 9.99}', { total: 9.99 }).pass).toBe(true);
    expect(score({ type: "numeric", path: "$.total" }, '{"total": "9.99"}', 9.99).pass).toBe(true);
    expect(score({ type: "numeric", path: "$.total" }, '{"sum": 1}', 9.99).reason).toBe("the output has no $.total");
  });

  it("fails ambiguous or missing numbers", () => {
    expect(score({ type: "numeric" }, "between 3 and 5", 4).reason).toMatch(/has 2 numbers/);
    expect(score({ type: "numeric" }, "no idea", 4).reason).toBe("the output has no number");
  });

  it("refuses numbers that are not finite", () => {
    expect(score({ type: "numeric" }, "1e400", 1).pass).toBe(false);
    expect(score({ type: "numeric" }, "1", "1e400").error).toMatch(/expected value/);
    expect(score({ type: "numeric", tolerance: 1e12 }, "9007199254740993", 9007199254740992).pass).toBe(true);
  });

  it("reads a Unicode minus", () => {
    expect(score({ type: "numeric" }, "−5", -5).pass).toBe(true);
  });
});

describe("similarity", () => {
  it("is 1 - Levenshtein distance / longer length", () => {
    const result = score({ type: "similarity" }, "kitten", "sitting");
    // distance 3, longer length 7
    expect(result.score).toBeCloseTo(1 - 3 / 7, 4);
    expect(result.pass).toBe(false);
    expect(score({ type: "similarity", threshold: 0.5 }, "kitten", "sitting").pass).toBe(true);
    expect(score({ type: "similarity" }, "", "")).toMatchObject({ score: 1, pass: true });
  });

  it("refuses texts too long to compare", () => {
    expect(score({ type: "similarity" }, "a".repeat(SIMILARITY_INPUT_LIMIT + 1), "a").error).toMatch(/at most/);
  });

  it("handles long texts within the limit quickly", () => {
    const a = "lorem ipsum ".repeat(1_500);
    const started = Date.now();
    expect(score({ type: "similarity" }, a, `${a}!`).score).toBeGreaterThan(0.99);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe("parseJudgeAnswer", () => {
  it("reads score and reason, pass at the threshold", () => {
    expect(parseJudgeAnswer('{"score": 0.8, "reason": "polite and correct"}', 0.5)).toEqual({ score: 0.8, pass: true, reason: "polite and correct" });
    expect(parseJudgeAnswer('{"score": 0.5, "reason": "ok"}', 0.5).pass).toBe(true);
    expect(parseJudgeAnswer('{"score": 0.49, "reason": "meh"}', 0.5).pass).toBe(false);
  });

  it("tolerates a fenced json block", () => {
    expect(parseJudgeAnswer('```json\n{"score": 1, "reason": "exact"}\n```', 0.5)).toEqual({ score: 1, pass: true, reason: "exact" });
  });

  it("turns prose, missing or out-of-range scores into errors", () => {
    expect(parseJudgeAnswer("The answer looks good to me.", 0.5)).toMatchObject({
      score: null,
      pass: null,
      error: expect.stringMatching(/did not answer JSON/),
    });
    expect(parseJudgeAnswer('{"reason": "x"}', 0.5).error).toMatch(/no numeric "score"/);
    expect(parseJudgeAnswer('{"score": "0.9"}', 0.5).error).toMatch(/no numeric "score"/);
    expect(parseJudgeAnswer('{"score": 7, "reason": "great"}', 0.5)).toEqual({ score: null, pass: null, error: "the judge's score 7 is outside 0..1" });
    expect(parseJudgeAnswer('{"score": -0.1}', 0.5).score).toBeNull();
    expect(parseJudgeAnswer("[0.5]", 0.5).error).toMatch(/not a JSON object/);
    expect(parseJudgeAnswer('{"score": 1e999}', 0.5).score).toBeNull();
  });

  it("strips NUL from the reason and bounds it", () => {
    const answer = parseJudgeAnswer(JSON.stringify({ score: 1, reason: `a\u0000b${"x".repeat(10_000)}` }), 0.5);
    expect(answer.reason!.startsWith("ab")).toBe(true);
    expect(answer.reason!.length).toBeLessThanOrEqual(2_000);
    expect(parseJudgeAnswer(`\u0000${"prose ".repeat(10_000)}`, 0.5).error!.length).toBeLessThan(400);
  });
});

describe("judgeVariables", () => {
  it("fills input, output and expected as text", () => {
    expect(judgeVariables({ variables: { q: "hi" }, output: "hello", expected: { a: 1 } })).toEqual({
      input: '{\n  "q": "hi"\n}',
      output: "hello",
      expected: '{"a":1}',
    });
    expect(judgeVariables({ variables: {}, output: "a\u0000b", expected: null })).toEqual({ input: "{}", output: "ab", expected: "" });
  });
});

describe("combineScores", () => {
  it("averages non-null scores and passes only when every scored evaluator passes", () => {
    expect(
      combineScores({
        a: { score: 1, pass: true },
        b: { score: 0.5, pass: false },
        c: { score: null, pass: null, error: "judge failed" },
      }),
    ).toEqual({ score: 0.75, passed: false });
    expect(combineScores({ a: { score: 1, pass: true }, b: { score: 0.6, pass: true } })).toEqual({ score: 0.8, passed: true });
    expect(combineScores({ a: { score: null, pass: null } })).toEqual({ score: null, passed: null });
    expect(combineScores({})).toEqual({ score: null, passed: null });
    // Scores read back from jsonb written by hand: wrong types count as absent.
    expect(combineScores({ a: { score: "1", pass: "yes" } as never, b: { score: 0.4, pass: false } })).toEqual({ score: 0.4, passed: false });
  });
});

describe("evaluatorConfigProblem", () => {
  const problem = (raw: Record<string, unknown>, ctx?: Parameters<typeof evaluatorConfigProblem>[1]) =>
    evaluatorConfigProblem(evaluatorConfigSchema.parse({ id: "e", ...raw }) as EvaluatorConfig, ctx);

  it("accepts sound configs", () => {
    expect(problem({ type: "regex", pattern: "^\\d{3}-\\d{4}$" })).toBeNull();
    expect(problem({ type: "json_schema", schema: { type: "object" } })).toBeNull();
    expect(problem({ type: "json_schema" }, { outputSchema: { type: "object" } })).toBeNull();
    expect(problem({ type: "exact_match" })).toBeNull();
    expect(problem({ type: "llm_judge", prompt: "judge" })).toBeNull();
  });

  it("names an invalid regex", () => {
    expect(problem({ type: "regex", pattern: "([a-z]" })).toMatch(/^evaluator "e": the pattern is not a valid regular expression/);
    expect(problem({ type: "regex", pattern: "\\p{Foo}", flags: "u" })).toMatch(/not a valid regular expression/);
  });

  it("accepts lookbehind, named groups and Unicode classes", () => {
    expect(problem({ type: "regex", pattern: "(?<=order )\\d+" })).toBeNull();
    expect(problem({ type: "regex", pattern: "(?<!no )refund" })).toBeNull();
    expect(problem({ type: "regex", pattern: "(?<x>a)\\k<x>" })).toBeNull();
    expect(problem({ type: "regex", pattern: "^\\p{Lu}[\\u{1F600}-\\u{1F64F}]", flags: "u" })).toBeNull();
    expect(problem({ type: "regex", pattern: "(?<=a)(b+)+c" })).toMatch(/exponential time/);
  });

  it("refuses catastrophic patterns", () => {
    expect(problem({ type: "regex", pattern: "(a+)+b" })).toMatch(/exponential time/);
    expect(problem({ type: "regex", pattern: "^(\\w+\\s?)*$" })).toMatch(/exponential time/);
  });

  it("refuses a schema that is not a JSON Schema, and a missing one", () => {
    expect(problem({ type: "json_schema", schema: { type: "banana" } })).toMatch(/not a valid JSON Schema/);
    expect(problem({ type: "json_schema", schema: { required: "intent" } })).toMatch(/not a valid JSON Schema/);
    expect(problem({ type: "json_schema" }, { version: "1.2.0", outputSchema: null })).toMatch(/version 1.2.0 has no JSON output schema/);
  });
});
