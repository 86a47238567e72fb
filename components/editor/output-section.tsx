"use client";

import type { Dispatch } from "react";
import { Card, cx } from "@/components/ui";
import type { EditorEdit } from "./editor-edits";
import type { EditorState } from "./editor-model";
import { inputClass, smallLabel } from "./editor-styles";

/** The output format: free text, or JSON validated against a JSON Schema. */
export function OutputSection({
  outputFormat,
  schemaText,
  dispatch,
}: {
  outputFormat: EditorState["outputFormat"];
  schemaText: string;
  dispatch: Dispatch<EditorEdit>;
}) {
  return (
    <Card className="space-y-2.5 p-4" id="section-output" tabIndex={-1}>
      <h2 className="text-sm font-semibold">Output</h2>
      <div role="radiogroup" aria-label="Output format" className="flex gap-3 text-sm">
        {(["text", "json"] as const).map((f) => (
          <label key={f} className="flex items-center gap-1.5">
            <input type="radio" name="output-format" checked={outputFormat === f} onChange={() => dispatch({ type: "setOutputFormat", format: f })} />
            {f === "text" ? "Text" : "JSON"}
          </label>
        ))}
      </div>
      {outputFormat === "json" ? (
        <div>
          <label className={smallLabel} htmlFor="cfg-schema">
            JSON Schema
          </label>
          <textarea
            id="cfg-schema"
            rows={9}
            spellCheck={false}
            value={schemaText}
            onChange={(e) => dispatch({ type: "set", patch: { schemaText: e.target.value } })}
            className={cx(inputClass, "h-auto py-1 font-mono text-xs")}
            data-testid="schema-text"
          />
        </div>
      ) : (
        <p className="text-xs text-fg-muted">
          The reply is free text. Choose JSON to validate replies against a JSON Schema (the runner repairs once, then reports invalid output).
        </p>
      )}
    </Card>
  );
}
