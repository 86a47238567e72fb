import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { clientSnippet, snippet } from "@/components/prompts/snippets";
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
    const code = clientSnippet("render", "https://pd.example", "team/support-assistant", sample);
    expect(code).toContain('new PromptdeckClient({\n  baseUrl: "https://pd.example"');
    expect(code).toContain('pd.render("team/support-assistant", {');
    expect(code).toContain('question: "...",');
    expect(code).toContain('tone: "formal"');
    expect(code).not.toContain("locale");
    expect(snippet("client", "run", "https://pd.example", "x", { a: "..." })).toContain('pd.run("x", {\n  label: "production",\n  variables: { a: "..." },');
    expect(snippet("client", "get", "https://pd.example", "x", {})).toContain('pd.getPrompt("x", { label: "production" })');
  });

  it("get, render and run type-check against lib/client, and a wrong call does not", () => {
    const snippets = (["get", "render", "run"] as const).map((op) => clientSnippet(op, "http://localhost:3000", "support-assistant", sample));
    const broken = clientSnippet("render", "http://localhost:3000", "x", {}).replace("pd.render(", "pd.renderr(");
    const [get, render, run, wrong] = typecheck([...snippets, broken]);
    expect({ get, render, run }).toEqual({ get: [], render: [], run: [] });
    expect(wrong?.join("\n")).toMatch(/renderr/);
  }, 30_000);
});
