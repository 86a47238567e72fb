import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { clientSnippet, snippet } from "@/components/prompts/snippets";
import { snippetTarget } from "@/lib/prompts/labels";
import { exampleVariables } from "@/lib/prompts/render";
import { variablesSchema } from "@/lib/prompts/schemas";

const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * Type-checks snippets in one program, each as a module at the repo root (so "./lib/client" is the
 * real client); returns the diagnostics per snippet.
 */
function typecheck(codes: string[]): string[][] {
  const files = new Map(codes.map((code, i) => [path.join(ROOT, `__snippet_check_${i}__.ts`), `declare const userId: string;\n${code}\nexport {};\n`]));
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: ["node"],
    skipLibCheck: true,
    noUncheckedIndexedAccess: true,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, onError, create) => {
    const text = files.get(path.resolve(name));
    return text !== undefined ? ts.createSourceFile(name, text, version, true) : getSourceFile(name, version, onError, create);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => files.has(path.resolve(name)) || fileExists(name);
  const program = ts.createProgram([...files.keys()], options, host);
  return [...files.keys()].map((file) =>
    ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")),
  );
}

const variables = variablesSchema.parse({
  question: { type: "string", required: true },
  tone: { type: "enum", required: true, values: ["formal", "casual"] },
  limit: { type: "number", required: true },
  strict: { type: "boolean", required: true },
  context: { type: "json", required: true },
  locale: { type: "string", required: false },
  audience: { type: "string", required: true, default: "customers" },
});

describe("exampleVariables", () => {
  it("gives a typed example for each variable a caller must send, and leaves out optional and defaulted ones", () => {
    expect(exampleVariables(variables)).toEqual({ question: "...", tone: "formal", limit: 1, strict: true, context: {} });
    expect(exampleVariables({})).toEqual({});
  });
});

describe("typed client snippet", () => {
  const sample = exampleVariables(variables);

  it("names the prompt and fills in the variables", () => {
    const code = clientSnippet("render", "https://pd.example", "team/support-assistant", { label: "production" }, sample);
    expect(code).toContain('new PromptdeckClient({\n  baseUrl: "https://pd.example"');
    expect(code).toContain('pd.render("team/support-assistant", {');
    expect(code).toContain('question: "...",');
    expect(code).toContain('tone: "formal"');
    expect(code).not.toContain("locale");
    expect(snippet("client", "run", "https://pd.example", "x", { label: "production" }, { a: "..." })).toContain(
      'pd.run("x", {\n  label: "production",\n  variables: { a: "..." },',
    );
    expect(snippet("client", "get", "https://pd.example", "x", { label: "production" }, {})).toContain('pd.getPrompt("x", { label: "production" })');
  });

  it("get, render and run type-check against lib/client, and a wrong call does not", () => {
    const snippets = (["get", "render", "run"] as const).map((op) =>
      clientSnippet(op, "http://localhost:3000", "support-assistant", { label: "production" }, sample),
    );
    const broken = clientSnippet("render", "http://localhost:3000", "x", { version: "1.2.0" }, {}).replace("pd.render(", "pd.renderr(");
    const byVersion = clientSnippet("get", "http://localhost:3000", "x", { version: "1.2.0" }, {});
    const [get, render, run, wrong, version] = typecheck([...snippets, broken, byVersion]);
    expect({ get, render, run, version }).toEqual({ get: [], render: [], run: [], version: [] });
    expect(wrong?.join("\n")).toMatch(/renderr/);
  }, 30_000);
});

describe("what the snippets ask for (issue 18, defect 7)", () => {
  const versions = [
    { id: "v3", status: "DRAFT", version: "draft" },
    { id: "v2", status: "PUBLISHED", version: "1.1.0" },
    { id: "v1", status: "PUBLISHED", version: "1.0.0" },
  ];

  it("asks for production when the prompt has it, else its first label, else its newest published version", () => {
    const labels = [
      { name: "canary", versionId: "v2" },
      { name: "production", versionId: "v1" },
    ];
    expect(snippetTarget({ labels, versions })).toEqual({ selector: { label: "production" }, versionId: "v1" });
    expect(
      snippetTarget({
        labels: [
          { name: "canary", versionId: "v2" },
          { name: "staging", versionId: "v1" },
        ],
        versions,
      }),
    ).toEqual({
      selector: { label: "staging" },
      versionId: "v1",
    });
    expect(snippetTarget({ labels: [], versions })).toEqual({ selector: { version: "1.1.0" }, versionId: "v2" });
    expect(snippetTarget({ labels: [], versions: [versions[0]!] })).toBeNull();
  });

  it("every language and operation names that label or version, never a production label the prompt lacks", () => {
    for (const lang of ["curl", "ts", "client"] as const) {
      for (const op of ["get", "render", "run"] as const) {
        const staging = snippet(lang, op, "https://pd.example", "x", { label: "staging" }, { a: "..." });
        expect(staging, `${lang} ${op}`).toMatch(/staging/);
        expect(staging, `${lang} ${op}`).not.toMatch(/production/);
        const pinned = snippet(lang, op, "https://pd.example", "x", { version: "1.1.0" }, { a: "..." });
        expect(pinned, `${lang} ${op}`).toMatch(/version[=:"\s]+"?1\.1\.0/);
        expect(pinned, `${lang} ${op}`).not.toMatch(/label[=:"]/);
      }
    }
    expect(snippet("curl", "get", "https://pd.example", "x", { version: "1.1.0" }, {})).toContain('"https://pd.example/api/v1/prompts/x?version=1.1.0"');
    expect(snippet("ts", "run", "https://pd.example", "x", { label: "staging" }, {})).toContain('"label": "staging"');
  });
});
