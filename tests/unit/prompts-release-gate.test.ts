import { describe, expect, it } from "vitest";
import { hashVersionContent } from "@/lib/prompts/content-hash";
import { describeReleaseGate, releaseGateFromSettings, releaseGateSchema, snapshotContentHash } from "@/lib/prompts/release-gate";
import { parseProjectSettings } from "@/lib/runs/settings";

const content = {
  system: [{ type: "text", role: "instructions", text: "Be brief." }],
  messages: [{ role: "user", content: [{ type: "text", text: "{{q}}" }] }],
  variables: { q: { type: "string", required: true } },
  modelConfig: { model: "claude-sonnet-5-5", max_tokens: 100 },
  outputSchema: { format: "text" },
  policy: {},
};

describe("release gate rule", () => {
  it("reads the gate from settings like the settings parser, ignoring an invalid part", () => {
    const gate = { labels: ["production"], minScore: 0.9 };
    expect(releaseGateFromSettings({ evals: { gate } })).toEqual({ ...gate, failOnRegression: true, maxAgeDays: 30 });
    expect(parseProjectSettings({ evals: { gate } }).settings.evalGate).toEqual(releaseGateFromSettings({ evals: { gate } }));
    for (const bad of [
      null,
      [],
      "x",
      { evals: { gate: { labels: [], minScore: 0.9 } } },
      { evals: { gate, extra: 1 } },
      { evals: { gate: { ...gate, minScore: Number.NaN } } },
    ]) {
      expect(releaseGateFromSettings(bad)).toBeUndefined();
    }
    expect(releaseGateFromSettings({ runner: {} })).toBeUndefined();
  });

  it("refuses hostile values", () => {
    const base = { labels: ["production"], minScore: 0.5 };
    expect(releaseGateSchema.safeParse({ ...base, labels: ["prod\u0000"] }).success).toBe(false);
    expect(releaseGateSchema.safeParse({ ...base, minScore: 1e308 }).success).toBe(false);
    expect(releaseGateSchema.safeParse({ ...base, maxAgeDays: 2.5 }).success).toBe(false);
    expect(releaseGateSchema.safeParse({ ...base, labels: Array.from({ length: 21 }, (_, i) => `l${i}`) }).success).toBe(false);
    expect(releaseGateSchema.safeParse({ ...base, evaluator: "Judge One" }).success).toBe(false);
  });

  it("describes the rule in words", () => {
    expect(describeReleaseGate({ labels: ["production"], minScore: 0.9, failOnRegression: true, maxAgeDays: 1 })).toBe(
      "a score of at least 0.90 (all evaluators combined), no regressions against the baseline, finished at most 1 day ago",
    );
    expect(describeReleaseGate({ labels: ["production"], minScore: 0.75, evaluator: "judge", failOnRegression: false, maxAgeDays: 7 })).toBe(
      'a score of at least 0.75 (evaluator "judge"), finished at most 7 days ago',
    );
  });

  it("takes a snapshot's stored hash, else hashes its content (top level or under content)", () => {
    const hash = hashVersionContent(content);
    expect(snapshotContentHash({ contentHash: "abc" })).toBe("abc");
    expect(snapshotContentHash(content)).toBe(hash);
    expect(snapshotContentHash({ content, display: "1.0.0" })).toBe(hash);
    expect(snapshotContentHash({ display: "1.0.0" })).toBeNull();
    expect(snapshotContentHash(null)).toBeNull();
    expect(snapshotContentHash([content])).toBeNull();
  });
});
