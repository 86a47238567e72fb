import { describe, expect, it } from "vitest";
import { parseCsvTable } from "@/lib/metrics/csv";

describe("the metrics CSV export's table parameter", () => {
  it("defaults to the prompt table and accepts the tables it has", () => {
    expect(parseCsvTable(null)).toBe("prompt");
    for (const table of ["prompt", "model", "day", "source"] as const) expect(parseCsvTable(table)).toBe(table);
  });

  it("refuses anything else with a 400 naming the choices, so nothing typed reaches a header", () => {
    for (const hostile of ["a\r\nSet-Cookie: x=1", "a\u0000b", 'x"; filename="evil.sh', "", "PROMPT", "💥"]) {
      expect(() => parseCsvTable(hostile)).toThrowError(
        expect.objectContaining({ code: "bad_request", message: "table must be one of prompt, model, day, source" }),
      );
    }
  });
});
