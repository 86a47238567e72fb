import { describe, expect, it } from "vitest";
import { fmtRateInterval, fmtScore, fmtScoreInterval, fmtSignedScore, kappaReading } from "@/components/evals/format";
import { draftsToConfigs, newEvaluatorDraft, type EvaluatorDraft } from "@/components/evals/evaluator-drafts";

describe("eval number formats", () => {
  it("formats scores, intervals and signed differences", () => {
    expect(fmtScore(0.8234)).toBe("0.82");
    expect(fmtScore(null)).toBe("–");
    expect(fmtScore(Number.NaN)).toBe("–");
    expect(fmtScoreInterval([0.7, 0.86])).toBe("0.70 – 0.86");
    expect(fmtScoreInterval(null)).toBe("");
    expect(fmtRateInterval([0.714, 0.836])).toBe("71% – 84%");
    expect(fmtSignedScore(0.04)).toBe("+0.04");
    expect(fmtSignedScore(-0.123)).toBe("−0.12");
    expect(fmtSignedScore(0)).toBe("0.00");
  });
});

describe("kappaReading (Landis & Koch, judged on the interval's lower end)", () => {
  it("trusts a judge only when even the low end is substantial", () => {
    const r = kappaReading(0.85, [0.72, 0.95], 120);
    expect(r.band).toBe("almost perfect");
    expect(r.tone).toBe("success");
    expect(r.advice).toBe("Almost perfect agreement — trust the judge for pass/fail.");
    expect(kappaReading(0.7, [0.62, 0.78], 200).advice).toMatch(/^Substantial agreement — trust the judge for pass\/fail\.$/);
  });
  it("asks for a spot check when the point is good but the interval is wide", () => {
    const r = kappaReading(0.7, [0.3, 0.95], 12);
    expect(r.tone).toBe("warning");
    expect(r.advice).toContain("reaches down to fair");
    expect(r.advice).toContain("Only 12 reviewed items");
  });
  it("warns for moderate and refuses for poor agreement", () => {
    expect(kappaReading(0.5, [0.41, 0.59], 300).band).toBe("moderate");
    expect(kappaReading(0.5, [0.41, 0.59], 300).tone).toBe("warning");
    expect(kappaReading(0.1, [-0.1, 0.3], 300)).toMatchObject({ band: "slight", tone: "danger" });
    expect(kappaReading(-0.2, null, 300).band).toBe("poor");
  });
  it("says what to do when nothing was reviewed", () => {
    expect(kappaReading(null, null, 0)).toMatchObject({ band: "unknown", tone: "neutral" });
  });
});

describe("evaluator builder drafts", () => {
  const judge = (key: number, list: EvaluatorDraft[] = []) => newEvaluatorDraft("llm_judge", key, list, "ticket-judge");

  it("gives each new evaluator an unused column name", () => {
    const a = newEvaluatorDraft("exact_match", 0, []);
    const b = newEvaluatorDraft("exact_match", 1, [a]);
    const c = newEvaluatorDraft("exact_match", 2, [a, b]);
    expect([a.id, b.id, c.id]).toEqual(["exact", "exact-2", "exact-3"]);
  });

  it("turns every type's fields into a config the schema accepts", () => {
    const drafts: EvaluatorDraft[] = [
      { ...newEvaluatorDraft("exact_match", 0, []), flags: { trim: true, caseInsensitive: true } },
      { ...newEvaluatorDraft("contains", 1, []), text: { value: "refund" } },
      { ...newEvaluatorDraft("regex", 2, []), text: { pattern: "^(a|b)$", flags: "i" } },
      newEvaluatorDraft("valid_json", 3, []),
      { ...newEvaluatorDraft("json_schema", 4, []), text: { schema: '{"type":"object"}' } },
      { ...newEvaluatorDraft("json_field", 5, []), text: { path: "$.category", value: '"billing"' } },
      { ...newEvaluatorDraft("numeric", 6, []), text: { path: "$.total", tolerance: "0.5" }, flags: { relative: true } },
      { ...newEvaluatorDraft("similarity", 7, []), text: { threshold: "0.9" } },
      judge(8),
    ];
    const r = draftsToConfigs(drafts);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.configs.map((c) => c.type)).toEqual([
      "exact_match",
      "contains",
      "regex",
      "valid_json",
      "json_schema",
      "json_field",
      "numeric",
      "similarity",
      "llm_judge",
    ]);
    expect(r.configs[0]).toMatchObject({ normalize: { trim: true, caseInsensitive: true, collapseWhitespace: false } });
    expect(r.configs[5]).toMatchObject({ path: "$.category", value: "billing" });
    expect(r.configs[6]).toMatchObject({ tolerance: 0.5, relative: true });
    expect(r.configs[8]).toEqual({ type: "llm_judge", id: "judge", prompt: "ticket-judge", version: "production", threshold: 0.5 });
  });

  it("names the field of each problem", () => {
    const drafts: EvaluatorDraft[] = [
      { ...newEvaluatorDraft("regex", 0, []), text: { pattern: "", flags: "gx" } },
      { ...newEvaluatorDraft("json_field", 1, []), text: { path: "category", value: "billing" } },
      { ...newEvaluatorDraft("similarity", 2, []), text: { threshold: "1.5" } },
      { ...judge(3), text: { prompt: "", version: "production", threshold: "abc" } },
      { ...newEvaluatorDraft("valid_json", 4, []), id: "Bad Id" },
    ];
    const r = draftsToConfigs(drafts);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors).sort()).toEqual(["0.flags", "0.pattern", "1.path", "1.value", "2.threshold", "3.prompt", "3.threshold", "4.id"].sort());
    expect(r.errors["1.value"]).toContain("not valid JSON");
    expect(r.errors["4.id"]).toContain("lowercase");
  });

  it("refuses an empty list and a column name used twice", () => {
    const empty = draftsToConfigs([]);
    expect(empty.ok).toBe(false);
    if (!empty.ok) expect(empty.errors.list).toBe("choose at least one evaluator");
    const a = newEvaluatorDraft("valid_json", 0, []);
    const twice = draftsToConfigs([a, { ...newEvaluatorDraft("exact_match", 1, []), id: a.id }]);
    expect(twice.ok).toBe(false);
    if (!twice.ok) expect(twice.errors["1.id"]).toContain("used twice");
  });
});
