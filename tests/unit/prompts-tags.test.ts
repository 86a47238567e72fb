import { describe, expect, it } from "vitest";
import { parseTagList, promptTagTextSchema } from "@/lib/prompts/schemas";

describe("tags typed as text", () => {
  it("splits on commas and whitespace, lowercases, drops blanks and repeats", () => {
    expect(parseTagList(" Support, triage  billing,,SUPPORT\tv2.0 ")).toEqual(["support", "triage", "billing", "v2.0"]);
    expect(parseTagList("")).toEqual([]);
    expect(parseTagList(" , \n ")).toEqual([]);
  });

  it("validates the result with the tag rules", () => {
    expect(promptTagTextSchema.parse("A, b")).toEqual(["a", "b"]);
    expect(promptTagTextSchema.safeParse("ok, bad!tag").error?.issues[0]).toMatchObject({ path: [1], message: expect.stringMatching(/lowercase/) });
    expect(promptTagTextSchema.safeParse(Array.from({ length: 21 }, (_, i) => `t${i}`).join(",")).success).toBe(false);
    expect(promptTagTextSchema.safeParse("x".repeat(2001)).success).toBe(false);
    // Case folding that changes length or leaves non-ASCII is refused, not stored.
    expect(promptTagTextSchema.safeParse("İstanbul").success).toBe(false);
  });
});
