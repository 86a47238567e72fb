import { describe, expect, it } from "vitest";
import { isAppError } from "@/lib/errors";
import { parseTrafficInputs } from "@/lib/experiments/traffic";
import { toCsv } from "@/lib/metrics/csv";

describe("parseTrafficInputs (CSV)", () => {
  it("maps each row to variables named by the trimmed header", () => {
    expect(parseTrafficInputs(" question , limit\nWhere is my order?,5\r\nRefund?,10\n")).toEqual([
      { variables: { question: "Where is my order?", limit: "5" } },
      { variables: { question: "Refund?", limit: "10" } },
    ]);
  });

  it("reads quoted fields with commas, doubled quotes and line breaks, and CR, LF or CRLF line ends", () => {
    const text = 'question,context\r"Hi, ""there""","line 1\nline 2"\n"plain",\r\nlast,"x"';
    expect(parseTrafficInputs(text)).toEqual([
      { variables: { question: 'Hi, "there"', context: "line 1\nline 2" } },
      { variables: { question: "plain", context: "" } },
      { variables: { question: "last", context: "x" } },
    ]);
  });

  it("skips blank lines and rows of empty fields", () => {
    expect(parseTrafficInputs("q\n\na\n\n\nb")).toEqual([{ variables: { q: "a" } }, { variables: { q: "b" } }]);
    expect(parseTrafficInputs("q,r\n,\na,b")).toEqual([{ variables: { q: "a", r: "b" } }]);
  });

  it("reports every row with the wrong number of fields", () => {
    let error: unknown;
    try {
      parseTrafficInputs("q,r\na\nb,c\nd,e,f");
    } catch (e) {
      error = e;
    }
    expect(isAppError(error)).toBe(true);
    expect(error).toMatchObject({
      code: "unprocessable",
      message: "2 input lines are invalid",
      issues: [
        { path: "inputs.2", message: "expected 2 fields, got 1" },
        { path: "inputs.4", message: "expected 2 fields, got 3" },
      ],
    });
  });
});

describe("parseTrafficInputs (CSV edge cases)", () => {
  it("drops a leading BOM and keeps quotes inside an unquoted field as text", () => {
    expect(parseTrafficInputs('\ufeffquestion\nhe said "hi" twice')).toEqual([{ variables: { question: 'he said "hi" twice' } }]);
  });

  it("rejects a quote that is never closed as unprocessable, saying where", () => {
    expect(() => parseTrafficInputs('question\n"unfinished')).toThrow(/not valid CSV: Quote Not Closed.*line 2/);
  });
});

describe("parseTrafficInputs (JSON lines)", () => {
  it("accepts objects of variables or {variables, subject}", () => {
    expect(parseTrafficInputs('{"question":"Hi"}\n\n{"variables":{"question":"Yo"},"subject":"u1"}')).toEqual([
      { variables: { question: "Hi" } },
      { variables: { question: "Yo" }, subject: "u1" },
    ]);
  });
});

describe("toCsv", () => {
  it("writes RFC 4180 CSV: CRLF after every row, quotes only where needed, empty cells for null", () => {
    expect(
      toCsv(
        ["name", "calls", "note"],
        [
          ["a", 1, null],
          ['say "hi", ok', 2.5, undefined],
          ["two\nlines", 0, "cr\rhere"],
        ],
      ),
    ).toBe('name,calls,note\r\na,1,\r\n"say ""hi"", ok",2.5,\r\n"two\nlines",0,"cr\rhere"\r\n');
    expect(toCsv(["only"], [])).toBe("only\r\n");
  });
});
