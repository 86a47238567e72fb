import { describe, expect, it } from "vitest";
import { displayTextProblem, displayTextSchema } from "@/lib/errors/display-text";

const schema = displayTextSchema({ label: "Name", max: 10, empty: "Enter your name", tooLong: "Name is too long" });
const message = (value: string) => {
  const parsed = schema.safeParse(value);
  return parsed.success ? null : parsed.error.issues.map((i) => i.message).join("; ");
};

describe("display names", () => {
  it("accepts names in any script, with emoji, accents and inner spaces; trims the ends", () => {
    for (const name of ["Zoë", "José Núñez", "李小龙", "محمد", "🙂 team", "Ǆemal", "a\u0301b"]) expect(displayTextProblem(name, "Name")).toBeNull();
    expect(schema.parse("  Ana  ")).toBe("Ana");
  });

  it("refuses control characters, text-direction overrides and isolates", () => {
    for (const name of ["line\nbreak", "tab\there", "bell\u0007", "del\u007f", "c1\u0085x", "\u202Eevil", "iso\u2066x\u2069"]) {
      expect(displayTextProblem(name, "Name")).toBe("Name must not contain control or text-direction characters");
    }
  });

  it("refuses names with nothing visible (zero-width, format characters, lone combining marks)", () => {
    for (const name of ["\u200B", "\u200B\u200C\u200D", "\u2060", "\u0301\u0301", "\u00AD"]) {
      expect(displayTextProblem(name, "Project name")).toBe("Project name must contain a visible character");
    }
  });

  it("keeps the empty and too-long messages, and reports one problem at a time", () => {
    expect(message("   ")).toBe("Enter your name");
    expect(message("x".repeat(11))).toBe("Name is too long");
    expect(message("\u200B")).toBe("Name must contain a visible character");
    expect(message("ok")).toBeNull();
  });
});
