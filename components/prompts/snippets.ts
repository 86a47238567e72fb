/**
 * Copy-ready code for the "use this prompt" panel: curl, TypeScript fetch and the project's typed
 * client (lib/client), for fetching, rendering and running a prompt. Pure string builders. The
 * selector is a label the prompt has or a published version (lib/prompts/labels snippetTarget):
 * naming a label it lacks would be a 404.
 */
import type { PromptSelector } from "@/lib/prompts/labels";

export type SnippetLang = "curl" | "ts" | "client";
export type SnippetOp = "get" | "render" | "run";

/** `{ a: "x", b: 1 }` (variable names are identifiers, so keys need no quotes); `{}` when empty. */
function objectLiteral(values: Record<string, unknown>): string {
  const entries = Object.entries(values).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  if (entries.length === 0) return "{}";
  const oneLine = `{ ${entries.join(", ")} }`;
  return oneLine.length <= 60 ? oneLine : `{\n    ${entries.join(",\n    ")},\n  }`;
}

/** `label: "production"` or `version: "1.2.0"`, as a TypeScript property. */
function selectorProperty(selector: PromptSelector): string {
  return "label" in selector ? `label: ${JSON.stringify(selector.label)}` : `version: ${JSON.stringify(selector.version)}`;
}

/** `label=production` or `version=1.2.0`, as a query string. */
function selectorQuery(selector: PromptSelector): string {
  return new URLSearchParams("label" in selector ? { label: selector.label } : { version: selector.version }).toString();
}

/** The project's typed client (lib/client): construct it, then get, render or run this prompt. */
export function clientSnippet(op: SnippetOp, origin: string, name: string, selector: PromptSelector, sample: Record<string, unknown>): string {
  const select = selectorProperty(selector);
  const setup = `import { PromptdeckClient } from "./lib/client"; // lib/client, copied from Promptdeck\n\nconst pd = new PromptdeckClient({\n  baseUrl: "${origin}",\n  apiKey: process.env.PROMPTDECK_API_KEY!,\n});\n\n`;
  const prompt = JSON.stringify(name);
  if (op === "get") {
    return `${setup}// Cached for 60 s, then revalidated in the background; falls back to the last copy if the server is down.\nconst { prompt, source } = await pd.getPrompt(${prompt}, { ${select} });\n// prompt.request: the Messages API request with {{variables}}; source: server | cache | stale | fallback`;
  }
  const variables = objectLiteral(sample);
  if (op === "render") {
    return `${setup}const { version, request } = await pd.render(${prompt}, {\n  ${select},\n  variables: ${variables},\n});\n// request: ready Messages API params (typed), e.g. for anthropic.messages.create(request)`;
  }
  return `${setup}const result = await pd.run(${prompt}, {\n  ${select},\n  variables: ${variables},\n  subject: userId, // sticky A/B assignment; only its SHA-256 is stored\n});\nif (result.callId) await pd.score(result.callId, { correct: true });`;
}

export function snippet(lang: SnippetLang, op: SnippetOp, origin: string, name: string, selector: PromptSelector, sample: Record<string, unknown>): string {
  if (lang === "client") return clientSnippet(op, origin, name, selector, sample);
  const path = `/api/v1/prompts/${encodeURIComponent(name)}`;
  const body = JSON.stringify({ ...selector, variables: sample }, null, 2);
  if (lang === "curl") {
    if (op === "get") return `curl "${origin}${path}?${selectorQuery(selector)}" \\\n  -H "Authorization: Bearer $PROMPTDECK_API_KEY"`;
    return `curl -X POST "${origin}${path}/${op}" \\\n  -H "Authorization: Bearer $PROMPTDECK_API_KEY" \\\n  -H "Content-Type: application/json" \\\n  -d '${body.replace(/'/g, "'\\''")}'`;
  }
  if (op === "get") {
    return `const res = await fetch("${origin}${path}?${selectorQuery(selector)}", {\n  headers: { Authorization: \`Bearer \${process.env.PROMPTDECK_API_KEY}\` },\n});\nif (!res.ok) throw new Error(\`Promptdeck \${res.status}\`);\nconst prompt = await res.json(); // { name, version, labels, request, variables, output, ... }`;
  }
  const indented = body.replace(/\n/g, "\n  ");
  return `const res = await fetch("${origin}${path}/${op}", {\n  method: "POST",\n  headers: {\n    Authorization: \`Bearer \${process.env.PROMPTDECK_API_KEY}\`,\n    "Content-Type": "application/json",\n  },\n  body: JSON.stringify(${indented}),\n});\nif (!res.ok) throw new Error(\`Promptdeck \${res.status}\`);\nconst ${op === "render" ? "params" : "result"} = await res.json();${op === "render" ? " // ready Messages API params" : ""}`;
}
