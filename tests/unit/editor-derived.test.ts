import { describe, expect, it } from "vitest";
import { SEED_MODEL_CATALOG, findModel } from "@/lib/models/catalog";
import { analyzeCache } from "@/lib/prompts/cache";
import { checkContract } from "@/lib/prompts/contract";
import { supportAssistantContent as support } from "@/lib/prompts/fixtures/support-assistant";
import { versionContentIssues, type PromptVersionContent } from "@/lib/prompts/schemas";
import {
  cacheFigures,
  collectIssues,
  costPreviewOf,
  countedTokens,
  draftJson,
  errorAnchors,
  fromContent,
  openedDraftJson,
  renderPreview,
  toContent,
  tokenSourceOf,
} from "@/components/editor/editor-model";

// What the editor shows, derived from lib/prompts results (no React, no DOM).

describe("draft JSON", () => {
  it("is what the editor's round trip of the opened content would save, so opening is not an edit", () => {
    const state = fromContent(support, ["system.1"]);
    const { content } = toContent(state);
    expect(openedDraftJson(support, ["system.1", "nowhere"])).toBe(draftJson(content, []));
    expect(JSON.parse(draftJson(content, ["system.1"]))).toEqual({ content, acknowledged: ["system.1"] });
  });
});

describe("collectIssues", () => {
  const broken: PromptVersionContent = {
    ...support,
    system: [{ type: "text", role: "instructions", text: "Tenant {{tenant}}", cache_control: { type: "ephemeral", ttl: "1h" } }],
    messages: [{ role: "user", content: [{ type: "text", text: "{{question}} {{ not valid }}" }] }],
    variables: { question: { type: "string", required: true }, unused: { type: "string", required: false } },
  };

  it("orders form, shape, contract errors, cache issues, then contract warnings", () => {
    const issues = collectIssues({
      form: [{ path: "modelConfig.max_tokens", message: "max_tokens must be a whole number of at least 1" }],
      shape: [{ path: "modelConfig.model", message: 'unknown model "x"' }],
      contract: checkContract(broken),
      cache: analyzeCache(broken),
    });
    expect(issues.map((i) => `${i.source}:${i.severity}`)).toEqual([
      "form:error",
      "shape:error",
      "contract:error", // {{tenant}} undeclared
      "cache:error", // variable before the breakpoint
      "cache:warning", // below the minimum cacheable prefix
      "contract:warning", // invalid placeholder
      "contract:warning", // unused variable
    ]);
    expect(issues[3]).toMatchObject({ path: "system.0" });
    expect(errorAnchors(issues)).toEqual(new Set(["section-model", "block-system-0"]));
  });

  it("drops a shape issue about a value the form could not read (the stand-in sent for it), at the path or under it", () => {
    const issues = collectIssues({
      form: [{ path: "modelConfig.tools.0.input_schema", message: 'tool "a": input_schema is not valid JSON' }],
      shape: [
        { path: "modelConfig.tools.0.input_schema.type", message: 'input_schema must have "type": "object"' },
        { path: "modelConfig.tools.1.name", message: "tool names are 1-64 characters" },
      ],
      contract: checkContract(broken),
      cache: analyzeCache(broken),
    });
    expect(issues.filter((i) => i.path.startsWith("modelConfig.tools")).map((i) => i.path)).toEqual([
      "modelConfig.tools.0.input_schema",
      "modelConfig.tools.1.name",
    ]);
  });

  it("reports an enum variable without values once, not once per check (issue 18, defect 10)", () => {
    const state = fromContent(support, []);
    const { content } = toContent({
      ...state,
      variables: [...state.variables, { ...state.variables[0]!, name: "mood", type: "enum", valuesText: " , ", hasDefault: false, defaultText: "" }],
    });
    const issues = collectIssues({
      form: [],
      shape: versionContentIssues(content),
      contract: checkContract(content),
      cache: analyzeCache(content),
    });
    const errors = issues.filter((i) => i.severity === "error");
    expect(errors.map((i) => `${i.path}: ${i.message}`)).toEqual(["variables.mood.values: an enum variable needs at least one value"]);
  });

  it("is empty for the seeded support prompt", () => {
    expect(collectIssues({ form: [], shape: [], contract: checkContract(support), cache: analyzeCache(support) })).toEqual([]);
  });
});

describe("cacheFigures", () => {
  it("indexes blocks and breakpoints by location", () => {
    const cache = analyzeCache(support);
    const figures = cacheFigures(cache);
    expect([...figures.blockAt.keys()]).toEqual(cache.blocks.map((b) => b.location));
    expect([...figures.breakpointAt.keys()]).toEqual(["system.1", "system.2"]);
    expect(figures.minCacheableTokens).toBe(512);
  });
});

describe("tokenSourceOf", () => {
  const base = { available: true, counted: false, savable: true, failure: null };
  it("says why the figures are estimates, or that the API counted them", () => {
    expect(tokenSourceOf({ ...base, available: false, counted: true })).toEqual({ kind: "estimate", note: "estimate: no Anthropic API key is configured" });
    expect(tokenSourceOf({ ...base, counted: true, savable: false })).toEqual({ kind: "counted", note: "counted by the API" });
    expect(tokenSourceOf({ ...base, savable: false, failure: "boom" })).toEqual({ kind: "estimate", note: "estimate: fix the errors to count with the API" });
    expect(tokenSourceOf({ ...base, failure: "boom" })).toEqual({ kind: "estimate", note: "estimate: counting failed (boom)" });
    expect(tokenSourceOf(base)).toEqual({ kind: "estimate", note: "estimate: counting with the API…" });
  });
});

describe("countedTokens", () => {
  it("maps the API's breakpoints to prefix tokens by location", () => {
    expect(countedTokens({ totalTokens: 900, breakpoints: [{ location: "system.1", prefixTokens: 700 }] })).toEqual({
      totalTokens: 900,
      prefixTokens: { "system.1": 700 },
    });
  });
});

describe("costPreviewOf", () => {
  it("is null without a catalog model and for impossible inputs, the preview otherwise", () => {
    const spec = findModel(support.modelConfig.model, SEED_MODEL_CATALOG);
    expect(costPreviewOf(support, undefined, { expectedOutputTokens: 400, hitRate: 0.8 })).toBeNull();
    expect(costPreviewOf(support, spec, { expectedOutputTokens: -1, hitRate: 0.8 })).toBeNull();
    const cost = costPreviewOf(support, spec, { expectedOutputTokens: 400, hitRate: 0.8 });
    expect(cost?.tokensEstimated).toBe(true);
    expect(cost!.warm.totalMicros).toBeLessThan(cost!.cold.totalMicros);
  });
});

describe("renderPreview", () => {
  it("renders with the typed samples, leaving out empty fields and names no longer declared", () => {
    const preview = renderPreview(support, { question: "Where is my order?", account_context: "", gone: "x" }, SEED_MODEL_CATALOG);
    expect(preview.ok).toBe(true);
    if (preview.ok) expect(preview.json).toContain("Where is my order?");
  });

  it("lists the render issues when a required variable has no sample", () => {
    const preview = renderPreview(support, {}, SEED_MODEL_CATALOG);
    expect(preview).toEqual({ ok: false, issues: [expect.objectContaining({ path: "variables.question" })] });
  });
});
