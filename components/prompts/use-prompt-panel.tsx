"use client";

import { useState, useSyncExternalStore } from "react";
import { cx } from "@/components/ui";

type Lang = "curl" | "ts";
type Op = "get" | "render" | "run";

function snippet(lang: Lang, op: Op, origin: string, name: string, sample: Record<string, string>): string {
  const path = `/api/v1/prompts/${encodeURIComponent(name)}`;
  const body = JSON.stringify({ label: "production", variables: sample }, null, 2);
  if (lang === "curl") {
    if (op === "get") return `curl "${origin}${path}?label=production" \\\n  -H "Authorization: Bearer $PROMPTDECK_API_KEY"`;
    return `curl -X POST "${origin}${path}/${op}" \\\n  -H "Authorization: Bearer $PROMPTDECK_API_KEY" \\\n  -H "Content-Type: application/json" \\\n  -d '${body.replace(/'/g, "'\\''")}'`;
  }
  if (op === "get") {
    return `const res = await fetch("${origin}${path}?label=production", {\n  headers: { Authorization: \`Bearer \${process.env.PROMPTDECK_API_KEY}\` },\n});\nif (!res.ok) throw new Error(\`Promptdeck \${res.status}\`);\nconst prompt = await res.json(); // { name, version, labels, request, variables, output, ... }`;
  }
  const indented = body.replace(/\n/g, "\n  ");
  return `const res = await fetch("${origin}${path}/${op}", {\n  method: "POST",\n  headers: {\n    Authorization: \`Bearer \${process.env.PROMPTDECK_API_KEY}\`,\n    "Content-Type": "application/json",\n  },\n  body: JSON.stringify(${indented}),\n});\nif (!res.ok) throw new Error(\`Promptdeck \${res.status}\`);\nconst ${op === "render" ? "params" : "result"} = await res.json();${op === "render" ? " // ready Messages API params" : ""}`;
}

const noopSubscribe = () => () => {};

/** "Use this prompt": copy-ready curl and TypeScript fetch snippets for get, render and run. */
export function UsePromptPanel({ name, sampleVariables }: { name: string; sampleVariables: Record<string, string> }) {
  const [lang, setLang] = useState<Lang>("curl");
  const [op, setOp] = useState<Op>("get");
  const [copied, setCopied] = useState(false);
  // The server renders a placeholder origin; the browser swaps in its own after hydration.
  const origin = useSyncExternalStore(noopSubscribe, () => window.location.origin, () => "http://localhost:3000");
  const code = snippet(lang, op, origin, name, sampleVariables);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };

  const tab = (active: boolean) => cx("rounded px-2 py-0.5 text-xs", active ? "bg-muted font-medium text-fg" : "text-fg-muted hover:text-fg");

  return (
    <div className="space-y-2 p-4" data-testid="use-prompt">
      <div className="flex flex-wrap items-center gap-1">
        {(["get", "render", "run"] as const).map((o) => (
          <button key={o} type="button" className={tab(op === o)} onClick={() => setOp(o)} aria-pressed={op === o}>
            {o === "get" ? "Fetch" : o === "render" ? "Render" : "Run"}
          </button>
        ))}
        <span className="mx-1 h-4 w-px bg-border" />
        {(["curl", "ts"] as const).map((l) => (
          <button key={l} type="button" className={tab(lang === l)} onClick={() => setLang(l)} aria-pressed={lang === l}>
            {l === "curl" ? "curl" : "TypeScript"}
          </button>
        ))}
        <button type="button" onClick={() => void copy()} className="ml-auto rounded border border-border px-2 py-0.5 text-xs hover:bg-muted" data-testid="copy-snippet">
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
      <pre className="overflow-x-auto rounded-md border border-border bg-muted/50 p-3 font-mono text-[11.5px] leading-relaxed break-all whitespace-pre-wrap" data-testid="use-snippet">
        {code}
      </pre>
      <p className="text-xxs text-fg-muted">Create an API key with the prompts:read (and prompts:run) scope in Settings and export it as PROMPTDECK_API_KEY.</p>
    </div>
  );
}
