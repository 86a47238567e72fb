import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { fromVersionDocument, toVersionDocument } from "@/lib/prompts/document";
import { supportAssistantContent as content } from "@/lib/prompts/fixtures/support-assistant";

function issuesOf(fn: () => unknown): Array<{ path: string; message: string }> {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) {
      expect(error.code).toBe("unprocessable");
      return error.issues ?? [];
    }
    throw error;
  }
  throw new Error("expected an AppError");
}

const doc = toVersionDocument({
  name: "support-assistant",
  version: { major: 1, minor: 2, patch: 0 },
  labels: ["staging", "production"],
  changelog: "Shorter",
  content,
});
// A create body: the document without its read-only fields.
const createBody = { name: doc.name, changelog: doc.changelog, request: doc.request, variables: doc.variables, output: doc.output, policy: doc.policy };

describe("toVersionDocument", () => {
  it("uses Anthropic's field names and keeps system block roles", () => {
    expect(doc.version).toBe("1.2.0");
    expect(doc.labels).toEqual(["production", "staging"]);
    expect(doc.request).toMatchObject({ model: "claude-sonnet-5-5", max_tokens: 1024, stop_sequences: ["</answer>"], output_config: { effort: "medium" } });
    expect(doc.request).not.toHaveProperty("service_tier");
    expect(doc.request.system[1]).toEqual({ type: "text", text: content.system[1]!.text, role: "reference", cache_control: { type: "ephemeral", ttl: "1h" } });
    expect(Object.keys(doc)).toEqual(["name", "version", "labels", "changelog", "request", "variables", "output", "policy"]);
  });
});

describe("fromVersionDocument", () => {
  it("round-trips the content", () => {
    const parsed = fromVersionDocument(JSON.parse(JSON.stringify(createBody)), { name: "support-assistant" });
    expect(parsed.content).toEqual(content);
    expect(parsed).toMatchObject({ name: "support-assistant", changelog: "Shorter", publish: false, warnings: [] });
    expect(parsed.bump).toBeUndefined();
    expect(parsed.requestedVersion).toBeUndefined();
  });

  it("accepts version or bump, and publish", () => {
    expect(fromVersionDocument({ ...createBody, version: "2.0.0", publish: true })).toMatchObject({ requestedVersion: "2.0.0", publish: true });
    expect(fromVersionDocument({ ...createBody, bump: "minor" }).bump).toBe("minor");
    expect(issuesOf(() => fromVersionDocument({ ...createBody, version: "2.0.0", bump: "major" }))).toEqual([
      { path: "version", message: "send either version or bump, not both" },
    ]);
    expect(issuesOf(() => fromVersionDocument({ ...createBody, version: "v2" }))[0]?.path).toBe("version");
  });

  it("passes acknowledged breakpoint locations through, and only lists of strings", () => {
    expect(fromVersionDocument({ ...createBody, acknowledged_variable_breakpoints: ["system.1"] }).acknowledgedVariableBreakpoints).toEqual(["system.1"]);
    expect(fromVersionDocument(createBody).acknowledgedVariableBreakpoints).toBeUndefined();
    expect(issuesOf(() => fromVersionDocument({ ...createBody, acknowledged_variable_breakpoints: [1] }))[0]?.path).toBe("acknowledged_variable_breakpoints.0");
  });

  it("treats labels as read-only", () => {
    expect(issuesOf(() => fromVersionDocument({ ...createBody, labels: ["production"] }))).toEqual([
      { path: "labels", message: "labels is read-only: move labels with the label endpoints" },
    ]);
    expect(fromVersionDocument({ ...createBody, labels: ["production"] }, { ignoreReadOnly: true }).content).toEqual(content);
  });

  it("rejects unknown fields at every level, and sampling params with a clear message", () => {
    expect(issuesOf(() => fromVersionDocument({ ...createBody, extra: 1 }))[0]?.message).toMatch(/extra/);
    const temp = issuesOf(() => fromVersionDocument({ ...createBody, request: { ...createBody.request, temperature: 0.7 } }));
    expect(temp).toEqual([{ path: "request.temperature", message: expect.stringMatching(/removed temperature, top_p and top_k/) }]);
    const deep = issuesOf(() => fromVersionDocument({ ...createBody, policy: { ...createBody.policy, retries: 3 } }));
    expect(deep[0]?.path).toBe("policy");
  });

  it("is lenient like the Messages API: string system/content, role optional", () => {
    const parsed = fromVersionDocument({
      request: { model: "claude-haiku-5-5", max_tokens: 100, system: "Be brief.", messages: [{ role: "user", content: "Hi {{name}}" }] },
      variables: { name: { type: "string", required: true } },
    });
    expect(parsed.content.system).toEqual([{ type: "text", text: "Be brief.", role: "other" }]);
    expect(parsed.content.messages).toEqual([{ role: "user", content: [{ type: "text", text: "Hi {{name}}" }] }]);
    expect(parsed.content.outputSchema).toEqual({ format: "text" });
    expect(parsed.content.policy).toEqual({});
    const noRole = fromVersionDocument({ ...createBody, request: { ...createBody.request, system: [{ type: "text", text: "x" }] } });
    expect(noRole.content.system[0]?.role).toBe("other");
  });

  it("collects shape problems with document paths", () => {
    const issues = issuesOf(() =>
      fromVersionDocument({
        name: "Bad Name",
        request: { model: "nope", max_tokens: 10, output_config: { effort: "medium" }, messages: [{ role: "assistant", content: "x" }] },
        output: { format: "xml" },
      }),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(["name", "output.format", "request.messages.0.role", "request.model"]);
  });

  it("reports max_tokens above the model limit at request.max_tokens", () => {
    const big = { ...createBody, request: { ...createBody.request, max_tokens: 1_000_000 } };
    expect(issuesOf(() => fromVersionDocument(big)).map((i) => i.path)).toEqual(["request.max_tokens"]);
  });

  it("checks the variables contract and the URL name", () => {
    const undeclared = { ...createBody, variables: { question: content.variables.question! } };
    expect(issuesOf(() => fromVersionDocument(undeclared)).map((i) => `${i.path} ${i.message}`)).toEqual([
      "request.messages.0.content.0.text {{account_context}} is used but not declared in variables",
      "request.messages.0.content.0.text {{tone}} is used but not declared in variables",
    ]);
    const unused = fromVersionDocument({ ...createBody, variables: { ...content.variables, spare: { type: "string", required: false } } });
    expect(unused.warnings.map((w) => w.path)).toEqual(["variables.spare"]);
    expect(issuesOf(() => fromVersionDocument(createBody, { name: "other" }))[0]?.path).toBe("name");
  });
});
