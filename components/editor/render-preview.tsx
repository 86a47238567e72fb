"use client";

import { useMemo, useState } from "react";
import { Card, cx } from "@/components/ui";
import type { ModelSpec } from "@/lib/models/catalog";
import { effectiveVariables } from "@/lib/prompts/render";
import type { PromptVersionContent } from "@/lib/prompts/schemas";
import { renderPreview } from "./editor-model";
import { inputClass } from "./editor-styles";

/** A sample value per variable and the Messages API request the draft renders to with them (or why it cannot). */
export function RenderPreview({ content, models }: { content: PromptVersionContent; models: ModelSpec[] }) {
  const [samples, setSamples] = useState<Record<string, string>>({});
  const rendered = useMemo(() => renderPreview(content, samples, models), [content, samples, models]);
  // The version's variables and those of its pinned snippets.
  const variables = useMemo(() => effectiveVariables(content), [content]);
  return (
    <Card className="p-3" data-testid="render-preview">
      <h2 className="mb-1.5 text-sm font-semibold">Rendered request</h2>
      {Object.keys(variables).length > 0 ? (
        <div className="mb-2 space-y-1">
          {Object.entries(variables).map(([name, def]) => (
            <label key={name} className="flex items-center gap-2 text-xs">
              <span className="w-28 shrink-0 truncate font-mono" title={name}>
                {name}
                {def.required && def.default === undefined ? <span className="text-danger">*</span> : null}
              </span>
              {def.type === "enum" ? (
                <select
                  value={samples[name] ?? ""}
                  onChange={(e) => setSamples((s) => ({ ...s, [name]: e.target.value }))}
                  className={cx(inputClass, "h-7 text-xs")}
                  aria-label={`Sample value of ${name}`}
                >
                  <option value="">{def.default !== undefined ? `default (${String(def.default)})` : "—"}</option>
                  {def.values.map((x) => (
                    <option key={x}>{x}</option>
                  ))}
                </select>
              ) : def.type === "messages" ? (
                <textarea
                  rows={2}
                  value={samples[name] ?? ""}
                  placeholder='[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]'
                  onChange={(e) => setSamples((s) => ({ ...s, [name]: e.target.value }))}
                  className={cx(inputClass, "h-auto py-1 font-mono text-xs")}
                  aria-label={`Sample value of ${name}`}
                  spellCheck={false}
                />
              ) : (
                <input
                  value={samples[name] ?? ""}
                  placeholder={def.default !== undefined ? `default: ${typeof def.default === "string" ? def.default : JSON.stringify(def.default)}` : def.type}
                  onChange={(e) => setSamples((s) => ({ ...s, [name]: e.target.value }))}
                  className={cx(inputClass, "h-7 font-mono text-xs")}
                  aria-label={`Sample value of ${name}`}
                />
              )}
            </label>
          ))}
        </div>
      ) : null}
      {rendered.ok ? (
        <pre className="max-h-96 overflow-auto rounded-md border border-border bg-muted/50 p-2 font-mono text-[11px] leading-snug" data-testid="rendered-json">
          {rendered.json}
        </pre>
      ) : (
        <ul className="space-y-0.5 text-xs text-danger" data-testid="render-errors">
          {rendered.issues.map((i, k) => (
            <li key={k}>
              <span className="font-mono">{i.path.replace(/^variables\./, "")}</span>: {i.message}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
