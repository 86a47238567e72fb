"use client";

import { useState, useSyncExternalStore } from "react";
import { cx } from "@/components/ui";
import type { PromptSelector } from "@/lib/prompts/labels";
import { snippet, type SnippetLang, type SnippetOp } from "./snippets";

const noopSubscribe = () => () => {};

/** "Use this prompt": copy-ready curl, TypeScript fetch and typed-client (lib/client) snippets for get, render and run. */
export function UsePromptPanel({
  name,
  selector,
  sampleVariables,
}: {
  name: string;
  /** A label the prompt has, else its newest published version (lib/prompts/labels snippetTarget). */
  selector: PromptSelector;
  sampleVariables: Record<string, unknown>;
}) {
  const [lang, setLang] = useState<SnippetLang>("curl");
  const [op, setOp] = useState<SnippetOp>("get");
  const [copied, setCopied] = useState(false);
  // The server renders a placeholder origin; the browser swaps in its own after hydration.
  const origin = useSyncExternalStore(
    noopSubscribe,
    () => window.location.origin,
    () => "http://localhost:3000",
  );
  const code = snippet(lang, op, origin, name, selector, sampleVariables);

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
          <button key={o} type="button" className={tab(op === o)} onClick={() => setOp(o)} aria-pressed={op === o} data-testid={`snippet-op-${o}`}>
            {o === "get" ? "Fetch" : o === "render" ? "Render" : "Run"}
          </button>
        ))}
        <span className="mx-1 h-4 w-px bg-border" />
        {(["curl", "ts", "client"] as const).map((l) => (
          <button key={l} type="button" className={tab(lang === l)} onClick={() => setLang(l)} aria-pressed={lang === l} data-testid={`snippet-lang-${l}`}>
            {l === "curl" ? "curl" : l === "ts" ? "fetch" : "Typed client"}
          </button>
        ))}
        <button
          type="button"
          onClick={() => void copy()}
          className="ml-auto rounded border border-border px-2 py-0.5 text-xs hover:bg-muted"
          data-testid="copy-snippet"
        >
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
      <pre
        className="overflow-x-auto rounded-md border border-border bg-muted/50 p-3 font-mono text-[11.5px] leading-relaxed break-all whitespace-pre-wrap"
        data-testid="use-snippet"
      >
        {code}
      </pre>
      <p className="text-xxs text-fg-muted">Create an API key with the prompts:read (and prompts:run) scope in Settings and export it as PROMPTDECK_API_KEY.</p>
    </div>
  );
}
