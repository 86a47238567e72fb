import { describe, expect, it } from "vitest";
import { DEFAULT_TRAFFIC_CONCURRENCY, sendTrafficSchema } from "@/lib/experiments/schemas";

describe("send-traffic requests", () => {
  it("run at the default concurrency unless they ask otherwise", () => {
    expect(DEFAULT_TRAFFIC_CONCURRENCY).toBe(4);
    expect(sendTrafficSchema.parse({ mode: "generate" })).toEqual({
      mode: "generate",
      count: 20,
      inputs: "",
      concurrency: DEFAULT_TRAFFIC_CONCURRENCY,
      dataset: "",
    });
    expect(sendTrafficSchema.parse({ mode: "paste", inputs: "{}", concurrency: 2 }).concurrency).toBe(2);
  });

  it("bound the count and the concurrency", () => {
    expect(sendTrafficSchema.safeParse({ mode: "generate", count: 501 }).error?.issues[0]?.message).toBe("at most 500 calls per run");
    expect(sendTrafficSchema.safeParse({ mode: "generate", count: 1e308 }).success).toBe(false);
    expect(sendTrafficSchema.safeParse({ mode: "generate", concurrency: 9 }).success).toBe(false);
  });
});
