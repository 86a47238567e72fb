import { describe, expect, it } from "vitest";
import { compareLabelNames, DEFAULT_LABEL, defaultVersionId } from "@/lib/prompts/labels";

describe("defaultVersionId (the version a prompt is shown with)", () => {
  const versions = [
    { id: "draft", status: "DRAFT" },
    { id: "v2", status: "PUBLISHED" },
    { id: "v1", status: "PUBLISHED" },
  ];

  it("is the production label's version when there is one", () => {
    expect(
      defaultVersionId({
        labels: [
          { name: "staging", versionId: "v2" },
          { name: DEFAULT_LABEL, versionId: "v1" },
        ],
        versions,
      }),
    ).toBe("v1");
  });

  it("else the newest published version, else the draft, else none", () => {
    expect(defaultVersionId({ labels: [{ name: "staging", versionId: "v1" }], versions })).toBe("v2");
    expect(defaultVersionId({ labels: [], versions: [{ id: "draft", status: "DRAFT" }] })).toBe("draft");
    expect(defaultVersionId({ labels: [], versions: [] })).toBeNull();
  });
});

describe("compareLabelNames", () => {
  it("orders production, staging, then the rest by name", () => {
    expect(["beta", "staging", "alpha", "production"].sort(compareLabelNames)).toEqual(["production", "staging", "alpha", "beta"]);
  });
});
