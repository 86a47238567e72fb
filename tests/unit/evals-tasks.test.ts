// Eval task ids (Message Batches custom_ids) and the cleaning of model output before storage.
import { describe, expect, it } from "vitest";
import { cleanOutput, judgeTaskId, parseTaskId } from "@/lib/evals/tasks";

describe("eval tasks", () => {
  it("custom_ids fit the API's pattern and read back", () => {
    const resultId = "0123456789abcdef0123456789abcdef";
    expect(parseTaskId(resultId)).toEqual({ purpose: "generate", resultId });
    const judge = judgeTaskId(9, resultId);
    expect(judge).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(parseTaskId(judge)).toEqual({ purpose: "judge", judgeIndex: 9, resultId });
    for (const bad of ["", "a b", "j1_", "../x", "x".repeat(10) + "\u0000"]) expect(parseTaskId(bad)).toBeNull();
  });

  it("strips NUL and replaces lone surrogates (PostgreSQL refuses both), keeps other text", () => {
    expect(cleanOutput("a\u0000b\u0000")).toBe("ab");
    expect(cleanOutput("x\uD800y")).toBe("x\uFFFDy");
    expect(cleanOutput("x\uDC00")).toBe("x\uFFFD");
    expect(cleanOutput("ok \u{1F600} 日本語 ✓")).toBe("ok \u{1F600} 日本語 ✓");
    expect(JSON.parse(JSON.stringify(cleanOutput("\uD83D")))).toBe("\uFFFD");
  });
});
