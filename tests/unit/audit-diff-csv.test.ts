import { describe, expect, it } from "vitest";
import { auditCsvChunks, csvRow, safeCsvCell } from "@/lib/audit/csv";
import { diffAuditValues, diffText } from "@/lib/audit/diff";

describe("diffAuditValues", () => {
  it("lists added, removed and changed paths, nested and in arrays, in path order", () => {
    const lines = diffAuditValues(
      { name: "Old", runner: { max_retries: 2, timeout_ms: 5 }, scopes: ["a", "b"] },
      { name: "New", runner: { max_retries: 3 }, scopes: ["a"], extra: true },
    );
    expect(lines).toEqual([
      { kind: "added", path: "extra", after: "true" },
      { kind: "changed", path: "name", before: '"Old"', after: '"New"' },
      { kind: "changed", path: "runner.max_retries", before: "2", after: "3" },
      { kind: "removed", path: "runner.timeout_ms", before: "5" },
      { kind: "removed", path: "scopes[1]", before: '"b"' },
    ]);
    expect(diffText(lines)).toContain('~ name: "Old" -> "New"');
  });

  it("treats a missing side as nothing and equal values as no line", () => {
    expect(diffAuditValues(null, { a: 1 })).toEqual([{ kind: "added", path: "a", after: "1" }]);
    expect(diffAuditValues({ a: 1 }, undefined)).toEqual([{ kind: "removed", path: "a", before: "1" }]);
    expect(diffAuditValues({ a: { b: [1] } }, { a: { b: [1] } })).toEqual([]);
    expect(diffAuditValues("x", "y")).toEqual([{ kind: "changed", path: "", before: '"x"', after: '"y"' }]);
  });

  it("cuts long values", () => {
    const [line] = diffAuditValues(null, { text: "x".repeat(1000) });
    expect(line?.kind === "added" && line.after.length).toBe(200);
  });
});

describe("audit CSV", () => {
  it("neutralises formula cells (CSV injection) and quotes as RFC 4180 needs", () => {
    for (const bad of ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"]) expect(safeCsvCell(bad)).toBe(`'${bad}`);
    expect(safeCsvCell("plain")).toBe("plain");
    expect(safeCsvCell(-5)).toBe(-5);
    expect(csvRow(["a,b", 'say "hi"', '=HYPERLINK("x")', null])).toBe('"a,b","say ""hi""","\'=HYPERLINK(""x"")",\r\n');
  });

  it("streams a header and one row per event", async () => {
    async function* rows() {
      yield {
        at: new Date("2026-01-02T03:04:05Z"),
        actor: "=evil@example.com",
        action: "project.rename",
        targetType: "project",
        targetId: "p1",
        before: { name: "A" },
        after: { name: "B" },
      };
    }
    const chunks: string[] = [];
    for await (const c of auditCsvChunks(rows())) chunks.push(c);
    expect(chunks).toHaveLength(2);
    expect(chunks[0]).toBe("at,actor,action,target_type,target_id,changes,before,after\r\n");
    expect(chunks[1]).toContain("2026-01-02T03:04:05.000Z,'=evil@example.com,project.rename,project,p1,");
    expect(chunks[1]).toContain('~ name: ""A"" -> ""B""');
  });
});
