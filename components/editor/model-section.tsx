"use client";

import type { Dispatch } from "react";
import { Card, cx } from "@/components/ui";
import type { ModelSpec } from "@/lib/models/catalog";
import { effortSchema, serviceTierSchema } from "@/lib/prompts/schemas";
import type { EditorEdit } from "./editor-edits";
import type { EditorState } from "./editor-model";
import { inputClass, smallLabel } from "./editor-styles";

/** The model config: model (from the catalog), max_tokens, effort, service tier, fallback model, stop sequences, and the model's limits. */
export function ModelSection({
  doc,
  spec,
  models,
  dispatch,
}: {
  doc: EditorState;
  spec: ModelSpec | undefined;
  models: ModelSpec[];
  dispatch: Dispatch<EditorEdit>;
}) {
  const set = (patch: Extract<EditorEdit, { type: "set" }>["patch"]) => dispatch({ type: "set", patch });
  return (
    <Card className="space-y-2.5 p-4" id="section-model" tabIndex={-1}>
      <h2 className="text-sm font-semibold">Model</h2>
      <div>
        <label className={smallLabel} htmlFor="cfg-model">
          Model
        </label>
        <select id="cfg-model" value={doc.model} onChange={(e) => set({ model: e.target.value })} className={inputClass} data-testid="model-select">
          {!spec ? <option value={doc.model}>{doc.model || "choose a model"} (unknown)</option> : null}
          {models.map((m) => (
            <option key={m.model} value={m.model}>
              {m.displayName} ({m.model}){m.deprecated ? " — deprecated" : ""}
            </option>
          ))}
        </select>
      </div>
      <div className="grid grid-cols-2 gap-2">
        <div>
          <label className={smallLabel} htmlFor="cfg-max">
            max_tokens
          </label>
          <input
            id="cfg-max"
            inputMode="numeric"
            value={doc.maxTokens}
            onChange={(e) => set({ maxTokens: e.target.value })}
            className={cx(inputClass, "font-mono")}
          />
        </div>
        <div>
          <label className={smallLabel} htmlFor="cfg-effort">
            Effort
          </label>
          <select
            id="cfg-effort"
            value={doc.effort}
            onChange={(e) => set({ effort: e.target.value === "" ? "" : effortSchema.parse(e.target.value) })}
            className={inputClass}
          >
            <option value="">default</option>
            {effortSchema.options.map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label className={smallLabel} htmlFor="cfg-tier">
            Service tier
          </label>
          <select
            id="cfg-tier"
            value={doc.serviceTier}
            onChange={(e) => set({ serviceTier: e.target.value === "" ? "" : serviceTierSchema.parse(e.target.value) })}
            className={inputClass}
          >
            <option value="">default</option>
            {serviceTierSchema.options.map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label className={smallLabel} htmlFor="cfg-fallback">
            Fallback model
          </label>
          <select id="cfg-fallback" value={doc.fallbackModel} onChange={(e) => set({ fallbackModel: e.target.value })} className={inputClass}>
            <option value="">none</option>
            {models.map((m) => (
              <option key={m.model} value={m.model}>
                {m.model}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div>
        <label className={smallLabel} htmlFor="cfg-stop">
          Stop sequences (one per line)
        </label>
        <textarea
          id="cfg-stop"
          rows={2}
          value={doc.stopSequences}
          onChange={(e) => set({ stopSequences: e.target.value })}
          className={cx(inputClass, "h-auto py-1 font-mono text-xs")}
        />
      </div>
      {spec ? (
        <p className="text-xxs text-fg-muted">
          {spec.displayName}: context {spec.contextWindow.toLocaleString("en")} tokens, max output {spec.maxOutputTokens.toLocaleString("en")}, min cacheable
          prefix {spec.minCacheableTokens.toLocaleString("en")}.
        </p>
      ) : null}
    </Card>
  );
}
